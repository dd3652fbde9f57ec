"""The audit trail: every mutation and every read of family data, append-only, for admins.

DESIGN.md §5: every access to personal data and every state change is
written to the audit log (who, when, what, from which token). Issue 4 adds
the organization and the outcome, and ``auditLog(organizationId, from, to,
first, after)`` for an organization's admins (their own) and platform admins.

Every mutation is exercised twice, through the authorization matrix's own
calls: once by a caller the table allows, once by one it refuses; each leaves
exactly one entry.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from graph.access import identity
from graph.db import Database
from tests.conftest import Api, MovableClock, World, unique
from tests.test_authorization_matrix import CALLS, EXPECTED, ROLES, Matrix
from tests.test_authorization_matrix import matrix as matrix  # the same world, built here

ENTRY = (
    "id at kind operation outcome userId tokenId requestId targetId organizationIds "
    "actorOrganizationIds"
)
LOG = (
    "query($org: ID, $from: DateTime, $to: DateTime, $first: Int, $after: String) { "
    "auditLog(organizationId: $org, from: $from, to: $to, first: $first, after: $after) { "
    f"totalCount edges {{ cursor node {{ {ENTRY} }} }} pageInfo {{ hasNextPage }} }} }}"
)
OUTCOME = {"allow": "OK", "deny": "FORBIDDEN", "not_found": "NOT_FOUND"}


def _cell(operation: str, wanted: set[str]) -> tuple[str, str, str]:
    """The first (role, relation) of the table whose outcome is in ``wanted``."""
    row = EXPECTED[operation]
    return next(
        (role, relation, row.cells[role, relation])
        for role in ROLES
        if role != "ANONYMOUS"
        for relation in row.relations
        if row.cells[role, relation] in wanted
    )


MUTATIONS = [name for name, row in EXPECTED.items() if row.kind == "mutation"]
CASES = [
    pytest.param(operation, *_cell(operation, wanted), id=f"{operation}-{what}")
    for operation in MUTATIONS
    for what, wanted in (("allowed", {"allow"}), ("refused", {"deny", "not_found"}))
]


async def _token_id(db: Database, api: Api) -> str:
    row = await db.row(
        "MATCH (t:ApiToken {hash: $hash}) RETURN t.id AS id",
        hash=identity.hash_token(str(api.token)),
    )
    assert row is not None
    return str(row["id"])


async def _entries(db: Database, request_id: str) -> list[dict[str, Any]]:
    rows = await db.rows(
        "MATCH (a:AuditEntry {requestId: $id}) RETURN a {.*} AS a ORDER BY a.operation",
        id=request_id,
    )
    return [dict(row["a"]) for row in rows]


@pytest.mark.parametrize(("operation", "role", "relation", "expected"), CASES)
async def test_every_mutation_leaves_one_entry_saying_who_how_where_what_when_and_outcome(
    matrix: Matrix,
    db: Database,
    clock: MovableClock,
    operation: str,
    role: str,
    relation: str,
    expected: str,
) -> None:
    call, caller = CALLS[operation], matrix.callers[role]
    variables = await call.variables(matrix, relation, role)
    started = datetime.now(UTC)
    try:
        response = await caller.raw(call.document, variables)
    finally:
        while matrix.restore:
            await matrix.restore.pop()()
    finished = datetime.now(UTC)
    entries = await _entries(db, response.headers["x-request-id"])
    assert len(entries) == 1, entries
    entry = entries[0]
    assert (entry["kind"], entry["operation"]) == ("MUTATION", operation)
    assert entry["outcome"] == OUTCOME[expected]
    assert entry["userId"] == caller.user_id  # type: ignore[attr-defined]
    assert entry["tokenId"] == await _token_id(db, caller)
    assert started <= entry["at"].to_native() <= finished
    works_at_own = role in {"ORG_STAFF", "ORG_ADMIN"}
    assert entry["actorOrganizationIds"] == ([matrix.orgs["OWN"]["id"]] if works_at_own else [])
    if isinstance(variables.get("id"), str):
        assert entry["targetId"] == variables["id"]
    # the admins of the organization concerned find it in its trail; platform admins in theirs
    admin = matrix.callers["PLATFORM_ADMIN"]
    everyone = await admin.data(LOG, {"from": started.isoformat(), "first": 100})
    assert entry["id"] in {e["node"]["id"] for e in everyone["auditLog"]["edges"]}
    if works_at_own or (relation == "own" and matrix.orgs["OWN"]["id"] in entry["organizationIds"]):
        own = await matrix.callers["ORG_ADMIN"].data(
            LOG, {"org": matrix.orgs["OWN"]["id"], "from": started.isoformat(), "first": 100}
        )
        assert entry["id"] in {e["node"]["id"] for e in own["auditLog"]["edges"]}


async def test_an_unauthenticated_call_reaches_no_operation_and_leaves_no_entry(
    matrix: Matrix, db: Database
) -> None:
    response = await matrix.callers["ANONYMOUS"].raw(
        'mutation { createUser(email: "x@exemple.qc.ca", name: "X") { id } }'
    )
    assert response.status_code == 401
    assert await _entries(db, response.headers["x-request-id"]) == []


async def test_a_query_without_family_data_leaves_no_entry(matrix: Matrix, db: Database) -> None:
    sender, receiver = matrix.orgs["OWN"], matrix.orgs["OTHER"]
    referral_id = await matrix.referral(sender, receiver)
    response = await matrix.callers["ORG_STAFF"].raw(
        "query($id: ID!) { referral(id: $id) { status needCodes events { type } } }",
        {"id": referral_id},
    )
    assert "errors" not in response.json()
    assert await _entries(db, response.headers["x-request-id"]) == []


# ---------------------------------------------------------------------------
# Reads of family data


async def test_reading_a_family_and_its_contact_is_written_down(
    matrix: Matrix, db: Database
) -> None:
    sender, receiver = matrix.orgs["OTHER"], matrix.orgs["OWN"]
    referral_id = await matrix.referral(sender, receiver)
    staff = matrix.callers["ORG_STAFF"]
    response = await staff.raw(
        "query($id: ID!) { referral(id: $id) { family { reference } contact { phone } } }",
        {"id": referral_id},
    )
    assert response.json()["data"]["referral"]["contact"]["phone"] == "514-555-0142"
    entries = await _entries(db, response.headers["x-request-id"])
    assert [(e["kind"], e["operation"], e["outcome"], e["targetId"]) for e in entries] == [
        ("READ_PERSONAL", "readFamily", "OK", referral_id),
        ("READ_PERSONAL", "readFamilyContact", "OK", referral_id),
    ]
    for entry in entries:
        assert entry["organizationIds"] == sorted([sender["id"], receiver["id"]])
        assert entry["actorOrganizationIds"] == [receiver["id"]]
        assert entry["userId"] == staff.user_id  # type: ignore[attr-defined]
        assert entry["tokenId"] == await _token_id(db, staff)


async def test_reading_case_notes_and_comments_is_written_down_once_per_referral(
    matrix: Matrix, db: Database
) -> None:
    sender, receiver = matrix.orgs["OTHER"], matrix.orgs["OWN"]
    referral_id = await matrix.referral(sender, receiver)
    staff = matrix.callers["ORG_STAFF"]
    for text in ("appel manqué", "rappeler jeudi"):
        await staff.data(
            "mutation($id: ID!, $text: String!) { addReferralNote(id: $id, text: $text) { id } }",
            {"id": referral_id, "text": text},
        )
    response = await staff.raw(
        "query($id: ID!) { referral(id: $id) { notes { comment } events { comment } } }",
        {"id": referral_id},
    )
    assert [n["comment"] for n in response.json()["data"]["referral"]["notes"]] == [
        "appel manqué",
        "rappeler jeudi",
    ]
    entries = await _entries(db, response.headers["x-request-id"])
    assert [(e["kind"], e["operation"], e["targetId"]) for e in entries] == [
        ("READ_PERSONAL", "readCaseNotes", referral_id)
    ]
    timeline = await staff.raw(
        "query($id: ID!) { referral(id: $id) { notes { type } } }", {"id": referral_id}
    )
    assert await _entries(db, timeline.headers["x-request-id"]) == []


async def test_each_contact_read_in_a_list_is_written_down(matrix: Matrix, db: Database) -> None:
    world = matrix.world
    network = await world.network()
    sender, receiver = await world.organization(network), await world.organization(network)
    made = {await matrix.referral(sender, receiver) for _ in range(3)}
    staff = await world.caller("ORG_STAFF", organization=receiver)
    response = await staff.raw(
        "query($org: ID!) { referrals(organizationId: $org) { edges { "
        "node { contact { phone } } } } }",
        {"org": receiver["id"]},
    )
    assert len(response.json()["data"]["referrals"]["edges"]) == 3
    entries = await _entries(db, response.headers["x-request-id"])
    assert {e["targetId"] for e in entries} == made
    assert {e["operation"] for e in entries} == {"readFamilyContact"}


async def test_a_refused_or_empty_read_of_family_data_records_no_read(
    matrix: Matrix, db: Database
) -> None:
    referral_id = await matrix.referral(matrix.orgs["OWN"], matrix.orgs["OTHER"])
    refused = await matrix.callers["COORDINATOR"].raw(
        "query($id: ID!) { referral(id: $id) { status family { reference } contact { phone } } }",
        {"id": referral_id},
    )
    assert {e["extensions"]["code"] for e in refused.json()["errors"]} == {"FORBIDDEN"}
    assert await _entries(db, refused.headers["x-request-id"]) == []
    staff = matrix.callers["ORG_STAFF"]
    await staff.data("mutation($id: ID!) { withdrawConsent(id: $id) { id } }", {"id": referral_id})
    empty = await staff.raw(
        "query($id: ID!) { referral(id: $id) { contact { phone } } }", {"id": referral_id}
    )
    assert empty.json()["data"]["referral"]["contact"] is None
    assert await _entries(db, empty.headers["x-request-id"]) == []


# ---------------------------------------------------------------------------
# Reading the trail


async def _staff_trail(world: World) -> tuple[dict[str, Any], Api, Api, list[str]]:
    """An organization whose staff created three places; its admin; the entries' ids."""
    org = await world.organization(await world.network())
    staff = await world.caller("ORG_STAFF", organization=org)
    admin = await world.caller("ORG_ADMIN", organization=org)
    ids = []
    for _ in range(3):
        response = await staff.raw(
            "mutation($n: String!) { createPlace(name: $n, kind: PARK) { id } }",
            {"n": unique("Parc ")},
        )
        entry = await world.db.row(
            "MATCH (a:AuditEntry {requestId: $r}) RETURN a.id AS id",
            r=response.headers["x-request-id"],
        )
        assert entry is not None
        ids.append(entry["id"])
    return org, staff, admin, ids


async def test_an_organization_admin_reads_its_own_trail_newest_first_page_by_page(
    world: World,
) -> None:
    org, _, admin, made = await _staff_trail(world)
    _, _, _, elsewhere = await _staff_trail(world)
    first = await admin.data(LOG, {"org": org["id"], "first": 2})
    page = first["auditLog"]
    assert page["totalCount"] == 3
    assert [e["node"]["id"] for e in page["edges"]] == made[::-1][:2]
    assert page["pageInfo"]["hasNextPage"] is True
    rest = await admin.data(
        LOG, {"org": org["id"], "first": 2, "after": page["edges"][-1]["cursor"]}
    )
    assert [e["node"]["id"] for e in rest["auditLog"]["edges"]] == made[:1]
    assert not {e["node"]["id"] for e in page["edges"]} & set(elsewhere)


async def test_the_trail_can_be_read_between_two_moments(world: World, db: Database) -> None:
    org, _, admin, made = await _staff_trail(world)
    at = {
        r["id"]: r["at"].to_native()
        for r in await db.rows(
            "MATCH (a:AuditEntry) WHERE a.id IN $ids RETURN a.id AS id, a.at AS at", ids=made
        )
    }
    middle = at[made[1]]
    window = await admin.data(
        LOG,
        {
            "org": org["id"],
            "from": middle.isoformat(),
            "to": (middle + timedelta(microseconds=1)).isoformat(),
        },
    )
    assert [e["node"]["id"] for e in window["auditLog"]["edges"]] == [made[1]]
    backwards = await admin(
        LOG,
        {
            "org": org["id"],
            "from": middle.isoformat(),
            "to": (middle - timedelta(seconds=1)).isoformat(),
        },
    )
    assert backwards["errors"][0]["extensions"] == {"code": "BAD_USER_INPUT", "field": "to"}
    local_time = await admin(LOG, {"org": org["id"], "from": "2026-01-15T09:30:00"})
    assert local_time["errors"][0]["extensions"] == {"code": "BAD_USER_INPUT", "field": "from"}


@pytest.mark.parametrize(
    ("who", "whose", "code"),
    [
        pytest.param("admin", "other", "FORBIDDEN", id="an-admin-reads-another-organization"),
        pytest.param("admin", None, "FORBIDDEN", id="an-admin-reads-everyone"),
        pytest.param("staff", "own", "FORBIDDEN", id="staff-read-their-own-organization"),
        pytest.param("coordinator", "own", "FORBIDDEN", id="a-coordinator-reads-a-member"),
        pytest.param("researcher", "own", "FORBIDDEN", id="a-researcher-reads-a-member"),
        pytest.param("platform", None, None, id="a-platform-admin-reads-everyone"),
        pytest.param("platform", "other", None, id="a-platform-admin-reads-any-organization"),
    ],
)
async def test_only_the_organizations_admins_and_platform_admins_read_its_trail(
    world: World, who: str, whose: str | None, code: str | None
) -> None:
    network = await world.network()
    own, other = await world.organization(network), await world.organization(network)
    callers = {
        "admin": await world.caller("ORG_ADMIN", organization=own),
        "staff": await world.caller("ORG_STAFF", organization=own),
        "coordinator": await world.caller("COORDINATOR", network=network),
        "researcher": await world.caller("RESEARCHER", network=network),
        "platform": await world.caller("PLATFORM_ADMIN"),
    }
    org = {"own": own["id"], "other": other["id"], None: None}[whose]
    body = await callers[who](LOG, {"org": org, "first": 1})
    if code is None:
        assert "errors" not in body, body
    else:
        assert body["data"] is None
        assert body["errors"][0]["extensions"]["code"] == code


# ---------------------------------------------------------------------------
# Append-only


async def test_no_operation_of_the_api_changes_or_deletes_the_trail(matrix: Matrix) -> None:
    body = await matrix.callers["PLATFORM_ADMIN"].data(
        "{ __schema { mutationType { fields { name type { name ofType { name } } "
        "args { name } } } } }"
    )
    fields = body["__schema"]["mutationType"]["fields"]
    returns = {f["name"]: f["type"]["name"] or f["type"]["ofType"]["name"] for f in fields}
    assert [name for name in returns if "audit" in name.lower()] == []
    assert [name for name, kind in returns.items() if kind and "Audit" in kind] == []


def test_the_storage_layer_offers_no_way_to_change_an_entry() -> None:
    from graph.access import audit

    assert sorted(audit.__all__) == ["AuditRecord", "append", "append_tokenless", "find_entries"]

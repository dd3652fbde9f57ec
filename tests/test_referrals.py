"""Closed-loop referrals against a real Neo4j: lifecycle, rules, races, redirects, expiry."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest

from graph.db import Database
from graph.referral import sweep
from tests.conftest import Api, MovableClock, World, unique

REFERRAL = """
  id status overdue loopClosed overrideAvailability needCodes
  sender { id } receiver { id } service { id }
  events { type status reason actorOrganization { id } }
"""

SEND = f"""
mutation($input: SendReferralInput!) {{ sendReferral(input: $input) {{ {REFERRAL} }} }}
"""


@dataclass
class Pair:
    network: dict[str, Any]
    sender: dict[str, Any]
    receiver: dict[str, Any]
    third: dict[str, Any]
    service: dict[str, Any]
    sender_staff: Api
    receiver_staff: Api
    third_staff: Api
    coordinator: Api

    def send_input(self, **overrides: Any) -> dict[str, Any]:
        data: dict[str, Any] = {
            "toOrganizationId": self.receiver["id"],
            "serviceId": self.service["id"],
            "needCodes": ["FOOD_SECURITY"],
            "familyReference": f"F-{unique()}-01",
            "consent": {"given": True, "method": "VERBAL", "scope": "share with receiver"},
            "contact": {"phone": "514-555-0101", "preferredLanguage": "fr"},
            "idempotencyKey": unique("key-"),
        }
        data.update(overrides)
        return data


@pytest.fixture
async def pair(world: World) -> Pair:
    network = await world.network()
    sender = await world.organization(network)
    receiver = await world.organization(network, kind="FOOD_SECURITY")
    third = await world.organization(network)
    service = await world.service(receiver, needs=["FOOD_SECURITY"])
    return Pair(
        network=network,
        sender=sender,
        receiver=receiver,
        third=third,
        service=service,
        sender_staff=await world.caller("ORG_STAFF", organization=sender),
        receiver_staff=await world.caller("ORG_STAFF", organization=receiver),
        third_staff=await world.caller("ORG_STAFF", organization=third),
        coordinator=await world.caller("COORDINATOR", network=network),
    )


async def send(pair: Pair, **overrides: Any) -> dict[str, Any]:
    data = await pair.sender_staff.data(SEND, {"input": pair.send_input(**overrides)})
    return dict(data["sendReferral"])


ACTIONS: dict[str, tuple[str, str]] = {
    # action -> (mutation call, which party acts)
    "acknowledge": ("acknowledgeReferral(id: $id)", "receiver"),
    "accept": ("acceptReferral(id: $id)", "receiver"),
    "decline": ("declineReferral(id: $id, reason: NO_CAPACITY)", "receiver"),
    "redirect": ("redirectReferral(id: $id, toOrganizationId: $to)", "receiver"),
    "contact": ("recordReferralContact(id: $id)", "receiver"),
    "complete": ("completeReferral(id: $id)", "receiver"),
    "noshow": ("recordNoShow(id: $id)", "receiver"),
    "cancel": ('cancelReferral(id: $id, reason: "family moved")', "sender"),
    "note": ('addReferralNote(id: $id, text: "called twice")', "either"),
}


async def act(pair: Pair, action: str, referral_id: str, *, as_: Api | None = None) -> Any:
    call, party = ACTIONS[action]
    caller = as_ or (pair.sender_staff if party == "sender" else pair.receiver_staff)
    variables: dict[str, Any] = {"id": referral_id}
    signature = "$id: ID!"
    if "$to" in call:
        variables["to"] = pair.third["id"]
        signature += ", $to: ID!"
    return await caller(f"mutation({signature}) {{ {call} {{ {REFERRAL} }} }}", variables)


def _code(body: dict[str, Any]) -> str | None:
    errors = body.get("errors")
    return None if not errors else str(errors[0]["extensions"]["code"])


async def test_a_referral_goes_round_the_whole_loop(pair: Pair) -> None:
    referral = await send(pair)
    assert referral["status"] == "SENT"
    assert referral["loopClosed"] is False
    for action, status in [
        ("acknowledge", "ACKNOWLEDGED"),
        ("accept", "ACCEPTED"),
        ("contact", "CONTACTED"),
        ("complete", "COMPLETED"),
    ]:
        body = await act(pair, action, referral["id"])
        assert _code(body) is None, body
        referral = next(iter(body["data"].values()))
        assert referral["status"] == status
    assert referral["loopClosed"] is True
    assert [e["type"] for e in referral["events"]] == [
        "SENT",
        "ACKNOWLEDGED",
        "ACCEPTED",
        "CONTACTED",
        "COMPLETED",
    ]
    assert [e["actorOrganization"]["id"] for e in referral["events"]] == [pair.sender["id"]] + [
        pair.receiver["id"]
    ] * 4
    # the sender sees the outcome: the loop is closed on their side
    seen = await pair.sender_staff.data(
        "query($id: ID!) { referral(id: $id) { status loopClosed } }", {"id": referral["id"]}
    )
    assert seen["referral"] == {"status": "COMPLETED", "loopClosed": True}


# How to bring a fresh referral to each status (by hand from DESIGN.md §4).
PATHS: dict[str, list[str]] = {
    "SENT": [],
    "ACKNOWLEDGED": ["acknowledge"],
    "ACCEPTED": ["acknowledge", "accept"],
    "CONTACTED": ["acknowledge", "accept", "contact"],
    "COMPLETED": ["acknowledge", "accept", "contact", "complete"],
    "NO_SHOW": ["acknowledge", "accept", "contact", "noshow"],
    "DECLINED": ["acknowledge", "decline"],
    "REDIRECTED": ["acknowledge", "redirect"],
    "CANCELLED": ["cancel"],
    "EXPIRED": [],  # SENT, then the sweep after acknowledgeBy
}
TERMINAL = {"COMPLETED", "NO_SHOW", "DECLINED", "REDIRECTED", "CANCELLED", "EXPIRED"}
# The legal moves, written out by hand: (status, action) -> new status.
LEGAL: dict[tuple[str, str], str] = {
    ("SENT", "acknowledge"): "ACKNOWLEDGED",
    ("ACKNOWLEDGED", "accept"): "ACCEPTED",
    ("ACKNOWLEDGED", "decline"): "DECLINED",
    ("ACKNOWLEDGED", "redirect"): "REDIRECTED",
    ("ACCEPTED", "contact"): "CONTACTED",
    ("ACCEPTED", "noshow"): "NO_SHOW",
    ("CONTACTED", "complete"): "COMPLETED",
    ("CONTACTED", "noshow"): "NO_SHOW",
    **{(s, "cancel"): "CANCELLED" for s in ("SENT", "ACKNOWLEDGED", "ACCEPTED", "CONTACTED")},
    **{(s, "note"): s for s in PATHS},
}


async def _referral_in(pair: Pair, status: str, db: Database, clock: MovableClock) -> str:
    referral = await send(pair)
    for action in PATHS[status]:
        assert _code(await act(pair, action, referral["id"])) is None
    if status == "EXPIRED":
        await sweep.sweep(db, clock() + timedelta(hours=73))
    return str(referral["id"])


async def footprint(db: Database, pair: Pair) -> tuple[int, int, int]:
    """(referrals, their links, families) of the pair's organizations: what this test wrote.

    A failed send or transition must leave them as they were; other tests' data
    (the database is shared) does not enter the count.
    """
    orgs = [pair.sender["id"], pair.receiver["id"], pair.third["id"]]
    row = await db.row(
        "CALL () { MATCH (o:Organization)-[:SENT|TO]-(r:Referral) WHERE o.id IN $orgs "
        "RETURN collect(DISTINCT r) AS referrals } "
        "CALL (referrals) { UNWIND referrals AS r MATCH (r)-[link]-(x) WHERE NOT x:AuditEntry "
        "RETURN count(link) AS links } "
        "CALL () { MATCH (o:Organization)-[:KNOWS_FAMILY]->(f:Family) WHERE o.id IN $orgs "
        "RETURN count(f) AS families } "
        "RETURN size(referrals) AS referrals, links, families",
        orgs=orgs,
    )
    assert row is not None
    return int(row["referrals"]), int(row["links"]), int(row["families"])


@pytest.mark.parametrize("status", list(PATHS))
async def test_every_action_from_every_status_is_legal_or_refused(
    pair: Pair, db: Database, clock: MovableClock, status: str
) -> None:
    for action in ACTIONS:
        referral_id = await _referral_in(pair, status, db, clock)
        before = await footprint(db, pair)
        body = await act(pair, action, referral_id)
        expected = LEGAL.get((status, action))
        if expected is None:
            assert _code(body) == "INVALID_TRANSITION", (status, action, body)
            assert body["errors"][0]["extensions"]["currentStatus"] == status
            assert await footprint(db, pair) == before, "a refused transition wrote something"
        else:
            assert _code(body) is None, (status, action, body)
            referral = next(iter(body["data"].values()))
            assert referral["status"] == expected
            assert referral["events"][-1]["status"] == expected


async def test_the_sender_cannot_move_a_referral_forward(pair: Pair) -> None:
    referral = await send(pair)
    body = await act(pair, "acknowledge", referral["id"], as_=pair.sender_staff)
    assert _code(body) == "FORBIDDEN"


async def test_the_receiver_cannot_cancel(pair: Pair) -> None:
    referral = await send(pair)
    body = await act(pair, "cancel", referral["id"], as_=pair.receiver_staff)
    assert _code(body) == "FORBIDDEN"


async def test_a_third_organization_does_not_even_learn_the_referral_exists(pair: Pair) -> None:
    referral = await send(pair)
    body = await act(pair, "acknowledge", referral["id"], as_=pair.third_staff)
    assert _code(body) == "NOT_FOUND"
    body = await pair.third_staff(
        "query($id: ID!) { referral(id: $id) { status } }", {"id": referral["id"]}
    )
    assert _code(body) == "NOT_FOUND"


async def test_a_coordinator_sees_metadata_but_never_the_family(pair: Pair) -> None:
    referral = await send(pair)
    body = await pair.coordinator(
        "query($id: ID!) { referral(id: $id) { status needCodes family { reference } "
        "contact { phone } } }",
        {"id": referral["id"]},
    )
    assert body["data"]["referral"]["status"] == "SENT"
    assert body["data"]["referral"]["family"] is None
    assert body["data"]["referral"]["contact"] is None
    paths = sorted(tuple(e["path"]) for e in body["errors"])
    assert paths == [("referral", "contact"), ("referral", "family")]
    assert {e["extensions"]["code"] for e in body["errors"]} == {"FORBIDDEN"}


async def test_both_parties_see_the_family_and_its_contact(pair: Pair) -> None:
    ref = f"F-{unique()}-02"
    referral = await send(pair, familyReference=ref)
    query = "query($id: ID!) { referral(id: $id) { family { reference } contact { phone } } }"
    for caller in (pair.sender_staff, pair.receiver_staff):
        data = await caller.data(query, {"id": referral["id"]})
        assert data["referral"]["family"]["reference"] == ref
        assert data["referral"]["contact"]["phone"] == "514-555-0101"


async def test_two_racing_transitions_have_exactly_one_winner(pair: Pair, db: Database) -> None:
    codes: list[str | None] = []
    for _ in range(15):
        referral = await send(pair)
        assert _code(await act(pair, "acknowledge", referral["id"])) is None
        accept, decline = await asyncio.gather(
            act(pair, "accept", referral["id"]), act(pair, "decline", referral["id"])
        )
        outcomes = [_code(accept), _code(decline)]
        assert outcomes.count(None) == 1, outcomes
        loser = next(code for code in outcomes if code is not None)
        assert loser in {"CONFLICT", "INVALID_TRANSITION"}
        codes.append(loser)
        row = await db.row(
            "MATCH (r:Referral {id: $id})-[:HAS_EVENT]->(e) WHERE e.type IN "
            "['ACCEPTED', 'DECLINED'] RETURN count(e) AS n, r.status AS status",
            id=referral["id"],
        )
        assert row is not None and row["n"] == 1
        winner_status = "ACCEPTED" if _code(accept) is None else "DECLINED"
        assert row["status"] == winner_status
    # most races are real races: the loser read the old status and is told it changed
    assert codes.count("CONFLICT") >= 1


async def test_twenty_identical_sends_at_once_make_one_referral(pair: Pair, db: Database) -> None:
    payload = pair.send_input()
    bodies = await asyncio.gather(*[pair.sender_staff(SEND, {"input": payload}) for _ in range(20)])
    ids = {b["data"]["sendReferral"]["id"] for b in bodies if "errors" not in b}
    assert all("errors" not in b for b in bodies), [b.get("errors") for b in bodies]
    assert len(ids) == 1
    row = await db.row(
        "MATCH (r:Referral {idempotencyKey: $k}) RETURN count(r) AS n", k=payload["idempotencyKey"]
    )
    assert row is not None and row["n"] == 1


async def test_the_same_key_with_another_payload_is_a_conflict(pair: Pair, db: Database) -> None:
    first = pair.send_input()
    await pair.sender_staff.data(SEND, {"input": first})
    before = await footprint(db, pair)
    changed = dict(first, urgency="URGENT")
    body = await pair.sender_staff(SEND, {"input": changed})
    assert _code(body) == "CONFLICT"
    assert await footprint(db, pair) == before


@pytest.mark.parametrize(
    ("change", "code", "field"),
    [
        pytest.param(
            {"needCodes": ["HOUSING"]},
            "BAD_USER_INPUT",
            "serviceId",
            id="service-does-not-address-the-need",
        ),
        pytest.param(
            {"familyReference": "Marie Tremblay"},
            "BAD_USER_INPUT",
            "familyReference",
            id="a-name-as-family-reference",
        ),
        pytest.param(
            {"consent": {"given": False, "method": "VERBAL", "scope": "x"}},
            "BAD_USER_INPUT",
            "contact",
            id="contact-without-consent",
        ),
        pytest.param({"needCodes": []}, "BAD_USER_INPUT", "needCodes", id="no-need"),
        pytest.param(
            {"toOrganizationId": "00000000-0000-4000-8000-000000000000"},
            "NOT_FOUND",
            "toOrganizationId",
            id="unknown-receiver",
        ),
        pytest.param(
            {"serviceId": "not-an-id"}, "BAD_USER_INPUT", "serviceId", id="malformed-service-id"
        ),
    ],
)
async def test_bad_referrals_are_refused_and_write_nothing(
    pair: Pair, db: Database, change: dict[str, Any], code: str, field: str
) -> None:
    before = await footprint(db, pair)
    body = await pair.sender_staff(SEND, {"input": pair.send_input(**change)})
    assert _code(body) == code, body
    assert body["errors"][0]["extensions"].get("field") == field
    assert await footprint(db, pair) == before


async def test_referring_outside_every_shared_network_is_refused(
    pair: Pair, world: World, db: Database
) -> None:
    elsewhere = await world.organization(await world.network())
    before = await footprint(db, pair)
    body = await pair.sender_staff(
        SEND, {"input": pair.send_input(toOrganizationId=elsewhere["id"], serviceId=None)}
    )
    assert _code(body) == "BAD_USER_INPUT"
    assert "none of your networks" in body["errors"][0]["message"]
    assert await footprint(db, pair) == before


async def test_an_inactive_receiver_is_refused(pair: Pair, world: World) -> None:
    admin = await world.caller("PLATFORM_ADMIN")
    await admin.data(
        "mutation($id: ID!) { deactivateOrganization(id: $id) { active } }",
        {"id": pair.receiver["id"]},
    )
    body = await pair.sender_staff(SEND, {"input": pair.send_input()})
    assert _code(body) == "BAD_USER_INPUT"
    assert "no longer active" in body["errors"][0]["message"]


@pytest.mark.parametrize("availability", ["FULL", "CLOSED"])
async def test_a_full_or_closed_service_needs_an_explicit_override(
    pair: Pair, world: World, availability: str
) -> None:
    service = await world.service(pair.receiver, needs=["FOOD_SECURITY"], availability=availability)
    body = await pair.sender_staff(SEND, {"input": pair.send_input(serviceId=service["id"])})
    assert _code(body) == "SERVICE_UNAVAILABLE"
    assert body["errors"][0]["extensions"]["availability"] == availability
    forced = await send(pair, serviceId=service["id"], overrideAvailability=True)
    assert forced["status"] == "SENT"
    assert forced["overrideAvailability"] is True


async def test_a_redirect_chain_links_each_referral_to_the_one_before(
    pair: Pair, world: World
) -> None:
    fourth = await world.organization(pair.network)
    third_staff = pair.third_staff
    first = await send(pair)
    await act(pair, "acknowledge", first["id"])
    body = await act(pair, "redirect", first["id"])
    assert _code(body) is None
    assert body["data"]["redirectReferral"]["status"] == "REDIRECTED"
    chain = await pair.sender_staff.data(
        "query($id: ID!) { referral(id: $id) { redirectedTo { id status sender { id } "
        "receiver { id } } } }",
        {"id": first["id"]},
    )
    second = chain["referral"]["redirectedTo"]
    assert second["status"] == "SENT"
    assert second["sender"]["id"] == pair.receiver["id"]
    assert second["receiver"]["id"] == pair.third["id"]
    # the third organization redirects again, to a fourth
    await third_staff.data(
        "mutation($id: ID!) { acknowledgeReferral(id: $id) { id } }", {"id": second["id"]}
    )
    third_hop = await third_staff.data(
        "mutation($id: ID!, $to: ID!) { redirectReferral(id: $id, toOrganizationId: $to) { "
        "redirectedTo { id receiver { id } redirectedFrom { id redirectedFrom { id } } } } }",
        {"id": second["id"], "to": fourth["id"]},
    )
    last = third_hop["redirectReferral"]["redirectedTo"]
    assert last["receiver"]["id"] == fourth["id"]
    assert last["redirectedFrom"]["id"] == second["id"]
    assert last["redirectedFrom"]["redirectedFrom"]["id"] == first["id"]


async def test_unacknowledged_referrals_expire_after_the_delay_and_only_then(
    pair: Pair, db: Database, clock: MovableClock
) -> None:
    late = await send(pair)
    on_time = await send(pair)
    await act(pair, "acknowledge", on_time["id"])
    sent_at = clock()
    early = await sweep.sweep(db, sent_at + timedelta(hours=71))
    query = "query($id: ID!) { referral(id: $id) { status overdue events { type } } }"
    still = await pair.sender_staff.data(query, {"id": late["id"]})
    assert still["referral"]["status"] == "SENT"
    assert early.expired >= 0
    await sweep.sweep(db, sent_at + timedelta(hours=73))
    clock.advance(hours=73)
    expired = await pair.sender_staff.data(query, {"id": late["id"]})
    assert expired["referral"]["status"] == "EXPIRED"
    assert expired["referral"]["events"][-1]["type"] == "EXPIRED"
    kept = await pair.sender_staff.data(query, {"id": on_time["id"]})
    assert kept["referral"]["status"] == "ACKNOWLEDGED"
    again = await sweep.sweep(db, sent_at + timedelta(hours=73))
    assert again.expired == 0
    row = await db.row(
        "MATCH (:Referral {id: $id})-[:HAS_EVENT]->(e {type: 'EXPIRED'}) RETURN count(e) AS n",
        id=late["id"],
    )
    assert row is not None and row["n"] == 1


async def test_contact_details_are_purged_after_retention(
    pair: Pair, db: Database, clock: MovableClock
) -> None:
    referral = await send(pair)
    for action in ("acknowledge", "decline"):
        await act(pair, action, referral["id"])
    closed_at = clock()
    await sweep.sweep(db, closed_at + timedelta(days=89))
    row = await db.row(
        "MATCH (r:Referral {id: $id}) RETURN r.contactPhone AS phone", id=referral["id"]
    )
    assert row is not None and row["phone"] == "514-555-0101"
    result = await sweep.sweep(db, closed_at + timedelta(days=91))
    assert result.purged >= 1
    row = await db.row(
        "MATCH (r:Referral {id: $id}) RETURN [k IN keys(r) WHERE k STARTS WITH 'contact'] AS ks, "
        "[(r)-[:HAS_EVENT]->(e {type: 'CONTACT_PURGED'}) | e] AS purges",
        id=referral["id"],
    )
    assert row is not None
    assert row["ks"] == ["contactPurgedAt"]
    assert len(row["purges"]) == 1


async def test_the_inbox_and_outbox_list_newest_first_with_counts(pair: Pair) -> None:
    made = [await send(pair) for _ in range(3)]
    await act(pair, "acknowledge", made[0]["id"])
    inbox = await pair.receiver_staff.data(
        "query($org: ID!) { referrals(box: INCOMING, organizationId: $org, first: 2) { "
        "totalCount edges { node { id } } pageInfo { hasNextPage } "
        "countsByStatus { status count } } }",
        {"org": pair.receiver["id"]},
    )
    page = inbox["referrals"]
    assert page["totalCount"] == 3
    assert [e["node"]["id"] for e in page["edges"]] == [made[2]["id"], made[1]["id"]]
    assert page["pageInfo"]["hasNextPage"] is True
    counts = {c["status"]: c["count"] for c in page["countsByStatus"]}
    assert counts["SENT"] == 2 and counts["ACKNOWLEDGED"] == 1
    outbox = await pair.sender_staff.data(
        "query($org: ID!) { referrals(box: OUTGOING, organizationId: $org, status: SENT) { "
        "totalCount } }",
        {"org": pair.sender["id"]},
    )
    assert outbox["referrals"]["totalCount"] == 2
    nothing = await pair.sender_staff.data(
        "query($org: ID!) { referrals(box: INCOMING, organizationId: $org) { totalCount } }",
        {"org": pair.sender["id"]},
    )
    assert nothing["referrals"]["totalCount"] == 0


async def test_the_receiver_sees_case_notes_only_while_the_family_consents(pair: Pair) -> None:
    referral = await send(pair)
    await act(pair, "note", referral["id"])
    query = "query($id: ID!) { referral(id: $id) { notes { comment } } }"
    seen = await pair.receiver_staff.data(query, {"id": referral["id"]})
    assert seen["referral"]["notes"] == [{"comment": "called twice"}]
    await pair.sender_staff.data(
        "mutation($id: ID!) { withdrawConsent(id: $id) { id } }", {"id": referral["id"]}
    )
    refused = await pair.receiver_staff(query, {"id": referral["id"]})
    assert refused["data"]["referral"]["notes"] is None
    assert _code(refused) == "FORBIDDEN"
    kept = await pair.sender_staff.data(query, {"id": referral["id"]})
    assert kept["referral"]["notes"] == [{"comment": "called twice"}]

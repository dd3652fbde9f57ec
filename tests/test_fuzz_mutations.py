"""Every mutation, fed anything at all, answers with success or a typed error, never a 500.

Hypothesis draws each mutation's variables: text that is empty, blank, huge,
full of control characters, emoji or Cypher; ids that exist, do not exist or
are not ids; enum values that are valid or not; dates and times with and
without a time zone; lists; and, now and then, a value of the wrong type
anywhere in the variables. Each example goes through the real app (HTTP,
authentication, GraphQL, Neo4j) as a caller the operation allows, so the
input reaches the operation's own checks. After each one:

- the response is HTTP 200 with no ``INTERNAL_SERVER_ERROR``;
- every error carries an ``extensions.code`` from the known set;
- a rejected mutation left the number of nodes and relationships as it was.

Hypothesis cannot drive an async test, so the tests are plain functions and
the app runs in a loop of this module's own (``Fuzz.run``). Each mutation gets
``MAILLAGE_FUZZ_EXAMPLES`` examples (default 100; sendReferral twice that), and
the module prints how many ran and how many were rejected (``pytest -s``).
"""

from __future__ import annotations

import asyncio
import operator
import os
import uuid
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta, timezone
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from domain.lifecycle import Action
from graph import presence
from graph.access import identity
from graph.db import Database
from graph.directory import networks
from server.app import create_app
from server.settings import Settings
from tests.conftest import Api, World, graph_size, referral_through_graph, unique

EXAMPLES = int(os.environ.get("MAILLAGE_FUZZ_EXAMPLES", "100"))
FUZZ = settings(
    max_examples=EXAMPLES,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
KNOWN_CODES = {
    "BAD_USER_INPUT",
    "NOT_FOUND",
    "CONFLICT",
    "FORBIDDEN",
    "INVALID_TRANSITION",
    "SERVICE_UNAVAILABLE",
    "GRAPHQL_VALIDATION_FAILED",
}


COUNTS = (
    "CALL () { MATCH (n) RETURN count(n) AS everything } "
    "CALL () { MATCH (a:AuditEntry) RETURN count(a) AS audit } "
    "CALL () { MATCH ()-[r]->() RETURN count(r) AS links } "
    "CALL () { MATCH (:AuditEntry)-[r]->() RETURN count(r) AS outgoing } "
    "CALL () { MATCH ()-[r]->(:AuditEntry) RETURN count(r) AS incoming } "
    "RETURN everything - audit AS nodes, links - outgoing - incoming AS rels"
)


async def counted_size(db: Database) -> tuple[int, int]:
    """``graph_size`` from Neo4j's count store: the same figures without a scan."""
    row = await db.row(COUNTS)
    assert row is not None
    return int(row["nodes"]), int(row["rels"])


@dataclass(frozen=True)
class Ref:
    """A placeholder for an id of the fuzz world, resolved when the example runs.

    ``nonce`` only tells examples apart: Hypothesis does not run the same example
    twice, and a fresh referral in the same status is a new one each time.
    """

    name: str
    nonce: int = 0


def fresh(name: str) -> st.SearchStrategy[Ref]:
    return st.builds(Ref, st.just(name), st.integers(0, 2**16))


# ---------------------------------------------------------------------------
# Building blocks


def mostly(
    good: st.SearchStrategy[Any], bad: st.SearchStrategy[Any], one_in: int = 8
) -> st.SearchStrategy[Any]:
    """``good``, and ``bad`` about once in ``one_in`` draws."""
    # Hypothesis leans towards the simplest draw (0), so that one must be ``good``.
    return st.integers(0, one_in - 1).flatmap(lambda i: bad if i == one_in // 2 else good)


PLAIN = st.text(st.characters(categories=("L", "N", "P", "Zs")), min_size=1, max_size=60).filter(
    str.strip
)
WEIRD = st.one_of(
    st.text(max_size=40),
    st.sampled_from(
        [
            "",
            " ",
            "\t\n ",
            "\x00",
            "a\x1bb",
            "Marie Tremblay",
            "F-2026-0117",
            "'; MATCH (n) DETACH DELETE n //",
            "$id",
            "{{ x }}",
            "\u202eevil",
            "😀😀",
            "ＡＢＣ",
            "null",
            "<script>alert(1)</script>",
            "a" * 201,
            "9" * 129,
        ]
    ),
    st.text(st.characters(max_codepoint=0x1F), min_size=1, max_size=5),
    st.builds(
        operator.mul, st.sampled_from(["x", "é", "😀", "\x07", " "]), st.integers(100, 60_000)
    ),
)
TEXT = mostly(PLAIN, WEIRD, one_in=4)
MAYBE_TEXT = st.none() | TEXT
JUNK = st.one_of(
    st.integers(-(2**40), 2**40),
    st.booleans(),
    st.floats(allow_nan=False, allow_infinity=False),
    st.lists(st.integers(0, 9), max_size=2),
    st.dictionaries(st.text(max_size=3), st.integers(), max_size=2),
)
NOWHERE = str(uuid.UUID(int=0))
BAD_ID = st.one_of(
    st.text(max_size=40),
    st.sampled_from(
        [
            "",
            " ",
            "not-an-id",
            NOWHERE[:-1],
            NOWHERE + "0",
            "urn:uuid:" + NOWHERE,
            "{" + NOWHERE + "}",
        ]
    ),
)


def ids(*names: str) -> st.SearchStrategy[Any]:
    """Ids of the world's things, ids of nothing, and strings that are not ids."""
    existing = st.sampled_from([Ref(n) for n in names])
    return mostly(existing, st.uuids().map(str) | BAD_ID, one_in=5)


def named(what: str) -> st.SearchStrategy[Any]:
    """A name never used before (so creating can succeed), or any text."""
    return mostly(fresh(what), TEXT, one_in=2)


def maybe(strategy: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    return st.none() | strategy


def enum(*values: str) -> st.SearchStrategy[Any]:
    return mostly(
        st.sampled_from(values), st.text(max_size=12) | st.sampled_from([v.lower() for v in values])
    )


def codes(*valid: str) -> st.SearchStrategy[Any]:
    code = mostly(st.sampled_from(valid), WEIRD, one_in=6)
    return mostly(st.lists(code, min_size=1, max_size=4), st.lists(code, max_size=8), one_in=6)


NEEDS = ("FOOD_SECURITY", "HOUSING", "PARENTING", "HEALTH", "food_security")
LANGUAGES = ("fr", "en", "es", "zh-hant", "FR")
DATES = mostly(
    st.dates(date(1, 1, 1), date(9999, 12, 31)).map(date.isoformat),
    st.sampled_from(["2024-02-30", "0000-01-01", "99999-01-01", "", "today", "2024-01-01T00:00:00"])
    | st.text(max_size=12),
)
ZONES = st.none() | st.sampled_from(
    [
        UTC,
        timezone(timedelta(hours=-5)),
        timezone(timedelta(hours=14)),
        timezone(timedelta(hours=-12)),
    ]
)
DATETIMES = mostly(
    st.datetimes(timezones=ZONES).map(datetime.isoformat),
    st.sampled_from(["2024-13-01T00:00:00Z", "yesterday", "", "2024-01-01"]) | st.text(max_size=12),
)


@st.composite
def corrupted(draw: st.DrawFn, base: st.SearchStrategy[dict[str, Any]]) -> dict[str, Any]:
    """``base``, with a value of the wrong type at one place in one example out of ten."""
    value = draw(base)
    if draw(st.integers(0, 9)) == 5:
        paths = list(_paths(value))
        if paths:
            *parents, last = draw(st.sampled_from(paths))
            holder: Any = value
            for key in parents:
                holder = holder[key]
            holder[last] = draw(JUNK)
    return value


def _paths(value: Any, prefix: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    if isinstance(value, dict):
        for key, inner in value.items():
            yield (*prefix, key)
            yield from _paths(inner, (*prefix, key))


def variables(**fields: st.SearchStrategy[Any]) -> st.SearchStrategy[dict[str, Any]]:
    return corrupted(st.fixed_dictionaries(fields))


# ---------------------------------------------------------------------------
# The world, the loop and one example


@dataclass
class Fuzz:
    loop: asyncio.AbstractEventLoop
    db: Database
    world: World
    admin: Api
    sender_staff: Api
    receiver_staff: Api
    refs: dict[str, str]
    orgs: dict[str, dict[str, Any]]
    examples: dict[str, int] = field(default_factory=dict)
    rejected: dict[str, int] = field(default_factory=dict)
    # (nodes, relationships) as last counted, while nothing has changed since
    size: tuple[int, int] | None = None

    def run(self, awaitable: Any) -> Any:
        return self.loop.run_until_complete(awaitable)

    async def resolve(self, value: Any) -> Any:
        if isinstance(value, Ref):
            if value.name.startswith("fresh:"):
                self.size = None
                return await self.fresh_referral(value.name.removeprefix("fresh:"))
            if value.name in FRESH:
                self.size = None
                return await FRESH[value.name](self)
            return self.refs[value.name]
        if isinstance(value, dict):
            return {k: await self.resolve(v) for k, v in value.items()}
        if isinstance(value, list):
            return [await self.resolve(v) for v in value]
        return value

    async def fresh_referral(self, status: str) -> str:
        sender, receiver = self.orgs["SENDER"], self.orgs["RECEIVER"]
        return await referral_through_graph(
            self.db, sender["id"], receiver["id"], PATHS[status], phone="514-555-0123"
        )

    def check(self, operation: str, document: str, caller: Api, drawn: dict[str, Any]) -> None:
        self.run(self._check(operation, document, caller, drawn))

    async def _check(
        self, operation: str, document: str, caller: Api, drawn: dict[str, Any]
    ) -> None:
        values = await self.resolve(drawn)
        before = self.size or await counted_size(self.db)
        self.size = None
        response = await caller.raw(document, values)
        self.examples[operation] = self.examples.get(operation, 0) + 1
        assert response.status_code == 200, (response.status_code, response.text[:500])
        body = response.json()
        errors = body.get("errors") or []
        found = [e.get("extensions", {}).get("code") for e in errors]
        assert "INTERNAL_SERVER_ERROR" not in found, (values, errors)
        assert set(found) <= KNOWN_CODES, (values, errors)
        if errors:
            self.rejected[operation] = self.rejected.get(operation, 0) + 1
            assert (body.get("data") or {}).get(operation) is None, body
            assert await counted_size(self.db) == before, (
                f"a rejected {operation} changed the graph",
                values,
                errors,
            )
            self.size = before
        else:
            assert body["data"][operation] is not None


PATHS: dict[str, list[Action]] = {
    "SENT": [],
    "ACKNOWLEDGED": [Action.ACKNOWLEDGE],
    "ACCEPTED": [Action.ACKNOWLEDGE, Action.ACCEPT],
    "CONTACTED": [Action.ACKNOWLEDGE, Action.ACCEPT, Action.RECORD_CONTACT],
    "COMPLETED": [Action.ACKNOWLEDGE, Action.ACCEPT, Action.RECORD_CONTACT, Action.COMPLETE],
    "DECLINED": [Action.ACKNOWLEDGE, Action.DECLINE],
    "CANCELLED": [Action.CANCEL],
}


async def _new_partnership(fuzz: Fuzz) -> str:
    partner = await fuzz.world.organization()
    made = await networks.declare_partnership(
        fuzz.db, organization_id=fuzz.refs["side"], partner_id=partner["id"], kind="TABLE"
    )
    return str(made["id"])


async def _new_presence(fuzz: Fuzz) -> str:
    """A visit the sending organization's worker logged yesterday (editable, deletable)."""
    now = datetime.now(UTC)
    made = await presence.record_presence(
        fuzz.db,
        presence.PresenceInput(
            organization_id=fuzz.refs["sender"],
            place_id=fuzz.refs["place"],
            day=now.date() - timedelta(days=1),
            hours=1.5,
            contacts=3,
        ),
        by_user=fuzz.sender_staff.user_id,  # type: ignore[attr-defined]
        now=now,
    )
    return str(made["id"])


async def _new_organization(fuzz: Fuzz) -> str:
    return str((await fuzz.world.organization())["id"])


async def _new_member(fuzz: Fuzz) -> str:
    member = await fuzz.world.organization({"id": fuzz.refs["side-network"]})
    return str(member["id"])


def _unique(prefix: str, suffix: str = "") -> Callable[[Fuzz], Awaitable[str]]:
    async def make(fuzz: Fuzz) -> str:
        return unique(prefix) + suffix

    return make


# Made afresh for one example, so that success stays possible every time.
FRESH: dict[str, Callable[[Fuzz], Awaitable[str]]] = {
    "new-key": _unique("key-"),
    "new-name": _unique("Nom "),
    "new-code": _unique("T-"),
    "new-email": _unique("personne.", "@exemple.qc.ca"),
    "new-organization": _new_organization,
    "new-member": _new_member,
    "new-partnership": _new_partnership,
    "new-presence": _new_presence,
}


async def _build(db: Database, client: httpx.AsyncClient) -> Fuzz:
    world = World(db, client)
    main, side = await world.network(), await world.network()
    far_network = await world.network()
    orgs = {
        "SENDER": await world.organization(main),
        "RECEIVER": await world.organization(main, kind="FOOD_SECURITY"),
        "THIRD": await world.organization(main),
        "FAR": await world.organization(far_network),
        "LOOSE": await world.organization(),
        "SIDE": await world.organization(side),
        "DOOMED": await world.organization(side),
    }
    territory = await world.territory()
    open_service = await world.service(orgs["RECEIVER"], needs=["FOOD_SECURITY", "HOUSING"])
    full_service = await world.service(orgs["RECEIVER"], availability="FULL")
    side_service = await world.service(orgs["SIDE"])
    place = await networks.create_place(
        db, name=unique("Parc "), kind="PARK", territory_id=territory["id"]
    )
    partnership = await networks.declare_partnership(
        db, organization_id=orgs["SIDE"]["id"], partner_id=orgs["DOOMED"]["id"], kind="TABLE"
    )
    candidate = await identity.create_user(
        db, email=f"{unique('c')}@test.maillage", name="Candidate"
    )
    admin = await world.caller("PLATFORM_ADMIN")
    spare = [
        (await identity.create_token(db, user_id=candidate["id"], label="spare"))[1]["id"]
        for _ in range(2)
    ]
    fuzz = Fuzz(
        loop=asyncio.get_running_loop(),
        db=db,
        world=world,
        admin=admin,
        sender_staff=await world.caller("ORG_STAFF", organization=orgs["SENDER"]),
        receiver_staff=await world.caller("ORG_STAFF", organization=orgs["RECEIVER"]),
        orgs=orgs,
        refs={
            **{name.lower(): org["id"] for name, org in orgs.items()},
            "main-network": main["id"],
            "side-network": side["id"],
            "far-network": far_network["id"],
            "territory": territory["id"],
            "place": place["id"],
            "open-service": open_service["id"],
            "full-service": full_service["id"],
            "side-service": side_service["id"],
            "partnership": partnership["id"],
            "candidate": candidate["id"],
            "admin-user": admin.user_id,  # type: ignore[attr-defined]
            "spare-token": spare[0],
            "spare-token-2": spare[1],
        },
    )
    for status in PATHS:
        fuzz.refs[f"referral-{status.lower()}"] = await fuzz.fresh_referral(status)
    return fuzz


@pytest.fixture(scope="module")
def fuzz(settings: Settings) -> Iterator[Fuzz]:
    loop = asyncio.new_event_loop()
    app = create_app(settings, run_sweeper=False)
    lifespan = app.router.lifespan_context(app)
    loop.run_until_complete(lifespan.__aenter__())
    client = httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://maillage.test"
    )
    try:
        built = loop.run_until_complete(_build(app.state.db, client))
        assert loop.run_until_complete(counted_size(built.db)) == loop.run_until_complete(
            graph_size(built.db)
        )
        yield built
        total = sum(built.examples.values())
        print(
            f"\nfuzzed {total} mutations: "
            + ", ".join(
                f"{op} {n} ({built.rejected.get(op, 0)} rejected)"
                for op, n in sorted(built.examples.items())
            )
        )
    finally:
        loop.run_until_complete(client.aclose())
        loop.run_until_complete(lifespan.__aexit__(None, None, None))
        loop.close()


# ---------------------------------------------------------------------------
# Identity

ORGS = ("sender", "receiver", "third", "far", "loose", "side")


@FUZZ
@given(
    variables(
        email=mostly(fresh("new-email"), TEXT | st.emails(), one_in=2),
        name=TEXT,
        admin=st.booleans(),
    )
)
def test_create_user_survives_any_input(fuzz: Fuzz, drawn: dict[str, Any]) -> None:
    fuzz.check(
        "createUser",
        "mutation($email: String!, $name: String!, $admin: Boolean!) { "
        "createUser(email: $email, name: $name, platformAdmin: $admin) { id } }",
        fuzz.admin,
        drawn,
    )


@FUZZ
@given(variables(user=ids("candidate"), org=ids(*ORGS), role=enum("ORG_STAFF", "ORG_ADMIN")))
def test_assign_organization_role_survives_any_input(fuzz: Fuzz, drawn: dict[str, Any]) -> None:
    fuzz.check(
        "assignOrganizationRole",
        "mutation($user: ID!, $org: ID!, $role: OrgRole!) { "
        "assignOrganizationRole(userId: $user, organizationId: $org, role: $role) }",
        fuzz.admin,
        drawn,
    )


@FUZZ
@given(
    variables(
        user=ids("candidate"),
        net=ids("main-network", "side-network", "far-network"),
        role=st.sampled_from(["COORDINATOR", "RESEARCHER", "researcher", "ADMIN"]) | TEXT,
    )
)
def test_assign_network_role_survives_any_input(fuzz: Fuzz, drawn: dict[str, Any]) -> None:
    fuzz.check(
        "assignNetworkRole",
        "mutation($user: ID!, $net: ID!, $role: String!) { "
        "assignNetworkRole(userId: $user, networkId: $net, role: $role) }",
        fuzz.admin,
        drawn,
    )


@FUZZ
@given(variables(user=maybe(ids("candidate", "admin-user")), label=MAYBE_TEXT))
def test_create_api_token_survives_any_input(fuzz: Fuzz, drawn: dict[str, Any]) -> None:
    fuzz.check(
        "createApiToken",
        "mutation($user: ID, $label: String) { "
        "createApiToken(userId: $user, label: $label) { token { id } } }",
        fuzz.admin,
        drawn,
    )


@FUZZ
@given(variables(id=ids("spare-token", "spare-token-2")))
def test_revoke_api_token_survives_any_input(fuzz: Fuzz, drawn: dict[str, Any]) -> None:
    fuzz.check(
        "revokeApiToken", "mutation($id: ID!) { revokeApiToken(id: $id) { id } }", fuzz.admin, drawn
    )


# ---------------------------------------------------------------------------
# Directory

KINDS = ("COMMUNITY", "HEALTH_SOCIAL_SERVICES", "SCHOOL", "FOOD_SECURITY", "OTHER")
ORGANIZATION_FIELDS = {
    "description": MAYBE_TEXT,
    "email": maybe(TEXT | st.emails()),
    "phone": MAYBE_TEXT,
    "website": maybe(TEXT | st.sampled_from(["https://exemple.qc.ca", "ftp://x", "http://"])),
    "languages": maybe(codes(*LANGUAGES)),
    "territoryId": maybe(ids("territory")),
}


@FUZZ
@given(
    variables(
        input=st.fixed_dictionaries(
            {"name": named("new-name"), "kind": enum(*KINDS)},
            optional={
                **ORGANIZATION_FIELDS,
                "networkId": maybe(ids("main-network", "side-network", "far-network")),
            },
        )
    )
)
def test_create_organization_survives_any_input(fuzz: Fuzz, drawn: dict[str, Any]) -> None:
    fuzz.check(
        "createOrganization",
        "mutation($input: CreateOrganizationInput!) { createOrganization(input: $input) { id } }",
        fuzz.admin,
        drawn,
    )


@FUZZ
@given(
    variables(
        id=ids("loose", "side", "third"),
        input=st.fixed_dictionaries(
            {}, optional={"name": maybe(TEXT), "kind": maybe(enum(*KINDS)), **ORGANIZATION_FIELDS}
        ),
    )
)
def test_update_organization_survives_any_input(fuzz: Fuzz, drawn: dict[str, Any]) -> None:
    fuzz.check(
        "updateOrganization",
        "mutation($id: ID!, $input: UpdateOrganizationInput!) { "
        "updateOrganization(id: $id, input: $input) { id } }",
        fuzz.admin,
        drawn,
    )


@FUZZ
@given(variables(id=ids("doomed", "loose")))
def test_deactivate_organization_survives_any_input(fuzz: Fuzz, drawn: dict[str, Any]) -> None:
    fuzz.check(
        "deactivateOrganization",
        "mutation($id: ID!) { deactivateOrganization(id: $id) { id } }",
        fuzz.admin,
        drawn,
    )


NOTIFICATION_KINDS = (
    "REFERRAL_RECEIVED",
    "REFERRAL_DECLINED",
    "REFERRAL_REDIRECTED",
    "REFERRAL_COMPLETED",
    "REFERRAL_EXPIRED",
    "ACKNOWLEDGE_REMINDER",
    "ESCALATION",
)


@FUZZ
@given(
    variables(
        org=ids("loose", "side", "third"),
        mode=enum("IMMEDIATE", "DAILY_DIGEST"),
        kinds=st.lists(enum(*NOTIFICATION_KINDS), max_size=8),
    )
)
def test_set_notification_preferences_survives_any_input(fuzz: Fuzz, drawn: dict[str, Any]) -> None:
    fuzz.check(
        "setNotificationPreferences",
        "mutation($org: ID!, $mode: NotificationDelivery!, $kinds: [NotificationKind!]!) { "
        "setNotificationPreferences(organizationId: $org, mode: $mode, kinds: $kinds) { mode } }",
        fuzz.admin,
        drawn,
    )


AVAILABILITY = enum("OPEN", "WAITLIST", "FULL", "CLOSED")
SERVICE_FIELDS = {
    "description": MAYBE_TEXT,
    "eligibility": MAYBE_TEXT,
    "languages": maybe(codes(*LANGUAGES)),
    "territoryIds": maybe(st.lists(ids("territory"), max_size=3)),
}


@FUZZ
@given(
    variables(
        input=st.fixed_dictionaries(
            {"organizationId": ids(*ORGS), "name": named("new-name"), "needCodes": codes(*NEEDS)},
            optional={**SERVICE_FIELDS, "availability": AVAILABILITY},
        )
    )
)
def test_create_service_survives_any_input(fuzz: Fuzz, drawn: dict[str, Any]) -> None:
    fuzz.check(
        "createService",
        "mutation($input: CreateServiceInput!) { createService(input: $input) { id } }",
        fuzz.admin,
        drawn,
    )


@FUZZ
@given(
    variables(
        id=ids("side-service", "open-service"),
        input=st.fixed_dictionaries(
            {}, optional={"name": maybe(TEXT), "needCodes": maybe(codes(*NEEDS)), **SERVICE_FIELDS}
        ),
    )
)
def test_update_service_survives_any_input(fuzz: Fuzz, drawn: dict[str, Any]) -> None:
    fuzz.check(
        "updateService",
        "mutation($id: ID!, $input: UpdateServiceInput!) { "
        "updateService(id: $id, input: $input) { id } }",
        fuzz.admin,
        drawn,
    )


@FUZZ
@given(variables(id=ids("side-service"), availability=AVAILABILITY))
def test_set_service_availability_survives_any_input(fuzz: Fuzz, drawn: dict[str, Any]) -> None:
    fuzz.check(
        "setServiceAvailability",
        "mutation($id: ID!, $availability: Availability!) { "
        "setServiceAvailability(id: $id, availability: $availability) { id } }",
        fuzz.admin,
        drawn,
    )


INT = mostly(
    st.integers(-5, 5000),
    st.integers(-(2**40), 2**40) | st.floats(allow_nan=False, allow_infinity=False),
    one_in=4,
)


@FUZZ
@given(
    variables(
        input=st.fixed_dictionaries(
            {"name": named("new-name")},
            optional={
                "territoryCodes": maybe(codes("H2X", "VILLE-MARIE", "h1a")),
                "ackDelayHours": INT,
                "retentionDays": INT,
            },
        )
    )
)
def test_create_network_survives_any_input(fuzz: Fuzz, drawn: dict[str, Any]) -> None:
    fuzz.check(
        "createNetwork",
        "mutation($input: CreateNetworkInput!) { createNetwork(input: $input) { id } }",
        fuzz.admin,
        drawn,
    )


NETWORKS = ids("side-network", "far-network")


@FUZZ
@given(
    variables(
        net=NETWORKS,
        org=mostly(fresh("new-organization"), ids("loose", "doomed", "side"), one_in=2),
        day=maybe(DATES),
    )
)
def test_add_network_member_survives_any_input(fuzz: Fuzz, drawn: dict[str, Any]) -> None:
    fuzz.check(
        "addNetworkMember",
        "mutation($net: ID!, $org: ID!, $day: Date) { "
        "addNetworkMember(networkId: $net, organizationId: $org, since: $day) { since } }",
        fuzz.admin,
        drawn,
    )


@FUZZ
@given(
    variables(
        net=mostly(st.just(Ref("side-network")), NETWORKS, one_in=3),
        org=mostly(fresh("new-member"), ids("loose", "doomed", "side"), one_in=3),
        day=maybe(DATES),
    )
)
def test_end_network_membership_survives_any_input(fuzz: Fuzz, drawn: dict[str, Any]) -> None:
    fuzz.check(
        "endNetworkMembership",
        "mutation($net: ID!, $org: ID!, $day: Date) { "
        "endNetworkMembership(networkId: $net, organizationId: $org, until: $day) "
        "{ until } }",
        fuzz.admin,
        drawn,
    )


PARTNERSHIP_KIND = enum("AGREEMENT", "JOINT_ACTIVITY", "SHARED_STAFF", "CO_LOCATION", "TABLE")


@FUZZ
@given(
    variables(
        org=ids(*ORGS),
        partner=mostly(fresh("new-organization"), ids(*ORGS), one_in=2),
        kind=PARTNERSHIP_KIND,
        day=maybe(DATES),
    )
)
def test_declare_partnership_survives_any_input(fuzz: Fuzz, drawn: dict[str, Any]) -> None:
    fuzz.check(
        "declarePartnership",
        "mutation($org: ID!, $partner: ID!, $kind: PartnershipKind!,"
        " $day: Date) { declarePartnership(organizationId: $org, partnerId: $partner, "
        "kind: $kind, since: $day) { id } }",
        fuzz.admin,
        drawn,
    )


@FUZZ
@given(
    variables(id=mostly(fresh("new-partnership"), ids("partnership"), one_in=3), day=maybe(DATES))
)
def test_end_partnership_survives_any_input(fuzz: Fuzz, drawn: dict[str, Any]) -> None:
    fuzz.check(
        "endPartnership",
        "mutation($id: ID!, $day: Date) { endPartnership(id: $id, until: $day) { id } }",
        fuzz.admin,
        drawn,
    )


@FUZZ
@given(
    variables(
        code=mostly(
            fresh("new-code"), TEXT | st.from_regex(r"[A-Z0-9_\-]{1,70}", fullmatch=True), one_in=2
        ),
        name=TEXT,
    )
)
def test_create_territory_survives_any_input(fuzz: Fuzz, drawn: dict[str, Any]) -> None:
    fuzz.check(
        "createTerritory",
        "mutation($code: String!, $name: String!) { "
        "createTerritory(code: $code, name: $name) { id } }",
        fuzz.admin,
        drawn,
    )


@FUZZ
@given(
    variables(
        name=named("new-name"),
        kind=enum("PARK", "GROCERY", "MALL", "FOOD_BANK", "OTHER"),
        territory=maybe(ids("territory")),
    )
)
def test_create_place_survives_any_input(fuzz: Fuzz, drawn: dict[str, Any]) -> None:
    fuzz.check(
        "createPlace",
        "mutation($name: String!, $kind: PlaceKind!, $territory: ID) { "
        "createPlace(name: $name, kind: $kind, territoryId: $territory) { id } }",
        fuzz.admin,
        drawn,
    )


# ---------------------------------------------------------------------------
# Outreach presence

RECENT = mostly(st.dates(date(2024, 1, 1), date(2026, 11, 30)).map(date.isoformat), DATES, one_in=3)
# Any finite number (JSON has no infinity: a client cannot send one, the encoder refuses it).
ANY_HOURS = st.floats(allow_nan=False, allow_infinity=False)
HOURS = mostly(st.floats(0, 24, allow_nan=False), ANY_HOURS | JUNK, one_in=4)
HEADS = mostly(st.integers(0, 40), st.integers(-5, 5000), one_in=4)


@FUZZ
@given(
    variables(
        input=st.fixed_dictionaries(
            {
                "organizationId": ids("sender", "sender", "receiver", "loose"),
                "date": RECENT,
                "hours": HOURS,
                "contacts": HEADS,
            },
            optional={
                "firstContacts": HEADS,
                "needCodes": codes(*NEEDS),
                "warmHandoffs": HEADS,
                "placeId": maybe(ids("place", "place", "territory")),
                "newPlace": st.fixed_dictionaries(
                    {"name": named("new-name"), "kind": enum("PARK", "MALL", "FOOD_BANK")},
                    optional={"territoryId": maybe(ids("territory"))},
                ),
            },
        )
    )
)
def test_record_presence_survives_any_input(fuzz: Fuzz, drawn: dict[str, Any]) -> None:
    fuzz.check(
        "recordPresence",
        "mutation($input: RecordPresenceInput!) { recordPresence(input: $input) { id } }",
        fuzz.sender_staff,
        drawn,
    )


@FUZZ
@given(
    variables(
        id=mostly(fresh("new-presence"), ids("place", "sender"), one_in=4),
        input=st.fixed_dictionaries(
            {},
            optional={
                "date": RECENT,
                "hours": HOURS,
                "contacts": HEADS,
                "firstContacts": HEADS,
                "needCodes": codes(*NEEDS),
                "warmHandoffs": HEADS,
            },
        ),
    )
)
def test_update_presence_survives_any_input(fuzz: Fuzz, drawn: dict[str, Any]) -> None:
    fuzz.check(
        "updatePresence",
        "mutation($id: ID!, $input: PresenceChangesInput!) { "
        "updatePresence(id: $id, input: $input) { id } }",
        fuzz.sender_staff,
        drawn,
    )


@FUZZ
@given(variables(id=mostly(fresh("new-presence"), ids("place", "sender"), one_in=4)))
def test_delete_presence_survives_any_input(fuzz: Fuzz, drawn: dict[str, Any]) -> None:
    fuzz.check(
        "deletePresence",
        "mutation($id: ID!) { deletePresence(id: $id) }",
        fuzz.sender_staff,
        drawn,
    )


# ---------------------------------------------------------------------------
# Referrals

SEND_INPUT = st.fixed_dictionaries(
    {
        "toOrganizationId": ids(
            "receiver", "receiver", "receiver", "third", "far", "sender", "loose", "doomed"
        ),
        "needCodes": codes(*NEEDS),
        "familyReference": mostly(
            st.from_regex(r"F-[0-9]{4}-[0-9]{1,6}", fullmatch=True), TEXT, one_in=4
        ),
        "consent": st.fixed_dictionaries(
            {"given": st.booleans(), "method": enum("VERBAL", "WRITTEN"), "scope": TEXT},
            optional={"at": maybe(DATETIMES)},
        ),
        "idempotencyKey": mostly(fresh("new-key"), TEXT, one_in=4),
    },
    optional={
        "fromOrganizationId": maybe(ids("sender", "receiver", "far")),
        "serviceId": maybe(ids("open-service", "full-service", "side-service")),
        "placeId": maybe(ids("place")),
        "urgency": enum("ROUTINE", "PRIORITY", "URGENT"),
        "contact": maybe(
            st.fixed_dictionaries(
                {},
                optional={
                    "phone": MAYBE_TEXT,
                    "email": maybe(TEXT | st.emails()),
                    "preferredLanguage": maybe(TEXT | st.sampled_from(LANGUAGES)),
                    "bestTime": MAYBE_TEXT,
                },
            )
        ),
        "comment": MAYBE_TEXT,
        "overrideAvailability": st.booleans(),
    },
)


@FUZZ
@given(variables(input=SEND_INPUT))
def test_send_referral_survives_any_input(fuzz: Fuzz, drawn: dict[str, Any]) -> None:
    fuzz.check(
        "sendReferral",
        "mutation($input: SendReferralInput!) { sendReferral(input: $input) { id } }",
        fuzz.sender_staff,
        drawn,
    )


CONSENT_AND_CONTACT = st.fixed_dictionaries(
    {
        "toOrganizationId": st.just(Ref("receiver")),
        "needCodes": st.just(["FOOD_SECURITY"]),
        "familyReference": st.from_regex(r"F-[0-9]{4}-[0-9]{1,6}", fullmatch=True),
        "consent": st.fixed_dictionaries(
            {
                "given": st.booleans(),
                "method": enum("VERBAL", "WRITTEN"),
                "scope": TEXT,
                "at": maybe(DATETIMES),
            }
        ),
        "idempotencyKey": fresh("new-key"),
        "contact": maybe(
            st.fixed_dictionaries(
                {},
                optional={
                    "phone": MAYBE_TEXT,
                    "email": maybe(TEXT | st.emails()),
                    "preferredLanguage": maybe(TEXT | st.sampled_from(LANGUAGES)),
                    "bestTime": MAYBE_TEXT,
                },
            )
        ),
    },
    optional={"comment": MAYBE_TEXT, "urgency": enum("ROUTINE", "PRIORITY", "URGENT")},
)


@FUZZ
@given(variables(input=CONSENT_AND_CONTACT))
def test_send_referral_survives_any_consent_and_contact(fuzz: Fuzz, drawn: dict[str, Any]) -> None:
    """The parties are right, so the consent and contact checks are reached every time."""
    fuzz.check(
        "sendReferral",
        "mutation($input: SendReferralInput!) { sendReferral(input: $input) { id } }",
        fuzz.sender_staff,
        drawn,
    )


def referral_ids(*legal: str) -> st.SearchStrategy[Any]:
    """A fresh referral in a status the action is legal from (or any), one of the world's."""
    legal_one = st.sampled_from(legal or tuple(PATHS)).flatmap(lambda s: fresh(f"fresh:{s}"))
    any_one = st.sampled_from(tuple(PATHS)).flatmap(lambda s: fresh(f"fresh:{s}"))
    return mostly(legal_one, any_one | ids(*(f"referral-{s.lower()}" for s in PATHS)), one_in=3)


REFERRAL = "{ id status }"
# operation -> (extra arguments, their strategies, the statuses it is legal from)
RECEIVER_ACTIONS: dict[str, tuple[str, dict[str, Any], tuple[str, ...]]] = {
    "acknowledgeReferral": ("", {}, ("SENT",)),
    "acceptReferral": ("", {}, ("ACKNOWLEDGED",)),
    "recordReferralContact": ("", {}, ("ACCEPTED",)),
    "declineReferral": (
        ", $reason: DeclineReason!, $comment: String",
        {
            "reason": enum("NO_CAPACITY", "NOT_ELIGIBLE", "DUPLICATE", "OTHER"),
            "comment": MAYBE_TEXT,
        },
        ("ACKNOWLEDGED",),
    ),
    "completeReferral": (", $comment: String", {"comment": MAYBE_TEXT}, ("CONTACTED",)),
    "recordNoShow": (", $comment: String", {"comment": MAYBE_TEXT}, ("ACCEPTED", "CONTACTED")),
}


def _document(operation: str, signature: str, fields: dict[str, Any]) -> str:
    arguments = "".join(f", {name}: ${name}" for name in fields)
    return f"mutation($id: ID!{signature}) {{ {operation}(id: $id{arguments}) {REFERRAL} }}"


@pytest.mark.parametrize("operation", [pytest.param(op, id=op) for op in RECEIVER_ACTIONS])
def test_each_receiver_action_survives_any_input(fuzz: Fuzz, operation: str) -> None:
    signature, fields, legal = RECEIVER_ACTIONS[operation]
    document = _document(operation, signature, fields)

    @FUZZ
    @given(variables(id=referral_ids(*legal), **fields))
    def examples(drawn: dict[str, Any]) -> None:
        fuzz.check(operation, document, fuzz.receiver_staff, drawn)

    examples()


@FUZZ
@given(
    variables(
        id=referral_ids("ACKNOWLEDGED"),
        to=ids("third", "third", "sender", "receiver", "far", "doomed"),
        service=mostly(st.none(), ids("open-service", "side-service"), one_in=3),
        comment=MAYBE_TEXT,
    )
)
def test_redirect_referral_survives_any_input(fuzz: Fuzz, drawn: dict[str, Any]) -> None:
    fuzz.check(
        "redirectReferral",
        "mutation($id: ID!, $to: ID!, $service: ID, $comment: "
        "String) { redirectReferral(id: $id, toOrganizationId: $to, toServiceId: "
        f"$service, comment: $comment) {REFERRAL} }}",
        fuzz.receiver_staff,
        drawn,
    )


@FUZZ
@given(variables(id=referral_ids("SENT", "ACKNOWLEDGED", "ACCEPTED", "CONTACTED"), reason=TEXT))
def test_cancel_referral_survives_any_input(fuzz: Fuzz, drawn: dict[str, Any]) -> None:
    fuzz.check(
        "cancelReferral",
        "mutation($id: ID!, $reason: String!) { "
        f"cancelReferral(id: $id, reason: $reason) {REFERRAL} }}",
        fuzz.sender_staff,
        drawn,
    )


@FUZZ
@given(variables(id=referral_ids(), comment=MAYBE_TEXT))
def test_withdraw_consent_survives_any_input(fuzz: Fuzz, drawn: dict[str, Any]) -> None:
    fuzz.check(
        "withdrawConsent",
        "mutation($id: ID!, $comment: String) { "
        f"withdrawConsent(id: $id, comment: $comment) {REFERRAL} }}",
        fuzz.sender_staff,
        drawn,
    )


@FUZZ
@given(variables(id=referral_ids(), text=TEXT), st.booleans())
def test_add_referral_note_survives_any_input(
    fuzz: Fuzz, drawn: dict[str, Any], as_receiver: bool
) -> None:
    fuzz.check(
        "addReferralNote",
        "mutation($id: ID!, $text: String!) { "
        f"addReferralNote(id: $id, text: $text) {REFERRAL} }}",
        fuzz.receiver_staff if as_receiver else fuzz.sender_staff,
        drawn,
    )


def test_every_mutation_is_fuzzed(fuzz: Fuzz) -> None:
    fuzzed = {
        "createUser",
        "assignOrganizationRole",
        "assignNetworkRole",
        "createApiToken",
        "revokeApiToken",
        "createOrganization",
        "updateOrganization",
        "deactivateOrganization",
        "setNotificationPreferences",
        "createService",
        "updateService",
        "setServiceAvailability",
        "createNetwork",
        "addNetworkMember",
        "endNetworkMembership",
        "declarePartnership",
        "endPartnership",
        "createTerritory",
        "createPlace",
        "recordPresence",
        "updatePresence",
        "deletePresence",
        "sendReferral",
        "redirectReferral",
        "cancelReferral",
        "withdrawConsent",
        "addReferralNote",
        *RECEIVER_ACTIONS,
    }
    body = fuzz.run(fuzz.admin.data("{ __schema { mutationType { fields { name } } } }"))
    assert {f["name"] for f in body["__schema"]["mutationType"]["fields"]} == fuzzed

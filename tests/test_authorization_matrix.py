"""Who may call what: every query, mutation and subscription × every role × where the target is.

``EXPECTED`` below is the one table: written by hand from DESIGN.md §2 and §5
and issue 4, never derived from ``schema/policy.py`` (that would test the code
against itself). It drives every test case here and the human-readable matrix
in ``docs/authorization.md``; ``python -m tests.test_authorization_matrix``
rewrites that file, and a test fails when it is out of date.

Each cell runs the real operation through the app, against a world built
once per module:

- network A with the caller's own organization OWN and two others, OTHER and
  OTHER2; network B with FAR, FAR2 and FAR3;
- ORG_STAFF and ORG_ADMIN work at OWN; the COORDINATOR coordinates network A;
  the RESEARCHER studies network A; the PLATFORM_ADMIN holds no other role;
  ANONYMOUS sends no token.

Relations (where the target sits, seen from the caller):

- ``own``: OWN (for token operations: the caller's own user; for network
  operations: network A);
- ``counterpart`` (referral operations only): a referral between OWN and
  OTHER where OWN is the *other* party (the sender, for what only the
  receiver may do; the receiver, for what only the sender may do);
- ``other-organization``: OTHER, another member of network A (for referrals:
  one between OTHER and OTHER2, where OWN is no party);
- ``other-network``: FAR, a member of network B only.

Outcomes: ``allow`` (the call succeeds: data and no error at all), ``deny``
(FORBIDDEN), ``not_found`` (NOT_FOUND: out of reach, and its existence is not
revealed), ``unauthenticated`` (HTTP 401 before any GraphQL work; a WebSocket
refused at ``connection_init``).
"""

from __future__ import annotations

import sys
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from httpx_ws import WebSocketDisconnect, aconnect_ws
from httpx_ws.transport import ASGIWebSocketTransport

from domain.lifecycle import Action
from graph import presence
from graph.access import identity
from graph.db import Database
from graph.directory import networks
from tests.conftest import Api, World, referral_through_graph, unique

ROLES = ("ORG_STAFF", "ORG_ADMIN", "COORDINATOR", "RESEARCHER", "PLATFORM_ADMIN", "ANONYMOUS")
THREE = ("own", "other-organization", "other-network")
FOUR = ("own", "counterpart", "other-organization", "other-network")
OUTCOMES = {"A": "allow", "F": "deny", "N": "not_found", "U": "unauthenticated"}

# What own / counterpart / other-organization / other-network point at, per kind of target.
NONE, SELF, ORG, NET, PARTNERS = "none", "self", "organization", "network", "partnership"
SENDING, RECEIVER_ACTS = "sending", "receiver acts"
SENDER_ACTS, EITHER_ACTS = "sender acts", "either party acts"
PRESENCE = "presence entry"
TARGETS: dict[str, str] = {
    NONE: "nothing in particular: every column runs the same call",
    SELF: "your own user / a user of OTHER / a user of FAR",
    ORG: "OWN / OTHER (network A) / FAR (network B)",
    NET: "network A / network A / network B (a fresh organization joins or leaves)",
    PARTNERS: "OWN with a member of A / OTHER with a member of A / FAR with a member of B",
    SENDING: "sending as OWN / as OTHER / as FAR",
    RECEIVER_ACTS: "a referral OWN received / OWN sent / between OTHER and OTHER2 / "
    "between FAR and FAR2",
    SENDER_ACTS: "a referral OWN sent / OWN received / between OTHER and OTHER2 / "
    "between FAR and FAR2",
    EITHER_ACTS: "a referral OWN sent / OWN received / between OTHER and OTHER2 / "
    "between FAR and FAR2",
    PRESENCE: "a visit you logged for OWN / one a user of OTHER logged / one a user of FAR logged",
}


@dataclass(frozen=True)
class Row:
    target: str  # a key of TARGETS
    cells: dict[tuple[str, str], str]  # (role, relation) -> outcome
    kind: str = ""  # query | mutation | subscription

    @property
    def relations(self) -> tuple[str, ...]:
        return FOUR if ("ORG_STAFF", "counterpart") in self.cells else THREE


def row(target: str, *columns: str) -> Row:
    """One operation: a column of outcome letters per role, in ROLES order.

    Three letters (own, other-organization, other-network), or four with the
    counterpart second; A allow, F deny (FORBIDDEN), N not_found, U unauthenticated.
    """
    assert len(columns) == len(ROLES), "one column per role"
    cells: dict[tuple[str, str], str] = {}
    for role, column in zip(ROLES, columns, strict=True):
        relations = FOUR if len(column) == 4 else THREE
        assert len(column) == len(relations), f"{role}: {column!r}"
        for relation, letter in zip(relations, column, strict=True):
            cells[role, relation] = OUTCOMES[letter]
    return Row(target, cells)


Q, M, S = "query", "mutation", "subscription"

# Columns: ORG_STAFF, ORG_ADMIN, COORDINATOR, RESEARCHER, PLATFORM_ADMIN, ANONYMOUS.
# fmt: off
QUERIES: dict[str, Row] = {
    # who am I, my tokens: every role, for itself; a platform admin for anyone
    "me":                     row(NONE,          "AAA", "AAA", "AAA", "AAA", "AAA", "UUU"),
    "apiTokens":              row(SELF,          "AFF", "AFF", "AFF", "AFF", "AAA", "UUU"),
    # the directory is for everyone with a token (§5: directory, services: yes for all)
    "organization":           row(ORG,           "AAA", "AAA", "AAA", "AAA", "AAA", "UUU"),
    "organizations":          row(NET,           "AAA", "AAA", "AAA", "AAA", "AAA", "UUU"),
    "service":                row(ORG,           "AAA", "AAA", "AAA", "AAA", "AAA", "UUU"),
    "services":               row(ORG,           "AAA", "AAA", "AAA", "AAA", "AAA", "UUU"),
    "needs":                  row(NONE,          "AAA", "AAA", "AAA", "AAA", "AAA", "UUU"),
    "territories":            row(NONE,          "AAA", "AAA", "AAA", "AAA", "AAA", "UUU"),
    "places":                 row(NONE,          "AAA", "AAA", "AAA", "AAA", "AAA", "UUU"),
    "network":                row(NET,           "AAA", "AAA", "AAA", "AAA", "AAA", "UUU"),
    "networks":               row(NONE,          "AAA", "AAA", "AAA", "AAA", "AAA", "UUU"),
    "vocabulary":             row(NONE,          "AAA", "AAA", "AAA", "AAA", "AAA", "UUU"),
    # referrals: the parties; coordinators their network's metadata; researchers aggregates only
    "referral":               row(EITHER_ACTS,   "AANN", "AANN", "AAAN", "NNNN", "NNNN", "UUUU"),
    "referrals":              row(ORG,           "ANN", "ANN", "AAN", "NNN", "NNN", "UUU"),
    # the audit trail: an organization's admins, and platform admins
    "auditLog":               row(ORG,           "FFF", "AFF", "FFF", "FFF", "AAA", "UUU"),
    # several networks as one graph: a coordinator of each of them, or a platform admin
    "region":                 row(NET,           "FFF", "FFF", "AAF", "FFF", "AAA", "UUU"),
    # outreach presence (issue 16): one's own log; the team log for the organization's
    # admins; aggregates only for coordinators (identified) and researchers (de-identified)
    "myPresence":             row(NONE,          "AAA", "AAA", "AAA", "AAA", "AAA", "UUU"),
    "organizationPresence":   row(ORG,           "FFF", "AFF", "FFF", "FFF", "FFF", "UUU"),
    "presenceAnalytics":      row(NET,           "FFF", "FFF", "AAF", "AAF", "FFF", "UUU"),
}

MUTATIONS: dict[str, Row] = {
    # accounts and tokens (§2: the platform admin creates accounts and tokens;
    # an organization admin maintains its staff accounts)
    "createUser":             row(NONE,          "FFF", "FFF", "FFF", "FFF", "AAA", "UUU"),
    "assignOrganizationRole": row(ORG,           "FFF", "AFF", "FFF", "FFF", "AAA", "UUU"),
    "assignNetworkRole":      row(NET,           "FFF", "FFF", "FFF", "FFF", "AAA", "UUU"),
    "createApiToken":         row(SELF,          "AFF", "AFF", "AFF", "AFF", "AAA", "UUU"),
    "revokeApiToken":         row(SELF,          "AFF", "AFF", "AFF", "AFF", "AAA", "UUU"),
    # the directory (§2: the platform admin creates organizations and networks;
    # an organization admin maintains its profile, services and capacity)
    "createOrganization":     row(NET,           "FFF", "FFF", "FFF", "FFF", "AAA", "UUU"),
    "updateOrganization":     row(ORG,           "FFF", "AFF", "FFF", "FFF", "AAA", "UUU"),
    "deactivateOrganization": row(ORG,           "FFF", "AFF", "FFF", "FFF", "AAA", "UUU"),
    # e-mail notifications (issue 14): how the organization's intake address is told
    "setNotificationPreferences": row(ORG,       "FFF", "AFF", "FFF", "FFF", "AAA", "UUU"),
    "createService":          row(ORG,           "FFF", "AFF", "FFF", "FFF", "AAA", "UUU"),
    "updateService":          row(ORG,           "FFF", "AFF", "FFF", "FFF", "AAA", "UUU"),
    "setServiceAvailability": row(ORG,           "AFF", "AFF", "FFF", "FFF", "AAA", "UUU"),
    "createNetwork":          row(NONE,          "FFF", "FFF", "FFF", "FFF", "AAA", "UUU"),
    "addNetworkMember":       row(NET,           "FFF", "FFF", "AAF", "FFF", "AAA", "UUU"),
    "endNetworkMembership":   row(NET,           "FFF", "FFF", "AAF", "FFF", "AAA", "UUU"),
    "declarePartnership":     row(PARTNERS,      "FFF", "AFF", "AAF", "FFF", "AAA", "UUU"),
    "endPartnership":         row(PARTNERS,      "FFF", "AFF", "AAF", "FFF", "AAA", "UUU"),
    "createTerritory":        row(NONE,          "FFF", "FFF", "AAA", "FFF", "AAA", "UUU"),
    "createPlace":            row(NONE,          "AAA", "AAA", "AAA", "FFF", "AAA", "UUU"),
    # referrals (§4: only the receiver moves a referral forward, only the sender
    # cancels; §5: outside your reach a referral does not exist for you)
    "sendReferral":           row(SENDING,       "AFF", "AFF", "FFF", "FFF", "FFF", "UUU"),
    "acknowledgeReferral":    row(RECEIVER_ACTS, "AFNN", "AFNN", "FFFN", "NNNN", "NNNN", "UUUU"),
    "acceptReferral":         row(RECEIVER_ACTS, "AFNN", "AFNN", "FFFN", "NNNN", "NNNN", "UUUU"),
    "declineReferral":        row(RECEIVER_ACTS, "AFNN", "AFNN", "FFFN", "NNNN", "NNNN", "UUUU"),
    "redirectReferral":       row(RECEIVER_ACTS, "AFNN", "AFNN", "FFFN", "NNNN", "NNNN", "UUUU"),
    "recordReferralContact":  row(RECEIVER_ACTS, "AFNN", "AFNN", "FFFN", "NNNN", "NNNN", "UUUU"),
    "completeReferral":       row(RECEIVER_ACTS, "AFNN", "AFNN", "FFFN", "NNNN", "NNNN", "UUUU"),
    "recordNoShow":           row(RECEIVER_ACTS, "AFNN", "AFNN", "FFFN", "NNNN", "NNNN", "UUUU"),
    "cancelReferral":         row(SENDER_ACTS,   "AFNN", "AFNN", "FFFN", "NNNN", "NNNN", "UUUU"),
    "withdrawConsent":        row(SENDER_ACTS,   "AFNN", "AFNN", "FFFN", "NNNN", "NNNN", "UUUU"),
    "addReferralNote":        row(EITHER_ACTS,   "AANN", "AANN", "FFFN", "NNNN", "NNNN", "UUUU"),
    # outreach presence: an organization's staff log its visits; each worker edits
    # and deletes only their own entries, while still working there
    "recordPresence":         row(ORG,           "AFF", "AFF", "FFF", "FFF", "FFF", "UUU"),
    "updatePresence":         row(PRESENCE,      "AFF", "AFF", "FFF", "FFF", "FFF", "UUU"),
    "deletePresence":         row(PRESENCE,      "AFF", "AFF", "FFF", "FFF", "FFF", "UUU"),
}

SUBSCRIPTIONS: dict[str, Row] = {
    # the live feed of an organization's referral events: its own staff
    "referralEvents":         row(ORG,           "AFF", "AFF", "FFF", "FFF", "FFF", "UUU"),
}
# fmt: on

EXPECTED: dict[str, Row] = {
    name: Row(r.target, r.cells, kind)
    for kind, rows in ((Q, QUERIES), (M, MUTATIONS), (S, SUBSCRIPTIONS))
    for name, r in rows.items()
}


# ---------------------------------------------------------------------------
# The world the cells run in


@dataclass
class Matrix:
    db: Database
    app: Any
    world: World
    network_a: dict[str, Any]
    network_b: dict[str, Any]
    orgs: dict[str, dict[str, Any]]  # OWN, OTHER, OTHER2, FAR, FAR2, FAR3
    services: dict[str, dict[str, Any]]  # OWN, OTHER, FAR
    territory: dict[str, Any]
    callers: dict[str, Api]
    colleagues: dict[str, str]  # relation -> a user id (other-organization, other-network)
    spare_tokens: dict[str, str]  # role or relation -> a token id that is not in use
    candidate: str  # a user with no role, for role assignments
    restore: list[Callable[[], Awaitable[None]]] = field(default_factory=list)

    def org(self, relation: str) -> dict[str, Any]:
        return self.orgs[
            {"own": "OWN", "other-organization": "OTHER", "other-network": "FAR"}[relation]
        ]

    def network(self, relation: str) -> dict[str, Any]:
        return self.network_b if relation == "other-network" else self.network_a

    def user(self, relation: str, role: str) -> str:
        if relation == "own":
            caller = self.callers[role if role != "ANONYMOUS" else "PLATFORM_ADMIN"]
            return str(caller.user_id)  # type: ignore[attr-defined]
        return self.colleagues[relation]

    def parties(self, acting: str, relation: str) -> tuple[dict[str, Any], dict[str, Any]]:
        """(sender, receiver) of a referral whose acting party is OWN, or not, per relation."""
        o = self.orgs
        if relation in {"own", "counterpart"}:
            own_receives = (acting == "receiver") == (relation == "own")
            return (o["OTHER"], o["OWN"]) if own_receives else (o["OWN"], o["OTHER"])
        if relation == "other-organization":
            return o["OTHER"], o["OTHER2"]
        return o["FAR"], o["FAR2"]

    async def referral(
        self, sender: dict[str, Any], receiver: dict[str, Any], status: str = "SENT"
    ) -> str:
        """A fresh referral, brought to ``status`` straight through ``graph/``."""
        return await referral_through_graph(
            self.db, sender["id"], receiver["id"], PATHS[status], phone="514-555-0142"
        )


PATHS: dict[str, list[Action]] = {
    "SENT": [],
    "ACKNOWLEDGED": [Action.ACKNOWLEDGE],
    "ACCEPTED": [Action.ACKNOWLEDGE, Action.ACCEPT],
    "CONTACTED": [Action.ACKNOWLEDGE, Action.ACCEPT, Action.RECORD_CONTACT],
}


@pytest.fixture(scope="module")
async def matrix(app: Any, db: Database) -> AsyncIterator[Matrix]:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://maillage.test") as client:
        world = World(db, client)
        network_a, network_b = await world.network(), await world.network()
        orgs = {name: await world.organization(network_a) for name in ("OWN", "OTHER", "OTHER2")}
        orgs |= {name: await world.organization(network_b) for name in ("FAR", "FAR2", "FAR3")}
        services = {name: await world.service(orgs[name]) for name in ("OWN", "OTHER", "FAR")}
        for a, b in (("OWN", "OTHER"), ("OTHER", "OTHER2"), ("FAR", "FAR2")):
            await networks.declare_partnership(
                db, organization_id=orgs[a]["id"], partner_id=orgs[b]["id"], kind="AGREEMENT"
            )
        callers = {
            "ORG_STAFF": await world.caller("ORG_STAFF", organization=orgs["OWN"]),
            "ORG_ADMIN": await world.caller("ORG_ADMIN", organization=orgs["OWN"]),
            "COORDINATOR": await world.caller("COORDINATOR", network=network_a),
            "RESEARCHER": await world.caller("RESEARCHER", network=network_a),
            "PLATFORM_ADMIN": await world.caller("PLATFORM_ADMIN"),
            "ANONYMOUS": Api(client, None),
        }
        colleagues = {
            "other-organization": (await world.caller("ORG_STAFF", organization=orgs["OTHER"])),
            "other-network": (await world.caller("ORG_STAFF", organization=orgs["FAR"])),
        }
        spare: dict[str, str] = {}
        for key, api in [*callers.items(), *colleagues.items()]:
            user_id = getattr(api, "user_id", None)
            if user_id is not None:
                _, token = await identity.create_token(db, user_id=user_id, label="spare")
                spare[key] = str(token["id"])
        candidate = await identity.create_user(
            db, email=f"{unique('c')}@test.maillage", name="Candidate"
        )
        yield Matrix(
            db=db,
            app=app,
            world=world,
            network_a=network_a,
            network_b=network_b,
            orgs=orgs,
            services=services,
            territory=await world.territory(),
            callers=callers,
            colleagues={k: str(v.user_id) for k, v in colleagues.items()},  # type: ignore[attr-defined]
            spare_tokens=spare,
            candidate=str(candidate["id"]),
        )


# ---------------------------------------------------------------------------
# How each operation is called: a document and the variables for one cell

Variables = Callable[[Matrix, str, str], Awaitable[dict[str, Any]]]


@dataclass(frozen=True)
class Call:
    document: str
    variables: Variables


async def _nothing(m: Matrix, relation: str, role: str) -> dict[str, Any]:
    return {}


async def _new_network(m: Matrix, relation: str, role: str) -> dict[str, Any]:
    return {"name": unique("Table ")}


async def _org(m: Matrix, relation: str, role: str) -> dict[str, Any]:
    return {"id": m.org(relation)["id"]}


async def _org_id(m: Matrix, relation: str, role: str) -> dict[str, Any]:
    return {"org": m.org(relation)["id"]}


async def _service(m: Matrix, relation: str, role: str) -> dict[str, Any]:
    return {
        "id": m.services[
            {"own": "OWN", "other-organization": "OTHER", "other-network": "FAR"}[relation]
        ]["id"]
    }


async def _network(m: Matrix, relation: str, role: str) -> dict[str, Any]:
    return {"id": m.network(relation)["id"]}


async def _self(m: Matrix, relation: str, role: str) -> dict[str, Any]:
    return {"user": m.user(relation, role)}


async def _spare_token(m: Matrix, relation: str, role: str) -> dict[str, Any]:
    key = (role if role != "ANONYMOUS" else "PLATFORM_ADMIN") if relation == "own" else relation
    return {"id": m.spare_tokens[key]}


async def _new_user(m: Matrix, relation: str, role: str) -> dict[str, Any]:
    return {"email": f"{unique('n')}@test.maillage"}


async def _role_in_org(m: Matrix, relation: str, role: str) -> dict[str, Any]:
    return {"user": m.candidate, "org": m.org(relation)["id"]}


async def _role_in_network(m: Matrix, relation: str, role: str) -> dict[str, Any]:
    return {"user": m.candidate, "net": m.network(relation)["id"]}


async def _new_organization(m: Matrix, relation: str, role: str) -> dict[str, Any]:
    return {
        "input": {
            "name": unique("Organisme "),
            "kind": "COMMUNITY",
            "networkId": m.network(relation)["id"],
        }
    }


async def _deactivation(m: Matrix, relation: str, role: str) -> dict[str, Any]:
    org = m.org(relation)

    async def reactivate() -> None:
        await m.db.write(
            lambda tx: tx.run(
                "MATCH (o:Organization {id: $id}) SET o.active = true REMOVE o.deactivatedAt",
                id=org["id"],
            )
        )

    m.restore.append(reactivate)
    return {"id": org["id"]}


async def _new_service(m: Matrix, relation: str, role: str) -> dict[str, Any]:
    return {
        "input": {
            "organizationId": m.org(relation)["id"],
            "name": unique("Service "),
            "needCodes": ["FOOD_SECURITY"],
        }
    }


async def _outsider(m: Matrix, relation: str, role: str) -> dict[str, Any]:
    org = await m.world.organization()
    return {"net": m.network(relation)["id"], "org": org["id"]}


async def _member(m: Matrix, relation: str, role: str) -> dict[str, Any]:
    org = await m.world.organization(m.network(relation))
    return {"net": m.network(relation)["id"], "org": org["id"]}


async def _partners(m: Matrix, relation: str, role: str) -> dict[str, Any]:
    partner = await m.world.organization(m.network(relation))
    return {"org": m.org(relation)["id"], "partner": partner["id"]}


async def _partnership(m: Matrix, relation: str, role: str) -> dict[str, Any]:
    pair = await _partners(m, relation, role)
    made = await networks.declare_partnership(
        m.db, organization_id=pair["org"], partner_id=pair["partner"], kind="JOINT_ACTIVITY"
    )
    return {"id": made["id"]}


async def _new_territory(m: Matrix, relation: str, role: str) -> dict[str, Any]:
    return {"code": unique("T").upper(), "name": unique("Quartier ")}


async def _new_place(m: Matrix, relation: str, role: str) -> dict[str, Any]:
    return {"name": unique("Parc "), "territory": m.territory["id"]}


async def _new_visit(m: Matrix, relation: str, role: str) -> dict[str, Any]:
    place = await networks.create_place(m.db, name=unique("Parc "), kind="PARK")
    return {
        "input": {
            "organizationId": m.org(relation)["id"],
            "placeId": place["id"],
            "date": datetime.now(UTC).date().isoformat(),
            "hours": 2.0,
            "contacts": 3,
        }
    }


async def _presence_entry(m: Matrix, relation: str, role: str) -> dict[str, Any]:
    """A fresh visit at the relation's organization, logged by the caller (own) or a colleague."""
    place = await networks.create_place(m.db, name=unique("Parc "), kind="PARK")
    entry = await presence.record_presence(
        m.db,
        presence.PresenceInput(
            organization_id=m.org(relation)["id"],
            place_id=place["id"],
            day=datetime.now(UTC).date() - timedelta(days=1),
            hours=2.0,
            contacts=3,
        ),
        by_user=m.user(relation, role),
        now=datetime.now(UTC),
    )
    return {"id": entry["id"]}


def _presence_window(ids: Variables) -> Variables:
    async def variables(m: Matrix, relation: str, role: str) -> dict[str, Any]:
        today = datetime.now(UTC).date()
        start = (today - timedelta(days=90)).isoformat()
        return {**await ids(m, relation, role), "from": start, "to": today.isoformat()}

    return variables


async def _sending(m: Matrix, relation: str, role: str) -> dict[str, Any]:
    sender = m.org(relation)
    receiver = {
        "own": m.orgs["OTHER"],
        "other-organization": m.orgs["OTHER2"],
        "other-network": m.orgs["FAR2"],
    }[relation]
    return {
        "input": {
            "fromOrganizationId": sender["id"],
            "toOrganizationId": receiver["id"],
            "needCodes": ["FOOD_SECURITY"],
            "familyReference": f"F-{unique()}-3",
            "consent": {"given": True, "method": "WRITTEN", "scope": "referral"},
            "contact": {"phone": "514-555-0177"},
            "idempotencyKey": unique("key-"),
        }
    }


def _referral(acting: str, status: str = "SENT") -> Variables:
    async def variables(m: Matrix, relation: str, role: str) -> dict[str, Any]:
        sender, receiver = m.parties(acting, relation)
        return {"id": await m.referral(sender, receiver, status)}

    return variables


async def _redirection(m: Matrix, relation: str, role: str) -> dict[str, Any]:
    sender, receiver = m.parties("receiver", relation)
    onward = next(
        o
        for key, o in m.orgs.items()
        if o["id"] not in {sender["id"], receiver["id"]}
        and key.startswith("FAR") == (relation == "other-network")
    )
    return {"id": await m.referral(sender, receiver, "ACKNOWLEDGED"), "to": onward["id"]}


PAGE = "totalCount edges { node { id } }"
REFERRAL = "id status"

CALLS: dict[str, Call] = {
    "me": Call("{ me { user { id } roles } }", _nothing),
    "apiTokens": Call("query($user: ID) { apiTokens(userId: $user) { id } }", _self),
    "organization": Call("query($id: ID!) { organization(id: $id) { id } }", _org),
    "organizations": Call(
        "query($id: ID!) { organizations(filter: {networkId: $id}) { " + PAGE + " } }", _network
    ),
    "service": Call("query($id: ID!) { service(id: $id) { id } }", _service),
    "services": Call(
        "query($org: ID!) { services(filter: {organizationId: $org}) { " + PAGE + " } }", _org_id
    ),
    "needs": Call("{ needs { code } }", _nothing),
    "territories": Call("{ territories { id } }", _nothing),
    "places": Call("{ places { id } }", _nothing),
    "network": Call("query($id: ID!) { network(id: $id) { id } }", _network),
    "networks": Call("{ networks { id } }", _nothing),
    "vocabulary": Call('{ vocabulary(name: "need") { code } }', _nothing),
    "referral": Call(
        "query($id: ID!) { referral(id: $id) { " + REFERRAL + " } }", _referral("sender")
    ),
    "referrals": Call(
        "query($org: ID!) { referrals(organizationId: $org, first: 5) { " + PAGE + " } }", _org_id
    ),
    "auditLog": Call(
        "query($org: ID!) { auditLog(organizationId: $org, first: 5) { " + PAGE + " } }", _org_id
    ),
    "region": Call("query($id: ID!) { region(networkIds: [$id]) { networkIds } }", _network),
    "createUser": Call(
        'mutation($email: String!) { createUser(email: $email, name: "Nouvelle") { id } }',
        _new_user,
    ),
    "assignOrganizationRole": Call(
        "mutation($user: ID!, $org: ID!) { assignOrganizationRole(userId: $user, "
        "organizationId: $org, role: ORG_STAFF) }",
        _role_in_org,
    ),
    "assignNetworkRole": Call(
        "mutation($user: ID!, $net: ID!) { assignNetworkRole(userId: $user, networkId: $net, "
        'role: "RESEARCHER") }',
        _role_in_network,
    ),
    "createApiToken": Call(
        'mutation($user: ID) { createApiToken(userId: $user, label: "matrix") { token { id } } }',
        _self,
    ),
    "revokeApiToken": Call(
        "mutation($id: ID!) { revokeApiToken(id: $id) { id revokedAt } }", _spare_token
    ),
    "createOrganization": Call(
        "mutation($input: CreateOrganizationInput!) { createOrganization(input: $input) { id } }",
        _new_organization,
    ),
    "updateOrganization": Call(
        "mutation($id: ID!) { updateOrganization(id: $id, input: "
        '{description: "Halte-garderie et cuisine collective"}) { id } }',
        _org,
    ),
    "deactivateOrganization": Call(
        "mutation($id: ID!) { deactivateOrganization(id: $id) { id active } }", _deactivation
    ),
    "setNotificationPreferences": Call(
        "mutation($org: ID!) { setNotificationPreferences(organizationId: $org, "
        "mode: IMMEDIATE, kinds: [REFERRAL_RECEIVED, REFERRAL_DECLINED]) { mode } }",
        _org_id,
    ),
    "createService": Call(
        "mutation($input: CreateServiceInput!) { createService(input: $input) { id } }",
        _new_service,
    ),
    "updateService": Call(
        'mutation($id: ID!) { updateService(id: $id, input: {eligibility: "Familles"}) { id } }',
        _service,
    ),
    "setServiceAvailability": Call(
        "mutation($id: ID!) { setServiceAvailability(id: $id, availability: OPEN) { id } }",
        _service,
    ),
    "createNetwork": Call(
        "mutation($name: String!) { createNetwork(input: {name: $name}) { id } }", _new_network
    ),
    "addNetworkMember": Call(
        "mutation($net: ID!, $org: ID!) { addNetworkMember(networkId: $net, "
        "organizationId: $org) { since } }",
        _outsider,
    ),
    "endNetworkMembership": Call(
        "mutation($net: ID!, $org: ID!) { endNetworkMembership(networkId: $net, "
        "organizationId: $org) { until } }",
        _member,
    ),
    "declarePartnership": Call(
        "mutation($org: ID!, $partner: ID!) { declarePartnership(organizationId: $org, "
        "partnerId: $partner, kind: SHARED_STAFF) { id } }",
        _partners,
    ),
    "endPartnership": Call(
        "mutation($id: ID!) { endPartnership(id: $id) { until } }", _partnership
    ),
    "createTerritory": Call(
        "mutation($code: String!, $name: String!) { createTerritory(code: $code, name: $name) "
        "{ id } }",
        _new_territory,
    ),
    "createPlace": Call(
        "mutation($name: String!, $territory: ID) { createPlace(name: $name, kind: PARK, "
        "territoryId: $territory) { id } }",
        _new_place,
    ),
    "myPresence": Call(
        "query($from: Date!, $to: Date!) { myPresence(from: $from, to: $to) { id } }",
        _presence_window(_nothing),
    ),
    "organizationPresence": Call(
        "query($org: ID!, $from: Date!, $to: Date!) { organizationPresence(organizationId: $org, "
        "from: $from, to: $to) { id } }",
        _presence_window(_org_id),
    ),
    "presenceAnalytics": Call(
        "query($id: ID!, $from: Date!, $to: Date!) { presenceAnalytics(networkId: $id, "
        "from: $from, to: $to) { deidentified places { placeId } } }",
        _presence_window(_network),
    ),
    "recordPresence": Call(
        "mutation($input: RecordPresenceInput!) { recordPresence(input: $input) { id } }",
        _new_visit,
    ),
    "updatePresence": Call(
        "mutation($id: ID!) { updatePresence(id: $id, input: {hours: 1.5}) { id hours } }",
        _presence_entry,
    ),
    "deletePresence": Call("mutation($id: ID!) { deletePresence(id: $id) }", _presence_entry),
    "sendReferral": Call(
        "mutation($input: SendReferralInput!) { sendReferral(input: $input) { id } }", _sending
    ),
    "acknowledgeReferral": Call(
        "mutation($id: ID!) { acknowledgeReferral(id: $id) { " + REFERRAL + " } }",
        _referral("receiver"),
    ),
    "acceptReferral": Call(
        "mutation($id: ID!) { acceptReferral(id: $id) { " + REFERRAL + " } }",
        _referral("receiver", "ACKNOWLEDGED"),
    ),
    "declineReferral": Call(
        "mutation($id: ID!) { declineReferral(id: $id, reason: NO_CAPACITY) { " + REFERRAL + " } }",
        _referral("receiver", "ACKNOWLEDGED"),
    ),
    "redirectReferral": Call(
        "mutation($id: ID!, $to: ID!) { redirectReferral(id: $id, toOrganizationId: $to) { "
        + REFERRAL
        + " } }",
        _redirection,
    ),
    "recordReferralContact": Call(
        "mutation($id: ID!) { recordReferralContact(id: $id) { " + REFERRAL + " } }",
        _referral("receiver", "ACCEPTED"),
    ),
    "completeReferral": Call(
        "mutation($id: ID!) { completeReferral(id: $id) { " + REFERRAL + " } }",
        _referral("receiver", "CONTACTED"),
    ),
    "recordNoShow": Call(
        "mutation($id: ID!) { recordNoShow(id: $id) { " + REFERRAL + " } }",
        _referral("receiver", "ACCEPTED"),
    ),
    "cancelReferral": Call(
        'mutation($id: ID!) { cancelReferral(id: $id, reason: "famille déménagée") { '
        + REFERRAL
        + " } }",
        _referral("sender"),
    ),
    "withdrawConsent": Call(
        "mutation($id: ID!) { withdrawConsent(id: $id) { " + REFERRAL + " } }", _referral("sender")
    ),
    "addReferralNote": Call(
        'mutation($id: ID!) { addReferralNote(id: $id, text: "rappel jeudi") { '
        + REFERRAL
        + " } }",
        _referral("sender"),
    ),
    "referralEvents": Call(
        "subscription($org: ID!) { referralEvents(organizationId: $org) { referralId "
        "event { type } } }",
        _org_id,
    ),
}


# ---------------------------------------------------------------------------
# Running one cell

ACCESS_CODES = {"FORBIDDEN": "deny", "NOT_FOUND": "not_found", "UNAUTHENTICATED": "unauthenticated"}


def _outcome(response: httpx.Response) -> tuple[str, Any]:
    if response.status_code == 401:
        assert response.json()["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
        return "unauthenticated", None
    assert response.status_code == 200, response.text
    body = response.json()
    errors = body.get("errors") or []
    for error in errors:
        code = error.get("extensions", {}).get("code")
        if code in ACCESS_CODES:
            assert body.get("data") is None or all(v is None for v in body["data"].values()), body
            return ACCESS_CODES[code], body
    if errors:
        return "error", body  # allowed in, then refused by the operation's own rules
    assert body.get("data"), body
    return "allow", body


async def _subscription_outcome(m: Matrix, role: str, variables: dict[str, Any]) -> tuple[str, Any]:
    token = m.callers[role].token
    params = {"Authorization": f"Bearer {token}"} if token else {}
    try:
        # A client per connection: its task group must open and close in one task.
        async with (
            httpx.AsyncClient(
                transport=ASGIWebSocketTransport(app=m.app), base_url="http://maillage.test"
            ) as client,
            aconnect_ws("/graphql", client, subprotocols=["graphql-transport-ws"]) as ws,  # type: ignore[var-annotated]
        ):
            await ws.send_json({"type": "connection_init", "payload": params})
            ack = await ws.receive_json(timeout=10)
            assert ack["type"] == "connection_ack", ack
            await ws.send_json(
                {
                    "id": "1",
                    "type": "subscribe",
                    "payload": {"query": CALLS["referralEvents"].document, "variables": variables},
                }
            )
            return await _first_notice(m, ws, variables["org"])
    except (WebSocketDisconnect, BaseExceptionGroup) as refused:
        codes = {e.code for e in _flatten(refused) if isinstance(e, WebSocketDisconnect)}
        if not codes:
            raise
        assert codes == {4403}, codes
        return "unauthenticated", None


def _flatten(error: BaseException) -> list[BaseException]:
    if isinstance(error, BaseExceptionGroup):
        return [leaf for inner in error.exceptions for leaf in _flatten(inner)]
    return [error]


async def _first_notice(m: Matrix, ws: Any, org: str) -> tuple[str, Any]:
    """An error if the subscription is refused; else make an event for ``org`` and see it."""
    sender = m.orgs["OTHER"] if org != m.orgs["OTHER"]["id"] else m.orgs["OWN"]
    for _ in range(10):
        try:
            message = await ws.receive_json(timeout=1.0)
        except TimeoutError:
            # Still waiting: nothing refused. Give it something to say.
            receiver = next(o for o in m.orgs.values() if o["id"] == org)
            if sender["id"] != receiver["id"]:
                await m.referral(sender, receiver)
            continue
        errors = (
            message.get("payload", {}).get("errors")
            if message["type"] == "next"
            else (message.get("payload") if message["type"] == "error" else None)
        )
        if errors:
            code = errors[0].get("extensions", {}).get("code")
            return ACCESS_CODES.get(code, "error"), message
        if message["type"] == "next":
            assert message["payload"]["data"]["referralEvents"]["event"]["type"]
            return "allow", message
    raise AssertionError("the subscription neither refused nor delivered an event")


CELLS = [
    pytest.param(
        operation,
        role,
        relation,
        EXPECTED[operation].cells[role, relation],
        id=f"{operation}-{role}-{relation}",
    )
    for operation in EXPECTED
    for role in ROLES
    for relation in EXPECTED[operation].relations
]


@pytest.mark.parametrize(("operation", "role", "relation", "expected"), CELLS)
async def test_each_role_reaches_each_operation_exactly_as_the_table_says(
    matrix: Matrix, operation: str, role: str, relation: str, expected: str
) -> None:
    call = CALLS[operation]
    variables = await call.variables(matrix, relation, role)
    try:
        if EXPECTED[operation].kind == "subscription":
            outcome, body = await _subscription_outcome(matrix, role, variables)
        else:
            outcome, body = _outcome(await matrix.callers[role].raw(call.document, variables))
    finally:
        while matrix.restore:
            await matrix.restore.pop()()
    assert outcome == expected, body


# ---------------------------------------------------------------------------
# The table covers the schema, and the doc is the table


async def test_every_operation_of_the_schema_is_in_the_table(matrix: Matrix) -> None:
    body = await matrix.callers["PLATFORM_ADMIN"].data(
        "{ __schema { queryType { fields { name } } mutationType { fields { name } } "
        "subscriptionType { fields { name } } } }"
    )
    schema = body["__schema"]
    found = {
        (kind, f["name"])
        for kind, key in ((Q, "queryType"), (M, "mutationType"), (S, "subscriptionType"))
        for f in (schema[key] or {}).get("fields", [])
    }
    listed = {(r.kind, name) for name, r in EXPECTED.items()}
    assert found - listed == set(), "add these operations to EXPECTED (and docs/authorization.md)"
    assert listed - found == set(), "these operations are no longer in the schema"


def test_every_operation_has_a_way_to_be_called() -> None:
    assert set(CALLS) == set(EXPECTED)
    assert all(r.target in TARGETS for r in EXPECTED.values())


def test_the_audit_trail_cannot_be_changed_through_the_api() -> None:
    mutations = [name for name, r in EXPECTED.items() if r.kind == M]
    assert not [name for name in mutations if "audit" in name.lower()]


DOC = Path(__file__).resolve().parent.parent / "docs" / "authorization.md"
SYMBOL = {"allow": "✓", "deny": "F", "not_found": "N", "unauthenticated": "401"}


def render_markdown() -> str:
    """docs/authorization.md, from EXPECTED."""
    lines = [
        "# Who may call what",
        "",
        "<!-- Generated from EXPECTED in tests/test_authorization_matrix.py by",
        "     `python -m tests.test_authorization_matrix`; edit the table there. -->",
        "",
        "Every query, mutation and subscription, for every role, on a target in the",
        "caller's own organization, another organization of the same network, or",
        "another network. The test suite runs each of these",
        f"{sum(len(r.cells) for r in EXPECTED.values())} cells against the real server.",
        "",
        "Roles: **ORG_STAFF** and **ORG_ADMIN** work at OWN (a member of network A);",
        "the **COORDINATOR** coordinates network A; the **RESEARCHER** studies network A;",
        "the **PLATFORM_ADMIN** holds no other role; **ANONYMOUS** sends no token.",
        "",
        "Outcomes: **✓** allowed (the call succeeds) · **F** refused with `FORBIDDEN` ·",
        "**N** `NOT_FOUND` (out of reach: its existence is not revealed, the answer is the",
        "one for an id that does not exist) · **401** refused before any GraphQL work",
        "(a WebSocket is closed with 4403 at `connection_init`).",
        "",
        "Each cell reads *own / other organization / other network*; for operations on a",
        "referral, *own / counterpart / other organization / other network*, where",
        "*counterpart* means OWN is the other party of the referral (the sender, for what",
        "only the receiver may do; the receiver, for what only the sender may do). What",
        "the columns point at, per kind of target:",
        "",
        "| target | own / (counterpart) / other organization / other network |",
        "|---|---|",
        *(f"| {name} | {text} |" for name, text in TARGETS.items()),
        "",
    ]
    for kind, title in ((Q, "Queries"), (M, "Mutations"), (S, "Subscriptions")):
        lines += [f"## {title}", ""]
        lines += [
            "| operation | target | " + " | ".join(ROLES) + " |",
            "|---|---|" + "---|" * len(ROLES),
        ]
        for name, r in EXPECTED.items():
            if r.kind == kind:
                cells = [
                    " / ".join(SYMBOL[r.cells[role, rel]] for rel in r.relations) for role in ROLES
                ]
                lines.append(f"| `{name}` | {r.target} | " + " | ".join(cells) + " |")
        lines.append("")
    lines += [
        "Field-level rules (tested in `tests/test_privacy.py`): on a referral a caller may",
        "read, `family`, `contact`, `notes` and each event's `comment` are for the sending",
        "and receiving organizations only; anyone else gets `null` and a `FORBIDDEN` error",
        "on that path. `contact` is null without the family's consent, after its",
        "withdrawal (`withdrawConsent`, which purges it from the whole redirect chain) and",
        "after the retention delay.",
        "",
    ]
    return "\n".join(lines)


def test_the_documented_matrix_is_the_tested_table() -> None:
    assert DOC.read_text(encoding="utf-8") == render_markdown(), (
        "docs/authorization.md is out of date: run `python -m tests.test_authorization_matrix`"
    )


if __name__ == "__main__":
    DOC.write_text(render_markdown(), encoding="utf-8")
    print(f"wrote {DOC}", file=sys.stderr)

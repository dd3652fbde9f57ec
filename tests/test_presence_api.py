"""Logging outreach presence through the API: who records, edits, deletes and reads; bad input."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest

from graph.db import Database
from graph.directory import networks
from tests.conftest import Api, MovableClock, World, unique
from tests.directory_helpers import only_error, without_writes

RECORD = (
    "mutation($input: RecordPresenceInput!) { recordPresence(input: $input) { id date hours "
    "contacts firstContacts needCodes warmHandoffs organizationId loggedBy "
    "place { id name kind territoryId } } }"
)
UPDATE = (
    "mutation($id: ID!, $input: PresenceChangesInput!) { updatePresence(id: $id, input: $input) "
    "{ id hours contacts firstContacts } }"
)
DELETE = "mutation($id: ID!) { deletePresence(id: $id) }"
MINE = "query($from: Date!, $to: Date!) { myPresence(from: $from, to: $to) { id hours } }"
TEAM = (
    "query($org: ID!, $from: Date!, $to: Date!) { organizationPresence(organizationId: $org, "
    "from: $from, to: $to) { id hours loggedBy } }"
)


def today() -> date:
    return datetime.now(UTC).date()


def visit(org: dict[str, Any], place: dict[str, Any], **changes: Any) -> dict[str, Any]:
    return {
        "organizationId": org["id"],
        "placeId": place["id"],
        "date": (today() - timedelta(days=1)).isoformat(),
        "hours": 2.5,
        "contacts": 6,
        "firstContacts": 2,
        "needCodes": ["HOUSING", "FOOD_SECURITY"],
        "warmHandoffs": 1,
        **changes,
    }


class Team:
    def __init__(self, world: World) -> None:
        self.world = world

    async def build(self) -> Team:
        w = self.world
        self.network = await w.network()
        self.far_network = await w.network()
        self.org = await w.organization(self.network)
        self.third = await w.organization(self.network)
        self.territory = await w.territory()
        self.place = await networks.create_place(
            w.db, name=unique("Parc "), kind="PARK", territory_id=self.territory["id"]
        )
        self.worker = await w.caller("ORG_STAFF", organization=self.org)
        self.colleague = await w.caller("ORG_STAFF", organization=self.org)
        self.admin = await w.caller("ORG_ADMIN", organization=self.org)
        self.third_staff = await w.caller("ORG_STAFF", organization=self.third)
        self.third_admin = await w.caller("ORG_ADMIN", organization=self.third)
        self.coordinator = await w.caller("COORDINATOR", network=self.network)
        self.researcher = await w.caller("RESEARCHER", network=self.network)
        self.far_coordinator = await w.caller("COORDINATOR", network=self.far_network)
        return self


@pytest.fixture
async def team(world: World) -> Team:
    return await Team(world).build()


def window() -> dict[str, str]:
    return {"from": (today() - timedelta(days=30)).isoformat(), "to": today().isoformat()}


async def audit_outcomes(db: Database, user_id: str, operation: str) -> list[str]:
    rows = await db.rows(
        "MATCH (a:AuditEntry {userId: $user, operation: $op}) RETURN a.outcome AS outcome",
        user=user_id,
        op=operation,
    )
    return sorted(r["outcome"] for r in rows)


async def test_a_worker_logs_a_visit_and_sees_it_in_their_log_and_their_admin_in_the_team_log(
    team: Team, db: Database
) -> None:
    entry = (await team.worker.data(RECORD, {"input": visit(team.org, team.place)}))[
        "recordPresence"
    ]
    assert entry["hours"] == 2.5
    assert (entry["contacts"], entry["firstContacts"], entry["warmHandoffs"]) == (6, 2, 1)
    assert entry["needCodes"] == ["HOUSING", "FOOD_SECURITY"]
    assert entry["loggedBy"] == team.worker.user_id  # type: ignore[attr-defined]
    assert entry["place"]["id"] == team.place["id"]
    mine = (await team.worker.data(MINE, window()))["myPresence"]
    assert [e["id"] for e in mine] == [entry["id"]]
    assert (await team.colleague.data(MINE, window()))["myPresence"] == []
    log = (await team.admin.data(TEAM, {"org": team.org["id"], **window()}))["organizationPresence"]
    assert [e["id"] for e in log] == [entry["id"]]
    stored = await db.row(
        "MATCH (o:Organization)-[x:PRESENT_AT {id: $id}]->(p:Place) "
        "RETURN o.id AS org, p.id AS place, toString(x.date) AS day, x.by AS by",
        id=entry["id"],
    )
    assert stored == {
        "org": team.org["id"],
        "place": team.place["id"],
        "day": (today() - timedelta(days=1)).isoformat(),
        "by": team.worker.user_id,  # type: ignore[attr-defined]
    }
    assert await audit_outcomes(db, team.worker.user_id, "recordPresence") == ["OK"]  # type: ignore[attr-defined]


async def test_a_visit_to_a_new_place_creates_the_place_with_its_kind_and_territory(
    team: Team,
) -> None:
    name = unique("Marché ")
    data = visit(team.org, team.place, placeId=None)
    data["newPlace"] = {"name": name, "kind": "GROCERY", "territoryId": team.territory["id"]}
    entry = (await team.worker.data(RECORD, {"input": data}))["recordPresence"]
    assert entry["place"]["name"] == name
    assert entry["place"]["kind"] == "GROCERY"
    assert entry["place"]["territoryId"] == team.territory["id"]


def _bad_inputs() -> list[Any]:
    tomorrow = (today() + timedelta(days=1)).isoformat()
    return [
        pytest.param({"date": tomorrow}, "BAD_USER_INPUT", "date", id="future date"),
        pytest.param({"hours": -1.0}, "BAD_USER_INPUT", "hours", id="negative hours"),
        pytest.param({"hours": 0.0}, "BAD_USER_INPUT", "hours", id="no hours"),
        pytest.param({"hours": 25.0}, "BAD_USER_INPUT", "hours", id="more than a day"),
        pytest.param({"contacts": -2}, "BAD_USER_INPUT", "contacts", id="negative families"),
        pytest.param(
            {"contacts": 3, "firstContacts": 4},
            "BAD_USER_INPUT",
            "firstContacts",
            id="more first contacts than families met",
        ),
        pytest.param(
            {"contacts": 1, "firstContacts": 0, "warmHandoffs": 2},
            "BAD_USER_INPUT",
            "warmHandoffs",
            id="more hand-offs than families met",
        ),
        pytest.param({"needCodes": ["UNICORNS"]}, "BAD_USER_INPUT", "needCodes", id="unknown need"),
        pytest.param({"placeId": str(uuid.uuid4())}, "NOT_FOUND", "placeId", id="unknown place"),
        pytest.param({"placeId": None}, "BAD_USER_INPUT", "placeId", id="no place at all"),
        pytest.param(
            {"newPlace": {"name": "Parc X", "kind": "PARK"}},
            "BAD_USER_INPUT",
            "placeId",
            id="both a place and a new place",
        ),
        pytest.param(
            {
                "placeId": None,
                "newPlace": {"name": "Parc", "kind": "PARK", "territoryId": str(uuid.uuid4())},
            },
            "NOT_FOUND",
            "newPlace.territoryId",
            id="new place in an unknown territory",
        ),
    ]


@pytest.mark.parametrize(("changes", "code", "field"), _bad_inputs())
async def test_bad_visit_input_gets_a_coded_error_and_writes_nothing(
    team: Team, db: Database, changes: dict[str, Any], code: str, field: str
) -> None:
    body = await without_writes(
        db,
        lambda: team.worker(RECORD, {"input": visit(team.org, team.place, **changes)}),
        lambda body: "errors" in body,
    )
    error = only_error(body)
    assert error["extensions"]["code"] == code
    assert error["extensions"]["field"] == field
    assert error["message"]
    outcomes = await audit_outcomes(db, team.worker.user_id, "recordPresence")  # type: ignore[attr-defined]
    assert outcomes and set(outcomes) == {code}


@pytest.mark.parametrize(
    "who", ["third_staff", "third_admin", "coordinator", "researcher", "far_coordinator"]
)
async def test_only_the_organizations_staff_log_its_visits(
    team: Team, db: Database, who: str
) -> None:
    caller: Api = getattr(team, who)
    body = await without_writes(
        db,
        lambda: caller(RECORD, {"input": visit(team.org, team.place)}),
        lambda body: "errors" in body,
    )
    assert only_error(body)["extensions"] == {"code": "FORBIDDEN", "operation": "presence.record"}


async def test_a_worker_edits_and_deletes_their_own_entry_within_the_delay(team: Team) -> None:
    entry = (await team.worker.data(RECORD, {"input": visit(team.org, team.place)}))[
        "recordPresence"
    ]
    changed = (
        await team.worker.data(UPDATE, {"id": entry["id"], "input": {"hours": 1.5, "contacts": 2}})
    )["updatePresence"]
    assert (changed["hours"], changed["contacts"], changed["firstContacts"]) == (1.5, 2, 2)
    refused = await team.worker(UPDATE, {"id": entry["id"], "input": {"contacts": 1}})
    assert only_error(refused)["extensions"]["field"] == "firstContacts"
    assert (await team.worker.data(DELETE, {"id": entry["id"]}))["deletePresence"] == entry["id"]
    assert (await team.worker.data(MINE, window()))["myPresence"] == []
    gone = await team.worker(DELETE, {"id": entry["id"]})
    assert only_error(gone)["extensions"]["code"] == "NOT_FOUND"


@pytest.mark.parametrize("who", ["colleague", "admin", "third_staff", "coordinator", "researcher"])
async def test_no_one_else_edits_or_deletes_a_workers_entry(
    team: Team, db: Database, who: str
) -> None:
    entry = (await team.worker.data(RECORD, {"input": visit(team.org, team.place)}))[
        "recordPresence"
    ]
    caller: Api = getattr(team, who)
    for document, variables in (
        (UPDATE, {"id": entry["id"], "input": {"hours": 9.0}}),
        (DELETE, {"id": entry["id"]}),
    ):
        body = await without_writes(
            db,
            lambda d=document, v=variables: caller(d, v),  # type: ignore[misc]
            lambda body: "errors" in body,
        )
        assert only_error(body)["extensions"] == {"code": "FORBIDDEN", "operation": "presence.edit"}
    mine = (await team.worker.data(MINE, window()))["myPresence"]
    assert [(e["id"], e["hours"]) for e in mine] == [(entry["id"], 2.5)]


async def test_an_entry_is_no_longer_changed_after_the_edit_delay(
    team: Team, db: Database, clock: MovableClock
) -> None:
    entry = (await team.worker.data(RECORD, {"input": visit(team.org, team.place)}))[
        "recordPresence"
    ]
    clock.advance(days=7, hours=1)  # the test settings keep the default delay of 7 days
    for document, variables in (
        (UPDATE, {"id": entry["id"], "input": {"hours": 1.0}}),
        (DELETE, {"id": entry["id"]}),
    ):
        body = await without_writes(
            db,
            lambda d=document, v=variables: team.worker(d, v),  # type: ignore[misc]
            lambda body: "errors" in body,
        )
        error = only_error(body)
        assert error["extensions"]["code"] == "EDIT_WINDOW_CLOSED"
        assert "7 days" in error["message"]


async def test_a_worker_who_left_the_organization_no_longer_edits_their_entries(
    team: Team,
) -> None:
    entry = (await team.worker.data(RECORD, {"input": visit(team.org, team.place)}))[
        "recordPresence"
    ]
    await team.world.db.write(
        lambda tx: tx.run(
            "MATCH (:User {id: $u})-[w:WORKS_AT]->() DELETE w",
            u=team.worker.user_id,  # type: ignore[attr-defined]
        )
    )
    body = await team.worker(UPDATE, {"id": entry["id"], "input": {"hours": 1.0}})
    assert only_error(body)["extensions"] == {"code": "FORBIDDEN", "operation": "presence.record"}


@pytest.mark.parametrize(
    "who", ["worker", "third_admin", "coordinator", "researcher", "far_coordinator"]
)
async def test_the_team_log_is_for_the_organizations_admins_only(team: Team, who: str) -> None:
    await team.worker.data(RECORD, {"input": visit(team.org, team.place)})
    caller: Api = getattr(team, who)
    body = await caller(TEAM, {"org": team.org["id"], **window()})
    assert only_error(body)["extensions"] == {
        "code": "FORBIDDEN",
        "operation": "presence.readTeam",
    }


async def test_a_log_window_must_run_forward(team: Team) -> None:
    body = await team.worker(MINE, {"from": today().isoformat(), "to": "2020-01-01"})
    error = only_error(body)
    assert (error["extensions"]["code"], error["extensions"]["field"]) == ("BAD_USER_INPUT", "to")

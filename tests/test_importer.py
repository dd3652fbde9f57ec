"""graph/importer/__init__.py against a real Neo4j: a hand-made dataset, the demo preset, bad rows.

The hand-made dataset (one network, two territories, three organizations,
two services, five referrals with fifteen events) is counted by hand; the
demo preset is checked against its manifest and against the lifecycle
invariant. Every dataset here gets fresh ids, so tests share the database.
"""

from __future__ import annotations

import csv
import hashlib
import json
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, cast

import pytest

import simulator
from graph.access import identity
from graph.db import Database
from graph.importer import DatasetError, ImportReport, import_dataset
from tests.conftest import Api, World, graph_size, unique


def _id() -> str:
    return str(uuid.uuid4())


@dataclass
class Tiny:
    """Ids of the hand-made dataset, and its rows per file."""

    network: str = field(default_factory=_id)
    north: str = field(default_factory=_id)
    south: str = field(default_factory=_id)
    a: str = field(default_factory=_id)  # a family house, the sender
    b: str = field(default_factory=_id)  # a CLSC
    c: str = field(default_factory=_id)  # a food bank
    sb: str = field(default_factory=_id)
    sc: str = field(default_factory=_id)
    park: str = field(default_factory=_id)
    family: str = field(default_factory=_id)
    other_family: str = field(default_factory=_id)
    referrals: list[str] = field(default_factory=lambda: [_id() for _ in range(5)])
    rows: dict[str, list[dict[str, Any]]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        code = unique("T").upper()
        self.rows = {
            "networks": [
                {
                    "id": self.network,
                    "name": unique("Table "),
                    "territoryCodes": [],
                    "ackDelayHours": 48,
                    "retentionDays": 60,
                }
            ],
            "territories": [
                {"id": self.north, "code": f"{code}-N", "name": "Nord"},
                {"id": self.south, "code": f"{code}-S", "name": "Sud"},
            ],
            "places": [
                {
                    "id": self.park,
                    "name": unique("Parc "),
                    "kind": "PARK",
                    "territoryId": self.north,
                }
            ],
            "organizations": [
                _org(self.a, "COMMUNITY", self.north),
                _org(self.b, "HEALTH_SOCIAL_SERVICES", self.north),
                _org(self.c, "FOOD_SECURITY", self.south),
            ],
            "memberships": [
                {
                    "organizationId": o,
                    "networkId": self.network,
                    "since": "2024-01-01",
                    "until": None,
                }
                for o in (self.a, self.b, self.c)
            ],
            "services": [
                _service(self.sb, self.b, "PARENTING", self.north),
                _service(self.sc, self.c, "FOOD_SECURITY", self.south),
            ],
            "availability": [
                {"serviceId": self.sb, "availability": "OPEN", "at": "2024-01-01T00:00:00Z"},
                {"serviceId": self.sb, "availability": "FULL", "at": "2024-06-01T00:00:00Z"},
                {"serviceId": self.sb, "availability": "OPEN", "at": "2024-09-01T00:00:00Z"},
            ],
            "partnerships": [
                {
                    "sourceId": self.a,
                    "targetId": self.b,
                    "kind": "AGREEMENT",
                    "since": "2024-02-01",
                    "until": None,
                }
            ],
            "presence": [
                {
                    "organizationId": self.a,
                    "placeId": self.park,
                    "date": day,
                    "hours": 2.0,
                    "contacts": 5,
                    "needsHeard": ["HOUSING", "income"],
                }
                for day in ("2024-05-01", "2024-05-08")
            ],
        }
        r1, r2, r3, r4, r5 = self.referrals
        a, b, c = self.a, self.b, self.c
        self.rows["referrals"] = [
            _referral(
                r1, a, b, self.sb, self.family, "A-001", "2024-03-01T10:00:00Z", place=self.park
            ),
            _referral(
                r2,
                a,
                c,
                self.sc,
                self.other_family,
                "A-002",
                "2024-03-02T10:00:00Z",
                need="FOOD_SECURITY",
            ),
            _referral(r3, a, b, self.sb, self.family, "A-001", "2024-03-03T10:00:00Z"),
            _referral(
                r4,
                b,
                c,
                self.sc,
                self.family,
                "B-9",
                "2024-03-05T10:00:00Z",
                need="FOOD_SECURITY",
                redirected_from=r3,
            ),
            # The same family, referred by another organization under its own reference.
            _referral(
                r5, c, a, None, self.family, "C-17", "2024-03-06T10:00:00Z", need="SOCIAL_ISOLATION"
            ),
        ]
        self.rows["events"] = [
            *_events(
                r1,
                [
                    ("SENT", a, "03-01T10"),
                    ("ACKNOWLEDGED", b, "03-01T15"),
                    ("ACCEPTED", b, "03-02T09"),
                    ("CONTACTED", b, "03-03T09"),
                    ("COMPLETED", b, "03-20T09"),
                ],
            ),
            *_events(r2, [("SENT", a, "03-02T10"), ("EXPIRED", None, "03-04T11")]),
            *_events(
                r3,
                [
                    ("SENT", a, "03-03T10"),
                    ("ACKNOWLEDGED", b, "03-04T10"),
                    ("REDIRECTED", b, "03-05T10", "OUT_OF_TERRITORY"),
                ],
            ),
            *_events(
                r4,
                [
                    ("SENT", b, "03-05T10"),
                    ("ACKNOWLEDGED", c, "03-05T12"),
                    ("DECLINED", c, "03-06T09", "NO_CAPACITY"),
                ],
            ),
            *_events(r5, [("SENT", c, "03-06T10"), ("ACKNOWLEDGED", a, "03-06T11")]),
        ]

    def write(self, directory: Path, *, csv_kinds: tuple[str, ...] = ()) -> Path:
        directory.mkdir(parents=True, exist_ok=True)
        for kind, rows in self.rows.items():
            if kind in csv_kinds:
                _write_csv(directory / f"{kind}.csv", rows)
            else:
                _write_jsonl(directory / f"{kind}.jsonl", rows)
        return directory

    def event_ids(self) -> list[str]:
        return [e["id"] for e in self.rows["events"]]


def _org(org_id: str, kind: str, territory: str) -> dict[str, Any]:
    return {
        "id": org_id,
        "name": unique("Organisme "),
        "kind": kind,
        "description": "",
        "languages": ["fr"],
        "territoryId": territory,
        "active": True,
        "createdAt": "2023-12-01T00:00:00Z",
    }


def _service(service_id: str, org: str, need: str, territory: str) -> dict[str, Any]:
    return {
        "id": service_id,
        "organizationId": org,
        "name": unique("Service "),
        "description": "",
        "eligibility": "",
        "languages": ["fr"],
        "availability": "OPEN",
        "needCodes": [need],
        "territoryIds": [territory],
        "createdAt": "2024-01-01T00:00:00Z",
    }


def _referral(
    referral_id: str,
    sender: str,
    receiver: str,
    service: str | None,
    family: str,
    ref: str,
    sent_at: str,
    *,
    need: str = "PARENTING",
    place: str | None = None,
    redirected_from: str | None = None,
) -> dict[str, Any]:
    due = datetime.fromisoformat(sent_at) + timedelta(days=2)
    return {
        "id": referral_id,
        "senderId": sender,
        "receiverId": receiver,
        "serviceId": service,
        "familyId": family,
        "familyRef": ref,
        "needCodes": [need],
        "urgency": "ROUTINE",
        "placeId": place,
        "sentAt": sent_at,
        "acknowledgeBy": due.isoformat().replace("+00:00", "Z"),
        "overrideAvailability": False,
        "consent": {"given": True, "at": sent_at, "method": "VERBAL", "scope": "REFERRAL_ONLY"},
        "redirectedFromId": redirected_from,
        "idempotencyKey": uuid.uuid4().hex[:16],
    }


def _events(referral_id: str, steps: list[tuple[Any, ...]]) -> list[dict[str, Any]]:
    status = {
        "SENT": "SENT",
        "ACKNOWLEDGED": "ACKNOWLEDGED",
        "ACCEPTED": "ACCEPTED",
        "CONTACTED": "CONTACTED",
        "COMPLETED": "COMPLETED",
        "EXPIRED": "EXPIRED",
        "REDIRECTED": "REDIRECTED",
        "DECLINED": "DECLINED",
        "CANCELLED": "CANCELLED",
    }
    return [
        {
            "id": _id(),
            "referralId": referral_id,
            "type": kind,
            "status": status[kind],
            "at": f"2024-{when}:00:00Z",
            "actorOrganizationId": actor,
            "reason": rest[0] if rest else None,
            "comment": None,
        }
        for kind, actor, when, *rest in steps
    ]


def _write_jsonl(path: Path, rows: list[dict[str, Any]]) -> None:
    path.write_text("".join(json.dumps(row) + "\n" for row in rows), encoding="utf-8")


def _write_csv(path: Path, rows: list[dict[str, Any]]) -> None:
    flat = []
    for row in rows:
        cells: dict[str, Any] = {}
        for key, value in row.items():
            if key == "consent":
                cells.update({f"consent_{k}": _cell(v) for k, v in value.items()})
            else:
                cells[key] = _cell(value)
        flat.append(cells)
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(flat[0]))
        writer.writeheader()
        writer.writerows(flat)


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return ";".join(value)
    return str(value)


async def checksum(db: Database) -> str:
    """A digest of every node's and relationship's properties (audit entries aside)."""
    rows = await db.rows(
        "MATCH (n) WHERE NOT n:AuditEntry "
        "RETURN coalesce(n.id, elementId(n)) AS key, labels(n) AS labels, properties(n) AS p "
        "UNION ALL MATCH (a)-[r]->(b) WHERE NOT a:AuditEntry AND NOT b:AuditEntry "
        "RETURN coalesce(a.id, elementId(a)) + type(r) + coalesce(b.id, elementId(b)) AS key, "
        "[] AS labels, properties(r) AS p"
    )
    lines = sorted(
        json.dumps([r["key"], r["labels"], r["p"]], sort_keys=True, default=str) for r in rows
    )
    return hashlib.sha256("\n".join(lines).encode()).hexdigest()


async def referral(db: Database, referral_id: str) -> dict[str, Any]:
    row = await db.row(
        "MATCH (r:Referral {id: $id}) "
        "RETURN r {.*, family: COLLECT { MATCH (r)-[:CONCERNS]->(f) RETURN f {.id, .reference} "
        "}[0], events: COLLECT { MATCH (r)-[:HAS_EVENT]->(e) RETURN e {.*} ORDER BY e.seq }} "
        "AS r",
        id=referral_id,
    )
    assert row is not None
    return dict(row["r"])


# --- the hand-made dataset ------------------------------------------------------------------


async def test_a_hand_made_dataset_adds_the_nodes_and_relationships_counted_by_hand(
    db: Database, tmp_path: Path
) -> None:
    tiny = Tiny()
    before = await graph_size(db)
    report = await import_dataset(db, tiny.write(tmp_path))
    after = await graph_size(db)
    assert report.ok and not report.aborted
    # nodes: network 1, territories 2, places 1, organizations 3, services 2, availability
    # changes 3, referrals 5, events 15, families 3 (A-001, A-002, C-17) = 35
    # relationships: BASED_IN 3, IN_TERRITORY 1, MEMBER_OF 3, OFFERS 2, ADDRESSES 2,
    # AVAILABLE_IN 2, HAS_AVAILABILITY 3, PARTNERS_WITH 1, PRESENT_AT 2, SENT 5, TO 5,
    # FOR_NEED 5, FOR_SERVICE 4, ORIGINATED_AT 1, REDIRECTED_FROM 1, CONCERNS 5,
    # KNOWS_FAMILY 3, HAS_EVENT 15 = 63
    assert (after[0] - before[0], after[1] - before[1]) == (38, 63)
    assert {f: (c.read, c.written, c.skipped) for f, c in report.files.items()} == {
        "networks.jsonl": (1, 1, 0),
        "territories.jsonl": (2, 2, 0),
        "places.jsonl": (1, 1, 0),
        "organizations.jsonl": (3, 3, 0),
        "memberships.jsonl": (3, 3, 0),
        "services.jsonl": (2, 2, 0),
        "availability.jsonl": (3, 3, 0),
        "partnerships.jsonl": (1, 1, 0),
        "presence.jsonl": (2, 2, 0),
        "referrals.jsonl": (5, 5, 0),
        "events.jsonl": (15, 15, 0),
    }
    assert report.events_created == 15


async def test_imported_referrals_have_the_properties_the_api_would_give_them(
    db: Database, tmp_path: Path
) -> None:
    tiny = Tiny()
    await import_dataset(db, tiny.write(tmp_path))
    r1, r2, r3, r4, r5 = [await referral(db, rid) for rid in tiny.referrals]
    assert r1["status"] == "COMPLETED"
    assert r1["closedAt"].iso_format().startswith("2024-03-20T09:00:00")
    assert r1["lastEventSeq"] == r1["events"][-1]["seq"]
    assert r1["networkIds"] == [tiny.network]
    assert r1["retentionDays"] == 60
    assert r1["watcherIds"] == sorted([tiny.a, tiny.b])
    assert r1["idempotencyScope"] == f"{tiny.a}:{r1['idempotencyKey']}"
    assert r2["status"] == "EXPIRED" and r2["events"][-1].get("actorOrganizationId") is None
    # Redirected: the original is watched by the new receiver too, appended as the API does.
    assert r3["status"] == "REDIRECTED"
    assert r3["watcherIds"] == [*sorted([tiny.a, tiny.b]), tiny.c]
    assert r3["events"][-1]["reason"] == "OUT_OF_TERRITORY"
    assert r4["watcherIds"] == sorted([tiny.a, tiny.b, tiny.c])
    assert r4["status"] == "DECLINED" and r4["events"][-1]["reason"] == "NO_CAPACITY"
    # Families: the sender's own reference; a redirect concerns the original's family.
    assert r1["family"] == {"id": tiny.family, "reference": "A-001"}
    assert r3["family"] == r1["family"] == r4["family"]
    assert r2["family"] == {"id": tiny.other_family, "reference": "A-002"}
    assert r5["family"]["reference"] == "C-17" and r5["family"]["id"] != tiny.family
    assert r5["status"] == "ACKNOWLEDGED" and r5.get("closedAt") is None
    service = await db.row(
        "MATCH (s:Service {id: $id}) RETURN s.availability AS a, "
        "toString(s.availabilityChangedAt) AS at",
        id=tiny.sb,
    )
    assert service == {"a": "OPEN", "at": "2024-09-01T00:00:00Z"}


async def test_events_are_numbered_by_referral_sending_time_then_event_time(
    db: Database, tmp_path: Path
) -> None:
    tiny = Tiny()
    # Shuffle the file: referrals out of order, events grouped differently.
    tiny.rows["events"] = tiny.rows["events"][5:] + tiny.rows["events"][:5]
    await import_dataset(db, tiny.write(tmp_path), batch_size=100)
    rows = await db.rows(
        "UNWIND $ids AS id MATCH (r:Referral {id: id})-[:HAS_EVENT]->(e) "
        "RETURN r.id AS id, r.sentAt AS sent, e.at AS at, e.seq AS seq, "
        "e.senderOrganizationId AS sender, e.senderPosition AS position ORDER BY sent, seq",
        ids=tiny.referrals,
    )
    assert [(row["sent"], row["at"]) for row in rows] == sorted((r["sent"], r["at"]) for r in rows)
    timelines: dict[str, list[int]] = {}
    for row in rows:
        timelines.setdefault(row["id"], []).append(row["seq"])
    assert all(seqs == list(range(1, len(seqs) + 1)) for seqs in timelines.values())
    # Each sender's feed positions follow the same order, with no gap.
    by_sender: dict[str, list[int]] = {}
    for row in rows:
        by_sender.setdefault(row["sender"], []).append(row["position"])
    for positions in by_sender.values():
        assert positions == list(range(positions[0], positions[0] + len(positions)))


async def test_importing_the_same_files_again_changes_nothing(db: Database, tmp_path: Path) -> None:
    tiny = Tiny()
    directory = tiny.write(tmp_path)
    await import_dataset(db, directory)
    size, digest = await graph_size(db), await checksum(db)
    again = await import_dataset(db, directory, batch_size=3)
    assert again.ok and again.events_created == 0
    assert again.files["events.jsonl"].written == 15
    assert await graph_size(db) == size
    assert await checksum(db) == digest


async def test_a_dataset_in_csv_imports_like_its_jsonl_twin(db: Database, tmp_path: Path) -> None:
    tiny = Tiny()
    csv_kinds = ("organizations", "services", "referrals", "events", "presence")
    before = await graph_size(db)
    report = await import_dataset(db, tiny.write(tmp_path, csv_kinds=csv_kinds))
    after = await graph_size(db)
    assert report.ok, report.errors
    assert report.files["referrals.csv"].written == 5
    assert (after[0] - before[0], after[1] - before[1]) == (38, 63)
    r1 = await referral(db, tiny.referrals[0])
    assert r1["consentGiven"] is True and r1["status"] == "COMPLETED"
    assert await _needs_heard(db, tiny) == [["HOUSING", "INCOME"]] * 2


async def _needs_heard(db: Database, tiny: Tiny) -> list[list[str]]:
    rows = await db.rows(
        "MATCH (:Organization {id: $org})-[x:PRESENT_AT]->(:Place {id: $place}) "
        "RETURN x.needsHeard AS needs ORDER BY x.date",
        org=tiny.a,
        place=tiny.park,
    )
    return [list(r["needs"]) for r in rows]


async def test_needs_heard_at_a_visit_are_imported_as_codes(db: Database, tmp_path: Path) -> None:
    tiny = Tiny()
    tiny.rows["presence"][1]["needsHeard"] = []
    report = await import_dataset(db, tiny.write(tmp_path))
    assert report.ok, report.errors
    assert await _needs_heard(db, tiny) == [["HOUSING", "INCOME"], []]


async def test_a_bad_csv_cell_is_reported_with_its_line_counting_the_header(
    db: Database, tmp_path: Path
) -> None:
    tiny = Tiny()
    tiny.rows["presence"][1]["hours"] = "many"
    report = await import_dataset(db, tiny.write(tmp_path, csv_kinds=("presence",)))
    assert [(e.file, e.line) for e in report.errors] == [("presence.csv", 3)]
    assert "hours 'many' is not a number" in report.errors[0].message


# --- bad rows -------------------------------------------------------------------------------


def _break_enum(tiny: Tiny) -> tuple[str, int, str]:
    tiny.rows["organizations"][1]["kind"] = "CHURCH"
    return "organizations.jsonl", 2, "kind 'CHURCH' is not one of"


def _break_reference(tiny: Tiny) -> tuple[str, int, str]:
    tiny.rows["services"][0]["organizationId"] = _id()
    return "services.jsonl", 1, "is neither in organizations nor in the database"


def _break_order(tiny: Tiny) -> tuple[str, int, str]:
    tiny.rows["events"][3]["at"] = "2024-03-01T12:00:00Z"  # CONTACTED before ACCEPTED
    return "events.jsonl", 4, "before the referral's previous event"


def _break_lifecycle(tiny: Tiny) -> tuple[str, int, str]:
    event = tiny.rows["events"][2]  # ACCEPTED -> COMPLETED straight after acknowledgement
    event["type"] = event["status"] = "COMPLETED"
    return "events.jsonl", 3, "COMPLETED is not allowed here"


def _break_json(tiny: Tiny) -> tuple[str, int, str]:
    return "referrals.jsonl", 2, "not valid JSON"


BREAKS = [
    pytest.param(_break_enum, id="unknown enum code"),
    pytest.param(_break_reference, id="missing id reference"),
    pytest.param(_break_order, id="events out of order"),
    pytest.param(_break_lifecycle, id="illegal transition"),
    pytest.param(_break_json, id="malformed JSON line"),
]


def _write_broken(tiny: Tiny, breaker: Any, directory: Path) -> tuple[str, int, str]:
    where = breaker(tiny)
    tiny.write(directory)
    if breaker is _break_json:
        path = directory / "referrals.jsonl"
        lines = path.read_text().splitlines(keepends=True)
        lines[1] = lines[1][:60] + "\n"  # cut short after its id
        path.write_text("".join(lines))
    return cast(tuple[str, int, str], where)


@pytest.mark.parametrize("breaker", BREAKS)
async def test_a_bad_row_is_reported_with_file_and_line_and_abort_writes_nothing(
    db: Database, tmp_path: Path, breaker: Any
) -> None:
    tiny = Tiny()
    file, line, words = _write_broken(tiny, breaker, tmp_path)
    before = await graph_size(db)
    report = await import_dataset(db, tmp_path)
    assert report.aborted
    assert [(e.file, e.line) for e in report.errors] == [(file, line)]
    assert words in report.errors[0].message
    assert await graph_size(db) == before
    assert all(c.written == 0 for c in report.files.values())


# What "skip" leaves out besides the bad row: (referrals, events) not written.
SKIPPED = {
    # Organization B is skipped: r1, r3 go to B, r4 (r3's redirect) is sent by B.
    "unknown enum code": (3, 11),
    # Service SB is skipped: r1 and r3 are for SB, r4 is r3's redirect.
    "missing id reference": (3, 11),
    "events out of order": (1, 5),  # r1 and its five events
    "illegal transition": (1, 5),
    "malformed JSON line": (1, 2),  # r2 is unreadable: its two events go with it
}


@pytest.mark.parametrize("breaker", BREAKS)
async def test_skip_writes_everything_that_does_not_depend_on_the_bad_row(
    db: Database, tmp_path: Path, breaker: Any, request: pytest.FixtureRequest
) -> None:
    tiny = Tiny()
    file, line, _ = _write_broken(tiny, breaker, tmp_path)
    report = await import_dataset(db, tmp_path, on_error="skip")
    assert not report.aborted
    assert (report.errors[0].file, report.errors[0].line) == (file, line)
    skipped = SKIPPED[request.node.callspec.id]
    assert (
        report.files["referrals.jsonl"].skipped,
        report.files["events.jsonl"].skipped,
    ) == skipped
    written = await db.row(
        "UNWIND $ids AS id MATCH (r:Referral {id: id}) "
        "RETURN count(r) AS referrals, sum(COUNT { (r)-[:HAS_EVENT]->() }) AS events",
        ids=tiny.referrals,
    )
    assert written == {"referrals": 5 - skipped[0], "events": 15 - skipped[1]}


async def test_a_referral_between_organizations_sharing_no_network_is_refused(
    db: Database, tmp_path: Path
) -> None:
    # C joins the network on March 4th: r2 (A -> C, March 2nd) goes outside any network, as
    # sendReferral would refuse; r4 (B -> C, March 5th) and r5 (C -> A, March 6th) are fine.
    tiny = Tiny()
    tiny.rows["memberships"][2]["since"] = "2024-03-04"
    tiny.write(tmp_path)
    before = await graph_size(db)
    aborted = await import_dataset(db, tmp_path)
    assert [(e.file, e.line) for e in aborted.errors] == [("referrals.jsonl", 2)]
    assert "share no network on 2024-03-02" in aborted.errors[0].message
    assert await graph_size(db) == before
    skipped = await import_dataset(db, tmp_path, on_error="skip")
    assert (
        skipped.files["referrals.jsonl"].skipped,
        skipped.files["events.jsonl"].skipped,
    ) == (1, 2)  # r2 and its SENT and EXPIRED events
    r2, r4, r5 = (tiny.referrals[i] for i in (1, 3, 4))
    assert await db.row("MATCH (r:Referral {id: $id}) RETURN r.id AS id", id=r2) is None
    assert (await referral(db, r4))["networkIds"] == [tiny.network]
    assert (await referral(db, r5))["networkIds"] == [tiny.network]


async def test_memberships_already_in_the_database_count_for_a_new_referral(
    db: Database, tmp_path: Path
) -> None:
    tiny = Tiny()
    assert (await import_dataset(db, tiny.write(tmp_path / "first"))).ok
    # A second file lists a new organization D (no membership) and two new referrals
    # between organizations it does not list: A -> B (members in the database) and A -> D.
    d, to_b, to_d = _id(), _id(), _id()
    later = tmp_path / "later"
    later.mkdir()
    _write_jsonl(later / "organizations.jsonl", [_org(d, "EMPLOYMENT", tiny.north)])
    _write_jsonl(
        later / "referrals.jsonl",
        [
            _referral(to_b, tiny.a, tiny.b, None, _id(), "A-101", "2024-04-01T10:00:00Z"),
            _referral(to_d, tiny.a, d, None, _id(), "A-102", "2024-04-02T10:00:00Z"),
        ],
    )
    _write_jsonl(
        later / "events.jsonl",
        [
            *_events(to_b, [("SENT", tiny.a, "04-01T10")]),
            *_events(to_d, [("SENT", tiny.a, "04-02T10")]),
        ],
    )
    report = await import_dataset(db, later, on_error="skip")
    assert [(e.file, e.line) for e in report.errors] == [("referrals.jsonl", 2)], report.errors
    assert "share no network" in report.errors[0].message
    assert (await referral(db, to_b))["networkIds"] == [tiny.network]
    assert await db.row("MATCH (r:Referral {id: $id}) RETURN r.id AS id", id=to_d) is None


async def test_a_directory_without_organizations_is_not_a_dataset(
    tmp_path: Path, db: Database
) -> None:
    (tmp_path / "networks.jsonl").write_text("")
    with pytest.raises(DatasetError, match=r"organizations\.jsonl"):
        await import_dataset(db, tmp_path)


# --- interrupted, resumed -------------------------------------------------------------------


class Interrupted(Exception):
    pass


async def test_an_interrupted_import_run_again_ends_like_an_uninterrupted_one(
    db: Database, tmp_path: Path
) -> None:
    whole, cut = Tiny(), Tiny()
    start = await graph_size(db)
    await import_dataset(db, whole.write(tmp_path / "whole"), batch_size=2)
    middle = await graph_size(db)
    writes = 0

    def stop_after_thirteen_batches(stage: str, done: int, total: int | None) -> None:
        nonlocal writes
        if stage.startswith("write"):
            writes += 1
            if writes == 13:  # 12 batches of directory rows, then r1 and r2
                raise Interrupted

    directory = cut.write(tmp_path / "cut")
    with pytest.raises(Interrupted):
        await import_dataset(db, directory, batch_size=2, progress=stop_after_thirteen_batches)
    halfway = await graph_size(db)
    assert halfway[0] - middle[0] < middle[0] - start[0]
    # Written without their events yet, r1 and r2 already say how they end: nothing (the
    # sweep above all) takes them for open referrals meanwhile.
    early = await db.rows(
        "UNWIND $ids AS id MATCH (r:Referral {id: id}) "
        "RETURN r.status AS status, COUNT { (r)-[:HAS_EVENT]->() } AS events",
        ids=cut.referrals,
    )
    assert early == [{"status": "COMPLETED", "events": 0}, {"status": "EXPIRED", "events": 0}]
    report = await import_dataset(db, directory, batch_size=2)
    end = await graph_size(db)
    assert report.ok
    assert (end[0] - middle[0], end[1] - middle[1]) == (middle[0] - start[0], middle[1] - start[1])
    for rid in cut.referrals:
        imported = await referral(db, rid)
        assert imported["status"] == imported["events"][-1]["status"]
        assert imported["lastEventSeq"] == imported["events"][-1]["seq"]


# --- through the API ------------------------------------------------------------------------


async def test_imported_referrals_are_in_the_receivers_inbox(
    db: Database, tmp_path: Path, world: World
) -> None:
    tiny = Tiny()
    await import_dataset(db, tiny.write(tmp_path))
    staff: Api = await world.caller("ORG_STAFF", organization={"id": tiny.b})
    data = await staff.data(
        "query($org: ID!) { referrals(box: INCOMING, organizationId: $org) { totalCount "
        "edges { node { id status } } countsByStatus { status count } } }",
        {"org": tiny.b},
    )
    inbox = data["referrals"]
    assert inbox["totalCount"] == 2
    assert {e["node"]["id"]: e["node"]["status"] for e in inbox["edges"]} == {
        tiny.referrals[0]: "COMPLETED",
        tiny.referrals[2]: "REDIRECTED",
    }
    assert identity  # the caller was made through graph.access.identity


# --- the demo preset ------------------------------------------------------------------------


async def remove_dataset(db: Database, directory: Path) -> None:
    """Delete what importing ``directory`` created (so later tests' sweeps never meet it)."""

    def ids(kind: str) -> list[str]:
        path = directory / f"{kind}.jsonl"
        return [json.loads(line)["id"] for line in path.read_text().splitlines()]

    organizations = ids("organizations")
    await db.execute(
        "UNWIND $ids AS id MATCH (:Organization {id: id})-[:KNOWS_FAMILY]->(f:Family) "
        "DETACH DELETE f",
        {"ids": organizations},
    )
    await db.execute(
        "UNWIND $ids AS id MATCH (:Service {id: id})-[:HAS_AVAILABILITY]->(c) DETACH DELETE c",
        {"ids": ids("services")},
    )
    for label, kind in (
        ("ReferralEvent", "events"),
        ("Referral", "referrals"),
        ("Service", "services"),
        ("Place", "places"),
        ("Organization", "organizations"),
        ("Territory", "territories"),
        ("Network", "networks"),
    ):
        all_ids = ids(kind)
        for start in range(0, len(all_ids), 10_000):
            await db.execute(
                f"UNWIND $ids AS id MATCH (n:{label} {{id: id}}) DETACH DELETE n",
                {"ids": all_ids[start : start + 10_000]},
            )


@pytest.fixture(scope="module")
async def demo_import(
    db: Database, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[tuple[Path, ImportReport]]:
    directory = simulator.run("demo", 7, tmp_path_factory.mktemp("demo-7"))
    report = await import_dataset(db, directory)
    yield directory, report
    await remove_dataset(db, directory)


async def test_the_demo_preset_imports_every_row_its_manifest_counts(
    demo_import: tuple[Path, ImportReport], db: Database
) -> None:
    directory, report = demo_import
    manifest = json.loads((directory / "manifest.json").read_text())
    assert report.ok
    assert {f: c.written for f, c in report.files.items()} == manifest["counts"]
    referral_ids = [
        json.loads(line)["id"] for line in (directory / "referrals.jsonl").read_text().splitlines()
    ]
    row = await db.row(
        "UNWIND $ids AS id MATCH (r:Referral {id: id}) "
        "RETURN count(r) AS referrals, sum(COUNT { (r)-[:HAS_EVENT]->() }) AS events",
        ids=referral_ids,
    )
    assert row == {
        "referrals": manifest["counts"]["referrals.jsonl"],
        "events": manifest["counts"]["events.jsonl"],
    }


async def test_every_demo_referral_has_the_status_of_its_last_event(
    demo_import: tuple[Path, ImportReport], db: Database
) -> None:
    directory, _ = demo_import
    referral_ids = [
        json.loads(line)["id"] for line in (directory / "referrals.jsonl").read_text().splitlines()
    ]
    row = await db.row(
        "UNWIND $ids AS id MATCH (r:Referral {id: id}) "
        "WITH r, COLLECT { MATCH (r)-[:HAS_EVENT]->(e) RETURN e ORDER BY e.seq DESC LIMIT 1 "
        "}[0] AS last "
        "RETURN count(r) AS checked, "
        "count(CASE WHEN last.status <> r.status OR last.seq <> r.lastEventSeq THEN 1 END) "
        "AS wrong",
        ids=referral_ids,
    )
    assert row == {"checked": len(referral_ids), "wrong": 0}


async def test_importing_the_demo_preset_again_changes_nothing(
    demo_import: tuple[Path, ImportReport], db: Database
) -> None:
    directory, _ = demo_import
    size, digest = await graph_size(db), await checksum(db)
    again = await import_dataset(db, directory)
    assert again.ok and again.events_created == 0
    assert await graph_size(db) == size
    assert await checksum(db) == digest


async def test_events_of_referrals_already_in_the_database_continue_their_timeline(
    db: Database, tmp_path: Path
) -> None:
    tiny = Tiny()
    await import_dataset(db, tiny.write(tmp_path / "first"))
    r5 = tiny.referrals[4]
    later = tmp_path / "later"
    later.mkdir()
    _write_jsonl(later / "organizations.jsonl", tiny.rows["organizations"])
    accepted = _events(r5, [("ACCEPTED", tiny.a, "03-07T10")])
    _write_jsonl(later / "events.jsonl", [*tiny.rows["events"][-2:], *accepted])
    report = await import_dataset(db, later)
    assert report.ok, report.errors
    assert report.events_created == 1
    timeline = await referral(db, r5)
    assert [e["type"] for e in timeline["events"]] == ["SENT", "ACKNOWLEDGED", "ACCEPTED"]
    assert timeline["status"] == "ACCEPTED"
    assert timeline["lastEventSeq"] == timeline["events"][-1]["seq"]
    # An event the database's timeline does not allow is refused like any other.
    _write_jsonl(later / "events.jsonl", _events(r5, [("COMPLETED", tiny.a, "03-08T10")]))
    refused = await import_dataset(db, later)
    assert refused.aborted and "COMPLETED is not allowed here" in refused.errors[0].message

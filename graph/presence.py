"""The outreach presence log: ``(o:Organization)-[:PRESENT_AT]->(p:Place)``, one per visit.

A visit stays a relationship, as the importer and the simulator write it and
as DESIGN.md §11 models it: it joins exactly one organization to one place,
carries only counts and need codes (no family data, nothing to point at),
and the analytics walk it as an edge. Entries written here carry a stable
``id`` (so they can be edited and deleted), ``by`` (the worker's user id)
and ``recordedAt`` (the start of the edit delay); the importer gives each of
its entries an ``id`` too, with no ``by``.

Every check runs before the write transaction, and the checks that need the
graph (the place, the organization) run inside it before anything is
written, so a refused entry writes nothing.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from domain.errors import BadUserInput, Conflict, MaillageError, NotFound
from domain.vocabulary import NEEDS, PlaceKind
from graph.db import Database, Tx
from graph.validation import check_enum, check_id, check_text

__all__ = [
    "EditWindowClosed",
    "NewPlace",
    "PresenceChanges",
    "PresenceInput",
    "delete_presence",
    "presence_entry",
    "presence_log",
    "record_presence",
    "update_presence",
]

MAX_HOURS = 24.0
MAX_CONTACTS = 10_000
# The oldest visit one may still log: a season's notebook, not a decade's.
MAX_AGE_DAYS = 366


class EditWindowClosed(MaillageError):
    """An entry older than the edit delay: the log is a record, it is no longer changed."""

    code = "EDIT_WINDOW_CLOSED"


@dataclass(frozen=True)
class NewPlace:
    """A place not yet in the directory, created with the visit."""

    name: str
    kind: str
    territory_id: str | None = None


@dataclass(frozen=True)
class PresenceInput:
    """One visit: where, when, how long, how many families, which needs (codes only)."""

    organization_id: str
    day: date
    hours: float
    contacts: int
    first_contacts: int = 0
    need_codes: list[str] = field(default_factory=list)
    warm_handoffs: int = 0
    place_id: str | None = None
    new_place: NewPlace | None = None


@dataclass(frozen=True)
class PresenceChanges:
    """What an edit may change (None: unchanged); the place and organization stay."""

    day: date | None = None
    hours: float | None = None
    contacts: int | None = None
    first_contacts: int | None = None
    need_codes: list[str] | None = None
    warm_handoffs: int | None = None


_ENTRY = (
    "x {.id, .hours, .contacts, .firstContacts, .needsHeard, .warmHandoffs, .by, "
    "date: toString(x.date), recordedAt: x.recordedAt, organizationId: o.id, "
    "place: p {.id, .name, .kind, territoryId: COLLECT { MATCH (p)-[:IN_TERRITORY]->(t) "
    "RETURN t.id }[0]}} AS entry"
)


def _check_counts(values: dict[str, Any], today: date) -> dict[str, Any]:
    day, hours = values["date"], values["hours"]
    if day > today:
        raise BadUserInput(
            f"date {day} is in the future: log a visit once it happened.", field="date"
        )
    if day < today - timedelta(days=MAX_AGE_DAYS):
        raise BadUserInput(
            f"date {day} is more than {MAX_AGE_DAYS} days ago: ask an administrator to import it.",
            field="date",
        )
    if not 0 < hours <= MAX_HOURS:
        raise BadUserInput(
            f"hours must be more than 0 and at most {MAX_HOURS:g} (got {hours:g}).", field="hours"
        )
    for name in ("contacts", "firstContacts", "warmHandoffs"):
        if not 0 <= values[name] <= MAX_CONTACTS:
            raise BadUserInput(
                f"{name} must be between 0 and {MAX_CONTACTS} (got {values[name]}).", field=name
            )
    if values["firstContacts"] > values["contacts"]:
        raise BadUserInput(
            f"firstContacts ({values['firstContacts']}) cannot exceed the families met "
            f"(contacts: {values['contacts']}).",
            field="firstContacts",
        )
    if values["warmHandoffs"] > values["contacts"]:
        raise BadUserInput(
            f"warmHandoffs ({values['warmHandoffs']}) cannot exceed the families met "
            f"(contacts: {values['contacts']}).",
            field="warmHandoffs",
        )
    codes = list(dict.fromkeys(c.strip().upper() for c in values["needsHeard"] if c.strip()))
    unknown = [c for c in codes if c not in NEEDS]
    if unknown:
        raise BadUserInput(
            f"Unknown need code {', '.join(unknown)}: use the codes of the 'need' vocabulary.",
            field="needCodes",
        )
    return {**values, "hours": float(hours), "needsHeard": codes}


async def _entry(tx: Tx, entry_id: str) -> dict[str, Any]:
    row = await tx.row(
        "MATCH (o:Organization)-[x:PRESENT_AT {id: $id}]->(p:Place) RETURN " + _ENTRY, id=entry_id
    )
    if row is None:
        raise NotFound(f"No presence entry with id {entry_id}.", field="id")
    return dict(row["entry"])


async def _new_place(tx: Tx, place: NewPlace) -> str:
    name = check_text(place.name, "newPlace.name", max_length=200)
    kind = check_enum(place.kind, PlaceKind, "newPlace.kind").value
    tid = check_id(place.territory_id, "newPlace.territoryId") if place.territory_id else None
    if (
        tid is not None
        and await tx.row("MATCH (t:Territory {id: $id}) RETURN t.id AS id", id=tid) is None
    ):
        raise NotFound(f"No territory with id {tid}.", field="newPlace.territoryId")
    if await tx.row(
        "MATCH (p:Place) WHERE toLower(p.name) = toLower($name) "
        "AND coalesce(COLLECT { MATCH (p)-[:IN_TERRITORY]->(t) RETURN t.id }[0], '') "
        "= coalesce($tid, '') RETURN p.id AS id",
        name=name,
        tid=tid,
    ):
        raise Conflict(
            f"A place named {name!r} already exists in this territory: pick it by its id.",
            field="newPlace.name",
        )
    pid = str(uuid.uuid4())
    await tx.run(
        "CREATE (p:Place {id: $id, name: $name, kind: $kind, createdAt: datetime()}) "
        "WITH p OPTIONAL MATCH (t:Territory {id: $tid}) "
        "FOREACH (_ IN CASE WHEN t IS NULL THEN [] ELSE [1] END | CREATE (p)-[:IN_TERRITORY]->(t))",
        id=pid,
        name=name,
        kind=kind,
        tid=tid,
    )
    return pid


async def record_presence(
    db: Database, data: PresenceInput, *, by_user: str, now: datetime
) -> dict[str, Any]:
    """Log one visit of ``data.organization_id`` at a place (an existing one or a new one)."""
    org = check_id(data.organization_id, "organizationId")
    if (data.place_id is None) == (data.new_place is None):
        raise BadUserInput("Give either placeId or newPlace (one of them).", field="placeId")
    pid = check_id(data.place_id, "placeId") if data.place_id is not None else None
    values = _check_counts(
        {
            "date": data.day,
            "hours": data.hours,
            "contacts": data.contacts,
            "firstContacts": data.first_contacts,
            "needsHeard": data.need_codes,
            "warmHandoffs": data.warm_handoffs,
        },
        now.date(),
    )

    async def work(tx: Tx) -> dict[str, Any]:
        if await tx.row("MATCH (o:Organization {id: $id}) RETURN o.id AS id", id=org) is None:
            raise NotFound(f"No organization with id {org}.", field="organizationId")
        place = pid
        if place is None:
            assert data.new_place is not None
            place = await _new_place(tx, data.new_place)
        elif await tx.row("MATCH (p:Place {id: $id}) RETURN p.id AS id", id=place) is None:
            raise NotFound(
                f"No place with id {place}: pick one from 'places' or give newPlace.",
                field="placeId",
            )
        entry_id = str(uuid.uuid4())
        await tx.run(
            "MATCH (o:Organization {id: $org}), (p:Place {id: $place}) "
            "CREATE (o)-[:PRESENT_AT {id: $id, date: date($date), hours: $hours, "
            "contacts: $contacts, firstContacts: $firstContacts, needsHeard: $needsHeard, "
            "warmHandoffs: $warmHandoffs, by: $by, recordedAt: $now}]->(p)",
            org=org,
            place=place,
            id=entry_id,
            by=by_user,
            now=now,
            **{**values, "date": values["date"].isoformat()},
        )
        return await _entry(tx, entry_id)

    return await db.write(work)


async def presence_entry(db: Database, entry_id: str) -> dict[str, Any] | None:
    """One entry (with its organization, author and recording time), or None."""
    row = await db.row(
        "MATCH (o:Organization)-[x:PRESENT_AT {id: $id}]->(p:Place) RETURN " + _ENTRY,
        id=check_id(entry_id, "id"),
    )
    return None if row is None else dict(row["entry"])


def _check_window(entry: dict[str, Any], now: datetime, edit_days: int) -> None:
    recorded = entry.get("recordedAt")
    recorded_at = recorded.to_native() if recorded is not None else None
    if recorded_at is None or now - recorded_at > timedelta(days=edit_days):
        raise EditWindowClosed(
            f"Presence entries can be changed for {edit_days} days after they are logged; "
            "ask your organization's administrator to correct this one.",
            field="id",
        )


async def update_presence(
    db: Database, entry_id: str, changes: PresenceChanges, *, now: datetime, edit_days: int
) -> dict[str, Any]:
    """Change a visit's date, hours, counts or needs, within the edit delay."""
    eid = check_id(entry_id, "id")

    async def work(tx: Tx) -> dict[str, Any]:
        entry = await _entry(tx, eid)
        _check_window(entry, now, edit_days)
        merged = {
            "date": changes.day if changes.day is not None else date.fromisoformat(entry["date"]),
            "hours": changes.hours if changes.hours is not None else entry["hours"],
            "contacts": changes.contacts if changes.contacts is not None else entry["contacts"],
            "firstContacts": changes.first_contacts
            if changes.first_contacts is not None
            else entry.get("firstContacts") or 0,
            "needsHeard": changes.need_codes
            if changes.need_codes is not None
            else entry.get("needsHeard") or [],
            "warmHandoffs": changes.warm_handoffs
            if changes.warm_handoffs is not None
            else entry.get("warmHandoffs") or 0,
        }
        values = _check_counts(merged, now.date())
        await tx.run(
            "MATCH ()-[x:PRESENT_AT {id: $id}]->() SET x.date = date($date), x.hours = $hours, "
            "x.contacts = $contacts, x.firstContacts = $firstContacts, "
            "x.needsHeard = $needsHeard, x.warmHandoffs = $warmHandoffs, x.updatedAt = $now",
            id=eid,
            now=now,
            **{**values, "date": values["date"].isoformat()},
        )
        return await _entry(tx, eid)

    return await db.write(work)


async def delete_presence(db: Database, entry_id: str, *, now: datetime, edit_days: int) -> str:
    """Remove a visit logged by mistake, within the edit delay; returns its id."""
    eid = check_id(entry_id, "id")

    async def work(tx: Tx) -> str:
        _check_window(await _entry(tx, eid), now, edit_days)
        await tx.run("MATCH ()-[x:PRESENT_AT {id: $id}]->() DELETE x", id=eid)
        return eid

    return await db.write(work)


async def presence_log(
    db: Database,
    *,
    start: date,
    end: date,
    by_user: str | None = None,
    organization_id: str | None = None,
) -> list[dict[str, Any]]:
    """Entries of one worker or one organization between two days (both included), newest first."""
    if by_user is None and organization_id is None:
        raise ValueError("presence_log needs a worker or an organization")
    rows = await db.rows(
        "MATCH (o:Organization)-[x:PRESENT_AT]->(p:Place) "
        "WHERE x.date >= date($start) AND x.date <= date($end) "
        "AND ($by IS NULL OR x.by = $by) AND ($org IS NULL OR o.id = $org) "
        "RETURN " + _ENTRY + " ORDER BY x.date DESC, x.recordedAt DESC",
        start=start.isoformat(),
        end=end.isoformat(),
        by=by_user,
        org=organization_id,
    )
    return [dict(row["entry"]) for row in rows]

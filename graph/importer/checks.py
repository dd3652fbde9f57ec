"""The checking pass of an import, part one: driving it, references, the directory.

Rows are checked in :data:`~graph.importer.rows.FILE_ORDER`, so a row's
references are to rows already seen (or to the database, looked up once per
id). A bad row is remembered by line; whatever depends on it (the services of
a bad organization, the referrals to them…) is marked too, without an error
of its own, so the writing pass can skip it all. Referrals and their events
are checked in graph/importer/referral_checks.py.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from graph.db import Database
from graph.importer.rows import (
    FILE_ORDER,
    BadRow,
    Source,
    Unreadable,
    clean_row,
    count_lines,
    epoch,
    read_rows,
)
from graph.importer.state import BAD, Registry

__all__ = ["DirectoryChecker", "Problem", "Progress", "Skipped"]

Problem = tuple[str, int, str]  # file, line, message
Progress = Callable[[str, int, int | None], None]

_LOOKUPS = {
    "Organization": "MATCH (x:Organization {id: $id}) RETURN x.id AS id",
    "Place": "MATCH (x:Place {id: $id}) RETURN x.id AS id",
    "Territory": "MATCH (x:Territory {id: $id}) RETURN x.code AS value",
    "Network": "MATCH (x:Network {id: $id}) RETURN coalesce(x.retentionDays, 90) AS value",
    "Service": "MATCH (o:Organization)-[:OFFERS]->(x:Service {id: $id}) RETURN o.id AS value",
}


class Skipped(Exception):
    """The row depends on a skipped row: not written, not listed as an error."""


class DirectoryChecker:
    """Checks files row by row; ``problems`` and ``registry`` hold what it found."""

    def __init__(
        self,
        db: Database,
        sources: dict[str, Source],
        *,
        progress: Progress | None = None,
    ) -> None:
        self.db = db
        self.sources = sources
        self.progress = progress
        self.registry = Registry(bad_lines={kind: set() for kind in FILE_ORDER})
        self.problems: list[Problem] = []
        self.rows_read: dict[str, int] = {}
        self._lines: dict[str, dict[str, int]] = {kind: {} for kind in FILE_ORDER}
        self._looked_up: dict[tuple[str, str], Any] = {}

    def checks(self) -> dict[str, Callable[[int, dict[str, Any]], Any]]:
        """The row check of each directory file."""
        return {
            "networks": self._network,
            "territories": self._territory,
            "places": self._place,
            "organizations": self._organization_row,
            "memberships": self._membership,
            "services": self._service_row,
            "availability": self._availability,
            "partnerships": self._partnership,
            "presence": self._presence,
        }

    # --- driving --------------------------------------------------------------------------

    def _problem(self, source: Source | str, line: int, message: str) -> None:
        name = source.file if isinstance(source, Source) else source
        self.problems.append((name, line, message))

    def _report(self, source: Source, done: int, total: int, final: bool = False) -> None:
        if self.progress is not None and (final or done % 20_000 == 0):
            self.progress(f"check {source.file}", done, total)

    async def _check_file(
        self, source: Source, check: Callable[[int, dict[str, Any]], Any]
    ) -> None:
        kind, bad = source.kind, self.registry.bad_lines[source.kind]
        total, done = count_lines(source), 0
        for line, raw in read_rows(source):
            done += 1
            self._report(source, done, total)
            if isinstance(raw, Unreadable):
                self._problem(source, line, raw.message)
                bad.add(line)
                self._remember_bad_id(kind, raw.id, line)
                continue
            try:
                await check(line, clean_row(kind, raw))
            except BadRow as exc:
                self._problem(source, line, str(exc))
                bad.add(line)
                self._remember_bad_id(kind, raw.get("id"), line)
            except Skipped:
                bad.add(line)
                self._remember_bad_id(kind, raw.get("id"), line)
        self.rows_read[kind] = done
        self._report(source, done, total, final=True)

    def _remember_bad_id(self, kind: str, row_id: Any, line: int) -> None:
        if not isinstance(row_id, str):
            return
        row_id = row_id.lower()
        if kind == "referrals":
            table = self.registry.referrals
            if row_id not in table.index:
                table.add(
                    row_id,
                    sender=-1,
                    receiver=-1,
                    sent_at=0.0,
                    acknowledge_by=0.0,
                    line=line,
                    flags=BAD,
                )
        elif (
            kind in ("networks", "territories", "places", "organizations", "services")
            and row_id not in self._lines[kind]
        ):
            self.registry.bad_ids.add(row_id)

    def _first_time(self, kind: str, row_id: str, line: int) -> None:
        first = self._lines[kind].get(row_id)
        if first is not None or row_id in self.registry.bad_ids:
            raise BadRow(
                f"id {row_id} is repeated" + (f" (first at line {first})" if first else "")
            )
        self._lines[kind][row_id] = line

    # --- references -----------------------------------------------------------------------

    async def _lookup(self, label: str, row_id: str) -> Any:
        """A value of the database's ``label`` node with this id (None: no such node)."""
        key = (label, row_id)
        if key not in self._looked_up:
            row = await self.db.row(_LOOKUPS[label], id=row_id)
            self._looked_up[key] = None if row is None else next(iter(row.values()))
        return self._looked_up[key]

    def _skipped_or_missing(self, field: str, row_id: str, file: str) -> Exception:
        if row_id in self.registry.bad_ids:
            return Skipped()  # its own row is reported; this one just goes with it
        return BadRow(f"{field} {row_id} is neither in {file} nor in the database")

    async def _organization(self, org_id: str, field: str) -> int:
        reg = self.registry
        known = reg.organizations.get(org_id)
        if known is not None:
            return known
        if org_id not in reg.bad_ids and await self._lookup("Organization", org_id) is not None:
            return reg.organization(org_id)
        raise self._skipped_or_missing(field, org_id, "organizations")

    async def _network_ref(self, network_id: str, field: str) -> None:
        reg = self.registry
        if network_id in reg.networks:
            return
        retention = None if network_id in reg.bad_ids else await self._lookup("Network", network_id)
        if retention is None:
            raise self._skipped_or_missing(field, network_id, "networks")
        reg.networks[network_id] = int(retention)

    async def _territory_ref(self, territory_id: str | None, field: str) -> None:
        reg = self.registry
        if territory_id is None or territory_id in reg.territories:
            return
        code = (
            None if territory_id in reg.bad_ids else await self._lookup("Territory", territory_id)
        )
        if code is None:
            raise self._skipped_or_missing(field, territory_id, "territories")
        reg.territories[territory_id] = str(code)

    async def _place_ref(self, place_id: str | None, field: str) -> None:
        reg = self.registry
        if place_id is None or place_id in reg.places:
            return
        if place_id in reg.bad_ids or await self._lookup("Place", place_id) is None:
            raise self._skipped_or_missing(field, place_id, "places")
        reg.places.add(place_id)

    async def _service_owner(self, service_id: str, field: str) -> str:
        reg = self.registry
        owner = reg.services.get(service_id)
        if owner is None and service_id not in reg.bad_ids:
            owner = await self._lookup("Service", service_id)
        if owner is None:
            raise self._skipped_or_missing(field, service_id, "services")
        reg.services[service_id] = str(owner)
        return str(owner)

    # --- the directory --------------------------------------------------------------------

    async def _network(self, line: int, row: dict[str, Any]) -> None:
        reg, name = self.registry, row["name"].casefold()
        self._first_time("networks", row["id"], line)
        if name in reg.network_names:
            raise BadRow(
                f"name {row['name']!r} is already the name of network {reg.network_names[name]}"
            )
        clash = await self.db.row(
            "MATCH (n:Network) WHERE toLower(n.name) = toLower($name) AND n.id <> $id "
            "RETURN n.id AS id",
            name=row["name"],
            id=row["id"],
        )
        if clash is not None:
            raise BadRow(f"name {row['name']!r} is taken by network {clash['id']} in the database")
        reg.network_names[name] = row["id"]
        reg.networks[row["id"]] = row["retentionDays"]

    async def _territory(self, line: int, row: dict[str, Any]) -> None:
        reg, code = self.registry, row["code"]
        self._first_time("territories", row["id"], line)
        if code in reg.territory_codes:
            raise BadRow(
                f"code {code} is already the code of territory {reg.territory_codes[code]}"
            )
        clash = await self.db.row(
            "MATCH (t:Territory {code: $code}) WHERE t.id <> $id RETURN t.id AS id",
            code=code,
            id=row["id"],
        )
        if clash is not None:
            raise BadRow(f"code {code} is taken by territory {clash['id']} in the database")
        reg.territory_codes[code] = row["id"]
        reg.territories[row["id"]] = code

    async def _place(self, line: int, row: dict[str, Any]) -> None:
        await self._territory_ref(row["territoryId"], "territoryId")
        self._first_time("places", row["id"], line)
        self.registry.places.add(row["id"])

    async def _organization_row(self, line: int, row: dict[str, Any]) -> None:
        await self._territory_ref(row["territoryId"], "territoryId")
        self._first_time("organizations", row["id"], line)
        self.registry.organization(row["id"])

    async def _membership(self, line: int, row: dict[str, Any]) -> None:
        await self._organization(row["organizationId"], "organizationId")
        await self._network_ref(row["networkId"], "networkId")
        if row["until"] is not None and row["until"] < row["since"]:
            raise BadRow(f"until {row['until']} is before since {row['since']}")
        self.registry.add_membership(
            row["organizationId"], row["networkId"], row["since"], row["until"]
        )

    async def _service_row(self, line: int, row: dict[str, Any]) -> None:
        await self._organization(row["organizationId"], "organizationId")
        for territory_id in row["territoryIds"]:
            await self._territory_ref(territory_id, "territoryIds")
        self._first_time("services", row["id"], line)
        self.registry.services[row["id"]] = row["organizationId"]

    async def _availability(self, line: int, row: dict[str, Any]) -> None:
        await self._service_owner(row["serviceId"], "serviceId")
        at = epoch(row["at"])
        latest = self.registry.availability_changed.get(row["serviceId"])
        if latest is None or at >= latest[0]:
            self.registry.availability_changed[row["serviceId"]] = (at, row["at"])

    async def _partnership(self, line: int, row: dict[str, Any]) -> None:
        await self._organization(row["sourceId"], "sourceId")
        await self._organization(row["targetId"], "targetId")
        if row["sourceId"] == row["targetId"]:
            raise BadRow("an organization cannot partner with itself")
        if row["until"] is not None and row["until"] < row["since"]:
            raise BadRow(f"until {row['until']} is before since {row['since']}")

    async def _presence(self, line: int, row: dict[str, Any]) -> None:
        await self._organization(row["organizationId"], "organizationId")
        await self._place_ref(row["placeId"], "placeId")

"""The checking pass of an import, part two: referrals and their events.

Referral events replay the lifecycle of domain/lifecycle.py: each event must
be allowed from the referral's current status, by the right party, in time
order, and its ``status`` must be what the lifecycle gives. A bad event makes
its whole referral bad (its other events and its redirect go with it). What
needs every row — repeated ids, a status for every referral, redirects that
really happened — is checked once the files are read.
"""

from __future__ import annotations

from typing import Any

from domain.errors import InvalidTransition
from domain.lifecycle import (
    ACTIONS,
    EVENT_PARTIES,
    STATUS_KEEPING_EVENTS,
    Party,
    next_status,
)
from domain.vocabulary import DeclineReason
from graph.db import Database
from graph.importer.checks import DirectoryChecker, Progress, Skipped
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
from graph.importer.state import (
    BAD,
    HAS_EVENTS,
    IN_DATABASE,
    NO_STATUS,
    STATUS_INDEX,
    STATUSES,
    Registry,
    conflicting_pairs,
    repeated,
)
from graph.importer.writes import load_database_memberships

__all__ = ["Checker"]

_ACTION_OF = {rule.event.value: action for action, rule in ACTIONS.items()}
_PARTY = {event.value: party for event, party in EVENT_PARTIES.items()}
_KEEPS_STATUS = frozenset(event.value for event in STATUS_KEEPING_EVENTS)
_DECLINE_REASONS = frozenset(r.value for r in DeclineReason)
# Which events may carry a reason: a decline code (required or not) or a short text.
_REASONS = {
    "DECLINED": "code",
    "REDIRECTED": "code?",
    "CANCELLED": "text",
    "EXPIRED": "text",
    "CONTACT_PURGED": "text",
}

_DATABASE_REFERRAL = (
    "MATCH (s:Organization)-[:SENT]->(r:Referral {id: $id})-[:TO]->(t:Organization) "
    "RETURN s.id AS sender, t.id AS receiver, r.status AS status, "
    "toString(r.sentAt) AS sentAt, toString(r.acknowledgeBy) AS acknowledgeBy, "
    "coalesce(r.watcherIds, []) AS watchers, "
    "COLLECT { MATCH (r)-[:HAS_EVENT]->(e:ReferralEvent) RETURN e.id } AS events, "
    "COLLECT { MATCH (r)-[:HAS_EVENT]->(e:ReferralEvent) RETURN toString(e.at) AS at "
    "          ORDER BY e.at DESC LIMIT 1 }[0] AS lastAt, "
    "COLLECT { MATCH (r)-[:HAS_EVENT]->(e:ReferralEvent {type: 'REDIRECTED'}) "
    "          RETURN toString(e.at) AS at }[0] AS redirectedAt, "
    "COLLECT { MATCH (c:Referral)-[:REDIRECTED_FROM]->(r) RETURN c.id } AS children"
)
_REFERRALS_IN_DATABASE = (
    "UNWIND $rows AS row "
    "OPTIONAL MATCH (r:Referral {id: row.id}) "
    "OPTIONAL MATCH (x:Referral {idempotencyScope: row.scope}) "
    "WITH row, r, x, COLLECT { MATCH (s:Organization)-[:SENT]->(r) RETURN s.id }[0] AS sender, "
    "COLLECT { MATCH (r)-[:TO]->(t:Organization) RETURN t.id }[0] AS receiver "
    "WHERE (r IS NOT NULL AND (coalesce(sender, '') <> row.sender "
    "                          OR coalesce(receiver, '') <> row.receiver)) "
    "   OR (x IS NOT NULL AND x.id <> row.id) "
    "RETURN row.id AS id, r IS NOT NULL AND (coalesce(sender, '') <> row.sender "
    "OR coalesce(receiver, '') <> row.receiver) AS moved, sender, receiver, x.id AS clash"
)


class Checker(DirectoryChecker):
    """The whole checking pass: :meth:`run` checks every file and returns the registry."""

    def __init__(
        self,
        db: Database,
        sources: dict[str, Source],
        *,
        progress: Progress | None = None,
        check_batch: int = 2000,
    ) -> None:
        super().__init__(db, sources, progress=progress)
        self.check_batch = check_batch
        self._children: dict[int, int] = {}
        self._database_children: dict[int, set[str]] = {}
        self._pending: list[dict[str, Any]] = []
        self._database_has_referrals = True

    async def run(self) -> Registry:
        """Check every file; return the registry the writing pass needs."""
        checks = {**self.checks(), "referrals": self._referral}
        # Into an empty database (the first import) there is nothing to collide with.
        self._database_has_referrals = (
            await self.db.row("MATCH (r:Referral) RETURN r.id AS id LIMIT 1") is not None
        )
        for kind in FILE_ORDER:
            source = self.sources.get(kind)
            if source is None:
                continue
            if kind == "referrals":  # the database's memberships count for the shared network
                await load_database_memberships(self.db, self.registry)
            if kind == "events":
                await self._check_events(source)
            else:
                await self._check_file(source, checks[kind])
            if kind == "referrals":
                await self._after_referrals(source)
        self._after_events()
        self.registry.compute_watchers()
        return self.registry

    # --- referrals ------------------------------------------------------------------------

    async def _referral(self, line: int, row: dict[str, Any]) -> None:
        reg, table, rid = self.registry, self.registry.referrals, row["id"]
        if rid in table.index:
            first = table.line[table.index[rid]]
            raise BadRow(
                f"id {rid} is repeated (first at line {first})"
                if first
                else f"id {rid} comes after a referral redirected from it; list the original "
                "referral first"
            )
        known = len(reg.organization_ids)
        sender = await self._organization(row["senderId"], "senderId")
        receiver = await self._organization(row["receiverId"], "receiverId")
        if len(reg.organization_ids) > known:  # first met here: its memberships are in the database
            await load_database_memberships(self.db, reg, reg.organization_ids[known:])
        if sender == receiver:
            raise BadRow("senderId and receiverId are the same organization")
        day = row["sentAt"][:10]
        if not reg.networks_on(row["senderId"], day) & reg.networks_on(row["receiverId"], day):
            raise BadRow(
                f"{row['senderId']} and {row['receiverId']} share no network on {day}; a referral "
                "goes to a member of a network its sender belongs to (add the memberships)"
            )
        if row["serviceId"] is not None:
            owner = await self._service_owner(row["serviceId"], "serviceId")
            if owner != row["receiverId"]:
                raise BadRow(
                    f"serviceId {row['serviceId']} is not a service of the receiver "
                    f"{row['receiverId']}"
                )
        await self._place_ref(row["placeId"], "placeId")
        sent, due = epoch(row["sentAt"]), epoch(row["acknowledgeBy"])
        if due < sent:
            raise BadRow("acknowledgeBy is before sentAt")
        if epoch(row["consent"]["at"]) > sent + 300:
            raise BadRow("consent.at is after sentAt: consent is recorded before sending")
        parent = None
        if row["redirectedFromId"] is not None:
            parent = await self._parent(row, sender, receiver)
        i = table.add(
            rid, sender=sender, receiver=receiver, sent_at=sent, acknowledge_by=due, line=line
        )
        if parent is not None:
            reg.parents[i] = parent
            self._children[parent] = i
        else:
            table.family_pair.append(hash((sender, row["familyRef"])))
            table.family_hash.append(hash(row["familyId"]))
            table.family_of.append(i)
        scope = f"{row['senderId']}:{row['idempotencyKey']}"
        table.scope_hash.append(hash(scope))
        table.scope_of.append(i)
        if row["status"] is not None:
            reg.stated_status[i] = row["status"]
        if not self._database_has_referrals:
            return
        self._pending.append(
            {"id": rid, "sender": row["senderId"], "receiver": row["receiverId"], "scope": scope}
        )
        if len(self._pending) >= self.check_batch:
            await self._check_referrals_in_database()

    async def _parent(self, row: dict[str, Any], sender: int, receiver: int) -> int:
        table, parent_id = self.registry.referrals, row["redirectedFromId"]
        parent = table.index.get(parent_id)
        if parent is None:
            parent = await self._database_referral(parent_id)
        if parent is None:
            raise BadRow(
                f"redirectedFromId {parent_id} is neither earlier in referrals nor in the database"
            )
        if table.is_bad(parent):
            raise Skipped
        child = self._children.get(parent)
        if child is not None:
            raise BadRow(
                f"referral {parent_id} was already redirected (to referral at line "
                f"{table.line[child]}); a referral is redirected once"
            )
        redirects = self._database_children.get(parent, set())
        if redirects and row["id"] not in redirects:
            raise BadRow(
                f"referral {parent_id} was already redirected to referral "
                f"{min(redirects)} in the database; a referral is redirected once"
            )
        ids = self.registry.organization_ids
        if table.receiver[parent] != sender:
            raise BadRow(
                f"a redirect is sent by the receiver of the original: senderId must be "
                f"{ids[table.receiver[parent]]}"
            )
        if table.sender[parent] == receiver:
            raise BadRow("a redirect goes to a third organization, not back to the original sender")
        return parent

    async def _database_referral(self, referral_id: str) -> int | None:
        """Add a referral of the database (events or a redirect refer to it); None if absent."""
        row = await self.db.row(_DATABASE_REFERRAL, id=referral_id)
        if row is None:
            return None
        reg, table = self.registry, self.registry.referrals
        i = table.add(
            referral_id,
            sender=reg.organization(row["sender"]),
            receiver=reg.organization(row["receiver"]),
            sent_at=epoch(row["sentAt"]),
            acknowledge_by=epoch(row["acknowledgeBy"]),
            line=0,
            flags=IN_DATABASE | (HAS_EVENTS if row["events"] else 0),
        )
        table.status[i] = STATUS_INDEX.get(row["status"], NO_STATUS)
        if row["lastAt"]:
            table.last_at[i] = epoch(row["lastAt"])
        if row["redirectedAt"]:
            reg.redirected_at[i] = epoch(row["redirectedAt"])
        reg.database_events[i] = set(row["events"])
        reg.database_watchers[i] = list(row["watchers"])
        # The database may already hold this referral's redirect: only that one may come again.
        self._database_children[i] = set(row["children"])
        return i

    async def _check_referrals_in_database(self) -> None:
        """Ids reused for other parties, idempotency keys taken: caught before writing."""
        pending, self._pending = self._pending, []
        if not pending:
            return
        table = self.registry.referrals
        for row in await self.db.rows(_REFERRALS_IN_DATABASE, rows=pending):
            i = table.index[row["id"]]
            if row["moved"]:
                message = (
                    f"referral {row['id']} is already in the database, from {row['sender']} "
                    f"to {row['receiver']}: an id names one referral"
                )
            else:
                message = (
                    f"idempotencyKey is already used by referral {row['clash']} of this "
                    "sender in the database"
                )
            self._bad_referral(i, message)

    def _bad_referral(self, i: int, message: str | None) -> None:
        """Mark a referral bad after its row was read; None: it goes with a bad original."""
        table = self.registry.referrals
        if not table.is_bad(i):
            table.mark_bad(i)
            self.registry.bad_lines["referrals"].add(table.line[i])
            if message is not None:
                self._problem(self.sources["referrals"], table.line[i], message)

    async def _after_referrals(self, source: Source) -> None:
        await self._check_referrals_in_database()
        table = self.registry.referrals
        suspects = repeated(table.scope_hash)
        if suspects:  # equal hashes: compare the real keys in the file
            lines = {
                table.line[i]
                for h, i in zip(table.scope_hash, table.scope_of, strict=True)
                if h in suspects
            }
            self._confirm_repeated_scopes(source, lines)
        for later, first in conflicting_pairs(
            table.family_pair, table.family_hash, table.family_of
        ):
            self._bad_referral(
                later,
                f"this sender already used the same familyRef for another "
                f"familyId (line {table.line[first]}); an organization's "
                "reference names one family",
            )

    def _confirm_repeated_scopes(self, source: Source, lines: set[int]) -> None:
        table = self.registry.referrals
        seen: dict[str, int] = {}
        for line, raw in read_rows(source):
            if line in lines and isinstance(raw, dict):
                key = f"{raw.get('senderId')}:{raw.get('idempotencyKey')}"
                if key in seen:
                    self._bad_referral(
                        table.index[str(raw["id"]).lower()],
                        f"idempotencyKey repeats the key of line {seen[key]} for the same sender",
                    )
                else:
                    seen[key] = line

    # --- events ---------------------------------------------------------------------------

    async def _check_events(self, source: Source) -> None:
        reg, table, bad = self.registry, self.registry.referrals, self.registry.bad_lines["events"]
        total, done = count_lines(source), 0
        follow, hashes = self._follow_lifecycle, reg.event_hashes
        for line, raw in read_rows(source):
            done += 1
            self._report(source, done, total)
            try:
                if isinstance(raw, Unreadable):
                    raise BadRow(raw.message)
                row = clean_row("events", raw)
                i = table.index.get(row["referralId"])
                if i is None:
                    i = await self._database_referral(row["referralId"])
                if i is None:
                    raise BadRow(
                        f"referralId {row['referralId']} is neither in referrals nor in "
                        "the database"
                    )
                if table.flags[i] & BAD:
                    raise Skipped
                if table.flags[i] & IN_DATABASE and row["id"] in reg.database_events[i]:
                    continue  # already in the database: nothing to check or write
                hashes.append(hash(row["id"]))
                try:
                    follow(i, row)
                except BadRow as exc:
                    table.mark_bad(i)
                    raise BadRow(
                        f"{exc} (referral {row['referralId']} is not imported, nor any "
                        "of its events)"
                    ) from None
            except BadRow as exc:
                self._problem(source, line, str(exc))
                bad.add(line)
            except Skipped:
                bad.add(line)
        self.rows_read["events"] = done
        self._report(source, done, total, final=True)
        suspects = repeated(hashes)
        if suspects:
            self._confirm_repeated_events(source, suspects)

    def _follow_lifecycle(self, i: int, row: dict[str, Any]) -> None:
        table, ids = self.registry.referrals, self.registry.organization_ids
        kind, status, at = row["type"], row["status"], epoch(row["at"])
        current = table.status[i]
        if current == NO_STATUS:
            if kind != "SENT":
                raise BadRow(f"the first event of a referral is SENT, not {kind}")
            if at != table.sent_at[i]:
                raise BadRow(f"the SENT event is at {row['at']}, not at the referral's sentAt")
            expected = "SENT"
        else:
            if at < table.last_at[i]:
                raise BadRow(
                    f"at {row['at']} is before the referral's previous event: events "
                    "must be in time order"
                )
            if kind == "SENT":
                raise BadRow("a referral is sent once: SENT is only its first event")
            before = STATUSES[current]
            if kind in _KEEPS_STATUS:
                expected = before
            else:
                try:
                    expected = next_status(before, _ACTION_OF[kind]).value
                except InvalidTransition as exc:
                    raise BadRow(f"{kind} is not allowed here: {exc.message}") from None
        if status != expected:
            raise BadRow(f"status is {status}, but after {kind} the referral is {expected}")
        actor, party = row["actorOrganizationId"], _PARTY[kind]
        sender, receiver = ids[table.sender[i]], ids[table.receiver[i]]
        if party is Party.SYSTEM and actor is not None:
            raise BadRow(f"{kind} is done by the system: actorOrganizationId must be null")
        if party is Party.SENDER and actor != sender:
            raise BadRow(f"{kind} is done by the sender: actorOrganizationId must be {sender}")
        if party is Party.RECEIVER and actor != receiver:
            raise BadRow(f"{kind} is done by the receiver: actorOrganizationId must be {receiver}")
        if party is Party.EITHER and actor not in (sender, receiver):
            raise BadRow(
                f"{kind} is done by the sender or the receiver: actorOrganizationId must "
                f"be {sender} or {receiver}"
            )
        self._check_reason(kind, row["reason"])
        if kind == "EXPIRED" and at < table.acknowledge_by[i]:
            raise BadRow("EXPIRED comes only after acknowledgeBy")
        table.status[i] = STATUS_INDEX[status]
        table.last_at[i] = at
        table.flags[i] |= HAS_EVENTS
        if kind == "REDIRECTED":
            self.registry.redirected_at[i] = at

    @staticmethod
    def _check_reason(kind: str, reason: str | None) -> None:
        rule = _REASONS.get(kind)
        if rule is None and reason is not None:
            raise BadRow(
                f"reason is for DECLINED, REDIRECTED, CANCELLED and EXPIRED events, not {kind}"
            )
        if rule == "code" and reason not in _DECLINE_REASONS:
            raise BadRow(f"DECLINED needs a reason among {', '.join(sorted(_DECLINE_REASONS))}")
        if rule == "code?" and reason is not None and reason not in _DECLINE_REASONS:
            raise BadRow(f"reason {reason!r} is not one of {', '.join(sorted(_DECLINE_REASONS))}")

    def _confirm_repeated_events(self, source: Source, suspects: set[int]) -> None:
        reg, table = self.registry, self.registry.referrals
        seen: dict[str, int] = {}
        for line, raw in read_rows(source):
            if not isinstance(raw, dict) or line in reg.bad_lines["events"]:
                continue
            event_id = str(raw.get("id", "")).lower()
            if hash(event_id) not in suspects:
                continue
            if event_id not in seen:
                seen[event_id] = line
                continue
            i = table.index.get(str(raw.get("referralId", "")).lower())
            if i is not None:
                table.mark_bad(i)
            self._problem(
                source,
                line,
                f"id {event_id} is repeated (first at line "
                f"{seen[event_id]}) (referral {raw.get('referralId')} is "
                "not imported, nor any of its events)",
            )
            reg.bad_lines["events"].add(line)

    def _after_events(self) -> None:
        """Checks that need every event: a status to every referral, redirects that happened."""
        reg, table = self.registry, self.registry.referrals
        for i, flags in enumerate(table.flags):
            if not flags & (BAD | IN_DATABASE | HAS_EVENTS):
                self._bad_referral(
                    i,
                    "has no events: a referral's status is its last event's, "
                    "so it needs at least its SENT event",
                )
        for i, stated in reg.stated_status.items():
            actual = STATUSES[table.status[i]] if table.status[i] != NO_STATUS else None
            if not table.is_bad(i) and stated != actual:
                self._bad_referral(i, f"status is {stated}, but its last event leaves it {actual}")
        for child in sorted(reg.parents):
            parent = reg.parents[child]
            if table.is_bad(child):
                continue
            parent_id = table.ids[parent]
            status = STATUSES[table.status[parent]] if table.status[parent] != NO_STATUS else None
            if table.is_bad(parent):
                self._bad_referral(
                    child, f"redirectedFromId {parent_id} is skipped, so its redirect is too"
                )
            elif status != "REDIRECTED":
                self._bad_referral(
                    child, f"redirectedFromId {parent_id} ends {status}, not REDIRECTED"
                )
            elif reg.redirected_at.get(parent, 0.0) > table.sent_at[child]:
                self._bad_referral(child, f"sentAt is before referral {parent_id} was redirected")
        self.problems.sort(key=lambda p: (_FILE_RANK.get(p[0].rsplit(".", 1)[0], 99), p[1]))


_FILE_RANK = {kind: rank for rank, kind in enumerate(FILE_ORDER)}

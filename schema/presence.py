"""Outreach presence over GraphQL: log, edit and delete visits; read logs and analytics.

Who does what (rules ``presence.*`` of :mod:`schema.policy`):

- a worker logs visits for an organization they work at (``presence.record``)
  and edits or deletes *their own* entries (``presence.edit``: SELF) while
  still working there, within ``MAILLAGE_PRESENCE_EDIT_DAYS`` days;
- ``myPresence``: a caller's own entries; ``organizationPresence``: an
  organization's whole team log, for its administrators;
- ``presenceAnalytics``: aggregates only, for the network's coordinators
  (identified: names and exact counts) and researchers (de-identified:
  ids but no names, counts from 1 to 4 suppressed with every rate computed
  from them, as in :mod:`schema.analytics`).
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from datetime import date
from typing import Annotated, Any

import strawberry

from analytics import presence_summary as summary
from analytics.presence import referrals_from_rows, visits_from_rows, yield_by_continuous_weeks
from analytics.suppression import SMALL_CELL_THRESHOLD, suppress_small_cells
from domain.errors import BadUserInput, NotFound
from graph import presence as g_presence
from graph.aggregates import presence as g_measures
from graph.validation import check_dates_in_order, check_id
from schema.access import authorize, may
from schema.context import Info
from schema.policy import Scope
from schema.presence_types import (
    DeclinedCount,
    MonthPresence,
    NeedCount,
    OrganizationPresence,
    PlaceKindPresence,
    PlacePresence,
    PresenceAnalytics,
    PresenceChangesInput,
    PresenceEntry,
    PresenceYield,
    RecordPresenceInput,
    place_kind,
)

__all__ = ["PresenceMutation", "PresenceQuery"]

FromDate = Annotated[date, strawberry.argument(name="from", description="First day, included.")]
ToDate = Annotated[date, strawberry.argument(name="to", description="Last day, included.")]
MAX_WINDOW_DAYS = 3 * 366

# Rates and their sources, for small-cell suppression.
_DERIVED: Mapping[str, tuple[str, ...]] = {
    "contactsPerHour": ("contacts",),
    "firstContactsPerHour": ("firstContacts",),
    "referralsPerHour": ("referrals",),
    "ownServiceShare": ("referrals",),
    "needsHeardNotReferredShare": ("referrals",),
    "mostlyOwnServices": ("referrals",),
}
_EXEMPT = (
    "visits", "weeks", "weeksWithPresence", "longestGapWeeks", "trustLagWeeks", "organizations",
    "places", "placeKinds", "fromWeek", "toWeek",
)  # fmt: skip


def _window(start: date, end: date) -> None:
    check_dates_in_order(start, end, "to")
    if (end - start).days > MAX_WINDOW_DAYS:
        raise BadUserInput(f"A window spans at most {MAX_WINDOW_DAYS} days.", field="to")


async def _own_entry(info: Info, entry_id: strawberry.ID) -> dict[str, Any]:
    entry = await g_presence.presence_entry(info.context.db, check_id(entry_id, "id"))
    if entry is None:
        raise NotFound(f"No presence entry with id {entry_id}.", field="id")
    scope = Scope.of([entry["organizationId"]], user_id=entry.get("by"))
    authorize(info, "presence.edit", scope)
    authorize(info, "presence.record", scope)
    return entry


@strawberry.type
class PresenceMutation:
    @strawberry.mutation(description="Log an outreach visit (no family data: counts and codes).")
    async def record_presence(self, info: Info, input: RecordPresenceInput) -> PresenceEntry:
        org = check_id(input.organization_id, "organizationId")
        authorize(info, "presence.record", Scope.of([org]))
        new_place = None
        if input.new_place is not None:
            np = input.new_place
            new_place = g_presence.NewPlace(
                np.name, np.kind.value, None if np.territory_id is None else str(np.territory_id)
            )
        row = await g_presence.record_presence(
            info.context.db,
            g_presence.PresenceInput(
                organization_id=org,
                day=input.date,
                hours=input.hours,
                contacts=input.contacts,
                first_contacts=input.first_contacts,
                need_codes=list(input.need_codes),
                warm_handoffs=input.warm_handoffs,
                place_id=None if input.place_id is None else str(input.place_id),
                new_place=new_place,
            ),
            by_user=info.context.caller.user_id,
            now=info.context.clock(),
        )
        return PresenceEntry.from_row(row)

    @strawberry.mutation(description="Correct one of your own visits, within the edit delay.")
    async def update_presence(
        self, info: Info, id: strawberry.ID, input: PresenceChangesInput
    ) -> PresenceEntry:
        entry = await _own_entry(info, id)
        row = await g_presence.update_presence(
            info.context.db,
            entry["id"],
            g_presence.PresenceChanges(
                day=input.date,
                hours=input.hours,
                contacts=input.contacts,
                first_contacts=input.first_contacts,
                need_codes=None if input.need_codes is None else list(input.need_codes),
                warm_handoffs=input.warm_handoffs,
            ),
            now=info.context.clock(),
            edit_days=info.context.settings.presence_edit_days,
        )
        return PresenceEntry.from_row(row)

    @strawberry.mutation(description="Delete one of your own visits, within the edit delay.")
    async def delete_presence(self, info: Info, id: strawberry.ID) -> strawberry.ID:
        entry = await _own_entry(info, id)
        deleted = await g_presence.delete_presence(
            info.context.db,
            entry["id"],
            now=info.context.clock(),
            edit_days=info.context.settings.presence_edit_days,
        )
        return strawberry.ID(deleted)


@strawberry.type
class PresenceQuery:
    @strawberry.field(description="The visits you logged between two days, newest first.")
    async def my_presence(self, info: Info, start: FromDate, end: ToDate) -> list[PresenceEntry]:
        _window(start, end)
        authorize(info, "presence.readOwn")
        rows = await g_presence.presence_log(
            info.context.db, start=start, end=end, by_user=info.context.caller.user_id
        )
        return [PresenceEntry.from_row(r) for r in rows]

    @strawberry.field(description="An organization's team log (its administrators).")
    async def organization_presence(
        self, info: Info, organization_id: strawberry.ID, start: FromDate, end: ToDate
    ) -> list[PresenceEntry]:
        org = check_id(organization_id, "organizationId")
        _window(start, end)
        authorize(info, "presence.readTeam", Scope.of([org]))
        rows = await g_presence.presence_log(
            info.context.db, start=start, end=end, organization_id=org
        )
        return [PresenceEntry.from_row(r) for r in rows]

    @strawberry.field(description="Presence analytics of a network's members (aggregates only).")
    async def presence_analytics(
        self, info: Info, network_id: strawberry.ID, start: FromDate, end: ToDate
    ) -> PresenceAnalytics:
        network = check_id(network_id, "networkId")
        _window(start, end)
        scope = Scope.of(networks=[network])
        authorize(info, "presence.analytics", scope)
        identified = may(info, "presence.identified", scope)
        data = await g_measures.network_presence(info.context.db, [network], start, end)
        return await asyncio.to_thread(_analytics, network, start, end, data, identified)


def _volume(row: dict[str, Any]) -> dict[str, Any]:
    declined = [DeclinedCount(reason=k, count=c) for k, c in row.pop("declined").items()]
    return {
        "visits": row.pop("visits"),
        "hours": row.pop("hours"),
        "contacts": row.pop("contacts"),
        "first_contacts": row.pop("firstContacts"),
        "warm_handoffs": row.pop("warmHandoffs"),
        "contacts_per_hour": row.pop("contactsPerHour"),
        "first_contacts_per_hour": row.pop("firstContactsPerHour"),
        "referrals": row.pop("referrals"),
        "referrals_per_hour": row.pop("referralsPerHour"),
        "completed": row.pop("completed"),
        "declined": declined,
    }


def _analytics(
    network: str, start: date, end: date, data: g_measures.PresenceData, identified: bool
) -> PresenceAnalytics:
    visits, referrals = visits_from_rows(data.visits), referrals_from_rows(data.referrals)
    threshold = 0 if identified else SMALL_CELL_THRESHOLD

    def clean(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
        return suppress_small_cells(rows, threshold=threshold, derived=_DERIVED, exempt=_EXEMPT)

    place_names = {r["place"]: r["placeName"] for r in data.visits}
    org_names = {r["organization"]: r["organizationName"] for r in data.visits}
    places = []
    for row in clean(summary.by_place(visits, referrals, data.open_needs, start, end)):
        unmet = row.pop("needsWithoutOpenService")
        places.append(
            PlacePresence(
                place_id=strawberry.ID(row["place"]),
                name=place_names[row["place"]] if identified else None,
                kind=place_kind(row["kind"]),
                territory_id=row["territory"],
                organizations=row["organizations"],
                weeks=row["weeks"],
                weeks_with_presence=row["weeksWithPresence"],
                share_of_weeks=row["shareOfWeeks"],
                longest_gap_weeks=row["longestGapWeeks"],
                visits_per_month=row["visitsPerMonth"],
                trust_lag_weeks=row["trustLagWeeks"],
                needs_without_open_service=[
                    NeedCount(need_code=k, count=c) for k, c in unmet.items()
                ],
                **_volume(row),
            )
        )
    kinds = [
        PlaceKindPresence(kind=place_kind(r["kind"]), places=r["places"], **_volume(r))
        for r in clean(summary.by_place_kind(visits, referrals))
    ]
    organizations = [
        OrganizationPresence(
            organization_id=strawberry.ID(r["organization"]),
            name=org_names[r["organization"]] if identified else None,
            places=r["places"],
            place_kinds=r["placeKinds"],
            place_evenness=r["placeEvenness"],
            kind_evenness=r["kindEvenness"],
            own_service_share=r["ownServiceShare"],
            mostly_own_services=bool(r["mostlyOwnServices"]),
            needs_heard_not_referred_share=r["needsHeardNotReferredShare"],
            single_kind=r["singleKind"],
            **_volume(r),
        )
        for r in clean(summary.by_organization(visits, referrals))
    ]
    months = [
        MonthPresence(month=r["month"], **_volume(r))
        for r in clean(summary.by_month(visits, referrals))
    ]
    yields = [
        PresenceYield(
            from_week=r["fromWeek"],
            to_week=r["toWeek"],
            hours=r["hours"],
            referrals=r["referrals"],
            referrals_per_hour=r["referralsPerHour"],
        )
        for r in clean(yield_by_continuous_weeks(visits, referrals))
    ]
    return PresenceAnalytics(
        network_id=strawberry.ID(network),
        start=start,
        end=end,
        deidentified=not identified,
        places=places,
        place_kinds=kinds,
        organizations=organizations,
        months=months,
        yield_by_continuous_weeks=yields,
    )

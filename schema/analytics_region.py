"""The region view: collaboration analytics over several networks read as one graph.

``region(networkIds: [...])`` is for a coordinator of every listed network,
and for platform admins, who may leave ``networkIds`` out to read every
network of the platform. The networks are read as their union
(:mod:`graph.aggregates.queries`), so an organization linking two networks shows as
the bridge it is: in a network's own view it is one member among others; in
the region its loss splits the graph (``breakdowns.criticalOrganizations``).
Callers are identified (names and exact counts), as a coordinator is in a
network's own view; researchers are not given regions (their figures are
per network, under :mod:`analytics.disclosure`).
"""

from __future__ import annotations

import asyncio
from datetime import date
from functools import partial

import strawberry

from domain.errors import Forbidden
from graph.aggregates import queries as g_agg
from graph.directory.networks import list_networks, require_networks
from graph.validation import check_id
from schema.analytics_mapping import Audience, breakdowns, collaboration_periods, evolution_period
from schema.analytics_shared import asks_brokerage, shared_collaboration, shared_evolution
from schema.analytics_types import Breakdowns, Collaboration, Evolution, FromDate, Period
from schema.context import Info
from schema.policy import Scope, allowed

__all__ = ["Region", "RegionQuery"]

_IDENTIFIED = Audience(identified=True)


@strawberry.type(description="Several networks analysed as one referral graph.")
class Region:
    network_ids: list[strawberry.ID]

    @strawberry.field(description="The region's referral graph and its measures per period.")
    async def collaboration(
        self, info: Info, from_: FromDate, to: date, period: Period = Period.MONTH
    ) -> Collaboration:
        window = g_agg.Window(from_, to, period)
        before, slices = await shared_collaboration(info, self._ids, window)
        evolved = await shared_evolution(info, self._ids, window)
        periods = await asyncio.to_thread(
            partial(collaboration_periods, evolved=evolved, brokerage=asks_brokerage(info)),
            before, slices, _IDENTIFIED,
        )  # fmt: skip
        return Collaboration(start=from_, end=to, period=period, deidentified=False,
                             periods=periods)  # fmt: skip

    @strawberry.field(description="The region's measures and tie dynamics per period.")
    async def evolution(
        self, info: Info, from_: FromDate, to: date, period: Period = Period.MONTH
    ) -> Evolution:
        rows = await shared_evolution(info, self._ids, g_agg.Window(from_, to, period))
        return Evolution(start=from_, end=to, period=period,
                         periods=[evolution_period(r) for r in rows[1:]])  # fmt: skip

    @strawberry.field(description="Where referrals break down in the region between from and to.")
    async def breakdowns(self, info: Info, from_: FromDate, to: date) -> Breakdowns:
        window = g_agg.Window(from_, to)
        db, now = info.context.db, info.context.clock()
        ids = self._ids
        (whole,) = await g_agg.collaboration(db, ids, window, now=now)
        (cells,) = await g_agg.need_funnel(db, ids, window)
        (places,) = await g_agg.place_outcomes(db, ids, window)
        (overrides,) = await g_agg.availability_overrides(db, ids, window)
        coverage = await g_agg.coverage(db, ids, min(to, now.date()))
        return await asyncio.to_thread(
            breakdowns, whole.aggregate, cells, coverage, places, overrides, _IDENTIFIED
        )

    @property
    def _ids(self) -> list[str]:
        return [str(n) for n in self.network_ids]


@strawberry.type
class RegionQuery:
    @strawberry.field(
        description="Analytics over several networks at once: for a coordinator of each of them, "
        "or a platform admin (who may omit networkIds for the whole platform)."
    )
    async def region(self, info: Info, network_ids: list[strawberry.ID] | None = None) -> Region:
        caller = info.context.caller
        db = info.context.db
        if network_ids is None:
            if not caller.platform_admin:
                raise Forbidden(
                    "Only platform admins read the whole platform; pass networkIds with the "
                    "networks you coordinate.",
                    operation="analytics.region",
                )
            ids = sorted(str(n["id"]) for n in await list_networks(db))
        else:
            ids = sorted({check_id(str(n), "networkIds") for n in network_ids})
            await require_networks(db, ids)
            if not ids or not all(
                allowed(caller, "analytics.region", Scope.of(networks=[n])) for n in ids
            ):
                raise Forbidden(
                    "A region is for the coordinator of every network in it (or a platform "
                    "admin); leave out the networks you do not coordinate.",
                    operation="analytics.region",
                )
        return Region(network_ids=[strawberry.ID(n) for n in ids])

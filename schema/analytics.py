"""Network analytics over GraphQL: collaboration, evolution, breakdowns, an organization's profile.

Resolvers aggregate in Cypher (:mod:`graph.aggregates`), analyse with
:mod:`analytics` in a worker thread, and map the plain figures to the types
below. Definitions live with the functions that compute them: every field's
description names its source.

Who sees what (DESIGN.md §5, rules ``analytics.*`` of :mod:`schema.policy`):

- a network's ``collaboration``, ``evolution`` and ``breakdowns``: its
  coordinators and researchers; anyone else gets FORBIDDEN (the network
  itself is directory data and stays visible);
- an organization's ``collaborationProfile``: its staff, and coordinators and
  researchers of the networks it is measured in;
- **identified** figures — names and exact counts — go to callers who may
  already list the underlying referrals (``referral.list`` on the same scope:
  the network's coordinators, the organization's staff). Everyone else
  allowed (researchers) gets **de-identified** figures: organization ids,
  kinds and territories but no names, and every referral count from 1 to 4
  replaced by null, with any rate or median computed from it
  (:mod:`analytics.suppression`). Network-level counts of organizations and
  ties are never suppressed; they count organizations, not families. Names
  are public directory data, so leaving them out makes the released figures
  pseudonymous by default, the same as a research export. Suppression is
  primary only: a suppressed cell may be recovered from a published total
  minus its other parts (see :mod:`analytics.suppression`).
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Annotated, Any

import strawberry

from analytics.breakdowns import (
    black_holes,
    open_loops,
    outreach_by_place_kind,
    outreach_places,
    repeated_declines,
    service_gaps,
)
from analytics.evolution import PeriodMetrics, evolution
from analytics.export import edge_list_rows, organization_metrics_rows
from analytics.funnel import (
    FUNNEL_RATE_SOURCES,
    funnel_by_pair,
    funnel_by_receiver,
    funnel_overall,
)
from analytics.model import FunnelRow, PeriodAggregate, PlaceRow
from analytics.organizations import organization_metrics
from analytics.suppression import SMALL_CELL_THRESHOLD, suppress_small_cells
from analytics.vulnerability import critical_organizations
from graph import aggregates as g_agg
from graph import vocabulary as v
from graph.errors import BadUserInput, Forbidden
from graph.validation import check_id
from schema.policy import Scope, allowed

if TYPE_CHECKING:
    from graph.vocabulary import DeclineReason, OrganizationKind, PartnershipKind, PlaceKind
    from schema.context import Info

__all__ = [
    "Breakdowns",
    "Collaboration",
    "CollaborationProfile",
    "Evolution",
    "FromDate",
    "Period",
    "network_breakdowns",
    "network_collaboration",
    "network_evolution",
    "organization_profile",
]

Period = g_agg.Period
strawberry.enum(
    Period, description="Calendar months, quarters or years (UTC), clipped to the window."
)
#: The ``from`` argument (a Python keyword): first day of the window, included.
FromDate = Annotated[date, strawberry.argument(name="from", description="First day, included.")]

_COUNT = "referrals; null when suppressed (researchers: 1 to 4)"


@strawberry.type(description="Referrals declined for one reason.")
class ReasonCount:
    reason: Annotated["DeclineReason", strawberry.lazy("schema.referrals")]  # noqa: UP037
    label_fr: str
    label_en: str
    count: int | None = strawberry.field(description=_COUNT)


@strawberry.type(description="Network-level measures of one period (analytics.network).")
class NetworkMeasures:
    organizations: int = strawberry.field(description="Members at any time in the period.")
    ties: int = strawberry.field(description="Ordered pairs with at least one referral.")
    referrals: int | None = strawberry.field(description=f"Referrals sent: {_COUNT}.")
    density: float = strawberry.field(description="ties / (n (n - 1)).")
    reciprocity: float = strawberry.field(description="Share of ties returned.")
    transitivity: float = strawberry.field(description="Global clustering, undirected.")
    components: int = strawberry.field(description="Weak components, isolates included.")
    largest_component_share: float
    degree_centralization: float = strawberry.field(description="Freeman, undirected.")
    referral_load_gini: float = strawberry.field(description="Gini of referrals received.")
    communities: int = strawberry.field(description="Louvain communities (seed 0).")
    modularity: float


@strawberry.type(description="One organization in one period (analytics.organizations).")
class OrganizationMeasures:
    id: strawberry.ID
    name: str | None = strawberry.field(description="Null for de-identified callers.")
    kind: Annotated["OrganizationKind", strawberry.lazy("schema.types")]  # noqa: UP037
    territory_id: strawberry.ID | None
    community: int | None = strawberry.field(description="Index in the period's communities.")
    in_degree: int = strawberry.field(description="Organizations it received referrals from.")
    out_degree: int = strawberry.field(description="Organizations it referred to.")
    in_strength: int | None = strawberry.field(description=f"Referrals received: {_COUNT}.")
    out_strength: int | None = strawberry.field(description=f"Referrals sent: {_COUNT}.")
    betweenness: float = strawberry.field(description="Normalised, directed, unweighted.")
    constraint: float | None = strawberry.field(description="Burt's constraint.")
    effective_size: float | None = strawberry.field(description="Burt's effective size.")
    partners_gained: int | None = strawberry.field(description="Since the period before.")
    partners_lost: int | None
    acknowledgement_rate: float | None = strawberry.field(description="As receiver.")
    acceptance_rate: float | None
    completion_rate: float | None = strawberry.field(description="completed / accepted.")
    median_hours_to_acknowledge: float | None
    overdue: int | None = strawberry.field(description="Received, still SENT at acknowledgeBy.")


@strawberry.type(description="Referrals sent from one organization to another in a period.")
class ReferralFlow:
    source: strawberry.ID
    target: strawberry.ID
    sent: int | None
    acknowledged: int | None
    accepted: int | None
    contacted: int | None
    completed: int | None
    no_show: int | None
    declined: int | None
    declined_by_reason: list[ReasonCount]
    redirected: int | None
    expired: int | None
    cancelled: int | None
    overdue: int | None
    median_hours_to_acknowledge: float | None


@strawberry.type(description="A declared partnership active in the period (undirected).")
class PartnershipLink:
    source: strawberry.ID
    target: strawberry.ID
    kinds: list[Annotated["PartnershipKind", strawberry.lazy("schema.types")]]  # noqa: UP037


@strawberry.type
class CollaborationPeriod:
    start: date
    end: date = strawberry.field(description="Last day, included.")
    metrics: NetworkMeasures
    nodes: list[OrganizationMeasures]
    edges: list[ReferralFlow]
    partnerships: list[PartnershipLink]


@strawberry.type(description="The weighted referral graph of each period and its measures.")
class Collaboration:
    start: date = strawberry.field(name="from")
    end: date = strawberry.field(name="to")
    period: Period
    deidentified: bool = strawberry.field(description="Names left out, small cells suppressed.")
    periods: list[CollaborationPeriod]


@strawberry.type(description="Network measures of a period and their change since the one before.")
class EvolutionPeriod:
    start: date
    end: date
    organizations: int
    ties: int
    density: float
    reciprocity: float
    transitivity: float
    components: int
    largest_component_share: float
    degree_centralization: float
    referral_load_gini: float
    communities: int
    modularity: float
    new_ties: int | None = strawberry.field(description="Ties absent the period before.")
    dissolved_ties: int | None
    persisting_ties: int | None
    jaccard: float | None = strawberry.field(
        description="persisting / (new + dissolved + persisting)."
    )
    community_stability: float | None = strawberry.field(
        description="NMI of the Louvain partitions of this period and the one before, on the "
        "organizations in both; null when either period has no referral tie."
    )


@strawberry.type(
    description="How the network changes; the first period is compared with the one before `from`."
)
class Evolution:
    start: date = strawberry.field(name="from")
    end: date = strawberry.field(name="to")
    period: Period
    periods: list[EvolutionPeriod]


@strawberry.type(description="Funnel counts of a group of referrals; rates per analytics.funnel.")
class FunnelCounts:
    sender_id: strawberry.ID | None
    receiver_id: strawberry.ID | None
    need_code: str | None
    territory_id: strawberry.ID | None = strawberry.field(
        description="Receiver's territory in byReceiver; the family's elsewhere."
    )
    sent: int | None
    acknowledged: int | None
    accepted: int | None
    contacted: int | None
    completed: int | None
    declined: int | None
    declined_by_reason: list[ReasonCount]
    acknowledgement_rate: float | None
    acceptance_rate: float | None
    completion_rate: float | None


@strawberry.type(description="A receiver sent ≥ 5 referrals that acknowledged fewer than 20%.")
class BlackHole:
    organization_id: strawberry.ID
    name: str | None
    sent: int | None
    acknowledged: int | None
    acknowledgement_rate: float | None


@strawberry.type(description="A pair whose referrals were declined at least 3 times.")
class RepeatedDecline:
    source_id: strawberry.ID
    target_id: strawberry.ID
    sent: int | None
    declined: int | None
    declined_by_reason: list[ReasonCount]


@strawberry.type(description="A need declined NO_CAPACITY or SERVICE_NOT_ADAPTED in a territory.")
class ServiceGap:
    need_code: str | None
    territory_id: strawberry.ID | None = strawberry.field(description="Family territory.")
    sent: int | None
    gap_declines: int | None
    declined_by_reason: list[ReasonCount]
    gap_share: float | None
    providers: int = strawberry.field(description="Providers there on `to` (coverage).")


@strawberry.type(description="A (territory, need) cell; among gaps: no member provides it there.")
class CoverageCell:
    territory_id: strawberry.ID
    need_code: str


@strawberry.type(description="Referrals of a pair with no terminal outcome yet.")
class OpenLoop:
    source_id: strawberry.ID
    target_id: strawberry.ID
    sent: int | None
    open: int | None
    overdue: int | None


@strawberry.type(description="Referrals sent despite the service's availability.")
class AvailabilityOverride:
    organization_id: strawberry.ID
    service_id: strawberry.ID | None
    referrals: int | None
    declined_no_capacity: int | None
    completed: int | None


@strawberry.type(description="An articulation point or sole provider (analytics.vulnerability).")
class CriticalOrganization:
    organization_id: strawberry.ID
    name: str | None
    disconnects: bool
    sole_provider_of: list[CoverageCell]


@strawberry.type(description="Referrals originating at an outreach place (or kind of place).")
class OutreachPlace:
    place_id: strawberry.ID | None
    place_kind: Annotated["PlaceKind", strawberry.lazy("schema.types")]  # noqa: UP037
    referrals: int | None
    completed: int | None
    completion_rate: float | None = strawberry.field(description="completed / referrals.")


@strawberry.type(description="Where referrals break down over the whole window.")
class Breakdowns:
    start: date = strawberry.field(name="from")
    end: date = strawberry.field(name="to")
    deidentified: bool
    funnel: FunnelCounts
    by_receiver: list[FunnelCounts]
    by_pair: list[FunnelCounts]
    by_need: list[FunnelCounts]
    by_territory: list[FunnelCounts]
    by_need_and_territory: list[FunnelCounts]
    black_holes: list[BlackHole]
    repeated_declines: list[RepeatedDecline]
    service_gaps: list[ServiceGap]
    uncovered_needs: list[CoverageCell]
    open_loops: list[OpenLoop]
    overrides: list[AvailabilityOverride]
    critical_organizations: list[CriticalOrganization]
    outreach_places: list[OutreachPlace]
    outreach_by_place_kind: list[OutreachPlace]


@strawberry.type(description="One organization in one period; measures null when not a member.")
class ProfilePeriod:
    start: date
    end: date
    member: bool
    in_degree: int | None
    out_degree: int | None
    received: int | None = strawberry.field(description=f"Referrals received: {_COUNT}.")
    sent: int | None = strawberry.field(description=f"Referrals sent: {_COUNT}.")
    betweenness: float | None
    constraint: float | None
    effective_size: float | None
    partners_gained: int | None
    partners_lost: int | None
    acknowledgement_rate: float | None
    acceptance_rate: float | None
    completion_rate: float | None
    median_hours_to_acknowledge: float | None
    overdue: int | None
    declined_by_reason: list[ReasonCount] = strawberry.field(description="Received, declined.")


@strawberry.type(description="An organization's slice of the network analytics.")
class CollaborationProfile:
    organization_id: strawberry.ID
    network_ids: list[strawberry.ID]
    start: date = strawberry.field(name="from")
    end: date = strawberry.field(name="to")
    period: Period
    deidentified: bool
    periods: list[ProfilePeriod]


# --- resolvers ---------------------------------------------------------------------------


async def network_collaboration(
    info: Info, network_id: str, start: date, end: date, period: g_agg.Period
) -> Collaboration:
    """``Network.collaboration``: the referral graph of each period with its measures."""
    audience = _network_audience(info, network_id)
    window = g_agg.Window(start, end, period)
    before, slices = await _with_previous(info, [network_id], window)
    periods = await asyncio.to_thread(_collaboration, before, slices, audience)
    return Collaboration(start=start, end=end, period=period, deidentified=not audience.identified,
                         periods=periods)  # fmt: skip


async def network_evolution(
    info: Info, network_id: str, start: date, end: date, period: g_agg.Period
) -> Evolution:
    """``Network.evolution``: network measures and tie dynamics per period."""
    _network_audience(info, network_id)
    window = g_agg.Window(start, end, period)
    before, slices = await _with_previous(info, [network_id], window)
    aggregates = [before.aggregate, *(s.aggregate for s in slices)]
    rows = await asyncio.to_thread(evolution, aggregates)
    return Evolution(start=start, end=end, period=period,
                     periods=[_evolution_period(row) for row in rows[1:]])  # fmt: skip


async def network_breakdowns(info: Info, network_id: str, start: date, end: date) -> Breakdowns:
    """``Network.breakdowns``: where referrals stall over the whole window."""
    audience = _network_audience(info, network_id)
    window = g_agg.Window(start, end)
    db, now = info.context.db, info.context.clock()
    ids = [network_id]
    (whole,) = await g_agg.collaboration(db, ids, window, now=now)
    (cells,) = await g_agg.need_funnel(db, ids, window)
    (places,) = await g_agg.place_outcomes(db, ids, window)
    (overrides,) = await g_agg.availability_overrides(db, ids, window)
    coverage = await g_agg.coverage(db, ids, min(end, now.date()))
    return await asyncio.to_thread(
        _breakdowns, whole.aggregate, cells, coverage, places, overrides, audience
    )


async def organization_profile(
    info: Info,
    organization_id: str,
    start: date,
    end: date,
    period: g_agg.Period,
    network_id: str | None,
) -> CollaborationProfile:
    """``Organization.collaborationProfile``: its measures in each period."""
    org = check_id(organization_id, "id")
    window = g_agg.Window(start, end, period)
    db = info.context.db
    member_of = await g_agg.organization_networks(db, org, window)
    if network_id is not None:
        wanted = check_id(network_id, "networkId")
        if wanted not in member_of:
            raise BadUserInput(
                "This organization was not a member of that network between from and to.",
                field="networkId",
            )
        member_of = [wanted]
    audience = _profile_audience(info, org, member_of)
    before, slices = await _with_previous(info, member_of, window)
    periods = await asyncio.to_thread(_profile, org, before, slices, audience)
    return CollaborationProfile(
        organization_id=strawberry.ID(org), network_ids=[strawberry.ID(n) for n in member_of],
        start=start, end=end, period=period, deidentified=not audience.identified,
        periods=periods,
    )  # fmt: skip


# --- access ------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Audience:
    identified: bool

    @property
    def threshold(self) -> int:
        return 0 if self.identified else SMALL_CELL_THRESHOLD


def _network_audience(info: Info, network_id: str) -> _Audience:
    caller = info.context.caller
    scope = Scope.of(networks=[check_id(network_id, "id")])
    if not allowed(caller, "analytics.network", scope):
        raise Forbidden(
            "Network analytics are for the network's coordinators and researchers; "
            "organization staff find their own organization's figures in "
            "organization(id) { collaborationProfile }.",
            operation="analytics.network",
        )
    return _Audience(identified=allowed(caller, "referral.list", scope))


def _profile_audience(info: Info, organization_id: str, networks: Sequence[str]) -> _Audience:
    caller = info.context.caller
    if allowed(caller, "analytics.organization", Scope.of([organization_id])):
        return _Audience(identified=True)  # the organization's own staff
    scopes = [Scope.of([organization_id], [n]) for n in networks]
    if not scopes or not all(allowed(caller, "analytics.organization", s) for s in scopes):
        raise Forbidden(
            "An organization's collaboration profile is for its staff and for coordinators "
            "and researchers of its networks; pass networkId to look within one network.",
            operation="analytics.organization",
        )
    return _Audience(identified=all(allowed(caller, "referral.list", s) for s in scopes))


async def _with_previous(
    info: Info, network_ids: Sequence[str], window: g_agg.Window
) -> tuple[g_agg.PeriodSlice, tuple[g_agg.PeriodSlice, ...]]:
    db, now = info.context.db, info.context.clock()
    (before,) = await g_agg.collaboration(db, network_ids, window.previous(), now=now)
    return before, await g_agg.collaboration(db, network_ids, window, now=now)


# --- mapping (pure; run in a worker thread) ----------------------------------------------


def _collaboration(
    before: g_agg.PeriodSlice, slices: Sequence[g_agg.PeriodSlice], audience: _Audience
) -> list[CollaborationPeriod]:
    aggregates = [before.aggregate, *(s.aggregate for s in slices)]
    metrics = evolution(aggregates)[1:]
    periods = []
    for prior, slice_, row in zip(aggregates, slices, metrics, strict=False):
        aggregate = slice_.aggregate
        community = {o: i for i, c in enumerate(row.network.communities) for o in c}
        org_rows = _organization_rows(aggregate, prior, slice_, audience)
        nodes = [
            OrganizationMeasures(
                id=strawberry.ID(node.id),
                name=node.name if audience.identified else None,
                kind=v.OrganizationKind(node.kind),
                territory_id=_id(node.territory_id),
                community=community.get(node.id),
                **{k: org_rows[node.id][k] for k in _ORGANIZATION_FIELDS},
            )
            for node in aggregate.nodes
        ]
        edges = [_flow(r) for r in edge_list_rows([aggregate], threshold=audience.threshold)]
        links = _partnership_links(aggregate)
        net = row.network
        referrals = sum(t.sent for t in aggregate.ties)
        measures = NetworkMeasures(
            organizations=net.organizations, ties=net.ties,
            referrals=referrals if audience.identified else _suppressed(referrals),
            density=net.density, reciprocity=net.reciprocity, transitivity=net.transitivity,
            components=net.components, largest_component_share=net.largest_component_share,
            degree_centralization=net.degree_centralization,
            referral_load_gini=net.referral_load_gini, communities=len(net.communities),
            modularity=net.modularity,
        )  # fmt: skip
        periods.append(
            CollaborationPeriod(
                start=aggregate.start,
                end=aggregate.end,
                metrics=measures,
                nodes=nodes,
                edges=edges,
                partnerships=links,
            )
        )
    return periods


_ORGANIZATION_FIELDS = {
    "in_degree": "in_degree",
    "out_degree": "out_degree",
    "in_strength": "in_strength",
    "out_strength": "out_strength",
    "betweenness": "betweenness",
    "constraint": "constraint",
    "effective_size": "effective_size",
    "partners_gained": "partners_gained",
    "partners_lost": "partners_lost",
    "acknowledgement_rate": "acknowledgement_rate",
    "acceptance_rate": "acceptance_rate",
    "completion_rate": "completion_rate",
    "median_hours_to_acknowledge": "median_hours_to_ack",
    "overdue": "overdue",
}


def _organization_rows(
    aggregate: PeriodAggregate,
    prior: PeriodAggregate,
    slice_: g_agg.PeriodSlice,
    audience: _Audience,
) -> dict[str, dict[str, Any]]:
    """Organization metrics keyed by GraphQL field, suppressed for researchers."""
    metrics = organization_metrics(aggregate, prior, ack_hours=slice_.ack_hours)
    rows = organization_metrics_rows(aggregate, metrics, threshold=audience.threshold)
    return {
        row["org_id"]: {field: row[source] for field, source in _ORGANIZATION_FIELDS.items()}
        for row in rows
    }


def _evolution_period(row: PeriodMetrics) -> EvolutionPeriod:
    net, change = row.network, row.ties_change
    return EvolutionPeriod(
        start=row.start, end=row.end, organizations=net.organizations, ties=net.ties,
        density=net.density, reciprocity=net.reciprocity, transitivity=net.transitivity,
        components=net.components, largest_component_share=net.largest_component_share,
        degree_centralization=net.degree_centralization,
        referral_load_gini=net.referral_load_gini, communities=len(net.communities),
        modularity=net.modularity,
        new_ties=change.new if change else None,
        dissolved_ties=change.dissolved if change else None,
        persisting_ties=change.persisting if change else None,
        jaccard=change.jaccard if change else None,
        community_stability=row.community_stability,
    )  # fmt: skip


def _breakdowns(
    aggregate: PeriodAggregate,
    cells: Sequence[g_agg.FunnelCell],
    coverage: g_agg.Coverage,
    places: Sequence[PlaceRow],
    overrides: Sequence[g_agg.OverrideRow],
    audience: _Audience,
) -> Breakdowns:
    names = {node.id: node.name for node in aggregate.nodes} if audience.identified else {}
    territory = {node.id: node.territory_id for node in aggregate.nodes}
    by_need_and_territory = g_agg.funnel_by_need_and_territory(cells)
    providers = {(c.territory_id, c.need_code): len(c.provider_ids) for c in coverage.rows}

    def clean(rows: Sequence[Any], derived: Mapping[str, Sequence[str]] | None = None) -> Any:
        return suppress_small_cells(rows, threshold=audience.threshold, derived=derived)

    def funnel(rows: Sequence[FunnelRow], *shape: str) -> list[FunnelCounts]:
        return [_funnel(r, shape, territory, audience) for r in rows]

    gaps = clean(service_gaps(by_need_and_territory), {"gap_share": ("gap_declines", "sent")})
    holes = clean(black_holes(aggregate), {"acknowledgement_rate": ("acknowledged", "sent")})
    return Breakdowns(
        start=aggregate.start,
        end=aggregate.end,
        deidentified=not audience.identified,
        funnel=_funnel(funnel_overall(aggregate), (), territory, audience),
        by_receiver=funnel(funnel_by_receiver(aggregate), "receiver"),
        by_pair=funnel(funnel_by_pair(aggregate), "sender", "receiver"),
        by_need=funnel(g_agg.funnel_by_need(cells), "need"),
        by_territory=funnel(g_agg.funnel_by_family_territory(cells), "territory"),
        by_need_and_territory=funnel(by_need_and_territory, "need", "territory"),
        black_holes=[
            BlackHole(organization_id=h["org_id"], name=names.get(h["org_id"]), sent=h["sent"],
                      acknowledged=h["acknowledged"],
                      acknowledgement_rate=h["acknowledgement_rate"])
            for h in holes
        ],
        repeated_declines=[
            RepeatedDecline(source_id=d["source"], target_id=d["target"], sent=d["sent"],
                            declined=d["declined"], declined_by_reason=_reasons(d["reasons"]))
            for d in clean(repeated_declines(aggregate))
        ],
        service_gaps=[
            ServiceGap(need_code=g["need_code"], territory_id=_id(g["territory_id"]),
                       sent=g["sent"], gap_declines=g["gap_declines"],
                       declined_by_reason=_reasons(g["reasons"]), gap_share=g["gap_share"],
                       providers=providers.get((g["territory_id"], g["need_code"]), 0))
            for g in gaps
        ],
        uncovered_needs=[
            CoverageCell(territory_id=strawberry.ID(t), need_code=n) for t, n in coverage.uncovered
        ],
        open_loops=[
            OpenLoop(source_id=o["source"], target_id=o["target"], sent=o["sent"],
                     open=o["open"], overdue=o["overdue"])
            for o in clean(open_loops(aggregate))
        ],
        overrides=[
            AvailabilityOverride(organization_id=o["organization_id"],
                                 service_id=_id(o["service_id"]), referrals=o["referrals"],
                                 declined_no_capacity=o["declined_no_capacity"],
                                 completed=o["completed"])
            for o in clean(overrides)
        ],
        critical_organizations=[
            CriticalOrganization(
                organization_id=strawberry.ID(c.org_id), name=names.get(c.org_id),
                disconnects=c.disconnects,
                sole_provider_of=[CoverageCell(territory_id=strawberry.ID(t), need_code=n)
                                  for t, n in c.sole_provider_of],
            )
            for c in critical_organizations(aggregate, coverage.rows)
        ],
        outreach_places=_places(clean(outreach_places(places), _PLACE_RATE)),
        outreach_by_place_kind=_places(clean(outreach_by_place_kind(places), _PLACE_RATE)),
    )  # fmt: skip


_PLACE_RATE = {"completion_rate": ("completed", "referrals")}


def _profile(
    org: str,
    before: g_agg.PeriodSlice,
    slices: Sequence[g_agg.PeriodSlice],
    audience: _Audience,
) -> list[ProfilePeriod]:
    periods = []
    prior = before.aggregate
    for slice_ in slices:
        aggregate = slice_.aggregate
        row = _organization_rows(aggregate, prior, slice_, audience).get(org)
        prior = aggregate
        if row is None:
            periods.append(
                ProfilePeriod(start=aggregate.start, end=aggregate.end, member=False,
                              declined_by_reason=[], **dict.fromkeys(_PROFILE_FIELDS))
            )  # fmt: skip
            continue
        declined: dict[str, int] = {}
        for tie in aggregate.ties:
            if tie.target == org:
                for reason, n in tie.declined.items():
                    declined[reason] = declined.get(reason, 0) + n
        (cleaned,) = suppress_small_cells([{"declined": declined}], threshold=audience.threshold)
        periods.append(
            ProfilePeriod(
                start=aggregate.start, end=aggregate.end, member=True,
                received=row["in_strength"], sent=row["out_strength"],
                declined_by_reason=_reasons(cleaned["declined"]),
                **{k: row[k] for k in _PROFILE_FIELDS if k not in ("received", "sent")},
            )
        )  # fmt: skip
    return periods


_PROFILE_FIELDS = (
    "in_degree", "out_degree", "received", "sent", "betweenness", "constraint",
    "effective_size", "partners_gained", "partners_lost", "acknowledgement_rate",
    "acceptance_rate", "completion_rate", "median_hours_to_acknowledge", "overdue",
)  # fmt: skip


def _funnel(
    row: FunnelRow,
    shape: tuple[str, ...],
    territory: Mapping[str, str | None],
    audience: _Audience,
) -> FunnelCounts:
    """A funnel row as GraphQL; ``shape`` names the parts of its key (analytics.model.FunnelRow)."""
    key = dict(zip(shape, row.key, strict=True))
    record = {
        "sent": row.sent,
        "acknowledged": row.acknowledged,
        "accepted": row.accepted,
        "contacted": row.contacted,
        "completed": row.completed,
        "declined": row.declined_total,
        "reasons": dict(row.declined),
        "acknowledgement_rate": row.acknowledgement_rate,
        "acceptance_rate": row.acceptance_rate,
        "completion_rate": row.completion_rate,
    }
    (c,) = suppress_small_cells([record], threshold=audience.threshold, derived=FUNNEL_RATE_SOURCES)
    receiver = key.get("receiver")
    where = territory.get(str(receiver)) if shape == ("receiver",) else key.get("territory")
    return FunnelCounts(
        sender_id=_id(key.get("sender")), receiver_id=_id(receiver), need_code=key.get("need"),
        territory_id=_id(where), sent=c["sent"], acknowledged=c["acknowledged"],
        accepted=c["accepted"], contacted=c["contacted"], completed=c["completed"],
        declined=c["declined"], declined_by_reason=_reasons(c["reasons"]),
        acknowledgement_rate=c["acknowledgement_rate"], acceptance_rate=c["acceptance_rate"],
        completion_rate=c["completion_rate"],
    )  # fmt: skip


def _flow(row: Mapping[str, Any]) -> ReferralFlow:
    reasons = {k.removeprefix("declined_"): n for k, n in row.items() if k.startswith("declined_")}
    return ReferralFlow(
        source=row["source"], target=row["target"], sent=row["sent"],
        acknowledged=row["acknowledged"], accepted=row["accepted"], contacted=row["contacted"],
        completed=row["completed"], no_show=row["no_show"], declined=row["declined"],
        declined_by_reason=_reasons({r: n for r, n in reasons.items() if n != 0}),
        redirected=row["redirected"], expired=row["expired"], cancelled=row["cancelled"],
        overdue=row["overdue"], median_hours_to_acknowledge=row["median_hours_to_ack"],
    )  # fmt: skip


def _partnership_links(aggregate: PeriodAggregate) -> list[PartnershipLink]:
    kinds: dict[tuple[str, str], set[str]] = {}
    for link in aggregate.partnerships:
        u, w = sorted((link.source, link.target))
        kinds.setdefault((u, w), set()).add(link.kind)
    return [
        PartnershipLink(source=strawberry.ID(u), target=strawberry.ID(w),
                        kinds=[v.PartnershipKind(k) for k in sorted(ks)])
        for (u, w), ks in sorted(kinds.items())
    ]  # fmt: skip


def _places(rows: Sequence[Mapping[str, Any]]) -> list[OutreachPlace]:
    return [
        OutreachPlace(place_id=_id(r["place_id"]), place_kind=v.PlaceKind(r["place_kind"]),
                      referrals=r["referrals"], completed=r["completed"],
                      completion_rate=r["completion_rate"])
        for r in rows
    ]  # fmt: skip


def _reasons(counts: Mapping[str, int | None]) -> list[ReasonCount]:
    return [
        ReasonCount(reason=v.DeclineReason(r), label_fr=v.label(r, "fr"),
                    label_en=v.label(r, "en"), count=n)
        for r, n in sorted(counts.items())
    ]  # fmt: skip


def _suppressed(count: int) -> int | None:
    return None if 0 < count < SMALL_CELL_THRESHOLD else count


def _id(value: str | None) -> strawberry.ID | None:
    return None if value is None else strawberry.ID(str(value))

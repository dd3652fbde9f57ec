"""Analytics figures to GraphQL types: pure functions, run in a worker thread.

Each function takes the plain aggregates of :mod:`graph.aggregates.queries`, computes
with :mod:`analytics` and returns the types of :mod:`schema.analytics_types`,
leaving out names and suppressing small counts (:mod:`analytics.suppression`)
unless the :class:`Audience` is identified. Who is identified is decided by
the access rules of :mod:`schema.analytics`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

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
from domain import vocabulary as v
from graph.aggregates import queries as g_agg
from schema.analytics_types import (
    AvailabilityOverride,
    BlackHole,
    Breakdowns,
    CollaborationPeriod,
    CoverageCell,
    CriticalOrganization,
    EvolutionPeriod,
    FunnelCounts,
    NetworkMeasures,
    OpenLoop,
    OrganizationMeasures,
    OutreachPlace,
    PartnershipLink,
    ProfilePeriod,
    ReasonCount,
    ReferralFlow,
    RepeatedDecline,
    ServiceGap,
)

__all__ = [
    "Audience",
    "breakdowns",
    "collaboration_periods",
    "evolution_period",
    "profile_periods",
]


@dataclass(frozen=True)
class Audience:
    """Who the figures are for: identified callers see names and every count."""

    identified: bool

    @property
    def threshold(self) -> int:
        """Counts from 1 to ``threshold - 1`` are suppressed; 0 suppresses none."""
        return 0 if self.identified else SMALL_CELL_THRESHOLD


def collaboration_periods(
    before: g_agg.PeriodSlice,
    slices: Sequence[g_agg.PeriodSlice],
    audience: Audience,
    *,
    evolved: Sequence[PeriodMetrics] | None = None,
    brokerage: bool = True,
) -> list[CollaborationPeriod]:
    """Each period's referral graph and measures; ``before`` is the period preceding the first.

    ``evolved`` is :func:`analytics.evolution.evolution` of ``before`` and the
    slices when already computed (for the same request's ``evolution``);
    ``brokerage=False`` leaves each organization's betweenness, constraint and
    effective size out (None), for a selection that does not ask for them.
    """
    aggregates = [before.aggregate, *(s.aggregate for s in slices)]
    metrics = (evolved if evolved is not None else evolution(aggregates))[1:]
    periods = []
    for prior, slice_, row in zip(aggregates, slices, metrics, strict=False):
        aggregate = slice_.aggregate
        community = {o: i for i, c in enumerate(row.network.communities) for o in c}
        org_rows = _organization_rows(aggregate, prior, slice_, audience, brokerage)
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
    audience: Audience,
    brokerage: bool,
) -> dict[str, dict[str, Any]]:
    """Organization metrics keyed by GraphQL field, suppressed for researchers."""
    metrics = organization_metrics(
        aggregate, prior, ack_hours=slice_.ack_hours, brokerage=brokerage
    )
    rows = organization_metrics_rows(aggregate, metrics, threshold=audience.threshold)
    return {
        row["org_id"]: {field: row[source] for field, source in _ORGANIZATION_FIELDS.items()}
        for row in rows
    }


def evolution_period(row: PeriodMetrics) -> EvolutionPeriod:
    """One period of :func:`analytics.evolution.evolution` as GraphQL."""
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


def breakdowns(
    aggregate: PeriodAggregate,
    cells: Sequence[g_agg.FunnelCell],
    coverage: g_agg.Coverage,
    places: Sequence[PlaceRow],
    overrides: Sequence[g_agg.OverrideRow],
    audience: Audience,
) -> Breakdowns:
    """Where referrals break down over the whole window, suppressed for the audience."""
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


def profile_periods(
    org: str,
    before: g_agg.PeriodSlice,
    slices: Sequence[g_agg.PeriodSlice],
    audience: Audience,
) -> list[ProfilePeriod]:
    """Organization ``org``'s measures in each period; ``before`` precedes the first."""
    periods = []
    prior = before.aggregate
    for slice_ in slices:
        aggregate = slice_.aggregate
        row = _organization_rows(aggregate, prior, slice_, audience, True).get(org)
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
    audience: Audience,
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
        overdue=row["overdue"], acknowledged_late=row["acknowledged_late"],
        median_hours_to_acknowledge=row["median_hours_to_ack"],
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

"""The de-identified analytics (researchers): pseudonyms and protected counts as GraphQL types.

Pure functions run in a worker thread, like :mod:`schema.analytics_mapping`
for identified callers. Every count comes from :mod:`analytics.research_view`
(the policy of :mod:`analytics.disclosure`), every organization id is the
research project's pseudonym, and nothing joinable to the directory is given:
no names, no declared partnerships, no service ids. Lists whose membership
would reveal a suppressed count (repeated declines, open loops, availability
overrides) are left empty; black holes and service gaps list only rows whose
deciding counts are published.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import strawberry

from analytics.breakdowns import black_holes, outreach_places
from analytics.disclosure import Pseudonyms
from analytics.evolution import PeriodMetrics, evolution
from analytics.export import edge_list_rows, organization_metrics_rows
from analytics.model import PeriodAggregate, PlaceRow
from analytics.organizations import organization_metrics
from analytics.research_view import (
    funnel_record,
    gap_declines,
    margin_records,
    place_kind_margins,
    protect_edge_rows,
    protect_funnel_rows,
    protect_organization_rows,
    protect_place_rows,
    unweighted_brokerage,
)
from analytics.vulnerability import critical_organizations
from domain import vocabulary as v
from graph.aggregates import queries as g_agg
from schema.analytics_types import (
    Breakdowns,
    CollaborationPeriod,
    CoverageCell,
    CriticalOrganization,
    FunnelCounts,
    NetworkMeasures,
    OrganizationMeasures,
    OutreachPlace,
    ReasonCount,
    ReferralFlow,
    ServiceGap,
)

__all__ = ["research_breakdowns", "research_collaboration_periods"]


def research_collaboration_periods(
    before: g_agg.PeriodSlice,
    slices: Sequence[g_agg.PeriodSlice],
    names: Pseudonyms,
    *,
    evolved: Sequence[PeriodMetrics] | None = None,
    brokerage: bool = True,
) -> list[CollaborationPeriod]:
    """Each period's graph for a research project: pseudonyms, protected counts.

    ``evolved`` and ``brokerage`` as in :func:`schema.analytics_mapping.collaboration_periods`:
    the request's evolution when already computed, and without ``brokerage`` (the selection
    asks for none of them) betweenness, constraint and effective size are None.
    """
    aggregates = [before.aggregate, *(s.aggregate for s in slices)]
    metrics = (evolved if evolved is not None else evolution(aggregates))[1:]
    periods = []
    for prior, slice_, row in zip(aggregates, slices, metrics, strict=False):
        aggregate = slice_.aggregate
        edges = protect_edge_rows(edge_list_rows([aggregate], threshold=0))
        raw = organization_metrics(
            aggregate, prior, ack_hours=slice_.ack_hours, brokerage=brokerage
        )
        orgs = {
            r["org_id"]: r
            for r in protect_organization_rows(
                organization_metrics_rows(aggregate, raw, threshold=0), edges
            )
        }
        for org, (constraint, size) in (
            unweighted_brokerage(aggregate) if brokerage else {}
        ).items():
            orgs[org]["constraint"], orgs[org]["effective_size"] = constraint, size
        strengths = [orgs[n.id]["in_strength"] for n in aggregate.nodes]
        community = {o: i for i, c in enumerate(row.network.communities) for o in c}
        nodes = [
            OrganizationMeasures(
                id=strawberry.ID(names(node.id)), name=None, kind=v.OrganizationKind(node.kind),
                territory_id=_id(node.territory_id), community=community.get(node.id),
                in_degree=orgs[node.id]["in_degree"], out_degree=orgs[node.id]["out_degree"],
                in_strength=orgs[node.id]["in_strength"],
                out_strength=orgs[node.id]["out_strength"],
                betweenness=orgs[node.id]["betweenness"], constraint=orgs[node.id]["constraint"],
                effective_size=orgs[node.id]["effective_size"],
                partners_gained=orgs[node.id]["partners_gained"],
                partners_lost=orgs[node.id]["partners_lost"],
                acknowledgement_rate=orgs[node.id]["acknowledgement_rate"],
                acceptance_rate=orgs[node.id]["acceptance_rate"],
                completion_rate=orgs[node.id]["completion_rate"],
                median_hours_to_acknowledge=orgs[node.id]["median_hours_to_ack"], overdue=None,
            )
            for node in sorted(aggregate.nodes, key=lambda n: names(n.id))
        ]  # fmt: skip
        net = row.network
        measures = NetworkMeasures(
            organizations=net.organizations, ties=net.ties, referrals=None,
            density=net.density, reciprocity=net.reciprocity, transitivity=net.transitivity,
            components=net.components, largest_component_share=net.largest_component_share,
            degree_centralization=net.degree_centralization,
            # published only when every in-strength is (then it is recomputable from them)
            referral_load_gini=net.referral_load_gini if None not in strengths else None,
            communities=len(net.communities),
            modularity=net.modularity,
        )  # fmt: skip
        flows = sorted((_flow(e, names) for e in edges), key=lambda f: (f.source, f.target))
        periods.append(
            CollaborationPeriod(
                start=aggregate.start,
                end=aggregate.end,
                metrics=measures,
                nodes=nodes,
                edges=flows,
                partnerships=[],
            )
        )
    return periods


def research_breakdowns(
    aggregate: PeriodAggregate,
    cells: Sequence[g_agg.FunnelCell],
    coverage: g_agg.Coverage,
    places: Sequence[PlaceRow],
    names: Pseudonyms,
) -> Breakdowns:
    """Breakdowns of one quarter for a research project (see the module docstring)."""
    edges = protect_edge_rows(edge_list_rows([aggregate], threshold=0))
    pairs = [
        {**{k: e[k] for k in e if k not in ("source", "target")}, "sender": e["source"],
         "receiver": e["target"]}
        for e in edges
    ]  # fmt: skip
    receivers = margin_records(pairs, "receiver")
    need_territory = protect_funnel_rows(
        funnel_record(r, ("need", "territory")) for r in g_agg.funnel_by_need_and_territory(cells)
    )
    by_need = margin_records(need_territory, "need")
    by_territory = protect_funnel_rows(
        funnel_record(r, ("territory",)) for r in g_agg.funnel_by_family_territory(cells)
    )
    territory = {node.id: node.territory_id for node in aggregate.nodes}
    published = {r["receiver"]: r for r in receivers}
    holes = []
    for hole in black_holes(aggregate):
        row = published.get(hole.org_id, {})
        if row.get("sent") is not None and row.get("acknowledged") is not None:
            holes.append((hole.org_id, row))
    providers = {(c.territory_id, c.need_code): len(c.provider_ids) for c in coverage.rows}
    gaps = []
    for record in need_territory:
        declines = gap_declines(record)
        if declines and record["sent"] is not None:
            gaps.append(
                ServiceGap(
                    need_code=record["need"], territory_id=_id(record["territory"]),
                    sent=record["sent"], gap_declines=declines,
                    declined_by_reason=_reasons(record), gap_share=declines / record["sent"],
                    providers=providers.get((record["territory"], record["need"]), 0),
                )
            )  # fmt: skip
    place_rows = protect_place_rows(
        {"place_id": p.place_id, "place_kind": p.place_kind, "referrals": p.referrals,
         "completed": p.completed}
        for p in outreach_places(places)
    )  # fmt: skip
    return Breakdowns(
        start=aggregate.start, end=aggregate.end, deidentified=True,
        funnel=_withheld_total(),
        by_receiver=[_counts(r, names, receiver=r["receiver"],
                             territory=territory.get(r["receiver"])) for r in receivers],
        by_pair=[_counts(r, names, sender=r["sender"], receiver=r["receiver"]) for r in pairs],
        by_need=[_counts(r, names, need=r["need"]) for r in by_need],
        by_territory=[_counts(r, names, territory=r["territory"]) for r in by_territory],
        by_need_and_territory=[_counts(r, names, need=r["need"], territory=r["territory"])
                               for r in need_territory],
        black_holes=[
            _black_hole(org, row, names) for org, row in holes
        ],
        repeated_declines=[], service_gaps=gaps,
        uncovered_needs=[CoverageCell(territory_id=strawberry.ID(t), need_code=n)
                         for t, n in coverage.uncovered],
        open_loops=[], overrides=[],
        critical_organizations=sorted(
            (CriticalOrganization(
                organization_id=strawberry.ID(names(c.org_id)), name=None,
                disconnects=c.disconnects,
                sole_provider_of=[CoverageCell(territory_id=strawberry.ID(t), need_code=n)
                                  for t, n in c.sole_provider_of])
             for c in critical_organizations(aggregate, coverage.rows)),
            key=lambda c: str(c.organization_id),
        ),
        outreach_places=[_place(r) for r in place_rows],
        outreach_by_place_kind=[_place(r) for r in place_kind_margins(place_rows)],
    )  # fmt: skip


def _black_hole(org: str, row: Mapping[str, Any], names: Pseudonyms) -> Any:
    from schema.analytics_types import BlackHole

    return BlackHole(
        organization_id=strawberry.ID(names(org)), name=None, sent=row["sent"],
        acknowledged=row["acknowledged"], acknowledgement_rate=row["acknowledgement_rate"],
    )  # fmt: skip


def _withheld_total() -> FunnelCounts:
    return FunnelCounts(
        sender_id=None, receiver_id=None, need_code=None, territory_id=None, sent=None,
        acknowledged=None, accepted=None, contacted=None, completed=None, declined=None,
        declined_by_reason=[], acknowledgement_rate=None, acceptance_rate=None,
        completion_rate=None,
    )  # fmt: skip


def _counts(
    r: Mapping[str, Any],
    names: Pseudonyms,
    *,
    sender: str | None = None,
    receiver: str | None = None,
    need: str | None = None,
    territory: str | None = None,
) -> FunnelCounts:
    return FunnelCounts(
        sender_id=_id(names.maybe(sender)), receiver_id=_id(names.maybe(receiver)),
        need_code=need, territory_id=_id(territory), sent=r["sent"],
        acknowledged=r["acknowledged"], accepted=r["accepted"], contacted=r["contacted"],
        completed=r["completed"], declined=r["declined"], declined_by_reason=_reasons(r),
        acknowledgement_rate=r.get("acknowledgement_rate"),
        acceptance_rate=r.get("acceptance_rate"), completion_rate=r.get("completion_rate"),
    )  # fmt: skip


def _flow(row: Mapping[str, Any], names: Pseudonyms) -> ReferralFlow:
    return ReferralFlow(
        source=strawberry.ID(names(row["source"])), target=strawberry.ID(names(row["target"])),
        sent=row["sent"], acknowledged=row["acknowledged"], accepted=row["accepted"],
        contacted=row["contacted"], completed=row["completed"], no_show=None,
        declined=row["declined"], declined_by_reason=_reasons(row),
        redirected=row["redirected"], expired=row["expired"], cancelled=None, overdue=None,
        acknowledged_late=None,  # withheld from researchers, like overdue
        median_hours_to_acknowledge=row["median_hours_to_ack"],
    )  # fmt: skip


def _reasons(record: Mapping[str, Any]) -> list[ReasonCount]:
    """Every reason of the row, zeros included (0 is published, null is suppressed)."""
    return [
        ReasonCount(reason=v.DeclineReason(r), label_fr=v.label(r, "fr"),
                    label_en=v.label(r, "en"), count=record[f"declined_{r}"])
        for r in sorted(k.removeprefix("declined_") for k in record if k.startswith("declined_"))
    ]  # fmt: skip


def _place(r: Mapping[str, Any]) -> OutreachPlace:
    return OutreachPlace(
        place_id=_id(r["place_id"]), place_kind=v.PlaceKind(r["place_kind"]),
        referrals=r["referrals"], completed=r["completed"], completion_rate=r["completion_rate"],
    )  # fmt: skip


def _id(value: str | None) -> strawberry.ID | None:
    return None if value is None else strawberry.ID(str(value))

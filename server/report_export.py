"""De-identified research exports: one graph per period, edge lists and metrics tables.

``maillage export research`` (see :mod:`server.analytics_cli`) writes, for a
window cut into periods:

- ``graphs/<period start>.graphml`` (or ``.gexf``, or node-link ``.json``):
  one referral graph per period, organizations as nodes (id, kind,
  territory), referral counts on the edges;
- ``edges``, ``nodes``, ``partnerships``, ``network_metrics``,
  ``organization_metrics`` and ``funnel_need_territory`` tables (CSV, or
  JSON with ``--format json``), each with a ``period`` column;
- ``README.md`` describing every file and column.

What leaves: organizations (opaque ids, kind, territory id), counts and
measures. What never leaves: family references, contact details, comments
or any free text, organization names, and dates finer than the period (a row
carries its period ``start/end``, never a referral's time). Referral counts
from 1 to 4 are suppressed (empty cell, or left off a graph edge), as is any
rate or median computed from one (:mod:`analytics.suppression`).
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import networkx as nx

from analytics.evolution import PeriodMetrics, evolution
from analytics.export import (
    edge_list_rows,
    network_metrics_rows,
    organization_metrics_rows,
    period_label,
    research_graph,
    write_csv,
    write_gexf,
    write_graphml,
)
from analytics.funnel import FUNNEL_RATE_SOURCES, funnel_table
from analytics.organizations import organization_metrics
from analytics.suppression import SMALL_CELL_THRESHOLD, suppress_small_cells
from graph import aggregates as g_agg
from graph.db import Database
from graph.networks import require_networks

__all__ = ["FORMATS", "ResearchData", "gather_research", "write_research_export"]

FORMATS = ("graphml", "gexf", "csv", "json")


@dataclass(frozen=True)
class ResearchData:
    """The periods of a window with what the export needs from the database."""

    network_ids: tuple[str, ...]
    window: g_agg.Window
    before: g_agg.PeriodSlice
    periods: tuple[g_agg.PeriodSlice, ...]
    cells: tuple[tuple[g_agg.FunnelCell, ...], ...]


async def gather_research(
    db: Database, network_ids: Sequence[str], window: g_agg.Window, *, now: datetime
) -> ResearchData:
    """Aggregates per period (and the period before, for tie dynamics)."""
    await require_networks(db, network_ids)
    ids = list(network_ids)
    before, periods = await g_agg.collaboration_with_previous(db, ids, window, now=now)
    cells = await g_agg.need_funnel(db, ids, window)
    return ResearchData(tuple(ids), window, before, periods, cells)


def write_research_export(data: ResearchData, out: Path, fmt: str) -> list[Path]:
    """Write the export in ``fmt`` (one of :data:`FORMATS`) into ``out``; return the files."""
    if fmt not in FORMATS:
        raise ValueError(f"unknown format {fmt!r}; use one of {', '.join(FORMATS)}")
    out.mkdir(parents=True, exist_ok=True)
    aggregates = [s.aggregate for s in data.periods]
    tables = _tables(data)
    written: list[Path] = []
    if fmt in ("graphml", "gexf", "json"):
        folder = out / "graphs"
        folder.mkdir(exist_ok=True)
        for aggregate in aggregates:
            path = folder / f"{aggregate.start.isoformat()}.{fmt}"
            if fmt == "graphml":
                write_graphml(aggregate, path)
            elif fmt == "gexf":
                write_gexf(aggregate, path)
            else:
                graph = nx.node_link_data(research_graph(aggregate), edges="edges")
                path.write_text(json.dumps(graph, indent=1, default=str), encoding="utf-8")
            written.append(path)
    for name, rows in tables.items():
        if fmt == "json":
            path = out / f"{name}.json"
            path.write_text(json.dumps(rows, indent=1, default=str), encoding="utf-8")
        else:
            path = out / f"{name}.csv"
            write_csv(rows, path)
        written.append(path)
    readme = out / "README.md"
    readme.write_text(_readme(data, fmt, tables), encoding="utf-8")
    written.append(readme)
    return written


def _tables(data: ResearchData) -> dict[str, list[dict[str, Any]]]:
    aggregates = [s.aggregate for s in data.periods]
    metrics: Sequence[PeriodMetrics] = evolution([data.before.aggregate, *aggregates])[1:]
    organizations: list[dict[str, Any]] = []
    prior = data.before.aggregate
    for slice_ in data.periods:
        rows = organization_metrics(slice_.aggregate, prior, ack_hours=slice_.ack_hours)
        organizations += organization_metrics_rows(slice_.aggregate, rows)
        prior = slice_.aggregate
    funnel: list[dict[str, Any]] = []
    for aggregate, cells in zip(aggregates, data.cells, strict=True):
        table = funnel_table(
            g_agg.funnel_by_need_and_territory(cells), ["need_code", "territory_id"]
        )
        funnel += [{"period": period_label(aggregate), **row} for row in table]
    return {
        "edges": edge_list_rows(aggregates),
        "nodes": [
            {"period": period_label(a), "id": n.id, "kind": n.kind, "territory_id": n.territory_id}
            for a in aggregates
            for n in a.nodes
        ],
        "partnerships": [
            {"period": period_label(a), "source": p.source, "target": p.target, "kind": p.kind}
            for a in aggregates
            for p in a.partnerships
        ],
        "network_metrics": network_metrics_rows(metrics),
        "organization_metrics": organizations,
        "funnel_need_territory": suppress_small_cells(funnel, derived=FUNNEL_RATE_SOURCES),
    }


#: Every column of every table, for the README. ``declined_<REASON>`` stands for
#: one column per decline reason present in the data.
COLUMNS: Mapping[str, Mapping[str, str]] = {
    "edges": {
        "period": "ISO 8601 interval `start/end` of the period (both days included).",
        "source": "Id of the organization that sent the referrals (opaque UUID).",
        "target": "Id of the organization that received them.",
        "sent": "Referrals sent in the period from source to target.",
        "acknowledged": "Of those, referrals ever acknowledged by the target.",
        "accepted": "… ever accepted.",
        "contacted": "… in which the family was ever contacted.",
        "completed": "… ever completed.",
        "no_show": "… that ended with the family not showing up.",
        "declined": "… declined, all reasons.",
        "declined_<REASON>": "… declined for that reason (NO_CAPACITY, NOT_ELIGIBLE, "
        "OUT_OF_TERRITORY, SERVICE_NOT_ADAPTED, FAMILY_UNREACHABLE, FAMILY_DECLINED, DUPLICATE, "
        "OTHER).",
        "redirected": "… redirected by the target to a third organization.",
        "expired": "… expired, never acknowledged.",
        "cancelled": "… cancelled by the sender.",
        "overdue": "… still waiting for acknowledgement past their deadline (72 h by default).",
        "median_hours_to_ack": "Median hours from sending to acknowledgement (acknowledged only); "
        "empty when `sent` or `acknowledged` is suppressed.",
    },
    "nodes": {
        "period": "The period (as in edges).",
        "id": "Organization id: a member of the network at some time in the period.",
        "kind": "Organization kind (COMMUNITY, HEALTH_SOCIAL_SERVICES, SCHOOL, CHILDCARE, "
        "FOOD_SECURITY, HOUSING, EMPLOYMENT, MUNICIPAL, OTHER).",
        "territory_id": "Id of the organization's own territory; empty when it has none.",
    },
    "partnerships": {
        "period": "The period.",
        "source": "Organization that declared the partnership.",
        "target": "Its partner.",
        "kind": "AGREEMENT, JOINT_ACTIVITY, SHARED_STAFF, CO_LOCATION or TABLE.",
    },
    "network_metrics": {
        "period": "The period.",
        "organizations": "Member organizations (nodes), isolated ones included.",
        "ties": "Ordered pairs with at least one referral.",
        "density": "ties / (n (n − 1)).",
        "reciprocity": "Share of ties whose reverse tie exists.",
        "transitivity": "Global clustering coefficient of the undirected ties.",
        "components": "Weakly connected components, isolated organizations included.",
        "largest_component_share": "Share of organizations in the largest component.",
        "degree_centralization": "Freeman degree centralization of the undirected ties.",
        "referral_load_gini": "Gini coefficient of referrals received across organizations.",
        "communities": "Number of Louvain communities (seed 0, weighted undirected ties).",
        "modularity": "Modularity of that partition.",
        "new_ties": "Ties absent in the previous period (the first row compares with the "
        "period just before the export's start).",
        "dissolved_ties": "Ties of the previous period absent now.",
        "persisting_ties": "Ties present in both.",
        "jaccard": "persisting / (new + dissolved + persisting); empty without any tie.",
        "community_nmi": "Normalized mutual information of consecutive Louvain partitions "
        "(empty when this period or the one before has no tie).",
    },
    "organization_metrics": {
        "period": "The period.",
        "org_id": "Organization id.",
        "in_degree": "Organizations it received referrals from.",
        "out_degree": "Organizations it sent referrals to.",
        "in_strength": "Referrals received.",
        "out_strength": "Referrals sent.",
        "betweenness": "Normalized betweenness on directed, unweighted ties.",
        "constraint": "Burt's constraint on weighted undirected ties; empty without ties.",
        "effective_size": "Burt's effective size; empty without ties.",
        "partners_gained": "Referral partners not seen in the previous period.",
        "partners_lost": "Referral partners of the previous period not seen now.",
        "acknowledgement_rate": "acknowledged / in_strength, as a receiver.",
        "acceptance_rate": "accepted / in_strength.",
        "completion_rate": "completed / accepted.",
        "median_hours_to_ack": "Median hours to acknowledge over all referrals it received.",
        "overdue": "Referrals it received still unacknowledged past their deadline.",
        "acknowledged": "Referrals it received and acknowledged.",
        "accepted": "Referrals it received and accepted.",
        "completed": "Referrals it received and completed.",
    },
    "funnel_need_territory": {
        "period": "The period.",
        "need_code": "Need of the referrals (a referral with two needs counts under both).",
        "territory_id": "The family's territory: that of the outreach place where the referral "
        "started, else the sending organization's; empty when unknown.",
        "sent": "Referrals sent.",
        "acknowledged": "… ever acknowledged.",
        "accepted": "… ever accepted.",
        "contacted": "… ever contacted.",
        "completed": "… ever completed.",
        "declined": "… declined, all reasons.",
        "declined_<REASON>": "… declined for that reason.",
        "acknowledgement_rate": "acknowledged / sent.",
        "acceptance_rate": "accepted / sent.",
        "completion_rate": "completed / accepted.",
    },
}


def _readme(data: ResearchData, fmt: str, tables: Mapping[str, list[dict[str, Any]]]) -> str:
    w = data.window
    period = w.period.value.lower() if w.period else "whole window"
    ext = "json" if fmt == "json" else "csv"
    lines = [
        "# Maillage research export",
        "",
        f"Networks: {', '.join(data.network_ids)}. Window: {w.start.isoformat()} to "
        f"{w.end.isoformat()} (both included), one {period} per period (calendar periods in UTC, "
        "the first and last clipped to the window).",
        "",
        "## De-identification",
        "",
        "- Organizations appear by opaque id, kind and territory id; no name.",
        "- No family reference, contact detail, comment or other free text.",
        "- No date finer than the period: every row carries its period `start/end`.",
        f"- Referral counts from 1 to {SMALL_CELL_THRESHOLD - 1} are suppressed (empty cell; left "
        "off the graph edge), and so is every rate or median computed from a suppressed count. "
        "Zero is published. Counts of organizations and ties are not suppressed.",
        "- Suppression is primary only: do not publish a total with all but one of its parts.",
        "",
        "## Counting rules",
        "",
        "A referral belongs to the period of its sending time, when both organizations were "
        "members of the network that day. It counts at every stage it ever reached, whatever "
        "its status at export time.",
        "",
        "## Files",
        "",
    ]
    if fmt != "csv":
        lines += [
            f"- `graphs/<period start>.{fmt}`: the period's referral graph. Nodes: `kind`, "
            "`territory_id`. Edges (source → target): the columns of `edges` below other than "
            "`period`, `source`, `target`, plus `weight` = `sent`; a suppressed count is absent.",
        ]
    for name in tables:
        lines.append(f"- `{name}.{ext}`")
    for name, rows in tables.items():
        lines += ["", f"## `{name}.{ext}`", "", "| column | meaning |", "|---|---|"]
        described = COLUMNS[name]
        present = list(dict.fromkeys(k for row in rows for k in row)) or [
            c for c in described if c != "declined_<REASON>"
        ]
        shown = [c for c in present if not c.startswith("declined_")]
        if any(c.startswith("declined_") for c in present) or "declined_<REASON>" in described:
            shown.insert(
                shown.index("declined") + 1 if "declined" in shown else len(shown),
                "declined_<REASON>",
            )
        for column in shown:
            lines.append(f"| `{column}` | {described.get(column, '')} |")
    return "\n".join(lines) + "\n"

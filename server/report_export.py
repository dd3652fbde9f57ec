"""De-identified research exports: one graph per period, edge lists and metrics tables.

``maillage export research`` (see :mod:`server.analytics_cli`) writes, for a
window cut into periods:

- ``graphs/<period start>.graphml`` (or ``.gexf``, or node-link ``.json``):
  one referral graph per period, organizations as nodes (id, kind,
  territory), referral counts on the edges; with ``gexf``, also
  ``graphs/window.gexf``, one dynamic GEXF 1.3 graph over the whole window;
- ``edges``, ``nodes``, ``network_metrics``, ``organization_metrics``,
  ``funnel_need_territory``, ``presence`` and ``event_log`` tables (CSV, or
  JSON with ``--format json``), each with a ``period`` column; the event log
  (:mod:`analytics.event_log`) holds the events of published counts only,
  in ordinal time;
- ``panel/`` files for stochastic actor-oriented models (:mod:`analytics.panel`);
- ``README.md`` describing every file and column, generated from
  :mod:`analytics.codebook`.

What leaves: organizations (research-project pseudonyms, kind, territory
id), counts and measures. What never leaves: directory ids, family
references, contact details, comments or any free text, organization names,
declared partnerships, and dates finer than the period (a row carries its
period ``start/end``, never a referral's time; the event log's time is a
rank). Counts are protected by the
policy of :mod:`analytics.disclosure`, with the same tables as the API's
(:mod:`analytics.research_view`): primary and complementary suppression
(``S`` in CSV, null in JSON, absent from a graph edge and named in its
``suppressed`` attribute), margins only from published parts, whole quarters.
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import networkx as nx

from analytics.codebook import COUNT_COLUMNS, EDGE_COUNTS, readme
from analytics.disclosure import (
    SUPPRESSED_MARK,
    WITHHELD_EDGE_FIELDS,
    Pseudonyms,
    check_research_window,
)
from analytics.event_log import EVENT_COLUMNS, EVENT_COUNTS, RawReferralEvent, event_log_rows
from analytics.evolution import PeriodMetrics, evolution
from analytics.export import (
    edge_list_rows,
    network_metrics_rows,
    organization_metrics_rows,
    period_label,
    write_csv,
)
from analytics.gexf import write_dynamic_gexf_13, write_gexf_13
from analytics.model import PeriodAggregate
from analytics.organizations import organization_metrics
from analytics.panel import Wave, actors, adjacency, composition, jaccard_series, tie_spells
from analytics.presence import referrals_from_rows, visits_from_rows
from analytics.presence_export import presence_hours_by_node, presence_rows
from analytics.research_view import (
    funnel_record,
    protect_edge_rows,
    protect_funnel_rows,
    protect_organization_rows,
    unweighted_brokerage,
)
from domain.errors import BadUserInput, NotFound
from graph.access.identity import user_by_email
from graph.access.research_projects import research_project_key
from graph.aggregates import queries as g_agg
from graph.aggregates.presence import PresenceData, network_presence
from graph.db import Database
from graph.directory.networks import require_networks

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
    key: bytes = b""
    project: str | None = None
    presence: PresenceData | None = None
    events: tuple[RawReferralEvent, ...] = ()


async def gather_research(
    db: Database,
    network_ids: Sequence[str],
    window: g_agg.Window,
    *,
    now: datetime,
    researcher: str | None = None,
    project_key: tuple[str, bytes] | None = None,
) -> ResearchData:
    """Aggregates per period (and the period before, for tie dynamics) and the pseudonym key.

    With ``researcher`` (an e-mail), the export uses that researcher's research
    project key, so its pseudonyms are the ones the API gives them; without,
    a fresh random key used once, so the export links to nothing else.
    ``project_key`` (a project id and key already read) stands for ``researcher``.
    """
    problem = check_research_window(
        window.start, window.end, window.period.value if window.period else None
    )
    if problem is not None:
        raise BadUserInput(problem.replace("period: QUARTER", "--period quarter"), field="period")
    await require_networks(db, network_ids)
    ids = list(network_ids)
    project: str | None = None
    if project_key is not None:
        project, key = project_key
    elif researcher is None:
        key = secrets.token_bytes(32)
    else:
        user = await user_by_email(db, researcher)
        if user is None:
            raise NotFound(f"No user with e-mail {researcher}.", field="researcher")
        project, key = await research_project_key(db, str(user["id"]))
    before, periods = await g_agg.collaboration_with_previous(db, ids, window, now=now)
    cells = await g_agg.need_funnel(db, ids, window)
    presence = await network_presence(db, ids, window.start, window.end)
    events = await g_agg.referral_events(db, ids, window, list(EVENT_COUNTS))
    return ResearchData(
        tuple(ids), window, before, periods, cells, key, project, presence, tuple(events)
    )


def write_research_export(data: ResearchData, out: Path, fmt: str) -> list[Path]:
    """Write the export in ``fmt`` (one of :data:`FORMATS`) into ``out``; return the files."""
    if fmt not in FORMATS:
        raise ValueError(f"unknown format {fmt!r}; use one of {', '.join(FORMATS)}")
    out.mkdir(parents=True, exist_ok=True)
    tables = _tables(data)
    written: list[Path] = []
    if fmt in ("graphml", "gexf", "json"):
        folder = out / "graphs"
        folder.mkdir(exist_ok=True)
        names = Pseudonyms(data.key)
        graphs = []
        for slice_ in data.periods:
            aggregate = slice_.aggregate
            label = period_label(aggregate)
            edges = [e for e in tables["edges"] if e["period"] == label]
            graph = research_graph(aggregate, edges, names)
            graphs.append(graph)
            path = folder / f"{aggregate.start.isoformat()}.{fmt}"
            if fmt == "graphml":
                nx.write_graphml(graph, path)
            elif fmt == "gexf":
                write_gexf_13(graph, path)
            else:
                linked = nx.node_link_data(graph, edges="edges")
                path.write_text(json.dumps(linked, indent=1, default=str), encoding="utf-8")
            written.append(path)
        if fmt == "gexf" and graphs:
            path = folder / "window.gexf"
            write_dynamic_gexf_13(graphs, path)
            written.append(path)
    written += _write_panel(tables, out / "panel")
    for name, rows in tables.items():
        if fmt == "json":
            path = out / f"{name}.json"
            path.write_text(json.dumps(rows, indent=1, default=str), encoding="utf-8")
        else:
            path = out / f"{name}.csv"
            if rows:
                write_csv(_marked(rows, COUNT_COLUMNS.get(name, ())), path)
            else:  # a header all the same: an empty log reads as empty, not as broken
                path.write_text(",".join(_EMPTY_HEADERS.get(name, ())) + "\n", encoding="utf-8")
        written.append(path)
    readme = out / "README.md"
    readme.write_text(_readme(data, fmt, tables), encoding="utf-8")
    written.append(readme)
    return written


def _write_panel(tables: Mapping[str, list[dict[str, Any]]], folder: Path) -> list[Path]:
    """Panel waves, composition change and tie spells (:mod:`analytics.panel`), as CSV."""
    folder.mkdir(exist_ok=True)
    periods = list(dict.fromkeys(n["period"] for n in tables["nodes"]))
    waves = [
        Wave(
            p,
            frozenset(n["id"] for n in tables["nodes"] if n["period"] == p),
            frozenset((e["source"], e["target"]) for e in tables["edges"] if e["period"] == p),
        )
        for p in periods
    ]
    ids = actors(waves)
    written = []
    similarity = jaccard_series(waves)
    path = folder / "waves.csv"
    rows = [
        {"wave": i, "period": w.period, "organizations": len(w.members), "ties": len(w.ties),
         "jaccard_with_previous": similarity[i - 1]}
        for i, w in enumerate(waves, start=1)
    ]  # fmt: skip
    write_csv(rows, path)
    written.append(path)
    for i, wave in enumerate(waves, start=1):
        path = folder / f"wave-{i}.csv"
        matrix = adjacency(wave, ids)
        cells = [
            {"id": a, **dict(zip(ids, row, strict=True))}
            for a, row in zip(ids, matrix, strict=True)
        ]
        write_csv(cells, path)
        written.append(path)
    path = folder / "composition.csv"
    write_csv(
        [{"id": a, "present": ";".join(f"{s}-{e}" for s, e in spans)}
         for a, spans in composition(waves)],
        path,
    )  # fmt: skip
    written.append(path)
    path = folder / "tie_spells.csv"
    spells = [{"source": u, "target": v, "first_wave": f, "last_wave": last}
              for u, v, f, last in tie_spells(waves)]  # fmt: skip
    if spells:
        write_csv(spells, path)
    else:
        path.write_text("source,target,first_wave,last_wave\n", encoding="utf-8")
    written.append(path)
    return written


_EMPTY_HEADERS: Mapping[str, Sequence[str]] = {"event_log": EVENT_COLUMNS}


def _marked(rows: Sequence[Mapping[str, Any]], counts: Sequence[str]) -> list[dict[str, Any]]:
    """Rows with a suppressed count written as ``S`` (an empty cell is "not applicable")."""
    marked = []
    for row in rows:
        out = dict(row)
        for column, value in row.items():
            if value is None and (column in counts or column.startswith("declined_")):
                out[column] = SUPPRESSED_MARK
        marked.append(out)
    return marked


def research_graph(
    aggregate: PeriodAggregate, edges: Sequence[Mapping[str, Any]], names: Pseudonyms
) -> nx.DiGraph:
    """A period's graph from protected edge rows: pseudonyms, published counts, zeros kept.

    A suppressed count is absent from the edge and named in its ``suppressed``
    attribute (``;``-separated, empty when none). There is no ``weight``:
    readers would take a missing one as 1.0 or NaN; use ``sent``.
    """
    graph = nx.DiGraph(
        period=period_label(aggregate),
        start=aggregate.start.isoformat(),
        end=aggregate.end.isoformat(),
    )
    for node in sorted(aggregate.nodes, key=lambda n: names(n.id)):
        graph.add_node(names(node.id), kind=node.kind, territory_id=node.territory_id or "")
    for row in edges:
        counts = {k: v for k, v in row.items() if k in EDGE_COUNTS or k.startswith("declined_")}
        attributes: dict[str, Any] = {k: v for k, v in counts.items() if v is not None}
        attributes["suppressed"] = ";".join(k for k, v in counts.items() if v is None)
        if row.get("median_hours_to_ack") is not None:
            attributes["median_hours_to_ack"] = row["median_hours_to_ack"]
        graph.add_edge(row["source"], row["target"], **attributes)
    return graph


def _tables(data: ResearchData) -> dict[str, list[dict[str, Any]]]:
    names = Pseudonyms(data.key)
    aggregates = [s.aggregate for s in data.periods]
    metrics: Sequence[PeriodMetrics] = evolution([data.before.aggregate, *aggregates])[1:]
    organizations: list[dict[str, Any]] = []
    edges: list[dict[str, Any]] = []
    protected_edges: list[dict[str, Any]] = []  # directory ids, for the event log
    hidden_gini: set[str] = set()
    prior = data.before.aggregate
    for slice_ in data.periods:
        aggregate = slice_.aggregate
        period_edges = protect_edge_rows(edge_list_rows([aggregate], threshold=0))
        protected_edges += period_edges
        raw = organization_metrics(aggregate, prior, ack_hours=slice_.ack_hours)
        rows = protect_organization_rows(
            organization_metrics_rows(aggregate, raw, threshold=0), period_edges
        )
        brokerage = unweighted_brokerage(aggregate)
        for row in rows:
            row["constraint"], row["effective_size"] = brokerage[row["org_id"]]
        if any(r["in_strength"] is None for r in rows):
            hidden_gini.add(period_label(aggregate))
        organizations += [
            {k: (names(v) if k == "org_id" else v) for k, v in r.items() if k != "overdue"}
            for r in rows
        ]
        edges += [
            {k: (names(v) if k in ("source", "target") else v) for k, v in e.items()
             if k not in WITHHELD_EDGE_FIELDS}
            for e in period_edges
        ]  # fmt: skip
        prior = aggregate
    funnel: list[dict[str, Any]] = []
    for aggregate, cells in zip(aggregates, data.cells, strict=True):
        records = protect_funnel_rows(
            funnel_record(r, ("need_code", "territory_id"))
            for r in g_agg.funnel_by_need_and_territory(cells)
        )
        funnel += [{"period": period_label(aggregate), **row} for row in records]
    spans = [(period_label(a), a.start, a.end) for a in aggregates]
    visits = visits_from_rows(data.presence.visits if data.presence else [])
    outreach = referrals_from_rows(data.presence.referrals if data.presence else [])
    hours = presence_hours_by_node(spans, visits)
    return {
        "edges": edges,
        "nodes": [
            {
                "period": period_label(a),
                "id": names(n.id),
                "kind": n.kind,
                "territory_id": n.territory_id,
                "presence_hours": hours.get((period_label(a), n.id), 0.0),
            }
            for a in aggregates
            for n in sorted(a.nodes, key=lambda n: names(n.id))
        ],
        "network_metrics": [
            {**r, "referral_load_gini": None} if r["period"] in hidden_gini else r
            for r in network_metrics_rows(metrics)
        ],
        "organization_metrics": organizations,
        "funnel_need_territory": funnel,
        # Organizations under the same research-project pseudonyms as every other table.
        "presence": [
            {**row, "org_id": names(row["org_id"])}
            for row in presence_rows(spans, visits, outreach)
        ],
        "event_log": event_log_rows(data.events, protected_edges, names),
    }


def _readme(data: ResearchData, fmt: str, tables: Mapping[str, list[dict[str, Any]]]) -> str:
    """The README of :mod:`analytics.codebook` for this export's networks and window."""
    w = data.window
    period = w.period.value.lower() if w.period else "whole window"
    intro = [
        f"Networks: {', '.join(data.network_ids)}. Window: {w.start.isoformat()} to "
        f"{w.end.isoformat()} (both included), one {period} per period (calendar periods in UTC, "
        "the first and last clipped to the window).",
    ]
    return readme(intro, fmt, list(tables))

"""De-identified research exports: one graph per period, edge lists and metrics tables.

``maillage export research`` (see :mod:`server.analytics_cli`) writes, for a
window cut into periods:

- ``graphs/<period start>.graphml`` (or ``.gexf``, or node-link ``.json``):
  one referral graph per period, organizations as nodes (id, kind,
  territory), referral counts on the edges; with ``gexf``, also
  ``graphs/window.gexf``, one dynamic GEXF 1.3 graph over the whole window;
- ``edges``, ``nodes``, ``network_metrics``,
  ``organization_metrics`` and ``funnel_need_territory`` tables (CSV, or
  JSON with ``--format json``), each with a ``period`` column;
- ``README.md`` describing every file and column.

What leaves: organizations (research-project pseudonyms, kind, territory
id), counts and measures. What never leaves: directory ids, family
references, contact details, comments or any free text, organization names,
declared partnerships, and dates finer than the period (a row carries its
period ``start/end``, never a referral's time). Counts are protected by the
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
from analytics.presence_export import PRESENCE_COLUMNS, presence_hours_by_node, presence_rows
from analytics.research_view import (
    FUNNEL_COUNTS,
    funnel_record,
    protect_edge_rows,
    protect_funnel_rows,
    protect_organization_rows,
    unweighted_brokerage,
)
from analytics.suppression import SMALL_CELL_THRESHOLD
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
) -> ResearchData:
    """Aggregates per period (and the period before, for tie dynamics) and the pseudonym key.

    With ``researcher`` (an e-mail), the export uses that researcher's research
    project key, so its pseudonyms are the ones the API gives them; without,
    a fresh random key used once, so the export links to nothing else.
    """
    problem = check_research_window(
        window.start, window.end, window.period.value if window.period else None
    )
    if problem is not None:
        raise BadUserInput(problem.replace("period: QUARTER", "--period quarter"), field="period")
    await require_networks(db, network_ids)
    ids = list(network_ids)
    project: str | None = None
    if researcher is None:
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
                write_csv(_marked(rows, _COUNT_COLUMNS.get(name, ())), path)
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
_EDGE_COUNTS = ("sent", "acknowledged", "accepted", "contacted", "completed", "declined",
                "redirected", "expired")  # fmt: skip
_COUNT_COLUMNS: Mapping[str, tuple[str, ...]] = {
    "edges": _EDGE_COUNTS,
    "organization_metrics": ("in_strength", "out_strength", "acknowledged", "accepted",
                             "completed"),
    "funnel_need_territory": FUNNEL_COUNTS,
    "presence": ("contacts", "first_contacts", "referrals"),
}  # fmt: skip


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
        counts = {k: v for k, v in row.items() if k in _EDGE_COUNTS or k.startswith("declined_")}
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


#: Every column of every table, for the README. ``declined_<REASON>`` stands for
#: one column per decline reason present in the data.
COLUMNS: Mapping[str, Mapping[str, str]] = {
    "edges": {
        "period": "ISO 8601 interval `start/end` of the period (both days included).",
        "source": "Pseudonym of the organization that sent the referrals (`o-` + 16 hex "
        "digits, keyed by the research project; never the directory id).",
        "target": "Pseudonym of the organization that received them.",
        "sent": "Referrals sent in the period from source to target.",
        "acknowledged": "Of those, referrals ever acknowledged by the target.",
        "accepted": "… ever accepted.",
        "contacted": "… in which the family was ever contacted.",
        "completed": "… ever completed.",
        "declined": "… declined, all reasons.",
        "declined_<REASON>": "… declined for that reason (NO_CAPACITY, NOT_ELIGIBLE, "
        "OUT_OF_TERRITORY, SERVICE_NOT_ADAPTED, FAMILY_UNREACHABLE, FAMILY_DECLINED, DUPLICATE, "
        "OTHER).",
        "redirected": "… redirected by the target to a third organization.",
        "expired": "… expired, never acknowledged.",
        "median_hours_to_ack": "Median hours from sending to acknowledgement (acknowledged only); "
        "empty when `acknowledged` is suppressed.",
    },
    "nodes": {
        "period": "The period (as in edges).",
        "id": "Organization pseudonym: a member of the network at some time in the period.",
        "kind": "Organization kind (COMMUNITY, HEALTH_SOCIAL_SERVICES, SCHOOL, CHILDCARE, "
        "FOOD_SECURITY, HOUSING, EMPLOYMENT, MUNICIPAL, OTHER).",
        "territory_id": "Id of the organization's own territory; empty when it has none.",
        "presence_hours": "Hours of outreach presence its workers logged in the period.",
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
        "referral_load_gini": "Gini coefficient of referrals received across organizations; "
        "empty when any organization's in_strength is suppressed (it could be solved for it).",
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
        "org_id": "Organization pseudonym.",
        "in_degree": "Organizations it received referrals from.",
        "out_degree": "Organizations it sent referrals to.",
        "in_strength": "Referrals received: the sum of its incoming edges' `sent`, published "
        "only when every one of them is.",
        "out_strength": "Referrals sent (likewise over its outgoing edges).",
        "betweenness": "Normalized betweenness on directed, unweighted ties.",
        "constraint": "Burt's constraint on the undirected ties, each referral tie weighing 1 "
        "(a pair tied both ways weighs 2); empty without ties.",
        "effective_size": "Burt's effective size, same weights; empty without ties.",
        "partners_gained": "Referral partners not seen in the previous period.",
        "partners_lost": "Referral partners of the previous period not seen now.",
        "acknowledgement_rate": "acknowledged / in_strength, as a receiver.",
        "acceptance_rate": "accepted / in_strength.",
        "completion_rate": "completed / accepted.",
        "median_hours_to_ack": "Median hours to acknowledge over all referrals it received.",
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
    "presence": PRESENCE_COLUMNS,
    "event_log": {
        "period": "The referral's sending period: the period of the `edges` row the event "
        "counts in (the event itself may have happened later).",
        "time": "Ordinal time: the event's rank (1, 2, …, no gaps) among the published events "
        "of the whole log, in the order they happened. No date: the export's time grid is the "
        "period.",
        "sender": "Pseudonym of the organization that sent the referral.",
        "receiver": "Pseudonym of the organization it was sent to.",
        "event_type": "SENT, ACKNOWLEDGED, ACCEPTED, DECLINED, REDIRECTED, CONTACTED, "
        "COMPLETED or EXPIRED: the first such event of the referral. Written only when the "
        "pair's count of that name (`edges`) is published in that period, so there are exactly "
        "as many rows as the count says, and none for a suppressed count.",
        "decline_reason": "The reason of a DECLINED event (as `declined_<REASON>`); empty for "
        "other events.",
    },
}


_REPRODUCIBLE = {
    "network_metrics": ("organizations", "ties", "density", "reciprocity", "transitivity",
                        "components", "largest_component_share", "degree_centralization"),
    "organization_metrics": ("in_degree", "out_degree", "betweenness", "acknowledgement_rate",
                             "acceptance_rate", "completion_rate", "constraint",
                             "effective_size"),
}  # fmt: skip
_PRECOMPUTED = {
    "network_metrics": ("communities", "modularity", "community_nmi"),
    "organization_metrics": ("median_hours_to_ack",),
    "edges": ("median_hours_to_ack",),
}
_FIGURE_KIND: dict[tuple[str, str], str] = {
    **{(t, c): "reproducible" for t, cs in _REPRODUCIBLE.items() for c in cs},
    **{(t, c): "precomputed" for t, cs in _PRECOMPUTED.items() for c in cs},
    ("network_metrics", "referral_load_gini"): "reproducible (from in_strength, when published)",
    **{("network_metrics", c): "reproducible (precomputed in the first period)"
       for c in ("new_ties", "dissolved_ties", "persisting_ties", "jaccard")},
    **{("organization_metrics", c): "reproducible (precomputed in the first period)"
       for c in ("partners_gained", "partners_lost")},
}  # fmt: skip


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
        "## Disclosure control",
        "",
        "The policy of `analytics/disclosure.py`, the same as the researcher API's:",
        "",
        "- Organizations appear by a pseudonym of this research project (`o-` + 16 hex digits "
        "of HMAC-SHA256 with the project's secret key), never by directory id; the key is not "
        "in the export. Kind and territory id only; no name, no declared partnership.",
        "- No family reference, contact detail, comment or other free text.",
        "- No date finer than the period (whole calendar quarters): every row carries its "
        "period `start/end`.",
        f"- **Suppressed** counts are written `{SUPPRESSED_MARK}` in CSV, `null` in JSON, and "
        "are absent from a graph edge and named in its `suppressed` attribute. **Zero** is "
        "written 0 everywhere. An empty CSV cell means *not applicable* (no denominator, no "
        "territory, first period).",
        f"- Primary rule: a count from 1 to {SMALL_CELL_THRESHOLD - 1} is suppressed.",
        "- Complementary rule: the counts of a row are nested sets (sent ⊃ acknowledged ⊃ "
        "accepted ⊃ contacted ⊃ completed; acknowledged ⊃ declined ⊃ each reason; acknowledged "
        "⊃ redirected; sent ⊃ expired); every difference you can compute (a set minus its "
        f"published subsets) is 0 or at least {SMALL_CELL_THRESHOLD}, because the smallest "
        "published subset is suppressed too until it is. No-show, cancelled and overdue counts, "
        "which overlap those sets, are left out.",
        "- Margins: an organization's `in_strength`, `out_strength`, `acknowledged`, `accepted` "
        "and `completed` are published only when every edge they sum is; network totals are "
        "not published. So no suppressed cell comes back by subtraction.",
        "- Rates are published only when both their counts are.",
        "",
        "## Reproducibility",
        "",
        "Each figure is marked in the tables below: **count** (a published count), "
        "**reproducible** (recomputed exactly from `nodes` and `edges` by the script below) or "
        "**precomputed** (computed on the full, unsuppressed data, published as is: weighted "
        "measures and the first period's change, which compares with the period before the "
        "export).",
        "",
        "```python",
        "import csv, networkx as nx",
        "def table(name):",
        "    with open(f'{name}.csv', encoding='utf-8') as f:",
        "        return list(csv.DictReader(f))",
        "nodes, edges = table('nodes'), table('edges')",
        "for period in sorted({n['period'] for n in nodes}):",
        "    g = nx.DiGraph()",
        "    g.add_nodes_from(n['id'] for n in nodes if n['period'] == period)",
        "    g.add_edges_from((e['source'], e['target']) for e in edges if e['period'] == period)",
        "    u = g.to_undirected()",
        "    n, degrees = len(u), [d for _, d in u.degree()]",
        "    top = max(degrees, default=0)",
        "    central = sum(top - d for d in degrees) / ((n - 1) * (n - 2)) if n > 2 else 0",
        "    print(period, g.number_of_edges(), nx.density(g), nx.overall_reciprocity(g)",
        "          if g.number_of_edges() else 0.0, nx.transitivity(u),",
        "          nx.number_weakly_connected_components(g), central,",
        "          nx.betweenness_centrality(g, normalized=True))",
        "```",
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
            f"- `graphs/<period start>.{fmt}`: the period's referral graph; graph attributes "
            "`period`, `start`, `end`. Nodes (pseudonyms): `kind`, `territory_id`. Edges "
            "(source → target): the counts of `edges` below, a suppressed one absent and named in "
            "`suppressed`; no `weight` (use `sent`). GEXF files are GEXF 1.3 (valid against the "
            "official RelaxNG grammar, namespace `http://gexf.net/1.3`; the period is on "
            "`<graph start end>` and in `<meta>`), GraphML files carry the period as graph "
            "data.",
        ]
    if fmt == "gexf":
        lines += [
            "- `graphs/window.gexf`: every period in one dynamic GEXF 1.3 graph "
            '(`mode="dynamic"`, `timeformat="date"`, the window on `<graph start end>`, the '
            "periods listed in `<meta><description>`): each organization's membership and "
            "each tie as `<spells>` (runs of consecutive periods), each edge count as an "
            "`<attvalue>` with its period's `start` and `end` (a suppressed count has no "
            "value in that period). Gephi reads the dated values; NetworkX's `read_gexf` "
            "reads the spells but keeps one value per edge attribute (the last period's).",
        ]
    lines += [
        "- `panel/waves.csv`: one row per wave (period): `wave` (1, 2, …), `period`, "
        "`organizations`, `ties`, `jaccard_with_previous` (ties in both waves / ties in either; "
        "empty for the first wave or when neither has a tie). Reproducible.",
        "- `panel/wave-<n>.csv`: wave n's adjacency matrix over every organization of any wave "
        "(first column `id`, then one column per organization in the same order): 1 when the "
        "row organization referred to the column one in that wave, else 0. Reproducible; the "
        "input of RSiena's `sienaDependent`.",
        "- `panel/composition.csv`: `id`, `present` = the waves it was a member in, as runs "
        "`first-last` separated by `;` (RSiena's `sienaCompositionChange`: in other waves its "
        "row and column are 0 and must be treated as structurally absent).",
        "- `panel/tie_spells.csv`: `source`, `target`, `first_wave`, `last_wave`: each run of "
        "consecutive waves with a tie (spells for `networkDynamic` / temporal ERGMs).",
    ]
    for name in tables:
        lines.append(f"- `{name}.{ext}`")
    for name, rows in tables.items():
        lines += ["", f"## `{name}.{ext}`", "", "| column | figure | meaning |", "|---|---|---|"]
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
            kind = _FIGURE_KIND.get(
                (name, column),
                "count"
                if name in _COUNT_COLUMNS
                and (column in _COUNT_COLUMNS[name] or column == "declined_<REASON>")
                else "",
            )
            lines.append(f"| `{column}` | {kind} | {described.get(column, '')} |")
    return "\n".join(lines) + "\n"

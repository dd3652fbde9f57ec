"""The research export's codebook: every file and column, the disclosure rule, figure kinds.

One place says what the export of :mod:`server.report_export` holds, so the
README it writes, the tests and this text cannot drift apart:

- :data:`TABLE_COLUMNS`: every column of every table (``edges``, ``nodes``,
  the metrics, the funnel, presence, the event log), with its meaning;
- :data:`PANEL_COLUMNS`: the same for the panel files (``panel/*.csv``);
- :data:`COUNT_COLUMNS`: the counts of each table (suppressed ones are
  written ``S``), and :func:`figure_kind`: whether a figure is a published
  **count**, **reproducible** from ``nodes`` and ``edges`` alone, or
  **precomputed** on the full, unsuppressed data;
- :func:`disclosure_rules`: the suppression rule of
  :mod:`analytics.disclosure` in the researchers' words;
- :func:`readme`: the export's ``README.md``, built from all of the above.

``declined_<REASON>`` stands for one column per decline reason present in
the data, ``<organization>`` for one column per organization pseudonym
(``o-`` and 16 hex digits).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence

from analytics.disclosure import SUPPRESSED_MARK
from analytics.presence_export import PRESENCE_COLUMNS
from analytics.research_view import FUNNEL_COUNTS
from analytics.suppression import SMALL_CELL_THRESHOLD

__all__ = [
    "COUNT_COLUMNS",
    "EDGE_COUNTS",
    "PANEL_COLUMNS",
    "TABLE_COLUMNS",
    "column_matches",
    "csv_columns",
    "disclosure_rules",
    "figure_kind",
    "readme",
]

#: Placeholder of the ``declined_<REASON>`` columns.
REASONS = "declined_<REASON>"
#: Placeholder of the one-column-per-organization columns of ``panel/wave-<n>.csv``.
ORGANIZATION = "<organization>"
_PSEUDONYM = re.compile(r"^o-[0-9a-f]{16}$")

EDGE_COUNTS = ("sent", "acknowledged", "accepted", "contacted", "completed", "declined",
                "redirected", "expired")  # fmt: skip
COUNT_COLUMNS: Mapping[str, tuple[str, ...]] = {
    "edges": EDGE_COUNTS,
    "organization_metrics": ("in_strength", "out_strength", "acknowledged", "accepted",
                             "completed"),
    "funnel_need_territory": FUNNEL_COUNTS,
    "presence": ("contacts", "first_contacts", "referrals"),
}  # fmt: skip

#: Every column of every table (``<name>.csv`` or ``.json``). ``declined_<REASON>`` stands
#: for one column per decline reason present in the data.
TABLE_COLUMNS: Mapping[str, Mapping[str, str]] = {
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


#: Every column of every panel file (:mod:`analytics.panel`), by file name.
PANEL_COLUMNS: Mapping[str, Mapping[str, str]] = {
    "panel/waves.csv": {
        "wave": "Wave number: 1, 2, … in period order.",
        "period": "The wave's period (as in edges).",
        "organizations": "Member organizations in the wave.",
        "ties": "Ordered pairs with at least one referral in the wave.",
        "jaccard_with_previous": "Ties in both this wave and the previous one / ties in "
        "either; empty for the first wave or when neither has a tie.",
    },
    "panel/wave-<n>.csv": {
        "id": "The row organization's pseudonym; the rows are every organization of any "
        "wave, in the order of the columns.",
        ORGANIZATION: "One column per organization, in the same order: 1 when the row "
        "organization referred to the column one in wave n, else 0 (RSiena's "
        "`sienaDependent` input).",
    },
    "panel/composition.csv": {
        "id": "Organization pseudonym.",
        "present": "The waves it was a member in, as runs `first-last` separated by `;` "
        "(RSiena's `sienaCompositionChange`: in other waves its row and column are 0 and "
        "must be treated as structurally absent).",
    },
    "panel/tie_spells.csv": {
        "source": "Pseudonym of the sending organization.",
        "target": "Pseudonym of the receiving organization.",
        "first_wave": "First wave of a run of consecutive waves with the tie.",
        "last_wave": "Last wave of that run (spells for `networkDynamic` / temporal ERGMs).",
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


def figure_kind(table: str, column: str) -> str:
    """Count, reproducible or precomputed: how a researcher can trust a figure ("" when none).

    Examples
    --------
    >>> figure_kind("edges", "sent"), figure_kind("network_metrics", "modularity")
    ('count', 'precomputed')
    >>> figure_kind("panel/waves.csv", "ties"), figure_kind("nodes", "kind")
    ('reproducible', '')
    """
    if table in PANEL_COLUMNS:
        return "" if column in ("id", "period", "wave", "source", "target") else "reproducible"
    if (table, column) in _FIGURE_KIND:
        return _FIGURE_KIND[table, column]
    counts = COUNT_COLUMNS.get(table, ())
    if column in counts or (column == REASONS and "declined" in counts):
        return "count"
    return ""


def column_matches(documented: str, column: str) -> bool:
    """Whether a written column is the documented one (placeholders included).

    Examples
    --------
    >>> column_matches(REASONS, "declined_NO_CAPACITY"), column_matches(REASONS, "declined")
    (True, False)
    >>> column_matches(ORGANIZATION, "o-0123456789abcdef")
    True
    """
    if documented == REASONS:
        return column.startswith("declined_")
    if documented == ORGANIZATION:
        return bool(_PSEUDONYM.match(column))
    return documented == column


def csv_columns(path: str) -> Mapping[str, str]:
    """The documented columns of an exported CSV file, by its path in the export.

    Raises
    ------
    KeyError
        For a file the codebook does not describe.

    Examples
    --------
    >>> list(csv_columns("panel/wave-3.csv")), "sender" in csv_columns("event_log.csv")
    (['id', '<organization>'], True)
    """
    if re.fullmatch(r"panel/wave-\d+\.csv", path):
        return PANEL_COLUMNS["panel/wave-<n>.csv"]
    if path in PANEL_COLUMNS:
        return PANEL_COLUMNS[path]
    return TABLE_COLUMNS[path.removesuffix(".csv")]


def disclosure_rules(threshold: int = SMALL_CELL_THRESHOLD) -> list[str]:
    """The policy of :mod:`analytics.disclosure`, one Markdown bullet per rule."""
    return [
        "- Organizations appear by a pseudonym of this research project (`o-` + 16 hex digits "
        "of HMAC-SHA256 with the project's secret key), never by directory id; the key is not "
        "in the export. Kind and territory id only; no name, no declared partnership.",
        "- No family reference, contact detail, comment or other free text.",
        "- No date finer than the period (whole calendar quarters): every row carries its "
        "period `start/end`; the event log's `time` is a rank, not a date.",
        f"- **Suppressed** counts are written `{SUPPRESSED_MARK}` in CSV, `null` in JSON, and "
        "are absent from a graph edge and named in its `suppressed` attribute. **Zero** is "
        "written 0 everywhere. An empty CSV cell means *not applicable* (no denominator, no "
        "territory, first period, no decline of that reason in the period).",
        f"- Primary rule: a count from 1 to {threshold - 1} is suppressed.",
        "- Complementary rule: the counts of a row are nested sets (sent ⊃ acknowledged ⊃ "
        "accepted ⊃ contacted ⊃ completed; acknowledged ⊃ declined ⊃ each reason; acknowledged "
        "⊃ redirected; sent ⊃ expired); every difference you can compute (a set minus its "
        f"published subsets) is 0 or at least {threshold}, because the smallest "
        "published subset is suppressed too until it is. No-show, cancelled and overdue counts, "
        "which overlap those sets, are left out.",
        "- Margins: an organization's `in_strength`, `out_strength`, `acknowledged`, `accepted` "
        "and `completed` are published only when every edge they sum is; network totals are "
        "not published. So no suppressed cell comes back by subtraction.",
        "- Rates are published only when both their counts are.",
        "- The event log holds the events of published counts only: as many rows of a type "
        "for a pair and period as the `edges` count of that name, none for a suppressed count, "
        "and ranks without gaps, so it reveals no suppressed count. It does show the order of "
        "events, finer than the published medians of delays (a residual risk).",
    ]


_SCRIPT = [
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
]

_PANEL_SUMMARY = {
    "panel/waves.csv": "one row per wave (period).",
    "panel/wave-<n>.csv": "wave n's adjacency matrix over every organization of any wave.",
    "panel/composition.csv": "each organization's membership waves.",
    "panel/tie_spells.csv": "each run of consecutive waves with a tie.",
}


def _graph_files(fmt: str) -> list[str]:
    if fmt == "csv":
        return []
    lines = [
        f"- `graphs/<period start>.{fmt}`: the period's referral graph; graph attributes "
        "`period`, `start`, `end`. Nodes (pseudonyms): `kind`, `territory_id`. Edges "
        "(source → target): the counts of `edges` below, a suppressed one absent and named in "
        "`suppressed`; no `weight` (use `sent`). GEXF files are GEXF 1.3 (valid against the "
        "official RelaxNG grammar, namespace `http://gexf.net/1.3`; the period is on "
        "`<graph start end>` and in `<meta>`), GraphML files carry the period as graph data.",
    ]
    if fmt == "gexf":
        lines.append(
            "- `graphs/window.gexf`: every period in one dynamic GEXF 1.3 graph "
            '(`mode="dynamic"`, `timeformat="date"`, the window on `<graph start end>`, the '
            "periods listed in `<meta><description>`): each organization's membership and "
            "each tie as `<spells>` (runs of consecutive periods), each edge count as an "
            "`<attvalue>` with its period's `start` and `end` (a suppressed count has no "
            "value in that period). Gephi reads the dated values; NetworkX's `read_gexf` "
            "reads the spells but keeps one value per edge attribute (the last period's)."
        )
    return lines


def _section(title: str, table: str, columns: Mapping[str, str]) -> list[str]:
    lines = ["", f"## `{title}`", "", "| column | figure | meaning |", "|---|---|---|"]
    lines += [f"| `{c}` | {figure_kind(table, c)} | {meaning} |" for c, meaning in columns.items()]
    return lines


def readme(intro: Sequence[str], fmt: str, tables: Sequence[str]) -> str:
    """The export's ``README.md``: ``intro`` lines, then the codebook for format ``fmt``.

    Parameters
    ----------
    intro : sequence of str
        Lines that describe this export (networks, window), after the title.
    fmt : str
        ``graphml``, ``gexf``, ``csv`` or ``json`` (tables are ``.json`` in the last).
    tables : sequence of str
        The tables written (keys of :data:`TABLE_COLUMNS`), in order.
    """
    ext = "json" if fmt == "json" else "csv"
    lines = ["# Maillage research export", "", *intro, "", "## Disclosure control", "",
             "The policy of `analytics/disclosure.py`, the same as the researcher API's:", "",
             *disclosure_rules(), "", "## Reproducibility", "",
             "Each figure is marked in the tables below: **count** (a published count), "
             "**reproducible** (recomputed exactly from `nodes` and `edges` by the script below) "
             "or **precomputed** (computed on the full, unsuppressed data, published as is: "
             "weighted measures and the first period's change, which compares with the period "
             "before the export).", "", *_SCRIPT, "", "## Counting rules", "",
             "A referral belongs to the period of its sending time, when both organizations were "
             "members of the network that day. It counts at every stage it ever reached, "
             "whatever its status at export time.", "", "## Files", "",
             *_graph_files(fmt)]  # fmt: skip
    lines += [f"- `{path}`: {summary}" for path, summary in _PANEL_SUMMARY.items()]
    lines += [f"- `{name}.{ext}`" for name in tables]
    for path, columns in PANEL_COLUMNS.items():
        lines += _section(path, path, columns)
    for name in tables:
        lines += _section(f"{name}.{ext}", name, TABLE_COLUMNS[name])
    return "\n".join(lines) + "\n"

"""De-identified research exports: GraphML, GEXF, CSV tables.

What leaves here describes organizations, never families: organization id,
kind and territory (names only on request), referral counts per pair and
network figures. Referral counts under the small-cell threshold are
suppressed (:mod:`analytics.suppression`) unless ``threshold`` is 0; in the
graph files a suppressed attribute is simply absent from the edge, since
GraphML and GEXF have no null. Every table row carries a ``period`` column,
``start/end`` in ISO 8601, so figures can be recomputed from the edge list.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Mapping, Sequence
from os import PathLike
from typing import Any

import networkx as nx

from analytics.evolution import PeriodMetrics
from analytics.funnel import funnel_by_receiver
from analytics.model import PeriodAggregate
from analytics.organizations import OrganizationMetrics
from analytics.suppression import SMALL_CELL_THRESHOLD, suppress_small_cells

__all__ = [
    "edge_list_rows",
    "network_metrics_rows",
    "organization_metrics_rows",
    "period_label",
    "research_graph",
    "write_csv",
    "write_gexf",
    "write_graphml",
]

_TIE_COUNTS = ("sent", "acknowledged", "accepted", "contacted", "completed", "no_show")
_TIE_OUTCOMES = ("redirected", "expired", "cancelled", "overdue", "acknowledged_late")
_ORGANIZATION_RATES = {
    "acknowledgement_rate": ("acknowledged", "in_strength"),
    "acceptance_rate": ("accepted", "in_strength"),
    "completion_rate": ("completed", "accepted"),
    "median_hours_to_ack": ("acknowledged",),
}


def period_label(aggregate: PeriodAggregate | PeriodMetrics) -> str:
    """ISO 8601 interval ``start/end`` naming a period in exports.

    Parameters
    ----------
    aggregate : PeriodAggregate or PeriodMetrics
        Anything with ``start`` and ``end`` dates.

    Returns
    -------
    str
        ``YYYY-MM-DD/YYYY-MM-DD``.

    References
    ----------
    .. [1] ISO 8601-1:2019. Date and time — Representations for information
       interchange, part 1 (time intervals).

    Examples
    --------
    >>> from datetime import date
    >>> period_label(PeriodAggregate(date(2025, 1, 1), date(2025, 1, 31), ()))
    '2025-01-01/2025-01-31'
    """
    return f"{aggregate.start.isoformat()}/{aggregate.end.isoformat()}"


def edge_list_rows(
    aggregates: Iterable[PeriodAggregate], *, threshold: int = SMALL_CELL_THRESHOLD
) -> list[dict[str, Any]]:
    """One row per tie per period, small cells suppressed.

    Parameters
    ----------
    aggregates : iterable of PeriodAggregate
        Periods of one network.
    threshold : int, default 5
        Small-cell threshold; 0 disables suppression.

    Returns
    -------
    list of dict
        Columns ``period``, ``source``, ``target``, the funnel counts,
        ``declined`` (total), one ``declined_<REASON>`` per reason seen in any
        row, the other outcomes and ``median_hours_to_ack`` (withheld when
        ``sent`` or ``acknowledged`` is).

    References
    ----------
    .. [1] Hundepool, A. et al. (2012). *Statistical Disclosure Control*,
       ch. 5. Wiley. DOI 10.1002/9781118348239

    Examples
    --------
    >>> from datetime import date
    >>> from analytics.model import OrgNode, ReferralTie
    >>> nodes = tuple(OrgNode(i, i, "COMMUNITY") for i in "ab")
    >>> period = PeriodAggregate(date(2025, 1, 1), date(2025, 1, 31), nodes,
    ...                          (ReferralTie("a", "b", 7, acknowledged=2),))
    >>> row = edge_list_rows([period])[0]
    >>> row["sent"], row["acknowledged"]
    (7, None)
    """
    periods = list(aggregates)
    reasons = sorted({r for p in periods for tie in p.ties for r in tie.declined})
    rows: list[dict[str, Any]] = []
    for period in periods:
        for tie in sorted(period.ties, key=lambda t: (t.source, t.target)):
            if tie.sent == 0:
                continue
            row: dict[str, Any] = {
                "period": period_label(period),
                "source": tie.source,
                "target": tie.target,
            }
            row.update({name: getattr(tie, name) for name in _TIE_COUNTS})
            row["declined"] = tie.declined_total
            row.update({f"declined_{r}": tie.declined.get(r, 0) for r in reasons})
            row.update({name: getattr(tie, name) for name in _TIE_OUTCOMES})
            row["median_hours_to_ack"] = tie.median_hours_to_ack
            rows.append(row)
    return suppress_small_cells(
        rows, threshold=threshold, derived={"median_hours_to_ack": ("sent", "acknowledged")}
    )


def research_graph(
    aggregate: PeriodAggregate,
    *,
    threshold: int = SMALL_CELL_THRESHOLD,
    include_names: bool = False,
) -> nx.DiGraph:
    """The period's referral graph with only de-identified, file-safe attributes.

    Parameters
    ----------
    aggregate : PeriodAggregate
        One period of one network.
    threshold : int, default 5
        Small-cell threshold; suppressed counts are left off the edge.
    include_names : bool, default False
        Add organization names (public directory data, off by default).

    Returns
    -------
    networkx.DiGraph
        Nodes with ``kind`` and ``territory_id`` (when known); edges with the
        columns of :func:`edge_list_rows` other than ``period``, ``source``
        and ``target``, and ``weight`` = ``sent`` when published; graph
        attributes ``period``, ``start`` and ``end`` as ISO strings.

    References
    ----------
    .. [1] Brandes, U. et al. (2002). GraphML progress report. *Graph
       Drawing 2001*, LNCS 2265, 501–512. DOI 10.1007/3-540-45848-4_59

    Examples
    --------
    >>> from datetime import date
    >>> from analytics.model import OrgNode, ReferralTie
    >>> nodes = tuple(OrgNode(i, "Name " + i, "COMMUNITY") for i in "ab")
    >>> period = PeriodAggregate(date(2025, 1, 1), date(2025, 1, 31), nodes,
    ...                          (ReferralTie("a", "b", 2),))
    >>> g = research_graph(period)
    >>> g.nodes["a"], g.edges["a", "b"].get("sent")
    ({'kind': 'COMMUNITY'}, None)
    """
    graph = nx.DiGraph(
        period=period_label(aggregate),
        start=aggregate.start.isoformat(),
        end=aggregate.end.isoformat(),
    )
    for node in sorted(aggregate.nodes, key=lambda n: n.id):
        attributes = {"kind": node.kind}
        if node.territory_id is not None:
            attributes["territory_id"] = node.territory_id
        if include_names:
            attributes["name"] = node.name
        graph.add_node(node.id, **attributes)
    for row in edge_list_rows([aggregate], threshold=threshold):
        edge = {k: v for k, v in row.items() if k not in ("period", "source", "target")}
        edge["weight"] = edge["sent"]
        graph.add_edge(
            row["source"], row["target"], **{k: v for k, v in edge.items() if v is not None}
        )
    return graph


def write_graphml(
    aggregate: PeriodAggregate,
    path: str | PathLike[str],
    *,
    threshold: int = SMALL_CELL_THRESHOLD,
    include_names: bool = False,
) -> None:
    """Write :func:`research_graph` of a period to a GraphML file.

    Parameters
    ----------
    aggregate : PeriodAggregate
        One period of one network.
    path : str or path-like
        File to create or overwrite.
    threshold : int, default 5
        Small-cell threshold; suppressed counts are left off the edge.
    include_names : bool, default False
        Add organization names.

    Returns
    -------
    None

    References
    ----------
    .. [1] Brandes, U. et al. (2002). GraphML progress report. *Graph
       Drawing 2001*, LNCS 2265, 501–512. DOI 10.1007/3-540-45848-4_59

    Examples
    --------
    >>> import pathlib, tempfile
    >>> from datetime import date
    >>> from analytics.model import OrgNode
    >>> period = PeriodAggregate(date(2025, 1, 1), date(2025, 1, 31), (OrgNode("a", "A", "OTHER"),))
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     write_graphml(period, pathlib.Path(folder) / "p")
    ...     sorted(nx.read_graphml(pathlib.Path(folder) / "p").nodes(data=True))
    [('a', {'kind': 'OTHER'})]
    """
    graph = research_graph(aggregate, threshold=threshold, include_names=include_names)
    nx.write_graphml(graph, path)


def write_gexf(
    aggregate: PeriodAggregate,
    path: str | PathLike[str],
    *,
    threshold: int = SMALL_CELL_THRESHOLD,
    include_names: bool = False,
) -> None:
    """Write :func:`research_graph` of a period to a GEXF 1.2 file (for Gephi).

    GEXF readers label each node with its id (an opaque UUID), not its name.

    Parameters
    ----------
    aggregate : PeriodAggregate
        One period of one network.
    path : str or path-like
        File to create or overwrite.
    threshold : int, default 5
        Small-cell threshold; suppressed counts are left off the edge.
    include_names : bool, default False
        Add organization names.

    Returns
    -------
    None

    References
    ----------
    .. [1] GEXF Working Group. GEXF 1.2draft primer. https://gexf.net

    Examples
    --------
    >>> import pathlib, tempfile
    >>> from datetime import date
    >>> from analytics.model import OrgNode
    >>> period = PeriodAggregate(date(2025, 1, 1), date(2025, 1, 31), (OrgNode("a", "A", "OTHER"),))
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     write_gexf(period, pathlib.Path(folder) / "p")
    ...     sorted(nx.read_gexf(pathlib.Path(folder) / "p").nodes(data=True))
    [('a', {'kind': 'OTHER', 'label': 'a'})]
    """
    graph = research_graph(aggregate, threshold=threshold, include_names=include_names)
    nx.write_gexf(graph, path)


def network_metrics_rows(periods: Iterable[PeriodMetrics]) -> list[dict[str, Any]]:
    """Flatten :func:`analytics.evolution.evolution` into one table row per period.

    Network figures count organizations and ties, not families, so nothing is
    suppressed. Communities are reported as their number; memberships go in
    the organization table or graph files.

    Parameters
    ----------
    periods : iterable of PeriodMetrics
        Output of :func:`analytics.evolution.evolution`.

    Returns
    -------
    list of dict
        ``period``, the :class:`~analytics.network.NetworkMetrics` figures,
        ``new_ties``, ``dissolved_ties``, ``persisting_ties``, ``jaccard`` and
        ``community_nmi`` (None for the first period and when either period has
        no tie).

    References
    ----------
    .. [1] Snijders, T. A. B., van de Bunt, G. G. and Steglich, C. E. G. (2010).
       Introduction to stochastic actor-based models for network dynamics.
       *Social Networks* 32(1), 44–60. DOI 10.1016/j.socnet.2009.02.004

    Examples
    --------
    >>> network_metrics_rows([])
    []
    """
    rows = []
    for period in periods:
        net, change = period.network, period.ties_change
        rows.append(
            {
                "period": period_label(period),
                "organizations": net.organizations,
                "ties": net.ties,
                "density": net.density,
                "reciprocity": net.reciprocity,
                "transitivity": net.transitivity,
                "components": net.components,
                "largest_component_share": net.largest_component_share,
                "degree_centralization": net.degree_centralization,
                "referral_load_gini": net.referral_load_gini,
                "communities": len(net.communities),
                "modularity": net.modularity,
                "new_ties": change.new if change else None,
                "dissolved_ties": change.dissolved if change else None,
                "persisting_ties": change.persisting if change else None,
                "jaccard": change.jaccard if change else None,
                "community_nmi": period.community_stability,
            }
        )
    return rows


def organization_metrics_rows(
    aggregate: PeriodAggregate,
    metrics: Sequence[OrganizationMetrics],
    *,
    threshold: int = SMALL_CELL_THRESHOLD,
) -> list[dict[str, Any]]:
    """Organization table of a period for researchers, with a ``period`` column.

    Besides the metrics, each row carries the counts its receiver rates are
    computed from (``acknowledged``, ``accepted``, ``completed``). Degrees and
    partner changes count organizations and are published; referral counts
    are suppressed below the threshold, and so is every rate or median
    computed from a suppressed count (a rate would reveal it).

    Parameters
    ----------
    aggregate : PeriodAggregate
        The period the metrics describe.
    metrics : sequence of OrganizationMetrics
        Output of :func:`analytics.organizations.organization_metrics`.
    threshold : int, default 5
        Small-cell threshold; 0 disables suppression.

    Returns
    -------
    list of dict
        ``period``, every metric field, ``acknowledged``, ``accepted`` and
        ``completed``.

    References
    ----------
    .. [1] Hundepool, A. et al. (2012). *Statistical Disclosure Control*,
       ch. 5. Wiley. DOI 10.1002/9781118348239

    Examples
    --------
    >>> from datetime import date
    >>> organization_metrics_rows(PeriodAggregate(date(2025, 1, 1), date(2025, 1, 31), ()), [])
    []
    """
    label = period_label(aggregate)
    received = {row.key[0]: row for row in funnel_by_receiver(aggregate)}
    rows = []
    for m in metrics:
        funnel = received.get(m.org_id)
        row: dict[str, Any] = {"period": label}
        row.update({name: getattr(m, name) for name in m.__dataclass_fields__})
        row["acknowledged"] = funnel.acknowledged if funnel else 0
        row["accepted"] = funnel.accepted if funnel else 0
        row["completed"] = funnel.completed if funnel else 0
        rows.append(row)
    return suppress_small_cells(
        rows,
        threshold=threshold,
        derived=_ORGANIZATION_RATES,
        exempt=("in_degree", "out_degree", "partners_gained", "partners_lost"),
    )


def write_csv(rows: Sequence[Mapping[str, Any]], path: str | PathLike[str]) -> None:
    """Write table rows to UTF-8 CSV; None is written as an empty cell.

    Parameters
    ----------
    rows : sequence of mappings
        Table rows, e.g. from :func:`edge_list_rows`.
    path : str or path-like
        File to create or overwrite.

    Returns
    -------
    None
        Columns are the union of the rows' keys, in first-seen order.

    References
    ----------
    .. [1] Shafranovich, Y. (2005). RFC 4180: Common format and MIME type for
       comma-separated values (CSV) files. DOI 10.17487/RFC4180

    Examples
    --------
    >>> import pathlib, tempfile
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     target = pathlib.Path(folder) / "t.csv"
    ...     write_csv([{"period": "2025-01-01/2025-01-31", "sent": None}], target)
    ...     target.read_text().splitlines()
    ['period,sent', '2025-01-01/2025-01-31,']
    """
    columns: dict[str, None] = {}
    for row in rows:
        columns.update(dict.fromkeys(row))
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(columns), lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)

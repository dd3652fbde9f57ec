"""Graphs built from one period's aggregate.

The referral graph is directed: an edge u→v exists when u sent v at least one
referral during the period, with ``weight`` = referrals sent. Nodes and edges
are inserted in sorted id order so that seeded algorithms (Louvain) give the
same answer whatever order the database returned the rows in.

NetworkX 3 dispatches many algorithms to an installed backend (nx-parallel,
nx-cugraph) when configured through ``networkx.config``; nothing here needs to
change for that.
"""

from __future__ import annotations

import networkx as nx

from analytics.model import PeriodAggregate

__all__ = ["partnership_graph", "referral_graph", "undirected_ties"]


def referral_graph(aggregate: PeriodAggregate) -> nx.DiGraph:
    """Build the directed, weighted referral graph of a period.

    Parameters
    ----------
    aggregate : PeriodAggregate
        One period of one network.

    Returns
    -------
    networkx.DiGraph
        Nodes are organization ids with attributes ``name``, ``kind`` and
        ``territory_id``. One edge per tie with ``sent > 0``, carrying
        ``weight`` (= ``sent``), every count of the tie, ``declined`` (reason
        code → count), ``declined_total`` and ``median_hours_to_ack``. Graph
        attributes ``start`` and ``end`` hold the period.

    References
    ----------
    .. [1] Wasserman, S. and Faust, K. (1994). *Social Network Analysis:
       Methods and Applications*, ch. 4 (valued directed graphs). Cambridge
       University Press. DOI 10.1017/CBO9780511815478

    Examples
    --------
    >>> from datetime import date
    >>> from analytics.model import OrgNode, ReferralTie
    >>> nodes = (OrgNode("a", "A", "COMMUNITY"), OrgNode("b", "B", "HOUSING"))
    >>> period = PeriodAggregate(date(2025, 1, 1), date(2025, 1, 31), nodes,
    ...                          (ReferralTie("a", "b", sent=3),))
    >>> g = referral_graph(period)
    >>> g["a"]["b"]["weight"], g.number_of_nodes()
    (3, 2)
    """
    graph = nx.DiGraph(start=aggregate.start, end=aggregate.end)
    for node in sorted(aggregate.nodes, key=lambda n: n.id):
        graph.add_node(node.id, name=node.name, kind=node.kind, territory_id=node.territory_id)
    for tie in sorted(aggregate.ties, key=lambda t: (t.source, t.target)):
        if tie.sent == 0:
            continue
        graph.add_edge(
            tie.source,
            tie.target,
            weight=tie.sent,
            sent=tie.sent,
            acknowledged=tie.acknowledged,
            accepted=tie.accepted,
            contacted=tie.contacted,
            completed=tie.completed,
            no_show=tie.no_show,
            declined=dict(tie.declined),
            declined_total=tie.declined_total,
            redirected=tie.redirected,
            expired=tie.expired,
            cancelled=tie.cancelled,
            overdue=tie.overdue,
            median_hours_to_ack=tie.median_hours_to_ack,
        )
    return graph


def undirected_ties(graph: nx.DiGraph) -> nx.Graph:
    """Project a referral graph onto an undirected, weighted graph.

    Parameters
    ----------
    graph : networkx.DiGraph
        A referral graph whose edges carry ``weight``.

    Returns
    -------
    networkx.Graph
        Same nodes; u–v is an edge when referrals flowed in either direction,
        with ``weight`` = referrals u→v + referrals v→u (the volume exchanged).

    References
    ----------
    .. [1] Wasserman, S. and Faust, K. (1994). *Social Network Analysis*,
       ch. 4 (symmetrizing a directed relation). DOI 10.1017/CBO9780511815478

    Examples
    --------
    >>> g = nx.DiGraph([("a", "b", {"weight": 2}), ("b", "a", {"weight": 1})])
    >>> undirected_ties(g)["a"]["b"]["weight"]
    3
    """
    projection = nx.Graph()
    projection.add_nodes_from(graph.nodes(data=True))
    for u, v, weight in graph.edges(data="weight", default=1):
        if projection.has_edge(u, v):
            projection[u][v]["weight"] += weight
        else:
            projection.add_edge(u, v, weight=weight)
    return projection


def partnership_graph(aggregate: PeriodAggregate) -> nx.Graph:
    """Build the declared-partnership layer of a period.

    Parameters
    ----------
    aggregate : PeriodAggregate
        One period of one network.

    Returns
    -------
    networkx.Graph
        All organizations of the period as nodes; an undirected edge per
        partnered pair with ``kinds``, the sorted tuple of partnership kinds
        declared between them (either direction).

    References
    ----------
    .. [1] Kivelä, M. et al. (2014). Multilayer networks. *Journal of Complex
       Networks* 2(3), 203–271. DOI 10.1093/comnet/cnu016

    Examples
    --------
    >>> from datetime import date
    >>> from analytics.model import OrgNode, Partnership
    >>> nodes = (OrgNode("a", "A", "COMMUNITY"), OrgNode("b", "B", "SCHOOL"))
    >>> links = (Partnership("a", "b", "TABLE"), Partnership("b", "a", "AGREEMENT"))
    >>> period = PeriodAggregate(date(2025, 1, 1), date(2025, 1, 31), nodes, (), links)
    >>> partnership_graph(period)["a"]["b"]["kinds"]
    ('AGREEMENT', 'TABLE')
    """
    kinds: dict[frozenset[str], set[str]] = {}
    for link in aggregate.partnerships:
        kinds.setdefault(frozenset((link.source, link.target)), set()).add(link.kind)
    graph = nx.Graph(start=aggregate.start, end=aggregate.end)
    graph.add_nodes_from(sorted(node.id for node in aggregate.nodes))
    for pair, pair_kinds in sorted(kinds.items(), key=lambda item: sorted(item[0])):
        u, v = sorted(pair)
        graph.add_edge(u, v, kinds=tuple(sorted(pair_kinds)))
    return graph

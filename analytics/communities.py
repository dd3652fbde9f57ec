"""Communities of organizations (Louvain) and their stability between periods (NMI).

Communities are found on the undirected projection of the referral graph,
weighted by the referrals exchanged in both directions
(:func:`analytics.build.undirected_ties`). Louvain is randomised: the ``seed``
is always passed, and the graph is built in sorted id order, so one period
always gives the same partition.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Hashable, Iterable, Mapping, Sequence

import networkx as nx

from analytics.build import undirected_ties

__all__ = [
    "community_stability",
    "louvain_communities",
    "modularity",
    "normalized_mutual_information",
]


def louvain_communities(
    graph: nx.Graph | nx.DiGraph, *, seed: int = 0, resolution: float = 1.0
) -> tuple[frozenset[str], ...]:
    """Partition organizations into communities with the Louvain method.

    Parameters
    ----------
    graph : networkx.DiGraph or networkx.Graph
        A referral graph; it is projected onto undirected ties weighted by the
        referrals exchanged both ways (an undirected graph is taken as that
        projection, e.g. from :func:`analytics.build.undirected_ties`).
    seed : int, default 0
        Seed of Louvain's random node order.
    resolution : float, default 1.0
        Modularity resolution; below 1 favours larger communities.

    Returns
    -------
    tuple of frozenset of str
        Communities, largest first (ties broken by smallest id). An
        organization without ties is a community of its own; an empty graph
        gives ``()``.

    References
    ----------
    .. [1] Blondel, V. D., Guillaume, J.-L., Lambiotte, R. and Lefebvre, E.
       (2008). Fast unfolding of communities in large networks. *J. Stat.
       Mech.* P10008. DOI 10.1088/1742-5468/2008/10/P10008

    Examples
    --------
    >>> g = nx.DiGraph([("a", "b"), ("b", "c"), ("c", "a"), ("c", "d"),
    ...                 ("d", "e"), ("e", "f"), ("f", "d")])
    >>> [sorted(c) for c in louvain_communities(g, seed=1)]
    [['a', 'b', 'c'], ['d', 'e', 'f']]
    """
    found = nx.community.louvain_communities(
        _projected(graph), weight="weight", resolution=resolution, seed=seed
    )
    return tuple(sorted((frozenset(c) for c in found), key=lambda c: (-len(c), min(c))))


def modularity(graph: nx.Graph | nx.DiGraph, communities: Iterable[Iterable[str]]) -> float:
    """Weighted modularity of a partition of the undirected referral ties.

    .. math:: Q = \\sum_c \\left[ \\frac{W_c}{W} - \\left(\\frac{S_c}{2W}\\right)^2 \\right]

    with :math:`W` the total tie weight, :math:`W_c` the weight inside
    community :math:`c` and :math:`S_c` the summed strength of its members.

    Parameters
    ----------
    graph : networkx.DiGraph or networkx.Graph
        A referral graph, or its projection, as in :func:`louvain_communities`.
    communities : iterable of iterables of str
        A partition of the graph's nodes.

    Returns
    -------
    float
        The modularity; 0.0 when the period has no ties (undefined otherwise).

    References
    ----------
    .. [1] Newman, M. E. J. (2004). Analysis of weighted networks. *Phys. Rev.
       E* 70, 056131. DOI 10.1103/PhysRevE.70.056131

    Examples
    --------
    >>> g = nx.DiGraph([("a", "b"), ("c", "d")])
    >>> modularity(g, [{"a", "b"}, {"c", "d"}])
    0.5
    """
    projection = _projected(graph)
    if projection.number_of_edges() == 0:
        return 0.0
    return float(nx.community.modularity(projection, list(communities), weight="weight"))


def _projected(graph: nx.Graph | nx.DiGraph) -> nx.Graph:
    """The undirected ties of a referral graph; a graph already projected as it is."""
    return undirected_ties(graph) if graph.is_directed() else graph


def normalized_mutual_information(
    first: Mapping[str, Hashable], second: Mapping[str, Hashable]
) -> float | None:
    """Normalised mutual information of two labellings on their common nodes.

    From the contingency table :math:`n_{ij}` of the :math:`N` common nodes,

    .. math:: \\mathrm{NMI} = \\frac{I(U; V)}{\\tfrac12 [H(U) + H(V)]}, \\quad
       I(U; V) = \\sum_{ij} \\frac{n_{ij}}{N}
       \\ln \\frac{N n_{ij}}{a_i b_j}

    (arithmetic normalisation, scikit-learn's default). As in scikit-learn,
    two labellings that each put every node in one group score 1.0, and a
    mutual information of 0 scores 0.0.

    Parameters
    ----------
    first, second : mapping of str to hashable
        Node id → community label; nodes present in only one are ignored.

    Returns
    -------
    float or None
        NMI in [0, 1]; None when the labellings share no node.

    References
    ----------
    .. [1] Danon, L., Díaz-Guilera, A., Duch, J. and Arenas, A. (2005).
       Comparing community structure identification. *J. Stat. Mech.* P09008.
       DOI 10.1088/1742-5468/2005/09/P09008
    .. [2] Vinh, N. X., Epps, J. and Bailey, J. (2010). Information theoretic
       measures for clusterings comparison. *JMLR* 11, 2837–2854.

    Examples
    --------
    >>> normalized_mutual_information({"a": 0, "b": 1}, {"a": "x", "b": "y"})
    1.0
    >>> normalized_mutual_information({"a": 0, "b": 0, "c": 1, "d": 1},
    ...                               {"a": 0, "b": 1, "c": 0, "d": 1})
    0.0
    """
    common = first.keys() & second.keys()
    n = len(common)
    if n == 0:
        return None
    joint = Counter((first[node], second[node]) for node in common)
    rows = Counter(first[node] for node in common)
    columns = Counter(second[node] for node in common)
    if len(rows) == len(columns) == 1:
        return 1.0
    # fsum: correctly rounded whatever the order (set order changes with the hash seed).
    mutual = math.fsum(
        (count / n) * math.log(n * count / (rows[u] * columns[v]))
        for (u, v), count in joint.items()
    )
    if mutual <= 0.0:
        return 0.0
    mean_entropy = (_entropy(rows.values(), n) + _entropy(columns.values(), n)) / 2
    return min(1.0, mutual / mean_entropy)


def community_stability(
    previous: Sequence[Iterable[str]], current: Sequence[Iterable[str]]
) -> float | None:
    """Stability of communities between two periods: NMI on common organizations.

    Parameters
    ----------
    previous, current : sequence of iterables of str
        The two periods' partitions (e.g. from :func:`louvain_communities`).

    Returns
    -------
    float or None
        :func:`normalized_mutual_information` of the two partitions restricted
        to organizations present in both; None when no organization is.

    References
    ----------
    .. [1] Danon, L., Díaz-Guilera, A., Duch, J. and Arenas, A. (2005).
       Comparing community structure identification. *J. Stat. Mech.* P09008.
       DOI 10.1088/1742-5468/2005/09/P09008

    Examples
    --------
    >>> community_stability([{"a", "b"}, {"c"}], [{"a", "b"}, {"c", "d"}])
    1.0
    """
    return normalized_mutual_information(_labels(previous), _labels(current))


def _labels(partition: Sequence[Iterable[str]]) -> dict[str, int]:
    return {node: index for index, community in enumerate(partition) for node in community}


def _entropy(counts: Iterable[int], n: int) -> float:
    return -math.fsum((c / n) * math.log(c / n) for c in counts if c)

"""Inequality of referral load across organizations (Gini coefficient)."""

from __future__ import annotations

from collections.abc import Iterable

import networkx as nx

__all__ = ["gini", "referral_load", "referral_load_gini"]


def gini(values: Iterable[float]) -> float:
    """Gini coefficient of non-negative values (population form).

    .. math:: G = \\frac{\\sum_i \\sum_j |x_i - x_j|}{2 n^2 \\bar{x}}

    computed in O(n log n) from the sorted values as
    :math:`G = \\frac{2 \\sum_i i\\, x_{(i)}}{n \\sum_i x_i} - \\frac{n + 1}{n}`.
    0 is perfect equality; one organization receiving everything among ``n``
    gives ``(n - 1) / n`` (no small-sample correction).

    Parameters
    ----------
    values : iterable of float
        Non-negative amounts, zeros included (an organization receiving no
        referral is part of the distribution).

    Returns
    -------
    float
        The coefficient; 0.0 when there are no values or their total is 0.

    References
    ----------
    .. [1] Dorfman, R. (1979). A formula for the Gini coefficient. *The Review
       of Economics and Statistics* 61(1), 146–149. DOI 10.2307/1924845

    Examples
    --------
    >>> gini([0, 0, 0, 4])
    0.75
    >>> gini([2, 2])
    0.0
    """
    ordered = sorted(values)
    if ordered and ordered[0] < 0:
        raise ValueError("the Gini coefficient needs non-negative values")
    n = len(ordered)
    total = sum(ordered)
    if n == 0 or total == 0:
        return 0.0
    ranked = sum(rank * x for rank, x in enumerate(ordered, start=1))
    return max(0.0, 2 * ranked / (n * total) - (n + 1) / n)


def referral_load(graph: nx.DiGraph) -> dict[str, int]:
    """Referrals received by each organization (in-strength by ``weight``).

    Parameters
    ----------
    graph : networkx.DiGraph
        A referral graph (see :func:`analytics.build.referral_graph`).

    Returns
    -------
    dict of str to int
        Organization id → referrals received; 0 for organizations receiving none.

    References
    ----------
    .. [1] Barrat, A. et al. (2004). The architecture of complex weighted
       networks. *PNAS* 101(11), 3747–3752. DOI 10.1073/pnas.0400087101

    Examples
    --------
    >>> referral_load(nx.DiGraph([("a", "b", {"weight": 3})]))
    {'a': 0, 'b': 3}
    """
    return {node: int(strength) for node, strength in graph.in_degree(weight="weight")}


def referral_load_gini(graph: nx.DiGraph) -> float:
    """Gini coefficient of referrals received per organization, zeros included.

    Parameters
    ----------
    graph : networkx.DiGraph
        A referral graph.

    Returns
    -------
    float
        :func:`gini` of :func:`referral_load`; 0.0 for an empty period or one
        without referrals.

    References
    ----------
    .. [1] Dorfman, R. (1979). A formula for the Gini coefficient. *The Review
       of Economics and Statistics* 61(1), 146–149. DOI 10.2307/1924845

    Examples
    --------
    >>> g = nx.DiGraph([("a", "b", {"weight": 4})])
    >>> g.add_nodes_from(["c", "d"])
    >>> referral_load_gini(g)
    0.75
    """
    return gini(referral_load(graph).values())

"""Organization-level measures of one period: position, brokerage, responsiveness.

Brokerage (Burt's constraint and effective size) is computed on the
undirected projection of the referral graph weighted by the referrals
exchanged in both directions. Burt defines a tie's strength as
:math:`a_{ij} + a_{ji}`, so this is his directed, valued definition; the
projection also avoids NetworkX's directed code path, which returns NaN for
an organization that only receives referrals (it tests out-neighbours only).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

import networkx as nx

from analytics.build import referral_graph, undirected_ties
from analytics.dynamics import partner_changes
from analytics.funnel import funnel_by_receiver
from analytics.model import FunnelRow, PeriodAggregate

__all__ = [
    "OrganizationMetrics",
    "betweenness",
    "burt_constraint",
    "effective_size",
    "organization_metrics",
]


@dataclass(frozen=True, slots=True)
class OrganizationMetrics:
    """One organization in one period.

    Degrees count partner organizations, strengths count referrals; rates
    describe the organization as a *receiver* (see :mod:`analytics.funnel`);
    ``overdue`` counts referrals it received and did not acknowledge in time.
    """

    org_id: str
    in_degree: int
    out_degree: int
    in_strength: int
    out_strength: int
    betweenness: float | None
    constraint: float | None
    effective_size: float | None
    partners_gained: int | None
    partners_lost: int | None
    acknowledgement_rate: float | None
    acceptance_rate: float | None
    completion_rate: float | None
    median_hours_to_ack: float | None
    overdue: int


def organization_metrics(
    aggregate: PeriodAggregate,
    previous: PeriodAggregate | None = None,
    *,
    ack_hours: Mapping[str, float | None] | None = None,
    brokerage: bool = True,
) -> tuple[OrganizationMetrics, ...]:
    """Compute every organization-level measure of a period.

    Parameters
    ----------
    aggregate : PeriodAggregate
        The period.
    previous : PeriodAggregate, optional
        The period before, for partners gained and lost (None without it).
    ack_hours : mapping of str to float or None, optional
        Receiver id → median hours from sending to acknowledgement over all
        referrals it received in the period, computed by the database. The
        median of the per-tie medians is not that median, so it is not
        approximated here: without this mapping the field is None.
    brokerage : bool, default True
        Whether to compute betweenness, constraint and effective size, the
        costly measures (all paths, all partners' partners); without them
        the three fields are None.

    Returns
    -------
    tuple of OrganizationMetrics
        One row per organization of the period, by id.

    References
    ----------
    .. [1] Wasserman, S. and Faust, K. (1994). *Social Network Analysis*,
       ch. 5 (centrality). DOI 10.1017/CBO9780511815478
    .. [2] Burt, R. S. (1992). *Structural Holes: The Social Structure of
       Competition*. Harvard University Press.

    Examples
    --------
    >>> from datetime import date
    >>> from analytics.model import OrgNode, ReferralTie
    >>> nodes = (OrgNode("a", "A", "COMMUNITY"), OrgNode("b", "B", "HOUSING"))
    >>> period = PeriodAggregate(date(2025, 1, 1), date(2025, 1, 31), nodes,
    ...                          (ReferralTie("a", "b", 4, acknowledged=1),))
    >>> b = organization_metrics(period)[1]
    >>> b.in_strength, b.acknowledgement_rate, b.constraint
    (4, 0.25, 1.0)
    """
    graph = referral_graph(aggregate)
    between: Mapping[str, float | None] = betweenness(graph) if brokerage else {}
    constraint = burt_constraint(graph) if brokerage else {}
    size = effective_size(graph) if brokerage else {}
    received = {row.key[0]: row for row in funnel_by_receiver(aggregate)}
    overdue: dict[str, int] = {}
    for tie in aggregate.ties:
        overdue[tie.target] = overdue.get(tie.target, 0) + tie.overdue
    changes = partner_changes(previous, aggregate) if previous is not None else {}
    hours = ack_hours or {}
    rows = []
    for org in sorted(graph):
        funnel = received.get(org, FunnelRow((org,), 0))
        change = changes.get(org)
        rows.append(
            OrganizationMetrics(
                org_id=org,
                in_degree=graph.in_degree(org),
                out_degree=graph.out_degree(org),
                in_strength=graph.in_degree(org, weight="weight"),
                out_strength=graph.out_degree(org, weight="weight"),
                betweenness=between.get(org),
                constraint=constraint.get(org),
                effective_size=size.get(org),
                partners_gained=change.gained if change else None,
                partners_lost=change.lost if change else None,
                acknowledgement_rate=funnel.acknowledgement_rate,
                acceptance_rate=funnel.acceptance_rate,
                completion_rate=funnel.completion_rate,
                median_hours_to_ack=hours.get(org),
                overdue=overdue.get(org, 0),
            )
        )
    return tuple(rows)


def betweenness(graph: nx.DiGraph) -> dict[str, float]:
    """Normalised betweenness on directed, unweighted referral ties.

    .. math:: b(v) = \\frac{1}{(n-1)(n-2)} \\sum_{s \\ne v \\ne t}
       \\frac{\\sigma_{st}(v)}{\\sigma_{st}}

    the share of shortest directed referral paths between other pairs that
    pass through *v*. Referral volume is ignored: a path is short in hops.

    Parameters
    ----------
    graph : networkx.DiGraph
        A referral graph.

    Returns
    -------
    dict of str to float
        Betweenness in [0, 1]; 0.0 for everyone with fewer than three
        organizations.

    References
    ----------
    .. [1] Freeman, L. C. (1977). A set of measures of centrality based on
       betweenness. *Sociometry* 40(1), 35–41. DOI 10.2307/3033543
    .. [2] Brandes, U. (2001). A faster algorithm for betweenness centrality.
       *J. Math. Sociol.* 25(2), 163–177. DOI 10.1080/0022250X.2001.9990249

    Examples
    --------
    >>> betweenness(nx.DiGraph([("a", "b"), ("b", "c")]))
    {'a': 0.0, 'b': 0.5, 'c': 0.0}
    """
    return {node: float(b) for node, b in nx.betweenness_centrality(graph).items()}


def burt_constraint(graph: nx.DiGraph) -> dict[str, float | None]:
    """Burt's constraint of each organization.

    .. math:: c_i = \\sum_{j \\ne i} \\Big(p_{ij} + \\sum_{q \\ne i, j}
       p_{iq} p_{qj}\\Big)^2, \\quad
       p_{ij} = \\frac{a_{ij} + a_{ji}}{\\sum_k (a_{ik} + a_{ki})}

    with :math:`a_{ij}` the referrals *i* sent *j*. High constraint: few
    partners, themselves tied together. 1/k at the centre of a k-star, 1 for
    a single partner, 9/8 in a triangle.

    Parameters
    ----------
    graph : networkx.DiGraph
        A referral graph.

    Returns
    -------
    dict of str to float or None
        Constraint; None for an organization without ties (undefined).

    References
    ----------
    .. [1] Burt, R. S. (1992). *Structural Holes: The Social Structure of
       Competition*, ch. 2. Harvard University Press.
    .. [2] Burt, R. S. (2004). Structural holes and good ideas. *American
       Journal of Sociology* 110(2), 349–399. DOI 10.1086/421787

    Examples
    --------
    >>> burt_constraint(nx.DiGraph([("hub", "x"), ("hub", "y")]))["hub"]
    0.5
    """
    # Computed directly, like effective_size: NetworkX's SciPy path differs.
    ties = undirected_ties(graph)
    shares = _shares(_weights(ties))
    values: dict[str, float | None] = {}
    for i, p_i in shares.items():
        if not p_i:
            values[i] = None
            continue
        values[i] = math.fsum(
            (p_ij + math.fsum(p_i[q] * shares[q][j] for q in _common(p_i, shares[j], j))) ** 2
            for j, p_ij in p_i.items()
        )
    return values


def _weights(ties: nx.Graph) -> dict[str, dict[str, float]]:
    """Each organization's tie weight to each partner (self-loops left out)."""
    return {u: {v: float(d.get("weight", 1)) for v, d in ties[u].items() if v != u} for u in ties}


def _shares(weights: Mapping[str, Mapping[str, float]]) -> dict[str, dict[str, float]]:
    """Each organization's ``p_ij``: its tie to *j* over all its ties."""
    shares: dict[str, dict[str, float]] = {}
    for u, w_u in weights.items():
        total = math.fsum(w_u.values())
        shares[u] = {v: w / total for v, w in w_u.items()}
    return shares


def _common(partners: Mapping[str, float], others: Mapping[str, float], other: str) -> list[str]:
    """Partners of *i* also tied to *j* (``other``), *j* left out; walks the smaller side."""
    small, large = (partners, others) if len(partners) <= len(others) else (others, partners)
    return [q for q in small if q in large and q != other]


def effective_size(graph: nx.DiGraph) -> dict[str, float | None]:
    """Burt's effective size: non-redundant partners of each organization.

    .. math:: e_i = \\sum_{j} \\Big(1 - \\sum_{q \\ne i, j} p_{iq} m_{jq}\\Big),
       \\quad m_{jq} = \\frac{a_{jq} + a_{qj}}{\\max_k (a_{jk} + a_{kj})}

    which, with equal tie weights, is Borgatti's ``n - 2t/n`` (``n``
    partners, ``t`` ties among them): k at the centre of a k-star, 1 in a
    triangle.

    Parameters
    ----------
    graph : networkx.DiGraph
        A referral graph.

    Returns
    -------
    dict of str to float or None
        Effective size; None for an organization without ties (undefined).

    References
    ----------
    .. [1] Burt, R. S. (1992). *Structural Holes: The Social Structure of
       Competition*, ch. 2. Harvard University Press.
    .. [2] Borgatti, S. P. (1997). Structural holes: unpacking Burt's
       redundancy measures. *Connections* 20(1), 35–38.

    Examples
    --------
    >>> effective_size(nx.DiGraph([("hub", "x"), ("hub", "y")]))["hub"]
    2.0
    """
    # Computed directly: NetworkX switches to another formula when SciPy is
    # installed, so its result would depend on an optional dependency.
    ties = undirected_ties(graph)
    weights = _weights(ties)
    strongest = {u: max(w.values(), default=0.0) for u, w in weights.items()}
    sizes: dict[str, float | None] = {}
    for i, w_i in weights.items():
        if not w_i:
            sizes[i] = None
            continue
        total = math.fsum(w_i.values())
        sizes[i] = math.fsum(
            1.0
            - math.fsum(
                w_i[q] / total * weights[j][q] / strongest[j] for q in _common(w_i, weights[j], j)
            )
            for j in w_i
        )
    return sizes

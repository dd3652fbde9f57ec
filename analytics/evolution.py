"""How the network develops over consecutive periods."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from itertools import pairwise

from analytics.communities import community_stability
from analytics.dynamics import TieDynamics, tie_dynamics
from analytics.model import PeriodAggregate
from analytics.network import NetworkMetrics, network_metrics

__all__ = ["PeriodMetrics", "evolution"]


@dataclass(frozen=True, slots=True)
class PeriodMetrics:
    """One period's network figures and its change since the period before.

    ``ties_change`` and ``community_stability`` are None for the first period;
    ``community_stability`` is also None when either period has no tie (an
    edgeless graph has no community structure: Louvain would return one
    singleton per organization, and their NMI would be a number about nothing).
    """

    start: date
    end: date
    network: NetworkMetrics
    ties_change: TieDynamics | None
    community_stability: float | None


def evolution(aggregates: Sequence[PeriodAggregate], *, seed: int = 0) -> tuple[PeriodMetrics, ...]:
    """Network measures per period, with tie dynamics and community stability.

    Parameters
    ----------
    aggregates : sequence of PeriodAggregate
        Consecutive periods of one network, in time order. Periods may touch
        (an exclusive end equal to the next start) but not overlap; a gap
        between periods cannot be told from an inclusive end and is not
        detected.
    seed : int, default 0
        Louvain seed, the same for every period.

    Returns
    -------
    tuple of PeriodMetrics
        One row per period. Stability is the NMI of consecutive Louvain
        partitions on organizations present in both periods.

    Raises
    ------
    ValueError
        When periods are out of order or overlap.

    References
    ----------
    .. [1] Snijders, T. A. B., van de Bunt, G. G. and Steglich, C. E. G. (2010).
       Introduction to stochastic actor-based models for network dynamics.
       *Social Networks* 32(1), 44–60. DOI 10.1016/j.socnet.2009.02.004
    .. [2] Danon, L., Díaz-Guilera, A., Duch, J. and Arenas, A. (2005).
       Comparing community structure identification. *J. Stat. Mech.* P09008.
       DOI 10.1088/1742-5468/2005/09/P09008

    Examples
    --------
    >>> from analytics.model import OrgNode, ReferralTie
    >>> nodes = tuple(OrgNode(i, i, "COMMUNITY") for i in "ab")
    >>> jan = PeriodAggregate(date(2025, 1, 1), date(2025, 2, 1), nodes,
    ...                       (ReferralTie("a", "b", 1),))
    >>> feb = PeriodAggregate(date(2025, 2, 1), date(2025, 3, 1), nodes,
    ...                       (ReferralTie("a", "b", 2),))
    >>> [p.ties_change for p in evolution([jan, feb])]
    [None, TieDynamics(new=0, dissolved=0, persisting=1, jaccard=1.0)]
    """
    for before, after in pairwise(aggregates):
        if not (before.start < after.start and before.end <= after.start):
            raise ValueError(
                f"periods must be consecutive and in order: {before.start}–{before.end} "
                f"is followed by {after.start}–{after.end}"
            )
    rows: list[PeriodMetrics] = []
    previous: tuple[PeriodAggregate, NetworkMetrics] | None = None
    for aggregate in aggregates:
        metrics = network_metrics(aggregate, seed=seed)
        rows.append(
            PeriodMetrics(
                start=aggregate.start,
                end=aggregate.end,
                network=metrics,
                ties_change=tie_dynamics(previous[0], aggregate) if previous else None,
                community_stability=(
                    community_stability(previous[1].communities, metrics.communities)
                    if previous and previous[0].ties and aggregate.ties
                    else None
                ),
            )
        )
        previous = (aggregate, metrics)
    return tuple(rows)

"""How ties change between two consecutive periods.

Ties are compared over all organizations of both periods: a tie to an
organization that left the network counts as dissolved, a tie to a newcomer as
new. (RSiena compares a fixed set of actors; restrict the aggregates to common
organizations first for that reading.)
"""

from __future__ import annotations

from dataclasses import dataclass

from analytics.model import PeriodAggregate

__all__ = ["PartnerChange", "TieDynamics", "partner_changes", "tie_dynamics"]


@dataclass(frozen=True, slots=True)
class TieDynamics:
    """Directed ties new in, dissolved by, and persisting into the current period."""

    new: int
    dissolved: int
    persisting: int
    jaccard: float | None


@dataclass(frozen=True, slots=True)
class PartnerChange:
    """Referral partners an organization gained and lost since the previous period."""

    gained: int
    lost: int


def tie_dynamics(previous: PeriodAggregate, current: PeriodAggregate) -> TieDynamics:
    """Count new, dissolved and persisting ties and their Jaccard index.

    With :math:`N_{11}` persisting ties (present in both periods),
    :math:`N_{01}` new and :math:`N_{10}` dissolved ones,

    .. math:: J = \\frac{N_{11}}{N_{01} + N_{10} + N_{11}}

    as RSiena reports between consecutive waves. Snijders et al. prefer
    values above 0.3 for an actor-based model: lower means the network is
    largely rewired from one period to the next.

    Parameters
    ----------
    previous, current : PeriodAggregate
        Consecutive periods; a tie is an ordered pair with ``sent > 0``.

    Returns
    -------
    TieDynamics
        The three counts and the Jaccard index, None when neither period has
        a tie.

    References
    ----------
    .. [1] Snijders, T. A. B., van de Bunt, G. G. and Steglich, C. E. G. (2010).
       Introduction to stochastic actor-based models for network dynamics.
       *Social Networks* 32(1), 44–60. DOI 10.1016/j.socnet.2009.02.004

    Examples
    --------
    >>> from datetime import date
    >>> from analytics.model import OrgNode, ReferralTie
    >>> nodes = tuple(OrgNode(i, i, "COMMUNITY") for i in "abc")
    >>> jan = PeriodAggregate(date(2025, 1, 1), date(2025, 1, 31), nodes,
    ...                       (ReferralTie("a", "b", 1), ReferralTie("b", "c", 1)))
    >>> feb = PeriodAggregate(date(2025, 2, 1), date(2025, 2, 28), nodes,
    ...                       (ReferralTie("a", "b", 2), ReferralTie("c", "a", 1)))
    >>> tie_dynamics(jan, feb)
    TieDynamics(new=1, dissolved=1, persisting=1, jaccard=0.3333333333333333)
    """
    before, after = _ties(previous), _ties(current)
    persisting = len(before & after)
    new = len(after - before)
    dissolved = len(before - after)
    union = new + dissolved + persisting
    return TieDynamics(
        new=new,
        dissolved=dissolved,
        persisting=persisting,
        jaccard=persisting / union if union else None,
    )


def partner_changes(
    previous: PeriodAggregate, current: PeriodAggregate
) -> dict[str, PartnerChange]:
    """Referral partners gained and lost by each organization of the current period.

    An organization's referral partners are those it sent referrals to or
    received referrals from during the period (neighbours in the undirected
    tie graph). Gained = partners now but not before; lost = before but not
    now. An organization absent from the previous period gains all its
    partners.

    Parameters
    ----------
    previous, current : PeriodAggregate
        Consecutive periods.

    Returns
    -------
    dict of str to PartnerChange
        One entry per organization of ``current``.

    References
    ----------
    .. [1] Snijders, T. A. B., van de Bunt, G. G. and Steglich, C. E. G. (2010).
       Introduction to stochastic actor-based models for network dynamics.
       *Social Networks* 32(1), 44–60. DOI 10.1016/j.socnet.2009.02.004

    Examples
    --------
    >>> from datetime import date
    >>> from analytics.model import OrgNode, ReferralTie
    >>> nodes = tuple(OrgNode(i, i, "COMMUNITY") for i in "abc")
    >>> jan = PeriodAggregate(date(2025, 1, 1), date(2025, 1, 31), nodes,
    ...                       (ReferralTie("a", "b", 1),))
    >>> feb = PeriodAggregate(date(2025, 2, 1), date(2025, 2, 28), nodes,
    ...                       (ReferralTie("c", "a", 1),))
    >>> partner_changes(jan, feb)["a"]
    PartnerChange(gained=1, lost=1)
    """
    before, after = _partners(previous), _partners(current)
    return {
        node.id: PartnerChange(
            gained=len(after[node.id] - before.get(node.id, set())),
            lost=len(before.get(node.id, set()) - after[node.id]),
        )
        for node in current.nodes
    }


def _ties(aggregate: PeriodAggregate) -> set[tuple[str, str]]:
    return {(tie.source, tie.target) for tie in aggregate.ties if tie.sent > 0}


def _partners(aggregate: PeriodAggregate) -> dict[str, set[str]]:
    partners: dict[str, set[str]] = {node.id: set() for node in aggregate.nodes}
    for source, target in _ties(aggregate):
        partners[source].add(target)
        partners[target].add(source)
    return partners

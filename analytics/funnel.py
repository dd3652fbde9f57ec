"""The referral funnel SENT → ACKNOWLEDGED → ACCEPTED → CONTACTED → COMPLETED.

Rows for the whole period, by receiver, by sender–receiver pair and by the
receiver's territory are summed here from the ties; rows by need, or by need
and territory, come from the database as :class:`~analytics.model.FunnelRow`
(a referral with several needs counts under each). Rates are defined once, on
``FunnelRow``: acknowledgement = acknowledged / sent, acceptance =
accepted / sent, completion = completed / accepted; None when the
denominator is 0.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence

from analytics.model import FunnelRow, PeriodAggregate, ReferralTie

__all__ = [
    "FUNNEL_RATE_SOURCES",
    "funnel_by_pair",
    "funnel_by_receiver",
    "funnel_by_territory",
    "funnel_overall",
    "funnel_table",
]

#: Each rate of :func:`funnel_table` and the counts it is computed from, for
#: :func:`analytics.suppression.suppress_small_cells`.
FUNNEL_RATE_SOURCES: Mapping[str, tuple[str, ...]] = {
    "acknowledgement_rate": ("acknowledged", "sent"),
    "acceptance_rate": ("accepted", "sent"),
    "completion_rate": ("completed", "accepted"),
}

_STAGES = ("sent", "acknowledged", "accepted", "contacted", "completed")


def funnel_overall(aggregate: PeriodAggregate) -> FunnelRow:
    """Funnel of every referral sent in the period, with key ``()``.

    Parameters
    ----------
    aggregate : PeriodAggregate
        One period of one network.

    Returns
    -------
    FunnelRow
        Summed counts; all zero for a period without referrals.

    References
    ----------
    .. [1] DESIGN.md §4, referral lifecycle (the stages counted).

    Examples
    --------
    >>> from datetime import date
    >>> from analytics.model import OrgNode
    >>> nodes = tuple(OrgNode(i, i, "COMMUNITY") for i in "abc")
    >>> ties = (ReferralTie("a", "b", 4, acknowledged=2), ReferralTie("c", "b", 1))
    >>> row = funnel_overall(PeriodAggregate(date(2025, 1, 1), date(2025, 1, 31), nodes, ties))
    >>> row.sent, row.acknowledgement_rate
    (5, 0.4)
    """
    rows = _grouped(aggregate.ties, lambda tie: ())
    return rows[0] if rows else FunnelRow((), 0)


def funnel_by_receiver(aggregate: PeriodAggregate) -> tuple[FunnelRow, ...]:
    """Funnel of the referrals each organization received, key ``(receiver_id,)``.

    Parameters
    ----------
    aggregate : PeriodAggregate
        One period of one network.

    Returns
    -------
    tuple of FunnelRow
        One row per organization that received at least one referral, by id.

    References
    ----------
    .. [1] DESIGN.md §4, referral lifecycle.

    Examples
    --------
    >>> from datetime import date
    >>> from analytics.model import OrgNode
    >>> nodes = tuple(OrgNode(i, i, "COMMUNITY") for i in "abc")
    >>> ties = (ReferralTie("a", "b", 4), ReferralTie("c", "b", 1))
    >>> period = PeriodAggregate(date(2025, 1, 1), date(2025, 1, 31), nodes, ties)
    >>> [(row.key, row.sent) for row in funnel_by_receiver(period)]
    [(('b',), 5)]
    """
    return _grouped(aggregate.ties, lambda tie: (tie.target,))


def funnel_by_pair(aggregate: PeriodAggregate) -> tuple[FunnelRow, ...]:
    """Funnel per sender–receiver pair, key ``(sender_id, receiver_id)``.

    Parameters
    ----------
    aggregate : PeriodAggregate
        One period of one network.

    Returns
    -------
    tuple of FunnelRow
        One row per tie, by pair.

    References
    ----------
    .. [1] DESIGN.md §4, referral lifecycle.

    Examples
    --------
    >>> from datetime import date
    >>> from analytics.model import OrgNode
    >>> nodes = tuple(OrgNode(i, i, "COMMUNITY") for i in "ab")
    >>> period = PeriodAggregate(date(2025, 1, 1), date(2025, 1, 31), nodes,
    ...                          (ReferralTie("a", "b", 2),))
    >>> funnel_by_pair(period)[0].key
    ('a', 'b')
    """
    return _grouped(aggregate.ties, lambda tie: (tie.source, tie.target))


def funnel_by_territory(aggregate: PeriodAggregate) -> tuple[FunnelRow, ...]:
    """Funnel by the receiving organization's territory, key ``(territory_id,)``.

    Receivers without a territory are grouped under ``(None,)``. For the
    territory of the family or of the service, produce rows in the database.

    Parameters
    ----------
    aggregate : PeriodAggregate
        One period of one network.

    Returns
    -------
    tuple of FunnelRow
        One row per territory that received referrals, ``None`` last.

    References
    ----------
    .. [1] DESIGN.md §4, referral lifecycle.

    Examples
    --------
    >>> from datetime import date
    >>> from analytics.model import OrgNode
    >>> nodes = (OrgNode("a", "A", "COMMUNITY"), OrgNode("b", "B", "HOUSING", "t1"))
    >>> period = PeriodAggregate(date(2025, 1, 1), date(2025, 1, 31), nodes,
    ...                          (ReferralTie("a", "b", 2), ReferralTie("b", "a", 1)))
    >>> [(row.key, row.sent) for row in funnel_by_territory(period)]
    [(('t1',), 2), ((None,), 1)]
    """
    territory = {node.id: node.territory_id for node in aggregate.nodes}
    return _grouped(aggregate.ties, lambda tie: (territory[tie.target],))


def funnel_table(
    rows: Iterable[FunnelRow], key_names: Sequence[str] = ()
) -> list[dict[str, object]]:
    """Flatten funnel rows into table rows with their rates.

    Parameters
    ----------
    rows : iterable of FunnelRow
        Rows sharing one key shape.
    key_names : sequence of str
        Column names for the key's elements, e.g. ``("need_code", "territory_id")``.

    Returns
    -------
    list of dict
        Key columns, the five stage counts, ``declined`` (total), one
        ``declined_<REASON>`` column per reason seen in any row (0 where
        absent, so every row has the same columns), then the three rates.

    References
    ----------
    .. [1] DESIGN.md §6, breakdowns.

    Examples
    --------
    >>> funnel_table([FunnelRow(("HOUSING",), 4, 2, declined={"NO_CAPACITY": 1})],
    ...              ["need_code"])[0]["declined_NO_CAPACITY"]
    1
    """
    materialised = list(rows)
    reasons = sorted({reason for row in materialised for reason in row.declined})
    table: list[dict[str, object]] = []
    for row in materialised:
        if len(row.key) != len(key_names):
            raise ValueError(f"funnel row key {row.key!r} does not match columns {key_names!r}")
        record: dict[str, object] = dict(zip(key_names, row.key, strict=True))
        record.update({stage: getattr(row, stage) for stage in _STAGES})
        record["declined"] = row.declined_total
        record.update({f"declined_{r}": row.declined.get(r, 0) for r in reasons})
        record["acknowledgement_rate"] = row.acknowledgement_rate
        record["acceptance_rate"] = row.acceptance_rate
        record["completion_rate"] = row.completion_rate
        table.append(record)
    return table


def _grouped(
    ties: Iterable[ReferralTie], key: Callable[[ReferralTie], tuple[str | None, ...]]
) -> tuple[FunnelRow, ...]:
    groups: dict[tuple[str | None, ...], list[ReferralTie]] = {}
    for tie in ties:
        if tie.sent:
            groups.setdefault(key(tie), []).append(tie)
    ordered = sorted(groups, key=lambda k: [(part is None, part or "") for part in k])
    return tuple(_summed(k, groups[k]) for k in ordered)


def _summed(key: tuple[str | None, ...], ties: list[ReferralTie]) -> FunnelRow:
    declined: Counter[str] = Counter()
    for tie in ties:
        declined.update(tie.declined)
    return FunnelRow(
        key=key,
        sent=sum(t.sent for t in ties),
        acknowledged=sum(t.acknowledged for t in ties),
        accepted=sum(t.accepted for t in ties),
        contacted=sum(t.contacted for t in ties),
        completed=sum(t.completed for t in ties),
        declined=dict(sorted(declined.items())),
    )

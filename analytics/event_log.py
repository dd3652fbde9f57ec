"""A relational event log of referrals, published under the rule of :mod:`analytics.disclosure`.

Relational event models (Butts 2008; ``relevent``, ``goldfish``, ``eventnet``)
take one row per event: sender, receiver, time, type. This module turns the
events of the window's referrals into such rows, and publishes only what the
protected edge table (:func:`analytics.research_view.protect_edge_rows`)
already publishes, so the log adds no count an attacker could not read there:

- **Same cells.** An event of type ``SENT``, ``ACKNOWLEDGED``, ``ACCEPTED``,
  ``CONTACTED``, ``COMPLETED``, ``REDIRECTED`` or ``EXPIRED`` of a referral
  of pair (sender, receiver) sent in period *p* is a member of that pair's
  count of the same name in *p* (each count is "referrals that ever reached
  the stage", so one event per referral and type, the first). The events of
  a type are written only when that count is published (not suppressed): the
  log then has exactly as many rows of that type for the pair and period as
  the count says, and none when it is suppressed. A tie whose ``sent`` is
  suppressed has no row at all. ``DECLINED`` events are written, with their
  reason, only when ``declined`` and every ``declined_<REASON>`` of the row
  are published (the disclosure rule publishes ``declined`` only then).
- **Withheld types.** ``NO_SHOW`` and ``CANCELLED`` overlap the nested sets
  and are withheld from researchers (:data:`~analytics.disclosure.WITHHELD_EDGE_FIELDS`);
  notes, purges and consent events carry no count: none is written.
- **No date finer than the period** (the policy's one time grid). ``time``
  is ordinal: the rank of the event among the *published* events of the
  whole log, in the order they happened (1, 2, …, without gaps, so a removed
  event leaves no trace), which is what ordinal relational event models use
  (``relevent::rem.dyad(ordinal = TRUE)``). ``period`` is the referral's
  sending period, the period of the edge count the event belongs to, even
  when the event itself happened later. Events of one instant are ordered
  by type (the referral's life order) and then by pseudonyms, never by
  directory id. No referral id: events of one referral are not linked.

Residual risk, stated in the codebook: the order of events is finer than the
published medians (it shows, for instance, which acknowledgements came
before which sends), though never a date nor a hidden count.

References
----------
.. [1] Butts, C. T. (2008). A relational event framework for social action.
   *Sociological Methodology* 38(1), 155–200. DOI 10.1111/j.1467-9531.2008.00203.x
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

__all__ = ["EVENT_COLUMNS", "EVENT_COUNTS", "RawReferralEvent", "event_log_rows"]

#: Each published event type and the edge count it is a member of (the life order).
EVENT_COUNTS: Mapping[str, str] = {
    "SENT": "sent",
    "ACKNOWLEDGED": "acknowledged",
    "ACCEPTED": "accepted",
    "DECLINED": "declined",
    "REDIRECTED": "redirected",
    "CONTACTED": "contacted",
    "COMPLETED": "completed",
    "EXPIRED": "expired",
}
_ORDER = {kind: i for i, kind in enumerate(EVENT_COUNTS)}

#: The columns of ``event_log.csv``, in order.
EVENT_COLUMNS = ("period", "time", "sender", "receiver", "event_type", "decline_reason")


@dataclass(frozen=True, slots=True)
class RawReferralEvent:
    """One event of one referral, as read from the database (directory ids, exact time).

    ``period`` is the label of the referral's sending period
    (:func:`analytics.export.period_label`), ``reason`` the decline reason of
    a ``DECLINED`` event.
    """

    referral: str
    period: str
    sender: str
    receiver: str
    type: str
    at: datetime
    reason: str | None = None


def _published(row: Mapping[str, Any], event: RawReferralEvent) -> bool:
    count = EVENT_COUNTS[event.type]
    if row.get(count) is None:
        return False
    if event.type == "DECLINED":
        reasons = [k for k in row if k.startswith("declined_")]
        return all(row[k] is not None for k in reasons) and f"declined_{event.reason}" in row
    return True


def event_log_rows(
    events: Iterable[RawReferralEvent],
    edges: Sequence[Mapping[str, Any]],
    names: Callable[[str], str],
) -> list[dict[str, Any]]:
    """The published relational event log: one row per event, ordinal time.

    Parameters
    ----------
    events : iterable of RawReferralEvent
        The referrals' events (any order, any type; unpublished types are dropped).
    edges : sequence of mapping
        Protected edge rows (:func:`analytics.research_view.protect_edge_rows`)
        of the same periods, with directory ids in ``source`` and ``target``.
    names : callable
        Directory id → pseudonym (:class:`analytics.disclosure.Pseudonyms`).

    Returns
    -------
    list of dict
        Columns :data:`EVENT_COLUMNS`, in the order the events happened.

    Examples
    --------
    >>> from datetime import UTC, datetime
    >>> day = lambda d: datetime(2025, 1, d, tzinfo=UTC)
    >>> raw = [RawReferralEvent("r1", "q1", "a", "b", "SENT", day(2)),
    ...        RawReferralEvent("r1", "q1", "a", "b", "ACKNOWLEDGED", day(3))]
    >>> edge = {"period": "q1", "source": "a", "target": "b", "sent": 5, "acknowledged": None}
    >>> [(r["time"], r["event_type"]) for r in event_log_rows(raw, [edge], str.upper)]
    [(1, 'SENT')]
    """
    rows = {(e["period"], e["source"], e["target"]): e for e in edges}
    first: dict[tuple[str, str], RawReferralEvent] = {}
    for event in events:
        if event.type not in EVENT_COUNTS:
            continue
        key = (event.referral, event.type)
        if key not in first or event.at < first[key].at:
            first[key] = event
    kept = []
    for event in first.values():
        row = rows.get((event.period, event.sender, event.receiver))
        if row is not None and _published(row, event):
            kept.append((event, names(event.sender), names(event.receiver)))
    kept.sort(key=lambda k: (k[0].at, _ORDER[k[0].type], k[1], k[2], k[0].reason or ""))
    return [
        {
            "period": event.period,
            "time": rank,
            "sender": sender,
            "receiver": receiver,
            "event_type": event.type,
            "decline_reason": event.reason if event.type == "DECLINED" else None,
        }
        for rank, (event, sender, receiver) in enumerate(kept, start=1)
    ]

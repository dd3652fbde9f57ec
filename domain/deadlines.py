"""The acknowledgement deadline: overdue, acknowledged late, and expiry.

A referral is sent with an ``acknowledgeBy`` deadline (72 h by default). Two
measures are read against it, and they are not the same thing:

- **overdue** (:func:`is_overdue`) — the one meaning of the word in the inbox,
  the analytics and the board report: the referral is *still* awaiting its
  acknowledgement (status SENT) and ``acknowledgeBy`` is past. It describes
  the present: once acknowledged, cancelled or expired, a referral is no
  longer overdue.
- **acknowledged late** (:func:`is_acknowledged_late`) — a referral whose
  acknowledgement came after ``acknowledgeBy``. It describes the past, and
  counts referrals that were overdue for a while and then answered.

Expiry (:func:`expires_at`): a sweep expires the overdue referrals, each dated
at its deadline, so the record says when it stopped waiting, not when the
sweep happened to run.
"""

from __future__ import annotations

from datetime import datetime

from domain.lifecycle import ACTIONS, AWAITING_ACKNOWLEDGEMENT, Action
from domain.vocabulary import ReferralStatus

__all__ = [
    "EXPIRES_FROM",
    "OVERDUE_STATUSES",
    "expires_at",
    "is_acknowledged_late",
    "is_expirable",
    "is_overdue",
]

#: The statuses a referral is overdue in once ``acknowledgeBy`` is past.
OVERDUE_STATUSES = AWAITING_ACKNOWLEDGEMENT

#: The statuses the sweep may expire a referral from (the EXPIRE rule's).
EXPIRES_FROM = ACTIONS[Action.EXPIRE].allowed_from


def is_overdue(status: ReferralStatus | str, acknowledge_by: datetime, now: datetime) -> bool:
    """Whether the referral still awaits its acknowledgement and ``acknowledgeBy`` is past.

    Examples
    --------
    >>> from datetime import datetime, UTC
    >>> due = datetime(2025, 1, 4, tzinfo=UTC)
    >>> is_overdue("SENT", due, datetime(2025, 1, 5, tzinfo=UTC))
    True
    >>> is_overdue("SENT", due, due)  # at the deadline itself: not yet
    False
    >>> is_overdue("EXPIRED", due, datetime(2025, 1, 5, tzinfo=UTC))  # no longer waiting
    False
    """
    return ReferralStatus(status) in OVERDUE_STATUSES and acknowledge_by < now


def is_acknowledged_late(acknowledged_at: datetime | None, acknowledge_by: datetime) -> bool:
    """Whether the referral was acknowledged, and after ``acknowledgeBy``.

    Examples
    --------
    >>> from datetime import datetime, UTC
    >>> due = datetime(2025, 1, 4, tzinfo=UTC)
    >>> is_acknowledged_late(datetime(2025, 1, 6, tzinfo=UTC), due)
    True
    >>> is_acknowledged_late(due, due), is_acknowledged_late(None, due)
    (False, False)
    """
    return acknowledged_at is not None and acknowledged_at > acknowledge_by


def is_expirable(status: ReferralStatus | str, acknowledge_by: datetime, now: datetime) -> bool:
    """Whether the sweep at ``now`` expires the referral: it is overdue, and EXPIRE applies."""
    return is_overdue(status, acknowledge_by, now) and ReferralStatus(status) in EXPIRES_FROM


def expires_at(acknowledge_by: datetime) -> datetime:
    """When an expired referral's EXPIRED event is dated: at its deadline."""
    return acknowledge_by

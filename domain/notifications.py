"""Who is told of what, and when: the notification rules of DESIGN.md §10, pure.

An event someone must act on creates a notification in the same transaction
(an outbox, see ``graph/notify/delivery.py``); a worker delivers it by e-mail.
This module holds the table of which event notifies whom
(:data:`EVENT_NOTIFICATIONS`), whether a notification is still worth sending
once the referral has moved on (:func:`still_needed`), the retry delays
(:func:`retry_delay`), the reminders before ``acknowledgeBy``
(:func:`due_reminder`) and the escalation to coordinators
(:func:`escalation_due`).

A redirect is told twice, by two events of one transaction: the original
referral's REDIRECTED tells its sender, and the new referral's SENT tells the
organization it is redirected to (its intake notice).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import Enum

from domain.vocabulary import EventType, ReferralStatus

__all__ = [
    "ANSWERABLE",
    "EVENT_NOTIFICATIONS",
    "NEEDS_AWAITING",
    "DeliveryMode",
    "NotificationKind",
    "NotificationState",
    "Recipient",
    "ReminderPolicy",
    "due_reminder",
    "escalation_due",
    "next_digest_at",
    "notifications_for",
    "retry_delay",
    "still_needed",
]


class NotificationKind(str, Enum):
    """What a notification says; also what an organization may choose to receive."""

    REFERRAL_RECEIVED = "REFERRAL_RECEIVED"
    REFERRAL_DECLINED = "REFERRAL_DECLINED"
    REFERRAL_REDIRECTED = "REFERRAL_REDIRECTED"
    REFERRAL_COMPLETED = "REFERRAL_COMPLETED"
    REFERRAL_EXPIRED = "REFERRAL_EXPIRED"
    ACKNOWLEDGE_REMINDER = "ACKNOWLEDGE_REMINDER"
    ESCALATION = "ESCALATION"


class Recipient(str, Enum):
    """Whom a notification goes to: one party's intake address, or the network's coordinators."""

    RECEIVER = "RECEIVER"
    SENDER = "SENDER"
    COORDINATORS = "COORDINATORS"


class NotificationState(str, Enum):
    """PENDING until the SMTP server accepts it (DELIVERED) or it is no longer needed (DROPPED)."""

    PENDING = "PENDING"
    DELIVERED = "DELIVERED"
    DROPPED = "DROPPED"


class DeliveryMode(str, Enum):
    """An organization's choice: each notification at once, or one e-mail a day."""

    IMMEDIATE = "IMMEDIATE"
    DAILY_DIGEST = "DAILY_DIGEST"


K = NotificationKind

#: Event type -> (recipient, kind) of each notification the event creates.
EVENT_NOTIFICATIONS: dict[EventType, tuple[tuple[Recipient, NotificationKind], ...]] = {
    EventType.SENT: ((Recipient.RECEIVER, K.REFERRAL_RECEIVED),),
    EventType.DECLINED: ((Recipient.SENDER, K.REFERRAL_DECLINED),),
    EventType.REDIRECTED: ((Recipient.SENDER, K.REFERRAL_REDIRECTED),),
    EventType.COMPLETED: ((Recipient.SENDER, K.REFERRAL_COMPLETED),),
    EventType.EXPIRED: ((Recipient.SENDER, K.REFERRAL_EXPIRED),),
}

#: Kinds that ask the receiver to acknowledge: pointless once the referral left SENT.
NEEDS_AWAITING = frozenset({K.REFERRAL_RECEIVED, K.ACKNOWLEDGE_REMINDER, K.ESCALATION})

#: Kinds whose e-mail carries one-click answers (acknowledge, accept, decline) for the receiver.
ANSWERABLE = frozenset({K.REFERRAL_RECEIVED, K.ACKNOWLEDGE_REMINDER})


def notifications_for(event: EventType | str) -> tuple[tuple[Recipient, NotificationKind], ...]:
    """The notifications ``event`` creates (none for most events).

    Examples
    --------
    >>> notifications_for("SENT")
    ((<Recipient.RECEIVER: 'RECEIVER'>, <NotificationKind.REFERRAL_RECEIVED: 'REFERRAL_RECEIVED'>),)
    >>> notifications_for("ACKNOWLEDGED")
    ()
    """
    return EVENT_NOTIFICATIONS.get(EventType(event), ())


def still_needed(kind: NotificationKind | str, status: ReferralStatus | str) -> bool:
    """Whether a notification of ``kind`` is worth sending while the referral is ``status``.

    An intake notice, a reminder or an escalation asks for an acknowledgement:
    once the referral is acknowledged or closed, it would only mislead.
    Outcomes told to the sender stay true whatever happens next.

    Examples
    --------
    >>> still_needed("REFERRAL_RECEIVED", "SENT"), still_needed("REFERRAL_RECEIVED", "ACKNOWLEDGED")
    (True, False)
    >>> still_needed("REFERRAL_DECLINED", "DECLINED")
    True
    """
    if NotificationKind(kind) in NEEDS_AWAITING:
        return ReferralStatus(status) is ReferralStatus.SENT
    return True


def retry_delay(attempts: int, *, base_seconds: float = 30.0, cap_seconds: float = 3600.0) -> float:
    """Seconds to wait after the ``attempts``-th failed delivery: doubling, capped.

    Never gives up: a notification waits at most ``cap_seconds`` between
    attempts for as long as the SMTP server is away, so nothing is lost.

    Examples
    --------
    >>> [retry_delay(n, base_seconds=30, cap_seconds=300) for n in (1, 2, 3, 4, 5)]
    [30.0, 60.0, 120.0, 240.0, 300.0]
    """
    exponent = min(max(attempts, 1) - 1, 30)
    return float(min(cap_seconds, base_seconds * 2**exponent))


@dataclass(frozen=True)
class ReminderPolicy:
    """When to remind the receiver, and when to tell the coordinators.

    ``halfway``: remind at half the acknowledgement delay; ``hours_before``:
    remind this long before ``acknowledgeBy``; ``escalation_hours_before``:
    tell the network's coordinators when the referral is still unacknowledged
    this long before its deadline (the sweep expires it at the deadline).
    """

    halfway: bool = True
    hours_before: float = 24.0
    escalation_hours_before: float = 6.0

    def reminder_times(self, sent_at: datetime, acknowledge_by: datetime) -> list[datetime]:
        """The reminder times strictly between sending and the deadline, earliest first."""
        times = set()
        if self.halfway:
            times.add(sent_at + (acknowledge_by - sent_at) / 2)
        if self.hours_before > 0:
            times.add(acknowledge_by - timedelta(hours=self.hours_before))
        return sorted(t for t in times if sent_at < t < acknowledge_by)


def due_reminder(
    policy: ReminderPolicy, sent_at: datetime, acknowledge_by: datetime, now: datetime
) -> int | None:
    """The stage (0, 1, …) of the latest reminder due at ``now``, or None.

    Only the latest passed stage is due: a sweep that runs late sends one
    reminder, not one per missed stage, and an earlier stage is never sent
    after a later one (the caller keeps one notification per stage).

    Examples
    --------
    >>> from datetime import UTC, datetime, timedelta
    >>> sent = datetime(2026, 1, 1, tzinfo=UTC)
    >>> by = sent + timedelta(hours=72)
    >>> policy = ReminderPolicy()
    >>> [due_reminder(policy, sent, by, sent + timedelta(hours=h)) for h in (35, 36, 47, 48, 73)]
    [None, 0, 0, 1, None]
    """
    if now >= acknowledge_by:
        return None
    passed = [i for i, t in enumerate(policy.reminder_times(sent_at, acknowledge_by)) if t <= now]
    return passed[-1] if passed else None


def escalation_due(policy: ReminderPolicy, acknowledge_by: datetime, now: datetime) -> bool:
    """Whether the coordinators should hear of a referral still SENT at ``now``.

    Examples
    --------
    >>> from datetime import UTC, datetime, timedelta
    >>> by = datetime(2026, 1, 4, tzinfo=UTC)
    >>> [escalation_due(ReminderPolicy(), by, by - timedelta(hours=h)) for h in (7, 6, 0)]
    [False, True, False]
    """
    start = acknowledge_by - timedelta(hours=policy.escalation_hours_before)
    return start <= now < acknowledge_by


def next_digest_at(now: datetime, hour_utc: int = 12) -> datetime:
    """When the next daily digest goes out: today at ``hour_utc`` if still ahead, else tomorrow.

    Examples
    --------
    >>> from datetime import UTC, datetime
    >>> next_digest_at(datetime(2026, 1, 1, 9, tzinfo=UTC)).isoformat()
    '2026-01-01T12:00:00+00:00'
    >>> next_digest_at(datetime(2026, 1, 1, 12, tzinfo=UTC)).isoformat()
    '2026-01-02T12:00:00+00:00'
    """
    today = now.replace(hour=hour_utc, minute=0, second=0, microsecond=0)
    return today if today > now else today + timedelta(days=1)

"""The referral lifecycle of DESIGN.md §4 as a table: action × status → status.

```
SENT ──► ACKNOWLEDGED ──► ACCEPTED ──► CONTACTED ──► COMPLETED
  │            │              │             └──────► NO_SHOW
  │            ├──► DECLINED(reason)
  │            └──► REDIRECTED (new referral to another organization, linked)
  ├──► EXPIRED   (no acknowledgement before acknowledgeBy; set by a sweep)
  └──► CANCELLED (by the sender, from any non-terminal state, with a reason)
```

Pure: no database. ``graph/referrals.py`` asks :func:`next_status` inside
the transaction that holds the referral's lock.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

from graph.errors import InvalidTransition
from graph.vocabulary import TERMINAL_STATUSES, EventType, ReferralStatus

__all__ = ["ACTIONS", "Action", "Party", "Rule", "is_terminal", "next_status"]

S = ReferralStatus


class Party(str, Enum):
    """Who may take an action."""

    RECEIVER = "RECEIVER"
    SENDER = "SENDER"
    EITHER = "EITHER"
    SYSTEM = "SYSTEM"


class Action(str, Enum):
    ACKNOWLEDGE = "ACKNOWLEDGE"
    ACCEPT = "ACCEPT"
    DECLINE = "DECLINE"
    REDIRECT = "REDIRECT"
    RECORD_CONTACT = "RECORD_CONTACT"
    COMPLETE = "COMPLETE"
    RECORD_NO_SHOW = "RECORD_NO_SHOW"
    EXPIRE = "EXPIRE"
    CANCEL = "CANCEL"
    NOTE = "NOTE"


@dataclass(frozen=True)
class Rule:
    event: EventType
    party: Party
    allowed_from: frozenset[ReferralStatus]
    # None: the status does not change (notes)
    to: ReferralStatus | None


NON_TERMINAL = frozenset(set(S) - TERMINAL_STATUSES)

ACTIONS: dict[Action, Rule] = {
    Action.ACKNOWLEDGE: Rule(
        EventType.ACKNOWLEDGED, Party.RECEIVER, frozenset({S.SENT}), S.ACKNOWLEDGED
    ),
    Action.ACCEPT: Rule(
        EventType.ACCEPTED, Party.RECEIVER, frozenset({S.ACKNOWLEDGED}), S.ACCEPTED
    ),
    Action.DECLINE: Rule(
        EventType.DECLINED, Party.RECEIVER, frozenset({S.ACKNOWLEDGED}), S.DECLINED
    ),
    Action.REDIRECT: Rule(
        EventType.REDIRECTED, Party.RECEIVER, frozenset({S.ACKNOWLEDGED}), S.REDIRECTED
    ),
    Action.RECORD_CONTACT: Rule(
        EventType.CONTACTED, Party.RECEIVER, frozenset({S.ACCEPTED}), S.CONTACTED
    ),
    Action.COMPLETE: Rule(
        EventType.COMPLETED, Party.RECEIVER, frozenset({S.CONTACTED}), S.COMPLETED
    ),
    # A family can miss the first appointment whether or not it was reached
    # beforehand, so a no-show is accepted from ACCEPTED as well as CONTACTED.
    Action.RECORD_NO_SHOW: Rule(
        EventType.NO_SHOW, Party.RECEIVER, frozenset({S.ACCEPTED, S.CONTACTED}), S.NO_SHOW
    ),
    Action.EXPIRE: Rule(EventType.EXPIRED, Party.SYSTEM, frozenset({S.SENT}), S.EXPIRED),
    Action.CANCEL: Rule(EventType.CANCELLED, Party.SENDER, NON_TERMINAL, S.CANCELLED),
    Action.NOTE: Rule(EventType.NOTE, Party.EITHER, frozenset(S), None),
}


def is_terminal(status: ReferralStatus | str) -> bool:
    return ReferralStatus(status) in TERMINAL_STATUSES


def next_status(status: ReferralStatus | str, action: Action) -> ReferralStatus:
    """The status after ``action``, or :class:`InvalidTransition` naming the current status."""
    current = ReferralStatus(status)
    rule = ACTIONS[action]
    if current not in rule.allowed_from:
        allowed = ", ".join(sorted(s.value for s in rule.allowed_from))
        raise InvalidTransition(
            f"Cannot {action.value.lower().replace('_', ' ')} a referral that is "
            f"{current.value}; this is possible only from {allowed}.",
            currentStatus=current.value,
            action=action.value,
        )
    return current if rule.to is None else rule.to

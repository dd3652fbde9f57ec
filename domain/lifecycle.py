"""The referral lifecycle of DESIGN.md §4 as one table: action × status → status.

```
SENT ──► ACKNOWLEDGED ──► ACCEPTED ──► CONTACTED ──► COMPLETED
  │            │              │             └──────► NO_SHOW
  │            ├──► DECLINED(reason)
  │            └──► REDIRECTED (new referral to another organization, linked)
  ├──► EXPIRED   (no acknowledgement before acknowledgeBy; set by a sweep)
  └──► CANCELLED (by the sender, from any non-terminal state, with a reason)
```

For each :class:`Action`, its :class:`Rule` says which :class:`Party` may take
it, the event it writes, the statuses it is allowed from, the status it leads
to and whether it closes the loop (the sender knows the outcome). Three events
are not actions of a party's choosing: ``SENT`` opens a referral, and
``CONTACT_PURGED`` and ``CONSENT_WITHDRAWN`` record a change of the family's
data; like a note, they keep the status (:data:`STATUS_KEEPING_EVENTS`).

Pure: no database. ``graph/referral/commands.py`` asks :func:`next_status` inside the
transaction that holds the referral's lock; the importer replays imported
events through the same table; the simulator and the GraphQL policy read who
may act from it.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

from domain.errors import InvalidTransition
from domain.vocabulary import EventType, ReferralStatus

__all__ = [
    "ACTIONS",
    "AWAITING_ACKNOWLEDGEMENT",
    "EVENT_PARTIES",
    "NON_TERMINAL",
    "STATUS_KEEPING_EVENTS",
    "TERMINAL_STATUSES",
    "Action",
    "Party",
    "Rule",
    "action_of",
    "closes_loop",
    "is_terminal",
    "next_status",
    "party_of",
]

S = ReferralStatus


class Party(str, Enum):
    """Who may take an action: a party of the referral, or the system (a sweep)."""

    RECEIVER = "RECEIVER"
    SENDER = "SENDER"
    EITHER = "EITHER"
    SYSTEM = "SYSTEM"


class Action(str, Enum):
    """What a party does to a referral; each writes one event (:data:`ACTIONS`)."""

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


#: The outcomes: once a referral has one, the sender's loop is closed and no
#: action but a note applies.
TERMINAL_STATUSES = frozenset(
    {S.COMPLETED, S.NO_SHOW, S.DECLINED, S.REDIRECTED, S.EXPIRED, S.CANCELLED}
)
NON_TERMINAL = frozenset(set(S) - TERMINAL_STATUSES)

#: The statuses in which a referral waits for its acknowledgement, against the
#: ``acknowledgeBy`` deadline (:mod:`domain.deadlines`).
AWAITING_ACKNOWLEDGEMENT = frozenset({S.SENT})


@dataclass(frozen=True)
class Rule:
    """One row of the lifecycle table."""

    event: EventType
    party: Party
    allowed_from: frozenset[ReferralStatus]
    # None: the status does not change (notes)
    to: ReferralStatus | None

    @property
    def closes_loop(self) -> bool:
        """Whether taking the action gives the referral its outcome."""
        return self.to is not None and self.to in TERMINAL_STATUSES


ACTIONS: dict[Action, Rule] = {
    Action.ACKNOWLEDGE: Rule(
        EventType.ACKNOWLEDGED, Party.RECEIVER, AWAITING_ACKNOWLEDGEMENT, S.ACKNOWLEDGED
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
    # Expiry is the consequence of waiting too long: only a referral still
    # awaiting its acknowledgement expires (when, see domain.deadlines).
    Action.EXPIRE: Rule(EventType.EXPIRED, Party.SYSTEM, AWAITING_ACKNOWLEDGEMENT, S.EXPIRED),
    Action.CANCEL: Rule(EventType.CANCELLED, Party.SENDER, NON_TERMINAL, S.CANCELLED),
    Action.NOTE: Rule(EventType.NOTE, Party.EITHER, frozenset(S), None),
}

#: Events that record something about a referral without changing its status.
STATUS_KEEPING_EVENTS = frozenset(
    {EventType.CONTACT_PURGED, EventType.CONSENT_WITHDRAWN}
    | {rule.event for rule in ACTIONS.values() if rule.to is None}
)

#: Who writes each event type: the actions' parties, and the three events no
#: action writes (the sender sends; the system purges contact after retention;
#: either party records that the family withdrew consent).
EVENT_PARTIES: dict[EventType, Party] = {
    EventType.SENT: Party.SENDER,
    EventType.CONTACT_PURGED: Party.SYSTEM,
    EventType.CONSENT_WITHDRAWN: Party.EITHER,
    **{rule.event: rule.party for rule in ACTIONS.values()},
}

_ACTION_OF_EVENT = {rule.event: action for action, rule in ACTIONS.items()}
# Codes as plain strings: the importer asks closes_loop once per imported event.
_TERMINAL_CODES = frozenset(s.value for s in TERMINAL_STATUSES)
_KEEPING_CODES = frozenset(e.value for e in STATUS_KEEPING_EVENTS)


def is_terminal(status: ReferralStatus | str) -> bool:
    """Whether ``status`` is an outcome: the sender's loop is closed."""
    return ReferralStatus(status) in TERMINAL_STATUSES


def closes_loop(event: EventType | str, status: ReferralStatus | str) -> bool:
    """Whether ``event``, leaving the referral in ``status``, closes its loop.

    An event closes the loop when it gives the referral a terminal status; a
    note, a purge or a consent withdrawal recorded afterwards keeps the status
    and closes nothing again.
    """
    # A str-valued enum member hashes and compares as its code.
    return event not in _KEEPING_CODES and status in _TERMINAL_CODES


def action_of(event: EventType | str) -> Action | None:
    """The action that writes ``event``; None for SENT, CONTACT_PURGED, CONSENT_WITHDRAWN."""
    return _ACTION_OF_EVENT.get(EventType(event))


def party_of(action: Action) -> Party:
    """The party that may take ``action``."""
    return ACTIONS[action].party


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

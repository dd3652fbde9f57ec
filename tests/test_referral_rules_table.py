"""The referral rules of domain/ against a table written by hand from DESIGN.md §4.

Every action × status: allowed or not, and when allowed, the resulting status,
the party that may act, the event written and whether the loop closes.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from domain.deadlines import expires_at, is_acknowledged_late, is_expirable, is_overdue
from domain.errors import InvalidTransition
from domain.lifecycle import ACTIONS as RULES
from domain.lifecycle import (
    EVENT_PARTIES,
    TERMINAL_STATUSES,
    Action,
    Party,
    action_of,
    closes_loop,
    next_status,
    party_of,
)
from domain.vocabulary import EventType, ReferralStatus

ALL = {s.value for s in ReferralStatus}
OPEN = {"SENT", "ACKNOWLEDGED", "ACCEPTED", "CONTACTED"}

# action: (party, event, allowed from, resulting status (None: unchanged), closes the loop)
TABLE: dict[str, tuple[str, str, set[str], str | None, bool]] = {
    "ACKNOWLEDGE": ("RECEIVER", "ACKNOWLEDGED", {"SENT"}, "ACKNOWLEDGED", False),
    "ACCEPT": ("RECEIVER", "ACCEPTED", {"ACKNOWLEDGED"}, "ACCEPTED", False),
    "DECLINE": ("RECEIVER", "DECLINED", {"ACKNOWLEDGED"}, "DECLINED", True),
    "REDIRECT": ("RECEIVER", "REDIRECTED", {"ACKNOWLEDGED"}, "REDIRECTED", True),
    "RECORD_CONTACT": ("RECEIVER", "CONTACTED", {"ACCEPTED"}, "CONTACTED", False),
    "COMPLETE": ("RECEIVER", "COMPLETED", {"CONTACTED"}, "COMPLETED", True),
    "RECORD_NO_SHOW": ("RECEIVER", "NO_SHOW", {"ACCEPTED", "CONTACTED"}, "NO_SHOW", True),
    "EXPIRE": ("SYSTEM", "EXPIRED", {"SENT"}, "EXPIRED", True),
    "CANCEL": ("SENDER", "CANCELLED", OPEN, "CANCELLED", True),
    "NOTE": ("EITHER", "NOTE", ALL, None, False),
}

CASES = [
    pytest.param(action, status, id=f"{action}-from-{status}")
    for action in TABLE
    for status in sorted(ALL)
]


def test_the_table_covers_every_action() -> None:
    assert set(TABLE) == {a.value for a in Action}


def test_the_terminal_statuses_are_the_six_outcomes() -> None:
    assert {s.value for s in TERMINAL_STATUSES} == ALL - OPEN


@pytest.mark.parametrize(("action", "status"), CASES)
def test_each_action_from_each_status(action: str, status: str) -> None:
    party, event, allowed_from, to, closes = TABLE[action]
    rule = RULES[Action(action)]
    assert (rule.party.value, rule.event.value, rule.closes_loop) == (party, event, closes)
    assert party_of(Action(action)) is Party(party)
    assert action_of(event) is Action(action)
    if status in allowed_from:
        after = next_status(status, Action(action)).value
        assert after == (to or status)
        assert closes_loop(event, after) is closes
    else:
        with pytest.raises(InvalidTransition) as caught:
            next_status(status, Action(action))
        assert caught.value.details["currentStatus"] == status


def test_events_no_action_writes_have_their_party_and_keep_the_status() -> None:
    assert action_of("SENT") is None
    assert EVENT_PARTIES[EventType.SENT] is Party.SENDER
    assert EVENT_PARTIES[EventType.CONTACT_PURGED] is Party.SYSTEM
    assert EVENT_PARTIES[EventType.CONSENT_WITHDRAWN] is Party.EITHER
    # recorded on a referral that is already closed, they do not close it again
    for event in ("CONTACT_PURGED", "CONSENT_WITHDRAWN", "NOTE"):
        assert not closes_loop(event, "COMPLETED")
    assert not closes_loop("SENT", "SENT")


DUE = datetime(2025, 1, 4, 12, tzinfo=UTC)
LATER = DUE + timedelta(hours=1)


@pytest.mark.parametrize(
    ("status", "now", "overdue"),
    [
        pytest.param("SENT", LATER, True, id="sent-past-the-deadline"),
        pytest.param("SENT", DUE, False, id="sent-at-the-deadline"),
        pytest.param("SENT", DUE - timedelta(hours=1), False, id="sent-before-the-deadline"),
        pytest.param("EXPIRED", LATER, False, id="expired-is-not-late"),
        pytest.param("ACKNOWLEDGED", LATER, False, id="acknowledged"),
        pytest.param("CANCELLED", LATER, False, id="cancelled"),
    ],
)
def test_overdue_means_still_sent_and_past_acknowledge_by(
    status: str, now: datetime, overdue: bool
) -> None:
    assert is_overdue(status, DUE, now) is overdue
    # the sweep expires exactly the overdue referrals, dated at their deadline
    assert is_expirable(status, DUE, now) is overdue
    assert expires_at(DUE) == DUE


def test_acknowledged_late_is_a_separate_measure_of_the_past() -> None:
    assert is_acknowledged_late(LATER, DUE)
    assert not is_acknowledged_late(DUE, DUE)
    assert not is_acknowledged_late(None, DUE)
    # acknowledged late: no longer overdue
    assert not is_overdue("ACKNOWLEDGED", DUE, LATER + timedelta(days=1))

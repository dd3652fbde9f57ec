"""The relational event log publishes the events of published counts only, in ordinal time.

One quarter, hand-built. By the disclosure rule (analytics/disclosure.py, threshold 5):

- a→b: 7 sent (2–8 Jan), 7 acknowledged (10–16 Jan), 6 accepted, 1 declined NO_CAPACITY:
  sent 7 and acknowledged 7 published; accepted (7 − 6 = 1 declined) suppressed, so are
  declined and its reason: 7 SENT and 7 ACKNOWLEDGED rows, no ACCEPTED, no DECLINED.
- b→c: 3 sent (9, 11, 13 Jan, between a→b's events), none acknowledged: sent suppressed,
  acknowledged 0: no row at all.
- c→a: 5 sent (20–24 Jan), 5 expired (1–5 Feb): 5 SENT and 5 EXPIRED rows.
- d→e: 10 sent (1–10 Mar), 10 acknowledged (11 Mar), 5 accepted, 5 declined NO_CAPACITY
  (12 Mar): everything published: 10 + 10 + 5 ACCEPTED + 5 DECLINED (NO_CAPACITY) rows.

So 7 + 7 + 5 + 5 + 10 + 10 + 5 + 5 = 54 rows, times 1 … 54 with no gap where b→c's
events were.
"""

from __future__ import annotations

from collections import Counter
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest

from analytics.disclosure import Pseudonyms
from analytics.event_log import EVENT_COLUMNS, RawReferralEvent, event_log_rows
from analytics.export import edge_list_rows
from analytics.model import OrgNode, PeriodAggregate, ReferralTie
from analytics.research_view import protect_edge_rows

Q1 = "2025-01-01/2025-03-31"
NAMES = Pseudonyms(b"k" * 32)


def _at(month: int, day: int, hour: int = 9) -> datetime:
    return datetime(2025, month, day, hour, tzinfo=UTC)


def _referral(
    rid: str, pair: str, *steps: tuple[str, datetime, str | None]
) -> list[RawReferralEvent]:
    sender, receiver = pair[0], pair[1]
    return [RawReferralEvent(rid, Q1, sender, receiver, kind, at, reason)
            for kind, at, reason in steps]  # fmt: skip


def _world(
    bc_sent: int = 3, bc_first_day: int = 9
) -> tuple[list[RawReferralEvent], list[dict[str, Any]]]:
    """The events and the protected edge rows of the quarter (b→c's size and timing vary)."""
    events: list[RawReferralEvent] = []
    for i in range(7):
        last = ("DECLINED", _at(1, 17), "NO_CAPACITY") if i == 6 else ("ACCEPTED", _at(1, 17), None)
        events += _referral(f"ab{i}", "ab", ("SENT", _at(1, 2 + i), None),
                            ("ACKNOWLEDGED", _at(1, 10 + i), None), last)  # fmt: skip
    for i in range(bc_sent):
        events += _referral(f"bc{i}", "bc", ("SENT", _at(1, bc_first_day + 2 * i), None))
    for i in range(5):
        events += _referral(f"ca{i}", "ca", ("SENT", _at(1, 20 + i), None),
                            ("EXPIRED", _at(2, 1 + i), None))  # fmt: skip
    for i in range(10):
        last = ("ACCEPTED", _at(3, 12), None) if i < 5 else ("DECLINED", _at(3, 12), "NO_CAPACITY")
        events += _referral(f"de{i}", "de", ("SENT", _at(3, 1 + i), None),
                            ("ACKNOWLEDGED", _at(3, 11), None), last)  # fmt: skip
    events.append(RawReferralEvent("de0", Q1, "d", "e", "NOTE", _at(3, 13)))  # never published
    period = PeriodAggregate(
        date(2025, 1, 1), date(2025, 3, 31),
        tuple(OrgNode(i, i, "COMMUNITY") for i in "abcde"),
        (ReferralTie("a", "b", 7, acknowledged=7, accepted=6, declined={"NO_CAPACITY": 1}),
         ReferralTie("b", "c", bc_sent),
         ReferralTie("c", "a", 5, expired=5),
         ReferralTie("d", "e", 10, acknowledged=10, accepted=5, declined={"NO_CAPACITY": 5})),
    )  # fmt: skip
    return events, protect_edge_rows(edge_list_rows([period], threshold=0))


def test_each_published_count_has_as_many_rows_and_a_suppressed_one_none() -> None:
    events, edges = _world()
    rows = event_log_rows(events, edges, NAMES)
    a, b, c, d, e = (NAMES(x) for x in "abcde")
    counts = Counter((r["sender"], r["receiver"], r["event_type"]) for r in rows)
    assert counts == {
        (a, b, "SENT"): 7, (a, b, "ACKNOWLEDGED"): 7,
        (c, a, "SENT"): 5, (c, a, "EXPIRED"): 5,
        (d, e, "SENT"): 10, (d, e, "ACKNOWLEDGED"): 10, (d, e, "ACCEPTED"): 5,
        (d, e, "DECLINED"): 5,
    }  # fmt: skip
    assert {r["decline_reason"] for r in rows if r["event_type"] == "DECLINED"} == {"NO_CAPACITY"}
    assert {r["decline_reason"] for r in rows if r["event_type"] != "DECLINED"} == {None}
    assert all(list(r) == list(EVENT_COLUMNS) and r["period"] == Q1 for r in rows)


def test_time_is_the_ordinal_rank_among_published_events_without_gaps() -> None:
    events, edges = _world()
    rows = event_log_rows(events, edges, NAMES)
    assert [r["time"] for r in rows] == list(range(1, 55))
    # a→b's first send (2 Jan) is first; its 7th send (8 Jan) is followed by its first
    # acknowledgement (10 Jan): b→c's sends of 9, 11, 13 Jan left no trace between them.
    a, b = NAMES("a"), NAMES("b")
    assert [(r["sender"], r["receiver"], r["event_type"]) for r in rows[6:8]] == [
        (a, b, "SENT"), (a, b, "ACKNOWLEDGED")
    ]  # fmt: skip
    # d→e's ten acknowledgements share one instant: then the rows follow type, then pseudonym.
    assert [r["event_type"] for r in rows[-20:]] == ["ACKNOWLEDGED"] * 10 + ["ACCEPTED"] * 5 + [
        "DECLINED"
    ] * 5


def test_an_attacker_cannot_recover_a_suppressed_tie_count_from_the_log() -> None:
    # The attacker holds the log and the published edge table, and knows everything but b→c.
    # Worlds with 3 or 4 referrals b→c, sent at other times, publish the very same log:
    # nothing in it (rows, ranks, gaps) depends on the suppressed count.
    logs = []
    for sent, first_day in ((3, 9), (4, 9), (3, 25), (1, 3)):
        events, edges = _world(sent, first_day)
        bc = next(e for e in edges if (e["source"], e["target"]) == ("b", "c"))
        assert bc["sent"] is None  # suppressed in the edge table too
        logs.append(event_log_rows(events, edges, NAMES))
    assert all(log == logs[0] for log in logs)
    b, c = NAMES("b"), NAMES("c")
    assert not [r for r in logs[0] if (r["sender"], r["receiver"]) == (b, c)]
    # Nor a suppressed stage of a published tie: a→b's accepted 6 and declined 1.
    a = NAMES("a")
    assert not [r for r in logs[0] if (r["sender"], r["receiver"]) == (a, b)
                and r["event_type"] in ("ACCEPTED", "DECLINED")]  # fmt: skip


@pytest.mark.parametrize(
    "kind",
    [pytest.param("NO_SHOW", id="no-show"), pytest.param("CANCELLED", id="cancelled"),
     pytest.param("NOTE", id="note")],
)  # fmt: skip
def test_withheld_event_types_are_never_written(kind: str) -> None:
    events, edges = _world()
    extra = RawReferralEvent("de1", Q1, "d", "e", kind, _at(3, 14))
    assert event_log_rows([*events, extra], edges, NAMES) == event_log_rows(events, edges, NAMES)


def test_a_referral_counts_once_per_type_at_its_first_event() -> None:
    events, edges = _world()
    again = RawReferralEvent("ca0", Q1, "c", "a", "SENT", _at(1, 20) + timedelta(days=40))
    assert event_log_rows([*events, again], edges, NAMES) == event_log_rows(events, edges, NAMES)

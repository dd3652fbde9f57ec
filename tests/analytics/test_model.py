"""Input rows refuse inconsistent aggregates with a message naming the row."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from analytics.model import FunnelRow, OrgNode, Partnership, PeriodAggregate, ReferralTie

JAN = (date(2025, 1, 1), date(2025, 1, 31))
NODES = (OrgNode("a", "A", "COMMUNITY"), OrgNode("b", "B", "HOUSING"))


@pytest.mark.parametrize(
    ("counts", "message"),
    [
        pytest.param(
            {"sent": 2, "acknowledged": 3}, "acknowledged=3", id="more-acknowledged-than-sent"
        ),
        pytest.param({"sent": 2, "overdue": -1}, "overdue=-1", id="negative-count"),
        pytest.param(
            {"sent": 2, "declined": {"OTHER": 5}}, r"declined\[OTHER\]", id="declines-above-sent"
        ),
        pytest.param(
            {"sent": 2, "completed": 2, "expired": 1},
            "terminal outcomes",
            id="two-outcomes-per-referral",
        ),
        pytest.param({"sent": 1, "median_hours_to_ack": -2.0}, "median", id="negative-median"),
    ],
)
def test_a_tie_with_impossible_counts_is_rejected(counts: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        ReferralTie("a", "b", **counts)


@pytest.mark.parametrize(
    ("ties", "partnerships", "nodes", "message"),
    [
        pytest.param(
            (ReferralTie("a", "z", 1),), (), NODES, "not an active member", id="tie-to-non-member"
        ),
        pytest.param(
            (),
            (Partnership("z", "a", "TABLE"),),
            NODES,
            "not an active member",
            id="partner-non-member",
        ),
        pytest.param(
            (ReferralTie("a", "a", 1),), (), NODES, "linked to itself", id="self-referral"
        ),
        pytest.param(
            (ReferralTie("a", "b", 1), ReferralTie("a", "b", 2)),
            (),
            NODES,
            "two ties",
            id="duplicate-pair",
        ),
        pytest.param(
            (), (), (*NODES, OrgNode("a", "A again", "OTHER")), "appear twice", id="duplicate-id"
        ),
    ],
)
def test_a_period_with_inconsistent_rows_is_rejected(
    ties: tuple[ReferralTie, ...],
    partnerships: tuple[Partnership, ...],
    nodes: tuple[OrgNode, ...],
    message: str,
) -> None:
    with pytest.raises(ValueError, match=message):
        PeriodAggregate(*JAN, nodes, ties, partnerships)


def test_a_period_ending_before_it_starts_is_rejected() -> None:
    with pytest.raises(ValueError, match="before it starts"):
        PeriodAggregate(date(2025, 2, 1), date(2025, 1, 1), ())


def test_ties_in_both_directions_between_two_organizations_are_two_ties() -> None:
    period = PeriodAggregate(*JAN, NODES, (ReferralTie("a", "b", 1), ReferralTie("b", "a", 1)))
    assert len(period.ties) == 2


def test_a_tie_closes_loops_once_per_terminal_outcome() -> None:
    tie = ReferralTie(
        "a",
        "b",
        9,
        completed=1,
        no_show=1,
        declined={"OTHER": 2},
        redirected=1,
        expired=1,
        cancelled=1,
    )
    assert (tie.declined_total, tie.closed) == (2, 7)


def test_funnel_rates_are_undefined_without_a_denominator() -> None:
    row = FunnelRow((), sent=0)
    assert (row.acknowledgement_rate, row.acceptance_rate, row.completion_rate) == (
        None,
        None,
        None,
    )
    assert FunnelRow((), sent=4, acknowledged=1, accepted=2, completed=1).completion_rate == 0.5

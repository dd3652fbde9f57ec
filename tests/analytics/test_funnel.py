"""The referral funnel overall, by receiver, by pair and by territory."""

from __future__ import annotations

import pytest

from analytics.funnel import (
    funnel_by_pair,
    funnel_by_receiver,
    funnel_by_territory,
    funnel_overall,
    funnel_table,
)
from analytics.model import FunnelRow, ReferralTie
from tests.analytics.conftest import MakePeriod

TIES = [
    ReferralTie(
        "a",
        "b",
        6,
        acknowledged=4,
        accepted=3,
        contacted=2,
        completed=1,
        declined={"NO_CAPACITY": 1},
    ),
    ReferralTie(
        "c", "b", 4, acknowledged=2, accepted=1, declined={"NOT_ELIGIBLE": 1, "NO_CAPACITY": 1}
    ),
    ReferralTie("b", "c", 5, acknowledged=5, accepted=5, contacted=5, completed=4),
]


def test_overall_funnel_sums_every_tie(make_period: MakePeriod) -> None:
    row = funnel_overall(make_period(TIES))
    assert (row.key, row.sent, row.acknowledged, row.accepted, row.contacted, row.completed) == (
        (),
        15,
        11,
        9,
        7,
        5,
    )
    assert row.declined == {"NOT_ELIGIBLE": 1, "NO_CAPACITY": 2}
    assert row.acknowledgement_rate == pytest.approx(11 / 15)
    assert row.completion_rate == pytest.approx(5 / 9)


def test_overall_funnel_of_a_period_without_referrals_is_all_zero_with_undefined_rates(
    make_period: MakePeriod,
) -> None:
    row = funnel_overall(make_period([], ["a"]))
    assert (row.sent, row.acknowledgement_rate, row.acceptance_rate, row.completion_rate) == (
        0,
        None,
        None,
        None,
    )


def test_funnel_by_receiver_groups_referrals_by_their_target(make_period: MakePeriod) -> None:
    rows = funnel_by_receiver(make_period(TIES))
    assert [(r.key, r.sent, r.acknowledged, r.declined_total) for r in rows] == [
        (("b",), 10, 6, 3),
        (("c",), 5, 5, 0),
    ]


def test_funnel_by_pair_keeps_one_row_per_ordered_pair(make_period: MakePeriod) -> None:
    rows = funnel_by_pair(make_period(TIES))
    assert [(r.key, r.sent) for r in rows] == [(("a", "b"), 6), (("b", "c"), 5), (("c", "b"), 4)]


def test_funnel_by_territory_uses_the_receiver_territory_and_lists_unknown_last(
    make_period: MakePeriod,
) -> None:
    period = make_period([*TIES, ReferralTie("b", "a", 2)], territories={"b": "t2", "c": "t1"})
    assert [(r.key, r.sent) for r in funnel_by_territory(period)] == [
        (("t1",), 5),
        (("t2",), 10),
        ((None,), 2),
    ]


def test_funnel_table_gives_every_row_the_same_decline_columns() -> None:
    rows = [
        FunnelRow(("HOUSING",), 4, 2, 1, 1, 0, {"NO_CAPACITY": 1}),
        FunnelRow(("FOOD_SECURITY",), 3, 3, 3, 2, 2, {}),
    ]
    table = funnel_table(rows, ["need_code"])
    assert table[1] == {
        "need_code": "FOOD_SECURITY",
        "sent": 3,
        "acknowledged": 3,
        "accepted": 3,
        "contacted": 2,
        "completed": 2,
        "declined": 0,
        "declined_NO_CAPACITY": 0,
        "acknowledgement_rate": 1.0,
        "acceptance_rate": 1.0,
        "completion_rate": pytest.approx(2 / 3),
    }


def test_funnel_table_refuses_keys_that_do_not_match_the_columns() -> None:
    with pytest.raises(ValueError, match="does not match"):
        funnel_table([FunnelRow(("HOUSING", "t1"), 1)], ["need_code"])

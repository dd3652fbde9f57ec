"""Where referrals break down: silent receivers, declines, gaps, open loops, places."""

from __future__ import annotations

import pytest

from analytics.breakdowns import (
    OpenLoops,
    PlaceOutcome,
    black_holes,
    open_loops,
    outreach_by_place_kind,
    outreach_places,
    repeated_declines,
    service_gaps,
)
from analytics.model import FunnelRow, PlaceRow, ReferralTie
from tests.analytics.conftest import MakePeriod


@pytest.mark.parametrize(
    ("sent", "acknowledged", "listed"),
    [
        pytest.param(10, 1, True, id="rate-0.1"),
        pytest.param(10, 2, False, id="rate-exactly-at-threshold"),
        pytest.param(5, 0, True, id="exactly-min-referrals"),
        pytest.param(4, 0, False, id="too-few-to-judge"),
    ],
)
def test_black_holes_are_receivers_with_enough_referrals_and_few_acknowledged(
    make_period: MakePeriod, sent: int, acknowledged: int, listed: bool
) -> None:
    period = make_period([ReferralTie("a", "b", sent, acknowledged=acknowledged)])
    assert [r.org_id for r in black_holes(period)] == (["b"] if listed else [])


def test_black_holes_sum_referrals_from_every_sender(make_period: MakePeriod) -> None:
    # 3 + 3 referrals from two senders reach min_referrals=5 together: 1 / 6 < 0.2
    period = make_period([ReferralTie("a", "c", 3, acknowledged=1), ReferralTie("b", "c", 3)])
    (hole,) = black_holes(period)
    assert (hole.sent, hole.acknowledged) == (6, 1)
    assert hole.acknowledgement_rate == pytest.approx(1 / 6)


def test_repeated_declines_list_pairs_with_at_least_k_declines_most_first(
    make_period: MakePeriod,
) -> None:
    period = make_period(
        [
            ReferralTie("a", "b", 5, declined={"NO_CAPACITY": 2}),
            ReferralTie("c", "b", 9, declined={"NO_CAPACITY": 2, "OTHER": 2}),
            ReferralTie("a", "c", 4, declined={"NOT_ELIGIBLE": 1}),
        ]
    )
    assert [
        (r.source, r.target, r.declined) for r in repeated_declines(period, min_declines=2)
    ] == [
        ("c", "b", 4),
        ("a", "b", 2),
    ]
    assert repeated_declines(period, min_declines=5) == ()


def test_service_gaps_count_only_capacity_and_adaptation_declines() -> None:
    rows = [
        FunnelRow(
            ("HOUSING", "t1"), 10, declined={"NO_CAPACITY": 3, "SERVICE_NOT_ADAPTED": 1, "OTHER": 4}
        ),
        FunnelRow(("HOUSING", "t2"), 10, declined={"NOT_ELIGIBLE": 5}),
        FunnelRow(("FOOD_SECURITY", None), 2, declined={"SERVICE_NOT_ADAPTED": 1}),
    ]
    gaps = service_gaps(rows)
    assert [(g.need_code, g.territory_id, g.gap_declines) for g in gaps] == [
        ("HOUSING", "t1", 4),
        ("FOOD_SECURITY", None, 1),
    ]
    assert gaps[0].reasons == {"NO_CAPACITY": 3, "SERVICE_NOT_ADAPTED": 1}
    assert gaps[0].gap_share == pytest.approx(4 / 10)


def test_service_gaps_need_rows_keyed_by_need_and_territory() -> None:
    with pytest.raises(ValueError, match="need_code, territory_id"):
        service_gaps([FunnelRow(("HOUSING",), 1)])


def test_open_loops_are_referrals_without_any_terminal_outcome(make_period: MakePeriod) -> None:
    tie = ReferralTie(
        "a",
        "b",
        12,
        completed=2,
        no_show=1,
        declined={"OTHER": 1, "DUPLICATE": 1},
        redirected=1,
        expired=1,
        cancelled=1,
        overdue=3,
    )
    closed = ReferralTie("b", "a", 2, completed=2)
    # 12 - (2 + 1 + 2 + 1 + 1 + 1) = 4 still open
    assert open_loops(make_period([tie, closed])) == (OpenLoops("a", "b", 12, 4, 3),)


def test_outreach_places_report_completion_per_referral_originating_there() -> None:
    rows = [
        PlaceRow("p1", "PARK", 4, 1),
        PlaceRow("p2", "FOOD_BANK", 8, 6),
        PlaceRow("p3", "PARK", 0, 0),
    ]
    assert outreach_places(rows) == (
        PlaceOutcome("p2", "FOOD_BANK", 8, 6, 0.75),
        PlaceOutcome("p1", "PARK", 4, 1, 0.25),
        PlaceOutcome("p3", "PARK", 0, 0, None),
    )


def test_outreach_by_place_kind_pools_the_places_of_a_kind() -> None:
    rows = [
        PlaceRow("p1", "PARK", 4, 1),
        PlaceRow("p3", "PARK", 6, 4),
        PlaceRow("p2", "MALL", 1, 0),
    ]
    assert outreach_by_place_kind(rows) == (
        PlaceOutcome(None, "PARK", 10, 5, 0.5),
        PlaceOutcome(None, "MALL", 1, 0, 0.0),
    )

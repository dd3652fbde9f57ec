"""The per-period table of network figures and change since the period before."""

from __future__ import annotations

from datetime import date

import pytest

from analytics.dynamics import TieDynamics
from analytics.evolution import evolution
from tests.analytics.conftest import MakePeriod

TRIANGLES = [("a", "b"), ("b", "c"), ("c", "a"), ("d", "e"), ("e", "f"), ("f", "d")]
MONTHS = [(date(2025, m, 1), date(2025, m, 28)) for m in (1, 2, 3)]


def test_evolution_reports_each_period_with_its_change_since_the_previous(
    make_period: MakePeriod,
) -> None:
    jan = make_period(TRIANGLES, start=MONTHS[0][0], end=MONTHS[0][1])
    # February adds a bridge c->d: six ties persist, one is new -> J = 6/7
    feb = make_period([*TRIANGLES, ("c", "d")], start=MONTHS[1][0], end=MONTHS[1][1])
    # March loses every tie: seven dissolved, J = 0
    mar = make_period([], list("abcdef"), start=MONTHS[2][0], end=MONTHS[2][1])
    rows = evolution([jan, feb, mar], seed=5)
    assert [r.start for r in rows] == [m[0] for m in MONTHS]
    assert [r.network.ties for r in rows] == [6, 7, 0]
    assert rows[0].ties_change is None and rows[0].community_stability is None
    change = rows[1].ties_change
    assert change is not None
    assert (change.new, change.dissolved, change.persisting) == (1, 0, 6)
    assert change.jaccard == pytest.approx(6 / 7)
    assert rows[2].ties_change == TieDynamics(new=0, dissolved=7, persisting=0, jaccard=0.0)
    # the two triangles stay the two communities from January to February
    assert rows[1].community_stability == pytest.approx(1.0)
    # March has no tie, so no communities to compare with February's
    assert rows[2].community_stability is None
    assert rows[1].network.components == 1 and rows[0].network.components == 2


def test_periods_sharing_an_exclusive_boundary_are_consecutive(make_period: MakePeriod) -> None:
    first = make_period([("a", "b")], start=date(2025, 1, 1), end=date(2025, 2, 1))
    second = make_period([("a", "b")], start=date(2025, 2, 1), end=date(2025, 3, 1))
    assert len(evolution([first, second])) == 2


@pytest.mark.parametrize(
    ("second_start", "second_end"),
    [
        pytest.param(date(2025, 1, 15), date(2025, 2, 15), id="overlapping"),
        pytest.param(date(2024, 12, 1), date(2024, 12, 31), id="out-of-order"),
    ],
)
def test_overlapping_or_unordered_periods_are_refused(
    make_period: MakePeriod, second_start: date, second_end: date
) -> None:
    first = make_period([("a", "b")], start=date(2025, 1, 1), end=date(2025, 1, 31))
    second = make_period([("a", "b")], start=second_start, end=second_end)
    with pytest.raises(ValueError, match="consecutive"):
        evolution([first, second])


def test_evolution_of_no_period_is_empty() -> None:
    assert evolution([]) == ()

"""Tie dynamics between consecutive periods and partners gained and lost."""

from __future__ import annotations

from datetime import date

import pytest

from analytics.dynamics import PartnerChange, TieDynamics, partner_changes, tie_dynamics
from tests.analytics.conftest import MakePeriod

FEB = {"start": date(2025, 2, 1), "end": date(2025, 2, 28)}


@pytest.mark.parametrize(
    ("before", "after", "expected"),
    [
        # persisting a->b, c->a; new a->c, b->a; dissolved b->c: J = 2 / 5
        pytest.param(
            [("a", "b"), ("b", "c"), ("c", "a")],
            [("a", "b"), ("c", "a"), ("a", "c"), ("b", "a")],
            TieDynamics(new=2, dissolved=1, persisting=2, jaccard=2 / 5),
            id="partly-rewired",
        ),
        pytest.param(
            [("a", "b")], [("a", "b", 7)], TieDynamics(0, 0, 1, 1.0), id="same-ties-other-volume"
        ),
        # direction matters: b->a is a new tie, a->b dissolved
        pytest.param([("a", "b")], [("b", "a")], TieDynamics(1, 1, 0, 0.0), id="reversed-tie"),
        pytest.param([], [], TieDynamics(0, 0, 0, None), id="no-ties-in-either-period"),
        pytest.param([], [("a", "b")], TieDynamics(1, 0, 0, 0.0), id="first-ties"),
    ],
)
def test_tie_dynamics_count_new_dissolved_and_persisting_ties(
    make_period: MakePeriod,
    before: list[tuple[str, str]],
    after: list[tuple[str, str]],
    expected: TieDynamics,
) -> None:
    nodes = ["a", "b", "c"]
    assert tie_dynamics(make_period(before, nodes), make_period(after, nodes, **FEB)) == expected


def test_ties_of_an_organization_that_left_count_as_dissolved(make_period: MakePeriod) -> None:
    before = make_period([("a", "b"), ("a", "gone")])
    after = make_period([("a", "b")], ["a", "b"], **FEB)
    assert tie_dynamics(before, after) == TieDynamics(new=0, dissolved=1, persisting=1, jaccard=0.5)


def test_partner_changes_count_partners_in_either_direction(make_period: MakePeriod) -> None:
    # a: before {b, c}, after {c, d} (d sends to a) -> gained d, lost b
    before = make_period([("a", "b"), ("c", "a")], ["a", "b", "c", "d"])
    after = make_period([("a", "c"), ("d", "a"), ("new", "d")], ["a", "b", "c", "d", "new"], **FEB)
    changes = partner_changes(before, after)
    assert changes["a"] == PartnerChange(gained=1, lost=1)
    assert changes["b"] == PartnerChange(gained=0, lost=1)
    assert changes["d"] == PartnerChange(gained=2, lost=0)
    assert changes["new"] == PartnerChange(gained=1, lost=0)

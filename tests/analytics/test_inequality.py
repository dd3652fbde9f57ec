"""Gini coefficient of referral load, checked against the pairwise definition by hand."""

from __future__ import annotations

import itertools

import networkx as nx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from analytics.inequality import gini, referral_load, referral_load_gini


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        pytest.param([], 0.0, id="no-organization"),
        pytest.param([5], 0.0, id="single-organization"),
        pytest.param([0, 0, 0], 0.0, id="no-referrals"),
        pytest.param([2, 2, 2], 0.0, id="equal-load"),
        # sum over ordered pairs |xi - xj| = 2 * 3 * 4 = 24; 2 n^2 mean = 2 * 16 * 1
        pytest.param([0, 0, 0, 4], 0.75, id="one-receives-everything"),
        # unordered diffs 1+2+3+1+2+1 = 10, ordered 20; 2 * 16 * 2.5 = 80
        pytest.param([4, 1, 3, 2], 0.25, id="one-to-four-unsorted"),
    ],
)
def test_gini_matches_hand_computed_values(values: list[int], expected: float) -> None:
    assert gini(values) == pytest.approx(expected)


@settings(database=None, derandomize=True, max_examples=60)
@given(st.lists(st.integers(min_value=0, max_value=50), min_size=1, max_size=12))
def test_gini_equals_the_mean_absolute_difference_definition(values: list[int]) -> None:
    n, total = len(values), sum(values)
    pairwise = sum(abs(x - y) for x, y in itertools.product(values, repeat=2))
    expected = pairwise / (2 * n * total) if total else 0.0
    assert gini(values) == pytest.approx(expected, abs=1e-12)


def test_gini_refuses_negative_loads() -> None:
    with pytest.raises(ValueError, match="non-negative"):
        gini([1, -1])


def test_referral_load_includes_organizations_receiving_nothing() -> None:
    graph = nx.DiGraph()
    graph.add_edge("a", "b", weight=3)
    graph.add_edge("c", "b", weight=2)
    assert referral_load(graph) == {"a": 0, "b": 5, "c": 0}
    # loads 0, 5, 0: ordered diffs 4 * 5 = 20; 2 * 9 * 5/3 = 30
    assert referral_load_gini(graph) == pytest.approx(20 / 30)

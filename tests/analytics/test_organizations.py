"""Organization-level measures: position, brokerage and responsiveness."""

from __future__ import annotations

import math
from datetime import date

import igraph
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from analytics.build import referral_graph
from analytics.model import ReferralTie
from analytics.organizations import (
    betweenness,
    burt_constraint,
    effective_size,
    organization_metrics,
)
from tests.analytics.conftest import MakePeriod

TRIANGLE = [("a", "b"), ("b", "c"), ("c", "a")]
STAR = [("hub", "x"), ("hub", "y"), ("hub", "z")]
BRIDGED_TRIANGLES = [*TRIANGLE, ("c", "d"), ("d", "e"), ("e", "f"), ("f", "d")]


@pytest.mark.parametrize(
    ("ties", "org", "constraint", "size"),
    [
        # star: hub has 3 unconnected partners, p = 1/3 each -> 3 * (1/3)^2
        pytest.param(STAR, "hub", 1 / 3, 3.0, id="star-centre"),
        # a leaf's single partner: p = 1 -> 1; effective size 1
        pytest.param(STAR, "x", 1.0, 1.0, id="star-leaf"),
        # triangle: p = 1/2, indirect 1/2 * 1/2 -> 2 * (3/4)^2 = 9/8; size 2 - 2*1/2
        pytest.param(TRIANGLE, "a", 9 / 8, 1.0, id="triangle"),
        # c: partners a, b, d (p = 1/3); a, b tied: (1/3 + 1/3 * 1/2)^2 twice + (1/3)^2
        # = 1/4 + 1/4 + 1/9 = 11/18; size 3 - 2 * 1 / 3 = 7/3
        pytest.param(BRIDGED_TRIANGLES, "c", 11 / 18, 7 / 3, id="bridge-end"),
        # an organization that only receives is still constrained by its one partner
        pytest.param([("a", "b")], "b", 1.0, 1.0, id="receiver-only"),
    ],
)
def test_brokerage_matches_burt_worked_by_hand(
    make_period: MakePeriod,
    ties: list[tuple[str, str]],
    org: str,
    constraint: float,
    size: float,
) -> None:
    graph = referral_graph(make_period(ties))
    assert burt_constraint(graph)[org] == pytest.approx(constraint)
    assert effective_size(graph)[org] == pytest.approx(size)


def test_brokerage_of_an_organization_without_ties_is_undefined(make_period: MakePeriod) -> None:
    graph = referral_graph(make_period([("a", "b")], ["a", "b", "alone"]))
    assert burt_constraint(graph)["alone"] is None
    assert effective_size(graph)["alone"] is None


@st.composite
def weighted_ties(draw: st.DrawFn) -> tuple[int, list[tuple[tuple[int, int], int]]]:
    n = draw(st.integers(min_value=2, max_value=7))
    pairs = [(u, v) for u in range(n) for v in range(n) if u != v]
    chosen = draw(st.lists(st.sampled_from(pairs), unique=True, max_size=len(pairs)))
    weights = draw(st.lists(st.integers(1, 9), min_size=len(chosen), max_size=len(chosen)))
    return n, list(zip(chosen, weights, strict=True))


@settings(database=None, derandomize=True, max_examples=80)
@given(weighted_ties())
def test_constraint_agrees_with_igraph_on_weighted_directed_ties(
    make_period: MakePeriod, case: tuple[int, list[tuple[tuple[int, int], int]]]
) -> None:
    n, ties = case
    period = make_period(
        [ReferralTie(f"o{u}", f"o{v}", sent=w) for (u, v), w in ties], [f"o{i}" for i in range(n)]
    )
    ours = burt_constraint(referral_graph(period))
    reference = igraph.Graph(n=n, edges=[pair for pair, _ in ties], directed=True)
    expected = reference.constraint(weights=[w for _, w in ties])
    for i, value in enumerate(expected):
        if math.isnan(value):
            assert ours[f"o{i}"] is None
        else:
            assert ours[f"o{i}"] == pytest.approx(value)


def test_betweenness_is_directed_unweighted_and_normalised(make_period: MakePeriod) -> None:
    # a -> b -> c: b lies on the only a..c path; normalised by (n-1)(n-2) = 2
    period = make_period([("a", "b", 9), ("b", "c", 1)])
    assert betweenness(referral_graph(period)) == pytest.approx({"a": 0.0, "b": 0.5, "c": 0.0})


def test_betweenness_agrees_with_igraph_on_the_bridged_triangles(make_period: MakePeriod) -> None:
    graph = referral_graph(make_period(BRIDGED_TRIANGLES))
    names = sorted(graph)
    reference = igraph.Graph(
        n=6, edges=[(names.index(u), names.index(v)) for u, v in BRIDGED_TRIANGLES], directed=True
    )
    raw = reference.betweenness(directed=True)
    ours = betweenness(graph)
    for i, name in enumerate(names):
        assert ours[name] == pytest.approx(raw[i] / (5 * 4))


def test_organization_metrics_describe_each_organization_as_a_receiver(
    make_period: MakePeriod,
) -> None:
    ties = [
        ReferralTie("a", "b", 6, acknowledged=3, accepted=2, completed=1, overdue=2),
        ReferralTie("c", "b", 4, acknowledged=1, accepted=0, overdue=1),
        ReferralTie("b", "a", 2, acknowledged=2, accepted=2),
    ]
    rows = {
        row.org_id: row for row in organization_metrics(make_period(ties), ack_hours={"b": 30.5})
    }
    b = rows["b"]
    assert (b.in_degree, b.out_degree, b.in_strength, b.out_strength) == (2, 1, 10, 2)
    assert b.acknowledgement_rate == pytest.approx(4 / 10)
    assert b.acceptance_rate == pytest.approx(2 / 10)
    assert b.completion_rate == pytest.approx(1 / 2)
    assert b.overdue == 3
    assert b.median_hours_to_ack == 30.5
    c = rows["c"]  # received nothing: no rate, no delay, nothing overdue
    assert (c.acknowledgement_rate, c.completion_rate, c.median_hours_to_ack, c.overdue) == (
        None,
        None,
        None,
        0,
    )
    # a received 2 from b, both accepted, none completed yet: 0 / 2, not None
    assert rows["a"].completion_rate == 0.0


def test_organization_metrics_report_partners_gained_and_lost_against_the_previous_period(
    make_period: MakePeriod,
) -> None:
    before = make_period([("a", "b"), ("a", "c")])
    after = make_period(
        [("a", "b"), ("d", "a")],
        ["a", "b", "c", "d"],
        start=date(2025, 2, 1),
        end=date(2025, 2, 28),
    )
    rows = {row.org_id: row for row in organization_metrics(after, before)}
    assert (rows["a"].partners_gained, rows["a"].partners_lost) == (1, 1)
    assert (rows["c"].partners_gained, rows["c"].partners_lost) == (0, 1)
    assert (rows["d"].partners_gained, rows["d"].partners_lost) == (1, 0)


def test_organization_metrics_without_a_previous_period_leave_partner_changes_unknown(
    make_period: MakePeriod,
) -> None:
    (row, _) = organization_metrics(make_period([("a", "b")]))
    assert (row.partners_gained, row.partners_lost) == (None, None)


def test_organization_metrics_of_an_empty_period_are_empty(make_period: MakePeriod) -> None:
    assert organization_metrics(make_period([], [])) == ()


def test_organization_metrics_of_a_single_organization_are_zero_or_undefined(
    make_period: MakePeriod,
) -> None:
    (row,) = organization_metrics(make_period([], ["solo"]))
    assert (row.in_degree, row.out_strength, row.betweenness, row.overdue) == (0, 0, 0.0, 0)
    assert (row.constraint, row.effective_size, row.acknowledgement_rate) == (None, None, None)


def test_effective_size_follows_burt_whether_or_not_scipy_is_installed(
    make_period: MakePeriod,
) -> None:
    # The case: ties a-b 1, a-c 3, b-c 2, a-d 1. For a (partners b, c, d; total 5):
    # p_ab = 1/5, p_ac = 3/5, p_ad = 1/5; m_bc = 2/2 = 1 (b's strongest tie), m_cb = 2/3,
    # m_cd = m_dc = m_bd = 0. Redundancy of b: p_ac * m_bc = 3/5; of c: p_ab * m_cb = 2/15;
    # of d: 0. e_a = (1 - 3/5) + (1 - 2/15) + 1 = 34/15 = 2.2667 (SciPy's path said 2.4).
    import scipy  # noqa: F401  the optional dependency that changed NetworkX's path

    graph = referral_graph(
        make_period([("a", "b", 1), ("a", "c", 3), ("b", "c", 2), ("a", "d", 1)])
    )
    assert effective_size(graph)["a"] == pytest.approx(34 / 15)

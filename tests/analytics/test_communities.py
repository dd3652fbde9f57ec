"""Louvain communities, modularity and NMI, checked by hand and against igraph."""

from __future__ import annotations

import math
import random

import igraph
import networkx as nx
import pytest

from analytics.build import referral_graph
from analytics.communities import (
    community_stability,
    louvain_communities,
    modularity,
    normalized_mutual_information,
)
from tests.analytics.conftest import MakePeriod

BRIDGED_TRIANGLES = [
    ("a", "b"),
    ("b", "c"),
    ("c", "a"),
    ("c", "d"),
    ("d", "e"),
    ("e", "f"),
    ("f", "d"),
]


def test_louvain_gives_the_same_partition_whatever_order_the_rows_arrive_in(
    make_period: MakePeriod,
) -> None:
    ties = [*BRIDGED_TRIANGLES, ("a", "e"), ("b", "f")]
    shuffled = ties[:]
    random.Random(3).shuffle(shuffled)
    forward = louvain_communities(referral_graph(make_period(ties)), seed=11)
    backward = louvain_communities(
        referral_graph(make_period(shuffled, sorted("abcdef", reverse=True))), seed=11
    )
    assert forward == backward


def test_modularity_weights_ties_by_referrals_exchanged_both_ways() -> None:
    # a<->b carries 2 + 1 = 3, c-d carries 1: W = 4, strengths a 3 b 3 c 1 d 1
    # Q = (3/4 - (6/8)^2) + (1/4 - (2/8)^2) = 3/16 + 3/16
    graph = nx.DiGraph()
    graph.add_edge("a", "b", weight=2)
    graph.add_edge("b", "a", weight=1)
    graph.add_edge("c", "d", weight=1)
    assert modularity(graph, [{"a", "b"}, {"c", "d"}]) == pytest.approx(6 / 16)


def test_modularity_agrees_with_igraph_on_the_bridged_triangles(make_period: MakePeriod) -> None:
    graph = referral_graph(make_period(BRIDGED_TRIANGLES))
    reference = igraph.Graph(
        edges=[("abcdef".index(u), "abcdef".index(v)) for u, v in BRIDGED_TRIANGLES]
    )
    expected = reference.modularity([0, 0, 0, 1, 1, 1])
    assert modularity(graph, [set("abc"), set("def")]) == pytest.approx(expected)


def test_nmi_matches_the_contingency_table_worked_by_hand() -> None:
    # U = {ab | cd}, V = {abc | d}; N = 4, cells n(U0,V0)=2, n(U1,V0)=1, n(U1,V1)=1
    first = {"a": 0, "b": 0, "c": 1, "d": 1}
    second = {"a": 0, "b": 0, "c": 0, "d": 1}
    mutual = (
        2 / 4 * math.log(4 * 2 / (2 * 3))
        + 1 / 4 * math.log(4 * 1 / (2 * 3))
        + 1 / 4 * math.log(4 * 1 / (2 * 1))
    )
    h_first = math.log(2)
    h_second = -(3 / 4 * math.log(3 / 4) + 1 / 4 * math.log(1 / 4))
    expected = mutual / ((h_first + h_second) / 2)  # = 0.3437...
    assert normalized_mutual_information(first, second) == pytest.approx(expected)
    assert expected == pytest.approx(0.34371, abs=1e-5)


@pytest.mark.parametrize("seed", range(5))
def test_nmi_agrees_with_igraph_on_random_labellings(seed: int) -> None:
    rng = random.Random(seed)
    nodes = [f"o{i}" for i in range(30)]
    first = [rng.randrange(4) for _ in nodes]
    second = [rng.randrange(3) for _ in nodes]
    expected = igraph.compare_communities(first, second, method="nmi")
    assert normalized_mutual_information(
        dict(zip(nodes, first, strict=True)), dict(zip(nodes, second, strict=True))
    ) == pytest.approx(expected)


@pytest.mark.parametrize(
    ("first", "second", "expected"),
    [
        pytest.param(
            {"a": 0, "b": 0, "c": 1},
            {"a": "x", "b": "x", "c": "y"},
            1.0,
            id="same-partition-other-labels",
        ),
        pytest.param(
            {"a": 0, "b": 0, "c": 1, "d": 1},
            {"a": 0, "b": 1, "c": 0, "d": 1},
            0.0,
            id="independent",
        ),
        pytest.param({"a": 0, "b": 0}, {"a": 5, "b": 5}, 1.0, id="both-one-community"),
        pytest.param({"a": 0, "b": 0}, {"a": 0, "b": 1}, 0.0, id="one-side-one-community"),
        pytest.param({"a": 0}, {"a": 1}, 1.0, id="single-common-organization"),
        pytest.param({"a": 0}, {"b": 0}, None, id="no-common-organization"),
        pytest.param({}, {}, None, id="empty"),
    ],
)
def test_nmi_edge_cases_follow_the_documented_conventions(
    first: dict[str, int], second: dict[str, int], expected: float | None
) -> None:
    assert normalized_mutual_information(first, second) == expected


def test_community_stability_ignores_organizations_in_only_one_period() -> None:
    # common organizations a, b, c keep their grouping; e and f come and go
    before = [{"a", "b", "e"}, {"c"}]
    after = [{"a", "b"}, {"c", "f"}]
    assert community_stability(before, after) == pytest.approx(1.0)


def test_community_stability_without_common_organizations_is_none() -> None:
    assert community_stability([{"a"}], [{"b"}]) is None

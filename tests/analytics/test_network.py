"""Network-level measures on classic small graphs, figures worked out by hand or by igraph."""

from __future__ import annotations

import random

import igraph
import pytest

from analytics.build import referral_graph
from analytics.network import (
    degree_centralization,
    density,
    largest_component_share,
    network_metrics,
    reciprocity,
    transitivity,
    weak_components,
)
from tests.analytics.conftest import MakePeriod

TRIANGLE = [("a", "b"), ("b", "c"), ("c", "a")]
STAR = [("hub", "x"), ("hub", "y"), ("hub", "z")]
PATH = [("a", "b"), ("b", "c"), ("c", "d")]
BRIDGED_TRIANGLES = [*TRIANGLE, ("c", "d"), ("d", "e"), ("e", "f"), ("f", "d")]
MUTUAL_PAIR = [("a", "b"), ("b", "a")]
MIXED = [("a", "b"), ("b", "a"), ("b", "c")]

# (ties, organizations, density, reciprocity, transitivity, components,
#  largest-component share, Freeman degree centralization) — all by hand:
# density m / n(n-1); centralization sum(d* - d_i) / ((n-1)(n-2)) on the
# undirected projection.
CASES = [
    pytest.param(TRIANGLE, None, 3 / 6, 0.0, 1.0, 1, 1.0, 0.0, id="triangle"),
    # star: degrees 3,1,1,1 -> 3*2 / (3*2) = 1
    pytest.param(STAR, None, 3 / 12, 0.0, 0.0, 1, 1.0, 1.0, id="star"),
    # path: degrees 1,2,2,1 -> (1+0+0+1) / (3*2)
    pytest.param(PATH, None, 3 / 12, 0.0, 0.0, 1, 1.0, 2 / 6, id="path"),
    # bridged triangles: 2 triangles; triples a1 b1 c3 d3 e1 f1 = 10 -> 3*2/10;
    # degrees 2,2,3,3,2,2 -> 4*1 / (5*4)
    pytest.param(BRIDGED_TRIANGLES, None, 7 / 30, 0.0, 0.6, 1, 1.0, 4 / 20, id="bridged-triangles"),
    # mutual pair plus an isolate: degrees 1,1,0 -> 1 / (2*1)
    pytest.param(
        MUTUAL_PAIR, ["a", "b", "c"], 2 / 6, 1.0, 0.0, 2, 2 / 3, 0.5, id="mutual-pair-and-isolate"
    ),
    # a<->b, b->c: 2 of 3 ties reciprocated; degrees 1,2,1 -> 2 / 2
    pytest.param(MIXED, None, 3 / 6, 2 / 3, 0.0, 1, 1.0, 1.0, id="one-reciprocated-pair"),
    pytest.param([], [], 0.0, 0.0, 0.0, 0, 0.0, 0.0, id="empty-period"),
    pytest.param([], ["a"], 0.0, 0.0, 0.0, 1, 1.0, 0.0, id="single-organization"),
    pytest.param([], ["a", "b", "c"], 0.0, 0.0, 0.0, 3, 1 / 3, 0.0, id="no-ties"),
]


@pytest.mark.parametrize(
    ("ties", "nodes", "dens", "recip", "trans", "comps", "share", "central"), CASES
)
def test_network_measures_match_hand_computed_figures(
    make_period: MakePeriod,
    ties: list[tuple[str, str]],
    nodes: list[str] | None,
    dens: float,
    recip: float,
    trans: float,
    comps: int,
    share: float,
    central: float,
) -> None:
    graph = referral_graph(make_period(ties, nodes))
    assert density(graph) == pytest.approx(dens)
    assert reciprocity(graph) == pytest.approx(recip)
    assert transitivity(graph) == pytest.approx(trans)
    assert weak_components(graph) == comps
    assert largest_component_share(graph) == pytest.approx(share)
    assert degree_centralization(graph) == pytest.approx(central)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_density_reciprocity_transitivity_and_components_agree_with_igraph(
    make_period: MakePeriod, seed: int
) -> None:
    rng = random.Random(seed)
    ids = [f"o{i}" for i in range(12)]
    ties = {(u, v) for u in ids for v in ids if u != v and rng.random() < 0.15}
    graph = referral_graph(make_period(sorted(ties), ids))
    reference = igraph.Graph(directed=True)
    reference.add_vertices(ids)
    reference.add_edges(sorted(ties))
    assert density(graph) == pytest.approx(reference.density(loops=False))
    assert reciprocity(graph) == pytest.approx(reference.reciprocity(ignore_loops=True))
    undirected = reference.as_undirected(mode="collapse")
    assert transitivity(graph) == pytest.approx(undirected.transitivity_undirected(mode="zero"))
    assert weak_components(graph) == len(reference.connected_components(mode="weak"))


def test_network_metrics_counts_only_ties_with_referrals(make_period: MakePeriod) -> None:
    period = make_period([("a", "b", 2), ("b", "c", 0)])
    metrics = network_metrics(period)
    assert metrics.organizations == 3
    assert metrics.ties == 1


def test_network_metrics_finds_the_two_bridged_triangles_as_communities(
    make_period: MakePeriod,
) -> None:
    metrics = network_metrics(make_period(BRIDGED_TRIANGLES), seed=7)
    assert metrics.communities == (frozenset("abc"), frozenset("def"))
    # m = 7 unit ties; each community has 3 inside and strength 7:
    # Q = 2 * (3/7 - (7/14)^2) = 5/14
    assert metrics.modularity == pytest.approx(5 / 14)


def test_network_metrics_gini_counts_organizations_receiving_nothing(
    make_period: MakePeriod,
) -> None:
    # loads: hub 0, x 1, y 1, z 1 -> sum |xi - xj| = 6 over 2 n^2 mean = 24
    assert network_metrics(make_period(STAR)).referral_load_gini == pytest.approx(0.25)


def test_network_metrics_of_an_empty_period_are_zero_without_raising(
    make_period: MakePeriod,
) -> None:
    metrics = network_metrics(make_period([], []))
    assert metrics.organizations == metrics.ties == metrics.components == 0
    assert metrics.communities == ()
    assert metrics.modularity == 0.0
    assert metrics.referral_load_gini == 0.0


def test_network_metrics_of_isolates_put_each_organization_in_its_own_community(
    make_period: MakePeriod,
) -> None:
    metrics = network_metrics(make_period([], ["a", "b"]))
    assert metrics.communities == (frozenset("a"), frozenset("b"))
    assert metrics.modularity == 0.0

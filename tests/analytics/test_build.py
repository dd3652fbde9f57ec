"""Referral and partnership graphs built from a period."""

from __future__ import annotations

from analytics.build import partnership_graph, referral_graph, undirected_ties
from analytics.model import Partnership, ReferralTie
from tests.analytics.conftest import MakePeriod


def test_referral_graph_keeps_isolated_organizations_and_every_count(
    make_period: MakePeriod,
) -> None:
    tie = ReferralTie(
        "a",
        "b",
        5,
        acknowledged=4,
        accepted=3,
        declined={"NO_CAPACITY": 1},
        median_hours_to_ack=6.5,
    )
    graph = referral_graph(make_period([tie], ["a", "b", "c"]))
    assert sorted(graph) == ["a", "b", "c"]
    edge = graph["a"]["b"]
    assert (edge["weight"], edge["sent"], edge["acknowledged"], edge["accepted"]) == (5, 5, 4, 3)
    assert (edge["declined"], edge["declined_total"], edge["median_hours_to_ack"]) == (
        {"NO_CAPACITY": 1},
        1,
        6.5,
    )
    assert graph.nodes["a"] == {"name": "Organization a", "kind": "COMMUNITY", "territory_id": None}


def test_referral_graph_leaves_out_pairs_without_referrals(make_period: MakePeriod) -> None:
    graph = referral_graph(make_period([("a", "b", 0), ("b", "a", 1)]))
    assert list(graph.edges) == [("b", "a")]


def test_referral_graph_orders_organizations_by_id_whatever_the_row_order(
    make_period: MakePeriod,
) -> None:
    graph = referral_graph(make_period([("c", "a"), ("b", "c")], ["c", "b", "a"]))
    assert list(graph) == ["a", "b", "c"]


def test_undirected_ties_add_the_referrals_of_both_directions(make_period: MakePeriod) -> None:
    graph = undirected_ties(
        referral_graph(make_period([("a", "b", 3), ("b", "a", 2), ("b", "c", 1)]))
    )
    assert graph["a"]["b"]["weight"] == 5
    assert graph["b"]["c"]["weight"] == 1
    assert graph.number_of_edges() == 2


def test_partnership_graph_merges_the_kinds_declared_in_either_direction(
    make_period: MakePeriod,
) -> None:
    links = [
        Partnership("a", "b", "TABLE"),
        Partnership("b", "a", "AGREEMENT"),
        Partnership("a", "b", "TABLE"),
    ]
    graph = partnership_graph(make_period([], ["a", "b", "c"], partnerships=links))
    assert graph["a"]["b"]["kinds"] == ("AGREEMENT", "TABLE")
    assert sorted(graph) == ["a", "b", "c"]
    assert graph.number_of_edges() == 1

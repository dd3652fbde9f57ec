"""De-identified exports: graph files, edge lists and metric tables."""

from __future__ import annotations

import csv
from collections.abc import Callable
from datetime import date
from pathlib import Path

import networkx as nx
import pytest

from analytics.evolution import evolution
from analytics.export import (
    edge_list_rows,
    network_metrics_rows,
    organization_metrics_rows,
    research_graph,
    write_csv,
    write_gexf,
    write_graphml,
)
from analytics.model import PeriodAggregate, ReferralTie
from analytics.organizations import organization_metrics
from tests.analytics.conftest import MakePeriod
from tests.graphml_schema import assert_valid_graphml

TIES = [
    ReferralTie(
        "a",
        "b",
        12,
        acknowledged=9,
        accepted=7,
        completed=6,
        declined={"NO_CAPACITY": 2},
        median_hours_to_ack=20.0,
    ),
    ReferralTie("b", "c", 3, acknowledged=3, median_hours_to_ack=4.0),
]


@pytest.fixture(scope="module")
def period(make_period: MakePeriod) -> PeriodAggregate:
    return make_period(TIES, ["a", "b", "c", "d"], territories={"a": "t1"})


def test_edge_list_rows_carry_the_period_and_suppress_small_cells(period: PeriodAggregate) -> None:
    rows = edge_list_rows([period])
    assert rows[0]["period"] == "2025-01-01/2025-01-31"
    assert (rows[0]["sent"], rows[0]["declined_NO_CAPACITY"], rows[0]["median_hours_to_ack"]) == (
        12,
        None,
        20.0,
    )
    # 3 referrals: the count and the median of those 3 delays are withheld
    assert (rows[1]["sent"], rows[1]["acknowledged"], rows[1]["median_hours_to_ack"]) == (
        None,
        None,
        None,
    )
    assert rows[1]["declined_NO_CAPACITY"] == 0
    assert set(rows[0]) == set(rows[1])


def test_edge_list_rows_can_be_published_whole_for_internal_use(period: PeriodAggregate) -> None:
    assert edge_list_rows([period], threshold=0)[1]["sent"] == 3


@pytest.mark.parametrize(
    ("write", "read"),
    [
        pytest.param(write_graphml, nx.read_graphml, id="graphml"),
        pytest.param(write_gexf, nx.read_gexf, id="gexf"),
    ],
)
def test_graph_files_hold_only_de_identified_attributes_and_published_counts(
    period: PeriodAggregate,
    tmp_path: Path,
    write: Callable[[nx.DiGraph[str], Path], None],
    read: Callable[[Path], nx.DiGraph[str]],
) -> None:
    path = tmp_path / "period.graph"
    write(period, path)
    if write is write_graphml:
        assert_valid_graphml(path)
    graph = read(path)
    assert sorted(graph.nodes) == ["a", "b", "c", "d"]
    node_keys = {key for _, data in graph.nodes(data=True) for key in data}
    assert "name" not in node_keys
    assert graph.nodes["a"]["territory_id"] == "t1"
    assert graph.edges["a", "b"]["sent"] == 12
    assert graph.edges["a", "b"]["weight"] == 12
    assert "sent" not in graph.edges["b", "c"]  # 3 is a small cell
    assert "declined_NO_CAPACITY" not in graph.edges["a", "b"]


def test_research_graph_adds_names_only_on_request(period: PeriodAggregate) -> None:
    assert research_graph(period, include_names=True).nodes["a"]["name"] == "Organization a"
    assert "name" not in research_graph(period).nodes["a"]


def test_network_metrics_rows_flatten_one_row_per_period(make_period: MakePeriod) -> None:
    jan = make_period([("a", "b")], start=date(2025, 1, 1), end=date(2025, 1, 31))
    feb = make_period([("a", "b"), ("b", "a")], start=date(2025, 2, 1), end=date(2025, 2, 28))
    rows = network_metrics_rows(evolution([jan, feb]))
    assert [r["period"] for r in rows] == ["2025-01-01/2025-01-31", "2025-02-01/2025-02-28"]
    assert (rows[0]["new_ties"], rows[0]["jaccard"]) == (None, None)
    # one tie persists, one is new: J = 1/2; reciprocity goes from 0 to 1
    assert (rows[1]["new_ties"], rows[1]["persisting_ties"], rows[1]["jaccard"]) == (1, 1, 0.5)
    assert (rows[0]["reciprocity"], rows[1]["reciprocity"]) == (0.0, 1.0)


def test_organization_rows_hide_rates_that_would_reveal_a_small_count(
    period: PeriodAggregate,
) -> None:
    rows = {r["org_id"]: r for r in organization_metrics_rows(period, organization_metrics(period))}
    b = rows["b"]  # received 12: 9 acknowledged, 7 accepted, 6 completed
    assert (b["in_strength"], b["acknowledgement_rate"], b["completion_rate"]) == (
        12,
        0.75,
        pytest.approx(6 / 7),
    )
    c = rows["c"]  # received 3: everything about it is a small cell
    assert (c["in_strength"], c["acknowledgement_rate"], c["in_degree"]) == (None, None, 1)
    d = rows["d"]  # received nothing: zeros published, rates undefined
    assert (d["in_strength"], d["acknowledgement_rate"]) == (0, None)


def test_write_csv_writes_none_as_an_empty_cell(tmp_path: Path, period: PeriodAggregate) -> None:
    path = tmp_path / "edges.csv"
    rows = edge_list_rows([period])
    write_csv(rows, path)
    with open(path, newline="", encoding="utf-8") as handle:
        read = list(csv.DictReader(handle))
    assert read[0]["sent"] == "12"
    assert read[1]["sent"] == ""
    assert list(read[0]) == list(rows[0])

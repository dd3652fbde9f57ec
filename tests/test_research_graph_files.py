"""The research export's graph files: GEXF valid against the official GEXF 1.2 schema, GraphML
read by NetworkX and igraph with every attribute, the period in both, zeros kept as zeros.

One quarter, three organizations, built in memory: a→b 7 referrals (7 acknowledged, 6
accepted, 6 contacted, 6 completed, 1 declined NO_CAPACITY) and b→c 3 (none acknowledged).
By the disclosure rule (analytics/disclosure.py): a→b publishes sent 7 and acknowledged 7;
accepted (7 − 6 = 1 declined) and below are suppressed; b→c's sent 3 is suppressed and its
0 acknowledged stays 0.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import igraph
import networkx as nx
import pytest
from lxml import etree

from analytics.disclosure import Pseudonyms
from analytics.export import edge_list_rows
from analytics.gexf import GEXF_NAMESPACE, write_gexf_12
from analytics.model import OrgNode, PeriodAggregate, ReferralTie
from analytics.research_view import protect_edge_rows
from server.report_export import research_graph

SCHEMA = Path(__file__).resolve().parent / "schemas" / "gexf-1.2" / "gexf.xsd"
NAMES = Pseudonyms(b"k" * 32)


def _graph() -> nx.DiGraph:
    period = PeriodAggregate(
        date(2025, 1, 1), date(2025, 3, 31),
        tuple(OrgNode(i, f"Name {i}", "COMMUNITY", "t1") for i in "abc"),
        (ReferralTie("a", "b", 7, acknowledged=7, accepted=6, contacted=6, completed=6,
                     declined={"NO_CAPACITY": 1}),
         ReferralTie("b", "c", 3)),
    )  # fmt: skip
    rows = protect_edge_rows(edge_list_rows([period], threshold=0))
    for row in rows:
        row["source"], row["target"] = NAMES(row["source"]), NAMES(row["target"])
    return research_graph(period, rows, NAMES)


def test_the_gexf_file_is_valid_gexf_1_2_with_its_period_and_zeros(tmp_path: Path) -> None:
    path = tmp_path / "q.gexf"
    write_gexf_12(_graph(), path)
    schema = etree.XMLSchema(etree.parse(str(SCHEMA)))
    document = etree.parse(str(path))
    assert schema.validate(document), schema.error_log
    ns = {"g": GEXF_NAMESPACE}
    graph = document.find("g:graph", ns)
    assert graph is not None
    assert (graph.get("start"), graph.get("end"), graph.get("timeformat")) == (
        "2025-01-01", "2025-03-31", "date"
    )  # fmt: skip
    titles = {
        a.get("id"): (a.get("title"), a.get("type"))
        for a in document.findall("g:graph/g:attributes[@class='edge']/g:attribute", ns)
    }
    edges = {}
    for edge in document.findall("g:graph/g:edges/g:edge", ns):
        values = {titles[v.get("for")][0]: v.get("value")
                  for v in edge.findall("g:attvalues/g:attvalue", ns)}  # fmt: skip
        edges[edge.get("source"), edge.get("target")] = values
    ab, bc = edges[NAMES("a"), NAMES("b")], edges[NAMES("b"), NAMES("c")]
    assert (ab["sent"], ab["acknowledged"], ab["expired"]) == ("7", "7", "0")
    assert "accepted" not in ab and "accepted" in ab["suppressed"].split(";")
    assert "sent" not in bc and bc["acknowledged"] == "0"  # suppressed vs zero
    assert dict(titles.values())["sent"] == "integer"
    assert "Name a" not in path.read_text(encoding="utf-8")


def test_a_draft_gexf_from_networkx_is_refused_by_the_schema(tmp_path: Path) -> None:
    # The schema check can fail: what NetworkX writes (1.2draft) does not validate.
    path = tmp_path / "draft.gexf"
    nx.write_gexf(_graph(), path)
    schema = etree.XMLSchema(etree.parse(str(SCHEMA)))
    assert not schema.validate(etree.parse(str(path)))


def test_graphml_loads_in_networkx_and_igraph_with_every_attribute(tmp_path: Path) -> None:
    path = tmp_path / "q.graphml"
    nx.write_graphml(_graph(), path)
    g = nx.read_graphml(path)
    assert g.graph["period"] == "2025-01-01/2025-03-31" and g.graph["start"] == "2025-01-01"
    ab = g.edges[NAMES("a"), NAMES("b")]
    assert (ab["sent"], ab["acknowledged"]) == (7, 7)
    assert "declined_NO_CAPACITY" not in ab  # 1: suppressed, named in `suppressed`
    assert "declined_NO_CAPACITY" in ab["suppressed"].split(";")
    assert g.edges[NAMES("b"), NAMES("c")]["acknowledged"] == 0
    assert g.nodes[NAMES("a")] == {"kind": "COMMUNITY", "territory_id": "t1"}
    ig = igraph.Graph.Read_GraphML(str(path))
    assert ig["period"] == "2025-01-01/2025-03-31"
    assert set(ig.vs.attributes()) >= {"id", "kind", "territory_id"}
    assert set(ig.es.attributes()) >= {"sent", "acknowledged", "expired", "suppressed"}
    by_pair = {(ig.vs[e.source]["id"], ig.vs[e.target]["id"]): e for e in ig.es}
    bc = by_pair[NAMES("b"), NAMES("c")]
    assert bc["acknowledged"] == 0 and "sent" in bc["suppressed"].split(";")
    assert bc["sent"] != bc["sent"] or bc["sent"] is None  # absent: NaN/None, never 1.0
    with pytest.raises(KeyError):
        _ = g.edges[NAMES("b"), NAMES("c")]["weight"]

"""The research export's graph files: GEXF valid against the official GEXF 1.3 grammar, per
period and dynamic over the window; GraphML valid against the GraphML 1.0 schema and read by
NetworkX and igraph with every attribute; the period in each, zeros kept as zeros.

Two quarters, three organizations, built in memory. Q1 2025: a→b 7 referrals (7
acknowledged, 6 accepted, 6 contacted, 6 completed, 1 declined NO_CAPACITY) and b→c 3 (none
acknowledged). By the disclosure rule (analytics/disclosure.py): a→b publishes sent 7 and
acknowledged 7; accepted (7 − 6 = 1 declined) and below are suppressed; b→c's sent 3 is
suppressed and its 0 acknowledged stays 0. Q2 2025: only a and b are members; a→b 5, all
expired: sent 5, acknowledged 0, expired 5 published.

GraphML is checked by tests/graphml_schema.py: the GraphML 1.0 XSD (tests/schemas/graphml-1.0,
its NOTICE says where the copy comes from) and the key domains and value types the XSD
cannot express.
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
from analytics.gexf import GEXF_NAMESPACE, write_dynamic_gexf_13, write_gexf_13
from analytics.model import OrgNode, PeriodAggregate, ReferralTie
from analytics.research_view import protect_edge_rows
from server.report_export import research_graph
from tests.graphml_schema import assert_valid_graphml, graphml_errors

SCHEMAS = Path(__file__).resolve().parent / "schemas" / "gexf-1.3"
NAMES = Pseudonyms(b"k" * 32)
NS = {"g": GEXF_NAMESPACE}


def _gexf_13(folder: Path) -> etree.RelaxNG:
    """The official grammar, its ``ns`` bound to the namespace Gephi and NetworkX use.

    The RelaxNG text says ``http://www.gexf.net/1.3``, the XSD and Gephi
    ``http://gexf.net/1.3`` (tests/schemas/gexf-1.3/NOTICE.md); nothing else changes.
    """
    for grammar in SCHEMAS.glob("*.rng"):
        text = grammar.read_text(encoding="utf-8")
        text = text.replace('ns="http://www.gexf.net/1.3', 'ns="http://gexf.net/1.3')
        (folder / grammar.name).write_text(text, encoding="utf-8")
    return etree.RelaxNG(etree.parse(str(folder / "gexf.rng")))


def _graphs() -> list[nx.DiGraph]:
    q1 = PeriodAggregate(
        date(2025, 1, 1), date(2025, 3, 31),
        tuple(OrgNode(i, f"Name {i}", "COMMUNITY", "t1") for i in "abc"),
        (ReferralTie("a", "b", 7, acknowledged=7, accepted=6, contacted=6, completed=6,
                     declined={"NO_CAPACITY": 1}),
         ReferralTie("b", "c", 3)),
    )  # fmt: skip
    q2 = PeriodAggregate(
        date(2025, 4, 1),
        date(2025, 6, 30),
        tuple(OrgNode(i, f"Name {i}", "COMMUNITY", "t1") for i in "ab"),
        (ReferralTie("a", "b", 5, expired=5),),
    )
    graphs = []
    for period in (q1, q2):
        rows = protect_edge_rows(edge_list_rows([period], threshold=0))
        for row in rows:
            row["source"], row["target"] = NAMES(row["source"]), NAMES(row["target"])
        graphs.append(research_graph(period, rows, NAMES))
    return graphs


def _graph() -> nx.DiGraph:
    return _graphs()[0]


def _edge_values(document: etree._ElementTree) -> dict[tuple[str, str], list[dict[str, str]]]:
    """Each edge's attvalues by title, one dict per (start, end) of the values."""
    titles = {
        a.get("id"): a.get("title")
        for a in document.findall("g:graph/g:attributes[@class='edge']/g:attribute", NS)
    }
    edges: dict[tuple[str, str], list[dict[str, str]]] = {}
    for edge in document.findall("g:graph/g:edges/g:edge", NS):
        spans: dict[tuple[str | None, str | None], dict[str, str]] = {}
        for v in edge.findall("g:attvalues/g:attvalue", NS):
            spans.setdefault((v.get("start"), v.get("end")), {})[titles[v.get("for")]] = v.get(
                "value"
            )
        edges[edge.get("source"), edge.get("target")] = list(spans.values())
    return edges


def test_the_gexf_file_is_valid_gexf_1_3_with_its_period_and_zeros(tmp_path: Path) -> None:
    path = tmp_path / "q.gexf"
    write_gexf_13(_graph(), path)
    schema = _gexf_13(tmp_path)
    document = etree.parse(str(path))
    assert schema.validate(document), schema.error_log
    assert document.getroot().get("version") == "1.3"
    graph = document.find("g:graph", NS)
    assert graph is not None
    assert (graph.get("start"), graph.get("end"), graph.get("timeformat")) == (
        "2025-01-01", "2025-03-31", "date"
    )  # fmt: skip
    assert document.findtext("g:meta/g:description", namespaces=NS) == (
        "period 2025-01-01/2025-03-31"
    )
    types = {
        a.get("title"): a.get("type")
        for a in document.findall("g:graph/g:attributes[@class='edge']/g:attribute", NS)
    }
    edges = {pair: spans[0] for pair, spans in _edge_values(document).items()}
    ab, bc = edges[NAMES("a"), NAMES("b")], edges[NAMES("b"), NAMES("c")]
    assert (ab["sent"], ab["acknowledged"], ab["expired"]) == ("7", "7", "0")
    assert "accepted" not in ab and "accepted" in ab["suppressed"].split(";")
    assert "sent" not in bc and bc["acknowledged"] == "0"  # suppressed vs zero
    assert types["sent"] == "integer"
    assert "Name a" not in path.read_text(encoding="utf-8")


def test_a_draft_gexf_from_networkx_is_refused_by_the_grammar(tmp_path: Path) -> None:
    # The schema check can fail: what NetworkX writes by default (1.2draft) does not validate.
    path = tmp_path / "draft.gexf"
    nx.write_gexf(_graph(), path)
    assert not _gexf_13(tmp_path).validate(etree.parse(str(path)))


def test_the_dynamic_gexf_file_holds_every_period_as_spells_and_dated_values(
    tmp_path: Path,
) -> None:
    path = tmp_path / "window.gexf"
    write_dynamic_gexf_13(_graphs(), path)
    schema = _gexf_13(tmp_path)
    document = etree.parse(str(path))
    assert schema.validate(document), schema.error_log
    graph = document.find("g:graph", NS)
    assert graph is not None
    assert (graph.get("mode"), graph.get("timeformat"), graph.get("start"), graph.get("end")) == (
        "dynamic", "date", "2025-01-01", "2025-06-30"
    )  # fmt: skip
    assert document.findtext("g:meta/g:description", namespaces=NS) == (
        "2 periods: 2025-01-01/2025-03-31, 2025-04-01/2025-06-30"
    )
    items = {n.get("id"): n for n in document.findall("g:graph/g:nodes/g:node", NS)}
    items |= {f"{e.get('source')}>{e.get('target')}": e
              for e in document.findall("g:graph/g:edges/g:edge", NS)}  # fmt: skip
    spells = {
        key: [(s.get("start"), s.get("end")) for s in item.findall("g:spells/g:spell", NS)]
        for key, item in items.items()
    }
    a, b, c = NAMES("a"), NAMES("b"), NAMES("c")
    assert spells[a] == spells[b] == [("2025-01-01", "2025-06-30")]  # both quarters: one run
    assert spells[c] == [("2025-01-01", "2025-03-31")]
    assert spells[f"{a}>{b}"] == [("2025-01-01", "2025-06-30")]
    assert spells[f"{b}>{c}"] == [("2025-01-01", "2025-03-31")]
    q1, q2 = _edge_values(document)[a, b]
    assert (q1["sent"], q1["acknowledged"], q2["sent"], q2["acknowledged"]) == ("7", "7", "5", "0")
    dated = document.findall("g:graph/g:edges/g:edge/g:attvalues/g:attvalue", NS)
    assert all(v.get("start") and v.get("end") for v in dated)


def test_networkx_reads_gexf_1_3_with_every_attribute_and_igraph_through_networkx(
    tmp_path: Path,
) -> None:
    path = tmp_path / "q.gexf"
    write_gexf_13(_graph(), path)
    g = nx.read_gexf(path)
    assert (g.graph["start"], g.graph["end"]) == ("2025-01-01", "2025-03-31")
    ab = g.edges[NAMES("a"), NAMES("b")]
    assert (ab["sent"], ab["acknowledged"], ab["expired"]) == (7, 7, 0)
    assert "accepted" not in ab and "accepted" in ab["suppressed"].split(";")
    bc = g.edges[NAMES("b"), NAMES("c")]
    assert "sent" not in bc and bc["acknowledged"] == 0
    assert g.nodes[NAMES("a")]["kind"] == "COMMUNITY"
    assert g.nodes[NAMES("a")]["territory_id"] == "t1"
    # igraph has no GEXF reader (Graph.Read knows no .gexf): it takes NetworkX's graph.
    with pytest.raises(Exception):  # noqa: B017 (igraph raises its own error types)
        igraph.Graph.Read(str(path))
    ig = igraph.Graph.from_networkx(g)
    assert set(ig.es.attributes()) >= {"sent", "acknowledged", "expired", "suppressed"}
    assert set(ig.vs.attributes()) >= {"kind", "territory_id"}


def test_networkx_reads_the_dynamic_file_spells_but_only_one_value_per_edge_count(
    tmp_path: Path,
) -> None:
    # What NetworkX cannot read: GEXF 1.3 has no `mode` on <attributes>, and NetworkX keeps
    # per-period values (attvalue start/end) only under mode="dynamic"; it keeps the last one.
    path = tmp_path / "window.gexf"
    write_dynamic_gexf_13(_graphs(), path)
    g = nx.read_gexf(path)
    a, b, c = NAMES("a"), NAMES("b"), NAMES("c")
    assert g.graph["mode"] == "dynamic"
    assert g.nodes[c]["spells"] == [("2025-01-01", "2025-03-31")]
    assert g.edges[a, b]["spells"] == [("2025-01-01", "2025-06-30")]
    assert g.edges[a, b]["sent"] == 5  # Q2's value; Q1's 7 is in the file, not in NetworkX


def test_graphml_loads_in_networkx_and_igraph_with_every_attribute(tmp_path: Path) -> None:
    path = tmp_path / "q.graphml"
    nx.write_graphml(_graph(), path)
    assert_valid_graphml(path)
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


GRAPHML = """<graphml xmlns="http://graphml.graphdrawing.org/xmlns">
<key id="k0" for="edge" attr.name="sent" attr.type="long"/>
<key id="k1" for="node" attr.name="kind" attr.type="string"/>
<graph {graph}><node id="a"><data key="k1">SCHOOL</data></node><node id="b"/>
<edge source="a" target="{target}"><data key="{key}">{value}</data></edge></graph></graphml>"""


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        pytest.param({"graph": ""}, "edgedefault", id="no edgedefault"),
        pytest.param({"target": "z"}, "edge_target_ref", id="edge to an undeclared node"),
        pytest.param({"key": "k9"}, "data_key_ref", id="data of an undeclared key"),
        pytest.param({"key": "k1"}, "is for node, on a edge", id="node key on an edge"),
        pytest.param({"value": "n/a"}, "is not a GraphML long", id="text in a long"),
    ],
)
def test_the_graphml_check_refuses_what_graphml_1_0_forbids(
    change: dict[str, str], reason: str
) -> None:
    fields = {"graph": 'edgedefault="directed"', "target": "b", "key": "k0", "value": "7"}
    assert graphml_errors(GRAPHML.format(**fields).encode()) == []
    errors = graphml_errors(GRAPHML.format(**{**fields, **change}).encode())
    assert errors and reason in "\n".join(errors)

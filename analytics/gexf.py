"""GEXF 1.3 files valid against the official schema: one per period, and one dynamic file.

NetworkX writes GEXF "1.2draft", which no published schema validates (its
``<graph name="">`` and draft namespace); this writer follows the official
GEXF 1.3 RelaxNG grammar (``tests/schemas/gexf-1.3``) that Gephi reads:
``version="1.3"``, every attribute declared with its type, edges with ids,
dates as ``timeformat="date"``. The namespace is ``http://gexf.net/1.3``, as
in the 1.3 XSD, Gephi's own files and NetworkX's reader (the RelaxNG text
says ``http://www.gexf.net/1.3``; see the schema's NOTICE).

- :func:`write_gexf_13`: one period, static, the period on ``<graph start
  end>`` and in ``<meta><description>``.
- :func:`write_dynamic_gexf_13`: every period of a window in one dynamic
  graph: each organization's membership and each tie as ``<spells>`` (runs
  of consecutive periods), each edge count as an ``<attvalue>`` with the
  ``start`` and ``end`` of its period, the periods listed in ``<meta>``.

A zero is written as 0; an absent attribute (a suppressed count) has no
``attvalue`` and is named in the edge's ``suppressed`` attribute by the caller.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Sequence
from os import PathLike
from typing import Any

import networkx as nx

from analytics.panel import runs

__all__ = ["GEXF_NAMESPACE", "write_dynamic_gexf_13", "write_gexf_13"]

#: Namespace of GEXF 1.3 (that of its XSD, of Gephi and of NetworkX).
GEXF_NAMESPACE = "http://gexf.net/1.3"


def _type_of(values: list[Any]) -> str:
    if values and all(isinstance(v, bool) for v in values):
        return "boolean"
    if values and all(isinstance(v, int) and not isinstance(v, bool) for v in values):
        return "integer"
    if values and all(isinstance(v, int | float) and not isinstance(v, bool) for v in values):
        return "double"
    return "string"


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _declare(parent: ET.Element, klass: str, rows: list[dict[str, Any]]) -> dict[str, str]:
    names = list(dict.fromkeys(k for row in rows for k in row))
    block = ET.SubElement(parent, "attributes", {"class": klass})
    ids = {}
    for i, name in enumerate(names):
        kind = _type_of([row[name] for row in rows if name in row])
        ids[name] = str(i)
        ET.SubElement(block, "attribute", {"id": str(i), "title": name, "type": kind})
    return ids


def _values(
    holder: ET.Element, ids: dict[str, str], data: dict[str, Any], when: dict[str, str]
) -> None:
    for name, value in data.items():
        ET.SubElement(holder, "attvalue", {"for": ids[name], "value": _text(value), **when})


def _root(description: str) -> ET.Element:
    root = ET.Element("gexf", {"xmlns": GEXF_NAMESPACE, "version": "1.3"})
    meta = ET.SubElement(root, "meta")
    ET.SubElement(meta, "creator").text = "Maillage"
    ET.SubElement(meta, "description").text = description
    return root


def _write(root: ET.Element, path: str | PathLike[str]) -> None:
    tree = ET.ElementTree(root)
    ET.indent(tree)
    tree.write(path, encoding="utf-8", xml_declaration=True)


def write_gexf_13(graph: nx.DiGraph, path: str | PathLike[str]) -> None:
    """Write one period's directed graph to a GEXF 1.3 file valid against the official schema.

    Parameters
    ----------
    graph : networkx.DiGraph
        Node and edge attributes are written as typed GEXF attributes; graph
        attributes ``period``, ``start`` and ``end`` (ISO dates) go on
        ``<graph>`` and in ``<meta><description>``.
    path : str or path-like
        File to create or overwrite.

    Returns
    -------
    None

    References
    ----------
    .. [1] GEXF Working Group (2009–). GEXF 1.3 schema. https://github.com/gephi/gexf

    Examples
    --------
    >>> import pathlib, tempfile
    >>> g = nx.DiGraph(period="2025-01-01/2025-03-31", start="2025-01-01", end="2025-03-31")
    >>> g.add_edge("a", "b", sent=7, declined=0)
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     write_gexf_13(g, pathlib.Path(folder) / "g.gexf")
    ...     text = (pathlib.Path(folder) / "g.gexf").read_text()
    >>> 'version="1.3"' in text and 'start="2025-01-01"' in text and 'value="0"' in text
    True
    """
    root = _root(f"period {graph.graph['period']}" if "period" in graph.graph else "")
    attributes = {"defaultedgetype": "directed", "idtype": "string", "mode": "static"}
    if "start" in graph.graph and "end" in graph.graph:
        attributes.update(timeformat="date", start=graph.graph["start"], end=graph.graph["end"])
    element = ET.SubElement(root, "graph", attributes)
    node_ids = _declare(element, "node", [dict(d) for _, d in graph.nodes(data=True)])
    edge_ids = _declare(element, "edge", [dict(d) for _, _, d in graph.edges(data=True)])
    nodes = ET.SubElement(element, "nodes", {"count": str(graph.number_of_nodes())})
    for node, data in graph.nodes(data=True):
        item = ET.SubElement(nodes, "node", {"id": str(node), "label": str(node)})
        if data:
            _values(ET.SubElement(item, "attvalues"), node_ids, dict(data), {})
    edges = ET.SubElement(element, "edges", {"count": str(graph.number_of_edges())})
    for i, (source, target, data) in enumerate(graph.edges(data=True)):
        item = ET.SubElement(
            edges, "edge", {"id": f"e{i}", "source": str(source), "target": str(target)}
        )
        if data:
            _values(ET.SubElement(item, "attvalues"), edge_ids, dict(data), {})
    _write(root, path)


def _spells(item: ET.Element, present: list[int], bounds: Sequence[tuple[str, str]]) -> None:
    holder = ET.SubElement(item, "spells")
    for first, last in runs(present):
        ET.SubElement(holder, "spell", {"start": bounds[first][0], "end": bounds[last][1]})


def write_dynamic_gexf_13(graphs: Sequence[nx.DiGraph], path: str | PathLike[str]) -> None:
    """Write consecutive periods' graphs as one dynamic GEXF 1.3 graph over the whole window.

    Parameters
    ----------
    graphs : sequence of networkx.DiGraph
        One per period, in order, each with graph attributes ``period``,
        ``start`` and ``end`` (as :func:`write_gexf_13` reads them).
    path : str or path-like
        File to create or overwrite.

    Returns
    -------
    None

    Notes
    -----
    An organization or a tie is present over the runs of consecutive periods
    it appears in (``<spells>``). A node's attributes are those of the last
    period it appears in; an edge's are given per period (``<attvalue start
    end>``), a suppressed count having no value in that period.

    References
    ----------
    .. [1] GEXF Working Group (2009–). GEXF 1.3 schema, dynamics. https://github.com/gephi/gexf

    Examples
    --------
    >>> import pathlib, tempfile
    >>> q1 = nx.DiGraph(period="2025-01-01/2025-03-31", start="2025-01-01", end="2025-03-31")
    >>> q2 = nx.DiGraph(period="2025-04-01/2025-06-30", start="2025-04-01", end="2025-06-30")
    >>> q1.add_edge("a", "b", sent=7)
    >>> q2.add_edge("a", "b", sent=5)
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     write_dynamic_gexf_13([q1, q2], pathlib.Path(folder) / "w.gexf")
    ...     text = (pathlib.Path(folder) / "w.gexf").read_text()
    >>> '<spell start="2025-01-01" end="2025-06-30" />' in text and 'mode="dynamic"' in text
    True
    """
    if not graphs:
        raise ValueError("a dynamic GEXF file needs at least one period")
    bounds = [(g.graph["start"], g.graph["end"]) for g in graphs]
    labels = ", ".join(g.graph["period"] for g in graphs)
    root = _root(f"{len(graphs)} periods: {labels}")
    element = ET.SubElement(root, "graph", {
        "defaultedgetype": "directed", "idtype": "string", "mode": "dynamic",
        "timeformat": "date", "start": bounds[0][0], "end": bounds[-1][1],
    })  # fmt: skip
    node_data: dict[str, dict[str, Any]] = {}
    node_periods: dict[str, list[int]] = {}
    edge_data: dict[tuple[str, str], list[tuple[int, dict[str, Any]]]] = {}
    for i, graph in enumerate(graphs):
        for node, data in graph.nodes(data=True):
            node_data[str(node)] = dict(data)
            node_periods.setdefault(str(node), []).append(i)
        for source, target, data in graph.edges(data=True):
            edge_data.setdefault((str(source), str(target)), []).append((i, dict(data)))
    node_ids = _declare(element, "node", list(node_data.values()))
    edge_ids = _declare(element, "edge", [d for spans in edge_data.values() for _, d in spans])
    nodes = ET.SubElement(element, "nodes", {"count": str(len(node_data))})
    for node in sorted(node_data):
        item = ET.SubElement(nodes, "node", {"id": node, "label": node})
        if node_data[node]:
            _values(ET.SubElement(item, "attvalues"), node_ids, node_data[node], {})
        _spells(item, node_periods[node], bounds)
    edges = ET.SubElement(element, "edges", {"count": str(len(edge_data))})
    for n, (source, target) in enumerate(sorted(edge_data)):
        item = ET.SubElement(edges, "edge", {"id": f"e{n}", "source": source, "target": target})
        spans = edge_data[source, target]
        if any(data for _, data in spans):
            holder = ET.SubElement(item, "attvalues")
            for i, data in spans:
                _values(holder, edge_ids, data, {"start": bounds[i][0], "end": bounds[i][1]})
        _spells(item, [i for i, _ in spans], bounds)
    _write(root, path)

"""Issue 17's attacks on the researcher API and the research export of the demo network.

The demo preset (seed 7) is imported; a researcher of both networks reads
every quarter of 2024–2025 and the breakdowns of Q1 2025, then tries what an
attacker would: match analytics ids to the directory, subtract published
edges from a published strength, published cells from a published total, and
read the differences between the nested counts of a row. The coordinator's
exact figures (and the project key read from Neo4j, which the researcher
never sees) say what the attacker would have recovered. Last, every figure
the export's README marks reproducible is recomputed from the CSV files alone
with NetworkX and compared with the API.
"""

from __future__ import annotations

import asyncio
import csv
import json
import re
import uuid
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any, cast

import httpx
import networkx as nx
import pytest

from analytics.disclosure import Pseudonyms
from analytics.event_log import EVENT_COUNTS
from graph.access import identity
from graph.access.research_projects import research_project_key
from graph.db import Database
from graph.importer import import_dataset
from server.settings import Settings
from simulator import run
from tests.conftest import Api, unique
from tests.test_report import _cli

pytestmark = pytest.mark.slow

THRESHOLD = 5
WINDOW = {"from": "2024-01-01", "to": "2025-12-31"}
Q1_2025 = {"from": "2025-01-01", "to": "2025-03-31"}
COLLABORATION = """
query($id: ID!, $from: Date!, $to: Date!) {
  network(id: $id) {
    collaboration(from: $from, to: $to, period: QUARTER) {
      deidentified
      periods {
        start end
        metrics { organizations ties referrals density reciprocity transitivity components
                  largestComponentShare degreeCentralization referralLoadGini }
        nodes { id name inDegree outDegree inStrength outStrength betweenness
                acknowledgementRate constraint effectiveSize }
        edges { source target sent acknowledged accepted contacted completed declined
                redirected expired noShow cancelled overdue declinedByReason { reason count } }
        partnerships { source target }
      }
    }
    evolution(from: $from, to: $to, period: QUARTER) { periods { start jaccard } }
  }
}
"""
BREAKDOWNS = """
query($id: ID!, $from: Date!, $to: Date!) {
  network(id: $id) {
    breakdowns(from: $from, to: $to) {
      deidentified
      funnel { sent acknowledged completed }
      byReceiver { receiverId sent acknowledged accepted contacted completed declined }
      byPair { senderId receiverId sent acknowledged accepted contacted completed declined }
      byNeed { needCode sent acknowledged accepted contacted completed declined }
      byTerritory { territoryId sent acknowledged accepted contacted completed declined
                    declinedByReason { reason count } }
      byNeedAndTerritory { needCode territoryId sent acknowledged accepted contacted completed
                           declined declinedByReason { reason count } }
      blackHoles { organizationId sent acknowledged }
      criticalOrganizations { organizationId name }
      repeatedDeclines { sourceId targetId }
      openLoops { sourceId targetId }
      overrides { organizationId serviceId }
    }
  }
}
"""
EDGE_COUNTS = ("sent", "acknowledged", "accepted", "contacted", "completed", "declined",
               "redirected", "expired")  # fmt: skip
FUNNEL_COUNTS = ("sent", "acknowledged", "accepted", "contacted", "completed", "declined")
ID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")


@pytest.fixture(scope="module")
async def demo(db: Database, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """The demo imported, a researcher and a coordinator of both networks, the project key."""
    folder = run("demo", 7, tmp_path_factory.mktemp("demo-7-attacks"))
    report = await import_dataset(db, Path(folder))
    assert report.ok, report.errors[:5]
    manifest = json.loads((Path(folder) / "manifest.json").read_text())
    events = {e["kind"]: e for e in manifest["plantedEvents"]}
    nets: list[str] = events["BROKER_CLOSURE"]["details"]["networkIds"]
    tokens, emails = {}, {}
    for role in ("RESEARCHER", "COORDINATOR"):
        email = f"{unique(role.lower())}@test.maillage"
        user = await identity.create_user(db, email=email, name=role)
        for net in nets:
            await identity.assign_network_role(db, user_id=user["id"], network_id=net, role=role)
        tokens[role], _ = await identity.create_token(db, user_id=user["id"])
        emails[role] = (email, user["id"])
    _, key = await research_project_key(db, emails["RESEARCHER"][1])
    return {"networks": nets, "tokens": tokens, "email": emails["RESEARCHER"][0],
            "names": Pseudonyms(key)}  # fmt: skip


async def _read(client: httpx.AsyncClient, demo: dict[str, Any], role: str, query: str,
                net: str, window: dict[str, str]) -> dict[str, Any]:  # fmt: skip
    data = await Api(client, demo["tokens"][role]).data(query, {"id": net, **window})
    return dict(data["network"])


def _ids(value: Any, key: str = "") -> list[str]:
    """Every value of an id-like field (``id``, ``…Id``, ``source``, ``target``) in a response."""
    found: list[str] = []
    if isinstance(value, dict):
        for k, v in value.items():
            found += _ids(v, k)
    elif isinstance(value, list):
        for item in value:
            found += _ids(item, key)
    elif isinstance(value, str) and (key in ("id", "source", "target") or key.endswith("Id")):
        found.append(value)
    return found


def _atoms_ok(row: dict[str, int | None], edge: bool) -> list[str]:
    """Differences an attacker computes from a row's published nested counts, if any is small."""
    s, a, p, c, k = (row[n] for n in ("sent", "acknowledged", "accepted", "contacted", "completed"))
    d = row["declined"]
    r, e = (row["redirected"], row["expired"]) if edge else (0, 0)
    bad = []
    checks = {
        "sent-acknowledged-expired": (s, [a, e]),
        "acknowledged-accepted-declined-redirected": (a, [p, d, r]),
        "accepted-contacted": (p, [c]),
        "contacted-completed": (c, [k]),
    }
    for name, (whole, parts) in checks.items():
        if whole is None or any(x is None for x in parts):
            continue  # a hidden set merges this difference with a larger one, checked below
        gap = whole - sum(x for x in parts if x is not None)
        if 0 < gap < THRESHOLD:
            bad.append(f"{name}={gap}")
    for n, value in row.items():
        if value is not None and 0 < value < THRESHOLD:
            bad.append(f"{n}={value}")
    return bad


async def test_no_analytics_field_carries_a_directory_id(
    client: httpx.AsyncClient, demo: dict[str, Any]
) -> None:
    for net in demo["networks"]:
        collab = await _read(client, demo, "RESEARCHER", COLLABORATION, net, WINDOW)
        broken = await _read(client, demo, "RESEARCHER", BREAKDOWNS, net, Q1_2025)
        members = await Api(client, demo["tokens"]["RESEARCHER"]).data(
            "query($id: ID!) { network(id: $id) { members { organizationId } } }", {"id": net}
        )
        directory = {m["organizationId"] for m in members["network"]["members"]}
        assert len(directory) > 20
        ids = _ids(collab["collaboration"]) + _ids(broken["breakdowns"])
        organization_ids = [i for i in ids if not ID.match(i)]  # territories keep their ids
        assert not directory & set(ids)
        assert organization_ids and all(i.startswith("o-") for i in organization_ids)
        mapped = {demo["names"](o) for o in directory}
        assert set(organization_ids) <= mapped  # the project's pseudonyms, nothing else
        assert all(p["partnerships"] == [] for p in collab["collaboration"]["periods"])
        assert all(n["name"] is None for p in collab["collaboration"]["periods"]
                   for n in p["nodes"])  # fmt: skip
        b = broken["breakdowns"]
        assert b["repeatedDeclines"] == b["openLoops"] == b["overrides"] == []
        # Nor can a profile read by directory id be joined to the pseudonymous graph.
        some = sorted(directory)[0]
        body = await Api(client, demo["tokens"]["RESEARCHER"])(
            'query($id: ID!) { organization(id: $id) { collaborationProfile(from: "2025-01-01",'
            ' to: "2025-03-31", period: QUARTER) { deidentified } } }',
            {"id": some},
        )
        assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"


async def test_subtracting_published_figures_recovers_no_small_count(
    client: httpx.AsyncClient, demo: dict[str, Any]
) -> None:
    names: Pseudonyms = demo["names"]
    published_edges = suppressed_edges = 0
    for net in demo["networks"]:
        mine = await _read(client, demo, "RESEARCHER", COLLABORATION, net, WINDOW)
        exact = await _read(client, demo, "COORDINATOR", COLLABORATION, net, WINDOW)
        for period, truth in zip(mine["collaboration"]["periods"],
                                 exact["collaboration"]["periods"], strict=True):  # fmt: skip
            assert period["metrics"]["referrals"] is None  # a grand total: withheld
            true_edges = {(names(e["source"]), names(e["target"])): e for e in truth["edges"]}
            incoming: dict[str, list[int | None]] = defaultdict(list)
            outgoing: dict[str, list[int | None]] = defaultdict(list)
            for edge in period["edges"]:
                real = true_edges[edge["source"], edge["target"]]
                row = {n: edge[n] for n in EDGE_COUNTS}
                for n, value in row.items():  # what is published is exact
                    assert value is None or value == real[n], (n, edge, real)
                assert (edge["noShow"], edge["cancelled"], edge["overdue"]) == (None,) * 3
                assert not _atoms_ok(row, edge=True), (row, _atoms_ok(row, edge=True))
                incoming[edge["target"]].append(edge["sent"])
                outgoing[edge["source"]].append(edge["sent"])
                published_edges += edge["sent"] is not None
                suppressed_edges += edge["sent"] is None
            for node in period["nodes"]:
                for strength, parts in (("inStrength", incoming[node["id"]]),
                                        ("outStrength", outgoing[node["id"]])):  # fmt: skip
                    if node[strength] is None:
                        continue
                    # strength − published edges: nothing left over, no hidden edge to find
                    assert None not in parts, (strength, node, parts)
                    assert node[strength] == sum(p for p in parts if p is not None)
    assert published_edges > 0 and suppressed_edges > 0  # both cases were exercised

    for net in demo["networks"]:
        b = (await _read(client, demo, "RESEARCHER", BREAKDOWNS, net, Q1_2025))["breakdowns"]
        assert b["deidentified"] is True
        assert set(b["funnel"].values()) == {None}  # total − cells is impossible
        pairs: dict[str, list[dict[str, Any]]] = defaultdict(list)
        for pair in b["byPair"]:
            pairs[pair["receiverId"]].append(pair)
        for receiver in b["byReceiver"]:
            for n in FUNNEL_COUNTS:
                if receiver[n] is not None:
                    parts = [p[n] for p in pairs[receiver["receiverId"]]]
                    assert None not in parts, (n, receiver)
                    assert receiver[n] == sum(cast(list[int], parts)), (n, receiver)
        cells: dict[str, list[dict[str, Any]]] = defaultdict(list)
        for cell in b["byNeedAndTerritory"]:
            cells[cell["needCode"]].append(cell)
            row = {n: cell[n] for n in FUNNEL_COUNTS}
            assert not _atoms_ok(row, edge=False), row
            reasons = [r["count"] for r in cell["declinedByReason"]]
            if cell["declined"] is not None:
                assert None not in reasons and sum(reasons) == cell["declined"]
        for need in b["byNeed"]:
            for n in FUNNEL_COUNTS:
                if need[n] is not None:
                    parts = [c[n] for c in cells[need["needCode"]]]
                    assert None not in parts, (n, need)
                    assert need[n] == sum(cast(list[int], parts)), (n, need)
        for territory in b["byTerritory"]:
            assert not _atoms_ok({n: territory[n] for n in FUNNEL_COUNTS}, edge=False)
        for hole in b["blackHoles"]:
            assert hole["sent"] is not None and hole["acknowledged"] is not None


def _csv(folder: Path, name: str) -> list[dict[str, str]]:
    with (folder / f"{name}.csv").open(encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


async def test_the_export_applies_the_same_rule_and_recomputes_the_api(
    client: httpx.AsyncClient, demo: dict[str, Any], settings: Settings, tmp_path: Path
) -> None:
    import asyncio

    net = demo["networks"][0]
    argv = ["export", "research", "--network", net, "--from", WINDOW["from"], "--to",
            WINDOW["to"], "--period", "quarter", "--format", "csv", "--out", str(tmp_path),
            "--researcher", demo["email"]]  # fmt: skip
    assert await asyncio.to_thread(_cli, settings, argv) == 0
    api = await _read(client, demo, "RESEARCHER", COLLABORATION, net, WINDOW)
    nodes, edges = _csv(tmp_path, "nodes"), _csv(tmp_path, "edges")
    organizations = _csv(tmp_path, "organization_metrics")

    def count(text: str) -> int | None:
        assert text != "", "a count is never empty: S or a number"
        return None if text == "S" else int(text)

    periods = api["collaboration"]["periods"]
    jaccard = {p["start"]: p["jaccard"] for p in api["evolution"]["periods"]}
    previous: set[tuple[str, str]] | None = None
    for period in periods:
        label = f"{period['start']}/{period['end']}"
        rows = [e for e in edges if e["period"] == label]
        # The export's cells are the API's cells, suppressed by the same rule.
        by_pair = {(e["source"], e["target"]): e for e in rows}
        assert set(by_pair) == {(e["source"], e["target"]) for e in period["edges"]}
        for edge in period["edges"]:
            exported = by_pair[edge["source"], edge["target"]]
            assert {n: count(exported[n]) for n in EDGE_COUNTS} == {n: edge[n] for n in EDGE_COUNTS}
        for org in (o for o in organizations if o["period"] == label):
            node = next(n for n in period["nodes"] if n["id"] == org["org_id"])
            assert count(org["in_strength"]) == node["inStrength"]
        # Recompute every figure marked reproducible from nodes.csv and edges.csv alone.
        g = nx.DiGraph()
        g.add_nodes_from(n["id"] for n in nodes if n["period"] == label)
        g.add_edges_from(by_pair)
        u = g.to_undirected()
        degrees = [d for _, d in u.degree()]
        n = len(u)
        central = sum(max(degrees) - d for d in degrees) / ((n - 1) * (n - 2)) if n > 2 else 0.0
        m = period["metrics"]
        assert m["organizations"] == g.number_of_nodes() and m["ties"] == g.number_of_edges()
        assert m["density"] == pytest.approx(nx.density(g), abs=1e-9)
        reciprocity = nx.overall_reciprocity(g) if g.number_of_edges() else 0.0
        assert m["reciprocity"] == pytest.approx(reciprocity, abs=1e-9)
        assert m["transitivity"] == pytest.approx(nx.transitivity(u), abs=1e-9)
        assert m["components"] == nx.number_weakly_connected_components(g)
        largest = max((len(c) for c in nx.weakly_connected_components(g)), default=0)
        assert m["largestComponentShare"] == pytest.approx(largest / n, abs=1e-9)
        assert m["degreeCentralization"] == pytest.approx(central, abs=1e-9)
        between = nx.betweenness_centrality(g, normalized=True)
        # Brokerage on unit-weight ties (a pair tied both ways weighs 2), nodes passed
        # explicitly so NetworkX takes the same path with or without SciPy.
        weighted = nx.Graph()
        weighted.add_nodes_from(g)
        for a, b in g.edges():
            w = weighted[a][b]["weight"] + 1 if weighted.has_edge(a, b) else 1
            weighted.add_edge(a, b, weight=w)
        constraint = nx.constraint(weighted, nodes=list(weighted), weight="weight")
        size = nx.effective_size(weighted, nodes=list(weighted), weight="weight")
        for node in period["nodes"]:
            assert node["inDegree"] == g.in_degree(node["id"])
            assert node["outDegree"] == g.out_degree(node["id"])
            assert node["betweenness"] == pytest.approx(between[node["id"]], abs=1e-9)
            if weighted.degree(node["id"]):
                assert node["constraint"] == pytest.approx(constraint[node["id"]], abs=1e-9)
                assert node["effectiveSize"] == pytest.approx(size[node["id"]], abs=1e-9)
            else:
                assert node["constraint"] is None and node["effectiveSize"] is None
        if m["referralLoadGini"] is not None:  # only when every in-strength is published
            assert all(n["inStrength"] is not None for n in period["nodes"])
        ties = set(by_pair)
        if previous is not None:
            union = previous | ties
            expected = len(previous & ties) / len(union) if union else 0.0
            assert jaccard[period["start"]] == pytest.approx(expected, abs=1e-9)
        previous = ties
    # The event log: per pair, period and type, as many rows as the published count says,
    # none for a suppressed count (S) or a withheld type; ordinal time without gaps.
    log = _csv(tmp_path, "event_log")
    assert log, "the demo publishes some ties, so some events"
    assert [int(r["time"]) for r in log] == list(range(1, len(log) + 1))
    assert {(r["period"], r["sender"], r["receiver"]) for r in log} <= {
        (e["period"], e["source"], e["target"]) for e in edges
    }
    logged = Counter((r["period"], r["sender"], r["receiver"], r["event_type"]) for r in log)
    reasons = Counter((r["period"], r["sender"], r["receiver"], r["decline_reason"])
                      for r in log if r["event_type"] == "DECLINED")  # fmt: skip
    for e in edges:
        pair = (e["period"], e["source"], e["target"])
        for kind, column in EVENT_COUNTS.items():
            assert logged[(*pair, kind)] == (count(e[column]) or 0), (pair, kind)
        # (A reason column is empty in a period whose ties have no decline of that reason.)
        for column in (c for c in e if c.startswith("declined_") and e[c] != ""):
            reason = column.removeprefix("declined_")
            assert reasons[(*pair, reason)] == (count(e[column]) or 0), (pair, reason)


async def test_racing_first_reads_give_a_researcher_one_project_and_one_key(
    db: Database,
) -> None:
    user = await identity.create_user(db, email=f"{uuid.uuid4().hex[:8]}@race.test", name="R")
    results = await asyncio.gather(*(research_project_key(db, user["id"]) for _ in range(8)))
    assert len(set(results)) == 1  # same id, same key: one set of pseudonyms
    rows = await db.rows(
        "MATCH (:User {id: $uid})-[:RUNS]->(p:ResearchProject) RETURN p.id AS id", uid=user["id"]
    )
    assert len(rows) == 1

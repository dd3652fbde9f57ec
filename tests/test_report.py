"""The collaboration report and the research export, written from a small real network.

Network (members from 2023): A, B, C, D. In 2024 A sent B six referrals
(acknowledged after 3 h, accepted) and B sent C three. In 2025 A sent B five
more, C sent D five that D never acknowledged (a black hole: 0 of 5), and A
sent C two that C declined NO_CAPACITY. Each referral carries a family
reference and a comment that must never reach an export.
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import json
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any, TypeVar, cast

import networkx as nx
import pytest
from matplotlib.image import imread

from domain.lifecycle import Action
from graph import presence
from graph.db import Database, open_database
from graph.directory import networks, organizations
from graph.directory.organizations import OrganizationInput
from graph.referral import commands as g_ref
from graph.referral.commands import ReferralInput
from server import analytics_cli
from server.settings import Settings
from tests.conftest import unique
from tests.graphml_schema import assert_valid_graphml

T = TypeVar("T")
FAMILY = "F-CONFIDENTIEL-0042"
COMMENT = "Texte libre confidentiel: la famille habite au 12 rue des Érables"


@dataclass
class Network:
    id: str
    names: dict[str, str]
    ids: dict[str, str]


async def _send(db: Database, sender: str, receiver: str, when: datetime, n: int) -> str:
    referral, _ = await g_ref.send_referral(
        db,
        ReferralInput(
            to_organization_id=receiver,
            need_codes=["FOOD_SECURITY"],
            family_reference=f"{FAMILY}-{n}",
            idempotency_key=unique("key-"),
            consent_given=True,
            consent_method="VERBAL",
            consent_scope="referral",
            comment=COMMENT,
            contact_phone="514-555-0199",
        ),
        sender_id=sender,
        actor_user_id=None,
        now=when,
    )
    return str(referral["id"])


async def _move(db: Database, rid: str, actor: str, when: datetime, *steps: Action) -> None:
    status = "SENT"
    for i, action in enumerate(steps):
        row = await g_ref.transition(
            db,
            rid,
            action,
            expected_status=status,
            actor_user_id=None,
            actor_org_id=actor,
            now=when + timedelta(hours=3 + i),
            reason="NO_CAPACITY" if action is Action.DECLINE else None,
            comment=COMMENT if action is Action.DECLINE else None,
        )
        status = row["status"]


@pytest.fixture(scope="module")
async def network(db: Database) -> Network:
    net = await networks.create_network(db, name=unique("Table de quartier "))
    ids: dict[str, str] = {}
    for key, kind in zip("ABCD", ["COMMUNITY", "FOOD_SECURITY", "HOUSING", "SCHOOL"], strict=True):
        org = await organizations.create_organization(
            db,
            OrganizationInput(name=unique(f"Organisme {key} "), kind=kind),
            network_id=net["id"],
            member_since=date(2023, 1, 1),
        )
        ids[key] = org["id"]
    await networks.declare_partnership(
        db, organization_id=ids["A"], partner_id=ids["B"], kind="TABLE", since=date(2024, 3, 1)
    )
    n = 0
    plan = [
        (2024, "A", "B", 6, (Action.ACKNOWLEDGE, Action.ACCEPT)),
        (2024, "B", "C", 3, (Action.ACKNOWLEDGE,)),
        (2025, "A", "B", 5, (Action.ACKNOWLEDGE, Action.ACCEPT)),
        (2025, "C", "D", 5, ()),
        (2025, "A", "C", 2, (Action.ACKNOWLEDGE, Action.DECLINE)),
    ]
    for year, source, target, count, steps in plan:
        for i in range(count):
            n += 1
            when = datetime(year, 1 + (i * 2) % 12, 3 + i, 10, tzinfo=UTC)
            rid = await _send(db, ids[source], ids[target], when, n)
            await _move(db, rid, ids[target], when, *steps)
    # A's outreach worker at a park on six Tuesdays of spring 2024 (counts only).
    park = await networks.create_place(db, name=unique("Parc "), kind="PARK")
    for week in range(6):
        day = date(2024, 4, 2) + timedelta(weeks=week)
        await presence.record_presence(
            db,
            presence.PresenceInput(ids["A"], day, 2.0, 5, place_id=park["id"]),
            by_user="worker",
            now=datetime(day.year, day.month, day.day, 20, tzinfo=UTC),
        )
    names = await organizations.organizations_by_id(db, list(ids.values()))
    return Network(net["id"], {k: names[i]["name"] for k, i in ids.items()}, ids)


def _cli(settings: Settings, argv: list[str]) -> int:
    """Run the analytics commands as ``maillage`` would, through argparse."""

    def with_db(s: Settings, work: Callable[[Database], Awaitable[T]]) -> T:
        async def run() -> T:
            db = open_database(s.neo4j_uri, s.neo4j_user, s.neo4j_password)
            try:
                return await work(db)
            finally:
                await db.close()

        return asyncio.run(run())

    parser = argparse.ArgumentParser(prog="maillage")
    sub = parser.add_subparsers(dest="command", required=True)
    analytics_cli.add_commands(sub, cast(Any, with_db))
    args = parser.parse_args(argv)
    return int(args.func(settings, args))


WINDOW = ["--from", "2024-01-01", "--to", "2025-12-31"]
QUARTERS = [f"{y}-{m:02d}-01" for y in (2024, 2025) for m in (1, 4, 7, 10)]


def test_the_report_is_a_page_with_readable_figures(
    settings: Settings, network: Network, tmp_path: Path
) -> None:
    out = tmp_path / "rapport"
    assert _cli(settings, ["report", "--network", network.id, *WINDOW, "--out", str(out)]) == 0
    page = (out / "index.html").read_text(encoding="utf-8")
    assert "Rapport de collaboration" in page
    figures = sorted(p.name for p in (out / "figures").glob("*.png"))
    assert figures == [
        "acknowledgement.png", "declines.png", "density-ties.png", "funnel.png",
        "network-2024.png", "network-2025.png", "outreach.png", "trends.png",
    ]  # fmt: skip
    # pixels = figure inches × 110 dpi (server/report_plots.py)
    sizes = {
        "acknowledgement.png": (880, 396), "declines.png": (1210, 440),
        "density-ties.png": (990, 440), "funnel.png": (880, 396),
        "network-2024.png": (990, 825), "network-2025.png": (990, 825),
        "outreach.png": (1100, 506), "trends.png": (990, 440),
    }  # fmt: skip
    for name in figures:
        assert f"figures/{name}" in page
        path = out / "figures" / name
        assert path.read_bytes().startswith(b"\x89PNG")
        pixels = imread(path)  # decodes the PNG: a broken file raises
        assert (pixels.shape[1], pixels.shape[0]) == sizes[name], name
        assert (pixels != pixels[0, 0]).any(), f"{name} is a blank canvas"
    # Overdue, by hand: the 5 referrals C→D of 2025 are still SENT past their deadline;
    # every other referral was acknowledged 3 h after sending: none late.
    assert "En retard<b>5</b>" in page
    assert "Accusées après l&#x27;échéance<b>0</b>" in page
    # D received 5 referrals and acknowledged none: the black-hole table names it.
    black_holes = page.split("Black holes")[1].split("<h2>")[0]
    assert network.names["D"] in black_holes
    # C alone links D to the others (A–B–C is a triangle, D hangs on C).
    critical = page.split("Critical organizations")[1].split("<h2>")[0]
    assert network.names["C"] in critical
    assert FAMILY not in page and COMMENT not in page


def _research(settings: Settings, network: Network, out: Path, fmt: str) -> None:
    argv = ["export", "research", "--network", network.id, *WINDOW, "--period", "quarter",
            "--format", fmt, "--out", str(out)]  # fmt: skip
    assert _cli(settings, argv) == 0


@pytest.mark.parametrize("fmt", ["graphml", "gexf", "csv", "json"])
def test_the_research_export_is_deidentified_and_documented(
    settings: Settings, network: Network, tmp_path: Path, fmt: str
) -> None:
    out = tmp_path / fmt
    _research(settings, network, out, fmt)
    files = sorted(p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file())
    tables = ["edges", "event_log", "funnel_need_territory", "network_metrics", "nodes",
              "organization_metrics", "presence"]  # fmt: skip
    ext = "json" if fmt == "json" else "csv"
    graphs = [] if fmt == "csv" else [f"graphs/{q}.{fmt}" for q in QUARTERS]
    graphs += ["graphs/window.gexf"] if fmt == "gexf" else []
    panel = ["panel/composition.csv", "panel/tie_spells.csv", "panel/waves.csv",
             *(f"panel/wave-{n}.csv" for n in range(1, 9))]  # fmt: skip
    assert files == sorted(["README.md", *graphs, *panel, *(f"{t}.{ext}" for t in tables)])
    everything = "\n".join((out / f).read_text(encoding="utf-8") for f in files)
    for secret in (FAMILY, COMMENT, "514-555-0199", *network.names.values(),
                   *network.ids.values()):  # fmt: skip
        assert secret not in everything  # no directory id either: pseudonyms only
    # No referral time: the only dates are period bounds.
    assert not re.search(r"\d{4}-\d{2}-\d{2}T\d{2}:", everything)


def test_a_research_export_is_refused_for_anything_but_whole_quarters(
    settings: Settings, network: Network, tmp_path: Path
) -> None:
    from domain.errors import BadUserInput

    argv = ["export", "research", "--network", network.id, *WINDOW, "--period", "year",
            "--format", "csv", "--out", str(tmp_path)]  # fmt: skip
    with pytest.raises(BadUserInput, match="--period quarter"):
        _cli(settings, argv)


def test_graphml_periods_parse_with_suppressed_counts_named_and_zeros_kept(
    settings: Settings, network: Network, tmp_path: Path
) -> None:
    _research(settings, network, tmp_path, "graphml")
    for path in (tmp_path / "graphs").glob("*.graphml"):
        assert_valid_graphml(path)
    first = nx.read_graphml(tmp_path / "graphs" / "2024-01-01.graphml")
    spring = nx.read_graphml(tmp_path / "graphs" / "2025-01-01.graphml")
    assert first.number_of_nodes() == spring.number_of_nodes() == 4
    assert first.graph["period"] == "2024-01-01/2024-03-31"
    # Q1 2024: A→B 2 and B→C 2, each acknowledged: all below 5.
    assert first.number_of_edges() == 2
    for _, _, d in first.edges(data=True):
        assert "sent" not in d and "weight" not in d
        assert "sent" in d["suppressed"].split(";") and d["expired"] == 0
    # Q1 2025: A→B 2, C→D 2 never acknowledged (0 is kept), A→C 2 declined.
    assert spring.number_of_edges() == 3
    zeros = [d for _, _, d in spring.edges(data=True) if d.get("acknowledged") == 0]
    assert len(zeros) == 1 and "acknowledged" not in zeros[0]["suppressed"]
    assert all("name" not in d for _, d in spring.nodes(data=True))
    assert {d["kind"] for _, d in spring.nodes(data=True)} == {
        "COMMUNITY", "FOOD_SECURITY", "HOUSING", "SCHOOL"
    }  # fmt: skip


def test_csv_tables_carry_a_period_column_and_the_readme_describes_every_column(
    settings: Settings, network: Network, tmp_path: Path
) -> None:
    _research(settings, network, tmp_path, "csv")
    readme = (tmp_path / "README.md").read_text(encoding="utf-8")
    labels = {f"{q}/{e}" for q, e in zip(QUARTERS, ["2024-03-31", "2024-06-30", "2024-09-30",
              "2024-12-31", "2025-03-31", "2025-06-30", "2025-09-30", "2025-12-31"],
              strict=True)}  # fmt: skip
    for table in tmp_path.glob("*.csv"):
        with table.open(encoding="utf-8") as handle:
            reader = csv.DictReader(handle)
            rows, columns = list(reader), list(reader.fieldnames or ())
        if table.name == "event_log.csv":
            # Every pair sent 1 or 2 a quarter: every `sent` is suppressed, so is every event.
            assert rows == []
        else:
            assert rows, table.name
        assert columns[0] == "period"
        assert {r["period"] for r in rows} <= labels
        section = readme.split(f"## `{table.name}`")[1].split("\n## ")[0]
        for column in columns:
            documented = "declined_<REASON>" if column.startswith("declined_") else column
            assert f"| `{documented}` |" in section, (table.name, column)
    with (tmp_path / "edges.csv").open(encoding="utf-8") as handle:
        edges = list(csv.DictReader(handle))
    # Every quarter's pair sent 1 or 2: all "S"; C→D's three quarters were never acknowledged.
    assert len(edges) == 13
    assert {r["sent"] for r in edges} == {"S"}
    assert sorted(r["acknowledged"] for r in edges) == ["0"] * 3 + ["S"] * 10
    assert "overdue" not in edges[0] and "cancelled" not in edges[0]
    assert "| `gini`" not in readme and "precomputed" in readme


def test_a_json_export_holds_node_link_graphs(
    settings: Settings, network: Network, tmp_path: Path
) -> None:
    _research(settings, network, tmp_path, "json")
    data: dict[str, Any] = json.loads((tmp_path / "graphs" / "2025-01-01.json").read_text())
    graph = nx.node_link_graph(data, edges="edges")
    assert graph.number_of_edges() == 3
    assert graph.graph["period"] == "2025-01-01/2025-03-31"
    rows = json.loads((tmp_path / "edges.json").read_text())
    assert {r["sent"] for r in rows} == {None}  # suppressed is null in JSON


def test_the_export_command_joins_the_existing_export_parser(settings: Settings) -> None:
    parser = argparse.ArgumentParser(prog="maillage")
    sub = parser.add_subparsers(dest="command", required=True)
    exporting = sub.add_parser("export").add_subparsers(dest="format", required=True)
    exporting.add_parser("hsds")
    analytics_cli.add_commands(sub, cast(Any, lambda s, work: None))
    args = parser.parse_args(["export", "research", "--network", "n", *WINDOW, "--period",
                              "month", "--format", "csv", "--out", "x"])  # fmt: skip
    assert (args.format, args.export_format, args.network) == ("research", "csv", ["n"])
    assert parser.parse_args(["export", "hsds"]).format == "hsds"


def test_a_report_for_an_unknown_network_fails_with_one_clear_error(
    settings: Settings, tmp_path: Path
) -> None:
    from domain.errors import NotFound

    with pytest.raises(NotFound, match="No network with id"):
        _cli(settings, ["report", "--network", "00000000-0000-4000-8000-000000000000", *WINDOW,
                        "--out", str(tmp_path)])  # fmt: skip

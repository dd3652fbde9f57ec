"""``maillage simulate`` and ``maillage import-events`` (server/dataset_cli.py), run in-process.

Commands are parsed and run as server/cli.py runs them: ``func(settings,
args)`` with the CLI's own ``_with_db``, so these tests are synchronous.
"""

from __future__ import annotations

import argparse
import asyncio
import io
import json
from collections import Counter
from contextlib import redirect_stdout
from pathlib import Path
from typing import Any

import pytest

import simulator
from graph.access import identity
from graph.db import Database, open_database
from server import cli, dataset_cli, demo
from server.settings import Settings
from tests.conftest import Api, World, graph_size
from tests.test_importer import Tiny, remove_dataset


def run(settings: Settings, *argv: str) -> tuple[int, str]:
    """Exit code and standard output of ``maillage ARGV``."""
    parser = argparse.ArgumentParser(prog="maillage")
    sub = parser.add_subparsers(dest="command", required=True)
    dataset_cli.add_commands(sub, cli._with_db)
    args = parser.parse_args(argv)
    out = io.StringIO()
    with redirect_stdout(out):
        code = int(args.func(settings, args))
    return code, out.getvalue()


def count_referrals(settings: Settings, ids: list[str]) -> int:
    async def work() -> int:
        db = open_database(settings.neo4j_uri, settings.neo4j_user, settings.neo4j_password)
        try:
            row = await db.row(
                "UNWIND $ids AS id MATCH (r:Referral {id: id}) RETURN count(r) AS n", ids=ids
            )
            return int(row["n"]) if row else 0
        finally:
            await db.close()

    return asyncio.run(work())


def test_simulate_writes_the_preset_and_says_what_it_wrote(
    settings: Settings, tmp_path: Path
) -> None:
    code, out = run(
        settings, "simulate", "--preset", "demo", "--seed", "7", "--out", str(tmp_path / "demo")
    )
    manifest = json.loads((tmp_path / "demo" / "manifest.json").read_text())
    assert code == 0
    assert manifest["seed"] == 7 and manifest["preset"] == "demo"
    assert f"{manifest['counts']['events.jsonl']:,} events" in out
    assert "5 planted events" in out


def test_import_events_prints_counts_per_file(settings: Settings, tmp_path: Path) -> None:
    tiny = Tiny()
    code, out = run(settings, "import-events", str(tiny.write(tmp_path)))
    assert code == 0
    assert "events.jsonl" in out and "15 new events" in out
    assert count_referrals(settings, tiny.referrals) == 5


def test_import_with_a_bad_row_exits_1_names_the_line_and_writes_nothing(
    settings: Settings, tmp_path: Path
) -> None:
    tiny = Tiny()
    tiny.rows["events"][1]["type"] = "TELEPORTED"
    code, out = run(settings, "import-events", str(tiny.write(tmp_path)))
    assert code == 1
    assert "events.jsonl:2: type 'TELEPORTED' is not one of" in out
    assert "nothing was written" in out
    assert count_referrals(settings, tiny.referrals) == 0


def test_import_with_skip_writes_the_other_rows_and_exits_0(
    settings: Settings, tmp_path: Path
) -> None:
    tiny = Tiny()
    tiny.rows["events"][1]["type"] = "TELEPORTED"  # r1's acknowledgement: r1 is left out
    code, out = run(
        settings,
        "import-events",
        str(tiny.write(tmp_path)),
        "--on-error",
        "skip",
        "--batch-size",
        "2",
    )
    assert code == 0
    assert "events.jsonl:2:" in out
    assert count_referrals(settings, tiny.referrals) == 4


def test_simulate_with_load_imports_what_it_wrote(settings: Settings, tmp_path: Path) -> None:
    directory = tmp_path / "demo"
    try:
        code, out = run(settings, "simulate", "--out", str(directory), "--load")
        assert code == 0
        assert "imported" in out
        referrals = [
            json.loads(line)["id"]
            for line in (directory / "referrals.jsonl").read_text().splitlines()
        ]
        assert count_referrals(settings, referrals) == len(referrals)
    finally:
        asyncio.run(_remove(settings, directory))


async def _remove(settings: Settings, directory: Path) -> None:
    db = open_database(settings.neo4j_uri, settings.neo4j_user, settings.neo4j_password)
    try:
        await remove_dataset(db, directory)
    finally:
        await db.close()


def test_the_import_can_also_be_a_format_of_maillage_import(settings: Settings) -> None:
    parser = argparse.ArgumentParser(prog="maillage")
    formats = (
        parser.add_subparsers(dest="command")
        .add_parser("import")
        .add_subparsers(dest="format", required=True)
    )
    dataset_cli.add_import_format(formats, cli._with_db)
    args = parser.parse_args(["import", "events", "out/demo-7", "--on-error", "skip"])
    assert (args.path, args.on_error, args.batch_size) == (Path("out/demo-7"), "skip", 5000)


# --- progress --------------------------------------------------------------------------------


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def feed(display: Any) -> None:
    for done in (1000, 2000, 3000):
        display("write events.jsonl", done, 3000)
    display("write referrals.jsonl", 10, 10)
    display.close()


def test_progress_off_a_terminal_is_plain_lines_without_a_rate_over_a_blink() -> None:
    log = io.StringIO()
    feed(dataset_cli.ProgressDisplay(log, every=3600))
    assert log.getvalue().splitlines() == [
        "write events.jsonl: 1,000/3,000 rows",
        "write events.jsonl: 3,000/3,000 rows",
        "write referrals.jsonl: 10/10 rows",
    ]


def test_progress_on_a_terminal_is_a_tqdm_bar_with_rate_and_eta() -> None:
    terminal = Terminal()
    display = dataset_cli.ProgressDisplay(terminal)
    assert display.interactive
    feed(display)
    text = terminal.getvalue()
    assert "write events.jsonl" in text and "3.00k/3.00k" in text and "rows/s" in text


@pytest.mark.parametrize("interactive", [True, False], ids=["terminal", "log"])
def test_progress_accepts_an_unknown_total(interactive: bool) -> None:
    stream = Terminal() if interactive else io.StringIO()
    display = dataset_cli.ProgressDisplay(stream, interactive=interactive, every=0)
    display("check events.jsonl", 5, None)
    display.close()
    assert "check events.jsonl" in stream.getvalue()


# --- the demo (server/demo.py, loaded by `maillage demo` and `maillage run`) -------------------


def test_the_demo_accounts_sit_where_the_rule_says_in_the_simulated_network() -> None:
    data = simulator.simulate(simulator.DEMO, seed=demo.DEMO_SEED)
    first = data.networks[0]
    assert (first["id"], first["name"]) == (demo.DEMO_NETWORK_ID, demo.DEMO_NETWORK_NAME)
    names = {o["id"]: o["name"] for o in data.organizations}
    kinds = {o["id"]: o["kind"] for o in data.organizations}
    members = {m["organizationId"] for m in data.memberships if m["networkId"] == first["id"]}
    sent = Counter(r["senderId"] for r in data.referrals)
    busiest = max((o for o in members if kinds[o] == "COMMUNITY"), key=lambda o: sent[o])
    received = Counter(r["receiverId"] for r in data.referrals if r["senderId"] == busiest)
    top = max((o for o in members if o != busiest), key=lambda o: received[o])
    assert (names[busiest], names[top]) == (demo.DEMO_SENDER, demo.DEMO_RECEIVER)
    assert {n["id"] for n in data.networks} == set(demo.DEMO_REGION_NETWORK_IDS)
    roles = sorted(role for *_, role in demo.DEMO_USERS.values())
    assert roles == [
        "COORDINATOR",
        "COORDINATOR",
        "ORG_ADMIN",
        "ORG_STAFF",
        "ORG_STAFF",
        "PLATFORM_ADMIN",
        "RESEARCHER",
    ]


async def test_loading_the_demo_twice_loads_it_once_and_its_staff_sees_an_inbox(
    db: Database, world: World, tmp_path: Path
) -> None:
    directory = simulator.run(demo.DEMO_PRESET, demo.DEMO_SEED, tmp_path / "demo")
    try:
        await demo.load_demo_directory(db)
        users = await demo.ensure_demo_users(db)
        size = await graph_size(db)
        assert await demo.load_demo_directory(db) is False
        again = await demo.ensure_demo_users(db)
        assert {k: u["id"] for k, u in users.items()} == {k: u["id"] for k, u in again.items()}
        assert await graph_size(db) == size
        secret, _ = await identity.create_token(db, user_id=users["receiver"]["id"])
        receiver = await db.row(
            "MATCH (o:Organization {name: $name}) RETURN o.id AS id", name=demo.DEMO_RECEIVER
        )
        assert receiver is not None
        inbox = await Api(world.client, secret).data(
            "query($org: ID!) { referrals(box: INCOMING, organizationId: $org, first: 5) { "
            "totalCount countsByStatus { status count } } }",
            {"org": receiver["id"]},
        )
        counts = {c["status"]: c["count"] for c in inbox["referrals"]["countsByStatus"]}
        assert inbox["referrals"]["totalCount"] > 100
        assert counts["DECLINED"] > 0  # the planted capacity shock
    finally:
        await remove_dataset(db, directory)

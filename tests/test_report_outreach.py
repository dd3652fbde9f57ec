"""The report's outreach section and the export's presence table, from a small real log.

Organization A (network N) visits park P every Tuesday for eight weeks from
6 May 2025 (2 h, 4 families) and mall M in weeks 1 and 6 only (1 h). Three
referrals originate at P in weeks 6, 7 and 8; one at M in week 6.
"""

from __future__ import annotations

import csv
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any

import pytest

from graph import presence
from graph.aggregates import queries as g_agg
from graph.db import Database
from graph.directory import networks, organizations
from graph.directory.organizations import OrganizationInput
from graph.referral import commands as referrals
from server.report_export import gather_research, write_research_export
from server.report_outreach import gather_outreach, write_outreach
from tests.conftest import World, unique

TUESDAY = date(2025, 5, 6)
END = TUESDAY + timedelta(weeks=8, days=-2)  # the Sunday of week 8


async def _visit(db: Database, org: str, place: str, day: date, hours: float) -> None:
    await presence.record_presence(
        db,
        presence.PresenceInput(organization_id=org, place_id=place, day=day, hours=hours,
                               contacts=4),
        by_user="worker",
        now=datetime.combine(day, time(20), tzinfo=UTC),
    )  # fmt: skip


async def _refer(db: Database, sender: str, receiver: str, place: str, day: date) -> None:
    await referrals.send_referral(
        db,
        referrals.ReferralInput(
            to_organization_id=receiver,
            need_codes=["FOOD_SECURITY"],
            family_reference=f"F-{unique()}-5",
            idempotency_key=unique("key-"),
            consent_given=True,
            consent_method="VERBAL",
            consent_scope="referral",
            place_id=place,
        ),
        sender_id=sender,
        actor_user_id=None,
        now=datetime.combine(day, time(15), tzinfo=UTC),
    )


@pytest.fixture
async def log(world: World, db: Database) -> dict[str, Any]:
    net = await world.network()
    a, b = [
        await organizations.create_organization(
            db,
            OrganizationInput(name=unique("Organisme "), kind="COMMUNITY"),
            network_id=net["id"],
            member_since=date(2025, 1, 1),
        )
        for _ in range(2)
    ]
    park = await networks.create_place(db, name=unique("Parc Lafontaine "), kind="PARK")
    mall = await networks.create_place(db, name=unique("Place Versailles "), kind="MALL")
    for n in range(8):
        await _visit(db, a["id"], park["id"], TUESDAY + timedelta(weeks=n), 2.0)
    for n in (0, 5):
        await _visit(db, a["id"], mall["id"], TUESDAY + timedelta(weeks=n, days=1), 1.0)
    for n in (5, 6, 7):
        await _refer(db, a["id"], b["id"], park["id"], TUESDAY + timedelta(weeks=n, days=2))
    await _refer(db, a["id"], b["id"], mall["id"], TUESDAY + timedelta(weeks=5, days=2))
    return {"net": net, "a": a, "park": park, "mall": mall}


async def test_the_outreach_section_shows_regularity_yield_and_a_drawn_figure(
    log: dict[str, Any], db: Database, tmp_path: Path
) -> None:
    section = await gather_outreach(db, [log["net"]["id"]], TUESDAY, END)
    park, mall = section.places  # by hours: 16 h at the park, 2 h at the mall
    assert (park["place"], park["shareOfWeeks"], park["longestGapWeeks"]) == (
        log["park"]["id"],
        1.0,
        0,
    )
    # Regular from week 3; the first referral is in week 6.
    assert park["trustLagWeeks"] == 3
    assert (mall["shareOfWeeks"], mall["longestGapWeeks"], mall["trustLagWeeks"]) == (
        2 / 8,
        4,
        None,
    )
    # Weeks 1–4: park 8 h + mall 1 h (week 1) and 1 h (week 6 starts a new run) = 10 h,
    # referrals: the mall's of week 6 (rank 1 there). Weeks 5–8: park 8 h, its 3 referrals.
    assert [(y["hours"], y["referrals"]) for y in section.yields[:2]] == [(10.0, 1), (8.0, 3)]
    figures = tmp_path / "figures"
    figures.mkdir()
    page = write_outreach(section, figures, tmp_path)
    assert "figures/outreach.png" in page
    assert log["park"]["name"] in page and log["mall"]["name"] in page
    assert "100%" in page and "25%" in page
    png = (figures / "outreach.png").read_bytes()
    assert png.startswith(b"\x89PNG\r\n\x1a\n") and png[12:16] == b"IHDR"
    width, height = int.from_bytes(png[16:20], "big"), int.from_bytes(png[20:24], "big")
    assert width >= 600 and height >= 300  # a drawn figure, not an empty canvas


async def test_without_presence_the_section_says_so_and_draws_nothing(
    world: World, db: Database, tmp_path: Path
) -> None:
    net = await world.network()
    section = await gather_outreach(db, [net["id"]], TUESDAY, END)
    page = write_outreach(section, tmp_path, tmp_path)
    assert "No outreach presence logged" in page
    assert not list(tmp_path.glob("*.png"))


async def test_the_research_export_carries_presence_by_kind_with_small_cells_suppressed(
    log: dict[str, Any], db: Database, tmp_path: Path
) -> None:
    # Researchers read whole quarters: Q2 2025 holds the whole log.
    window = g_agg.Window(date(2025, 4, 1), date(2025, 6, 30), g_agg.Period.QUARTER)
    data = await gather_research(db, [log["net"]["id"]], window, now=datetime.now(UTC))
    write_research_export(data, tmp_path, "csv")
    with (tmp_path / "presence.csv").open(encoding="utf-8") as f:
        rows = {r["place_kind"]: r for r in csv.DictReader(f)}
    # Park: Tuesdays 6 May .. 24 June, 8 visits of 2 h and 4 families; 3 referrals (12, 19,
    # 26 June). Mall: 7 May and 11 June, 1 h and 4 families each; 1 referral (12 June).
    park, mall = rows["PARK"], rows["MALL"]
    assert (park["visits"], park["hours"], park["contacts"], park["first_contacts"]) == (
        "8",
        "16.0",
        "32",
        "0",
    )
    assert (mall["visits"], mall["hours"], mall["contacts"]) == ("2", "2.0", "8")
    # 3 and 1 referrals: suppressed, marked S (not empty, not zero), and no rate from them.
    assert (park["referrals"], park["referrals_per_hour"]) == ("S", "")
    assert mall["referrals"] == "S"
    # The organization under its pseudonym, the same as in the nodes table, never its id.
    assert park["org_id"] == mall["org_id"] != log["a"]["id"]
    with (tmp_path / "nodes.csv").open(encoding="utf-8") as f:
        hours = {r["id"]: r["presence_hours"] for r in csv.DictReader(f)}
    assert hours[park["org_id"]] == "18.0"  # park 16 h + mall 2 h
    everything = "\n".join(p.read_text(encoding="utf-8") for p in tmp_path.glob("*.*"))
    for secret in (log["a"]["id"], log["park"]["id"], log["park"]["name"], log["mall"]["name"]):
        assert secret not in everything
    assert "`first_contacts`" in (tmp_path / "README.md").read_text(encoding="utf-8")

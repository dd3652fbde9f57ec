"""The simulator's planted breakdowns, found on the coordinator's map in Chromium.

The demo is the simulator's seeded ``demo`` preset, so its ``manifest.json`` (written
again here from the same seed) says where each planted event is: the black hole in the
Nord network, the service gap (EMPLOYMENT in Les Cascades) in the Sud network, and the
broker linking both until it closes (2025-06-01). Each is looked for as its network's
coordinator would: in the list beside the map for the period shown, and marked on the
map (``window.maillageMap.highlighted()``, the nodes the renderer draws ringed). The
broker only matters when both networks are seen together: the 'region' account
coordinates both, and the map's region view lists it as the organization whose loss
splits the graph.
"""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from playwright.async_api import Page

import simulator
from server.demo import DEMO_NETWORK_ID, DEMO_PRESET, DEMO_REGION_NETWORK_IDS, DEMO_SEED
from tests.web.conftest import LiveApp, shot, slide_to
from tests.web.test_network_map import _api

(NORD, SUD) = DEMO_REGION_NETWORK_IDS
REGION_GRAPH = """query($ids: [ID!], $from: Date!, $to: Date!) { region(networkIds: $ids) {
  collaboration(from: $from, to: $to, period: QUARTER) { periods { start end nodes { id name } } }
} }"""
RINGED = "(id) => window.maillageMap.highlighted().includes(id)"
NETWORK_BREAKDOWNS = """query($id: ID!, $from: Date!, $to: Date!) { network(id: $id) {
  breakdowns(from: $from, to: $to) {
    serviceGaps { needCode territoryId gapShare } uncoveredNeeds { needCode territoryId } } } }"""


@pytest.fixture(scope="module")
def planted(tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict[str, Any]]:
    folder = simulator.run(DEMO_PRESET, DEMO_SEED, tmp_path_factory.mktemp("demo-manifest"))
    manifest = json.loads((Path(folder) / "manifest.json").read_text())
    return {e["kind"]: e for e in manifest["plantedEvents"]}


async def _show(page: Page, networks: set[str]) -> None:
    """Tick exactly ``networks`` and wait for their map (each tick loads it again)."""
    await page.click("nav.tabs >> text=Carte du réseau")
    await page.locator("[data-testid=figures]").wait_for()
    for box in await page.locator("input[name=network]").all():
        value = await box.get_attribute("value")
        if (value in networks) != await box.is_checked():
            await box.click()
    ids = ",".join(sorted(networks))
    await page.locator(f"section.map-page[data-networks='{ids}'][data-loading=false]").wait_for()


async def _periods(app: LiveApp, token: str, ids: list[str]) -> list[dict[str, Any]]:
    # The map's window: from two years before this year to the end of this year.
    year = date.today().year
    window = {"from": f"{year - 2}-01-01", "to": f"{year}-12-31"}
    data = await _api(app, token, REGION_GRAPH, {"ids": ids, **window})
    periods: list[dict[str, Any]] = data["region"]["collaboration"]["periods"]
    return periods


async def test_the_planted_black_hole_is_listed_and_ringed_on_its_networks_map(
    person: Any, live_app: LiveApp, planted: dict[str, dict[str, Any]]
) -> None:
    hole = planted["BLACK_HOLE"]
    token = live_app.tokens["coordinator"]  # the Nord network's, which holds the black hole
    periods = await _periods(live_app, live_app.tokens["region"], [DEMO_NETWORK_ID])
    coordinator = await person(width=1400)
    await coordinator.sign_in(token)
    page = coordinator.page
    await _show(page, {DEMO_NETWORK_ID})
    period = await slide_to(page, periods, date(2025, 2, 15))
    name = next(n["name"] for n in period["nodes"] if n["id"] == hole["organizationId"])
    listed = await page.locator("[data-testid=black-holes] li").all_inner_texts()
    assert [text for text in listed if name in text], (name, listed)
    assert hole["organizationId"] not in await page.evaluate("window.maillageMap.highlighted()")
    await page.check("input[name=highlight]")
    await page.wait_for_function(RINGED, arg=hole["organizationId"])


async def test_the_planted_service_gap_is_listed_for_the_network_that_holds_it(
    person: Any, live_app: LiveApp, planted: dict[str, dict[str, Any]]
) -> None:
    gap = planted["SERVICE_GAP"]
    need, territory = gap["needCode"], gap["territoryId"]
    token = live_app.tokens["region"]
    periods = await _periods(live_app, token, [SUD])
    coordinator = await person(width=1400)
    await coordinator.sign_in(token)
    page = coordinator.page
    await _show(page, {SUD})
    period = await slide_to(page, periods, date(2025, 2, 15))
    expected = await _api(
        live_app,
        token,
        NETWORK_BREAKDOWNS,
        {"id": SUD, "from": period["start"], "to": period["end"]},
    )
    gaps = expected["network"]["breakdowns"]["serviceGaps"]
    # The planted gap is the API's worst gap for its need, and the page lists it.
    worst = max((g for g in gaps if g["needCode"] == need), key=lambda g: g["gapShare"])
    assert worst["territoryId"] == territory
    cell = f"li[data-need='{need}'][data-territory='{territory}']"
    await page.locator(f"[data-testid=service-gaps] {cell}").wait_for()
    await page.locator(f"[data-testid=uncovered-needs] {cell}").wait_for()
    shown = await page.locator("[data-testid=service-gaps] li").count()
    assert shown == len(gaps)
    await shot(page, "network-map-breakdowns")


async def test_the_planted_broker_is_critical_in_the_region_view(
    person: Any, live_app: LiveApp, planted: dict[str, dict[str, Any]]
) -> None:
    broker = planted["BROKER_CLOSURE"]
    assert set(broker["details"]["networkIds"]) == {NORD, SUD}
    token = live_app.tokens["region"]
    periods = await _periods(live_app, token, [NORD, SUD])
    coordinator = await person(width=1400)
    await coordinator.sign_in(token)
    page = coordinator.page
    await _show(page, {NORD, SUD})
    # A quarter while the broker is open (it closes on the manifest's start date).
    assert date(2024, 11, 15) < date.fromisoformat(broker["start"])
    period = await slide_to(page, periods, date(2024, 11, 15))
    name = next(n["name"] for n in period["nodes"] if n["id"] == broker["organizationId"])
    critical = await page.locator("[data-testid=critical] li").all_inner_texts()
    marked = [text for text in critical if name in text]
    assert marked and "son départ couperait le réseau" in marked[0], critical
    await page.check("input[name=highlight]")
    await page.wait_for_function(RINGED, arg=broker["organizationId"])
    await shot(page, "network-map-region")

"""The map's export buttons in Chromium: each one saves a file that opens and holds what it says.

A coordinator of the demo network saves the board report (a zip of the HTML
page and its figures, naming the network and the window shown), the research
export (a zip of de-identified tables: no organization's name), a PNG of the
map (a real image, not a blank canvas) and an SVG (one circle per
organization drawn for the period). A researcher sees no report button.
"""

from __future__ import annotations

import io
import time
import zipfile
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

from PIL import Image
from playwright.async_api import Download, Page

from server.demo import DEMO_NETWORK_ID
from tests.web.conftest import LiveApp, axe_violations
from tests.web.test_network_map import _api

SVG = "{http://www.w3.org/2000/svg}"
NAMES = """query($id: ID!) { network(id: $id) { name
  collaboration(from: "2024-01-01", to: "2026-12-31", period: QUARTER) {
    periods { nodes { name } } } } }"""
# The report of the demo's three years takes seconds on a quiet machine; the suite's is shared.
SLOW_MS = 90_000


async def _save(page: Page, button: str, tmp_path: Path, timeout: float = 20_000) -> Path:
    async with page.expect_download(timeout=timeout) as info:
        await page.click(f"[data-testid=exports] >> role=button[name='{button}']")
    download: Download = await info.value
    target = tmp_path / download.suggested_filename
    await download.save_as(target)
    return target


def _problems(someone: Any) -> list[str]:
    """The page's errors, but the 401 of the session check before signing in."""
    return [m for m in someone.problems if "status of 401" not in m]


async def _open_map(person: Any, token: str) -> Any:
    someone = await person(width=1400)
    await someone.sign_in(token)
    page: Page = someone.page
    await page.click("nav.tabs >> text=Carte du réseau")
    await page.locator("[data-testid=figures]").wait_for()
    await page.locator("[data-testid=exports]").wait_for()
    return someone


async def _names(app: LiveApp) -> tuple[str, set[str]]:
    """The demo network's name and every organization name of its map, as its coordinator
    sees them."""
    token = app.tokens["coordinator"]
    known = (await _api(app, token, NAMES, {"id": DEMO_NETWORK_ID}))["network"]
    periods = known["collaboration"]["periods"]
    return known["name"], {n["name"] for p in periods for n in p["nodes"] if n["name"]}


async def test_a_coordinator_saves_the_report_the_research_export_and_both_images(
    person: Any, live_app: LiveApp, tmp_path: Path
) -> None:
    token = live_app.tokens["coordinator"]
    network, organizations = await _names(live_app)
    assert organizations
    someone = await _open_map(person, token)
    page = someone.page
    buttons = await page.locator("[data-testid=exports] button").all_inner_texts()
    assert buttons == ["Rapport (zip)", "Export de recherche", "Image PNG", "Image SVG"]

    started = time.monotonic()
    report = await _save(page, "Rapport (zip)", tmp_path, timeout=SLOW_MS)
    seconds = time.monotonic() - started
    print(f"report of the demo (2024-01-01 – 2026-12-31, quarters): {seconds:.1f} s")
    with zipfile.ZipFile(report) as archive:
        names = set(archive.namelist())
        assert "index.html" in names and "figures/funnel.png" in names
        html = archive.read("index.html").decode()
    assert network in html
    assert "Du 2024-01-01 au 2026-12-31" in html

    research = await _save(page, "Export de recherche", tmp_path, timeout=SLOW_MS)
    with zipfile.ZipFile(research) as archive:
        names = set(archive.namelist())
        assert {"README.md", "nodes.csv", "edges.csv", "network_metrics.csv"} <= names
        text = b"".join(archive.read(n) for n in names).decode()
    leaked = [name for name in organizations if name in text]
    assert not leaked, leaked

    png = await _save(page, "Image PNG", tmp_path)
    assert png.read_bytes().startswith(b"\x89PNG\r\n\x1a\n")
    assert png.stat().st_size > 5_000
    image = Image.open(io.BytesIO(png.read_bytes())).convert("RGB")
    assert image.width >= 400 and image.height >= 300
    colours = image.getcolors(maxcolors=1_000_000) or []
    assert len(colours) > 10, "the PNG is a blank canvas"

    svg = await _save(page, "Image SVG", tmp_path)
    root = ElementTree.parse(svg).getroot()
    assert root.tag == f"{SVG}svg"
    circles = root.findall(f".//{SVG}g[@class='organizations']/{SVG}circle")
    drawn = await page.evaluate("Object.keys(window.maillageMap.positions()).length")
    assert drawn > 0 and len(circles) == drawn
    assert {c.get("data-id") for c in circles} == set(
        await page.evaluate("Object.keys(window.maillageMap.positions())")
    )
    assert root.findall(f".//{SVG}g[@class='ties']/{SVG}line"), "the ties are drawn"
    labels = {t.text for t in root.findall(f".//{SVG}text")}
    assert labels & organizations, "the labels are the names the coordinator sees"
    assert await axe_violations(page) == []
    assert _problems(someone) == []  # no console error, no CSP breach


async def test_a_researcher_gets_the_research_export_and_images_but_no_report(
    person: Any, live_app: LiveApp, tmp_path: Path
) -> None:
    _, organizations = await _names(live_app)
    someone = await _open_map(person, live_app.tokens["researcher"])
    page = someone.page
    buttons = await page.locator("[data-testid=exports] button").all_inner_texts()
    assert buttons == ["Export de recherche", "Image PNG", "Image SVG"]
    research = await _save(page, "Export de recherche", tmp_path, timeout=SLOW_MS)
    with zipfile.ZipFile(research) as archive:
        text = b"".join(archive.read(n) for n in archive.namelist()).decode()
    assert not [name for name in organizations if name in text]
    svg = await _save(page, "Image SVG", tmp_path)
    labels = {t.text for t in ElementTree.parse(svg).getroot().iter(f"{SVG}text")}
    assert labels and not labels & organizations, "a researcher's SVG carries pseudonyms only"
    assert _problems(someone) == []

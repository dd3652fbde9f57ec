"""The coordinator's network map in Chromium: figures that NetworkX confirms, places that stay put.

The figures beside the map are checked against NetworkX computed here from the
API's own referral graph of the same period (density, reciprocity, ties); moving
the time slider changes the period but not where an organization stands; the
breakdown lists show what the analytics API says; a click opens a profile. A
researcher sees the same map de-identified: no organization's name in the page.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import httpx
import networkx as nx
from playwright.async_api import expect

from server.demo import DEMO_NETWORK_ID
from tests.web.conftest import LiveApp, axe_violations, shot, slide_to

WINDOW = {"from": "2024-01-01", "to": "2026-12-31"}
GRAPH = """query($id: ID!, $from: Date!, $to: Date!) { network(id: $id) {
  collaboration(from: $from, to: $to, period: QUARTER) {
    periods { start end nodes { id name } edges { source target } } }
} }"""
BREAKDOWNS = """query($id: ID!, $from: Date!, $to: Date!) { network(id: $id) {
  breakdowns(from: $from, to: $to) { blackHoles { organizationId name } } } }"""


async def _api(app: LiveApp, token: str, query: str, variables: dict[str, Any]) -> Any:
    async with httpx.AsyncClient(base_url=app.url, timeout=60) as client:
        response = await client.post(
            "/graphql",
            json={"query": query, "variables": variables},
            headers={"Authorization": f"Bearer {token}"},
        )
    body = response.json()
    assert "errors" not in body, body
    return body["data"]


async def test_the_map_shows_the_period_figures_and_keeps_organizations_in_place(
    person: Any, live_app: LiveApp
) -> None:
    token = live_app.tokens["coordinator"]
    graph = await _api(live_app, token, GRAPH, {"id": DEMO_NETWORK_ID, **WINDOW})
    periods = graph["network"]["collaboration"]["periods"]
    coordinator = await person(width=1400)
    await coordinator.sign_in(token)
    page = coordinator.page
    await page.click("nav.tabs >> text=Carte du réseau")
    await page.locator("[data-testid=figures]").wait_for()
    index = int(await page.locator("#period-slider").input_value())
    shown = periods[index]
    assert shown["edges"], "the map opens on the last period with referrals"

    g = nx.DiGraph()
    g.add_nodes_from(n["id"] for n in shown["nodes"])
    g.add_edges_from((e["source"], e["target"]) for e in shown["edges"])
    figure = page.locator("[data-testid=figures] dd")
    assert await figure.and_(page.locator("[data-figure=ties]")).inner_text() == str(
        g.number_of_edges()
    )
    assert await page.locator("dd[data-figure=density]").inner_text() == f"{nx.density(g):.3f}"
    reciprocity = nx.reciprocity(g)
    assert await page.locator("dd[data-figure=reciprocity]").inner_text() == f"{reciprocity:.3f}"
    assert await page.evaluate("window.maillageMap.edges()") >= g.number_of_edges()

    # The black holes listed are the analytics API's, for the period shown.
    holes = await _api(
        live_app,
        token,
        BREAKDOWNS,
        {"id": DEMO_NETWORK_ID, "from": shown["start"], "to": shown["end"]},
    )
    await page.locator(f"[data-testid=breakdowns][data-start='{shown['start']}']").wait_for()
    listed = await page.locator("[data-testid=black-holes] li").all_inner_texts()
    expected = [h["name"] for h in holes["network"]["breakdowns"]["blackHoles"]]
    assert len(listed) == len(expected) and all(
        name in text for name, text in zip(expected, listed, strict=True)
    )
    await page.check("input[name=highlight]")
    assert await axe_violations(page) == []
    # The screenshot shows the demo's last simulated quarter, whatever other tests sent since.
    shown = await slide_to(page, periods, date(2025, 11, 15))
    index = periods.index(shown)
    await shot(page, "network-map")

    # Back one period: another picture, the same places.
    before = await page.evaluate("window.maillageMap.positions()")
    label = await page.locator("[data-testid=period-label]").inner_text()
    await page.focus("#period-slider")
    await page.keyboard.press("ArrowLeft")
    await expect(page.locator("[data-testid=period-label]")).not_to_have_text(label)
    after = await page.evaluate("window.maillageMap.positions()")
    # The breakdowns follow the slider: the lists are those of the period now shown.
    await page.locator(
        f"[data-testid=breakdowns][data-start='{periods[index - 1]['start']}']"
    ).wait_for()
    await shot(page, "network-map-previous-period")
    common = set(before) & set(after)
    assert len(common) >= 0.8 * len(before)
    assert all(before[node] == after[node] for node in common)

    # A click on a listed organization opens its profile.
    await page.locator("[data-testid=critical] li button").first.click()
    await page.locator("[data-testid=profile]").wait_for()


async def test_a_researcher_sees_the_map_without_a_single_organization_name(
    person: Any, live_app: LiveApp
) -> None:
    graph = await _api(
        live_app, live_app.tokens["coordinator"], GRAPH, {"id": DEMO_NETWORK_ID, **WINDOW}
    )
    names = {n["name"] for p in graph["network"]["collaboration"]["periods"] for n in p["nodes"]}
    researcher = await person(width=1400)
    await researcher.sign_in(live_app.tokens["researcher"])
    await researcher.go("/map")
    await researcher.page.locator("[data-testid=figures]").wait_for()
    await researcher.page.locator("text=Données dé-identifiées").wait_for()
    await researcher.page.click("details summary")
    html = await researcher.page.content()
    assert len(names) > 20
    assert [name for name in names if name in html] == []

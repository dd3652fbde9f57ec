"""The coordinator's network map in Chromium: figures that NetworkX confirms, places that stay put.

The figures beside the map are checked against NetworkX computed here from the
API's own referral graph of the same period (density, reciprocity, ties); moving
the time slider changes the period but not where an organization stands; the
breakdown lists show what the analytics API says; a click opens a profile, with the
brokerage the API gives for that organization and period. A researcher sees the same
map de-identified: no organization's name in the page.

The map loads its window in runs, newest first, each as long as fits in a few seconds
(web/src/map/data.ts, runBefore and nextRunLength). Every figure it shows for a period,
tie dynamics and community stability included, is compared with the API's answer for the
whole window in one request, whichever run brought the period.
"""

from __future__ import annotations

import json
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
EVOLUTION = """query($id: ID!, $from: Date!, $to: Date!, $period: Period!) { network(id: $id) {
  evolution(from: $from, to: $to, period: $period) { periods { start end organizations ties
    density reciprocity transitivity components degreeCentralization communities
    communityStability newTies dissolvedTies jaccard } } } }"""
BROKERAGE = """query($id: ID!, $from: Date!, $to: Date!) { network(id: $id) {
  collaboration(from: $from, to: $to, period: QUARTER) {
    periods { nodes { id betweenness constraint effectiveSize } } } } }"""
COUNTS = {"organizations", "ties", "components", "communities", "newTies", "dissolvedTies"}
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


def _shown(value: float | None, count: bool) -> str:
    """A figure as the map prints it (web/src/pages/map.tsx, ``number`` and ``ratio``)."""
    if value is None:
        return "—"
    return str(int(value)) if count else f"{value:.3f}"


def _number(value: float | None, digits: int) -> str:
    """A measure as the profile prints it (``number``: whole values without decimals)."""
    if value is None:
        return "—"
    return str(int(value)) if float(value).is_integer() else f"{value:.{digits}f}"


async def _figures(page: Any) -> dict[str, str]:
    cells = page.locator("[data-testid=figures] dd")
    return {
        str(await cell.get_attribute("data-figure")): await cell.inner_text()
        for cell in await cells.all()
    }


def _expected(figures: dict[str, Any]) -> dict[str, str]:
    return {
        name: _shown(value, name in COUNTS)
        for name, value in figures.items()
        if name not in ("start", "end")
    }


async def _coordinator_on_the_map(
    person: Any, live_app: LiveApp, query: str
) -> tuple[Any, list[dict[str, Any]]]:
    """The demo network's quarters as ``query`` gives them, and a coordinator's map opened."""
    token = live_app.tokens["coordinator"]
    graph = await _api(live_app, token, query, {"id": DEMO_NETWORK_ID, **WINDOW})
    coordinator = await person(width=1400)
    await coordinator.sign_in(token)
    await coordinator.page.click("nav.tabs >> text=Carte du réseau")
    await coordinator.page.locator("[data-testid=figures]").wait_for()
    return coordinator.page, graph["network"]["collaboration"]["periods"]


async def test_the_map_shows_the_period_figures_and_keeps_organizations_in_place(
    person: Any, live_app: LiveApp
) -> None:
    token = live_app.tokens["coordinator"]
    page, periods = await _coordinator_on_the_map(person, live_app, GRAPH)
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
    # Q4 2025 likely starts a run (the newest quarter alone, then a year's worth): its tie
    # dynamics and community stability (against Q3, read by that run's request) are still
    # those of one request for the whole window.
    await page.locator("section.map-page[data-complete=true]").wait_for()
    assert await page.evaluate("window.maillageMap.bounds()") == [
        {"start": p["start"], "end": p["end"]} for p in periods
    ]
    whole = await _api(
        live_app, token, EVOLUTION, {"id": DEMO_NETWORK_ID, **WINDOW, "period": "QUARTER"}
    )
    assert await _figures(page) == _expected(whole["network"]["evolution"]["periods"][index])

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

    # A click on a listed organization opens its profile; its brokerage is asked then.
    await page.locator("[data-testid=critical] li button").first.click()
    await page.locator("[data-testid=profile]").wait_for()
    before_quarter = periods[index - 1]
    broker = await _api(
        live_app,
        token,
        BROKERAGE,
        {"id": DEMO_NETWORK_ID, "from": before_quarter["start"], "to": before_quarter["end"]},
    )
    title = await page.locator("#profile-title").inner_text()
    names = {n["id"]: n["name"] for n in before_quarter["nodes"]}
    (node,) = [
        n
        for n in broker["network"]["collaboration"]["periods"][0]["nodes"]
        if title.split(" : ", 1)[1] == names[n["id"]]
    ]
    brokerage = " · ".join(
        _number(node[field], digits)
        for field, digits in (("betweenness", 3), ("constraint", 3), ("effectiveSize", 2))
    )
    await expect(page.locator("[data-testid=brokerage]")).to_have_text(brokerage)


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


async def test_a_window_that_starts_mid_quarter_gives_the_figures_of_one_request(
    person: Any, live_app: LiveApp
) -> None:
    """The first quarter is clipped (15 February – 31 March) and the last (1 October –
    20 November): the slider's periods are the API's, and whatever runs the map loaded them
    in, the figures of the quarter after the clipped one (its tie dynamics compare with
    the clipped quarter) and of the last are those of one request for the whole window."""
    token = live_app.tokens["coordinator"]
    window = {"from": "2024-02-15", "to": "2025-11-20"}
    whole = await _api(
        live_app, token, EVOLUTION, {"id": DEMO_NETWORK_ID, **window, "period": "QUARTER"}
    )
    periods = whole["network"]["evolution"]["periods"]
    assert (periods[0]["start"], periods[-1]["end"]) == ("2024-02-15", "2025-11-20")
    coordinator = await person(width=1400)
    await coordinator.sign_in(token)
    page = coordinator.page
    await coordinator.go("/map")
    await page.locator("section.map-page[data-complete=true]").wait_for()
    await page.fill("input[name=from]", window["from"])
    await page.fill("input[name=to]", window["to"])
    await page.click("form.map-controls button[type=submit]")
    await page.wait_for_function(
        "(n) => window.maillageMap.bounds().length === n", arg=len(periods)
    )
    await page.locator("section.map-page[data-complete=true]").wait_for()
    assert await page.evaluate("window.maillageMap.bounds()") == [
        {"start": p["start"], "end": p["end"]} for p in periods
    ]
    for index in (1, len(periods) - 1):
        await slide_to(page, periods, date.fromisoformat(periods[index]["start"]))
        assert await _figures(page) == _expected(periods[index])


SENT = """query($id: ID!, $from: Date!, $to: Date!) { network(id: $id) {
  collaboration(from: $from, to: $to, period: QUARTER) {
    periods { start end edges { source target sent } } } } }"""


async def test_a_period_over_the_tie_budget_draws_its_strongest_ties(
    person: Any, live_app: LiveApp
) -> None:
    """With at most 100 ties drawn, the 100 drawn are those with the most referrals."""
    page, periods = await _coordinator_on_the_map(person, live_app, SENT)
    edges = (await slide_to(page, periods, date(2025, 11, 15)))["edges"]
    assert len(edges) > 100, "the demo's last simulated quarter has more ties than the budget"
    await page.fill("input[name=tie-budget]", "100")
    await page.press("input[name=tie-budget]", "Enter")
    note = page.locator("[data-testid=ties-drawn]")
    await expect(note).to_contain_text(f"100 / {len(edges)}")
    drawn = set(await page.evaluate("window.maillageMap.ties()"))
    assert len(drawn) == 100
    ranked = sorted(edges, key=lambda e: -e["sent"])
    cut = ranked[99]["sent"]  # ties with as many referrals as the 100th may go either way
    assert {f"{e['source']}|{e['target']}" for e in ranked if e["sent"] > cut} <= drawn
    assert not {f"{e['source']}|{e['target']}" for e in ranked if e["sent"] < cut} & drawn
    # Every tie again, on request.
    await page.check("input[name=all-ties]")
    await expect(note).to_contain_text("Tous les liens sont dessinés")
    await page.wait_for_function("(n) => window.maillageMap.ties().length === n", arg=len(edges))


async def test_a_run_that_fails_keeps_the_periods_in_and_show_tries_again(
    person: Any, live_app: LiveApp
) -> None:
    """Every Map request reaching back before 2025 is refused: the periods from 2025 on are
    shown, the others are marked as not loaded (not as loading), and *Afficher* loads all."""
    page, periods = await _coordinator_on_the_map(person, live_app, GRAPH)
    await page.locator("section.map-page[data-complete=true]").wait_for()

    async def refuse_2024(route: Any) -> None:
        body = json.loads(route.request.post_data or "{}")
        if "query Map(" in body.get("query", "") and body["variables"]["from"] < "2025-01-01":
            await route.fulfill(status=503, json={"errors": [{"message": "Neo4j is unavailable",
                                "extensions": {"code": "SERVICE_UNAVAILABLE"}}]})  # fmt: skip
        else:
            await route.fallback()

    await page.route("**/graphql", refuse_2024)
    await page.click("form.map-controls button[type=submit]")
    status = page.locator("[data-testid=loading-periods]")
    await expect(status).to_contain_text("non chargées")
    await expect(page.locator("p.error[role=alert]")).to_be_visible()
    # A quarter of 2025 is there, with its figures.
    await slide_to(page, periods, date(2025, 11, 15))
    await page.locator("[data-testid=figures]").wait_for()
    await page.unroute("**/graphql", refuse_2024)
    await page.click("form.map-controls button[type=submit]")
    await page.locator("section.map-page[data-complete=true]").wait_for()
    await expect(status).to_be_hidden()
    await slide_to(page, periods, date(2024, 2, 15))

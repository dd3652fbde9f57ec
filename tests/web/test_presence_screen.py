"""Outreach presence from the web app: a worker logs a visit, sees it in the log, deletes it.

What the form sends is read back through the API (not from the page), and a new
place created from the form joins the directory of places.
"""

from __future__ import annotations

import uuid
from datetime import date, timedelta
from typing import Any

import httpx

from tests.web.conftest import LiveApp, axe_violations, shot

MINE = """query($from: Date!, $to: Date!) { myPresence(from: $from, to: $to) {
  id date hours contacts firstContacts needCodes warmHandoffs place { name kind } } }"""


async def _mine(app: LiveApp) -> list[dict[str, Any]]:
    today = date.today()
    async with httpx.AsyncClient(base_url=app.url, timeout=30) as client:
        response = await client.post(
            "/graphql",
            json={
                "query": MINE,
                "variables": {
                    "from": (today - timedelta(days=7)).isoformat(),
                    "to": today.isoformat(),
                },
            },
            headers={"Authorization": f"Bearer {app.tokens['staff']}"},
        )
    rows: list[dict[str, Any]] = response.json()["data"]["myPresence"]
    return rows


async def test_a_worker_logs_a_visit_at_a_new_place_and_deletes_it(
    person: Any, live_app: LiveApp
) -> None:
    worker = await person()
    await worker.sign_in(live_app.tokens["staff"])
    page = worker.page
    await page.click("nav.tabs >> text=Présence terrain")
    await page.locator("#presence-title").wait_for()
    known = {row["id"] for row in await _mine(live_app)}

    place = f"Parc du test {uuid.uuid4().hex[:6]}"
    await page.select_option("select[name=place]", "new")
    await page.fill("input[name=newPlace]", place)
    await page.select_option("select[name=newKind]", "PARK")
    await page.select_option("select[name=newTerritory]", live_app.ids.territory_id)
    await page.fill("input[name=hours]", "2.5")
    await page.fill("input[name=contacts]", "6")
    await page.fill("input[name=firstContacts]", "2")
    await page.fill("input[name=warmHandoffs]", "1")
    await page.check("input[name=need][value=FOOD_SECURITY]")
    await page.check("input[name=need][value=CHILDCARE]")
    assert await axe_violations(page) == []
    await page.click("form button[type=submit].primary")
    await page.locator("text=Présence notée.").wait_for()

    new = [row for row in await _mine(live_app) if row["id"] not in known]
    assert len(new) == 1
    entry = new[0]
    assert (entry["hours"], entry["contacts"], entry["firstContacts"], entry["warmHandoffs"]) == (
        2.5,
        6,
        2,
        1,
    )
    assert sorted(entry["needCodes"]) == ["CHILDCARE", "FOOD_SECURITY"]
    assert entry["place"] == {"name": place, "kind": "PARK"}
    row = page.locator(f"tr[data-presence='{entry['id']}']")
    await row.wait_for()
    assert place in await row.inner_text()
    # The new place is now in the directory the form offers.
    assert place in await page.locator("select[name=place]").inner_text()
    await shot(page, "presence")

    await row.locator("button").click()
    await page.locator("text=Présence supprimée.").wait_for()
    await row.wait_for(state="detached")
    assert entry["id"] not in {r["id"] for r in await _mine(live_app)}

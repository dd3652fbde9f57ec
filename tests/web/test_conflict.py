"""Two intake workers on one referral: the one whose page is stale is told in plain words.

Worker B's page gets no live updates (its WebSocket is cut), so it still shows
the referral ACKNOWLEDGED after worker A accepted it. B declines: the API
answers CONFLICT (the move carries the status B saw), the page says someone
else changed the referral, shows its true state, and offers only what is legal
now — and the referral stays ACCEPTED.
"""

from __future__ import annotations

from typing import Any

from playwright.async_api import expect

from domain.lifecycle import Action
from graph.db import open_database
from tests.conftest import referral_through_graph
from tests.web.conftest import LiveApp


async def test_a_stale_page_gets_conflict_in_words_and_the_true_state(
    person: Any, live_app: LiveApp, neo4j_uri: tuple[str, str, str]
) -> None:
    uri, user, password = neo4j_uri
    db = open_database(uri, user, password)
    try:
        rid = await referral_through_graph(
            db, live_app.ids.sender_id, live_app.ids.receiver_id, [Action.ACKNOWLEDGE]
        )
    finally:
        await db.close()
    a, b = await person(), await person()
    await b.page.route_web_socket("**/graphql", lambda ws: ws.close())  # no live updates for B
    for worker in (a, b):
        await worker.sign_in(live_app.tokens["receiver"])
        await worker.go(f"/referrals/{rid}")
        await worker.page.wait_for_selector("article.referral[data-status=ACKNOWLEDGED]")

    await a.page.click("[data-action=ACCEPT]")
    await a.page.wait_for_selector("article.referral[data-status=ACCEPTED]")
    assert await b.page.locator("article.referral[data-status=ACKNOWLEDGED]").count() == 1

    await b.page.click("[data-action=DECLINE]")
    await b.page.select_option("[data-form=DECLINE] select", "NO_CAPACITY")
    await b.page.click("[data-form=DECLINE] button[type=submit]")
    await expect(b.page.locator("[role=alert]")).to_contain_text(
        "Quelqu'un d'autre a modifié cette référence"
    )
    await b.page.wait_for_selector("article.referral[data-status=ACCEPTED]")
    offered = await b.page.locator("[data-action]").evaluate_all(
        "els => els.map(e => e.dataset.action)"
    )
    assert "DECLINE" not in offered and "RECORD_CONTACT" in offered

"""The staff web app in Chromium, on the demo network: send, see it arrive live, answer, follow.

The outreach worker of the Maison de quartier sends a referral through the form;
the intake worker of the housing co-op, in a second browser, sees it arrive
without reloading, acknowledges and accepts it by clicks; the sender's page
follows live. Only legal actions are offered, a FULL service asks for an
override, and nobody outside the two organizations ever gets the family's
contact in the page. Each screen passes axe-core with no serious or critical
violation, and the Content-Security-Policy is never broken.
"""

from __future__ import annotations

import uuid
from typing import Any

from tests.web.conftest import LiveApp, axe_violations, dump, shot

PHONE = "514-555-0199"


async def _send(
    sender: Any, app: LiveApp, reference: str, *, service_id: str, phone: str = ""
) -> str:
    """Fill and submit the send form; the id of the referral the app then shows."""
    page = sender.page
    await sender.go("/new")
    await page.check(f"input[name=need][value={app.ids.need_code}]")
    await page.select_option("select[name=territory]", app.ids.territory_id)
    await page.click("text=Voir les services")
    await page.check(f"li[data-service='{service_id}'] input[type=radio]")
    await page.fill("input[name=familyReference]", reference)
    if phone:
        await page.fill("input[name=phone]", phone)
    return reference


async def _referral_id(page: Any) -> str:
    await page.wait_for_url("**/app/referrals/*")
    return str(page.url.rsplit("/", 1)[1])


def _no_csp_breach(*people: Any) -> None:
    for p in people:
        breaches = [m for m in p.problems if "Content Security Policy" in m]
        assert breaches == [], breaches


async def test_send_receive_live_acknowledge_accept(person: Any, live_app: LiveApp) -> None:
    sender, receiver = await person(), await person()
    await sender.sign_in(live_app.tokens["staff"])
    await receiver.sign_in(live_app.tokens["receiver"])
    assert await axe_violations(receiver.page) == []
    await receiver.page.wait_for_selector("table.referrals")
    # A marker that a reload would erase: the new referral must arrive without one.
    await receiver.page.evaluate("window.__stayed = true")

    reference = f"WEB-{uuid.uuid4().hex[:8]}"
    await _send(sender, live_app, reference, service_id=live_app.open_service_id, phone=PHONE)
    open_service = sender.page.locator(f"li[data-service='{live_app.open_service_id}']")
    assert await open_service.get_attribute("data-availability") == "OPEN"
    assert await sender.page.locator("[data-testid=override]").count() == 0
    assert await axe_violations(sender.page) == [], dump(await axe_violations(sender.page))
    await shot(sender.page, "send-form")
    await sender.page.click("button[type=submit].primary")
    referral_id = await _referral_id(sender.page)
    await sender.page.wait_for_selector("article.referral[data-status=SENT]")

    # The receiver's inbox shows it live, with a polite notice, and the page was not reloaded.
    row = receiver.page.locator(f"tr[data-referral='{referral_id}']")
    await row.wait_for()
    assert await receiver.page.evaluate("window.__stayed") is True
    assert (
        "Nouvelle référence reçue" in await receiver.page.locator("[role=status].live").inner_text()
    )
    assert "Envoyée" in await row.inner_text()
    await shot(receiver.page, "inbox")

    await row.locator("a").click()
    page = receiver.page
    await page.wait_for_selector("article.referral[data-status=SENT]")
    assert await page.locator("[data-action=ACCEPT]").count() == 0  # not before acknowledging
    await page.click("[data-action=ACKNOWLEDGE]")
    await page.wait_for_selector("article.referral[data-status=ACKNOWLEDGED]")
    assert await page.locator("[data-action=ACKNOWLEDGE]").count() == 0
    offered = set(
        await page.locator("[data-action]").evaluate_all("els => els.map(e => e.dataset.action)")
    )
    assert {"ACCEPT", "DECLINE", "REDIRECT", "NOTE"} <= offered
    assert "CANCEL" not in offered  # the sender's, not the receiver's
    await page.click("[data-action=ACCEPT]")
    await page.wait_for_selector("article.referral[data-status=ACCEPTED]")
    await page.locator("[data-testid=contact]").wait_for()
    assert PHONE in await page.locator("[data-testid=contact]").inner_text()
    assert reference in await page.locator("[data-testid=family]").inner_text()
    timeline = await page.locator("ol.timeline li").evaluate_all(
        "els => els.map(e => e.dataset.event)"
    )
    assert timeline == ["SENT", "ACKNOWLEDGED", "ACCEPTED"]
    assert await axe_violations(page) == [], dump(await axe_violations(page))
    await shot(page, "referral")

    # The sender's page follows live; the receiver's actions are not offered to it.
    await sender.page.wait_for_selector("article.referral[data-status=ACCEPTED]")
    sender_offers = set(
        await sender.page.locator("[data-action]").evaluate_all(
            "els => els.map(e => e.dataset.action)"
        )
    )
    assert not sender_offers & {"ACKNOWLEDGE", "ACCEPT", "DECLINE", "RECORD_CONTACT"}
    assert "CANCEL" in sender_offers
    _no_csp_breach(sender, receiver)

    # A user of a third organization opening the link gets nothing of the family.
    outsider = await person()
    await outsider.sign_in(live_app.outsider_token)
    await outsider.go(f"/referrals/{referral_id}")
    await outsider.page.wait_for_selector("[role=alert]")
    html = await outsider.page.content()
    assert PHONE not in html and reference not in html
    # The network's coordinator sees the referral itself, never the family.
    coordinator = await person()
    await coordinator.sign_in(live_app.tokens["coordinator"])
    await coordinator.go(f"/referrals/{referral_id}")
    await coordinator.page.wait_for_selector("article.referral[data-status=ACCEPTED]")
    html = await coordinator.page.content()
    assert PHONE not in html and reference not in html
    assert await coordinator.page.locator("[data-testid=family]").count() == 0
    assert await coordinator.page.locator("[data-action]").count() == 0


async def test_full_service_asks_for_an_explicit_override(person: Any, live_app: LiveApp) -> None:
    receiver, sender = await person(), await person()
    await receiver.sign_in(live_app.tokens["receiver"])
    await receiver.go("/services")
    choice = receiver.page.locator(f"tr[data-service='{live_app.full_service_id}'] select")
    await choice.select_option("FULL")
    await receiver.page.wait_for_selector("text=Enregistré.")
    assert await axe_violations(receiver.page) == []
    try:
        await sender.sign_in(live_app.tokens["staff"])
        await _send(
            sender, live_app, f"WEB-{uuid.uuid4().hex[:8]}", service_id=live_app.full_service_id
        )
        listed = await sender.page.locator("li[data-availability]").evaluate_all(
            "els => els.map(e => e.dataset.availability)"
        )
        rank = {"OPEN": 0, "WAITLIST": 1, "FULL": 2, "CLOSED": 2}
        assert listed == sorted(listed, key=rank.__getitem__), listed  # OPEN first
        assert "FULL" in listed
        override = sender.page.locator("[data-testid=override] input")
        await override.wait_for()
        await sender.page.click("button[type=submit].primary")
        alert = sender.page.locator("[role=alert]")
        await alert.wait_for()
        assert "Cochez la case" in await alert.inner_text()
        assert "/app/new" in sender.page.url  # nothing sent
        await override.check()
        await sender.page.click("button[type=submit].primary")
        await _referral_id(sender.page)
        await sender.page.wait_for_selector("article.referral[data-status=SENT]")
        assert "Complet" in await sender.page.locator("dl.facts").first.inner_text()
    finally:
        await receiver.go("/services")
        await receiver.page.locator(
            f"tr[data-service='{live_app.full_service_id}'] select"
        ).select_option("OPEN")
        await receiver.page.wait_for_selector("text=Enregistré.")
    _no_csp_breach(sender, receiver)


async def test_sign_in_screen_is_french_first_and_switches_to_english(
    person: Any, live_app: LiveApp
) -> None:
    visitor = await person(width=820)  # a tablet
    await visitor.go("/")
    await visitor.page.wait_for_selector("#token")
    assert await visitor.page.locator("h2").inner_text() == "Se connecter"
    assert await axe_violations(visitor.page) == []
    await visitor.page.fill("#token", "mlg_not-a-real-token")
    await visitor.page.click("button[type=submit]")
    assert "inconnu ou révoqué" in await visitor.page.locator("[role=alert]").inner_text()
    await visitor.page.click("text=English")
    assert await visitor.page.locator("h2").inner_text() == "Sign in"
    assert await visitor.page.evaluate("document.documentElement.lang") == "en"
    # Keyboard alone: the token field, then the sign-in button.
    await visitor.page.fill("#token", "")
    await visitor.page.focus("#token")
    await visitor.page.keyboard.type(live_app.tokens["staff"])
    await visitor.page.keyboard.press("Enter")
    await visitor.page.wait_for_selector("#list-title")
    assert await visitor.page.locator("nav.tabs a[aria-current=page]").inner_text() == "Inbox"
    await visitor.page.click("text=Sign out")
    await visitor.page.wait_for_selector("#token")
    # Signed out means the session is revoked, not only forgotten by the page.
    assert await visitor.page.evaluate("fetch('/session').then(r => r.status)") == 401

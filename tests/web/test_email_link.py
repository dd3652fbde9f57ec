"""From the intake e-mail to the inbox: the receiver answers with one click, without signing in.

The outreach worker sends a referral in the app; the notification worker
delivers the intake notice to the development mail catcher (a real SMTP
server); in a browser with no session, the receiver opens the message at
``/dev/mail``, follows its acknowledge link and confirms; the intake worker's
inbox, open in another browser, shows the referral acknowledged, live.
"""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

from playwright.async_api import expect

from server.demo import DEMO_INTAKE, DEMO_RECEIVER
from tests.web.conftest import LiveApp

PHONE = "438-555-0142"


async def test_acknowledge_from_the_caught_e_mail_and_see_it_in_the_inbox(
    person: Any, live_app: LiveApp
) -> None:
    sender, receiver, reader = await person(), await person(), await person()
    await sender.sign_in(live_app.tokens["staff"])
    await receiver.sign_in(live_app.tokens["receiver"])
    await receiver.page.locator("#list-title").wait_for()

    reference = f"MAIL-{uuid.uuid4().hex[:8]}"
    await sender.go("/new")
    page = sender.page
    await page.check(f"input[name=need][value={live_app.ids.need_code}]")
    await page.select_option("select[name=territory]", live_app.ids.territory_id)
    await page.click("text=Voir les services")
    await page.check(f"li[data-service='{live_app.open_service_id}'] input[type=radio]")
    await page.fill("input[name=familyReference]", reference)
    await page.fill("input[name=phone]", PHONE)
    await page.click("button[type=submit].primary")
    await page.wait_for_url("**/app/referrals/*")
    referral_id = page.url.rsplit("/", 1)[1]

    intake = DEMO_INTAKE[DEMO_RECEIVER]
    message = await asyncio.to_thread(
        live_app.mail.wait_for,
        lambda m: intake in m.recipients and referral_id in m.text,
        30.0,
    )
    assert reference.encode() not in message.raw and PHONE.encode() not in message.raw

    # The receiver reads the message in a browser with no Maillage session.
    await reader.page.goto(f"{live_app.url}/dev/mail")
    index = live_app.mail.messages.index(message)
    await reader.page.click(f"a[href='/dev/mail/{index}']")
    await reader.page.locator("pre").wait_for()
    assert reference not in await reader.page.content()
    line = next(x for x in message.text.splitlines() if x.startswith("- Accuser réception"))
    acknowledge = line.rsplit(" ", 1)[1]
    assert "/respond/" in acknowledge
    await reader.page.click(f"a[href='{acknowledge}']")
    await reader.page.click("button[type=submit]")
    await expect(reader.page.locator("main")).to_contain_text("Reçue")

    row = receiver.page.locator(f"tr[data-referral='{referral_id}']")
    await expect(row).to_contain_text("Reçue")
    # The sender's page follows too, and the timeline says who answered.
    await sender.page.wait_for_selector("article.referral[data-status=ACKNOWLEDGED]")
    events = await sender.page.locator("ol.timeline li").evaluate_all(
        "els => els.map(e => e.dataset.event)"
    )
    assert events == ["SENT", "ACKNOWLEDGED"]

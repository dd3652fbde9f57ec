"""Once, and recognisably so: concurrent workers, a crash after acceptance, a redirect."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from email.message import EmailMessage

from domain.lifecycle import Action
from graph.db import Database
from server.mailer import SmtpTransport, deliver_once
from server.settings import Settings
from tests.conftest import MovableClock, World, unique
from tests.notifications.conftest import (
    Parties,
    SmtpServer,
    acknowledge_then,
    notifications_of,
    send,
    text_parts,
)


async def test_two_workers_at_once_deliver_each_notice_once(
    db: Database, mail_settings: Settings, smtp: SmtpServer, parties: Parties, clock: MovableClock
) -> None:
    ids = [(await send(db, parties, datetime.now(UTC)))[0] for _ in range(10)]

    await asyncio.gather(
        deliver_once(db, mail_settings, clock=clock, batch=3),
        deliver_once(db, mail_settings, clock=clock, batch=3),
    )

    messages = smtp.inbox.to(parties.receiver["email"])
    assert len(messages) == 10
    assert len({m["Message-ID"] for m in messages}) == 10
    assert {n["state"] for n in await notifications_of(db, ids)} == {"DELIVERED"}


class CrashAfterAcceptance:
    """Hands the message over, then fails as a worker dying before it could mark it."""

    def __init__(self, settings: Settings) -> None:
        self.smtp = SmtpTransport(settings)

    async def send(self, message: EmailMessage) -> None:
        await self.smtp.send(message)
        raise ConnectionResetError("worker died after the SMTP server accepted")


async def test_a_message_sent_again_after_a_crash_keeps_its_message_id(
    db: Database, mail_settings: Settings, smtp: SmtpServer, parties: Parties, clock: MovableClock
) -> None:
    rid, _ = await send(db, parties, datetime.now(UTC))

    await deliver_once(
        db, mail_settings, clock=clock, transport=CrashAfterAcceptance(mail_settings)
    )
    await deliver_once(db, mail_settings, clock=clock)

    first, second = smtp.inbox.to(parties.receiver["email"])
    [notification] = await notifications_of(db, [rid])
    assert first["Message-ID"] == second["Message-ID"] == f"<{notification['id']}@maillage.test>"
    assert (notification["state"], notification["attempts"]) == ("DELIVERED", 2)


async def test_a_redirect_tells_the_sender_and_the_new_receivers_intake(
    db: Database,
    world: World,
    mail_settings: Settings,
    smtp: SmtpServer,
    parties: Parties,
    clock: MovableClock,
) -> None:
    third = await world.organization(parties.network, email=f"{unique('tiers')}@org.test")
    now = datetime.now(UTC)
    rid, reference = await send(db, parties, now)
    await acknowledge_then(db, parties, rid, now, Action.REDIRECT, redirect_to=(third["id"], None))

    await deliver_once(db, mail_settings, clock=clock)

    [told] = smtp.inbox.to(parties.sender["email"])
    assert "réorienté" in text_parts(told)["text/plain"]
    [intake] = smtp.inbox.to(third["email"])
    assert "Nouvelle référence" in str(intake["Subject"])
    assert reference.encode() not in smtp.inbox.raw_to(third["email"])[0]
    assert smtp.inbox.raw_to(parties.receiver["email"]) == []  # its intake notice was dropped


async def test_names_are_escaped_in_the_html_part(
    db: Database, world: World, mail_settings: Settings, smtp: SmtpServer, clock: MovableClock
) -> None:
    network = await world.network()
    sender = await world.organization(network, name=f"<script>alert(1)</script> {unique()}")
    receiver = await world.organization(network, email=f"{unique('accueil')}@org.test")
    service = await world.service(receiver, needs=["HOUSING"], name=f"Aide & <b>{unique()}</b>")
    await send(db, Parties(network, sender, receiver, service), datetime.now(UTC))

    await deliver_once(db, mail_settings, clock=clock)

    [message] = smtp.inbox.to(receiver["email"])
    page = text_parts(message)["text/html"]
    assert "<script>" not in page and "&lt;script&gt;" in page
    assert "Aide &amp; &lt;b&gt;" in page

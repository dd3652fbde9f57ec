"""Fixtures for the e-mail notifications: a real SMTP server (aiosmtpd) on a free port.

The server keeps every message it accepted, as the raw bytes it received, so
tests can look for what must never be in an e-mail. It can be stopped and
started again on the same port, to play an SMTP outage.
"""

from __future__ import annotations

import asyncio
import dataclasses
import email
import email.policy
import socket
import uuid
from collections.abc import AsyncIterator, Iterator
from datetime import datetime
from email.message import Message
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session

from domain.lifecycle import Action
from graph.db import Database
from graph.referral import commands as referrals
from server.settings import Settings
from tests.conftest import World, unique


class Inbox:
    """An aiosmtpd handler that keeps what it accepted: ``(recipients, raw bytes)``."""

    def __init__(self) -> None:
        self.received: list[tuple[list[str], bytes]] = []

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        content = envelope.original_content or b""
        self.received.append((list(envelope.rcpt_tos), bytes(content)))
        return "250 Message accepted for delivery"

    def raw_to(self, address: str) -> list[bytes]:
        """The raw messages accepted for ``address``."""
        return [raw for rcpts, raw in self.received if address in rcpts]

    def to(self, address: str) -> list[Message]:
        """The messages accepted for ``address``, parsed."""
        return [
            email.message_from_bytes(raw, policy=email.policy.default)
            for raw in self.raw_to(address)
        ]


class SmtpServer:
    """A real SMTP server on ``port`` that can be stopped and started again."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.inbox = Inbox()
        self._controller: Controller | None = None

    def start(self) -> None:
        self._controller = Controller(self.inbox, hostname="127.0.0.1", port=self.port)
        self._controller.start()

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def smtp() -> Iterator[SmtpServer]:
    server = SmtpServer(_free_port())
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def mail_settings(settings: Settings, smtp: SmtpServer) -> Settings:
    """The test settings with SMTP pointing at the test server."""
    return dataclasses.replace(
        settings,
        smtp_host="127.0.0.1",
        smtp_port=smtp.port,
        smtp_tls="none",
        smtp_timeout_seconds=2.0,
        smtp_sender="avis@maillage.test",
        public_base_url="https://maillage.test",
        # Retried at once: the tests play outages without moving the clock forward (a
        # worker running ahead of real time would date its audit entries in the future).
        notify_retry_min_seconds=0.0,
    )


@dataclasses.dataclass
class Parties:
    """A network with a sending and a receiving organization, both with an intake address."""

    network: dict[str, Any]
    sender: dict[str, Any]
    receiver: dict[str, Any]
    service: dict[str, Any]


@pytest.fixture
async def parties(world: World) -> Parties:
    network = await world.network()
    sender = await world.organization(network, email=f"{unique('envoi')}@org.test")
    receiver = await world.organization(
        network, email=f"{unique('accueil')}@org.test", languages=["fr"]
    )
    service = await world.service(receiver, needs=["HOUSING"])
    return Parties(network, sender, receiver, service)


FAMILY_PHONE = "514-555-0199"


async def send(
    db: Database, parties: Parties, now: datetime, *, family_reference: str | None = None
) -> tuple[str, str]:
    """Send a referral with family data that no e-mail may carry; ``(referral id, reference)``."""
    reference = family_reference or f"FAM-{uuid.uuid4().hex[:8]}"
    row, _ = await referrals.send_referral(
        db,
        referrals.ReferralInput(
            to_organization_id=parties.receiver["id"],
            service_id=parties.service["id"],
            need_codes=["HOUSING"],
            family_reference=reference,
            idempotency_key=unique("key-"),
            consent_given=True,
            consent_method="VERBAL",
            consent_scope="referral",
            urgency="PRIORITY",
            comment=f"note privée {reference}",
            contact_phone=FAMILY_PHONE,
            contact_email=f"famille-{reference.lower()}@prive.test",
        ),
        sender_id=parties.sender["id"],
        actor_user_id=None,
        now=now,
    )
    return str(row["id"]), reference


async def acknowledge_then(
    db: Database, parties: Parties, referral_id: str, now: datetime, action: Action, **extra: Any
) -> None:
    """The receiver acknowledges the referral, then takes ``action`` (with ``extra``)."""
    for step, seen in ((Action.ACKNOWLEDGE, "SENT"), (action, "ACKNOWLEDGED")):
        await referrals.transition(
            db,
            referral_id,
            step,
            expected_status=seen,
            actor_user_id=None,
            actor_org_id=parties.receiver["id"],
            now=now,
            **(extra if step is action else {}),
        )


async def decline(db: Database, parties: Parties, referral_id: str, now: datetime) -> None:
    """The receiver acknowledges the referral, then declines it (NO_CAPACITY)."""
    await acknowledge_then(db, parties, referral_id, now, Action.DECLINE, reason="NO_CAPACITY")


async def notifications_of(db: Database, referral_ids: list[str]) -> list[dict[str, Any]]:
    """Every notification of these referrals."""
    rows = await db.rows(
        "MATCH (n:Notification) WHERE n.referralId IN $ids RETURN n {.*} AS n",
        ids=referral_ids,
    )
    return [dict(row["n"]) for row in rows]


async def wait_until(condition: Any, *, timeout: float = 10.0, step: float = 0.05) -> None:
    """Await ``condition()`` (sync or async) to be true, for at most ``timeout`` seconds."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while True:
        result = condition()
        if asyncio.iscoroutine(result):
            result = await result
        if result:
            return
        if loop.time() > deadline:
            raise AssertionError(f"condition not met within {timeout} s")
        await asyncio.sleep(step)


@pytest.fixture
async def smtp_down(smtp: SmtpServer) -> AsyncIterator[SmtpServer]:
    """The SMTP server, stopped (the test starts it again)."""
    smtp.stop()
    yield smtp


def text_parts(message: Message) -> dict[str, str]:
    """Decoded text of each part, by content type."""
    found: dict[str, str] = {}
    for part in message.walk():
        if part.get_content_maintype() == "text":
            payload = part.get_payload(decode=True)
            assert isinstance(payload, bytes)
            found[part.get_content_type()] = payload.decode(part.get_content_charset() or "utf-8")
    return found

"""An SMTP outage loses nothing and duplicates nothing: every notice is delivered once.

While the SMTP server is down, notifications stay PENDING and are retried
with a growing delay; a worker that dies holding a claim only delays them by
the lease; once the server is back, each is delivered exactly once. The test
counts created, delivered, retried, duplicated and lost notices and prints
the figures.
"""

from __future__ import annotations

from datetime import UTC, datetime

from graph.db import Database
from graph.notify import delivery as outbox
from server.mailer import DeliveryReport, deliver_once
from server.settings import Settings
from tests.conftest import MovableClock
from tests.notifications.conftest import (
    Parties,
    SmtpServer,
    decline,
    notifications_of,
    send,
)

REFERRALS = 12
DECLINED = 4


async def test_notices_wait_out_an_smtp_outage_and_are_then_delivered_exactly_once(
    db: Database,
    mail_settings: Settings,
    smtp_down: SmtpServer,
    parties: Parties,
    clock: MovableClock,
) -> None:
    now = datetime.now(UTC)
    ids = [(await send(db, parties, now))[0] for _ in range(REFERRALS)]
    # Some are declined at once: their intake notice is dropped, the sender is told.
    for rid in ids[:DECLINED]:
        await decline(db, parties, rid, now)
    created = await notifications_of(db, ids)
    total = DeliveryReport()

    # Down: three passes (retried at once in these settings); nothing is delivered.
    for _ in range(3):
        total.add(await deliver_once(db, mail_settings, clock=clock, batch=100))
        pending = [n for n in await notifications_of(db, ids) if n["state"] == "PENDING"]
        assert len(pending) == REFERRALS  # 8 intake notices + 4 decline notices
    assert smtp_down.inbox.received == []
    attempts = {n["attempts"] for n in await notifications_of(db, ids) if n["state"] == "PENDING"}
    assert attempts == {3}

    # A worker claims a few and dies before sending: they come back after the lease.
    claimed = await outbox.claim_due(db, clock(), lease_seconds=0.0, limit=3)
    assert claimed

    smtp_down.start()
    total.add(await deliver_once(db, mail_settings, clock=clock))
    total.add(await deliver_once(db, mail_settings, clock=clock))

    final = await notifications_of(db, ids)
    ours = {n["id"] for n in final if n["state"] == "DELIVERED"}
    addresses = {parties.receiver["email"], parties.sender["email"]}
    message_ids = [
        message["Message-ID"] for address in addresses for message in smtp_down.inbox.to(address)
    ]
    delivered_ids = {mid.strip("<>").partition("@")[0] for mid in message_ids}
    figures = {
        "created": len(created),
        "dropped": sum(n["state"] == "DROPPED" for n in final),
        "delivered": len(delivered_ids & ours),
        "retried": sum(max(int(n["attempts"]) - 1, 0) for n in final),
        "duplicated": len(message_ids) - len(set(message_ids)),
        "lost": sum(n["state"] != "DELIVERED" for n in final if n["state"] != "DROPPED")
        + len(ours - delivered_ids),
    }
    print("\nSMTP outage:", ", ".join(f"{k} {v}" for k, v in figures.items()))
    assert figures == {
        "created": REFERRALS + DECLINED,
        "dropped": DECLINED,  # the intake notices of the referrals declined meanwhile
        "delivered": REFERRALS,
        "retried": 3 * REFERRALS,
        "duplicated": 0,
        "lost": 0,
    }

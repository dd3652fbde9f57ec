"""Delivering the outbox to a real SMTP server: one message per notice, and no family data."""

from __future__ import annotations

from datetime import UTC, datetime

from graph.db import Database
from server.mailer import deliver_once
from server.settings import Settings
from tests.conftest import MovableClock
from tests.notifications.conftest import (
    FAMILY_PHONE,
    Parties,
    SmtpServer,
    decline,
    notifications_of,
    send,
    text_parts,
)


async def test_a_sent_referral_gives_the_receiver_one_message_with_the_link_and_no_family_data(
    db: Database, mail_settings: Settings, smtp: SmtpServer, parties: Parties, clock: MovableClock
) -> None:
    rid, reference = await send(db, parties, datetime.now(UTC))
    [notification] = await notifications_of(db, [rid])
    assert (notification["kind"], notification["state"]) == ("REFERRAL_RECEIVED", "PENDING")
    assert notification["recipientOrgId"] == parties.receiver["id"]

    report = await deliver_once(db, mail_settings, clock=clock)

    assert report.delivered >= 1
    [raw] = smtp.inbox.raw_to(parties.receiver["email"])
    [message] = smtp.inbox.to(parties.receiver["email"])
    parts = text_parts(message)
    assert message.get_content_type() == "multipart/alternative"
    assert set(parts) == {"text/plain", "text/html"}
    assert message["Message-ID"] == f"<{notification['id']}@maillage.test>"
    link = f"https://maillage.test/app/referrals/{rid}"
    assert link in parts["text/plain"]
    assert f'href="{link}"' in parts["text/html"]
    assert parties.receiver["name"] in parts["text/plain"]
    assert parties.service["name"] in parts["text/plain"]
    assert "Logement" in parts["text/plain"] and "Prioritaire" in parts["text/plain"]
    family_data = [reference, reference.lower(), FAMILY_PHONE, "prive.test", "note privée"]
    for secret in family_data:
        assert secret.encode() not in raw, secret
        for text in parts.values():
            assert secret not in text, secret
    [after] = await notifications_of(db, [rid])
    assert after["state"] == "DELIVERED"
    assert after["attempts"] == 1 and after["deliveredAt"] is not None
    # Delivered once: another pass sends nothing again.
    await deliver_once(db, mail_settings, clock=clock)
    assert len(smtp.inbox.raw_to(parties.receiver["email"])) == 1


async def test_the_sender_is_told_of_a_decline_and_the_stale_intake_notice_is_dropped(
    db: Database, mail_settings: Settings, smtp: SmtpServer, parties: Parties, clock: MovableClock
) -> None:
    now = datetime.now(UTC)
    rid, _ = await send(db, parties, now)
    await decline(db, parties, rid, now)

    await deliver_once(db, mail_settings, clock=clock)

    [message] = smtp.inbox.to(parties.sender["email"])
    assert "refusé" in text_parts(message)["text/plain"]
    assert smtp.inbox.raw_to(parties.receiver["email"]) == []
    states = {
        n["kind"]: (n["state"], n.get("dropReason")) for n in await notifications_of(db, [rid])
    }
    assert states == {
        "REFERRAL_RECEIVED": ("DROPPED", "NO_LONGER_NEEDED"),
        "REFERRAL_DECLINED": ("DELIVERED", None),
    }
    audit = await db.rows(
        "MATCH (a:AuditEntry) WHERE a.operation STARTS WITH 'dropNotification' "
        "AND $org IN a.organizationIds RETURN a.operation AS op",
        org=parties.receiver["id"],
    )
    assert [row["op"] for row in audit] == ["dropNotification:NO_LONGER_NEEDED"]


async def test_an_english_speaking_organization_is_written_to_in_english(
    db: Database, mail_settings: Settings, smtp: SmtpServer, parties: Parties, clock: MovableClock
) -> None:
    await db.write(
        lambda tx: tx.run(
            "MATCH (o:Organization {id: $id}) SET o.languages = ['en', 'fr']",
            id=parties.receiver["id"],
        )
    )
    await send(db, parties, datetime.now(UTC))

    await deliver_once(db, mail_settings, clock=clock)

    [message] = smtp.inbox.to(parties.receiver["email"])
    assert message["Content-Language"] == "en"
    assert "Please acknowledge" in text_parts(message)["text/plain"]
    assert "Housing" in text_parts(message)["text/plain"]

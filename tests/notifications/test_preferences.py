"""An organization's admin chooses a daily digest or immediate e-mails, and which kinds."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from domain.notifications import next_digest_at
from graph.db import Database
from server.mailer import deliver_once
from server.settings import Settings
from tests.conftest import MovableClock, World
from tests.notifications.conftest import (
    Parties,
    SmtpServer,
    decline,
    notifications_of,
    send,
    text_parts,
)

SET = (
    "mutation($org: ID!, $mode: NotificationDelivery!, $kinds: [NotificationKind!]!) { "
    "setNotificationPreferences(organizationId: $org, mode: $mode, kinds: $kinds) "
    "{ organizationId mode kinds email } }"
)


async def test_a_daily_digest_gathers_the_days_notices_in_one_message(
    db: Database,
    world: World,
    mail_settings: Settings,
    smtp: SmtpServer,
    parties: Parties,
    clock: MovableClock,
) -> None:
    admin = await world.caller("ORG_ADMIN", parties.receiver)
    data = await admin.data(
        SET,
        {"org": parties.receiver["id"], "mode": "DAILY_DIGEST", "kinds": ["REFERRAL_RECEIVED"]},
    )
    assert data["setNotificationPreferences"] == {
        "organizationId": parties.receiver["id"],
        "mode": "DAILY_DIGEST",
        "kinds": ["REFERRAL_RECEIVED"],
        "email": parties.receiver["email"],
    }
    # Sent the day before yesterday at 10:00 UTC: the digest went out at 12:00 that day.
    real = datetime.now(UTC)
    sent = (real - timedelta(days=2)).replace(hour=10, minute=0, second=0, microsecond=0)
    ids = [(await send(db, parties, sent))[0] for _ in range(2)]

    clock.offset = sent + timedelta(hours=1, minutes=59) - real  # 11:59 that day: not yet
    await deliver_once(db, mail_settings, clock=clock)
    assert smtp.inbox.raw_to(parties.receiver["email"]) == []
    assert {n["nextAttemptAt"].to_native() for n in await notifications_of(db, ids)} == {
        next_digest_at(sent)
    }

    clock.offset = timedelta(0)
    await deliver_once(db, mail_settings, clock=clock)

    [message] = smtp.inbox.to(parties.receiver["email"])
    assert "2" in str(message["Subject"])
    text = text_parts(message)["text/plain"]
    for rid in ids:
        assert f"/app/referrals/{rid}" in text
    assert {n["state"] for n in await notifications_of(db, ids)} == {"DELIVERED"}


async def test_a_kind_left_out_is_not_notified(
    db: Database, world: World, parties: Parties
) -> None:
    admin = await world.caller("ORG_ADMIN", parties.sender)
    await admin.data(
        SET, {"org": parties.sender["id"], "mode": "IMMEDIATE", "kinds": ["REFERRAL_EXPIRED"]}
    )
    now = datetime.now(UTC)
    rid, _ = await send(db, parties, now)

    await decline(db, parties, rid, now)

    assert [n["kind"] for n in await notifications_of(db, [rid])] == ["REFERRAL_RECEIVED"]


async def test_escalations_are_not_an_organizations_to_choose(
    world: World, parties: Parties
) -> None:
    admin = await world.caller("ORG_ADMIN", parties.sender)
    body = await admin(
        SET, {"org": parties.sender["id"], "mode": "IMMEDIATE", "kinds": ["ESCALATION"]}
    )
    [error] = body["errors"]
    assert error["extensions"]["code"] == "BAD_USER_INPUT"
    assert error["extensions"]["field"] == "kinds"


async def test_staff_may_not_change_the_preferences(world: World, parties: Parties) -> None:
    staff = await world.caller("ORG_STAFF", parties.sender)
    body = await staff(SET, {"org": parties.sender["id"], "mode": "IMMEDIATE", "kinds": []})
    assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"

"""Reminders before ``acknowledgeBy`` and escalation to coordinators, on an injected clock.

A referral sent at T with the default 72 h delay is reminded at T+36 h (half
the delay) and T+48 h (24 h before), and its network's coordinators hear of
it at T+66 h (6 h before) if it is still unacknowledged. Each sweep is
idempotent: running it again at the same time creates nothing.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from domain.notifications import ReminderPolicy
from graph.access import identity
from graph.db import Database
from graph.referral import sweep
from server.mailer import deliver_once
from server.settings import Settings
from tests.conftest import MovableClock, World, unique
from tests.notifications.conftest import Parties, SmtpServer, notifications_of, send


def _kinds(notifications: list[dict[str, object]]) -> list[tuple[object, object]]:
    return sorted(
        ((n["kind"], n.get("stage")) for n in notifications),
        key=lambda pair: (str(pair[0]), str(pair[1])),
    )


async def _coordinator(world: World, parties: Parties) -> dict[str, str]:
    user = await identity.create_user(
        world.db, email=f"{unique('coord')}@table.test", name="Coordination", platform_admin=False
    )
    await identity.assign_network_role(
        world.db, user_id=user["id"], network_id=parties.network["id"], role="COORDINATOR"
    )
    return {"id": str(user["id"]), "email": str(user["email"])}


@pytest.mark.parametrize(
    ("hours", "expected"),
    [
        pytest.param(35, [], id="before-halfway"),
        pytest.param(36, [("ACKNOWLEDGE_REMINDER", 0)], id="halfway"),
        pytest.param(48, [("ACKNOWLEDGE_REMINDER", 1)], id="a-day-before-only-the-latest"),
        pytest.param(
            66, [("ACKNOWLEDGE_REMINDER", 1), ("ESCALATION", None)], id="escalation-6h-before"
        ),
    ],
)
async def test_a_sweep_creates_the_reminders_due_at_its_time_and_only_once(
    db: Database, world: World, parties: Parties, hours: int, expected: list[tuple[str, int]]
) -> None:
    sent = datetime.now(UTC) - timedelta(days=30)  # past, so the real clock never interferes
    await _coordinator(world, parties)
    rid, _ = await send(db, parties, sent)

    await sweep.sweep(db, sent + timedelta(hours=hours))
    first = await notifications_of(db, [rid])
    await sweep.sweep(db, sent + timedelta(hours=hours))

    after = await notifications_of(db, [rid])
    assert _kinds([n for n in after if n["kind"] != "REFERRAL_RECEIVED"]) == expected
    assert len(after) == len(first)


async def test_the_receiver_is_reminded_twice_then_the_coordinators_are_told(
    db: Database,
    world: World,
    mail_settings: Settings,
    smtp: SmtpServer,
    parties: Parties,
    clock: MovableClock,
) -> None:
    coordinator = await _coordinator(world, parties)
    # Sent 71 h ago: each sweep plays an hour of the past, the worker runs at the real time.
    sent = datetime.now(UTC) - timedelta(hours=71)
    rid, reference = await send(db, parties, sent)
    policy = mail_settings.reminder_policy
    for hours in (1, 36, 40, 48, 60, 66, 70):
        await sweep.sweep(db, sent + timedelta(hours=hours), policy)
        await deliver_once(db, mail_settings, clock=clock)

    intake = smtp.inbox.to(parties.receiver["email"])
    subjects = [str(m["Subject"]) for m in intake]
    assert len(intake) == 3  # the intake notice and two reminders
    assert sum("Rappel" in s for s in subjects) == 2
    [escalation] = smtp.inbox.to(coordinator["email"])
    assert parties.receiver["name"] in str(escalation["Subject"])
    for raw in smtp.inbox.raw_to(coordinator["email"]) + smtp.inbox.raw_to(
        parties.receiver["email"]
    ):
        assert reference.encode() not in raw
    states = {n["state"] for n in await notifications_of(db, [rid])}
    assert states == {"DELIVERED"}


async def test_an_acknowledged_referral_is_neither_reminded_nor_escalated(
    db: Database, world: World, parties: Parties
) -> None:
    await _coordinator(world, parties)
    sent = datetime.now(UTC) - timedelta(days=30)
    rid, _ = await send(db, parties, sent)
    await db.write(
        lambda tx: tx.run("MATCH (r:Referral {id: $id}) SET r.status = 'ACKNOWLEDGED'", id=rid)
    )

    await sweep.sweep(db, sent + timedelta(hours=66))

    assert _kinds(await notifications_of(db, [rid])) == [("REFERRAL_RECEIVED", None)]


def test_reminder_times_follow_the_policy() -> None:
    sent = datetime(2026, 1, 1, tzinfo=UTC)
    by = sent + timedelta(hours=72)
    assert ReminderPolicy(halfway=False, hours_before=12).reminder_times(sent, by) == [
        by - timedelta(hours=12)
    ]
    # A 24 h delay: "24 h before" is the sending itself, so only the halfway reminder remains.
    assert ReminderPolicy().reminder_times(sent, sent + timedelta(hours=24)) == [
        sent + timedelta(hours=12)
    ]

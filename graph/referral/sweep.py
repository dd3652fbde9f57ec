"""The sweep: expire unacknowledged referrals, purge family contact after retention, remind.

Reminders before ``acknowledgeBy`` and escalations to coordinators are
notifications the sweep creates (:func:`graph.notify.outbox.create_reminders`),
after the expiries, so an expired referral is never reminded.

Run by ``maillage sweep`` and periodically inside the server. Idempotent: a
second run at the same time finds nothing to do. ``now`` is a parameter so
tests (and replays) control the clock.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from domain.deadlines import expires_at, is_expirable
from domain.lifecycle import ACTIONS, Action, next_status
from domain.notifications import ReminderPolicy
from domain.vocabulary import EventType, ReferralStatus
from graph.db import Database, Tx
from graph.notify.outbox import create_reminders
from graph.referral import conditions as when
from graph.referral.events import record_event

__all__ = ["SweepResult", "sweep"]

# Referrals expired or purged per transaction: small enough that a first sweep over an
# imported history (thousands due at once) commits well within the API's transaction limit.
BATCH = 100


@dataclass(frozen=True)
class SweepResult:
    expired: int
    purged: int
    reminded: int = 0


async def _expire_batch(db: Database, now: datetime) -> int:
    async def work(tx: Tx) -> int:
        rows = await tx.rows(
            f"MATCH (r:Referral) WHERE {when.expirable('r')} RETURN r.id AS id LIMIT $batch",
            now=now,
            batch=BATCH,
            **when.deadline_parameters(),
        )
        done = 0
        for row in rows:
            # Lock, then re-check: an acknowledgement may have won meanwhile.
            await tx.run(
                "MATCH (r:Referral {id: $id}) SET r.lockVersion = coalesce(r.lockVersion, 0) + 1",
                id=row["id"],
            )
            current = await tx.row(
                "MATCH (r:Referral {id: $id}) RETURN r.status AS status, r.acknowledgeBy AS by",
                id=row["id"],
            )
            if current is None:
                continue
            deadline = current["by"].to_native()
            if not is_expirable(current["status"], deadline, now):
                continue
            await record_event(
                tx,
                row["id"],
                ACTIONS[Action.EXPIRE].event,
                next_status(current["status"], Action.EXPIRE),
                at=expires_at(deadline),
                actor_user_id=None,
                actor_org_id=None,
                reason="NOT_ACKNOWLEDGED_IN_TIME",
            )
            done += 1
        return done

    return await db.write(work)


async def _purge_batch(db: Database, now: datetime) -> int:
    async def work(tx: Tx) -> int:
        rows = await tx.rows(
            "MATCH (r:Referral) WHERE r.closedAt IS NOT NULL AND r.contactPurgedAt IS NULL "
            "AND r.closedAt + duration({days: coalesce(r.retentionDays, 90)}) <= $now "
            "AND (r.contactPhone IS NOT NULL OR r.contactEmail IS NOT NULL "
            "     OR r.contactLanguage IS NOT NULL OR r.contactBestTime IS NOT NULL) "
            "RETURN r.id AS id, r.status AS status LIMIT $batch",
            now=now,
            batch=BATCH,
        )
        for row in rows:
            await tx.run(
                "MATCH (r:Referral {id: $id}) "
                "REMOVE r.contactPhone, r.contactEmail, r.contactLanguage, r.contactBestTime "
                "SET r.contactPurgedAt = $now",
                id=row["id"],
                now=now,
            )
            await record_event(
                tx,
                row["id"],
                EventType.CONTACT_PURGED,
                ReferralStatus(row["status"]),
                at=now,
                actor_user_id=None,
                actor_org_id=None,
                reason="RETENTION_DELAY",
            )
        return len(rows)

    return await db.write(work)


async def sweep(
    db: Database, now: datetime, reminders: ReminderPolicy | None = None
) -> SweepResult:
    """Expire every overdue SENT referral, purge every contact past retention, then remind.

    ``reminders`` says when to remind and escalate (the defaults when None);
    ``reminded`` counts the reminder and escalation notifications created.
    """
    expired = purged = 0
    while (n := await _expire_batch(db, now)) > 0:
        expired += n
        if n < BATCH:
            break
    while (n := await _purge_batch(db, now)) > 0:
        purged += n
        if n < BATCH:
            break
    reminded = await create_reminders(db, now, reminders or ReminderPolicy())
    return SweepResult(expired=expired, purged=purged, reminded=reminded)

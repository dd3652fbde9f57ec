"""Property: whatever sequence of actions is tried, a referral's status is its last event's.

Hypothesis draws action sequences (legal or not, with sweeps at random
times); after every step the stored status must equal the status of the
event with the highest ``seq``, earlier events must be untouched, and a
refused action must add no event.
"""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from domain.errors import MaillageError
from domain.lifecycle import Action
from graph.db import Database, open_database
from graph.directory import networks, organizations, services
from graph.directory.organizations import OrganizationInput
from graph.directory.services import ServiceInput
from graph.referral import commands as referrals
from graph.referral import sweep
from server.settings import Settings

STEPS = st.lists(
    st.one_of(
        st.sampled_from([a for a in Action if a is not Action.EXPIRE]),
        st.tuples(st.just("sweep"), st.integers(min_value=0, max_value=200)),
    ),
    min_size=1,
    max_size=8,
)


async def _world(db: Database) -> dict[str, str]:
    net = await networks.create_network(db, name=f"Invariant {uuid.uuid4().hex[:8]}")
    ids = {}
    for role in ("sender", "receiver", "third"):
        org = await organizations.create_organization(
            db,
            OrganizationInput(name=f"{role} {uuid.uuid4().hex[:8]}", kind="COMMUNITY"),
            network_id=net["id"],
        )
        ids[role] = org["id"]
    svc = await services.create_service(
        db, ServiceInput(organization_id=ids["receiver"], name="Accueil", need_codes=["PARENTING"])
    )
    ids["service"] = svc["id"]
    return ids


async def _timeline(db: Database, referral_id: str) -> tuple[str, list[dict[str, Any]]]:
    row = await db.row(
        "MATCH (r:Referral {id: $id})-[:HAS_EVENT]->(e) WITH r, e ORDER BY e.seq "
        "RETURN r.status AS status, collect(e {.id, .seq, .status, .type}) AS events",
        id=referral_id,
    )
    assert row is not None
    return row["status"], list(row["events"])


async def _run(settings_: Settings, ids: dict[str, str], steps: list[Any]) -> None:
    db = open_database(settings_.neo4j_uri, settings_.neo4j_user, settings_.neo4j_password)
    try:
        now = datetime.now(UTC) - timedelta(days=400)
        referral, _ = await referrals.send_referral(
            db,
            referrals.ReferralInput(
                to_organization_id=ids["receiver"],
                need_codes=["PARENTING"],
                family_reference="F-0001",
                idempotency_key=str(uuid.uuid4()),
                consent_given=True,
                consent_method="VERBAL",
                consent_scope="referral",
                service_id=ids["service"],
                contact_phone="514-555-0199",
            ),
            sender_id=ids["sender"],
            actor_user_id=None,
            now=now,
        )
        rid = referral["id"]
        history: list[dict[str, Any]] = []
        for step in steps:
            status, events = await _timeline(db, rid)
            if isinstance(step, tuple):
                now += timedelta(hours=step[1])
                await sweep.sweep(db, now)
            else:
                now += timedelta(hours=1)
                actor = ids["sender"] if step is Action.CANCEL else ids["receiver"]
                try:
                    await referrals.transition(
                        db,
                        rid,
                        step,
                        expected_status=status,
                        actor_user_id=None,
                        actor_org_id=actor,
                        now=now,
                        reason="NO_CAPACITY" if step is Action.DECLINE else "changed plans",
                        comment="note",
                        redirect_to=(ids["third"], None) if step is Action.REDIRECT else None,
                    )
                except MaillageError:
                    after_status, after_events = await _timeline(db, rid)
                    assert after_events == events, "a refused action changed the timeline"
                    assert after_status == status
            status, events = await _timeline(db, rid)
            assert status == events[-1]["status"], (status, events)
            assert events[: len(history)] == history, "an earlier event was rewritten"
            assert [e["seq"] for e in events] == sorted({e["seq"] for e in events})
            history = events
    finally:
        await db.close()


def test_the_status_is_always_the_last_events_status(settings: Settings) -> None:
    async def prepare() -> dict[str, str]:
        db = open_database(settings.neo4j_uri, settings.neo4j_user, settings.neo4j_password)
        try:
            return await _world(db)
        finally:
            await db.close()

    ids = asyncio.run(prepare())

    @settings_for_hypothesis
    @given(steps=STEPS)
    def check(steps: list[Any]) -> None:
        asyncio.run(_run(settings, ids, steps))

    check()


settings_for_hypothesis = hypothesis_settings(
    max_examples=120,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow],
)

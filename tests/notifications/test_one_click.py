"""One-click answers: single-use, expiring links from the intake e-mail to a confirmation page."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from domain.lifecycle import Action
from graph.db import Database
from graph.referral import commands as referrals
from graph.referral import response_links
from server.mailer import deliver_once
from server.settings import Settings
from tests.conftest import MovableClock
from tests.notifications.conftest import (
    FAMILY_PHONE,
    Parties,
    SmtpServer,
    notifications_of,
    send,
    text_parts,
)

LINK = re.compile(r"- (Accuser réception|Accepter|Refuser) : https://maillage\.test(/respond/\S+)")
ACTIONS = {"Accuser réception": "ACKNOWLEDGE", "Accepter": "ACCEPT", "Refuser": "DECLINE"}


@pytest.fixture
async def intake(
    db: Database,
    mail_settings: Settings,
    smtp: SmtpServer,
    parties: Parties,
    clock: MovableClock,
) -> tuple[str, str, dict[str, str]]:
    """Send a referral, deliver its intake notice: (referral id, family reference, links)."""
    rid, reference = await send(db, parties, datetime.now(UTC))
    await deliver_once(db, mail_settings, clock=clock)
    [message] = smtp.inbox.to(parties.receiver["email"])
    found = {ACTIONS[name]: path for name, path in LINK.findall(text_parts(message)["text/plain"])}
    assert set(found) == {"ACKNOWLEDGE", "ACCEPT", "DECLINE"}
    assert all(
        f'href="https://maillage.test{p}"' in text_parts(message)["text/html"]
        for p in found.values()
    )
    return rid, reference, found


async def _events(db: Database, rid: str) -> list[tuple[str, str | None]]:
    rows = await db.rows(
        "MATCH (:Referral {id: $id})-[:HAS_EVENT]->(e) RETURN e.type AS type, e.via AS via "
        "ORDER BY e.seq",
        id=rid,
    )
    return [(row["type"], row["via"]) for row in rows]


async def test_the_receiver_accepts_from_the_email_and_the_link_then_refuses_a_second_use(
    db: Database,
    client: httpx.AsyncClient,
    parties: Parties,
    intake: tuple[str, str, dict[str, str]],
) -> None:
    rid, reference, links = intake

    page = await client.get(links["ACCEPT"])
    assert page.status_code == 200
    assert parties.receiver["name"] in page.text and parties.service["name"] in page.text
    assert "<form" in page.text and "Accepter la référence" in page.text
    for secret in (reference, FAMILY_PHONE, "prive.test", "note privée"):
        assert secret not in page.text

    done = await client.post(links["ACCEPT"])
    assert done.status_code == 200 and "Acceptée" in done.text
    assert await _events(db, rid) == [
        ("SENT", None),
        ("ACKNOWLEDGED", "EMAIL_LINK"),
        ("ACCEPTED", "EMAIL_LINK"),
    ]
    again = await client.post(links["ACCEPT"])
    assert again.status_code == 410 and "déjà servi" in again.text
    other = await client.post(links["DECLINE"], data={"reason": "NO_CAPACITY"})
    assert other.status_code == 410
    assert [e for e, _ in await _events(db, rid)][-1] == "ACCEPTED"
    audit = await db.rows(
        "MATCH (a:AuditEntry {targetId: $id}) WHERE a.operation STARTS WITH 'respondByEmailLink' "
        "RETURN a.operation AS op",
        id=rid,
    )
    assert [row["op"] for row in audit] == ["respondByEmailLink:ACCEPT"]


async def test_a_decline_from_the_email_asks_for_a_reason_and_tells_the_sender(
    db: Database,
    client: httpx.AsyncClient,
    parties: Parties,
    intake: tuple[str, str, dict[str, str]],
) -> None:
    rid, _, links = intake
    page = await client.get(links["DECLINE"])
    assert 'name="reason"' in page.text and "Manque de places" in page.text

    missing = await client.post(links["DECLINE"])
    assert missing.status_code == 400
    done = await client.post(links["DECLINE"], data={"reason": "OUT_OF_TERRITORY"})

    assert done.status_code == 200 and "Refusée" in done.text
    row = await db.row(
        "MATCH (r:Referral {id: $id})-[:HAS_EVENT]->(e {type: 'DECLINED'}) "
        "RETURN r.status AS status, e.reason AS reason, e.via AS via",
        id=rid,
    )
    assert row == {"status": "DECLINED", "reason": "OUT_OF_TERRITORY", "via": "EMAIL_LINK"}
    kinds = {n["kind"] for n in await notifications_of(db, [rid])}
    assert "REFERRAL_DECLINED" in kinds


async def test_a_link_to_a_referral_answered_meanwhile_changes_nothing(
    db: Database,
    client: httpx.AsyncClient,
    parties: Parties,
    intake: tuple[str, str, dict[str, str]],
) -> None:
    rid, _, links = intake
    await referrals.transition(
        db,
        rid,
        Action.ACKNOWLEDGE,
        expected_status="SENT",
        actor_user_id=None,
        actor_org_id=parties.receiver["id"],
        now=datetime.now(UTC),
    )

    answer = await client.post(links["ACKNOWLEDGE"])

    assert answer.status_code == 409 and "Reçue" in answer.text
    assert await _events(db, rid) == [("SENT", None), ("ACKNOWLEDGED", None)]


async def test_unknown_and_expired_links_are_refused_with_a_page_that_says_so(
    db: Database, client: httpx.AsyncClient, parties: Parties
) -> None:
    unknown = await client.get("/respond/not-a-token-we-issued")
    assert unknown.status_code == 404 and "pas valide" in unknown.text

    now = datetime.now(UTC)
    rid, _ = await send(db, parties, now)
    tokens = await response_links.issue_links(
        db,
        referral_id=rid,
        organization_id=parties.receiver["id"],
        notification_id="n-test",
        now=now - timedelta(days=4),
        expires_at=now - timedelta(days=1),
    )
    expired = await client.post(f"/respond/{tokens[Action.ACKNOWLEDGE]}")
    assert expired.status_code == 410 and "expiré" in expired.text
    assert await _events(db, rid) == [("SENT", None)]
    # Only the hash is stored.
    stored = await db.rows("MATCH (l:ResponseLink {referralId: $id}) RETURN l {.*} AS l", id=rid)
    values = {str(v) for row in stored for v in row["l"].values()}
    assert not any(token in values for token in tokens.values())
    assert {row["l"]["hash"] for row in stored} == {
        response_links.hash_link_token(t) for t in tokens.values()
    }

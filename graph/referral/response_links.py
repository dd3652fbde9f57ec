"""One-click answers: single-use, expiring links in the intake e-mail, stored as hashes.

The worker issues the links of a notification when it renders the message
(:func:`issue_links`): one random token per action (acknowledge, accept,
decline), of which only the SHA-256 hash is stored, on a ``ResponseLink``
node that names the referral, the receiving organization, the action and the
expiry. The token is in the e-mail and nowhere else. :func:`find_link` reads
a link by its token; :func:`mark_used` spends the whole set a message carried
once one of them was used, so every link of that message is single-use.
"""

from __future__ import annotations

import hashlib
import secrets
import uuid
from datetime import datetime
from typing import Any

from domain.lifecycle import Action
from graph.db import Database, Tx

__all__ = ["LINK_ACTIONS", "find_link", "hash_link_token", "issue_links", "mark_used"]

#: What a receiving organization may answer from an e-mail, without an account.
LINK_ACTIONS = (Action.ACKNOWLEDGE, Action.ACCEPT, Action.DECLINE)


def hash_link_token(token: str) -> str:
    """The stored form of a link's token."""
    return hashlib.sha256(token.encode()).hexdigest()


async def issue_links(
    db: Database,
    *,
    referral_id: str,
    organization_id: str,
    notification_id: str,
    now: datetime,
    expires_at: datetime,
) -> dict[Action, str]:
    """New tokens, one per action of :data:`LINK_ACTIONS`, for one message; only hashes kept."""
    tokens = {action: secrets.token_urlsafe(32) for action in LINK_ACTIONS}
    group = str(uuid.uuid4())
    rows = [
        {"id": str(uuid.uuid4()), "hash": hash_link_token(token), "action": action.value}
        for action, token in tokens.items()
    ]

    async def work(tx: Tx) -> None:
        await tx.run(
            "UNWIND $rows AS row CREATE (l:ResponseLink {id: row.id, hash: row.hash, "
            "action: row.action, referralId: $rid, organizationId: $org, "
            "notificationId: $nid, groupId: $group, createdAt: $now, expiresAt: $expires})",
            rows=rows,
            rid=referral_id,
            org=organization_id,
            nid=notification_id,
            group=group,
            now=now,
            expires=expires_at,
        )

    await db.write(work)
    return tokens


async def find_link(db: Database, token: str) -> dict[str, Any] | None:
    """The link a token opens, with the referral's non-personal facts; None if unknown."""
    return await db.row(
        "MATCH (l:ResponseLink {hash: $hash}) "
        "OPTIONAL MATCH (s:Organization)-[:SENT]->(r:Referral {id: l.referralId})"
        "-[:TO]->(t:Organization) "
        "OPTIONAL MATCH (r)-[:FOR_SERVICE]->(svc:Service) "
        "RETURN l.id AS id, l.action AS action, l.referralId AS referralId, "
        "l.organizationId AS organizationId, l.groupId AS groupId, l.expiresAt AS expiresAt, "
        "l.usedAt AS usedAt, r.status AS status, r.urgency AS urgency, "
        "r.needCodes AS needCodes, r.acknowledgeBy AS acknowledgeBy, t.id AS receiverId, "
        "s.name AS senderName, t.name AS receiverName, svc.name AS serviceName, "
        "coalesce(t.languages, ['fr']) AS languages, "
        "COLLECT { MATCH (n:Network) WHERE n.id IN r.networkIds RETURN n.name "
        "ORDER BY n.name } AS networkNames",
        hash=hash_link_token(token),
    )


async def mark_used(db: Database, group_id: str, now: datetime) -> None:
    """Spend every link of the message the used one came in."""

    async def work(tx: Tx) -> None:
        await tx.run(
            "MATCH (l:ResponseLink {groupId: $group}) WHERE l.usedAt IS NULL SET l.usedAt = $now",
            group=group_id,
            now=now,
        )

    await db.write(work)

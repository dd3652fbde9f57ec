"""Users, their roles, and opaque API tokens (only a hash is stored).

A token is ``mlg_`` followed by 43 URL-safe random characters (256 bits). It
is shown once, at creation; the graph keeps its SHA-256, which is enough for
a secret of that entropy (no salt or slow hash needed, unlike a password).
"""

from __future__ import annotations

import hashlib
import secrets
import uuid
from dataclasses import dataclass, field
from typing import Any

from domain.errors import BadUserInput, Conflict, NotFound
from domain.vocabulary import OrgRole
from graph.db import Database, Tx
from graph.validation import check_email, check_enum, check_id, check_text, optional_text

__all__ = [
    "Principal",
    "assign_network_role",
    "assign_organization_role",
    "create_token",
    "create_user",
    "hash_token",
    "principal_for_token",
    "principal_for_token_id",
    "revoke_token",
    "touch_token",
]

TOKEN_PREFIX = "mlg_"
NETWORK_ROLES = {"COORDINATOR": "COORDINATES", "RESEARCHER": "STUDIES"}


@dataclass(frozen=True)
class Principal:
    """Who is calling, and every role they hold (read once per request)."""

    user_id: str
    name: str
    token_id: str | None = None
    platform_admin: bool = False
    org_roles: dict[str, str] = field(default_factory=dict)
    coordinates: frozenset[str] = frozenset()
    studies: frozenset[str] = frozenset()
    member_networks: frozenset[str] = frozenset()

    @property
    def roles(self) -> list[str]:
        roles = set(self.org_roles.values())
        if self.coordinates:
            roles.add("COORDINATOR")
        if self.studies:
            roles.add("RESEARCHER")
        if self.platform_admin:
            roles.add("PLATFORM_ADMIN")
        return sorted(roles)


SYSTEM = Principal(user_id="system", name="Maillage", platform_admin=True)


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def new_token() -> str:
    return TOKEN_PREFIX + secrets.token_urlsafe(32)


async def create_user(
    db: Database, *, email: str, name: str, platform_admin: bool = False
) -> dict[str, Any]:
    email_ok = check_email(email, "email")
    if email_ok is None:
        raise BadUserInput("email is required.", field="email")
    name_ok = check_text(name, "name", max_length=120)

    async def work(tx: Tx) -> dict[str, Any]:
        if await tx.row("MATCH (u:User {email: $email}) RETURN u.id AS id", email=email_ok.lower()):
            raise Conflict(f"A user with email {email_ok} already exists.", field="email")
        row = await tx.row(
            "CREATE (u:User {id: $id, email: $email, name: $name, platformAdmin: $admin, "
            "createdAt: datetime()}) RETURN u {.*} AS user",
            id=str(uuid.uuid4()),
            email=email_ok.lower(),
            name=name_ok,
            admin=platform_admin,
        )
        assert row is not None
        return dict(row["user"])

    return await db.write(work)


async def assign_organization_role(
    db: Database, *, user_id: str, organization_id: str, role: str
) -> None:
    """Make the user staff or admin of the organization (replacing a former role)."""
    role_ok = check_enum(role, OrgRole, "role")
    uid, oid = check_id(user_id, "userId"), check_id(organization_id, "organizationId")

    async def work(tx: Tx) -> None:
        row = await tx.row(
            "OPTIONAL MATCH (u:User {id: $uid}) OPTIONAL MATCH (o:Organization {id: $oid}) "
            "RETURN u IS NOT NULL AS user, o IS NOT NULL AS org",
            uid=uid,
            oid=oid,
        )
        assert row is not None
        if not row["user"]:
            raise NotFound(f"No user with id {uid}.", field="userId")
        if not row["org"]:
            raise NotFound(f"No organization with id {oid}.", field="organizationId")
        await tx.run(
            "MATCH (u:User {id: $uid}), (o:Organization {id: $oid}) "
            "MERGE (u)-[w:WORKS_AT]->(o) SET w.role = $role, w.since = coalesce(w.since, date())",
            uid=uid,
            oid=oid,
            role=role_ok.value,
        )

    await db.write(work)


async def assign_network_role(db: Database, *, user_id: str, network_id: str, role: str) -> None:
    """Make the user COORDINATOR or RESEARCHER of a network."""
    rel = NETWORK_ROLES.get(str(role).upper())
    if rel is None:
        raise BadUserInput(f"role {role!r} is not one of COORDINATOR, RESEARCHER.", field="role")
    uid, nid = check_id(user_id, "userId"), check_id(network_id, "networkId")

    async def work(tx: Tx) -> None:
        row = await tx.row(
            "OPTIONAL MATCH (u:User {id: $uid}) OPTIONAL MATCH (n:Network {id: $nid}) "
            "RETURN u IS NOT NULL AS user, n IS NOT NULL AS net",
            uid=uid,
            nid=nid,
        )
        assert row is not None
        if not row["user"]:
            raise NotFound(f"No user with id {uid}.", field="userId")
        if not row["net"]:
            raise NotFound(f"No network with id {nid}.", field="networkId")
        # The relationship type comes from a fixed table above, never from input.
        await tx.run(
            f"MATCH (u:User {{id: $uid}}), (n:Network {{id: $nid}}) MERGE (u)-[:{rel}]->(n)",
            uid=uid,
            nid=nid,
        )

    await db.write(work)


async def create_token(
    db: Database, *, user_id: str, label: str | None = None
) -> tuple[str, dict[str, Any]]:
    """Create a token for the user; return the secret (shown once) and its record."""
    uid = check_id(user_id, "userId")
    label_ok = optional_text(label, "label", max_length=100)
    secret = new_token()

    async def work(tx: Tx) -> dict[str, Any]:
        row = await tx.row(
            "MATCH (u:User {id: $uid}) "
            "CREATE (u)-[:HAS_TOKEN]->(t:ApiToken {id: $id, hash: $hash, label: $label, "
            "prefix: $prefix, createdAt: datetime()}) "
            "RETURN t {.id, .label, .prefix, .createdAt, userId: u.id} AS token",
            uid=uid,
            id=str(uuid.uuid4()),
            hash=hash_token(secret),
            label=label_ok,
            prefix=secret[:8],
        )
        if row is None:
            raise NotFound(f"No user with id {uid}.", field="userId")
        return dict(row["token"])

    return secret, await db.write(work)


async def token_owner(db: Database, token_id: str) -> str | None:
    row = await db.row(
        "MATCH (u:User)-[:HAS_TOKEN]->(t:ApiToken {id: $id}) RETURN u.id AS uid",
        id=check_id(token_id, "id"),
    )
    return None if row is None else str(row["uid"])


async def revoke_token(db: Database, token_id: str) -> dict[str, Any]:
    tid = check_id(token_id, "id")

    async def work(tx: Tx) -> dict[str, Any]:
        row = await tx.row(
            "MATCH (u:User)-[:HAS_TOKEN]->(t:ApiToken {id: $id}) "
            "SET t.revokedAt = coalesce(t.revokedAt, datetime()) "
            "RETURN t {.id, .label, .prefix, .createdAt, .revokedAt, .lastUsedAt, userId: u.id} "
            "AS token",
            id=tid,
        )
        if row is None:
            raise NotFound(f"No API token with id {tid}.", field="id")
        return dict(row["token"])

    return await db.write(work)


# Who a token stands for; {match} picks the token (by its hash or by its id), never a value.
_PRINCIPAL = (
    "MATCH (u:User)-[:HAS_TOKEN]->(t:ApiToken {{{match}}}) "
    "WHERE t.revokedAt IS NULL "
    "OPTIONAL MATCH (u)-[w:WORKS_AT]->(o:Organization) "
    "WITH u, t, collect(CASE WHEN o IS NULL THEN NULL ELSE [o.id, w.role] END) AS roles "
    "RETURN u.id AS uid, u.name AS name, coalesce(u.platformAdmin, false) AS admin, "
    "t.id AS tid, roles, "
    "[(u)-[:COORDINATES]->(n:Network) | n.id] AS coordinates, "
    "[(u)-[:STUDIES]->(n:Network) | n.id] AS studies, "
    "COLLECT {{ MATCH (u)-[:WORKS_AT]->(:Organization)-[m:MEMBER_OF]->(n:Network) "
    "          WHERE m.until IS NULL OR m.until >= date() RETURN DISTINCT n.id }} "
    "AS networks"
)
_PRINCIPAL_BY_HASH = _PRINCIPAL.format(match="hash: $key")
_PRINCIPAL_BY_TOKEN_ID = _PRINCIPAL.format(match="id: $key")


async def principal_for_token(db: Database, secret: str) -> Principal | None:
    """The principal a bearer token stands for, or None if unknown or revoked."""
    if not secret.startswith(TOKEN_PREFIX) or len(secret) > 100:
        return None
    return _principal(await db.row(_PRINCIPAL_BY_HASH, key=hash_token(secret)))


async def principal_for_token_id(db: Database, token_id: str) -> Principal | None:
    """The principal of the token with this id as it is now, or None once it is revoked.

    Long-lived connections (subscriptions) re-check their caller with it.
    """
    return _principal(await db.row(_PRINCIPAL_BY_TOKEN_ID, key=token_id))


def _principal(row: dict[str, Any] | None) -> Principal | None:
    if row is None:
        return None
    return Principal(
        user_id=row["uid"],
        name=row["name"],
        token_id=row["tid"],
        platform_admin=bool(row["admin"]),
        org_roles={org: role for org, role in row["roles"]},
        coordinates=frozenset(row["coordinates"]),
        studies=frozenset(row["studies"]),
        member_networks=frozenset(row["networks"]),
    )


async def touch_token(db: Database, token_id: str) -> None:
    """Record the token's last use (callers throttle this; it is a write)."""
    await db.write(
        lambda tx: tx.run("MATCH (t:ApiToken {id: $id}) SET t.lastUsedAt = datetime()", id=token_id)
    )


async def user_tokens(db: Database, user_id: str) -> list[dict[str, Any]]:
    return await db.rows(
        "MATCH (u:User {id: $uid})-[:HAS_TOKEN]->(t:ApiToken) "
        "RETURN t {.id, .label, .prefix, .createdAt, .revokedAt, .lastUsedAt, userId: u.id} "
        "AS token ORDER BY t.createdAt",
        uid=user_id,
    )


async def user_by_email(db: Database, email: str) -> dict[str, Any] | None:
    row = await db.row("MATCH (u:User {email: $email}) RETURN u {.*} AS user", email=email.lower())
    return None if row is None else dict(row["user"])

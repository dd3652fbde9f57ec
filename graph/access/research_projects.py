"""Research projects: the secret key each researcher's pseudonyms are derived from.

A ``(:User)-[:RUNS]->(:ResearchProject {id, userId, key, createdAt})`` node
is created the first time a researcher reads analytics; a uniqueness
constraint on ``userId`` makes that creation safe when two first reads race
(two keys would give the researcher two sets of pseudonyms). The key (32 random
bytes, hex) never leaves the server: it is not a GraphQL field and no export
writes it (:mod:`analytics.disclosure`).
"""

from __future__ import annotations

import secrets
import uuid

from graph.db import Database, Tx
from graph.validation import check_id

__all__ = ["research_project_key"]


async def research_project_key(db: Database, user_id: str) -> tuple[str, bytes]:
    """The id and key of the user's research project, created on first use."""
    uid = check_id(user_id, "userId")

    async def work(tx: Tx) -> tuple[str, bytes]:
        row = await tx.row(
            "MATCH (u:User {id: $uid}) "
            "MERGE (p:ResearchProject {userId: $uid}) "
            "ON CREATE SET p.id = $id, p.key = $key, p.createdAt = datetime() "
            "MERGE (u)-[:RUNS]->(p) "
            "RETURN p.id AS id, p.key AS key",
            uid=uid,
            id=str(uuid.uuid4()),
            key=secrets.token_hex(32),
        )
        if row is None:
            raise LookupError(f"no user with id {uid}")
        return str(row["id"]), bytes.fromhex(str(row["key"]))

    return await db.write(work)

"""Versioned, idempotent schema migrations, recorded in the graph itself.

Each migration is a version number, a name and a list of statements. Applying
is safe to repeat: constraints and indexes use ``IF NOT EXISTS`` and data
statements ``MERGE``. Applied versions are ``(:SchemaMigration)`` nodes.
"""

from __future__ import annotations

from dataclasses import dataclass

from domain.vocabulary import NEEDS
from graph.db import Database

__all__ = ["MIGRATIONS", "Migration", "applied_versions", "migrate", "pending"]

LABELS_WITH_ID = (
    "Network",
    "Organization",
    "Service",
    "Need",
    "Territory",
    "Place",
    "Family",
    "Referral",
    "ReferralEvent",
    "User",
    "ApiToken",
    "AuditEntry",
)


@dataclass(frozen=True)
class Migration:
    version: int
    name: str
    statements: tuple[str, ...]


def _unique_ids() -> tuple[str, ...]:
    return tuple(
        f"CREATE CONSTRAINT {label.lower()}_id IF NOT EXISTS FOR (n:{label}) REQUIRE n.id IS UNIQUE"
        for label in LABELS_WITH_ID
    )


MIGRATIONS: tuple[Migration, ...] = (
    Migration(1, "unique ids for every label", _unique_ids()),
    Migration(
        2,
        "lookups the API does",
        (
            "CREATE CONSTRAINT need_code IF NOT EXISTS FOR (n:Need) REQUIRE n.code IS UNIQUE",
            "CREATE CONSTRAINT territory_code IF NOT EXISTS "
            "FOR (t:Territory) REQUIRE t.code IS UNIQUE",
            "CREATE CONSTRAINT token_hash IF NOT EXISTS FOR (t:ApiToken) REQUIRE t.hash IS UNIQUE",
            "CREATE CONSTRAINT user_email IF NOT EXISTS FOR (u:User) REQUIRE u.email IS UNIQUE",
            "CREATE CONSTRAINT migration_version IF NOT EXISTS "
            "FOR (m:SchemaMigration) REQUIRE m.version IS UNIQUE",
            "CREATE INDEX organization_name IF NOT EXISTS FOR (o:Organization) ON (o.name)",
            "CREATE INDEX organization_kind IF NOT EXISTS FOR (o:Organization) ON (o.kind)",
            "CREATE INDEX organization_hsds IF NOT EXISTS FOR (o:Organization) ON (o.hsdsId)",
            "CREATE INDEX service_availability IF NOT EXISTS FOR (s:Service) ON (s.availability)",
            "CREATE INDEX service_hsds IF NOT EXISTS FOR (s:Service) ON (s.hsdsId)",
            "CREATE INDEX place_kind IF NOT EXISTS FOR (p:Place) ON (p.kind)",
        ),
    ),
    Migration(
        3,
        "need taxonomy",
        (
            "UNWIND $needs AS need "
            "MERGE (n:Need {code: need.code}) "
            "ON CREATE SET n.id = randomUUID(), n.createdAt = datetime() "
            "SET n.labelFr = need.fr, n.labelEn = need.en",
        ),
    ),
    Migration(
        4,
        "referral lookups",
        (
            "CREATE CONSTRAINT referral_idempotency IF NOT EXISTS "
            "FOR (r:Referral) REQUIRE r.idempotencyScope IS UNIQUE",
            "CREATE INDEX referral_status IF NOT EXISTS FOR (r:Referral) ON (r.status)",
            "CREATE INDEX referral_sent_at IF NOT EXISTS FOR (r:Referral) ON (r.sentAt)",
            "CREATE INDEX referral_ack_by IF NOT EXISTS FOR (r:Referral) ON (r.acknowledgeBy)",
            "CREATE INDEX referral_event_seq IF NOT EXISTS FOR (e:ReferralEvent) ON (e.seq)",
            "CREATE INDEX referral_event_at IF NOT EXISTS FOR (e:ReferralEvent) ON (e.at)",
            "CREATE INDEX audit_at IF NOT EXISTS FOR (a:AuditEntry) ON (a.at)",
            "CREATE INDEX audit_org IF NOT EXISTS FOR (a:AuditEntry) ON (a.organizationId)",
            "CREATE INDEX referral_closed_at IF NOT EXISTS FOR (r:Referral) ON (r.closedAt)",
        ),
    ),
    Migration(
        5,
        "referral event counter (the subscription cursor)",
        (
            "CREATE CONSTRAINT event_counter_name IF NOT EXISTS "
            "FOR (c:EventCounter) REQUIRE c.name IS UNIQUE",
            "MERGE (c:EventCounter {name: 'referralEvents'}) ON CREATE SET c.value = 0",
        ),
    ),
    Migration(
        6,
        "notification outbox",
        (
            "CREATE CONSTRAINT notification_id IF NOT EXISTS "
            "FOR (n:Notification) REQUIRE n.id IS UNIQUE",
            "CREATE CONSTRAINT notification_key IF NOT EXISTS "
            "FOR (n:Notification) REQUIRE n.key IS UNIQUE",
            "CREATE INDEX notification_due IF NOT EXISTS "
            "FOR (n:Notification) ON (n.state, n.nextAttemptAt)",
            "CREATE INDEX notification_referral IF NOT EXISTS "
            "FOR (n:Notification) ON (n.referralId)",
        ),
    ),
    Migration(
        7,
        "one-click answer links",
        (
            "CREATE CONSTRAINT response_link_id IF NOT EXISTS "
            "FOR (l:ResponseLink) REQUIRE l.id IS UNIQUE",
            "CREATE CONSTRAINT response_link_hash IF NOT EXISTS "
            "FOR (l:ResponseLink) REQUIRE l.hash IS UNIQUE",
            "CREATE INDEX response_link_group IF NOT EXISTS FOR (l:ResponseLink) ON (l.groupId)",
        ),
    ),
    Migration(
        8,
        "web app sessions",
        (
            "CREATE CONSTRAINT session_key IF NOT EXISTS "
            "FOR (s:WebSession) REQUIRE s.keyHash IS UNIQUE",
        ),
    ),
    Migration(
        9,
        "one research project per researcher",
        (
            # Keep each researcher's first project (the pseudonyms they have seen), then key
            # projects by their user so that two first reads cannot create two.
            "MATCH (u:User)-[:RUNS]->(p:ResearchProject) WITH u, p ORDER BY p.createdAt "
            "WITH u, collect(p) AS projects "
            "FOREACH (extra IN tail(projects) | DETACH DELETE extra) "
            "WITH u, head(projects) AS kept SET kept.userId = u.id",
            "CREATE CONSTRAINT research_project_user IF NOT EXISTS "
            "FOR (p:ResearchProject) REQUIRE p.userId IS UNIQUE",
        ),
    ),
    Migration(
        10,
        "an event feed per organization instead of one global counter",
        (
            "CREATE CONSTRAINT event_feed_organization IF NOT EXISTS "
            "FOR (f:EventFeed) REQUIRE f.organizationId IS UNIQUE",
            "CREATE INDEX referral_event_sender_feed IF NOT EXISTS "
            "FOR (e:ReferralEvent) ON (e.senderOrganizationId, e.senderPosition)",
            "CREATE INDEX referral_event_receiver_feed IF NOT EXISTS "
            "FOR (e:ReferralEvent) ON (e.receiverOrganizationId, e.receiverPosition)",
            # Existing events: their parties, then each organization's feed in time order.
            "MATCH (s:Organization)-[:SENT]->(r:Referral)-[:TO]->(t:Organization) "
            "CALL (s, r, t) { MATCH (r)-[:HAS_EVENT]->(e:ReferralEvent) "
            "  SET e.senderOrganizationId = s.id, e.receiverOrganizationId = t.id } "
            "IN TRANSACTIONS OF 1000 ROWS",
            "MATCH (o:Organization) "
            "CALL (o) { MATCH (e:ReferralEvent) "
            "  WHERE e.senderOrganizationId = o.id OR e.receiverOrganizationId = o.id "
            "  WITH e ORDER BY e.at, e.seq, e.id WITH collect(e) AS events "
            "  UNWIND range(1, size(events)) AS position WITH events[position - 1] AS e, position "
            "  SET e.senderPosition = CASE WHEN e.senderOrganizationId = o.id "
            "    THEN position ELSE e.senderPosition END, "
            "  e.receiverPosition = CASE WHEN e.receiverOrganizationId = o.id "
            "    THEN position ELSE e.receiverPosition END "
            "  RETURN count(*) AS last } "
            "MERGE (f:EventFeed {organizationId: o.id}) SET f.value = last",
            # ``seq`` becomes the rank in the referral's timeline (the order is kept).
            "MATCH (r:Referral) WHERE EXISTS { (r)-[:HAS_EVENT]->(:ReferralEvent) } "
            "CALL (r) { MATCH (r)-[:HAS_EVENT]->(e:ReferralEvent) WITH e ORDER BY e.seq "
            "  WITH collect(e) AS events UNWIND range(1, size(events)) AS seq "
            "  WITH events[seq - 1] AS e, seq SET e.seq = seq "
            "  WITH max(seq) AS last SET r.lastEventSeq = last } "
            "IN TRANSACTIONS OF 1000 ROWS",
            "MATCH (c:EventCounter) DELETE c",
            "DROP CONSTRAINT event_counter_name IF EXISTS",
            "DROP INDEX referral_event_seq IF EXISTS",
        ),
    ),
)


def _params_for(statement: str) -> dict[str, object]:
    if "$needs" in statement:
        return {"needs": [{"code": c, "fr": fr, "en": en} for c, (fr, en) in NEEDS.items()]}
    return {}


async def applied_versions(db: Database) -> set[int]:
    rows = await db.rows("MATCH (m:SchemaMigration) RETURN m.version AS version")
    return {int(row["version"]) for row in rows}


async def pending(db: Database) -> list[Migration]:
    """Migrations not yet recorded in the graph, oldest first."""
    done = await applied_versions(db)
    return [m for m in MIGRATIONS if m.version not in done]


async def migrate(db: Database) -> list[Migration]:
    """Apply every pending migration; return those applied.

    Schema statements cannot share a transaction with data writes in Neo4j,
    so each statement runs on its own; all are idempotent, so a crash halfway
    is repaired by running ``migrate`` again. The taxonomy migration is also
    re-run every time so new need codes reach existing databases.
    """
    todo = await pending(db)
    for migration in todo:
        for statement in migration.statements:
            await db.execute(statement, _params_for(statement))
        await db.execute(
            "MERGE (m:SchemaMigration {version: $version}) "
            "ON CREATE SET m.name = $name, m.appliedAt = datetime()",
            {"version": migration.version, "name": migration.name},
        )
    if not any(m.version == 3 for m in todo):
        taxonomy = MIGRATIONS[2].statements[0]
        await db.execute(taxonomy, _params_for(taxonomy))
    return todo

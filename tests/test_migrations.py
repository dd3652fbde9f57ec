"""Schema migrations: versioned in the graph, idempotent, and what they leave behind."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from domain.lifecycle import Action
from graph import migrations
from graph.db import Database
from graph.referral import commands as referrals
from tests.conftest import World, referral_through_graph

# DESIGN.md §3: every node has a stable id with a unique constraint.
LABELS_WITH_ID = [
    "ApiToken",
    "AuditEntry",
    "Family",
    "Need",
    "Network",
    "Organization",
    "Place",
    "Referral",
    "ReferralEvent",
    "Service",
    "Territory",
    "User",
]


async def test_migrating_twice_applies_nothing_the_second_time(db: Database) -> None:
    await migrations.migrate(db)  # whatever was pending is applied now
    before = db.queries
    assert await migrations.migrate(db) == []
    # Reading the applied versions, then refreshing the need taxonomy: two statements.
    assert db.queries - before == 2
    assert await migrations.pending(db) == []


async def test_every_migration_is_recorded_once_with_its_version_and_name(db: Database) -> None:
    rows = await db.rows(
        "MATCH (m:SchemaMigration) RETURN m.version AS version, m.name AS name, "
        "m.appliedAt IS NOT NULL AS dated ORDER BY m.version"
    )
    assert [(r["version"], r["name"], r["dated"]) for r in rows] == [
        (m.version, m.name, True) for m in migrations.MIGRATIONS
    ]
    versions = [m.version for m in migrations.MIGRATIONS]
    assert versions == sorted(set(versions))  # versions are unique and in order


async def test_every_label_has_a_unique_id_constraint(db: Database) -> None:
    rows = await db.rows(
        "SHOW CONSTRAINTS YIELD labelsOrTypes, properties, type "
        "WHERE type = 'UNIQUENESS' AND properties = ['id'] RETURN labelsOrTypes"
    )
    constrained = {label for row in rows for label in row["labelsOrTypes"]}
    assert set(LABELS_WITH_ID) <= constrained


async def test_lookups_by_code_email_and_token_hash_are_unique(db: Database) -> None:
    rows = await db.rows(
        "SHOW CONSTRAINTS YIELD labelsOrTypes, properties, type "
        "WHERE type = 'UNIQUENESS' RETURN labelsOrTypes[0] AS label, properties[0] AS property"
    )
    found = {(row["label"], row["property"]) for row in rows}
    assert {
        ("Need", "code"),
        ("Territory", "code"),
        ("User", "email"),
        ("ApiToken", "hash"),
        ("SchemaMigration", "version"),
    } <= found


async def test_hsds_ids_are_indexed_for_imports(db: Database) -> None:
    rows = await db.rows(
        "SHOW INDEXES YIELD labelsOrTypes, properties, state "
        "RETURN labelsOrTypes[0] AS label, properties, state"
    )
    indexes = {(row["label"], tuple(row["properties"] or ())): row["state"] for row in rows}
    assert indexes[("Organization", ("hsdsId",))] == "ONLINE"
    assert indexes[("Service", ("hsdsId",))] == "ONLINE"


async def test_the_need_taxonomy_is_seeded_with_french_and_english_labels(db: Database) -> None:
    rows = await db.rows(
        "MATCH (n:Need) RETURN n.code AS code, n.labelFr AS fr, n.labelEn AS en, "
        "n.id IS NOT NULL AS identified"
    )
    needs = {row["code"]: (row["fr"], row["en"], row["identified"]) for row in rows}
    assert needs["HOUSING"] == ("Logement", "Housing", True)
    assert needs["FOOD_SECURITY"] == ("Sécurité alimentaire", "Food security", True)
    assert needs["IMMIGRATION_FRANCISATION"] == (
        "Immigration et francisation",
        "Immigration and French classes",
        True,
    )
    assert len(needs) == 14  # DESIGN.md §3's twelve, plus EDUCATION and CHILDCARE


async def test_migrating_again_keeps_the_need_ids(db: Database) -> None:
    before = await db.rows("MATCH (n:Need) RETURN n.code AS code, n.id AS id ORDER BY code")
    await migrations.migrate(db)
    assert await db.rows("MATCH (n:Need) RETURN n.code AS code, n.id AS id ORDER BY code") == before


async def test_event_feeds_are_built_from_a_database_numbered_by_the_old_global_counter(
    world: World, db: Database
) -> None:
    # Three referrals between A, B and C, put back as version 9 left them: one global
    # seq (here 1001, 1002, …, interleaved across referrals), no parties, no feeds.
    network = await world.network()
    a, b, c = [await world.organization(network) for _ in range(3)]
    ab = await referral_through_graph(db, a["id"], b["id"], [Action.ACKNOWLEDGE, Action.ACCEPT])
    cb = await referral_through_graph(db, c["id"], b["id"], [Action.ACKNOWLEDGE])
    ba = await referral_through_graph(db, b["id"], a["id"], [])
    old_order = [(ab, 0), (cb, 0), (ab, 1), (ba, 0), (cb, 1), (ab, 2)]  # global order of 6
    timelines = {
        row["rid"]: row["ids"]
        for row in await db.rows(
            "MATCH (r:Referral)-[:HAS_EVENT]->(e) WHERE r.id IN $ids WITH r, e ORDER BY e.seq "
            "RETURN r.id AS rid, collect(e.id) AS ids",
            ids=[ab, cb, ba],
        )
    }
    start = datetime(2024, 3, 1, tzinfo=UTC)
    for global_seq, (rid, rank) in enumerate(old_order, start=1001):
        await db.execute(
            "MATCH (r:Referral {id: $rid})-[:HAS_EVENT]->(e {id: $eid}) "
            "SET e.seq = $seq, e.at = $at, r.lastEventSeq = $seq "
            "REMOVE e.senderOrganizationId, e.senderPosition, "
            "e.receiverOrganizationId, e.receiverPosition",
            {
                "rid": rid,
                "eid": timelines[rid][rank],
                "seq": global_seq,
                "at": start + timedelta(hours=global_seq),
            },
        )
    await db.execute(
        "MATCH (f:EventFeed) WHERE f.organizationId IN $orgs DELETE f",
        {"orgs": [a["id"], b["id"], c["id"]]},
    )
    await db.execute("MERGE (:EventCounter {name: 'referralEvents'})")

    (version_10,) = [m for m in migrations.MIGRATIONS if m.version == 10]
    for statement in version_10.statements:
        await db.execute(statement)

    async def feed(org: str) -> list[tuple[str, int, int]]:
        rows = await db.rows(
            "MATCH (r:Referral)-[:HAS_EVENT]->(e) WHERE r.id IN $ids "
            "AND $org IN [e.senderOrganizationId, e.receiverOrganizationId] "
            "RETURN r.id AS rid, e.seq AS seq, CASE WHEN e.senderOrganizationId = $org "
            "THEN e.senderPosition ELSE e.receiverPosition END AS position ORDER BY position",
            ids=[ab, cb, ba],
            org=org,
        )
        return [(row["rid"], row["seq"], row["position"]) for row in rows]

    # By hand from old_order: each referral's timeline is 1, 2, …; each party's feed
    # follows the old global order, from 1.
    assert await feed(a["id"]) == [(ab, 1, 1), (ab, 2, 2), (ba, 1, 3), (ab, 3, 4)]
    assert await feed(b["id"]) == [
        (ab, 1, 1), (cb, 1, 2), (ab, 2, 3), (ba, 1, 4), (cb, 2, 5), (ab, 3, 6),
    ]  # fmt: skip
    assert await feed(c["id"]) == [(cb, 1, 1), (cb, 2, 2)]
    counters = await db.rows(
        "MATCH (f:EventFeed) WHERE f.organizationId IN $orgs "
        "RETURN f.organizationId AS org, f.value AS value",
        orgs=[a["id"], b["id"], c["id"]],
    )
    assert {row["org"]: row["value"] for row in counters} == {a["id"]: 4, b["id"]: 6, c["id"]: 2}
    assert await db.rows("MATCH (c:EventCounter) RETURN c") == []
    # The next event continues both numberings.
    await referrals.transition(
        db, ba, Action.ACKNOWLEDGE, expected_status="SENT", actor_user_id=None,
        actor_org_id=a["id"], now=datetime.now(UTC),
    )  # fmt: skip
    assert (await feed(a["id"]))[-1] == (ba, 2, 5)
    assert (await feed(b["id"]))[-1] == (ba, 2, 7)

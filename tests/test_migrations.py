"""Schema migrations: versioned in the graph, idempotent, and what they leave behind."""

from __future__ import annotations

from graph import migrations
from graph.db import Database

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

"""The demo: the simulated "demo" network (seed 7, with its planted events) and demo accounts.

Loading runs the simulator (half a second) into a temporary directory and
imports it with graph/importer.py, once: a second load finds the dataset's
last event already in the graph and changes nothing. The accounts sit on
organizations of that dataset, chosen by a rule (see :data:`DEMO_USERS`),
and are created once; running again only makes sure their roles are there.
"""

from __future__ import annotations

import json
import tempfile
from collections import deque
from pathlib import Path
from typing import Any

import simulator
from graph import identity
from graph.db import Database
from graph.importer import Progress, import_dataset

__all__ = [
    "DEMO_NETWORK_ID",
    "DEMO_PRESET",
    "DEMO_SEED",
    "DEMO_USERS",
    "ensure_demo_users",
    "load_demo_directory",
]

DEMO_PRESET, DEMO_SEED = "demo", 7

# The first network of the demo preset with seed 7 (networks.jsonl, line 1).
DEMO_NETWORK_ID = "c15eb465-f219-4da0-aa9b-e6963179c043"
DEMO_NETWORK_NAME = "Table de concertation petite enfance-famille du secteur Nord"
# The COMMUNITY member of that network that sends the most referrals, and the member it
# refers to most (the housing co-op of the planted capacity shock). tests/test_dataset_cli.py
# checks this rule against the simulation, so a change of the simulator is caught.
DEMO_SENDER = "Maison de quartier de Mont-Bellevue"
DEMO_RECEIVER = "Coopérative d'habitation La Maisonnée"

# key -> (email, name, organization or None, role)
DEMO_USERS: dict[str, tuple[str, str, str | None, str]] = {
    "admin": ("admin@maillage.demo", "Admin plateforme", None, "PLATFORM_ADMIN"),
    "staff": ("intervenante@maillage.demo", "Intervenante de proximité", DEMO_SENDER, "ORG_STAFF"),
    "orgadmin": (
        "direction@maillage.demo",
        "Direction de la Maison de quartier",
        DEMO_SENDER,
        "ORG_ADMIN",
    ),
    "receiver": (
        "accueil-cooperative@maillage.demo",
        "Accueil de la coopérative",
        DEMO_RECEIVER,
        "ORG_STAFF",
    ),
    "coordinator": ("coordination@maillage.demo", "Coordination de la table", None, "COORDINATOR"),
    "researcher": ("recherche@maillage.demo", "Équipe de recherche", None, "RESEARCHER"),
}


async def load_demo_directory(db: Database, *, progress: Progress | None = None) -> bool:
    """Import the demo network unless it is complete already. Returns True when it loaded.

    The database must be migrated. An interrupted load is finished by the next one.
    """
    with tempfile.TemporaryDirectory(prefix="maillage-demo-") as tmp:
        directory = simulator.run(DEMO_PRESET, DEMO_SEED, Path(tmp))
        if await _complete(db, directory):
            return False
        report = await import_dataset(db, directory, progress=progress)
    if not report.ok:  # the simulator writes valid data; say so loudly if it ever does not
        raise RuntimeError(f"the demo dataset did not import: {report.errors[:3]}")
    return True


async def _complete(db: Database, directory: Path) -> bool:
    """Whether the dataset's last event (the last row written) is in the graph."""
    with (directory / "events.jsonl").open(encoding="utf-8") as handle:
        last = deque(handle, maxlen=1)
    if not last:
        return False
    event_id = json.loads(last[0])["id"]
    return (
        await db.row("MATCH (e:ReferralEvent {id: $id}) RETURN e.id AS id", id=event_id) is not None
    )


async def _organization_id(db: Database, name: str) -> str:
    row = await db.row(
        "MATCH (o:Organization {name: $name})-[:MEMBER_OF]->(:Network {id: $network}) "
        "RETURN o.id AS id",
        name=name,
        network=DEMO_NETWORK_ID,
    )
    if row is None:
        raise RuntimeError(f"the demo organization {name!r} is missing: load the demo first")
    return str(row["id"])


async def ensure_demo_users(db: Database) -> dict[str, dict[str, Any]]:
    """Create the demo accounts unless present, make sure of their roles; key -> user."""
    users: dict[str, dict[str, Any]] = {}
    for key, (email, name, org_name, role) in DEMO_USERS.items():
        user = await identity.user_by_email(db, email)
        if user is None:
            user = await identity.create_user(
                db, email=email, name=name, platform_admin=role == "PLATFORM_ADMIN"
            )
        # Both assignments are MERGEs: running again changes nothing.
        if org_name is not None:
            await identity.assign_organization_role(
                db,
                user_id=user["id"],
                organization_id=await _organization_id(db, org_name),
                role=role,
            )
        elif role in identity.NETWORK_ROLES:
            await identity.assign_network_role(
                db, user_id=user["id"], network_id=DEMO_NETWORK_ID, role=role
            )
        users[key] = user
    return users

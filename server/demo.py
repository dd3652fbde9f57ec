"""The demo: the simulated "demo" network (seed 7, with its planted events) and demo accounts.

Application set-up, not storage: it joins the simulator and the importer, so it
lives here beside the command line that is its only caller.

Loading runs the simulator (half a second) into a temporary directory and
imports it with graph/importer/__init__.py, once: a second load finds the dataset's
last event already in the graph and changes nothing. The accounts sit on
organizations of that dataset, chosen by a rule (see :data:`DEMO_USERS`),
and are created once; running again only makes sure their roles are there.
:func:`prepare_demo` also keeps each account's token in a file inside the
Neo4j home (so two homes never share one) and finds the ids the README's
examples need; :func:`describe` writes all of it for a newcomer.
"""

from __future__ import annotations

import json
import tempfile
from collections import deque
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import simulator
from graph import migrations
from graph.access import identity
from graph.db import Database
from graph.directory import showcase
from graph.directory.showcase import ExampleIds
from graph.importer import Progress, import_dataset

__all__ = [
    "DEMO_NETWORK_ID",
    "DEMO_PRESET",
    "DEMO_SEED",
    "DEMO_USERS",
    "DemoAccount",
    "DemoSetup",
    "describe",
    "ensure_demo_users",
    "load_demo_directory",
    "prepare_demo",
    "tokens_file",
]

DEMO_PRESET, DEMO_SEED = "demo", 7

# The first network of the demo preset with seed 7 (networks.jsonl, line 1).
DEMO_NETWORK_ID = "c15eb465-f219-4da0-aa9b-e6963179c043"
DEMO_NETWORK_NAME = "Table de concertation petite enfance-famille du secteur Nord"
# Both demo networks (Nord, Sud): the 'region' account coordinates them together.
DEMO_REGION_NETWORK_IDS = (DEMO_NETWORK_ID, "722287a2-b1c1-4ebb-b460-68cd3394f8e8")
# The COMMUNITY member of that network that sends the most referrals, and the member it
# refers to most (the housing co-op of the planted capacity shock). tests/test_dataset_cli.py
# checks this rule against the simulation, so a change of the simulator is caught.
DEMO_SENDER = "Maison de quartier de Mont-Bellevue"
DEMO_RECEIVER = "Coopérative d'habitation La Maisonnée"
# Intake addresses of the two, so the demo's notifications have somewhere to go (in
# development, the local mail catcher of `maillage run`; see /dev/mail).
DEMO_INTAKE = {
    DEMO_SENDER: "accueil@maison-mont-bellevue.example",
    DEMO_RECEIVER: "accueil@cooperative-la-maisonnee.example",
}

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
    "region": (
        "coordination-regionale@maillage.demo",
        "Coordination régionale",
        None,
        "COORDINATOR",
    ),
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
    return await showcase.event_exists(db, json.loads(last[0])["id"])


async def _organization_id(db: Database, name: str) -> str:
    found = await showcase.member_id_by_name(db, name, DEMO_NETWORK_ID)
    if found is None:
        raise RuntimeError(f"the demo organization {name!r} is missing: load the demo first")
    return found


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
            for network_id in DEMO_REGION_NETWORK_IDS if key == "region" else (DEMO_NETWORK_ID,):
                await identity.assign_network_role(
                    db, user_id=user["id"], network_id=network_id, role=role
                )
        users[key] = user
    return users


@dataclass(frozen=True)
class DemoAccount:
    """A demo account as a newcomer uses it: its key in the tokens file and its token."""

    key: str
    email: str
    name: str
    organization: str | None
    role: str
    token: str


@dataclass(frozen=True)
class DemoSetup:
    """What :func:`prepare_demo` leaves ready: accounts with tokens, example ids, the file."""

    accounts: tuple[DemoAccount, ...]
    ids: ExampleIds | None
    tokens_file: Path


def tokens_file(neo4j_home: Path) -> Path:
    """Where the demo tokens are kept: inside the Neo4j home whose data they belong to."""
    return neo4j_home / "demo-tokens.json"


async def prepare_demo(
    db: Database, tokens_path: Path, *, progress: Progress | None = None
) -> DemoSetup:
    """Migrate, load the demo network, make sure of the accounts and of a valid token for each.

    Tokens already in ``tokens_path`` are kept while they still authenticate,
    so running again prints the same ones.
    """
    await migrations.migrate(db)
    await load_demo_directory(db, progress=progress)
    users = await ensure_demo_users(db)
    for name, address in DEMO_INTAKE.items():
        await showcase.ensure_intake_email(db, await _organization_id(db, name), address)
    known: dict[str, str] = {}
    if tokens_path.exists():
        known = json.loads(tokens_path.read_text())
    tokens: dict[str, str] = {}
    for key, user in users.items():
        secret = known.get(key)
        if secret is None or await identity.principal_for_token(db, secret) is None:
            secret, _ = await identity.create_token(db, user_id=user["id"], label="demo")
        tokens[key] = secret
    tokens_path.parent.mkdir(parents=True, exist_ok=True)
    tokens_path.write_text(json.dumps(tokens, indent=2))
    tokens_path.chmod(0o600)
    ids = await showcase.example_ids(
        db,
        network_id=DEMO_NETWORK_ID,
        sender_id=await _organization_id(db, DEMO_SENDER),
        receiver_id=await _organization_id(db, DEMO_RECEIVER),
    )
    accounts = tuple(
        DemoAccount(key, email, name, org, role, tokens[key])
        for key, (email, name, org, role) in DEMO_USERS.items()
    )
    return DemoSetup(accounts=accounts, ids=ids, tokens_file=tokens_path)


def describe(setup: DemoSetup) -> str:
    """The demo's closing output: each account and the ids the README's examples use."""
    lines = [f"Demo accounts (key, role, organization; tokens kept in {setup.tokens_file}):"]
    network = setup.ids.network_name if setup.ids is not None else "the demo network"
    for account in setup.accounts:
        where = account.organization or (
            "both demo networks (Nord and Sud: the region view)"
            if account.key == "region"
            else network
            if account.role in {"COORDINATOR", "RESEARCHER"}
            else "the whole platform"
        )
        lines.append(f"  {account.key:<12} {account.role:<15} {account.name} — {where}")
        lines.append(f"      Authorization: Bearer {account.token}")
    ids = setup.ids
    if ids is not None:
        place = f"{ids.place_id}   ({ids.place_name})" if ids.place_id else "(none)"
        lines += [
            "",
            "Ids for the README's examples (the 'staff' account refers; 'receiver' answers):",
            f"  network          {ids.network_id}   ({ids.network_name})",
            f"  territoryId      {ids.territory_id}   ({ids.territory_name})",
            f"  needCode         {ids.need_code}",
            f"  serviceId        {ids.service_id}   ({ids.service_name}, OPEN)",
            f"  toOrganizationId {ids.receiver_id}   ({ids.receiver_name})",
            f"  placeId          {place}",
        ]
    return "\n".join(lines)

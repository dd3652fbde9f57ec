"""A small demo directory and demo accounts, loaded once (re-running changes nothing).

Ids are derived from names (UUID5), so the demo is the same everywhere and a
second load finds it already there.
"""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any

from graph import identity, networks, organizations, services
from graph.db import Database
from graph.organizations import OrganizationInput
from graph.services import ServiceInput

__all__ = ["DEMO_NETWORK_ID", "DEMO_USERS", "load_demo_directory", "demo_id"]

_NS = uuid.UUID("6f1c2d4e-8a3b-4c5d-9e7f-0a1b2c3d4e5f")


def demo_id(name: str) -> str:
    return str(uuid.uuid5(_NS, name))


DEMO_NETWORK_ID = demo_id("network:Table de concertation Famille Hochelaga–Rosemont")

TERRITORIES = [
    ("HOCH", "Hochelaga-Maisonneuve"),
    ("ROSE", "Rosemont"),
    ("MERC", "Mercier-Est"),
    ("PETP", "Petite-Patrie"),
]

# name, kind, territory code, [(service name, needs, availability)]
ORGANIZATIONS: list[tuple[str, str, str, list[tuple[str, list[str], str]]]] = [
    ("Maison de la famille Hochelaga", "COMMUNITY", "HOCH", [
        ("Halte-garderie et ateliers parents-enfants", ["PARENTING", "CHILD_DEVELOPMENT"], "OPEN"),
        ("Travail de proximité famille", ["SOCIAL_ISOLATION", "PARENTING"], "OPEN"),
    ]),
    ("CLSC Hochelaga-Maisonneuve", "HEALTH_SOCIAL_SERVICES", "HOCH", [
        ("Services psychosociaux enfance-famille", ["MENTAL_HEALTH", "PARENTING"], "WAITLIST"),
        ("Suivi périnatal", ["HEALTH", "CHILD_DEVELOPMENT"], "OPEN"),
    ]),
    ("Banque alimentaire Rosemont", "FOOD_SECURITY", "ROSE", [
        ("Dépannage alimentaire", ["FOOD_SECURITY"], "OPEN"),
    ]),
    ("CPE Les Petits Pas", "CHILDCARE", "ROSE", [
        ("Places en garderie subventionnée", ["CHILDCARE", "CHILD_DEVELOPMENT"], "FULL"),
    ]),
    ("École primaire Saint-Nom", "SCHOOL", "MERC", [
        ("Aide aux devoirs", ["EDUCATION"], "OPEN"),
    ]),
    ("Comité logement Mercier", "HOUSING", "MERC", [
        ("Accompagnement recherche de logement", ["HOUSING"], "WAITLIST"),
    ]),
    ("Carrefour jeunesse-emploi Petite-Patrie", "EMPLOYMENT", "PETP", [
        ("Recherche d'emploi pour parents", ["EMPLOYMENT", "INCOME"], "OPEN"),
    ]),
    ("Centre d'accueil des nouveaux arrivants", "COMMUNITY", "PETP", [
        ("Francisation et accueil", ["IMMIGRATION_FRANCISATION", "SOCIAL_ISOLATION"], "OPEN"),
        ("Clinique d'information juridique", ["LEGAL"], "CLOSED"),
    ]),
    ("Arrondissement Rosemont–La Petite-Patrie", "MUNICIPAL", "ROSE", [
        ("Programme d'accès aux loisirs", ["SOCIAL_ISOLATION"], "OPEN"),
    ]),
]

PLACES = [
    ("Parc Morgan", "PARK", "HOCH"),
    ("Marché Maisonneuve", "GROCERY", "HOCH"),
    ("Friperie La Remise", "THRIFT_STORE", "ROSE"),
    ("Fête de quartier Mercier-Est", "COMMUNITY_EVENT", "MERC"),
    ("HLM Boyce-Viau", "SOCIAL_HOUSING", "HOCH"),
]

PARTNERSHIPS = [
    ("Maison de la famille Hochelaga", "CLSC Hochelaga-Maisonneuve", "AGREEMENT"),
    ("Maison de la famille Hochelaga", "Banque alimentaire Rosemont", "JOINT_ACTIVITY"),
    ("Centre d'accueil des nouveaux arrivants", "Carrefour jeunesse-emploi Petite-Patrie",
     "CO_LOCATION"),
]

# key -> (email, name, organization or None, role)
DEMO_USERS: dict[str, tuple[str, str, str | None, str]] = {
    "admin": ("admin@maillage.demo", "Admin plateforme", None, "PLATFORM_ADMIN"),
    "staff": ("intervenante@maillage.demo", "Intervenante de proximité",
              "Maison de la famille Hochelaga", "ORG_STAFF"),
    "orgadmin": ("direction@maillage.demo", "Direction Maison de la famille",
                 "Maison de la famille Hochelaga", "ORG_ADMIN"),
    "receiver": ("accueil-clsc@maillage.demo", "Accueil psychosocial CLSC",
                 "CLSC Hochelaga-Maisonneuve", "ORG_STAFF"),
    "coordinator": ("coordination@maillage.demo", "Coordination de la table", None,
                    "COORDINATOR"),
    "researcher": ("recherche@maillage.demo", "Équipe de recherche", None, "RESEARCHER"),
}


async def load_demo_directory(db: Database) -> bool:
    """Load the demo directory unless present. Returns True when it loaded."""
    if await db.row("MATCH (n:Network {id: $id}) RETURN n.id AS id", id=DEMO_NETWORK_ID):
        return False
    territory_ids: dict[str, str] = {}
    existing = {t["code"]: t["id"] for t in await networks.list_territories(db)}
    for code, name in TERRITORIES:
        territory_ids[code] = existing.get(code) or (
            await networks.create_territory(db, code=code, name=name,
                                            territory_id=demo_id(f"territory:{code}"))
        )["id"]
    await networks.create_network(
        db,
        name="Table de concertation Famille Hochelaga–Rosemont",
        territory_codes=[code for code, _ in TERRITORIES],
        network_id=DEMO_NETWORK_ID,
    )
    for name, kind, territory, offered in ORGANIZATIONS:
        org = await organizations.create_organization(
            db,
            OrganizationInput(name=name, kind=kind, territory_id=territory_ids[territory],
                              languages=["fr", "en"],
                              description=f"{name} — organisme membre de la table."),
            network_id=DEMO_NETWORK_ID,
            member_since=date(2024, 1, 1),
            organization_id=demo_id(f"org:{name}"),
        )
        for service_name, needs, availability in offered:
            await services.create_service(
                db,
                ServiceInput(organization_id=org["id"], name=service_name, need_codes=needs,
                             territory_ids=[territory_ids[territory]],
                             availability=availability),
                service_id=demo_id(f"service:{name}:{service_name}"),
            )
    for name, kind, territory in PLACES:
        await networks.create_place(db, name=name, kind=kind,
                                    territory_id=territory_ids[territory],
                                    place_id=demo_id(f"place:{name}"))
    for a, b, kind in PARTNERSHIPS:
        await networks.declare_partnership(
            db, organization_id=demo_id(f"org:{a}"), partner_id=demo_id(f"org:{b}"),
            kind=kind, since=date(2024, 3, 1),
        )
    return True


async def ensure_demo_users(db: Database) -> dict[str, dict[str, Any]]:
    """Create the demo accounts unless present; return key -> user record."""
    users: dict[str, dict[str, Any]] = {}
    for key, (email, name, org_name, role) in DEMO_USERS.items():
        user = await identity.user_by_email(db, email)
        if user is None:
            user = await identity.create_user(
                db, email=email, name=name, platform_admin=role == "PLATFORM_ADMIN"
            )
            if org_name is not None:
                await identity.assign_organization_role(
                    db, user_id=user["id"], organization_id=demo_id(f"org:{org_name}"), role=role
                )
            elif role in identity.NETWORK_ROLES:
                await identity.assign_network_role(
                    db, user_id=user["id"], network_id=DEMO_NETWORK_ID, role=role
                )
        users[key] = user
    return users

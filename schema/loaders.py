"""Per-request batch loaders: one query per relation, whatever the page size."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from typing import Any

from strawberry.dataloader import DataLoader

from graph.db import Database
from graph.directory import networks, organizations, services
from graph.referral import commands as referrals

__all__ = ["Loaders"]

Row = dict[str, Any]


def _one(
    fetch: Callable[[Database, list[str]], Awaitable[dict[str, Row]]], db: Database
) -> DataLoader[str, Row | None]:
    async def load(keys: Sequence[str]) -> list[Row | None]:
        found = await fetch(db, list(keys))
        return [found.get(key) for key in keys]

    return DataLoader(load_fn=load)


def _many(
    fetch: Callable[[Database, list[str]], Awaitable[dict[str, list[Row]]]], db: Database
) -> DataLoader[str, list[Row]]:
    async def load(keys: Sequence[str]) -> list[list[Row]]:
        found = await fetch(db, list(keys))
        return [found.get(key, []) for key in keys]

    return DataLoader(load_fn=load)


class Loaders:
    """Created fresh for every request, so nothing is cached across callers."""

    def __init__(self, db: Database) -> None:
        self.organization = _one(organizations.organizations_by_id, db)
        self.service = _one(services.services_by_id, db)
        self.network = _one(networks.networks_by_id, db)
        self.services_of_organization = _many(services.services_by_organization, db)
        self.needs_of_service = _many(services.needs_by_service, db)
        self.territories_of_service = _many(services.territories_by_service, db)
        self.availability_history = _many(services.availability_history, db)
        self.members_of_network = _many(networks.network_members, db)
        self.partnerships_of_network = _many(networks.network_partnerships, db)
        self.memberships_of_organization = _many(networks.organization_memberships, db)
        self.place = _one(networks.places_by_id, db)
        self.referral = _one(referrals.referrals_by_id, db)
        self.events_of_referral = _many(referrals.events_by_referral, db)

"""A hot read returns the fields it was asked for and nothing else.

Before, every row came through shared field lists, so the driver decoded a
``createdAt``, an ``updatedAt`` and an ``availabilityChangedAt`` for every
service and organization whether the client selected them or not. The
rows of ``graph/directory/reads.py`` and ``graph/referral/reads.py`` are
compared here with the keys a hand-written selection asks for.
"""

from __future__ import annotations

from datetime import UTC, datetime

from graph.db import Database
from graph.directory import reads
from graph.directory.organizations import OrganizationFilter
from graph.directory.services import ServiceFilter
from graph.projection import Projection
from graph.referral.commands import ReferralFilter
from graph.referral.reads import referral_page
from tests.conftest import World, referral_through_graph


async def test_a_service_page_asked_for_names_decodes_no_date(world: World, db: Database) -> None:
    org = await world.organization()
    await world.service(org, ["HOUSING"])
    rows, total = await reads.service_page(
        db,
        ServiceFilter(organization_id=org["id"]),
        Projection.of(["name"]),
        skip=0,
        limit=10,
        with_total=False,
    )
    assert total is None
    assert [set(row) for row in rows] == [{"id", "name"}]


async def test_nested_records_carry_only_their_selected_fields(world: World, db: Database) -> None:
    network = await world.network()
    territory = await world.territory()
    org = await world.organization(network)
    await world.service(org, ["HOUSING", "INCOME"], territories=[territory])
    wanted = Projection.of(
        ["name"],
        services=Projection.of(
            ["availability"], needs=Projection.of(["code"]), territories=Projection.of(["name"])
        ),
    )
    rows, _ = await reads.organization_page(
        db, OrganizationFilter(network_id=network["id"]), wanted, skip=0, limit=10, with_total=True
    )
    (row,) = rows
    assert set(row) == {"id", "name", "services"}
    (service,) = row["services"]
    assert set(service) == {"id", "availability", "needs", "territories"}
    assert service["needs"] == [{"code": "HOUSING"}, {"code": "INCOME"}]
    assert service["territories"] == [{"id": territory["id"], "name": territory["name"]}]


async def test_an_inbox_row_asked_for_its_status_carries_its_cursor_and_no_personal_data(
    world: World, db: Database
) -> None:
    network = await world.network()
    sender, receiver = await world.organization(network), await world.organization(network)
    await referral_through_graph(db, sender["id"], receiver["id"], [])
    page = await referral_page(
        db,
        ReferralFilter(organization_id=receiver["id"], box="INCOMING"),
        Projection.of(["status"]),
        now=datetime.now(UTC),
        after=None,
        limit=5,
        with_total=False,
        with_counts=False,
    )
    assert [set(row) for row in page.rows] == [{"id", "status", "cursorAt"}]

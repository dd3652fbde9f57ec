"""Services over GraphQL: listed by availability, need and words; edited with dated availability."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest

from graph.directory import organizations
from tests.conftest import World, unique
from tests.directory_helpers import CREATE_SERVICE, SERVICES, SET_AVAILABILITY, names

# ------------------------------------------------------------------ queries


async def test_services_list_open_first_then_waitlist_then_full_and_closed(world: World) -> None:
    territory = await world.territory()
    org = await world.organization()
    for name, availability in (
        ("a fermé", "CLOSED"),
        ("b complet", "FULL"),
        ("c attente", "WAITLIST"),
        ("d ouvert", "OPEN"),
        ("e ouvert", "OPEN"),
    ):
        await world.service(org, availability=availability, territories=[territory], name=name)
    reader = await world.caller("PLATFORM_ADMIN")
    found = (await reader.data(SERVICES, {"filter": {"territoryId": territory["id"]}}))["services"]
    assert [(e["node"]["name"], e["node"]["availability"]) for e in found["edges"]] == [
        ("d ouvert", "OPEN"),
        ("e ouvert", "OPEN"),
        ("c attente", "WAITLIST"),
        ("b complet", "FULL"),
        ("a fermé", "CLOSED"),
    ]
    assert {e["node"]["organization"]["name"] for e in found["edges"]} == {org["name"]}


@pytest.mark.parametrize(
    ("extra", "expected"),
    [
        pytest.param({"needCode": "HOUSING"}, ["logement"], id="need"),
        pytest.param({"needCode": "FOOD_SECURITY"}, ["dépannage", "repas"], id="need-two"),
        pytest.param({"availability": ["WAITLIST", "FULL"]}, ["repas"], id="availability"),
        pytest.param({"search": "CHAUD"}, ["repas"], id="search-name"),
        pytest.param({"search": "maison"}, ["dépannage", "logement", "repas"], id="search-org"),
    ],
)
async def test_services_filter_by_need_availability_and_words(
    world: World, extra: dict[str, Any], expected: list[str]
) -> None:
    territory = await world.territory()
    org = await world.organization(name=f"Maison {unique()}")
    await world.service(org, ["HOUSING"], territories=[territory], name="logement social")
    await world.service(org, ["FOOD_SECURITY"], territories=[territory], name="dépannage")
    await world.service(
        org, ["FOOD_SECURITY"], "WAITLIST", territories=[territory], name="repas chauds"
    )
    await world.service(org, ["HOUSING"], name="logement ailleurs")  # not in the territory
    reader = await world.caller("PLATFORM_ADMIN")
    found = (await reader.data(SERVICES, {"filter": {"territoryId": territory["id"], **extra}}))[
        "services"
    ]
    assert [name.split()[0] for name in names(found)] == expected


async def test_services_of_a_deactivated_organization_are_not_offered(world: World) -> None:
    territory = await world.territory()
    org = await world.organization()
    await world.service(org, territories=[territory])
    await organizations.deactivate_organization(world.db, org["id"])
    reader = await world.caller("PLATFORM_ADMIN")
    found = (await reader.data(SERVICES, {"filter": {"territoryId": territory["id"]}}))["services"]
    assert found == {"totalCount": 0, "edges": []}


# ------------------------------------------------------------------ mutations


async def test_create_service_links_needs_territories_and_its_organization(world: World) -> None:
    org = await world.organization()
    territory = await world.territory()
    admin = await world.caller("ORG_ADMIN", organization=org)
    created = (
        await admin.data(
            CREATE_SERVICE,
            {
                "input": {
                    "organizationId": org["id"],
                    "name": "Aide aux devoirs",
                    "needCodes": ["education", "PARENTING", "EDUCATION"],
                    "territoryIds": [territory["id"]],
                    "availability": "WAITLIST",
                }
            },
        )
    )["createService"]
    assert created["availability"] == "WAITLIST"
    assert created["organization"] == {"id": org["id"]}
    assert created["needs"] == [{"code": "EDUCATION"}, {"code": "PARENTING"}]
    assert created["territories"] == [{"code": territory["code"]}]


async def test_update_service_replaces_its_needs(world: World) -> None:
    org = await world.organization()
    service = await world.service(org, needs=["HOUSING", "INCOME"])
    admin = await world.caller("ORG_ADMIN", organization=org)
    updated = await admin.data(
        "mutation($id: ID!, $input: UpdateServiceInput!) { updateService(id: $id, input: $input) "
        "{ name needs { code } } }",
        {"id": service["id"], "input": {"name": "Logement d'abord", "needCodes": ["LEGAL"]}},
    )
    assert updated == {"updateService": {"name": "Logement d'abord", "needs": [{"code": "LEGAL"}]}}


async def test_set_service_availability_appends_dated_history(world: World) -> None:
    org = await world.organization()
    service = await world.service(org, availability="OPEN")
    staff = await world.caller("ORG_STAFF", organization=org)
    before = datetime.now().astimezone()
    first = (await staff.data(SET_AVAILABILITY, {"id": service["id"], "availability": "FULL"}))[
        "setServiceAvailability"
    ]
    second = (await staff.data(SET_AVAILABILITY, {"id": service["id"], "availability": "OPEN"}))[
        "setServiceAvailability"
    ]
    assert [c["availability"] for c in first["availabilityHistory"]] == ["OPEN", "FULL"]
    assert [c["availability"] for c in second["availabilityHistory"]] == ["OPEN", "FULL", "OPEN"]
    assert second["availability"] == "OPEN"
    times = [datetime.fromisoformat(c["at"]) for c in second["availabilityHistory"]]
    assert times == sorted(times)
    assert times[1] >= before - timedelta(seconds=5)
    assert datetime.fromisoformat(second["availabilityChangedAt"]) == times[-1]

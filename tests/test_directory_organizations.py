"""Organizations over GraphQL: profiles, listings by network, filter and territory, and edits."""

from __future__ import annotations

import uuid
from datetime import date

import pytest

from graph.directory import organizations
from tests.conftest import World, unique
from tests.directory_helpers import (
    CREATE_ORGANIZATION,
    NETWORK,
    ORGANIZATIONS,
    UPDATE_ORGANIZATION,
    names,
)

# ------------------------------------------------------------------ queries


async def test_organization_by_id_gives_its_profile(world: World) -> None:
    territory = await world.territory()
    org = await world.organization(
        kind="FOOD_SECURITY",
        description="Dépannage alimentaire",
        languages=["fr", "es"],
        territory_id=territory["id"],
    )
    reader = await world.caller("PLATFORM_ADMIN")
    data = await reader.data(
        "query($id: ID!) { organization(id: $id) "
        "{ id name kind description languages active territoryId } }",
        {"id": org["id"]},
    )
    assert data["organization"] == {
        "id": org["id"],
        "name": org["name"],
        "kind": "FOOD_SECURITY",
        "description": "Dépannage alimentaire",
        "languages": ["fr", "es"],
        "active": True,
        "territoryId": territory["id"],
    }


async def test_organization_with_an_unknown_id_is_null(world: World) -> None:
    reader = await world.caller("PLATFORM_ADMIN")
    data = await reader.data(
        "query($id: ID!) { organization(id: $id) { id } }", {"id": str(uuid.uuid4())}
    )
    assert data == {"organization": None}


async def test_organizations_of_a_network_are_its_members_by_name(world: World) -> None:
    network = await world.network()
    for name in ("Cuisine C", "atelier A", "Bureau B"):
        await world.organization(network, name=f"{name} {unique()}")
    await world.organization()  # in no network
    reader = await world.caller("PLATFORM_ADMIN")
    found = (await reader.data(ORGANIZATIONS, {"filter": {"networkId": network["id"]}}))[
        "organizations"
    ]
    assert found["totalCount"] == 3
    assert [name.split()[0] for name in names(found)] == ["atelier", "Bureau", "Cuisine"]


@pytest.mark.parametrize(
    ("key", "value", "expected"),
    [
        pytest.param("kind", "HOUSING", ["logement"], id="kind"),
        pytest.param("needCode", "employment", ["emploi"], id="need-code-any-case"),
        pytest.param("search", "CUISINES", ["alimentation"], id="search-in-description"),
        pytest.param("search", "emplo", ["emploi"], id="search-in-name"),
    ],
)
async def test_organizations_filter_narrows_a_network(
    world: World, key: str, value: str, expected: list[str]
) -> None:
    network = await world.network()
    housing = await world.organization(network, kind="HOUSING", name=f"logement {unique()}")
    jobs = await world.organization(network, kind="EMPLOYMENT", name=f"emploi {unique()}")
    food = await world.organization(
        network, name=f"alimentation {unique()}", description="Cuisines collectives"
    )
    await world.service(housing, needs=["HOUSING"])
    await world.service(jobs, needs=["EMPLOYMENT", "INCOME"])
    await world.service(food, needs=["FOOD_SECURITY"])
    reader = await world.caller("PLATFORM_ADMIN")
    found = (
        await reader.data(ORGANIZATIONS, {"filter": {"networkId": network["id"], key: value}})
    )["organizations"]
    assert [name.split()[0] for name in names(found)] == expected
    assert found["totalCount"] == len(expected)


async def test_organizations_in_a_territory_are_based_there_or_serve_there(world: World) -> None:
    territory = await world.territory()
    based = await world.organization(name=f"based {unique()}", territory_id=territory["id"])
    serving = await world.organization(name=f"serving {unique()}")
    await world.service(serving, territories=[territory])
    await world.organization(name=f"elsewhere {unique()}")
    reader = await world.caller("PLATFORM_ADMIN")
    found = (await reader.data(ORGANIZATIONS, {"filter": {"territoryId": territory["id"]}}))[
        "organizations"
    ]
    assert names(found) == [based["name"], serving["name"]]


async def test_deactivated_organizations_are_listed_only_when_asked(world: World) -> None:
    network = await world.network()
    kept = await world.organization(network, name=f"A {unique()}")
    gone = await world.organization(network, name=f"B {unique()}")
    await organizations.deactivate_organization(world.db, gone["id"])
    reader = await world.caller("PLATFORM_ADMIN")
    default = await reader.data(ORGANIZATIONS, {"filter": {"networkId": network["id"]}})
    everyone = await reader.data(
        ORGANIZATIONS, {"filter": {"networkId": network["id"], "includeInactive": True}}
    )
    assert names(default["organizations"]) == [kept["name"]]
    assert names(everyone["organizations"]) == [kept["name"], gone["name"]]
    assert [e["node"]["active"] for e in everyone["organizations"]["edges"]] == [True, False]


# ------------------------------------------------------------------ mutations


async def test_platform_admin_creates_an_organization_member_of_a_network(world: World) -> None:
    network = await world.network()
    territory = await world.territory()
    admin = await world.caller("PLATFORM_ADMIN")
    name = f"Carrefour {unique()}"
    created = (
        await admin.data(
            CREATE_ORGANIZATION,
            {
                "input": {
                    "name": f"  {name}  ",
                    "kind": "EMPLOYMENT",
                    "description": "Emploi des parents",
                    "territoryId": territory["id"],
                    "networkId": network["id"],
                }
            },
        )
    )["createOrganization"]
    assert created == {
        "id": created["id"],
        "name": name,  # stripped
        "kind": "EMPLOYMENT",
        "description": "Emploi des parents",
        "languages": ["fr"],  # the default
        "active": True,
        "territoryId": territory["id"],
    }
    members = (await admin.data(NETWORK, {"id": network["id"]}))["network"]["members"]
    assert members == [
        {"since": date.today().isoformat(), "until": None, "organization": {"name": name}}
    ]


async def test_update_organization_changes_only_the_fields_given(world: World) -> None:
    org = await world.organization(description="avant")
    admin = await world.caller("ORG_ADMIN", organization=org)
    updated = (
        await admin.data(
            UPDATE_ORGANIZATION,
            {"id": org["id"], "input": {"website": "https://exemple.org"}},
        )
    )["updateOrganization"]
    assert updated == {
        "id": org["id"],
        "name": org["name"],
        "description": "avant",
        "website": "https://exemple.org",
    }


async def test_deactivate_organization_keeps_it_but_marks_it_inactive(world: World) -> None:
    org = await world.organization()
    admin = await world.caller("ORG_ADMIN", organization=org)
    done = await admin.data(
        "mutation($id: ID!) { deactivateOrganization(id: $id) { id active } }", {"id": org["id"]}
    )
    assert done == {"deactivateOrganization": {"id": org["id"], "active": False}}
    again = await admin.data(
        "query($id: ID!) { organization(id: $id) { active } }", {"id": org["id"]}
    )
    assert again == {"organization": {"active": False}}

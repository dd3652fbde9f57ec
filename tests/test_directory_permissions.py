"""Who may write to the directory: tokens, organization roles, coordinators and platform admins."""

from __future__ import annotations

from typing import Any

import pytest

from graph.db import Database
from graph.directory import organizations
from tests.conftest import Api, World, unique
from tests.directory_helpers import (
    ADD_MEMBER,
    CREATE_ORGANIZATION,
    CREATE_SERVICE,
    END_MEMBERSHIP,
    SET_AVAILABILITY,
    UPDATE_ORGANIZATION,
    has_errors,
    only_error,
    without_writes,
)


async def test_a_mutation_without_a_token_is_401_and_writes_nothing(
    anonymous: Api, db: Database
) -> None:
    response = await without_writes(
        db,
        lambda: anonymous.raw(
            CREATE_ORGANIZATION, {"input": {"name": unique(), "kind": "COMMUNITY"}}
        ),
        lambda response: response.status_code == 401,
    )
    assert response.status_code == 401
    assert response.json()["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"


def assert_forbidden(body: dict[str, Any], operation: str) -> None:
    error = only_error(body)
    assert error["extensions"] == {"code": "FORBIDDEN", "operation": operation}


async def test_org_staff_cannot_update_their_organization(world: World) -> None:
    org = await world.organization()
    staff = await world.caller("ORG_STAFF", organization=org)
    body = await staff(UPDATE_ORGANIZATION, {"id": org["id"], "input": {"name": "Renommé"}})
    assert_forbidden(body, "organization.update")
    assert (await organizations.organizations_by_id(world.db, [org["id"]]))[org["id"]][
        "name"
    ] == org["name"]


async def test_org_admin_updates_their_organization_but_not_another(world: World) -> None:
    mine, theirs = await world.organization(), await world.organization()
    admin = await world.caller("ORG_ADMIN", organization=mine)
    new_name = unique("Renommé ")
    body = await admin(UPDATE_ORGANIZATION, {"id": theirs["id"], "input": {"name": new_name}})
    assert_forbidden(body, "organization.update")
    done = await admin.data(UPDATE_ORGANIZATION, {"id": mine["id"], "input": {"name": new_name}})
    assert done["updateOrganization"]["name"] == new_name


async def test_org_staff_sets_availability_of_their_services_only(world: World) -> None:
    mine, theirs = await world.organization(), await world.organization()
    my_service, their_service = await world.service(mine), await world.service(theirs)
    staff = await world.caller("ORG_STAFF", organization=mine)
    done = await staff.data(SET_AVAILABILITY, {"id": my_service["id"], "availability": "FULL"})
    assert done["setServiceAvailability"]["availability"] == "FULL"
    body = await staff(SET_AVAILABILITY, {"id": their_service["id"], "availability": "FULL"})
    assert_forbidden(body, "service.setAvailability")


async def test_org_staff_cannot_create_or_update_services(world: World) -> None:
    org = await world.organization()
    service = await world.service(org)
    staff = await world.caller("ORG_STAFF", organization=org)
    created = await staff(
        CREATE_SERVICE,
        {"input": {"organizationId": org["id"], "name": "x", "needCodes": ["HOUSING"]}},
    )
    assert_forbidden(created, "service.create")
    updated = await staff(
        'mutation($id: ID!) { updateService(id: $id, input: {name: "y"}) { id } }',
        {"id": service["id"]},
    )
    assert_forbidden(updated, "service.update")


PLATFORM_ONLY = [
    pytest.param(
        CREATE_ORGANIZATION,
        {"input": {"name": "x", "kind": "COMMUNITY"}},
        "organization.create",
        id="createOrganization",
    ),
    pytest.param(
        "mutation($input: CreateNetworkInput!) { createNetwork(input: $input) { id } }",
        {"input": {"name": "x"}},
        "network.create",
        id="createNetwork",
    ),
    pytest.param(
        'mutation { createUser(email: "x@test.maillage", name: "X") { id } }',
        {},
        "user.create",
        id="createUser",
    ),
]


@pytest.mark.parametrize("role", ["ORG_ADMIN", "ORG_STAFF", "COORDINATOR", "RESEARCHER"])
@pytest.mark.parametrize(("query", "variables", "operation"), PLATFORM_ONLY)
async def test_only_a_platform_admin_creates_organizations_networks_and_users(
    world: World, db: Database, role: str, query: str, variables: dict[str, Any], operation: str
) -> None:
    network = await world.network()
    caller = await world.caller(
        role, organization=await world.organization(network), network=network
    )
    assert_forbidden(
        await without_writes(db, lambda: caller(query, variables), has_errors), operation
    )


@pytest.mark.parametrize(("query", "variables", "operation"), PLATFORM_ONLY)
async def test_a_platform_admin_creates_organizations_networks_and_users(
    world: World, query: str, variables: dict[str, Any], operation: str
) -> None:
    admin = await world.caller("PLATFORM_ADMIN")
    name = unique("Créé ")
    variables = {"input": {**variables["input"], "name": name}} if variables else {}
    query = query.replace("x@test.maillage", f"{unique('u')}@test.maillage")
    data = await admin.data(query, variables)
    assert next(iter(data.values()))["id"]


async def test_coordinator_manages_members_of_their_network_only(world: World) -> None:
    mine, other = await world.network(), await world.network()
    org = await world.organization()
    coordinator = await world.caller("COORDINATOR", network=mine)
    body = await coordinator(ADD_MEMBER, {"network": other["id"], "organization": org["id"]})
    assert_forbidden(body, "network.manageMembers")
    done = await coordinator.data(ADD_MEMBER, {"network": mine["id"], "organization": org["id"]})
    assert done["addNetworkMember"]["organization"] == {"name": org["name"]}
    body = await coordinator(END_MEMBERSHIP, {"network": other["id"], "organization": org["id"]})
    assert_forbidden(body, "network.manageMembers")


async def test_org_admin_cannot_add_their_organization_to_a_network(world: World) -> None:
    network = await world.network()
    org = await world.organization()
    admin = await world.caller("ORG_ADMIN", organization=org)
    body = await admin(ADD_MEMBER, {"network": network["id"], "organization": org["id"]})
    assert_forbidden(body, "network.manageMembers")

"""Directory errors: bad input refused with its code and field, unexpected failures masked."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Awaitable, Callable
from datetime import date, timedelta
from typing import Any

import pytest
from neo4j import AsyncGraphDatabase

from graph.access.identity import Principal
from graph.db import Database
from graph.directory import networks
from schema import build_schema
from schema.context import Context
from server.settings import Settings
from tests.conftest import World, unique
from tests.directory_helpers import (
    ADD_MEMBER,
    CREATE_ORGANIZATION,
    CREATE_SERVICE,
    DECLARE_PARTNERSHIP,
    END_MEMBERSHIP,
    END_PARTNERSHIP,
    UPDATE_ORGANIZATION,
    has_errors,
    only_error,
    without_writes,
)

# ------------------------------------------------------------------ refused input

Request = tuple[str, dict[str, Any]]


def org_input(**fields: Any) -> dict[str, Any]:
    return {"input": {"name": unique("Organisme "), "kind": "COMMUNITY", **fields}}


def service_input(org: dict[str, Any], **fields: Any) -> dict[str, Any]:
    return {"input": {"organizationId": org["id"], "name": "x", "needCodes": ["HOUSING"], **fields}}


async def empty_name(world: World) -> Request:
    return CREATE_ORGANIZATION, org_input(name="   ")


async def long_name(world: World) -> Request:
    return CREATE_ORGANIZATION, org_input(name="x" * 300, networkId=(await world.network())["id"])


async def unknown_need_code(world: World) -> Request:
    return CREATE_SERVICE, service_input(await world.organization(), needCodes=["HOUSING", "NOPE"])


async def need_code_with_spaces(world: World) -> Request:
    return CREATE_SERVICE, service_input(await world.organization(), needCodes=["food security"])


async def no_need_code(world: World) -> Request:
    return CREATE_SERVICE, service_input(await world.organization(), needCodes=[" "])


async def bad_language(world: World) -> Request:
    return CREATE_ORGANIZATION, org_input(languages=["français"])


async def bad_website(world: World) -> Request:
    org = await world.organization()
    return UPDATE_ORGANIZATION, {"id": org["id"], "input": {"name": "y", "website": "a.org"}}


async def bad_email(world: World) -> Request:
    org = await world.organization()
    return UPDATE_ORGANIZATION, {"id": org["id"], "input": {"email": "accueil at exemple.org"}}


async def malformed_id(world: World) -> Request:
    return UPDATE_ORGANIZATION, {"id": "org-42", "input": {"name": "x"}}


async def malformed_territory_id(world: World) -> Request:
    return CREATE_SERVICE, service_input(await world.organization(), territoryIds=["HOCH"])


async def missing_organization(world: World) -> Request:
    return CREATE_SERVICE, service_input({"id": str(uuid.uuid4())})


async def missing_territory(world: World) -> Request:
    network = await world.network()
    return CREATE_ORGANIZATION, org_input(territoryId=str(uuid.uuid4()), networkId=network["id"])


async def missing_service_territory(world: World) -> Request:
    areas = [(await world.territory())["id"], str(uuid.uuid4())]
    return CREATE_SERVICE, service_input(await world.organization(), territoryIds=areas)


async def missing_network(world: World) -> Request:
    return CREATE_ORGANIZATION, org_input(networkId=str(uuid.uuid4()))


async def duplicate_organization_name(world: World) -> Request:
    network = await world.network()
    taken = await world.organization(network)
    return CREATE_ORGANIZATION, org_input(name=taken["name"].upper(), networkId=network["id"])


async def rename_onto_a_member(world: World) -> Request:
    network = await world.network()
    taken, other = await world.organization(network), await world.organization(network)
    return UPDATE_ORGANIZATION, {"id": other["id"], "input": {"name": taken["name"]}}


async def join_beside_a_namesake(world: World) -> Request:
    network = await world.network()
    taken = await world.organization(network)
    namesake = await world.organization(name=taken["name"])
    return ADD_MEMBER, {"network": network["id"], "organization": namesake["id"]}


async def member_twice(world: World) -> Request:
    network = await world.network()
    org = await world.organization(network)
    return ADD_MEMBER, {"network": network["id"], "organization": org["id"]}


async def leaving_next_month(world: World, network: dict[str, Any]) -> dict[str, Any]:
    """A member of ``network`` whose membership ends in 30 days: a member still."""
    org = await world.organization(network)
    next_month = date.today() + timedelta(days=30)
    await networks.end_network_membership(
        world.db, network_id=network["id"], organization_id=org["id"], until=next_month
    )
    return org


async def member_until_next_month(world: World) -> Request:
    network = await world.network()
    org = await leaving_next_month(world, network)
    return ADD_MEMBER, {"network": network["id"], "organization": org["id"]}


async def namesake_leaving_next_month(world: World) -> Request:
    network = await world.network()
    taken = await leaving_next_month(world, network)
    namesake = await world.organization(name=taken["name"])
    return ADD_MEMBER, {"network": network["id"], "organization": namesake["id"]}


async def duplicate_service_name(world: World) -> Request:
    org = await world.organization()
    await world.service(org, name="Dépannage alimentaire")
    return CREATE_SERVICE, service_input(org, name="dépannage ALIMENTAIRE")


async def membership_until_before_since(world: World) -> Request:
    network, org = await world.network(), await world.organization()
    await networks.add_network_member(
        world.db, network_id=network["id"], organization_id=org["id"], since=date(2024, 5, 1)
    )
    return END_MEMBERSHIP, {
        "network": network["id"],
        "organization": org["id"],
        "until": "2024-04-30",
    }


async def partnership_until_before_since(world: World) -> Request:
    a, b = await world.organization(), await world.organization()
    partnership = await networks.declare_partnership(
        world.db, organization_id=a["id"], partner_id=b["id"], kind="TABLE", since=date(2024, 5, 1)
    )
    return END_PARTNERSHIP, {"id": partnership["id"], "until": "2023-12-31"}


async def partner_with_itself(world: World) -> Request:
    a = await world.organization()
    return DECLARE_PARTNERSHIP, {"organization": a["id"], "partner": a["id"], "kind": "TABLE"}


async def duplicate_territory_code(world: World) -> Request:
    taken = (await world.territory())["code"]
    return 'mutation($c: String!) { createTerritory(code: $c, name: "x") { id } }', {"c": taken}


async def zero_acknowledgement_delay(world: World) -> Request:
    query = "mutation($input: CreateNetworkInput!) { createNetwork(input: $input) { id } }"
    return query, {"input": {"name": unique(), "ackDelayHours": 0}}


BAD = "BAD_USER_INPUT"
# fmt: off
REFUSALS = [
    # request, code, field, words of the message
    pytest.param(empty_name, BAD, "name", "name must not be empty", id="empty-name"),
    pytest.param(long_name, BAD, "name", "300 characters", id="300-character-name"),
    pytest.param(unknown_need_code, BAD, "needCodes", "NOPE", id="unknown-need-code"),
    pytest.param(need_code_with_spaces, BAD, "needCodes", "needCodes", id="need-code-not-a-code"),
    pytest.param(no_need_code, BAD, "needCodes", "at least one", id="no-need-code"),
    pytest.param(bad_language, BAD, "languages", "languages", id="language-not-a-code"),
    pytest.param(bad_website, BAD, "website", "website", id="website-without-scheme"),
    pytest.param(bad_email, BAD, "email", "email", id="email-without-at"),
    pytest.param(malformed_id, BAD, "id", "'org-42' is not a valid id", id="malformed-id"),
    pytest.param(
        malformed_territory_id, BAD, "territoryIds", "territoryIds", id="malformed-territory-id"
    ),
    pytest.param(
        missing_organization, "NOT_FOUND", "organizationId", "No organization",
        id="organization-does-not-exist",
    ),
    pytest.param(
        missing_territory, "NOT_FOUND", "territoryId", "No territory",
        id="territory-does-not-exist",
    ),
    pytest.param(
        missing_service_territory, "NOT_FOUND", "territoryIds", "No territory",
        id="one-of-the-territories-does-not-exist",
    ),
    pytest.param(
        missing_network, "NOT_FOUND", "networkId", "No network", id="network-does-not-exist"
    ),
    pytest.param(
        duplicate_organization_name, "CONFLICT", "name", "already a member",
        id="organization-name-taken-in-network",
    ),
    pytest.param(
        rename_onto_a_member, "CONFLICT", "name", "already a member",
        id="rename-onto-a-member-name",
    ),
    pytest.param(
        join_beside_a_namesake, "CONFLICT", "organizationId", "same name",
        id="join-a-network-with-a-namesake",
    ),
    pytest.param(
        member_twice, "CONFLICT", "organizationId", "already a member", id="already-a-member"
    ),
    pytest.param(
        member_until_next_month, "CONFLICT", "organizationId", "already a member",
        id="still-a-member-until-next-month",
    ),
    pytest.param(
        namesake_leaving_next_month, "CONFLICT", "organizationId", "same name",
        id="namesake-leaving-next-month",
    ),
    pytest.param(
        duplicate_service_name, "CONFLICT", "name", "already offers",
        id="service-name-taken-in-organization",
    ),
    pytest.param(
        membership_until_before_since, BAD, "until",
        "until (2024-04-30) is before the start date (2024-05-01)",
        id="membership-until-before-since",
    ),
    pytest.param(
        partnership_until_before_since, BAD, "until", "until (2023-12-31) is before",
        id="partnership-until-before-since",
    ),
    pytest.param(partner_with_itself, BAD, "partnerId", "itself", id="partner-with-itself"),
    pytest.param(
        duplicate_territory_code, "CONFLICT", "code", "already exists", id="territory-code-taken"
    ),
    pytest.param(
        zero_acknowledgement_delay, BAD, "ackDelayHours", "ackDelayHours",
        id="zero-acknowledgement-delay",
    ),
]
# fmt: on


@pytest.mark.parametrize(("request_for", "code", "field", "words"), REFUSALS)
async def test_bad_input_is_refused_with_its_code_and_field_and_writes_nothing(
    world: World,
    db: Database,
    request_for: Callable[[World], Awaitable[Request]],
    code: str,
    field: str,
    words: str,
) -> None:
    admin = await world.caller("PLATFORM_ADMIN")
    await admin.data("{ me { roles } }")  # the token's first use is recorded before measuring
    query, variables = await request_for(world)
    error = only_error(await without_writes(db, lambda: admin(query, variables), has_errors))
    assert error["extensions"]["code"] == code
    assert error["extensions"]["field"] == field
    assert words in error["message"]


# ------------------------------------------------------------------ unexpected errors


async def test_an_unexpected_failure_is_masked_and_logged_with_the_request_id(
    settings: Settings, caplog: pytest.LogCaptureFixture
) -> None:
    # A database that does not exist on the real server: a driver error no layer expects, so
    # the client sees no internals. (An unreachable Neo4j is an expected SERVICE_UNAVAILABLE:
    # tests/resilience/test_bounded_waits.py.)
    driver = AsyncGraphDatabase.driver(
        settings.neo4j_uri, auth=(settings.neo4j_user, settings.neo4j_password)
    )
    principal = Principal(user_id="u", name="Reader")
    context = Context(
        db=Database(driver, database="nosuchdatabase"),
        settings=settings,
        request_id="req-42abcdef",
        principal=principal,
    )
    try:
        with caplog.at_level(logging.ERROR, logger="maillage.errors"):
            result = await build_schema(settings).execute(
                "{ needs { code } }", context_value=context
            )
    finally:
        await driver.close()
    assert result.errors is not None
    (error,) = result.errors
    assert error.message == "Unexpected error. Quote request id req-42abcdef to support."
    assert error.extensions == {"code": "INTERNAL_SERVER_ERROR", "requestId": "req-42abcdef"}
    (record,) = [r for r in caplog.records if r.name == "maillage.errors"]
    assert record.exc_info is not None
    assert getattr(record, "request_id", None) == "req-42abcdef"

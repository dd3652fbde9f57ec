"""The directory over GraphQL: queries, mutations, refused input and who may write.

Every test builds its own network, organizations and territories with unique
names, so it filters on them and never sees another test's records.
"""

from __future__ import annotations

import base64
import logging
import uuid
from collections.abc import Awaitable, Callable
from datetime import date, datetime, timedelta
from typing import Any, TypeVar

import pytest
from neo4j import AsyncGraphDatabase

from graph import networks, organizations
from graph.db import Database
from graph.identity import Principal
from schema import build_schema
from schema.context import Context
from server.settings import Settings
from tests.conftest import Api, World, graph_size, unique

T = TypeVar("T")

ORGANIZATIONS = """
query($filter: OrganizationFilter, $first: Int, $after: String) {
  organizations(filter: $filter, first: $first, after: $after) {
    totalCount
    pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
    edges { cursor node { id name kind active } }
  }
}
"""
SERVICES = """
query($filter: ServiceFilter, $first: Int, $after: String) {
  services(filter: $filter, first: $first, after: $after) {
    totalCount
    edges { node { name availability organization { name } } }
  }
}
"""
CREATE_ORGANIZATION = """
mutation($input: CreateOrganizationInput!) {
  createOrganization(input: $input) { id name kind description languages active territoryId }
}
"""
UPDATE_ORGANIZATION = """
mutation($id: ID!, $input: UpdateOrganizationInput!) {
  updateOrganization(id: $id, input: $input) { id name description website }
}
"""
CREATE_SERVICE = """
mutation($input: CreateServiceInput!) {
  createService(input: $input) {
    id name availability organization { id } needs { code } territories { code }
  }
}
"""
SET_AVAILABILITY = """
mutation($id: ID!, $availability: Availability!) {
  setServiceAvailability(id: $id, availability: $availability) {
    availability availabilityChangedAt availabilityHistory { availability at }
  }
}
"""
ADD_MEMBER = """
mutation($network: ID!, $organization: ID!, $since: Date) {
  addNetworkMember(networkId: $network, organizationId: $organization, since: $since) {
    since until organization { name }
  }
}
"""
END_MEMBERSHIP = """
mutation($network: ID!, $organization: ID!, $until: Date) {
  endNetworkMembership(networkId: $network, organizationId: $organization, until: $until) {
    since until
  }
}
"""
DECLARE_PARTNERSHIP = """
mutation($organization: ID!, $partner: ID!, $kind: PartnershipKind!, $since: Date) {
  declarePartnership(organizationId: $organization, partnerId: $partner, kind: $kind,
                     since: $since) {
    id kind since until source { name } target { name }
  }
}
"""
END_PARTNERSHIP = """
mutation($id: ID!, $until: Date) { endPartnership(id: $id, until: $until) { id since until } }
"""
NETWORK = """
query($id: ID!) {
  network(id: $id) {
    name territoryCodes ackDelayHours
    members { since until organization { name } }
    partnerships { kind since until source { name } target { name } }
  }
}
"""


async def without_writes(
    db: Database, request: Callable[[], Awaitable[T]], refused: Callable[[T], bool]
) -> T:
    """Send a request that must be refused, and prove the refusal wrote nothing.

    Other suites may write to the shared test database meanwhile, so a change
    of ``graph_size`` is retried: a refused request that writes part of its
    work does so on every attempt, a concurrent writer only now and then. The
    request must be refused every time, first time included.
    """
    for _ in range(5):
        before = await graph_size(db)
        answer = await request()
        assert refused(answer), f"the request was not refused: {answer!r}"
        if await graph_size(db) == before:
            return answer
    pytest.fail("the graph changed in every attempt: the refused request wrote something")


def has_errors(body: dict[str, Any]) -> bool:
    return bool(body.get("errors"))


def names(connection: dict[str, Any]) -> list[str]:
    return [edge["node"]["name"] for edge in connection["edges"]]


def only_error(body: dict[str, Any]) -> dict[str, Any]:
    assert body.get("data") is None, body
    (error,) = body["errors"]
    return dict(error)


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


async def test_paging_with_after_visits_every_organization_once(world: World) -> None:
    network = await world.network()
    created = {(await world.organization(network))["id"] for _ in range(7)}
    reader = await world.caller("PLATFORM_ADMIN")
    seen: list[str] = []
    pages: list[tuple[int, bool, bool]] = []
    after = None
    while True:
        page = (
            await reader.data(
                ORGANIZATIONS,
                {"filter": {"networkId": network["id"]}, "first": 3, "after": after},
            )
        )["organizations"]
        assert page["totalCount"] == 7
        info = page["pageInfo"]
        pages.append((len(page["edges"]), info["hasPreviousPage"], info["hasNextPage"]))
        seen += [edge["node"]["id"] for edge in page["edges"]]
        assert info["startCursor"] == page["edges"][0]["cursor"]
        assert info["endCursor"] == page["edges"][-1]["cursor"]
        if not info["hasNextPage"]:
            break
        after = info["endCursor"]
    # 7 organizations, 3 a page: 3 + 3 + 1.
    assert pages == [(3, False, True), (3, True, True), (1, True, False)]
    assert len(seen) == 7
    assert set(seen) == created


async def test_a_page_past_the_end_is_empty(world: World) -> None:
    network = await world.network()
    await world.organization(network)
    reader = await world.caller("PLATFORM_ADMIN")
    first = (
        await reader.data(ORGANIZATIONS, {"filter": {"networkId": network["id"]}, "first": 5})
    )["organizations"]
    after = first["pageInfo"]["endCursor"]
    rest = (
        await reader.data(
            ORGANIZATIONS, {"filter": {"networkId": network["id"]}, "first": 5, "after": after}
        )
    )["organizations"]
    assert rest["edges"] == []
    assert rest["pageInfo"] == {
        "hasNextPage": False,
        "hasPreviousPage": True,
        "startCursor": None,
        "endCursor": None,
    }


def cursor(text: str) -> str:
    return base64.urlsafe_b64encode(text.encode()).decode()


@pytest.mark.parametrize(
    ("first", "after", "field"),
    [
        pytest.param(101, None, "first", id="first-over-100"),
        pytest.param(-1, None, "first", id="negative-first"),
        pytest.param(10, "not-a-cursor", "after", id="garbage-cursor"),
        pytest.param(10, cursor("x:3"), "after", id="foreign-cursor"),
        pytest.param(10, cursor("o:-4"), "after", id="negative-offset"),
        pytest.param(10, cursor("o:" + "9" * 30), "after", id="offset-beyond-any-list"),
    ],
)
async def test_page_requests_the_api_cannot_serve_are_bad_input(
    world: World, first: int, after: str | None, field: str
) -> None:
    reader = await world.caller("PLATFORM_ADMIN")
    for query in (ORGANIZATIONS, SERVICES):
        error = only_error(await reader(query, {"first": first, "after": after}))
        assert error["extensions"]["code"] == "BAD_USER_INPUT"
        assert error["extensions"]["field"] == field
        assert field in error["message"]


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


async def test_needs_are_the_taxonomy_labelled_in_french_and_english(world: World) -> None:
    reader = await world.caller("ORG_STAFF", organization=await world.organization())
    needs = {
        n["code"]: n for n in (await reader.data("{ needs { code labelFr labelEn } }"))["needs"]
    }
    assert needs["HOUSING"] == {"code": "HOUSING", "labelFr": "Logement", "labelEn": "Housing"}
    assert needs["MENTAL_HEALTH"]["labelFr"] == "Santé mentale"
    assert {
        "HOUSING",
        "EMPLOYMENT",
        "FOOD_SECURITY",
        "CHILD_DEVELOPMENT",
        "PARENTING",
        "HEALTH",
        "MENTAL_HEALTH",
        "INCOME",
        "LEGAL",
        "IMMIGRATION_FRANCISATION",
        "SOCIAL_ISOLATION",
        "TRANSPORT",
    } <= set(needs)


async def test_territories_list_the_one_just_created(world: World) -> None:
    territory = await world.territory()
    reader = await world.caller("PLATFORM_ADMIN")
    listed = (await reader.data("{ territories { id code name } }"))["territories"]
    assert territory in listed
    assert [t["code"] for t in listed] == sorted(t["code"] for t in listed)


async def test_places_filter_by_territory_and_kind(world: World) -> None:
    territory = await world.territory()
    park = await networks.create_place(
        world.db, name="Parc Morgan", kind="PARK", territory_id=territory["id"]
    )
    grocery = await networks.create_place(
        world.db, name="Marché Maisonneuve", kind="GROCERY", territory_id=territory["id"]
    )
    reader = await world.caller("PLATFORM_ADMIN")
    query = "query($t: ID, $k: PlaceKind) { places(territoryId: $t, kind: $k) { id name kind } }"
    every = (await reader.data(query, {"t": territory["id"]}))["places"]
    parks = (await reader.data(query, {"t": territory["id"], "k": "PARK"}))["places"]
    assert [p["id"] for p in every] == [grocery["id"], park["id"]]  # by name
    assert parks == [{"id": park["id"], "name": "Parc Morgan", "kind": "PARK"}]


async def test_network_shows_members_with_dates_and_partnerships(world: World) -> None:
    network = await world.network(territory_codes=["hoch", "ROSE"])
    a = await world.organization(name=f"A {unique()}")
    b = await world.organization(name=f"B {unique()}")
    await networks.add_network_member(
        world.db, network_id=network["id"], organization_id=a["id"], since=date(2024, 1, 15)
    )
    await networks.add_network_member(
        world.db, network_id=network["id"], organization_id=b["id"], since=date(2024, 6, 1)
    )
    await networks.declare_partnership(
        world.db,
        organization_id=a["id"],
        partner_id=b["id"],
        kind="AGREEMENT",
        since=date(2024, 7, 1),
    )
    reader = await world.caller("PLATFORM_ADMIN")
    found = (await reader.data(NETWORK, {"id": network["id"]}))["network"]
    assert found == {
        "name": network["name"],
        "territoryCodes": ["HOCH", "ROSE"],
        "ackDelayHours": 72,
        "members": [  # newest first
            {"since": "2024-06-01", "until": None, "organization": {"name": b["name"]}},
            {"since": "2024-01-15", "until": None, "organization": {"name": a["name"]}},
        ],
        "partnerships": [
            {
                "kind": "AGREEMENT",
                "since": "2024-07-01",
                "until": None,
                "source": {"name": a["name"]},
                "target": {"name": b["name"]},
            }
        ],
    }


async def test_vocabulary_gives_codes_with_both_labels(world: World) -> None:
    reader = await world.caller("PLATFORM_ADMIN")
    terms = (await reader.data('{ vocabulary(name: "availability") { code labelFr labelEn } }'))[
        "vocabulary"
    ]
    assert terms == [
        {"code": "OPEN", "labelFr": "Ouvert", "labelEn": "Open"},
        {"code": "WAITLIST", "labelFr": "Liste d'attente", "labelEn": "Waitlist"},
        {"code": "FULL", "labelFr": "Complet", "labelEn": "Full"},
        {"code": "CLOSED", "labelFr": "Fermé", "labelEn": "Closed"},
    ]


async def test_unknown_vocabulary_is_not_found_and_lists_the_known_ones(world: World) -> None:
    reader = await world.caller("PLATFORM_ADMIN")
    error = only_error(await reader('{ vocabulary(name: "colours") { code } }'))
    assert error["extensions"] == {"code": "NOT_FOUND", "field": "name"}
    assert "placeKind" in error["message"]


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


async def test_network_membership_is_dated_from_since_to_until(world: World) -> None:
    network = await world.network()
    org = await world.organization()
    coordinator = await world.caller("COORDINATOR", network=network)
    added = await coordinator.data(
        ADD_MEMBER,
        {"network": network["id"], "organization": org["id"], "since": "2023-09-01"},
    )
    assert added == {
        "addNetworkMember": {
            "since": "2023-09-01",
            "until": None,
            "organization": {"name": org["name"]},
        }
    }
    listed = await coordinator.data(ORGANIZATIONS, {"filter": {"networkId": network["id"]}})
    assert names(listed["organizations"]) == [org["name"]]
    ended = await coordinator.data(
        END_MEMBERSHIP,
        {"network": network["id"], "organization": org["id"], "until": "2024-06-30"},
    )
    assert ended == {"endNetworkMembership": {"since": "2023-09-01", "until": "2024-06-30"}}
    after = await coordinator.data(ORGANIZATIONS, {"filter": {"networkId": network["id"]}})
    assert after["organizations"]["totalCount"] == 0  # a past member is not a member today


async def test_a_partnership_is_declared_then_ended(world: World) -> None:
    network = await world.network()
    a = await world.organization(network)
    b = await world.organization(network)
    admin = await world.caller("ORG_ADMIN", organization=a)
    declared = (
        await admin.data(
            DECLARE_PARTNERSHIP,
            {
                "organization": a["id"],
                "partner": b["id"],
                "kind": "SHARED_STAFF",
                "since": "2024-02-01",
            },
        )
    )["declarePartnership"]
    assert declared["kind"] == "SHARED_STAFF"
    assert (declared["source"]["name"], declared["target"]["name"]) == (a["name"], b["name"])
    ended = await admin.data(END_PARTNERSHIP, {"id": declared["id"], "until": "2024-12-31"})
    assert ended == {
        "endPartnership": {"id": declared["id"], "since": "2024-02-01", "until": "2024-12-31"}
    }
    again = only_error(await admin(END_PARTNERSHIP, {"id": declared["id"]}))
    assert again["extensions"] == {"code": "CONFLICT", "field": "id"}
    shown = (await admin.data(NETWORK, {"id": network["id"]}))["network"]["partnerships"]
    assert [(p["since"], p["until"]) for p in shown] == [("2024-02-01", "2024-12-31")]


async def test_create_place_territory_and_network(world: World) -> None:
    admin = await world.caller("PLATFORM_ADMIN")
    code = unique("t").upper()
    territory = (
        await admin.data(
            'mutation($c: String!) { createTerritory(code: $c, name: "Hochelaga") '
            "{ id code name } }",
            {"c": code.lower()},
        )
    )["createTerritory"]
    assert (territory["code"], territory["name"]) == (code, "Hochelaga")
    place = (
        await admin.data(
            'mutation($t: ID) { createPlace(name: "HLM Boyce-Viau", kind: SOCIAL_HOUSING, '
            "territoryId: $t) { id name kind territoryId } }",
            {"t": territory["id"]},
        )
    )["createPlace"]
    assert place == {
        "id": place["id"],
        "name": "HLM Boyce-Viau",
        "kind": "SOCIAL_HOUSING",
        "territoryId": territory["id"],
    }
    name = unique("Table ")
    network = (
        await admin.data(
            "mutation($input: CreateNetworkInput!) { createNetwork(input: $input) "
            "{ name territoryCodes ackDelayHours retentionDays } }",
            {"input": {"name": name, "territoryCodes": [code], "ackDelayHours": 48}},
        )
    )["createNetwork"]
    assert network == {
        "name": name,
        "territoryCodes": [code],
        "ackDelayHours": 48,
        "retentionDays": 90,
    }


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


# ------------------------------------------------------------------ who may write


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


# ------------------------------------------------------------------ unexpected errors


async def test_an_unexpected_failure_is_masked_and_logged_with_the_request_id(
    settings: Settings, caplog: pytest.LogCaptureFixture
) -> None:
    # Neo4j unreachable mid-request: not a MaillageError, so the client sees no internals.
    driver = AsyncGraphDatabase.driver(
        "bolt://127.0.0.1:9",
        auth=("neo4j", "x" * 8),
        max_transaction_retry_time=0,
        connection_timeout=1,
    )
    principal = Principal(user_id="u", name="Reader")
    context = Context(
        db=Database(driver), settings=settings, request_id="req-42abcdef", principal=principal
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

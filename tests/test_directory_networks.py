"""Networks, territories and places over GraphQL: dated memberships and partnerships."""

from __future__ import annotations

from datetime import date

from graph.directory import networks
from tests.conftest import World, unique
from tests.directory_helpers import (
    ADD_MEMBER,
    DECLARE_PARTNERSHIP,
    END_MEMBERSHIP,
    END_PARTNERSHIP,
    NETWORK,
    ORGANIZATIONS,
    names,
    only_error,
)

# ------------------------------------------------------------------ queries


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


# ------------------------------------------------------------------ mutations


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

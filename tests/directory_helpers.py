"""GraphQL documents and helpers shared by the directory's test modules.

Every test builds its own network, organizations and territories with unique
names, so it filters on them and never sees another test's records.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import pytest

from graph.db import Database
from tests.conftest import graph_size

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

"""The region view through the API on the demo network: the planted broker is critical there.

The demo's BROKER_CLOSURE organization links the two networks until it
closes (Q2 2025, per the manifest). In each network's own breakdowns it is
not an articulation point that matters to the other network; in the region
(both networks as one graph) it is the organization whose loss splits the
graph, so ``region { breakdowns { criticalOrganizations } }`` lists it with
``disconnects: true`` for 2024, and the region's largest component covers
every organization while it is open. Access: a coordinator of every listed
network, or a platform admin; a coordinator of one network only is
FORBIDDEN, and only platform admins may omit ``networkIds``.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx
import pytest

from graph.access import identity
from graph.db import Database
from graph.importer import import_dataset
from simulator import run
from tests.conftest import Api, unique

pytestmark = pytest.mark.slow

REGION = """
query($ids: [ID!]) {
  region(networkIds: $ids) {
    networkIds
    breakdowns(from: "2024-01-01", to: "2024-12-31") {
      deidentified
      criticalOrganizations { organizationId name disconnects }
    }
    collaboration(from: "2024-01-01", to: "2024-12-31", period: YEAR) {
      periods { metrics { organizations components largestComponentShare } }
    }
  }
}
"""
NETWORK = """
query($id: ID!) {
  network(id: $id) {
    breakdowns(from: "2024-01-01", to: "2024-12-31") {
      criticalOrganizations { organizationId disconnects }
    }
  }
}
"""


@pytest.fixture(scope="module")
async def demo(db: Database, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    folder = run("demo", 7, tmp_path_factory.mktemp("demo-7-region"))
    report = await import_dataset(db, Path(folder))
    assert report.ok, report.errors[:5]
    manifest = json.loads((Path(folder) / "manifest.json").read_text())
    closure = next(e for e in manifest["plantedEvents"] if e["kind"] == "BROKER_CLOSURE")
    nets: list[str] = closure["details"]["networkIds"]
    tokens = {}
    for who, held in (("both", nets), ("one", nets[:1])):
        user = await identity.create_user(db, email=f"{unique(who)}@test.maillage", name=who)
        for net in held:
            await identity.assign_network_role(
                db, user_id=user["id"], network_id=net, role="COORDINATOR"
            )
        tokens[who], _ = await identity.create_token(db, user_id=user["id"])
    admin = await identity.create_user(
        db, email=f"{unique('admin')}@test.maillage", name="admin", platform_admin=True
    )
    tokens["admin"], _ = await identity.create_token(db, user_id=admin["id"])
    return {"broker": closure["organizationId"], "networks": nets, "tokens": tokens}


async def test_the_broker_between_two_networks_is_critical_in_their_region(
    client: httpx.AsyncClient, demo: dict[str, Any]
) -> None:
    both = Api(client, demo["tokens"]["both"])
    data = await both.data(REGION, {"ids": demo["networks"]})
    region = data["region"]
    assert sorted(region["networkIds"]) == sorted(demo["networks"])
    critical = {c["organizationId"]: c for c in region["breakdowns"]["criticalOrganizations"]}
    assert critical[demo["broker"]]["disconnects"] is True
    assert critical[demo["broker"]]["name"]  # a coordinator of both: identified
    (year,) = region["collaboration"]["periods"]
    assert year["metrics"]["components"] == 1  # joined through the broker while it is open
    # Seen from one network alone, the broker does not hold the other network together:
    # the region sees more organizations than either network.
    for net in demo["networks"]:
        alone = await both.data(NETWORK, {"id": net})
        cut = alone["network"]["breakdowns"]["criticalOrganizations"]
        assert demo["broker"] not in {c["organizationId"] for c in cut if c["disconnects"]}
    sizes = []
    for net in demo["networks"]:
        one = await both.data(REGION, {"ids": [net]})
        sizes.append(one["region"]["collaboration"]["periods"][0]["metrics"]["organizations"])
    assert year["metrics"]["organizations"] > max(sizes)


async def test_a_region_needs_a_coordinator_of_every_network_or_a_platform_admin(
    client: httpx.AsyncClient, demo: dict[str, Any]
) -> None:
    body = await Api(client, demo["tokens"]["one"])(REGION, {"ids": demo["networks"]})
    assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    body = await Api(client, demo["tokens"]["both"])(REGION, {"ids": None})
    assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    data = await Api(client, demo["tokens"]["admin"]).data(REGION, {"ids": None})
    assert set(demo["networks"]) <= set(data["region"]["networkIds"])
    critical = {c["organizationId"] for c in data["region"]["breakdowns"]["criticalOrganizations"]}
    assert demo["broker"] in critical

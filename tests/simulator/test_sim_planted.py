"""The planted events of manifest.json are really in the data."""

from __future__ import annotations

import collections
import statistics

import networkx as nx
import pytest

from simulator import SimulationParams, simulate
from tests.simulator.dataset_index import Indexed

KINDS = {"CAPACITY_SHOCK", "BLACK_HOLE", "NEW_PARTNERSHIP", "BROKER_CLOSURE", "SERVICE_GAP"}


def _acknowledged(d: Indexed, referral_id: str) -> bool:
    return any(e["type"] == "ACKNOWLEDGED" for e in d.events[referral_id])


def test_manifest_lists_the_five_planted_events(demo: Indexed) -> None:
    assert set(demo.planted) == KINDS
    for event in demo.data.manifest["plantedEvents"]:
        assert event["start"] >= demo.data.manifest["period"]["start"]
        assert event["expectedSignal"]


def test_capacity_shock_makes_the_service_full_then_open(demo: Indexed) -> None:
    shock = demo.planted["CAPACITY_SHOCK"]
    changes = [
        (a["at"][:10], a["availability"])
        for a in demo.data.availability
        if a["serviceId"] == shock["serviceId"]
    ]

    assert changes[1:] == [(shock["start"], "FULL"), (shock["end"], "OPEN")]


def test_capacity_shock_multiplies_no_capacity_declines(demo: Indexed) -> None:
    shock = demo.planted["CAPACITY_SHOCK"]
    declines: collections.Counter[str] = collections.Counter()
    for r in demo.data.referrals:
        if r["receiverId"] == shock["organizationId"]:
            for e in demo.events[r["id"]]:
                if e["reason"] == "NO_CAPACITY" and e["type"] == "DECLINED":
                    declines[e["at"][:7]] += 1
    months = sorted({r["sentAt"][:7] for r in demo.data.referrals})
    during = [m for m in months if shock["start"][:7] <= m < shock["end"][:7]]
    before = [m for m in months if m not in during]

    per_month_during = sum(declines[m] for m in during) / len(during)
    per_month_before = sum(declines[m] for m in before) / len(before)
    assert per_month_during > 3 * max(per_month_before, 0.5)


def test_black_hole_rarely_acknowledges_while_the_network_does(demo: Indexed) -> None:
    hole = demo.planted["BLACK_HOLE"]["organizationId"]
    to_hole = [r["id"] for r in demo.data.referrals if r["receiverId"] == hole]
    others = [r["id"] for r in demo.data.referrals if r["receiverId"] != hole]

    assert len(to_hole) > 50
    assert sum(_acknowledged(demo, r) for r in to_hole) / len(to_hole) < 0.2
    assert sum(_acknowledged(demo, r) for r in others) / len(others) > 0.6
    expired = sum(demo.last_status(r) == "EXPIRED" for r in to_hole)
    assert expired / len(to_hole) > 0.6


def test_new_partners_exchange_nothing_before_and_referrals_after(demo: Indexed) -> None:
    event = demo.planted["NEW_PARTNERSHIP"]
    pair = {event["organizationId"], event["partnerOrganizationId"]}
    declared = [p for p in demo.data.partnerships if {p["sourceId"], p["targetId"]} == pair]
    exchanged = [r for r in demo.data.referrals if {r["senderId"], r["receiverId"]} == pair]

    assert [(p["since"], p["until"]) for p in declared] == [(event["start"], None)]
    assert not [r for r in exchanged if r["sentAt"] < event["start"]]
    assert len(exchanged) >= 5


def test_nobody_refers_to_or_from_the_broker_after_it_closes(demo: Indexed) -> None:
    event = demo.planted["BROKER_CLOSURE"]
    broker, closed = event["organizationId"], event["start"]
    involved = [r for r in demo.data.referrals if broker in (r["senderId"], r["receiverId"])]

    assert len(involved) > 100
    assert all(r["sentAt"] < closed for r in involved)
    assert all(e["at"] < closed for r in involved for e in demo.events[r["id"]])
    assert demo.orgs[broker]["active"] is False
    memberships = [m for m in demo.data.memberships if m["organizationId"] == broker]
    assert len(memberships) == 2 and all(m["until"] == closed for m in memberships)
    services = [s for s in demo.data.services if s["organizationId"] == broker]
    assert services and all(s["availability"] == "CLOSED" for s in services)


def test_broker_bridges_the_networks_until_it_closes(demo: Indexed) -> None:
    event = demo.planted["BROKER_CLOSURE"]
    broker, closed = event["organizationId"], event["start"]
    before, after = nx.Graph(), nx.Graph()
    for r in demo.data.referrals:
        (before if r["sentAt"] < closed else after).add_edge(r["senderId"], r["receiverId"])
    betweenness = nx.betweenness_centrality(before)
    networks = {o: next(iter(n)) for o, n in demo.network_of.items() if len(n) == 1}

    assert max(betweenness, key=betweenness.__getitem__) == broker
    assert nx.is_connected(before)
    assert nx.number_connected_components(after) >= 2
    assert all(networks[u] == networks[v] for u, v in after.edges)


def test_gap_territory_has_no_provider_and_its_referrals_fail(demo: Indexed) -> None:
    gap = demo.planted["SERVICE_GAP"]
    territory, need = gap["territoryId"], gap["needCode"]
    failures = {"OUT_OF_TERRITORY", "NO_CAPACITY", "SERVICE_NOT_ADAPTED"}

    def failure_rate(in_gap: bool) -> float:
        acknowledged = [
            r["id"]
            for r in demo.data.referrals
            if r["needCodes"][0] == need
            and r["redirectedFromId"] is None
            and (demo.orgs[r["senderId"]]["territoryId"] == territory) is in_gap
            and _acknowledged(demo, r["id"])
        ]
        assert len(acknowledged) > 20
        failed = [
            r
            for r in acknowledged
            if demo.events[r][-1]["type"] == "REDIRECTED"
            or (
                demo.events[r][-1]["type"] == "DECLINED"
                and demo.events[r][-1]["reason"] in failures
            )
        ]
        return len(failed) / len(acknowledged)

    assert not [
        s for s in demo.data.services if need in s["needCodes"] and territory in s["territoryIds"]
    ]
    assert failure_rate(in_gap=True) > 0.5
    assert failure_rate(in_gap=False) < 0.25


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_planted_signals_hold_for_other_seeds(seed: int) -> None:
    params = SimulationParams(organizations=50, months=18, referrals=3_000)
    data = simulate(params, seed)
    events = {e["kind"]: e for e in data.manifest["plantedEvents"]}
    hole = events["BLACK_HOLE"]["organizationId"]
    status: dict[str, list[str]] = collections.defaultdict(list)
    for e in data.events:
        status[e["referralId"]].append(e["type"])
    to_hole = [r for r in data.referrals if r["receiverId"] == hole]
    broker, closed = events["BROKER_CLOSURE"]["organizationId"], events["BROKER_CLOSURE"]["start"]

    assert statistics.mean("ACKNOWLEDGED" in status[r["id"]] for r in to_hole) < 0.2
    assert not [
        r
        for r in data.referrals
        if broker in (r["senderId"], r["receiverId"]) and r["sentAt"] >= closed
    ]


def test_unplanted_regions_plant_nothing() -> None:
    params = SimulationParams(
        organizations=30, territories=3, months=8, referrals=400, planted=False
    )
    data = simulate(params, 3)

    assert data.manifest["plantedEvents"] == []
    assert data.manifest["plantedPresence"] == []
    assert all(o["active"] for o in data.organizations)

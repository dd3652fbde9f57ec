"""Loose checks that the demo region looks like a real referral network."""

from __future__ import annotations

import collections
import itertools
import statistics
from datetime import datetime

import pytest

from simulator import MEDIUM, Simulation
from tests.simulator.dataset_index import Indexed

# Needs a service of each kind may address (kind-consistent services).
KIND_NEEDS = {
    "CHILDCARE": {"CHILDCARE", "CHILD_DEVELOPMENT"},
    "FOOD_SECURITY": {"FOOD_SECURITY", "INCOME", "SOCIAL_ISOLATION"},
    "HOUSING": {"HOUSING", "LEGAL", "INCOME"},
    "EMPLOYMENT": {"EMPLOYMENT", "EDUCATION", "INCOME", "IMMIGRATION_FRANCISATION"},
    "SCHOOL": {"EDUCATION", "CHILDCARE", "MENTAL_HEALTH", "IMMIGRATION_FRANCISATION",
               "FOOD_SECURITY"},
    "HEALTH_SOCIAL_SERVICES": {"HEALTH", "MENTAL_HEALTH", "PARENTING", "CHILD_DEVELOPMENT",
                               "SOCIAL_ISOLATION"},
}  # fmt: skip
SEED_PLACES = {
    "PARK", "GROCERY", "MALL", "STREET", "FOOD_BANK", "THRIFT_STORE", "COMMUNITY_EVENT",
    "SCHOOL", "CHILDCARE", "SOCIAL_HOUSING",
}  # fmt: skip


def _hours(start: str, end: str) -> float:
    def at(text: str) -> datetime:
        return datetime.fromisoformat(text.replace("Z", "+00:00"))

    return (at(end) - at(start)).total_seconds() / 3600


def test_most_referrals_stay_within_a_territory(demo: Indexed) -> None:
    referrals = demo.data.referrals
    local = sum(
        demo.orgs[r["senderId"]]["territoryId"] == demo.orgs[r["receiverId"]]["territoryId"]
        for r in referrals
    )

    assert local / len(referrals) > 0.6


def test_acknowledgement_takes_about_a_day(demo: Indexed) -> None:
    delays = [
        _hours(r["sentAt"], e["at"])
        for r in demo.data.referrals
        for e in demo.events[r["id"]]
        if e["type"] == "ACKNOWLEDGED"
    ]

    assert 18 < statistics.median(delays) < 32
    assert max(delays) < 72


def test_most_referrals_are_acknowledged(demo: Indexed) -> None:
    acknowledged = sum(
        any(e["type"] == "ACKNOWLEDGED" for e in demo.events[r["id"]]) for r in demo.data.referrals
    )

    assert 0.75 < acknowledged / len(demo.data.referrals) < 0.95


def test_september_is_busier_than_december(demo: Indexed) -> None:
    per_month = collections.Counter(r["sentAt"][5:7] for r in demo.data.referrals)

    assert per_month["09"] > 1.5 * per_month["12"]
    assert per_month["09"] == max(per_month.values())


def test_late_december_is_the_quietest_fortnight(demo: Indexed) -> None:
    late_december = sum(r["sentAt"][5:10] >= "12-20" for r in demo.data.referrals)
    early_december = sum("12-01" <= r["sentAt"][5:10] < "12-13" for r in demo.data.referrals)

    assert late_december < 0.5 * early_december


def test_family_organizations_are_the_most_common_kind(demo: Indexed) -> None:
    kinds = collections.Counter(o["kind"] for o in demo.data.organizations)

    assert kinds.most_common(1)[0][0] == "COMMUNITY"
    assert {"HEALTH_SOCIAL_SERVICES", "SCHOOL", "CHILDCARE", "FOOD_SECURITY", "HOUSING"} <= set(
        kinds
    )


@pytest.mark.parametrize("kind", sorted(KIND_NEEDS))
def test_services_address_needs_consistent_with_their_kind(demo: Indexed, kind: str) -> None:
    services = [s for s in demo.data.services if demo.orgs[s["organizationId"]]["kind"] == kind]

    assert services
    for service in services:
        assert set(service["needCodes"]) <= KIND_NEEDS[kind], service["name"]


def test_every_territory_has_a_clsc(demo: Indexed) -> None:
    clsc_territories = [
        str(o["territoryId"]) for o in demo.data.organizations if o["name"][:5] == "CLSC "
    ]

    assert sorted(clsc_territories) == sorted(t["id"] for t in demo.data.territories)


def test_organization_and_place_names_are_unique(demo: Indexed) -> None:
    organizations = [o["name"] for o in demo.data.organizations]
    places = [p["name"] for p in demo.data.places]

    assert len(set(organizations)) == len(organizations)
    assert len(set(places)) == len(places)


def test_outreach_workers_visit_the_places_the_seed_text_names(demo: Indexed) -> None:
    places = {p["id"]: p for p in demo.data.places}
    visited = {places[p["placeId"]]["kind"] for p in demo.data.presence}

    assert visited >= SEED_PLACES
    assert all(p["hours"] > 0 and p["contacts"] >= 0 for p in demo.data.presence)


def test_outreach_presence_is_regular_and_repeated(demo: Indexed) -> None:
    visits = collections.Counter((p["organizationId"], p["placeId"]) for p in demo.data.presence)

    assert statistics.median(visits.values()) >= 20  # weekly or fortnightly over two years


def test_parks_are_visited_from_may_to_october(demo: Indexed) -> None:
    parks = {p["id"] for p in demo.data.places if p["kind"] == "PARK"}
    months = {p["date"][5:7] for p in demo.data.presence if p["placeId"] in parks}

    assert months and months <= {"05", "06", "07", "08", "09", "10"}


def test_referrals_originate_at_places_where_the_sender_is_present(demo: Indexed) -> None:
    present = {(p["organizationId"], p["placeId"]) for p in demo.data.presence}
    from_places = [r for r in demo.data.referrals if r["placeId"] is not None]

    assert len(from_places) > 0.1 * len(demo.data.referrals)
    assert all((r["senderId"], r["placeId"]) in present for r in from_places)


def test_busy_pairs_carry_a_large_share_of_referrals(demo: Indexed) -> None:
    pairs = collections.Counter((r["senderId"], r["receiverId"]) for r in demo.data.referrals)
    counts = sorted(pairs.values(), reverse=True)

    assert sum(counts[: len(counts) // 10]) > 0.3 * sum(counts)


def test_many_ties_are_reciprocated(demo: Indexed) -> None:
    pairs = {(r["senderId"], r["receiverId"]) for r in demo.data.referrals}

    assert sum((b, a) in pairs for a, b in pairs) / len(pairs) > 0.4


def test_declared_partners_refer_to_each_other_more(demo: Indexed) -> None:
    declared = {frozenset((p["sourceId"], p["targetId"])) for p in demo.data.partnerships}
    exchanged = collections.Counter(
        frozenset((r["senderId"], r["receiverId"])) for r in demo.data.referrals
    )
    same_network = [
        frozenset(pair)
        for pair in itertools.combinations(demo.orgs, 2)
        if demo.network_of[pair[0]] & demo.network_of[pair[1]]
    ]
    partners = [exchanged[p] for p in same_network if p in declared]
    others = [exchanged[p] for p in same_network if p not in declared]

    assert statistics.mean(partners) > 1.5 * statistics.mean(others)


def test_kinds_follow_the_shares_across_a_larger_region() -> None:
    directory = Simulation(MEDIUM, seed=1).directory
    kinds = collections.Counter(o.kind for o in directory.organizations)

    for kind, share in MEDIUM.kind_shares:
        assert abs(kinds[kind] / len(directory.organizations) - share) < 0.04, kind

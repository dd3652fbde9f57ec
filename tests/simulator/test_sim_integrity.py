"""Simulated datasets pass the importer's rules: ids, codes, times (docs/interchange.md)."""

from __future__ import annotations

import collections
import re
import uuid

from domain.vocabulary import (
    NEEDS,
    Availability,
    ConsentMethod,
    DeclineReason,
    EventType,
    OrganizationKind,
    PartnershipKind,
    PlaceKind,
    Urgency,
)
from tests.simulator.dataset_index import Indexed

TIME = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ")
DATE = re.compile(r"\d{4}-\d\d-\d\d")


def test_every_referenced_id_exists(demo: Indexed) -> None:
    d = demo.data
    territories = {t["id"] for t in d.territories}
    networks = {n["id"] for n in d.networks}
    places = {p["id"] for p in d.places}
    services = {s["id"]: s for s in d.services}
    orgs = demo.orgs

    assert all(p["territoryId"] in territories for p in d.places)
    assert all(o["territoryId"] in territories | {None} for o in d.organizations)
    assert all(m["organizationId"] in orgs and m["networkId"] in networks for m in d.memberships)
    for s in d.services:
        assert s["organizationId"] in orgs
        assert set(s["territoryIds"]) <= territories
    assert all(a["serviceId"] in services for a in d.availability)
    assert all(p["sourceId"] in orgs and p["targetId"] in orgs for p in d.partnerships)
    assert all(p["organizationId"] in orgs and p["placeId"] in places for p in d.presence)
    for r in d.referrals:
        assert r["senderId"] in orgs and r["receiverId"] in orgs
        assert services[str(r["serviceId"])]["organizationId"] == r["receiverId"]
        assert r["placeId"] in places | {None}
        assert r["redirectedFromId"] in demo.referrals.keys() | {None}
    assert all(e["referralId"] in demo.referrals for e in d.events)
    assert all(e["actorOrganizationId"] in orgs.keys() | {None} for e in d.events)
    assert set(demo.events) == set(demo.referrals)


def test_every_network_territory_code_is_a_territory(demo: Indexed) -> None:
    codes = [c for n in demo.data.networks for c in n["territoryCodes"]]

    assert sorted(codes) == sorted(t["code"] for t in demo.data.territories)


def test_ids_are_unique_version_4_uuids(demo: Indexed) -> None:
    d = demo.data
    ids = [
        *(r["id"] for r in d.referrals),
        *(e["id"] for e in d.events),
        *(o["id"] for o in d.organizations),
        *(s["id"] for s in d.services),
        *(p["id"] for p in d.places),
        *(t["id"] for t in d.territories),
        *(n["id"] for n in d.networks),
    ]

    assert len(ids) == len(set(ids))
    assert all(uuid.UUID(i).version == 4 and str(uuid.UUID(i)) == i for i in ids)
    keys = [r["idempotencyKey"] for r in d.referrals]
    assert len(keys) == len(set(keys))


def test_codes_are_known(demo: Indexed) -> None:
    d = demo.data

    def codes(enum: type) -> set[str]:
        return {member.value for member in enum}  # type: ignore[attr-defined]

    assert {o["kind"] for o in d.organizations} <= codes(OrganizationKind)
    assert {p["kind"] for p in d.places} <= codes(PlaceKind)
    assert {s["availability"] for s in d.services} <= codes(Availability)
    assert {a["availability"] for a in d.availability} <= codes(Availability)
    assert {p["kind"] for p in d.partnerships} <= codes(PartnershipKind)
    assert {n for s in d.services for n in s["needCodes"]} <= set(NEEDS)
    assert {n for r in d.referrals for n in r["needCodes"]} <= set(NEEDS)
    assert {r["urgency"] for r in d.referrals} == codes(Urgency)
    assert {r["consent"]["method"] for r in d.referrals} == codes(ConsentMethod)
    assert {e["type"] for e in d.events} <= codes(EventType)
    assert {e["reason"] for e in d.events} - {None} <= codes(DeclineReason)


def test_times_are_utc_with_z_and_dates_are_iso(demo: Indexed) -> None:
    d = demo.data
    times = [
        *(o["createdAt"] for o in d.organizations),
        *(s["createdAt"] for s in d.services),
        *(a["at"] for a in d.availability),
        *(t for r in d.referrals for t in (r["sentAt"], r["acknowledgeBy"], r["consent"]["at"])),
        *(e["at"] for e in d.events),
    ]
    dates = [
        *(m["since"] for m in d.memberships),
        *(m["until"] for m in d.memberships if m["until"]),
        *(p["since"] for p in d.partnerships),
        *(p["until"] for p in d.partnerships if p["until"]),
        *(p["date"] for p in d.presence),
    ]

    assert all(TIME.fullmatch(t) for t in times)
    assert all(DATE.fullmatch(t) for t in dates)


def test_events_and_referrals_stay_within_the_period(demo: Indexed) -> None:
    period = demo.data.manifest["period"]
    start, end = period["start"] + "T00:00:00Z", period["end"] + "T00:00:00Z"

    assert all(start <= r["sentAt"] < end for r in demo.data.referrals)
    assert all(start <= e["at"] < end for e in demo.data.events)
    assert all(period["start"] <= p["date"] < period["end"] for p in demo.data.presence)


def test_organizations_refer_only_once_they_exist(demo: Indexed) -> None:
    for r in demo.data.referrals:
        assert demo.orgs[r["senderId"]]["createdAt"] < r["sentAt"]
        assert demo.orgs[r["receiverId"]]["createdAt"] < r["sentAt"]


def test_consent_is_given_before_the_referral(demo: Indexed) -> None:
    for r in demo.data.referrals:
        assert r["consent"]["given"] is True
        assert r["consent"]["at"] <= r["sentAt"]


def test_availability_history_ends_in_each_services_current_availability(demo: Indexed) -> None:
    history = collections.defaultdict(list)
    for change in demo.data.availability:
        history[change["serviceId"]].append(change)

    assert [a["at"] for a in demo.data.availability] == sorted(
        a["at"] for a in demo.data.availability
    )
    for service in demo.data.services:
        changes = history[service["id"]]
        assert changes[0] == {
            "serviceId": service["id"],
            "availability": "OPEN",
            "at": service["createdAt"],
        }
        assert changes[-1]["availability"] == service["availability"]

"""Presence analytics through the API on a tiny log: coordinators identified, researchers not."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import pytest

from graph import presence
from graph.db import Database
from graph.directory import networks
from graph.referral import commands as referrals
from tests.conftest import World, unique

QUERY = """
query($net: ID!, $from: Date!, $to: Date!) {
  presenceAnalytics(networkId: $net, from: $from, to: $to) {
    deidentified
    places { placeId name kind visits hours contacts firstContacts contactsPerHour
             referrals referralsPerHour weeks weeksWithPresence shareOfWeeks longestGapWeeks
             trustLagWeeks needsWithoutOpenService { needCode count } }
    organizations { organizationId name places placeKinds ownServiceShare mostlyOwnServices
                    needsHeardNotReferredShare singleKind hours }
    placeKinds { kind hours }
    yieldByContinuousWeeks { fromWeek hours referrals referralsPerHour }
  }
}
"""


def monday_weeks_ago(n: int) -> date:
    today = datetime.now(UTC).date()
    return today - timedelta(days=today.weekday(), weeks=n)


async def _refer(
    db: Database, sender: str, receiver: str, place: str, need: str, day: date
) -> None:
    await referrals.send_referral(
        db,
        referrals.ReferralInput(
            to_organization_id=receiver,
            need_codes=[need],
            family_reference=f"F-{unique()}-5",
            idempotency_key=unique("key-"),
            consent_given=True,
            consent_method="VERBAL",
            consent_scope="referral",
            place_id=place,
        ),
        sender_id=sender,
        actor_user_id=None,
        now=datetime.combine(day, time(15), tzinfo=UTC),
    )


@pytest.fixture
async def tiny(world: World, db: Database) -> dict[str, Any]:
    """Organization A at park P four weeks running (2 h, 5 families, 2 new, HOUSING + INCOME);
    in week 4, a referral to X for HOUSING and one to S (which shares A's staff)."""
    net = await world.network()
    territory = await world.territory()
    a, x, s = [await world.organization(net) for _ in range(3)]
    await world.service(x, needs=["HOUSING"], territories=[territory])
    await networks.declare_partnership(
        db, organization_id=a["id"], partner_id=s["id"], kind="SHARED_STAFF"
    )
    park = await networks.create_place(
        db, name=unique("Parc "), kind="PARK", territory_id=territory["id"]
    )
    first = monday_weeks_ago(5)
    for n in range(4):
        await presence.record_presence(
            db,
            presence.PresenceInput(
                organization_id=a["id"],
                place_id=park["id"],
                day=first + timedelta(weeks=n, days=1),
                hours=2.0,
                contacts=5,
                first_contacts=2,
                need_codes=["HOUSING", "INCOME"],
            ),
            by_user="worker",
            now=datetime.now(UTC),
        )
    week4 = first + timedelta(weeks=3, days=2)
    await _refer(db, a["id"], x["id"], park["id"], "HOUSING", week4)
    await _refer(db, a["id"], s["id"], park["id"], "FOOD_SECURITY", week4)
    return {
        "net": net,
        "a": a,
        "park": park,
        "window": {
            "net": net["id"],
            "from": first.isoformat(),
            "to": (first + timedelta(weeks=4, days=-1)).isoformat(),
        },
        "researcher": await world.caller("RESEARCHER", network=net),
        "coordinator": await world.caller("COORDINATOR", network=net),
    }


async def test_a_coordinator_sees_each_measure_of_the_tiny_log(tiny: dict[str, Any]) -> None:
    body = (await tiny["coordinator"].data(QUERY, tiny["window"]))["presenceAnalytics"]
    assert body["deidentified"] is False
    (place,) = body["places"]
    assert place["name"] == tiny["park"]["name"]
    assert (place["visits"], place["hours"], place["contacts"], place["firstContacts"]) == (
        4,
        8.0,
        20,
        8,
    )
    assert place["contactsPerHour"] == pytest.approx(2.5)  # 20 families / 8 h
    assert (place["referrals"], place["referralsPerHour"]) == (2, pytest.approx(0.25))
    assert (place["weeks"], place["weeksWithPresence"], place["shareOfWeeks"]) == (4, 4, 1.0)
    assert place["longestGapWeeks"] == 0
    # Regular from week 3 (weeks 1–3 hold three visits); the first referral is in week 4.
    assert place["trustLagWeeks"] == 1
    # X's open service covers HOUSING in the park's territory; nobody offers INCOME there.
    assert place["needsWithoutOpenService"] == [{"needCode": "INCOME", "count": 4}]
    (org,) = body["organizations"]
    assert (org["organizationId"], org["name"]) == (tiny["a"]["id"], tiny["a"]["name"])
    assert (org["places"], org["placeKinds"], org["singleKind"]) == (1, 1, True)
    assert org["ownServiceShare"] == pytest.approx(0.5)  # one of two went to S
    assert org["mostlyOwnServices"] is False
    # Heard 4 × HOUSING + 4 × INCOME; HOUSING was referred, INCOME never.
    assert org["needsHeardNotReferredShare"] == pytest.approx(0.5)
    assert body["placeKinds"] == [{"kind": "PARK", "hours": 8.0}]
    assert body["yieldByContinuousWeeks"][0] == {
        "fromWeek": 1,
        "hours": 8.0,
        "referrals": 2,
        "referralsPerHour": 0.25,
    }


async def test_a_researcher_gets_ids_without_names_and_small_cells_suppressed(
    tiny: dict[str, Any],
) -> None:
    body = (await tiny["researcher"].data(QUERY, tiny["window"]))["presenceAnalytics"]
    assert body["deidentified"] is True
    (place,) = body["places"]
    assert place["placeId"] == tiny["park"]["id"]
    assert place["name"] is None
    assert (place["contacts"], place["firstContacts"]) == (20, 8)  # 5 or more: published
    assert (place["referrals"], place["referralsPerHour"]) == (None, None)  # 2: suppressed
    assert place["needsWithoutOpenService"] == [{"needCode": "INCOME", "count": None}]
    (org,) = body["organizations"]
    assert org["name"] is None
    assert org["ownServiceShare"] is None
    assert body["yieldByContinuousWeeks"][0]["referrals"] is None

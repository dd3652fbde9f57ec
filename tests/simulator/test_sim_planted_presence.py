"""The planted presence of manifest.json is really in the data (presence and referrals)."""

from __future__ import annotations

import itertools
from datetime import date, timedelta

from simulator import SimulationParams, simulate
from tests.simulator.dataset_index import Indexed


def _truth(d: Indexed) -> dict[str, dict[str, object]]:
    return {p["kind"]: dict(p) for p in d.data.manifest["plantedPresence"]}


def _visits(d: Indexed, truth: dict[str, object]) -> list[date]:
    return [
        date.fromisoformat(p["date"])
        for p in d.data.presence
        if (p["organizationId"], p["placeId"]) == (truth["organizationId"], truth["placeId"])
    ]


def _from_place(d: Indexed, place: object) -> list[date]:
    return [date.fromisoformat(r["sentAt"][:10]) for r in d.data.referrals if r["placeId"] == place]


def test_manifest_lists_the_three_planted_presence_situations(demo: Indexed) -> None:
    truth = _truth(demo)
    assert set(truth) == {"REGULAR_PRESENCE", "IRREGULAR_PRESENCE", "SELF_REFERRAL"}
    orgs = [t["organizationId"] for t in truth.values()]
    assert len(set(orgs)) == 3
    planted = {e["organizationId"] for e in demo.data.manifest["plantedEvents"]}
    assert not planted & set(orgs)
    places = {p["id"] for p in demo.data.places}
    assert {truth[k]["placeId"] for k in ("REGULAR_PRESENCE", "IRREGULAR_PRESENCE")} <= places


def test_the_regular_place_is_visited_weekly_and_referrals_wait_for_the_lag(
    demo: Indexed,
) -> None:
    regular = _truth(demo)["REGULAR_PRESENCE"]
    details = regular["details"]
    assert isinstance(details, dict)
    visits = _visits(demo, regular)
    assert visits[0] == date.fromisoformat(str(regular["start"]))
    assert len(visits) == details["visits"]
    # Seven days apart, except across the winter closure or a public holiday.
    gaps = [(b - a).days for a, b in itertools.pairwise(visits)]
    assert set(gaps) <= {7, 14, 21}
    assert sum(g > 7 for g in gaps) <= 6
    first = date.fromisoformat(str(details["referralsFrom"]))
    assert first - timedelta(days=first.weekday()) == (
        visits[0] - timedelta(days=visits[0].weekday()) + timedelta(weeks=details["lagWeeks"])
    )
    sent = _from_place(demo, regular["placeId"])
    assert sent and min(sent) >= first
    quarters = [sum(first + timedelta(weeks=13 * q) <= d < first + timedelta(weeks=13 * (q + 1))
                    for d in sent) for q in range(2)]  # fmt: skip
    assert quarters[0] < quarters[1]


def test_the_irregular_place_is_visited_weeks_apart_with_few_referrals(demo: Indexed) -> None:
    irregular = _truth(demo)["IRREGULAR_PRESENCE"]
    details = irregular["details"]
    assert isinstance(details, dict)
    visits = _visits(demo, irregular)
    assert len(visits) == details["visits"]
    gaps = [(b - a).days for a, b in itertools.pairwise(visits)]
    assert min(gaps) >= 7 * details["minGapWeeks"] - 4  # weekday varies within the week
    sent = _from_place(demo, irregular["placeId"])
    assert len(sent) <= details["maxReferralsPerVisit"] * len(visits)


def test_the_self_referrer_sends_most_of_its_outreach_referrals_to_its_sister(
    demo: Indexed,
) -> None:
    planted = _truth(demo)["SELF_REFERRAL"]
    sender, sister = planted["organizationId"], planted["partnerOrganizationId"]
    assert {(p["sourceId"], p["targetId"], p["kind"]) for p in demo.data.partnerships} >= {
        (sender, sister, "SHARED_STAFF")
    }
    outreach = [r for r in demo.data.referrals if r["senderId"] == sender and r["placeId"]]
    own = sum(r["receiverId"] == sister for r in outreach)
    assert len(outreach) >= 20
    assert own / len(outreach) >= 0.6  # planted 0.85 of them, a binomial draw


def test_other_seeds_plant_presence_too() -> None:
    data = simulate(SimulationParams(organizations=50, months=18, referrals=3_000), 2)
    assert {p["kind"] for p in data.manifest["plantedPresence"]} == {
        "REGULAR_PRESENCE",
        "IRREGULAR_PRESENCE",
        "SELF_REFERRAL",
    }

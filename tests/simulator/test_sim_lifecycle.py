"""Every simulated referral follows the lifecycle of DESIGN.md §4."""

from __future__ import annotations

import collections
import itertools
import re
from datetime import datetime, timedelta

from domain.lifecycle import TERMINAL_STATUSES
from domain.vocabulary import DeclineReason
from tests.simulator.dataset_index import Indexed

# status -> statuses reachable by one event (DESIGN.md §4)
ALLOWED = {
    "SENT": {"ACKNOWLEDGED", "EXPIRED", "CANCELLED"},
    "ACKNOWLEDGED": {"ACCEPTED", "DECLINED", "REDIRECTED", "CANCELLED"},
    "ACCEPTED": {"CONTACTED", "CANCELLED"},
    "CONTACTED": {"COMPLETED", "NO_SHOW", "CANCELLED"},
}
TERMINAL = {s.value for s in TERMINAL_STATUSES}


def _at(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def test_every_referral_follows_the_lifecycle(demo: Indexed) -> None:
    for referral in demo.data.referrals:
        events = demo.events[referral["id"]]
        assert events[0]["type"] == "SENT"
        assert events[0]["at"] == referral["sentAt"]
        for before, after in itertools.pairwise(events):
            assert after["status"] in ALLOWED[before["status"]], (before, after)
        for event in events:
            assert event["status"] == event["type"]
        assert [e["at"] for e in events] == sorted(e["at"] for e in events)
        assert len({e["at"] for e in events}) == len(events)


def test_each_referral_has_all_its_events_together_in_time_order(demo: Indexed) -> None:
    referral_order = [e["referralId"] for e in demo.data.events]
    runs = [k for i, k in enumerate(referral_order) if i == 0 or referral_order[i - 1] != k]

    assert runs == [r["id"] for r in demo.data.referrals]
    assert [r["sentAt"] for r in demo.data.referrals] == sorted(
        r["sentAt"] for r in demo.data.referrals
    )


def test_actors_are_the_receiver_the_sender_or_the_system(demo: Indexed) -> None:
    for referral in demo.data.referrals:
        for event in demo.events[referral["id"]]:
            if event["type"] in ("SENT", "CANCELLED"):
                assert event["actorOrganizationId"] == referral["senderId"]
            elif event["type"] == "EXPIRED":
                assert event["actorOrganizationId"] is None
            else:
                assert event["actorOrganizationId"] == referral["receiverId"]


def test_expiry_comes_after_acknowledge_by_without_acknowledgement(demo: Indexed) -> None:
    expired = [r for r in demo.data.referrals if demo.last_status(r["id"]) == "EXPIRED"]

    assert expired
    for referral in expired:
        last = demo.events[referral["id"]][-1]
        assert last["at"] >= referral["acknowledgeBy"]
        assert _at(referral["acknowledgeBy"]) - _at(referral["sentAt"]) == timedelta(hours=72)


def test_declines_carry_a_reason_and_other_moves_none(demo: Indexed) -> None:
    reasons = {r.value for r in DeclineReason}
    for event in demo.data.events:
        if event["type"] in ("DECLINED", "CANCELLED"):
            assert event["reason"] in reasons
        elif event["type"] != "REDIRECTED":
            assert event["reason"] is None
        assert event["comment"] is None


def test_redirect_creates_a_linked_referral_sent_by_the_redirecting_organization(
    demo: Indexed,
) -> None:
    children = [r for r in demo.data.referrals if r["redirectedFromId"] is not None]

    assert len(children) > 50
    for child in children:
        parent = demo.referrals[str(child["redirectedFromId"])]
        redirect = demo.events[parent["id"]][-1]
        assert redirect["status"] == "REDIRECTED"
        assert child["senderId"] == parent["receiverId"]
        assert child["receiverId"] not in (parent["senderId"], parent["receiverId"])
        assert child["familyId"] == parent["familyId"]
        assert child["needCodes"] == parent["needCodes"]
        assert child["sentAt"] >= redirect["at"]
    redirected = [r for r in demo.data.referrals if demo.last_status(r["id"]) == "REDIRECTED"]
    assert len(redirected) == len(children)


def test_all_outcomes_occur_and_some_referrals_stay_open(demo: Indexed) -> None:
    outcomes = collections.Counter(demo.last_status(r["id"]) for r in demo.data.referrals)

    assert set(outcomes) >= TERMINAL
    open_referrals = sum(n for status, n in outcomes.items() if status not in TERMINAL)
    assert 0 < open_referrals < 0.1 * len(demo.data.referrals)
    assert outcomes["COMPLETED"] == max(outcomes.values())


def test_open_referrals_are_mostly_recent(demo: Indexed) -> None:
    end = _at(demo.data.manifest["period"]["end"] + "T00:00:00Z")
    ages = [
        (end - _at(r["sentAt"])).days
        for r in demo.data.referrals
        if demo.last_status(r["id"]) not in TERMINAL
    ]

    assert sorted(ages)[len(ages) // 2] < 45
    assert max(ages) < 366


def test_family_references_are_opaque_codes_and_families_recur(demo: Indexed) -> None:
    referrals = demo.data.referrals
    per_family = collections.Counter(r["familyId"] for r in referrals)

    assert all(re.fullmatch(r"F-20\d\d-\d{5}", r["familyRef"]) for r in referrals)
    assert 0.05 < sum(n > 1 for n in per_family.values()) / len(per_family) < 0.5
    refs = {(r["senderId"], r["familyId"]): r["familyRef"] for r in referrals}
    for referral in referrals:  # a sender keeps its own reference for a family
        assert refs[referral["senderId"], referral["familyId"]] == referral["familyRef"]


def test_referrals_to_a_service_that_is_not_open_override_availability(demo: Indexed) -> None:
    history = collections.defaultdict(list)
    for change in demo.data.availability:
        history[change["serviceId"]].append((change["at"], change["availability"]))

    def state(service_id: str, at: str) -> str:
        return [s for t, s in history[service_id] if t <= at][-1]

    for referral in demo.data.referrals:
        expected = state(str(referral["serviceId"]), referral["sentAt"]) != "OPEN"
        assert referral["overrideAvailability"] is expected

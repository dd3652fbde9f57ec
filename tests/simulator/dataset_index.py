"""A simulated dataset with the look-ups the simulator tests need."""

from __future__ import annotations

import collections
import dataclasses
from typing import Any

from simulator import Dataset
from simulator.records import EventRecord, OrganizationRecord, ReferralRecord


@dataclasses.dataclass
class Indexed:
    """A dataset with the look-ups tests need."""

    data: Dataset
    orgs: dict[str, OrganizationRecord]
    referrals: dict[str, ReferralRecord]
    events: dict[str, list[EventRecord]]
    network_of: dict[str, set[str]]
    planted: dict[str, dict[str, Any]]

    def last_status(self, referral_id: str) -> str:
        return self.events[referral_id][-1]["status"]


def index(data: Dataset) -> Indexed:
    events: dict[str, list[EventRecord]] = collections.defaultdict(list)
    for event in data.events:
        events[event["referralId"]].append(event)
    network_of: dict[str, set[str]] = collections.defaultdict(set)
    for membership in data.memberships:
        network_of[membership["organizationId"]].add(membership["networkId"])
    return Indexed(
        data=data,
        orgs={o["id"]: o for o in data.organizations},
        referrals={r["id"]: r for r in data.referrals},
        events=dict(events),
        network_of=dict(network_of),
        planted={p["kind"]: dict(p) for p in data.manifest["plantedEvents"]},
    )

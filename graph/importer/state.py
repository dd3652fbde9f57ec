"""What the checking pass of an import remembers, compactly, for the writing pass.

Directory records (networks, organizations, services…) are few and kept as
dicts. Referrals can number a million, so each is an index into flat arrays
(sender, receiver, current status, times, flags) and events are not kept at
all: only a 64-bit hash of each event id, to find repeated ids at the end.
Roughly 150 bytes per referral and 8 per event.
"""

from __future__ import annotations

import uuid
from array import array
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from domain.vocabulary import ReferralStatus

__all__ = ["BAD", "HAS_EVENTS", "IN_DATABASE", "STATUSES", "ReferralTable", "Registry"]

STATUSES: tuple[str, ...] = tuple(s.value for s in ReferralStatus)
STATUS_INDEX = {code: i for i, code in enumerate(STATUSES)}
NO_STATUS = -1

# Flags of a referral.
BAD = 1  # skipped: a bad row, or depends on one
IN_DATABASE = 2  # not in the dataset: looked up in the database (events or redirects refer to it)
HAS_EVENTS = 4

_FAMILY_NS = uuid.UUID("0b6f7d1c-5a52-4f0e-9d4c-6a8f1e2b3c4d")


def family_alt_id(family_id: str, sender_id: str) -> str:
    """The Family node id of a family known to a second organization (ids are unique)."""
    return str(uuid.uuid5(_FAMILY_NS, f"{family_id}/{sender_id}"))


class ReferralTable:
    """Referral id -> index into flat arrays of what the lifecycle checks need."""

    def __init__(self) -> None:
        self.index: dict[str, int] = {}
        self.ids: list[str] = []
        self.sender = array("i")
        self.receiver = array("i")
        self.status = array("b")
        self.last_at = array("d")
        self.sent_at = array("d")
        self.acknowledge_by = array("d")
        self.line = array("i")  # line in referrals file; 0 for a referral of the database
        self.flags = bytearray()
        # Hashes for the checks done once the whole file is read.
        self.scope_hash = array("q")  # hash of "sender:idempotencyKey"
        self.scope_of = array("i")
        self.family_pair = array("q")  # hash((sender, familyRef))
        self.family_hash = array("q")  # hash(familyId)
        self.family_of = array("i")  # which referral each family pair belongs to

    def add(
        self,
        referral_id: str,
        *,
        sender: int,
        receiver: int,
        sent_at: float,
        acknowledge_by: float,
        line: int,
        flags: int = 0,
    ) -> int:
        i = len(self.flags)
        self.index[referral_id] = i
        self.ids.append(referral_id)
        self.sender.append(sender)
        self.receiver.append(receiver)
        self.status.append(NO_STATUS)
        self.last_at.append(sent_at)
        self.sent_at.append(sent_at)
        self.acknowledge_by.append(acknowledge_by)
        self.line.append(line)
        self.flags.append(flags)
        return i

    def is_bad(self, i: int) -> bool:
        return bool(self.flags[i] & BAD)

    def mark_bad(self, i: int) -> None:
        self.flags[i] |= BAD


@dataclass
class Registry:
    """Everything known after the checking pass: dataset ids, database ids, bad lines."""

    bad_lines: dict[str, set[int]] = field(default_factory=dict)
    bad_ids: set[str] = field(default_factory=set)  # ids of skipped directory rows
    networks: dict[str, int] = field(default_factory=dict)  # id -> retentionDays
    network_names: dict[str, str] = field(default_factory=dict)  # casefolded name -> id
    territories: dict[str, str] = field(default_factory=dict)  # id -> code
    territory_codes: dict[str, str] = field(default_factory=dict)  # code -> id
    places: set[str] = field(default_factory=set)
    organizations: dict[str, int] = field(default_factory=dict)  # id -> index
    organization_ids: list[str] = field(default_factory=list)
    services: dict[str, str] = field(default_factory=dict)  # id -> organization id
    memberships: dict[str, dict[tuple[str, str], str | None]] = field(default_factory=dict)
    availability_changed: dict[str, tuple[float, str]] = field(default_factory=dict)
    referrals: ReferralTable = field(default_factory=ReferralTable)
    parents: dict[int, int] = field(default_factory=dict)  # redirected referral -> original
    redirected_at: dict[int, float] = field(default_factory=dict)
    database_events: dict[int, set[str]] = field(default_factory=dict)
    database_watchers: dict[int, list[str]] = field(default_factory=dict)
    watchers: dict[int, list[str]] = field(default_factory=dict)
    stated_status: dict[int, str] = field(default_factory=dict)
    event_hashes: array[int] = field(default_factory=lambda: array("q"))

    def organization(self, organization_id: str) -> int:
        """The index of an organization known to be valid, adding it if new."""
        i = self.organizations.get(organization_id)
        if i is None:
            i = self.organizations[organization_id] = len(self.organization_ids)
            self.organization_ids.append(organization_id)
        return i

    def add_membership(self, org: str, network: str, since: str, until: str | None) -> None:
        self.memberships.setdefault(org, {})[(network, since)] = until

    def networks_on(self, organization_id: str, day: str) -> set[str]:
        """Networks the organization belonged to on ``day`` (``until`` included)."""
        return {
            network
            for (network, since), until in self.memberships.get(organization_id, {}).items()
            if since <= day and (until is None or until >= day)
        }

    def referral_network_fields(self, sender: str, receiver: str, sent_at: str) -> dict[str, Any]:
        """``networkIds`` and ``retentionDays`` as graph/referral/commands.py computes them."""
        day = sent_at[:10]
        shared = sorted(self.networks_on(sender, day) & self.networks_on(receiver, day))
        retention = min((self.networks.get(n, 90) for n in shared), default=90)
        return {"networkIds": shared, "retentionDays": retention}

    def compute_watchers(self) -> None:
        """``watcherIds`` of every referral in a redirect chain, as the API leaves them.

        A referral starts watched by its sender and receiver, sorted. A
        redirect creates a referral watched by the original's starting
        watchers plus the new receiver (sorted), and appends that receiver to
        every earlier referral of the chain that lacks it, in the order the
        redirects happened (graph/referral/commands.py ``_redirect``).
        """
        table, ids = self.referrals, self.organization_ids
        initial: dict[int, list[str]] = {}

        def initial_of(i: int) -> list[str]:
            if i not in initial:
                initial[i] = self.database_watchers.get(i) or sorted(
                    {ids[table.sender[i]], ids[table.receiver[i]]}
                )
            return initial[i]

        for child in sorted(self.parents, key=lambda c: (table.sent_at[c], c)):
            parent = self.parents[child]
            if table.is_bad(child) or table.is_bad(parent):
                continue
            receiver = ids[table.receiver[child]]
            initial[child] = sorted({*initial_of(parent), receiver})
            self.watchers.setdefault(child, list(initial[child]))
            node: int | None = parent
            while node is not None:
                current = self.watchers.setdefault(node, list(initial_of(node)))
                if receiver not in current:
                    current.append(receiver)
                node = self.parents.get(node)


def repeated(hashes: array[int]) -> set[int]:
    """Hashes that occur more than once (candidates to confirm against the real ids)."""
    if len(hashes) < 2:
        return set()
    values = np.sort(np.frombuffer(hashes, dtype=np.int64))
    return {int(h) for h in np.unique(values[1:][values[1:] == values[:-1]])}


def conflicting_pairs(
    keys: array[int], values: array[int], owners: array[int]
) -> list[tuple[int, int]]:
    """``(owner, first_owner)`` wherever a key already seen comes with another value.

    For "an organization's familyRef names one family": key = hash of
    (sender, familyRef), value = hash of familyId, owner = referral index;
    ``first_owner`` is the earliest referral with that key.
    """
    n = len(keys)
    if n < 2:
        return []
    k = np.frombuffer(keys, dtype=np.int64)
    v = np.frombuffer(values, dtype=np.int64)
    o = np.frombuffer(owners, dtype=np.int32)
    order = np.lexsort((o, k))
    k, v, o = k[order], v[order], o[order]
    run_starts = np.r_[True, k[1:] != k[:-1]]
    first = np.maximum.accumulate(np.where(run_starts, np.arange(n), 0))
    return [(int(o[p]), int(o[first[p]])) for p in np.flatnonzero(v != v[first]).tolist()]

"""The deadline rules of :mod:`domain.deadlines` as Cypher conditions over ``$parameters``.

The statuses come from the domain as parameters (:func:`deadline_parameters`),
so the inbox filter, the sweep and the aggregates test one condition and a
change of the rule is made in :mod:`domain` alone. Each condition is written
over a referral variable (``r`` unless told) and ``$now``.
"""

from __future__ import annotations

from typing import Any

from domain.deadlines import EXPIRES_FROM, OVERDUE_STATUSES

__all__ = ["acknowledged_late", "deadline_parameters", "expirable", "overdue"]


def overdue(r: str = "r") -> str:
    """Still awaiting its acknowledgement at ``$now`` and past ``acknowledgeBy``."""
    return f"({r}.status IN $overdueStatuses AND {r}.acknowledgeBy < $now)"


def expirable(r: str = "r") -> str:
    """Overdue, in a status the sweep may expire from."""
    return f"({overdue(r)} AND {r}.status IN $expiresFrom)"


def acknowledged_late(ack_at: str, r: str = "r") -> str:
    """Acknowledged at ``ack_at`` (an expression, null when never), after ``acknowledgeBy``."""
    return f"coalesce({ack_at} > {r}.acknowledgeBy, false)"


def deadline_parameters() -> dict[str, Any]:
    """The parameters the conditions read, besides ``$now``."""
    return {
        "overdueStatuses": sorted(s.value for s in OVERDUE_STATUSES),
        "expiresFrom": sorted(s.value for s in EXPIRES_FROM),
    }

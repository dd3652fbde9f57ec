"""Which actions the caller may take on a referral now: the lifecycle table × the policy.

The web app offers exactly these buttons, so it never shows an action the API
would refuse. Each action is legal when the referral's status is one it is
allowed from (``domain.lifecycle.ACTIONS``) and the caller holds the
operation of the party that takes it (``schema.policy.referral_actor``);
withdrawing consent is the sender's, while consent holds.
"""

from __future__ import annotations

from enum import Enum
from typing import Any

import strawberry

from domain.lifecycle import ACTIONS, Action, Party
from domain.vocabulary import ReferralStatus
from graph.access.identity import Principal
from schema.policy import Scope, allowed, referral_actor

__all__ = ["ReferralAction", "allowed_actions"]


@strawberry.enum(description="An action a party takes on a referral (see allowedActions).")
class ReferralAction(Enum):
    ACKNOWLEDGE = "ACKNOWLEDGE"
    ACCEPT = "ACCEPT"
    DECLINE = "DECLINE"
    REDIRECT = "REDIRECT"
    RECORD_CONTACT = "RECORD_CONTACT"
    COMPLETE = "COMPLETE"
    RECORD_NO_SHOW = "RECORD_NO_SHOW"
    CANCEL = "CANCEL"
    NOTE = "NOTE"
    WITHDRAW_CONSENT = "WITHDRAW_CONSENT"


def allowed_actions(principal: Principal | None, row: dict[str, Any]) -> list[ReferralAction]:
    """The actions ``principal`` may take on the referral ``row``, in the table's order."""
    if principal is None:
        return []
    status = ReferralStatus(row["status"])
    sender, receiver = row["senderId"], row["receiverId"]
    actions: list[ReferralAction] = []
    for action, rule in ACTIONS.items():
        if rule.party is Party.SYSTEM or status not in rule.allowed_from:
            continue
        operation, org = referral_actor(principal, action, sender_id=sender, receiver_id=receiver)
        if not allowed(principal, operation, Scope.of([org])):
            continue
        if action is Action.NOTE and not _may_note(principal, row):
            continue
        actions.append(ReferralAction(action.value))
    if row.get("consentGiven") and allowed(principal, "referral.cancel", Scope.of([sender])):
        actions.append(ReferralAction.WITHDRAW_CONSENT)
    return actions


def _may_note(principal: Principal, row: dict[str, Any]) -> bool:
    # Notes are case notes: the sender always, the receiver while consent holds.
    if allowed(principal, "referral.readPersonal", Scope.of([row["senderId"]])):
        return True
    return bool(row.get("consentGiven")) and allowed(
        principal, "referral.readPersonal", Scope.of([row["receiverId"]])
    )

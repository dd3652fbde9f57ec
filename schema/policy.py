"""Who may do what: one table, read by every resolver.

Each operation maps to the grants that allow it. A grant is a role and the
scope it must hold over the target:

- ``PLATFORM_ADMIN``: anything, anywhere.
- ``ORG_ADMIN@org`` / ``ORG_STAFF@org``: that role (admin implies staff) in
  one of the target's organizations.
- ``COORDINATOR@network`` / ``RESEARCHER@network``: that role in one of the
  target's networks.
- ``COORDINATOR@any`` / ``ORG_STAFF@any``: that role somewhere.
- ``SELF``: the target is the caller's own user.
- ``AUTHENTICATED``: any caller with a valid token.

Resolvers gather the target's :class:`Scope` (its organizations, networks,
user) and call :func:`require`; they never test roles themselves.
"""

from __future__ import annotations

from dataclasses import dataclass

from domain.errors import Forbidden
from domain.lifecycle import Action, Party, party_of
from graph.access.identity import Principal

__all__ = [
    "PARTY_OPERATIONS",
    "RULES",
    "Scope",
    "allowed",
    "denial",
    "reach",
    "referral_actor",
    "require",
]


@dataclass(frozen=True)
class Scope:
    """What an operation touches: the organizations, networks or user it concerns."""

    organizations: frozenset[str] = frozenset()
    networks: frozenset[str] = frozenset()
    user_id: str | None = None

    @classmethod
    def of(
        cls,
        organizations: list[str] | tuple[str, ...] | frozenset[str] = (),
        networks: list[str] | tuple[str, ...] | frozenset[str] = (),
        user_id: str | None = None,
    ) -> Scope:
        return cls(frozenset(organizations), frozenset(networks), user_id)


ANYONE = Scope()

# operation -> grants. The table a reviewer reads.
RULES: dict[str, frozenset[str]] = {
    # directory reads: every authenticated role (DESIGN.md §5)
    "directory.read": frozenset({"AUTHENTICATED"}),
    # directory writes
    "organization.create": frozenset({"PLATFORM_ADMIN"}),
    "organization.update": frozenset({"PLATFORM_ADMIN", "ORG_ADMIN@org"}),
    "organization.deactivate": frozenset({"PLATFORM_ADMIN", "ORG_ADMIN@org"}),
    "organization.notificationPreferences": frozenset({"PLATFORM_ADMIN", "ORG_ADMIN@org"}),
    "service.create": frozenset({"PLATFORM_ADMIN", "ORG_ADMIN@org"}),
    "service.update": frozenset({"PLATFORM_ADMIN", "ORG_ADMIN@org"}),
    # front-line staff know first when a service fills up
    "service.setAvailability": frozenset({"PLATFORM_ADMIN", "ORG_ADMIN@org", "ORG_STAFF@org"}),
    "network.create": frozenset({"PLATFORM_ADMIN"}),
    "network.manageMembers": frozenset({"PLATFORM_ADMIN", "COORDINATOR@network"}),
    "partnership.declare": frozenset({"PLATFORM_ADMIN", "ORG_ADMIN@org", "COORDINATOR@network"}),
    "partnership.end": frozenset({"PLATFORM_ADMIN", "ORG_ADMIN@org", "COORDINATOR@network"}),
    "territory.create": frozenset({"PLATFORM_ADMIN", "COORDINATOR@any"}),
    "place.create": frozenset({"PLATFORM_ADMIN", "COORDINATOR@any", "ORG_STAFF@any"}),
    # referrals (scope: the referral's parties and networks)
    "referral.send": frozenset({"ORG_STAFF@org"}),
    "referral.advance": frozenset({"ORG_STAFF@org"}),  # org = the receiver
    "referral.cancel": frozenset({"ORG_STAFF@org"}),  # org = the sender
    "referral.note": frozenset({"ORG_STAFF@org"}),  # org = sender or receiver
    "referral.read": frozenset({"ORG_STAFF@org", "COORDINATOR@network"}),
    "referral.readPersonal": frozenset({"ORG_STAFF@org"}),  # sender or receiver only
    "referral.list": frozenset({"ORG_STAFF@org", "COORDINATOR@network"}),
    "referral.subscribe": frozenset({"ORG_STAFF@org"}),
    # analytics (researchers: aggregates only, cells under 5 suppressed)
    "analytics.network": frozenset({"COORDINATOR@network", "RESEARCHER@network"}),
    # not researchers: a profile read by directory id would join their pseudonyms to names
    "analytics.organization": frozenset({"ORG_STAFF@org", "COORDINATOR@network"}),
    # several networks at once: checked network by network (a coordinator of each)
    "analytics.region": frozenset({"PLATFORM_ADMIN", "COORDINATOR@network"}),
    "analytics.researchExport": frozenset({"COORDINATOR@network", "RESEARCHER@network"}),
    # outreach presence (scope: the entry's organization; SELF: its author)
    "presence.record": frozenset({"ORG_STAFF@org"}),
    "presence.edit": frozenset({"SELF"}),  # one's own entries, and presence.record too
    "presence.readOwn": frozenset({"AUTHENTICATED"}),
    "presence.readTeam": frozenset({"ORG_ADMIN@org"}),
    "presence.analytics": frozenset({"COORDINATOR@network", "RESEARCHER@network"}),
    "presence.identified": frozenset({"COORDINATOR@network"}),  # names and exact counts
    # audit trail
    "audit.read": frozenset({"PLATFORM_ADMIN", "ORG_ADMIN@org"}),
    # identity
    "user.create": frozenset({"PLATFORM_ADMIN"}),
    "user.assignOrganizationRole": frozenset({"PLATFORM_ADMIN", "ORG_ADMIN@org"}),
    "user.assignNetworkRole": frozenset({"PLATFORM_ADMIN"}),
    "token.create": frozenset({"PLATFORM_ADMIN", "SELF"}),
    "token.revoke": frozenset({"PLATFORM_ADMIN", "SELF"}),
    "token.list": frozenset({"PLATFORM_ADMIN", "SELF"}),
}


#: The operation of the table that governs each party of the referral lifecycle
#: (which party takes which action is the lifecycle's: domain/lifecycle.py).
PARTY_OPERATIONS: dict[Party, str] = {
    Party.RECEIVER: "referral.advance",
    Party.SENDER: "referral.cancel",
    Party.EITHER: "referral.note",
}


def referral_actor(
    principal: Principal, action: Action, *, sender_id: str, receiver_id: str
) -> tuple[str, str]:
    """The operation to check for ``action`` and the organization it is taken for.

    The lifecycle says which party takes the action; a note is taken for the
    caller's own side (the receiver's when the caller is staff of both).
    """
    party = party_of(action)
    if party is Party.SYSTEM:
        raise Forbidden(f"{action.value} is done by the system, not by a user.")
    if party is Party.SENDER:
        org = sender_id
    elif party is Party.RECEIVER:
        org = receiver_id
    else:
        org = receiver_id if receiver_id in principal.org_roles else sender_id
    return PARTY_OPERATIONS[party], org


def _holds(principal: Principal, grant: str, scope: Scope) -> bool:
    if grant == "AUTHENTICATED":
        return True
    if grant == "PLATFORM_ADMIN":
        return principal.platform_admin
    if grant == "SELF":
        return scope.user_id is not None and scope.user_id == principal.user_id
    role, _, where = grant.partition("@")
    if role in {"ORG_ADMIN", "ORG_STAFF"}:
        orgs = {
            org
            for org, held in principal.org_roles.items()
            if held == role or (role == "ORG_STAFF" and held == "ORG_ADMIN")
        }
        return bool(orgs) if where == "any" else bool(orgs & scope.organizations)
    if role == "COORDINATOR":
        held_networks = principal.coordinates
    elif role == "RESEARCHER":
        held_networks = principal.studies
    else:
        raise ValueError(f"unknown grant {grant!r} in policy table")
    return bool(held_networks) if where == "any" else bool(held_networks & scope.networks)


def allowed(principal: Principal, operation: str, scope: Scope = ANYONE) -> bool:
    """Whether ``principal`` may perform ``operation`` on ``scope``."""
    grants = RULES.get(operation)
    if grants is None:
        raise KeyError(f"operation {operation!r} is not in the policy table")
    return any(_holds(principal, grant, scope) for grant in grants)


def reach(principal: Principal, operation: str) -> Scope | None:
    """Every organization and network where ``principal`` holds a grant of ``operation``.

    What a query filters on, so a list holds only what :func:`allowed` would
    allow one by one; None when a grant holds everywhere (``PLATFORM_ADMIN``,
    ``AUTHENTICATED``, a role ``@any``).
    """
    organizations: set[str] = set()
    networks: set[str] = set()
    for grant in RULES[operation]:
        role, _, where = grant.partition("@")
        if grant == "SELF":
            continue
        if where in {"", "any"}:
            if _holds(principal, grant, ANYONE):
                return None
            continue
        if role in {"ORG_ADMIN", "ORG_STAFF"}:
            organizations |= {
                org
                for org, held in principal.org_roles.items()
                if held == role or (role == "ORG_STAFF" and held == "ORG_ADMIN")
            }
        elif role == "COORDINATOR":
            networks |= principal.coordinates
        elif role == "RESEARCHER":
            networks |= principal.studies
    return Scope.of(frozenset(organizations), frozenset(networks))


def require(principal: Principal, operation: str, scope: Scope = ANYONE) -> None:
    """Raise :class:`Forbidden` unless :func:`allowed`, saying what is true for the caller."""
    if not allowed(principal, operation, scope):
        raise Forbidden(denial(principal, operation, scope), operation=operation)


_GRANT_WORDS = {
    "AUTHENTICATED": "anyone signed in",
    "PLATFORM_ADMIN": "platform admins",
    "SELF": "the account's own user",
    "ORG_ADMIN@org": "admins of the organization concerned",
    "ORG_STAFF@org": "staff of the organization concerned",
    "ORG_ADMIN@any": "organization admins",
    "ORG_STAFF@any": "organization staff",
    "COORDINATOR@network": "coordinators of the network concerned",
    "COORDINATOR@any": "network coordinators",
    "RESEARCHER@network": "researchers of the network concerned",
    "RESEARCHER@any": "researchers",
}
# The order a refusal names them: the organization's people, the network's, then the platform.
_GRANT_ORDER = [
    "ORG_STAFF@org", "ORG_ADMIN@org", "ORG_STAFF@any", "ORG_ADMIN@any",
    "COORDINATOR@network", "COORDINATOR@any", "RESEARCHER@network", "RESEARCHER@any",
    "SELF", "PLATFORM_ADMIN", "AUTHENTICATED",
]  # fmt: skip


def _caller_words(principal: Principal, scope: Scope) -> list[str]:
    """What the caller is, relative to ``scope``: the true half of a refusal."""
    words: list[str] = []
    for role, noun in (("ORG_ADMIN", "an admin"), ("ORG_STAFF", "staff")):
        orgs = {org for org, held in principal.org_roles.items() if held == role}
        if orgs:
            where = "this organization" if orgs & scope.organizations else "another organization"
            if len(orgs) > 1 and not orgs & scope.organizations:
                where = f"{len(orgs)} other organizations"
            words.append(f"{noun} of {where}")
    networks = ((principal.coordinates, "a coordinator"), (principal.studies, "a researcher"))
    for held, noun in networks:
        if held:
            here = bool(held & scope.networks)
            words.append(f"{noun} of {'this network' if here else 'another network'}")
    if principal.platform_admin:
        words.append("a platform admin")
    return words or ["signed in without any role yet (ask a platform admin for one)"]


def denial(principal: Principal, operation: str, scope: Scope = ANYONE) -> str:
    """Why ``principal`` may not perform ``operation``: who may, and what the caller is.

    For a coordinator of another network asking for a network's analytics:
    "analytics.network is for coordinators of the network concerned or
    researchers of the network concerned; you are a coordinator of another
    network."
    """
    grants = RULES[operation]
    who = [_GRANT_WORDS.get(g, g) for g in sorted(grants, key=_grant_rank)]
    caller = ", ".join(_caller_words(principal, scope))
    return f"{operation} is for {' or '.join(who)}; you are {caller}."


def _grant_rank(grant: str) -> int:
    return _GRANT_ORDER.index(grant) if grant in _GRANT_ORDER else len(_GRANT_ORDER)

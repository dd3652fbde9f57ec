"""The policy table (schema/policy.py): who may do what, where. Pure, no database.

Each row is written by hand from DESIGN.md §2 and §5: what a platform admin,
an organization admin or staff member, a coordinator and a researcher may do,
on their own organization or network and on another one.
"""

from __future__ import annotations

import pytest

from domain.errors import Forbidden
from graph.access.identity import Principal
from schema.policy import Scope, allowed, require

ADMIN = Principal(user_id="admin", name="Admin", platform_admin=True)
ORG_ADMIN = Principal(user_id="direction", name="Direction", org_roles={"A": "ORG_ADMIN"})
STAFF = Principal(user_id="staff", name="Intervenante", org_roles={"A": "ORG_STAFF"})
COORDINATOR = Principal(user_id="coord", name="Coordination", coordinates=frozenset({"N"}))
RESEARCHER = Principal(user_id="research", name="Recherche", studies=frozenset({"N"}))
NOBODY = Principal(user_id="nobody", name="Sans rôle")

ORG_A, ORG_B = Scope.of(["A"]), Scope.of(["B"])
NETWORK_N, NETWORK_M = Scope.of(networks=["N"]), Scope.of(networks=["M"])
ANY = Scope()

CASES = [
    # directory reads: everyone with a token
    ("NOBODY", NOBODY, "directory.read", ANY, True),
    ("RESEARCHER", RESEARCHER, "directory.read", ANY, True),
    # organizations
    ("ADMIN", ADMIN, "organization.create", ANY, True),
    ("ORG_ADMIN", ORG_ADMIN, "organization.create", ANY, False),
    ("COORDINATOR", COORDINATOR, "organization.create", ANY, False),
    ("ORG_ADMIN", ORG_ADMIN, "organization.update", ORG_A, True),
    ("ORG_ADMIN", ORG_ADMIN, "organization.update", ORG_B, False),
    ("STAFF", STAFF, "organization.update", ORG_A, False),
    ("ADMIN", ADMIN, "organization.update", ORG_B, True),
    ("ORG_ADMIN", ORG_ADMIN, "organization.deactivate", ORG_A, True),
    ("STAFF", STAFF, "organization.deactivate", ORG_A, False),
    ("COORDINATOR", COORDINATOR, "organization.deactivate", ORG_A, False),
    # services
    ("ORG_ADMIN", ORG_ADMIN, "service.create", ORG_A, True),
    ("ORG_ADMIN", ORG_ADMIN, "service.create", ORG_B, False),
    ("STAFF", STAFF, "service.create", ORG_A, False),
    ("STAFF", STAFF, "service.update", ORG_A, False),
    ("STAFF", STAFF, "service.setAvailability", ORG_A, True),
    ("STAFF", STAFF, "service.setAvailability", ORG_B, False),
    ("ORG_ADMIN", ORG_ADMIN, "service.setAvailability", ORG_A, True),  # admin implies staff
    ("COORDINATOR", COORDINATOR, "service.setAvailability", ORG_A, False),
    # networks and memberships
    ("ADMIN", ADMIN, "network.create", ANY, True),
    ("COORDINATOR", COORDINATOR, "network.create", ANY, False),
    ("COORDINATOR", COORDINATOR, "network.manageMembers", NETWORK_N, True),
    ("COORDINATOR", COORDINATOR, "network.manageMembers", NETWORK_M, False),
    ("RESEARCHER", RESEARCHER, "network.manageMembers", NETWORK_N, False),
    ("ORG_ADMIN", ORG_ADMIN, "network.manageMembers", NETWORK_N, False),
    # partnerships: a party's admin, or the coordinator of a network both belong to
    ("ORG_ADMIN", ORG_ADMIN, "partnership.declare", Scope.of(["A"], ["M"]), True),
    ("ORG_ADMIN", ORG_ADMIN, "partnership.declare", Scope.of(["B"], ["N"]), False),
    ("STAFF", STAFF, "partnership.declare", Scope.of(["A"]), False),
    ("COORDINATOR", COORDINATOR, "partnership.declare", Scope.of(["B"], ["N"]), True),
    ("COORDINATOR", COORDINATOR, "partnership.end", Scope.of(["B"], ["M"]), False),
    ("ORG_ADMIN", ORG_ADMIN, "partnership.end", Scope.of(["A", "B"]), True),
    # territories and places
    ("COORDINATOR", COORDINATOR, "territory.create", ANY, True),
    ("ORG_ADMIN", ORG_ADMIN, "territory.create", ANY, False),
    ("STAFF", STAFF, "place.create", ANY, True),
    ("COORDINATOR", COORDINATOR, "place.create", ANY, True),
    ("RESEARCHER", RESEARCHER, "place.create", ANY, False),
    ("NOBODY", NOBODY, "place.create", ANY, False),
    # users and tokens
    ("ADMIN", ADMIN, "user.create", ANY, True),
    ("ORG_ADMIN", ORG_ADMIN, "user.create", ANY, False),
    ("ORG_ADMIN", ORG_ADMIN, "user.assignOrganizationRole", ORG_A, True),
    ("ORG_ADMIN", ORG_ADMIN, "user.assignOrganizationRole", ORG_B, False),
    ("STAFF", STAFF, "user.assignOrganizationRole", ORG_A, False),
    ("COORDINATOR", COORDINATOR, "user.assignNetworkRole", NETWORK_N, False),
    ("ADMIN", ADMIN, "user.assignNetworkRole", NETWORK_N, True),
    ("STAFF", STAFF, "token.create", Scope.of(user_id="staff"), True),
    ("STAFF", STAFF, "token.create", Scope.of(user_id="direction"), False),
    ("ADMIN", ADMIN, "token.revoke", Scope.of(user_id="staff"), True),
    ("NOBODY", NOBODY, "token.list", Scope.of(user_id="nobody"), True),
    ("NOBODY", NOBODY, "token.list", Scope(), False),  # no user named: not SELF
]


@pytest.mark.parametrize(
    ("principal", "operation", "scope", "expected"),
    [
        pytest.param(
            principal,
            operation,
            scope,
            expected,
            id=f"{who}-{operation}-{'/'.join(sorted(scope.organizations | scope.networks)) or '-'}"
            f"-{'allowed' if expected else 'refused'}",
        )
        for who, principal, operation, scope, expected in CASES
    ],
)
def test_the_policy_table_allows_exactly_what_the_roles_grant(
    principal: Principal, operation: str, scope: Scope, expected: bool
) -> None:
    assert allowed(principal, operation, scope) is expected


def test_require_raises_forbidden_naming_the_operation() -> None:
    with pytest.raises(Forbidden) as caught:
        require(STAFF, "organization.update", ORG_A)
    assert caught.value.extensions == {"code": "FORBIDDEN", "operation": "organization.update"}
    assert "organization.update" in caught.value.message


def test_require_returns_quietly_when_allowed() -> None:
    require(ORG_ADMIN, "organization.update", ORG_A)


def test_an_operation_missing_from_the_table_is_a_programming_error() -> None:
    with pytest.raises(KeyError, match=r"organization\.delete"):
        allowed(ADMIN, "organization.delete")


def test_a_principal_with_two_organizations_acts_in_each_with_its_own_role() -> None:
    both = Principal(user_id="u", name="U", org_roles={"A": "ORG_ADMIN", "B": "ORG_STAFF"})
    assert allowed(both, "organization.update", ORG_A)
    assert not allowed(both, "organization.update", ORG_B)
    assert allowed(both, "service.setAvailability", ORG_B)


@pytest.mark.parametrize(
    ("principal", "operation", "scope", "expected"),
    [
        pytest.param(
            Principal(user_id="c", name="C", coordinates=frozenset({"N2"})),
            "analytics.network",
            Scope.of(networks=["N1"]),
            "analytics.network is for coordinators of the network concerned or researchers "
            "of the network concerned; you are a coordinator of another network.",
            id="coordinator-of-another-network",
        ),
        pytest.param(
            Principal(user_id="p", name="P", platform_admin=True),
            "analytics.network",
            Scope.of(networks=["N1"]),
            "analytics.network is for coordinators of the network concerned or researchers "
            "of the network concerned; you are a platform admin.",
            id="platform-admin",
        ),
        pytest.param(
            Principal(user_id="s", name="S", org_roles={"B": "ORG_STAFF"}),
            "organization.update",
            Scope.of(["A"]),
            "organization.update is for admins of the organization concerned or platform "
            "admins; you are staff of another organization.",
            id="staff-of-another-organization",
        ),
        pytest.param(
            Principal(user_id="s", name="S", org_roles={"A": "ORG_STAFF"}),
            "organization.update",
            Scope.of(["A"]),
            "organization.update is for admins of the organization concerned or platform "
            "admins; you are staff of this organization.",
            id="staff-of-this-organization",
        ),
        pytest.param(
            Principal(user_id="n", name="N"),
            "organization.create",
            Scope(),
            "organization.create is for platform admins; you are signed in without any role "
            "yet (ask a platform admin for one).",
            id="no-role",
        ),
    ],
)
def test_a_refusal_says_who_may_and_what_is_true_for_the_caller(
    principal: Principal, operation: str, scope: Scope, expected: str
) -> None:
    with pytest.raises(Forbidden) as caught:
        require(principal, operation, scope)
    assert caught.value.message == expected

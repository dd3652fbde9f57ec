"""The one call resolvers make to check access: the policy's verdict, remembered for the audit.

``authorize`` asks ``schema/policy.py`` and records the scope it was asked
about, so the audit entry of the operation names the organizations and
networks concerned without each resolver having to say it twice.
"""

from __future__ import annotations

from schema.context import Info
from schema.policy import Scope, allowed, require

__all__ = ["authorize", "may", "record_personal_read"]


def authorize(info: Info, operation: str, scope: Scope | None = None) -> None:
    """Raise FORBIDDEN unless the caller may; remember the scope for the audit trail."""
    scope = scope or Scope()
    info.context.audit_scopes.append(scope)
    require(info.context.caller, operation, scope)


def may(info: Info, operation: str, scope: Scope | None = None) -> bool:
    return allowed(info.context.caller, operation, scope or Scope())


def record_personal_read(info: Info, what: str, target_id: str, organizations: list[str]) -> None:
    """Note a read of family data; the audit extension writes it after the operation."""
    reads = info.context.audit_reads
    entry = (what, target_id, tuple(sorted(organizations)))
    if entry not in reads:
        reads.append(entry)

"""Write the audit trail after every mutation and every read of family data.

One entry per root mutation field (operation, target id, outcome: OK or the
error code) and one per referral whose family reference or contact was read.
Entries carry the user, the token, the request id, the organizations the
policy was asked about, and the caller's own organizations. The audit write
runs after the operation, in its own transaction, so a failed mutation
still leaves its trace while its own writes were rolled back.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from typing import Any

from graphql import OperationDefinitionNode, OperationType, value_from_ast_untyped
from graphql.language import FieldNode
from strawberry.extensions import SchemaExtension

from graph.access import audit
from schema.context import Context

__all__ = ["AuditTrail"]

log = logging.getLogger("maillage.audit")


def _target(args: dict[str, Any]) -> str | None:
    for key in ("id", "organizationId", "networkId", "userId"):
        if isinstance(args.get(key), str):
            return str(args[key])
    data = args.get("input")
    if isinstance(data, dict):
        for key in ("organizationId", "toOrganizationId"):
            if isinstance(data.get(key), str):
                return str(data[key])
    return None


class AuditTrail(SchemaExtension):
    async def on_operation(self) -> AsyncIterator[None]:
        context = self.execution_context.context
        if isinstance(context, Context):
            context.audit_scopes.clear()
            context.audit_reads.clear()
        yield
        if not isinstance(context, Context) or context.principal is None:
            return
        try:
            records = self._records(context)
            if records:
                await audit.append(context.db, records)
        except Exception:
            # The operation has happened; losing its trace is an incident, not a client error.
            log.exception(
                "could not write the audit trail", extra={"request_id": context.request_id}
            )

    def _mutation_fields(self) -> list[tuple[str, str, dict[str, Any]]]:
        document = self.execution_context.graphql_document
        if document is None:
            return []
        name = self.execution_context.operation_name
        variables = self.execution_context.variables or {}
        fields = []
        for definition in document.definitions:
            if not isinstance(definition, OperationDefinitionNode):
                continue
            if definition.operation is not OperationType.MUTATION:
                continue
            if name is not None and (definition.name is None or definition.name.value != name):
                continue
            for selection in definition.selection_set.selections:
                if isinstance(selection, FieldNode):
                    args = {
                        a.name.value: value_from_ast_untyped(a.value, variables)
                        for a in selection.arguments or ()
                    }
                    key = selection.alias.value if selection.alias else selection.name.value
                    fields.append((key, selection.name.value, args))
        return fields

    def _records(self, context: Context) -> list[audit.AuditRecord]:
        principal = context.principal
        assert principal is not None
        now = context.clock()
        result = self.execution_context.result
        errors = list(getattr(result, "errors", None) or [])
        orgs = tuple(o for s in context.audit_scopes for o in s.organizations)
        actor_orgs = tuple(sorted(principal.org_roles))
        records = []
        for key, field, args in self._mutation_fields():
            outcome = "OK"
            for error in errors:
                if error.path and error.path[0] == key:
                    outcome = str((error.extensions or {}).get("code", "ERROR"))
                    break
            else:
                if errors and result is not None and getattr(result, "data", None) is None:
                    outcome = str((errors[0].extensions or {}).get("code", "ERROR"))
            records.append(
                audit.AuditRecord(
                    at=now,
                    operation=field,
                    outcome=outcome,
                    user_id=principal.user_id,
                    token_id=principal.token_id,
                    request_id=context.request_id,
                    target_id=_target(args),
                    organization_ids=orgs,
                    actor_organization_ids=actor_orgs,
                )
            )
        for what, target, parties in context.audit_reads:
            records.append(
                audit.AuditRecord(
                    at=now,
                    operation=what,
                    outcome="OK",
                    user_id=principal.user_id,
                    token_id=principal.token_id,
                    request_id=context.request_id,
                    target_id=target,
                    organization_ids=parties,
                    actor_organization_ids=actor_orgs,
                    kind="READ_PERSONAL",
                )
            )
        return records

"""The cost of a query after fragment expansion, refused before any validation or execution.

Depth, token and alias limits read the query as written; a small document
whose fragments each spread the next one twice makes 2^n fields once
expanded, and graphql-core's own validation of it can stall the server for
minutes. :class:`QueryCostLimiter` computes, in time linear in the document
(each fragment's cost is computed once and reused):

- the **cost**: the number of fields that would be resolved, where a field
  with a ``first`` argument (a literal, or a variable of the request)
  multiplies the cost of its selection by that number (at most the largest
  page, since a larger ``first`` is refused by the list itself, with its own
  message);
- the **fragment depth**: the longest chain of fragment spreads.

Either over its limit is a ``QUERY_TOO_COMPLEX`` error, and validation,
which would expand the fragments itself, never runs.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    InlineFragmentNode,
    IntValueNode,
    OperationDefinitionNode,
    SelectionSetNode,
    VariableNode,
)
from strawberry.extensions import SchemaExtension

__all__ = ["QueryCost", "QueryCostLimiter", "query_cost"]


class QueryCost:
    """Cost and fragment depth of a document (see the module's docstring)."""

    def __init__(
        self,
        document: DocumentNode,
        variables: Mapping[str, Any] | None,
        max_page_size: int | None = None,
    ) -> None:
        self.variables = variables or {}
        self.max_page_size = max_page_size
        self.fragments = {
            d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)
        }
        self._cost: dict[str, tuple[int, int]] = {}
        self._open: set[str] = set()
        self.cost = 0
        self.fragment_depth = 0
        for definition in document.definitions:
            if isinstance(definition, OperationDefinitionNode):
                cost, depth = self._selection(definition.selection_set)
                self.cost = max(self.cost, cost)
                self.fragment_depth = max(self.fragment_depth, depth)

    def _multiplier(self, field: FieldNode) -> int:
        asked = self._first(field)
        return asked if self.max_page_size is None else min(asked, self.max_page_size)

    def _first(self, field: FieldNode) -> int:
        for argument in field.arguments or ():
            if argument.name.value != "first":
                continue
            value = argument.value
            if isinstance(value, IntValueNode):
                return max(1, int(value.value))
            if isinstance(value, VariableNode):
                given = self.variables.get(value.name.value)
                if isinstance(given, int) and not isinstance(given, bool):
                    return max(1, given)
        return 1

    def _selection(self, selection_set: SelectionSetNode | None) -> tuple[int, int]:
        """(cost, fragment depth) of a selection set."""
        if selection_set is None:
            return 0, 0
        cost, depth = 0, 0
        for node in selection_set.selections:
            if isinstance(node, FieldNode):
                inner, inner_depth = self._selection(node.selection_set)
                cost += 1 + self._multiplier(node) * inner
                depth = max(depth, inner_depth)
            elif isinstance(node, InlineFragmentNode):
                inner, inner_depth = self._selection(node.selection_set)
                cost += inner
                depth = max(depth, inner_depth)
            elif isinstance(node, FragmentSpreadNode):
                inner, inner_depth = self._fragment(node.name.value)
                cost += inner
                depth = max(depth, inner_depth + 1)
        return cost, depth

    def _fragment(self, name: str) -> tuple[int, int]:
        if name in self._cost:
            return self._cost[name]
        definition = self.fragments.get(name)
        if definition is None or name in self._open:
            return 0, 0  # unknown or cyclic: validation refuses it with its own message
        self._open.add(name)
        try:
            found = self._selection(definition.selection_set)
        finally:
            self._open.discard(name)
        self._cost[name] = found
        return found


def query_cost(
    document: DocumentNode,
    variables: Mapping[str, Any] | None = None,
    max_page_size: int | None = None,
) -> QueryCost:
    """The :class:`QueryCost` of ``document`` with the request's ``variables``."""
    return QueryCost(document, variables, max_page_size)


class QueryCostLimiter(SchemaExtension):
    """Refuse documents over ``max_cost`` or ``max_fragment_depth`` before validating them."""

    def __init__(self, *, max_cost: int, max_fragment_depth: int, max_page_size: int) -> None:
        super().__init__()
        self.max_cost = max_cost
        self.max_fragment_depth = max_fragment_depth
        self.max_page_size = max_page_size

    def on_validate(self) -> Iterator[None]:
        context = self.execution_context
        if context.graphql_document is not None and context.pre_execution_errors is None:
            try:
                measured = query_cost(
                    context.graphql_document, context.variables, self.max_page_size
                )
            except RecursionError:  # nested past Python's own limit: too deep by any measure
                measured = QueryCost.__new__(QueryCost)
                measured.cost, measured.fragment_depth = 0, self.max_fragment_depth + 1
            message = None
            if measured.fragment_depth > self.max_fragment_depth:
                message = (
                    f"This query chains fragments {measured.fragment_depth} deep; at most "
                    f"{self.max_fragment_depth} are allowed. Inline some of them."
                )
            elif measured.cost > self.max_cost:
                message = (
                    f"This query would resolve about {measured.cost:,} fields once its fragments "
                    f"and pages are expanded; at most {self.max_cost:,} are allowed. "
                    "Ask for fewer fields or smaller pages (first)."
                )
            if message is not None:
                # Set before validation: graphql-core's validation (which would expand the
                # fragments itself) is then skipped, and the error is the answer.
                context.pre_execution_errors = [
                    GraphQLError(
                        message,
                        extensions={
                            "code": "QUERY_TOO_COMPLEX",
                            "cost": measured.cost,
                            "fragmentDepth": measured.fragment_depth,
                        },
                    )
                ]
        yield

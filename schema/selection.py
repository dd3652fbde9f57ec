"""A request's selection as a plain :class:`~graph.projection.Projection` for ``graph/``.

Resolvers of the hot read paths look ahead at what the client selected under
their field (Strawberry's ``info.selected_fields``) and hand ``graph/`` the
fields and nested records to fetch, so one query answers the whole field.
Fragments and inline fragments are flattened, a field selected twice
(aliases) is merged; ``@skip``/``@include`` are not evaluated, so a
conditional field is fetched (never missing, at worst unused).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from strawberry.types.nodes import FragmentSpread, InlineFragment, SelectedField, Selection

from graph.projection import Projection
from schema.context import Info

__all__ = ["connection_nodes", "projection", "selects"]


def _flat(selections: Iterable[Selection]) -> Iterator[SelectedField]:
    for selection in selections:
        if isinstance(selection, SelectedField):
            yield selection
        elif isinstance(selection, FragmentSpread | InlineFragment):
            yield from _flat(selection.selections)


def _of(fields: Iterable[SelectedField]) -> Projection:
    names: set[str] = set()
    children: dict[str, list[SelectedField]] = {}
    for f in fields:
        names.add(f.name)
        if f.selections:
            children.setdefault(f.name, []).extend(_flat(f.selections))
    return Projection(frozenset(names), {name: _of(sub) for name, sub in children.items()})


def _under(info: Info, path: tuple[str, ...]) -> list[SelectedField]:
    level = list(_flat(child for f in info.selected_fields for child in f.selections))
    for step in path:
        level = list(_flat(child for f in level if f.name == step for child in f.selections))
    return level


def projection(info: Info, *path: str) -> Projection:
    """What is selected under the current field, following ``path`` (field names)."""
    return _of(_under(info, path))


def connection_nodes(info: Info) -> Projection:
    """What is selected of a connection's nodes, through ``edges { node }`` and ``nodes``."""
    return projection(info, "edges", "node").merged(projection(info, "nodes"))


def selects(info: Info, name: str) -> bool:
    """Whether the current field's selection includes the field ``name``."""
    return any(f.name == name for f in _under(info, ()))

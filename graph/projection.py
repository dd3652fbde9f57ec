"""What a read asks for, as plain data, and the Cypher map projection that fetches exactly that.

A :class:`Projection` names the fields a caller wants of one kind of record
and, for each related record it wants, the projection of that one. It knows
nothing of GraphQL: ``schema/`` builds it from a request's selection,
``graph/`` turns it into Cypher with :func:`map_projection`, so a query
returns — and the driver decodes — only what was asked for.

The Cypher text is built from fixed fragments of this package (property
names, relation patterns); every value still travels as a ``$parameter``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field

__all__ = ["Projection", "Relation", "map_projection"]


@dataclass(frozen=True)
class Projection:
    """Fields wanted of a record, and projections of the related records wanted.

    Examples
    --------
    >>> p = Projection.of(["name"], organization=Projection.of(["name"]))
    >>> "name" in p, "organization" in p, p.child("organization").fields
    (True, True, frozenset({'name'}))
    """

    fields: frozenset[str] = frozenset()
    nested: Mapping[str, Projection] = field(default_factory=dict)

    @classmethod
    def of(cls, fields: Iterable[str] = (), **nested: Projection) -> Projection:
        return cls(frozenset(fields), dict(nested))

    def __contains__(self, name: object) -> bool:
        return name in self.fields or name in self.nested

    def child(self, name: str) -> Projection | None:
        """The projection of the related record ``name``, or None when it is not wanted."""
        return self.nested.get(name)

    def merged(self, other: Projection) -> Projection:
        """Both projections' fields (a field selected twice, through fragments or aliases)."""
        nested = dict(self.nested)
        for name, sub in other.nested.items():
            nested[name] = nested[name].merged(sub) if name in nested else sub
        return Projection(self.fields | other.fields, nested)


#: ``(variable, projection, depth) -> Cypher expression`` of one related record.
Relation = Callable[[str, Projection, int], str]


def map_projection(
    var: str,
    projection: Projection,
    *,
    scalars: Mapping[str, str],
    always: Iterable[str] = ("id",),
    needs: Mapping[str, Iterable[str]] | None = None,
    relations: Mapping[str, Relation] | None = None,
    depth: int = 0,
) -> str:
    """A Cypher map ``{key: expression, ...}`` of the wanted fields of ``var``.

    Parameters
    ----------
    var
        The Cypher variable of the record.
    projection
        What is wanted.
    scalars
        Field name -> Cypher expression over ``{v}``, the record's variable.
    always
        Fields fetched whatever is asked (ids the resolvers and checks use).
    needs
        GraphQL field -> the scalars it is computed from (``overdue`` needs
        ``status`` and ``acknowledgeBy``).
    relations
        Related record name -> its expression builder, given the variable,
        the sub-projection and the nesting depth (for fresh variable names).

    Examples
    --------
    >>> map_projection("o", Projection.of(["name", "kind"]),
    ...                scalars={"id": "{v}.id", "name": "{v}.name", "kind": "{v}.kind"})
    '{id: o.id, kind: o.kind, name: o.name}'
    """
    wanted = set(always)
    for name in projection.fields:
        if name in scalars:
            wanted.add(name)
        for source in (needs or {}).get(name, ()):
            wanted.add(source)
    parts = [f"{name}: {scalars[name].format(v=var)}" for name in sorted(wanted)]
    for name, build in sorted((relations or {}).items()):
        sub = projection.child(name)
        if sub is not None:
            parts.append(f"{name}: {build(var, sub, depth + 1)}")
    return "{" + ", ".join(parts) + "}"

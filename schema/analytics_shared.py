"""Analytics work the fields of one request share, and what the selection asks for.

``collaboration`` and ``evolution`` of the same network (or region) and
window, asked in one query as the web app's map does, read the period
aggregates from Neo4j once and compute the network measures once
(:meth:`schema.context.Context.once`). Brokerage measures (betweenness,
constraint, effective size) are the costly part of a period's organization
rows; they are computed only when the selection asks for one of them.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

from strawberry.types.nodes import SelectedField, Selection

from analytics.evolution import PeriodMetrics, evolution
from graph.aggregates import queries as g_agg
from schema.context import Info

__all__ = ["asks_brokerage", "shared_collaboration", "shared_evolution"]

_BROKERAGE = frozenset({"betweenness", "constraint", "effectiveSize"})

Slices = tuple[g_agg.PeriodSlice, tuple[g_agg.PeriodSlice, ...]]


async def shared_collaboration(
    info: Info, network_ids: Sequence[str], window: g_agg.Window
) -> Slices:
    """The window's period aggregates and the period before, read once per request."""
    ids = tuple(sorted(network_ids))
    db, now = info.context.db, info.context.clock()
    return await info.context.once(
        ("collaboration", ids, window),
        lambda: g_agg.collaboration_with_previous(db, ids, window, now=now),
    )


async def shared_evolution(
    info: Info, network_ids: Sequence[str], window: g_agg.Window
) -> tuple[PeriodMetrics, ...]:
    """:func:`analytics.evolution.evolution` of the period before and the window, once."""
    before, slices = await shared_collaboration(info, network_ids, window)
    aggregates = [before.aggregate, *(s.aggregate for s in slices)]
    return await info.context.once(
        ("evolution", tuple(sorted(network_ids)), window),
        lambda: asyncio.to_thread(evolution, aggregates),
    )


def asks_brokerage(info: Info) -> bool:
    """Whether the field's selection, fragments included, asks for a brokerage measure."""
    stack: list[Selection] = list(info.selected_fields)
    while stack:
        selection = stack.pop()
        if isinstance(selection, SelectedField) and selection.name in _BROKERAGE:
            return True
        stack.extend(selection.selections)
    return False

"""The tables a de-identified audience receives, protected by :mod:`analytics.disclosure`.

The API (:mod:`schema.analytics_research`) and the research export
(:mod:`server.report_export`) both build their researcher tables here, so the
same cells are suppressed in both. Ids are still directory ids here; the
callers replace them with the project's pseudonyms.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from analytics.build import referral_graph
from analytics.disclosure import (
    EDGE_TREE,
    FUNNEL_TREE,
    PLACE_TREE,
    WITHHELD_EDGE_FIELDS,
    margin,
    margins_by,
    protect_tree,
    tree_with_reasons,
)
from analytics.model import FunnelRow, PeriodAggregate
from analytics.organizations import burt_constraint, effective_size
from analytics.suppression import SMALL_CELL_THRESHOLD

__all__ = [
    "FUNNEL_COUNTS",
    "funnel_record",
    "gap_declines",
    "margin_records",
    "place_kind_margins",
    "protect_edge_rows",
    "protect_funnel_rows",
    "protect_organization_rows",
    "protect_place_rows",
    "unweighted_brokerage",
    "with_rates",
]

#: Counts of a funnel record besides ``declined_<REASON>``.
FUNNEL_COUNTS = ("sent", "acknowledged", "accepted", "contacted", "completed", "declined")
_FUNNEL_RATES = {
    "acknowledgement_rate": ("acknowledged", "sent"),
    "acceptance_rate": ("accepted", "sent"),
    "completion_rate": ("completed", "accepted"),
}
_ORGANIZATION_RATES = {
    "acknowledgement_rate": ("acknowledged", "in_strength"),
    "acceptance_rate": ("accepted", "in_strength"),
    "completion_rate": ("completed", "accepted"),
}


def _reasons_of(row: Mapping[str, Any]) -> list[str]:
    return [k.removeprefix("declined_") for k in row if k.startswith("declined_")]


def protect_edge_rows(
    rows: Iterable[Mapping[str, Any]], *, threshold: int = SMALL_CELL_THRESHOLD
) -> list[dict[str, Any]]:
    """Protect rows of :func:`analytics.export.edge_list_rows` (computed with threshold 0).

    Each row's counts follow :data:`analytics.disclosure.EDGE_TREE` with one
    subset of ``declined`` per reason; no-show, cancelled and overdue are
    withheld (None); the median delay is kept only with ``acknowledged``.

    Examples
    --------
    >>> row = {"source": "a", "target": "b", "sent": 6, "acknowledged": 6, "accepted": 5,
    ...        "contacted": 0, "completed": 0, "no_show": 0, "declined": 1,
    ...        "declined_NO_CAPACITY": 1, "redirected": 0, "expired": 0, "cancelled": 0,
    ...        "overdue": 0, "median_hours_to_ack": 2.0}
    >>> out = protect_edge_rows([row])[0]
    >>> out["sent"], out["acknowledged"], out["accepted"], out["declined"]
    (6, 6, None, None)
    """
    protected = []
    for row in rows:
        tree = tree_with_reasons(EDGE_TREE, _reasons_of(row))
        keys = [k for k in (*tree, *(c for kids in tree.values() for c in kids)) if k in row]
        counts = {k: int(row[k]) for k in dict.fromkeys(keys) if row[k] is not None}
        cleaned = protect_tree(counts, tree, threshold=threshold)
        out = dict(row)
        out.update(cleaned)
        for name in WITHHELD_EDGE_FIELDS:
            if name in out:
                out[name] = None
        if out.get("acknowledged") is None:
            out["median_hours_to_ack"] = None
        protected.append(out)
    return protected


def protect_organization_rows(
    rows: Iterable[Mapping[str, Any]], edges: Sequence[Mapping[str, Any]]
) -> list[dict[str, Any]]:
    """Organization rows whose referral counts are margins of the protected ``edges``.

    ``rows`` come from :func:`analytics.export.organization_metrics_rows` with
    threshold 0, ``edges`` from :func:`protect_edge_rows` of the same period.
    In- and out-strength and the received ``acknowledged``, ``accepted`` and
    ``completed`` are published only when every edge they sum is; ``overdue``
    is withheld; rates follow their counts.
    """
    edges = list(edges)
    received = margins_by(edges, "target", ["sent", "acknowledged", "accepted", "completed"])
    sent = margins_by(edges, "source", ["sent"])
    empty_in = {"sent": 0, "acknowledged": 0, "accepted": 0, "completed": 0}
    protected = []
    for row in rows:
        out = dict(row)
        org = row["org_id"]
        inward = received.get(org, empty_in)
        out["in_strength"] = inward["sent"]
        for name in ("acknowledged", "accepted", "completed"):
            out[name] = inward[name]
        out["out_strength"] = sent.get(org, {"sent": 0})["sent"]
        out["overdue"] = None
        if out["acknowledged"] is None:
            out["median_hours_to_ack"] = None
        protected.append(with_rates(out, _ORGANIZATION_RATES))
    return protected


def unweighted_brokerage(
    aggregate: PeriodAggregate,
) -> dict[str, tuple[float | None, float | None]]:
    """Burt's constraint and effective size on the period's ties, every referral tie weight 1.

    Weighted by referral counts, these would let a suppressed edge weight be
    solved from a published one (two partners: constraint = p1² + p2²); with
    unit weights (a pair tied both ways weighs 2 in the undirected
    projection) they depend only on which ties exist, which is published, so
    researchers can recompute them from the export.
    """
    graph = referral_graph(aggregate)
    for _, _, data in graph.edges(data=True):
        data["weight"] = 1
    constraint, size = burt_constraint(graph), effective_size(graph)
    return {node: (constraint[node], size[node]) for node in graph}


def with_rates(
    record: Mapping[str, Any], rates: Mapping[str, tuple[str, str]] = _FUNNEL_RATES
) -> dict[str, Any]:
    """``record`` with each rate recomputed from its published counts (None when one is not)."""
    out = dict(record)
    for name, (numerator, denominator) in rates.items():
        top, bottom = out.get(numerator), out.get(denominator)
        out[name] = None if top is None or bottom is None or bottom == 0 else top / bottom
    return out


def funnel_record(row: FunnelRow, shape: Sequence[str]) -> dict[str, Any]:
    """A funnel row as a flat record: its key parts named by ``shape``, counts, reasons."""
    record: dict[str, Any] = dict(zip(shape, row.key, strict=True))
    record.update(
        sent=row.sent, acknowledged=row.acknowledged, accepted=row.accepted,
        contacted=row.contacted, completed=row.completed, declined=row.declined_total,
    )  # fmt: skip
    record.update({f"declined_{r}": n for r, n in row.declined.items()})
    return record


def protect_funnel_rows(
    records: Iterable[Mapping[str, Any]], *, threshold: int = SMALL_CELL_THRESHOLD
) -> list[dict[str, Any]]:
    """Protect flat funnel records (:func:`funnel_record`) row by row, with their rates."""
    rows = list(records)
    reasons = sorted({r for record in rows for r in _reasons_of(record)})
    protected = []
    for given in rows:
        record = {**{f"declined_{r}": 0 for r in reasons}, **given}
        tree = tree_with_reasons(FUNNEL_TREE, reasons)
        counts = {
            k: int(v) for k, v in record.items() if k in FUNNEL_COUNTS or k.startswith("declined_")
        }
        out = dict(record)
        out.update(protect_tree(counts, tree, threshold=threshold))
        protected.append(with_rates(out))
    return protected


def margin_records(records: Sequence[Mapping[str, Any]], key: str) -> list[dict[str, Any]]:
    """Sum protected records by ``key`` under :func:`analytics.disclosure.margin`, with rates."""
    fields = list(
        dict.fromkeys(
            [*FUNNEL_COUNTS, *(k for r in records for k in r if k.startswith("declined_"))]
        )
    )
    grouped = margins_by(records, key, fields)
    return [with_rates({key: k, **counts}) for k, counts in grouped.items()]


def protect_place_rows(
    rows: Iterable[Mapping[str, Any]], *, threshold: int = SMALL_CELL_THRESHOLD
) -> list[dict[str, Any]]:
    """Protect outreach place rows (``referrals`` ⊃ ``completed``) and their completion rate."""
    protected = []
    for row in rows:
        out = dict(row)
        out.update(
            protect_tree(
                {"referrals": row["referrals"], "completed": row["completed"]},
                PLACE_TREE,
                threshold=threshold,
            )
        )
        protected.append(with_rates(out, {"completion_rate": ("completed", "referrals")}))
    return protected


def place_kind_margins(rows: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """Protected place rows summed by kind: a kind's counts only when all its places' are."""
    grouped = margins_by(rows, "place_kind", ["referrals", "completed"])
    return [
        with_rates(
            {"place_id": None, "place_kind": kind, **counts},
            {"completion_rate": ("completed", "referrals")},
        )
        for kind, counts in grouped.items()
    ]


def gap_declines(record: Mapping[str, Any]) -> int | None:
    """Gap declines (NO_CAPACITY + SERVICE_NOT_ADAPTED) when both cells are published."""
    return margin(record.get(f"declined_{r}", 0) for r in ("NO_CAPACITY", "SERVICE_NOT_ADAPTED"))

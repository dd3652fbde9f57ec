"""Small-cell suppression of tables released to researchers.

Rule (DESIGN.md §5, "cells < 5 suppressed"): an integer count from 1 to
``threshold - 1`` becomes None. Zero stays 0: an empty cell reveals no family.
Counts inside nested mappings (``declined`` by reason) are suppressed the same
way. A rate or median computed from a suppressed count would let the count be
recovered, so each such field named in ``derived`` becomes None when any of
its sources was suppressed. Booleans, strings and floats not in ``derived``
are left as they are. This is primary suppression only: a suppressed cell
may still be recoverable from a published total minus the other cells, so
do not publish both a total and all but one of its parts.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Collection, Iterable, Mapping
from typing import Any

__all__ = ["SMALL_CELL_THRESHOLD", "suppress_small_cells", "suppressed"]

#: Smallest count published as is.
SMALL_CELL_THRESHOLD = 5


def suppressed(value: int, threshold: int = SMALL_CELL_THRESHOLD) -> int | None:
    """Suppress one count: None when ``0 < value < threshold``.

    Parameters
    ----------
    value : int
        A count.
    threshold : int, default 5
        Smallest count published as is.

    Returns
    -------
    int or None
        The count, or None when it is a small non-zero cell.

    References
    ----------
    .. [1] Hundepool, A. et al. (2012). *Statistical Disclosure Control*,
       ch. 5 (threshold rule for frequency tables). Wiley.
       DOI 10.1002/9781118348239

    Examples
    --------
    >>> suppressed(0), suppressed(3), suppressed(5)
    (0, None, 5)
    """
    return None if 0 < value < threshold else value


def suppress_small_cells(
    rows: Iterable[Mapping[str, Any] | Any],
    *,
    threshold: int = SMALL_CELL_THRESHOLD,
    derived: Mapping[str, Collection[str]] | None = None,
    exempt: Collection[str] = (),
) -> list[dict[str, Any]]:
    """Apply the small-cell rule to every row of a table.

    Parameters
    ----------
    rows : iterable of mappings or dataclass instances
        The table; dataclass rows are converted with their fields.
    threshold : int, default 5
        Smallest count published as is; 1 or less disables suppression.
    derived : mapping of str to collection of str, optional
        Field → the count fields it is computed from, e.g.
        ``{"acknowledgement_rate": ("acknowledged", "sent")}``
        (see :data:`analytics.funnel.FUNNEL_RATE_SOURCES`).
    exempt : collection of str, optional
        Integer fields that are not counts of referrals or families (a year,
        a number of organizations) and are never suppressed.

    Returns
    -------
    list of dict
        New rows; the input is not modified.

    References
    ----------
    .. [1] Hundepool, A. et al. (2012). *Statistical Disclosure Control*,
       ch. 5. Wiley. DOI 10.1002/9781118348239

    Examples
    --------
    >>> suppress_small_cells([{"id": "a", "sent": 3, "acknowledged": 0, "rate": 0.0}],
    ...                      derived={"rate": ("acknowledged", "sent")})
    [{'id': 'a', 'sent': None, 'acknowledged': 0, 'rate': None}]
    """
    if threshold <= 1:
        return [_as_dict(row) for row in rows]
    sources = derived or {}
    table = []
    for row in rows:
        record = _as_dict(row)
        hidden: set[str] = set()
        for name, value in record.items():
            if name in exempt or name in sources:
                continue
            record[name], was_hidden = _suppress_value(value, threshold)
            if was_hidden:
                hidden.add(name)
        for name, inputs in sources.items():
            if name in record and hidden.intersection(inputs):
                record[name] = None
        table.append(record)
    return table


def _as_dict(row: Mapping[str, Any] | Any) -> dict[str, Any]:
    if isinstance(row, Mapping):
        return dict(row)
    if dataclasses.is_dataclass(row) and not isinstance(row, type):
        return {f.name: getattr(row, f.name) for f in dataclasses.fields(row)}
    raise TypeError(f"cannot suppress cells of {type(row).__name__}: use a mapping or dataclass")


def _suppress_value(value: Any, threshold: int) -> tuple[Any, bool]:
    """Return the value with small counts suppressed, and whether any was."""
    if isinstance(value, bool):
        return value, False
    if isinstance(value, int):
        cleaned = suppressed(value, threshold)
        return cleaned, cleaned is None
    if isinstance(value, Mapping):
        inner = {key: _suppress_value(item, threshold) for key, item in value.items()}
        return {key: v for key, (v, _) in inner.items()}, any(h for _, h in inner.values())
    return value, False

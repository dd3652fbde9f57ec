"""Rows of an interchange dataset (docs/interchange.md): find the files, read them, clean each row.

A dataset is a directory with one file per kind of record, either JSON Lines
(``events.jsonl``) or CSV with the same columns (``events.csv``: lists are
``;``-separated, the nested consent of a referral is spread over
``consent_given``, ``consent_at``, ``consent_method`` and ``consent_scope``,
an empty cell is null). :func:`read_rows` streams one file; :func:`clean_row`
(graph/importer/fields.py) checks one row.
"""

from __future__ import annotations

import csv
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NamedTuple

from domain.errors import BadUserInput
from graph.importer.fields import FIELDS, BadRow, Field, clean_row, epoch

__all__ = [
    "FILE_ORDER",
    "BadRow",
    "DatasetError",
    "Source",
    "Unreadable",
    "clean_row",
    "count_lines",
    "epoch",
    "find_sources",
    "read_rows",
]

# Files in the order they are checked and written: each refers only to earlier ones.
FILE_ORDER = (
    "networks",
    "territories",
    "places",
    "organizations",
    "memberships",
    "services",
    "availability",
    "partnerships",
    "presence",
    "referrals",
    "events",
)


class DatasetError(BadUserInput):
    """The dataset as a whole cannot be read (a missing or doubled file)."""

    code = "BAD_DATASET"


class Unreadable(NamedTuple):
    """A line that is not a row: why, and its id if one can still be made out."""

    message: str
    id: str | None


@dataclass(frozen=True)
class Source:
    """One file of the dataset: its kind (``"events"``) and path."""

    kind: str
    path: Path

    @property
    def file(self) -> str:
        return self.path.name

    @property
    def is_csv(self) -> bool:
        return self.path.suffix == ".csv"


def find_sources(directory: Path) -> dict[str, Source]:
    """The dataset's files by kind, in :data:`FILE_ORDER`.

    Raises :class:`DatasetError` when the directory is missing, holds no
    ``organizations`` file, or holds one kind both as ``.jsonl`` and ``.csv``.
    """
    if not directory.is_dir():
        raise DatasetError(f"{directory} is not a directory of interchange files.")
    found: dict[str, Source] = {}
    for kind in FILE_ORDER:
        paths = [p for p in (directory / f"{kind}.jsonl", directory / f"{kind}.csv") if p.exists()]
        if len(paths) == 2:
            raise DatasetError(f"{directory} holds both {kind}.jsonl and {kind}.csv; keep one.")
        if paths:
            found[kind] = Source(kind, paths[0])
    if "organizations" not in found:
        raise DatasetError(
            f"{directory} has no organizations.jsonl (or .csv): it is the one required file "
            "(see docs/interchange.md)."
        )
    return found


def count_lines(source: Source) -> int:
    """Rows in the file, counted fast (a progress total; the CSV header aside)."""
    lines = 0
    with source.path.open("rb") as handle:
        while chunk := handle.read(1 << 24):
            lines += chunk.count(b"\n")
    return max(0, lines - 1) if source.is_csv else lines


def read_rows(source: Source) -> Iterator[tuple[int, dict[str, Any] | Unreadable]]:
    """Yield ``(line, row)`` per non-blank line (1-based); ``row`` is a message if unreadable."""
    if source.is_csv:
        yield from _read_csv(source)
        return
    loads = json.loads
    with source.path.open("r", encoding="utf-8") as handle:
        for line, text in enumerate(handle, 1):
            try:
                row = loads(text)
            except ValueError as exc:
                if text.strip():
                    found = _LEADING_ID.match(text)
                    yield (
                        line,
                        Unreadable(
                            f"not valid JSON ({exc})", found.group(1).lower() if found else None
                        ),
                    )
                continue
            yield line, row if isinstance(row, dict) else Unreadable("not a JSON object", None)


def _read_csv(source: Source) -> Iterator[tuple[int, dict[str, Any] | Unreadable]]:
    spec = {f.name: f for f in FIELDS[source.kind]}
    with source.path.open("r", encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle)
        for cells in reader:
            line = reader.line_num
            try:
                yield line, _from_csv(spec, cells)
            except BadRow as exc:
                yield line, Unreadable(str(exc), cells.get("id"))


def _from_csv(spec: dict[str, Field], cells: dict[str | Any, Any]) -> dict[str, Any]:
    row: dict[str, Any] = {}
    consent: dict[str, Any] = {}
    problems: list[str] = []
    for column, cell in cells.items():
        if column is None or cell is None:
            raise BadRow("has more cells than the header has columns")
        if column.startswith("consent_"):
            key = column.removeprefix("consent_")
            consent[key] = _csv_value(_CONSENT_CSV.get(key, "text"), cell, column, problems)
        elif column in spec:
            row[column] = _csv_value(spec[column].csv, cell, column, problems)
    if problems:
        raise BadRow("; ".join(problems))
    if consent:
        row["consent"] = consent
    return row


_CONSENT_CSV = {"given": "bool", "at": "text", "method": "text", "scope": "text"}
_TRUE, _FALSE = {"true", "1", "yes", "oui"}, {"false", "0", "no", "non"}


def _csv_value(kind: str, cell: str, column: str, problems: list[str]) -> Any:
    text = cell.strip()
    if kind == "list":
        return [part.strip() for part in text.split(";") if part.strip()]
    if not text:
        return None
    try:
        if kind == "int":
            return int(text)
        if kind == "float":
            return float(text)
    except ValueError:
        problems.append(f"{column} {text!r} is not a number")
        return None
    if kind == "bool":
        if text.lower() in _TRUE | _FALSE:
            return text.lower() in _TRUE
        problems.append(f"{column} {text!r} is not true or false")
        return None
    return cell


# The id of a line cut short, so that what depends on it is skipped with it.
_LEADING_ID = re.compile(r'\s*\{\s*"id"\s*:\s*"([0-9a-fA-F-]{36})"')

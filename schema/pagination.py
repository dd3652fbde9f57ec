"""Relay-style connections with a maximum page size.

Cursors are opaque. The directory's ordered, slowly changing lists use
offsets (base64 of ``o:<offset>``); the referral inbox and outbox, where new
referrals arrive at the top, use keysets (base64 of ``k:<sentAt>|<id>``, the
last referral seen), so a page does not shift when one arrives.
"""

from __future__ import annotations

import base64
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Generic, TypeVar

import strawberry

from domain.errors import BadUserInput
from graph.referral.reads import Keyset
from graph.validation import check_id

__all__ = [
    "Connection",
    "Edge",
    "PageInfo",
    "decode_keyset",
    "encode_keyset",
    "offset_connection",
    "page_window",
    "to_connection",
]

T = TypeVar("T")
Row = TypeVar("Row")
_MAX_OFFSET = 2**31


@strawberry.type
class PageInfo:
    has_next_page: bool
    has_previous_page: bool
    start_cursor: str | None
    end_cursor: str | None


@strawberry.type
class Edge(Generic[T]):
    cursor: str
    node: T


@strawberry.type
class Connection(Generic[T]):
    edges: list[Edge[T]]
    page_info: PageInfo
    total_count: int

    @strawberry.field
    def nodes(self) -> list[T]:
        return [edge.node for edge in self.edges]


def _encode(offset: int) -> str:
    return base64.urlsafe_b64encode(f"o:{offset}".encode()).decode()


def _decode(cursor: str) -> int:
    try:
        kind, _, value = base64.urlsafe_b64decode(cursor.encode()).decode().partition(":")
        offset = int(value)
    except (ValueError, UnicodeDecodeError):
        raise BadUserInput("after is not a cursor this API gave out.", field="after") from None
    # The bound keeps a forged offset from overflowing Neo4j's 64-bit integers.
    if kind != "o" or not 0 <= offset < _MAX_OFFSET:
        raise BadUserInput("after is not a cursor this API gave out.", field="after")
    return offset


def page_window(first: int | None, after: str | None, max_page_size: int) -> tuple[int, int]:
    """``(skip, limit)`` for a request; refuses page sizes over the maximum."""
    size = max_page_size if first is None else first
    if size < 0:
        raise BadUserInput("first must not be negative.", field="first")
    if size > max_page_size:
        raise BadUserInput(
            f"first is {size}; the largest page is {max_page_size}. Page with after.",
            field="first",
        )
    skip = 0 if after is None else _decode(after) + 1
    return skip, size


def to_connection(
    rows: Sequence[Row], total: int, skip: int, make: Callable[[Row], T]
) -> Connection[T]:
    edges = [Edge(cursor=_encode(skip + i), node=make(row)) for i, row in enumerate(rows)]
    return Connection(
        edges=edges,
        page_info=PageInfo(
            has_next_page=skip + len(rows) < total,
            has_previous_page=skip > 0,
            start_cursor=edges[0].cursor if edges else None,
            end_cursor=edges[-1].cursor if edges else None,
        ),
        total_count=total,
    )


def offset_connection(
    rows: Sequence[Row], total: int | None, skip: int, limit: int, make: Callable[[Row], T]
) -> Connection[T]:
    """A page from ``rows``; without ``total`` (not selected), ``rows`` may hold one extra.

    When the total was not selected, ``totalCount`` is never resolved: it is
    left at 0, and ``hasNextPage`` comes from the extra row.
    """
    if total is not None:
        return to_connection(rows, total, skip, make)
    page = to_connection(rows[:limit], 0, skip, make)
    page.page_info.has_next_page = len(rows) > limit
    return page


def encode_keyset(sent_at: str, record_id: str) -> str:
    """The cursor of a record ordered by ``(sentAt, id)``: ``sent_at`` as ISO 8601 text."""
    return base64.urlsafe_b64encode(f"k:{sent_at}|{record_id}".encode()).decode()


def decode_keyset(cursor: str | None) -> Keyset | None:
    """The keyset an ``after`` cursor holds (None for no cursor); BAD_USER_INPUT if forged."""
    if cursor is None:
        return None
    refused = BadUserInput("after is not a cursor this API gave out.", field="after")
    try:
        kind, _, value = base64.urlsafe_b64decode(cursor.encode()).decode().partition(":")
        at, _, record_id = value.rpartition("|")
        # Neo4j writes a named zone after the offset ("…+01:00[Europe/Paris]"): the offset holds.
        sent_at = datetime.fromisoformat(at.split("[", 1)[0])
    except (ValueError, UnicodeDecodeError):
        raise refused from None
    if kind != "k" or sent_at.tzinfo is None:
        raise refused
    return Keyset(sent_at=sent_at, id=check_id(record_id, "after"))

"""Input checks shared by every writer (API, CLI, importers).

Each check raises :class:`~domain.errors.BadUserInput` naming the field and
saying what a valid value looks like. They run before any write.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterable, Sequence
from datetime import UTC, date, datetime
from enum import Enum
from typing import TypeVar

from domain.errors import BadUserInput

__all__ = [
    "check_dates_in_order",
    "check_enum",
    "check_enums",
    "check_id",
    "check_instant",
    "check_text",
    "optional_text",
]

E = TypeVar("E", bound=Enum)
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def check_text(value: str | None, field: str, *, max_length: int = 200, min_length: int = 1) -> str:
    """A required text: stripped, non-empty, not too long, no control characters."""
    if value is None:
        raise BadUserInput(f"{field} is required.", field=field)
    text = value.strip()
    if len(text) < min_length:
        raise BadUserInput(
            f"{field} must not be empty."
            if min_length == 1
            else f"{field} needs at least {min_length} characters.",
            field=field,
        )
    if len(text) > max_length:
        raise BadUserInput(
            f"{field} is {len(text)} characters long; the most is {max_length}.", field=field
        )
    if _CONTROL.search(text):
        raise BadUserInput(f"{field} contains control characters.", field=field)
    return text


def optional_text(value: str | None, field: str, *, max_length: int = 2000) -> str | None:
    """An optional text: None or blank becomes None, otherwise as :func:`check_text`."""
    if value is None or not value.strip():
        return None
    return check_text(value, field, max_length=max_length)


def check_email(value: str | None, field: str) -> str | None:
    text = optional_text(value, field, max_length=254)
    if text is not None and not _EMAIL.match(text):
        raise BadUserInput(f"{field} {text!r} is not an email address.", field=field)
    return text


def check_url(value: str | None, field: str) -> str | None:
    text = optional_text(value, field, max_length=500)
    if text is not None and not text.startswith(("http://", "https://")):
        raise BadUserInput(f"{field} must start with http:// or https://.", field=field)
    return text


def check_id(value: str | None, field: str) -> str:
    """An id must be a UUID string; anything else cannot exist."""
    if value is None or not str(value).strip():
        raise BadUserInput(f"{field} is required.", field=field)
    try:
        return str(uuid.UUID(str(value).strip()))
    except ValueError:
        raise BadUserInput(f"{field} {value!r} is not a valid id.", field=field) from None


def check_instant(value: datetime | None, field: str) -> datetime | None:
    """A moment in time, which must say its UTC offset; returned in UTC.

    A time without an offset (``2026-01-15T09:30:00``) is ambiguous, and Neo4j
    would store it as a local time that compares with no stored instant.
    """
    if value is None:
        return None
    if value.utcoffset() is None:
        raise BadUserInput(
            f"{field} needs a time zone, e.g. 2026-01-15T09:30:00-05:00 or 2026-01-15T14:30:00Z.",
            field=field,
        )
    try:
        return value.astimezone(UTC)
    except OverflowError:
        raise BadUserInput(f"{field} is out of range.", field=field) from None


def check_enum(value: str | Enum | None, enum: type[E], field: str) -> E:
    """A code of ``enum``; the message lists the valid codes."""
    if isinstance(value, enum):
        return value
    raw = value.value if isinstance(value, Enum) else value
    try:
        return enum(str(raw).strip().upper())
    except ValueError:
        valid = ", ".join(member.value for member in enum)
        raise BadUserInput(f"{field} {raw!r} is not one of {valid}.", field=field) from None


def check_enums(values: Iterable[str | Enum], enum: type[E], field: str) -> list[E]:
    return list(dict.fromkeys(check_enum(v, enum, field) for v in values))


def check_codes(values: Sequence[str] | None, field: str, *, required: bool = False) -> list[str]:
    """Upper-case codes (need codes, languages), unique, in the order given."""
    codes = [v.strip().upper() for v in (values or []) if v and v.strip()]
    if required and not codes:
        raise BadUserInput(f"{field} needs at least one code.", field=field)
    for code in codes:
        if not re.fullmatch(r"[A-Z0-9_\-]{1,64}", code):
            raise BadUserInput(f"{field} {code!r} is not a valid code.", field=field)
    return list(dict.fromkeys(codes))


def check_languages(values: Sequence[str] | None, field: str = "languages") -> list[str]:
    """ISO 639-1 language codes, lower-case (``fr``, ``en``, ``es``…)."""
    langs = [v.strip().lower() for v in (values or []) if v and v.strip()]
    for lang in langs:
        if not re.fullmatch(r"[a-z]{2,3}(-[a-z0-9]{2,8})?", lang):
            raise BadUserInput(
                f"{field} {lang!r} is not a language code such as fr or en.", field=field
            )
    return list(dict.fromkeys(langs))


def check_dates_in_order(start: date | None, end: date | None, field: str) -> None:
    """``end`` (the field named) must not come before ``start``."""
    if start is not None and end is not None and end < start:
        raise BadUserInput(
            f"{field} ({end.isoformat()}) is before the start date ({start.isoformat()}).",
            field=field,
        )

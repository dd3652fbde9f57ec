"""The fields of each interchange file (docs/interchange.md) and how one row is cleaned.

:func:`clean_row` checks presence, types, codes (domain/vocabulary.py), ids
and ISO times, and returns the row normalized: codes upper-case, ids
lower-case, times in UTC with a ``Z``. Whatever is wrong is said in one
:class:`BadRow` message naming every bad field.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from enum import Enum
from typing import Any

from domain.vocabulary import (
    NEEDS,
    Availability,
    ConsentMethod,
    EventType,
    OrganizationKind,
    PartnershipKind,
    PlaceKind,
    ReferralStatus,
    Urgency,
)

__all__ = ["FIELDS", "BadRow", "Field", "clean_row", "epoch"]


class BadRow(ValueError):
    """One row (or one value) is unusable; the message says why."""


_REQUIRED: Any = object()
_UUID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")
_CODE = re.compile(r"[A-Z0-9_\-]{1,64}")
_LANGUAGE = re.compile(r"[a-z]{2,3}(-[a-z0-9]{2,8})?")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


@dataclass(frozen=True)
class Field:
    name: str
    clean: Callable[[Any], Any]
    default: Any = _REQUIRED
    csv: str = "text"  # how a CSV cell becomes a value: text, list, int, float, bool


def epoch(iso: str) -> float:
    """Seconds since 1970 of a cleaned time (``...Z``)."""
    return datetime.fromisoformat(iso).timestamp()


def _id(value: Any) -> str:
    if isinstance(value, str) and _UUID.fullmatch(value):
        return value.lower()
    raise BadRow(f"{value!r} is not an id (a UUID)")


def _text(max_length: int) -> Callable[[Any], str]:
    def clean(value: Any) -> str:
        if not isinstance(value, str) or not value.strip():
            raise BadRow("must be a non-empty text")
        text = value.strip()
        if len(text) > max_length:
            raise BadRow(f"is {len(text)} characters long; the most is {max_length}")
        if _CONTROL.search(text):
            raise BadRow("contains control characters")
        return text

    return clean


def _optional_text(max_length: int) -> Callable[[Any], str | None]:
    required = _text(max_length)

    def clean(value: Any) -> str | None:
        if isinstance(value, str) and not value.strip():
            return None
        return required(value)

    return clean


def _family_ref(value: Any) -> str:
    text = _text(64)(value)
    if not any(ch.isdigit() for ch in text):
        raise BadRow(f"{text!r} must be the sender's own file number (with digits), never a name")
    return text


def _code(enum: type[Enum]) -> Callable[[Any], str]:
    codes = frozenset(str(member.value) for member in enum)
    listed = ", ".join(sorted(codes))

    def clean(value: Any) -> str:
        code = value.strip().upper() if isinstance(value, str) else value
        if code in codes:
            return str(code)
        raise BadRow(f"{value!r} is not one of {listed}")

    return clean


def _list(item: Callable[[Any], str], *, required: bool = False) -> Callable[[Any], list[str]]:
    def clean(value: Any) -> list[str]:
        if not isinstance(value, list):
            raise BadRow("must be a list")
        items = list(dict.fromkeys(item(v) for v in value))
        if required and not items:
            raise BadRow("needs at least one code")
        return items

    return clean


def _need(value: Any) -> str:
    code = value.strip().upper() if isinstance(value, str) else value
    if code in NEEDS:
        return str(code)
    raise BadRow(f"{value!r} is not in the need taxonomy ({', '.join(NEEDS)})")


def _territory_code(value: Any) -> str:
    code = value.strip().upper() if isinstance(value, str) else ""
    if _CODE.fullmatch(code):
        return code
    raise BadRow(f"{value!r} is not a code (A-Z, 0-9, _ and -)")


def _language(value: Any) -> str:
    lang = value.strip().lower() if isinstance(value, str) else ""
    if _LANGUAGE.fullmatch(lang):
        return lang
    raise BadRow(f"{value!r} is not a language code such as fr or en")


def _int(low: int, high: int) -> Callable[[Any], int]:
    def clean(value: Any) -> int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise BadRow(f"{value!r} is not a whole number")
        if not low <= value <= high:
            raise BadRow(f"{value} is not between {low} and {high}")
        return value

    return clean


def _float(low: float, high: float) -> Callable[[Any], float]:
    def clean(value: Any) -> float:
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise BadRow(f"{value!r} is not a number")
        if not low <= value <= high:
            raise BadRow(f"{value} is not between {low:g} and {high:g}")
        return float(value)

    return clean


def _bool(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    raise BadRow(f"{value!r} is not true or false")


def _time(value: Any) -> str:
    """An ISO 8601 time with a zone, returned in UTC with a ``Z``."""
    try:
        moment = datetime.fromisoformat(value) if isinstance(value, str) else None
    except ValueError:
        moment = None
    if moment is None or moment.tzinfo is None:
        raise BadRow(f"{value!r} is not an ISO 8601 time with a zone, e.g. 2025-03-01T14:05:00Z")
    if value.endswith("Z"):
        return str(value)
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


def _date(value: Any) -> str:
    if isinstance(value, str):
        try:
            return date.fromisoformat(value).isoformat()
        except ValueError:
            pass
    raise BadRow(f"{value!r} is not a date YYYY-MM-DD")


_CONSENT = (
    Field("given", _bool),
    Field("at", _time),
    Field("method", _code(ConsentMethod)),
    Field("scope", _text(500)),
)


def _consent(value: Any) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise BadRow("must be an object with given, at, method and scope")
    return _clean_fields(_CONSENT, value, prefix="consent.")


FIELDS: dict[str, tuple[Field, ...]] = {
    "networks": (
        Field("id", _id),
        Field("name", _text(200)),
        Field("territoryCodes", _list(_territory_code), [], "list"),
        Field("ackDelayHours", _int(1, 1440), 72, "int"),
        Field("retentionDays", _int(1, 3650), 90, "int"),
    ),
    "territories": (Field("id", _id), Field("code", _territory_code), Field("name", _text(200))),
    "places": (
        Field("id", _id),
        Field("name", _text(200)),
        Field("kind", _code(PlaceKind)),
        Field("territoryId", _id, None),
    ),
    "organizations": (
        Field("id", _id),
        Field("name", _text(200)),
        Field("kind", _code(OrganizationKind)),
        Field("description", _optional_text(5000), None),
        Field("languages", _list(_language), ["fr"], "list"),
        Field("territoryId", _id, None),
        Field("active", _bool, True, "bool"),
        Field("createdAt", _time),
    ),
    "memberships": (
        Field("organizationId", _id),
        Field("networkId", _id),
        Field("since", _date),
        Field("until", _date, None),
    ),
    "services": (
        Field("id", _id),
        Field("organizationId", _id),
        Field("name", _text(200)),
        Field("description", _optional_text(5000), None),
        Field("eligibility", _optional_text(2000), None),
        Field("languages", _list(_language), ["fr"], "list"),
        Field("availability", _code(Availability)),
        Field("needCodes", _list(_need, required=True), csv="list"),
        Field("territoryIds", _list(_id), [], "list"),
        Field("createdAt", _time),
    ),
    "availability": (
        Field("serviceId", _id),
        Field("availability", _code(Availability)),
        Field("at", _time),
    ),
    "partnerships": (
        Field("sourceId", _id),
        Field("targetId", _id),
        Field("kind", _code(PartnershipKind)),
        Field("since", _date),
        Field("until", _date, None),
    ),
    "presence": (
        Field("organizationId", _id),
        Field("placeId", _id),
        Field("date", _date),
        Field("hours", _float(0, 24), csv="float"),
        Field("contacts", _int(0, 100_000), csv="int"),
        Field("needsHeard", _list(_need), [], "list"),
    ),
    "referrals": (
        Field("id", _id),
        Field("senderId", _id),
        Field("receiverId", _id),
        Field("serviceId", _id, None),
        Field("familyId", _id),
        Field("familyRef", _family_ref),
        Field("needCodes", _list(_need, required=True), csv="list"),
        Field("urgency", _code(Urgency), "ROUTINE"),
        Field("placeId", _id, None),
        Field("sentAt", _time),
        Field("acknowledgeBy", _time),
        Field("overrideAvailability", _bool, False, "bool"),
        Field("consent", _consent),
        Field("redirectedFromId", _id, None),
        Field("idempotencyKey", _text(128)),
        # Not in the format, but checked when a dataset carries it.
        Field("status", _code(ReferralStatus), None),
    ),
    "events": (
        Field("id", _id),
        Field("referralId", _id),
        Field("type", _code(EventType)),
        Field("status", _code(ReferralStatus)),
        Field("at", _time),
        Field("actorOrganizationId", _id, None),
        Field("reason", _optional_text(500), None),
        Field("comment", _optional_text(4000), None),
    ),
}


def _clean_fields(
    fields: tuple[Field, ...], raw: dict[str, Any], prefix: str = ""
) -> dict[str, Any]:
    out: dict[str, Any] = {}
    problems: list[str] = []
    for field in fields:
        value = raw.get(field.name)
        if value is None:
            if field.default is _REQUIRED:
                problems.append(f"{prefix}{field.name} is required")
            else:
                out[field.name] = (
                    list(field.default) if isinstance(field.default, list) else field.default
                )
            continue
        try:
            out[field.name] = field.clean(value)
        except BadRow as exc:
            problems.append(f"{prefix}{field.name} {exc}")
    if problems:
        raise BadRow("; ".join(problems))
    return out


def clean_row(kind: str, raw: dict[str, Any]) -> dict[str, Any]:
    """The row's fields checked and normalized; :class:`BadRow` names every bad field."""
    return _clean_fields(FIELDS[kind], raw)

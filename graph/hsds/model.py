"""The records Maillage reads from and writes to HSDS 3.0, and the error of a bad source."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from domain.errors import BadUserInput
from domain.vocabulary import Availability


class HsdsError(BadUserInput):
    """An HSDS source Maillage cannot read; the message names the file (and line)."""

    def __init__(self, message: str, path: Path | str, line: int | None = None) -> None:
        where = f"{path}, line {line}" if line is not None else str(path)
        details: dict[str, Any] = {"file": str(path)}
        if line is not None:
            details["line"] = line
        super().__init__(f"{where}: {message}", **details)
        self.path = Path(path)
        self.line = line


@dataclass(frozen=True)
class TaxonomyTerm:
    """An HSDS taxonomy term; ``vocabulary`` is the name of its taxonomy."""

    id: str
    name: str
    code: str | None = None
    description: str = ""
    vocabulary: str | None = None


@dataclass(frozen=True)
class DirectoryOrganization:
    """An organization as Maillage's directory holds it."""

    id: str
    name: str
    description: str = ""
    email: str | None = None
    website: str | None = None
    languages: tuple[str, ...] = ()


@dataclass(frozen=True)
class DirectoryService:
    """A service as Maillage's directory holds it.

    ``taxonomy_terms`` holds the terms that matched no Maillage need.
    """

    id: str
    organization_id: str | None
    name: str
    description: str = ""
    eligibility: str | None = None
    languages: tuple[str, ...] = ()
    availability: Availability = Availability.OPEN
    need_codes: tuple[str, ...] = ()
    taxonomy_terms: tuple[TaxonomyTerm, ...] = ()


@dataclass(frozen=True)
class HsdsDirectory:
    """What one HSDS source holds, in Maillage's terms.

    ``unmapped`` names the HSDS tables present in the source that Maillage does
    not import (``"locations"``, ``"schedules"``…), sorted.
    """

    organizations: tuple[DirectoryOrganization, ...] = ()
    services: tuple[DirectoryService, ...] = ()
    taxonomy_terms: tuple[TaxonomyTerm, ...] = ()
    unmapped: tuple[str, ...] = ()

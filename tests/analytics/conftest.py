"""Builders shared by the analytics tests: no database, plain rows only."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from datetime import date

import pytest

from analytics.model import OrgNode, Partnership, PeriodAggregate, ReferralTie

TieSpec = tuple[str, str] | tuple[str, str, int] | ReferralTie
MakePeriod = Callable[..., PeriodAggregate]


def _tie(spec: TieSpec) -> ReferralTie:
    if isinstance(spec, ReferralTie):
        return spec
    if len(spec) == 2:
        return ReferralTie(spec[0], spec[1], sent=1)
    return ReferralTie(spec[0], spec[1], sent=spec[2])


@pytest.fixture(scope="session")
def make_period() -> MakePeriod:
    """Build a period from tie specs; organizations default to the tie endpoints."""

    def build(
        ties: Iterable[TieSpec] = (),
        nodes: Sequence[str] | None = None,
        *,
        start: date = date(2025, 1, 1),
        end: date = date(2025, 1, 31),
        territories: dict[str, str] | None = None,
        partnerships: Iterable[Partnership] = (),
    ) -> PeriodAggregate:
        built = tuple(_tie(spec) for spec in ties)
        ids = (
            nodes
            if nodes is not None
            else sorted({t.source for t in built} | {t.target for t in built})
        )
        places = territories or {}
        return PeriodAggregate(
            start=start,
            end=end,
            nodes=tuple(OrgNode(i, f"Organization {i}", "COMMUNITY", places.get(i)) for i in ids),
            ties=built,
            partnerships=tuple(partnerships),
        )

    return build

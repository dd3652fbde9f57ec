"""Names, ids and office-hours arithmetic, checked against hand-computed answers."""

from __future__ import annotations

import random
import uuid
from datetime import date

import pytest

from simulator._clock import Clock, epoch_seconds
from simulator._ids import IdFactory
from simulator.names import Namer, de, slug


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        pytest.param("Bois-Joli", "de Bois-Joli", id="consonant"),
        pytest.param("Les Saules", "des Saules", id="les"),
        pytest.param("Le Moulin", "du Moulin", id="le"),
        pytest.param("La Gare", "de la Gare", id="la"),
        pytest.param("L'Anse", "de l'Anse", id="elided-article"),
        pytest.param("Île-aux-Chênes", "d'Île-aux-Chênes", id="accented-vowel"),
        pytest.param("Hochelaga", "d'Hochelaga", id="mute-h"),
    ],
)
def test_de_follows_french_contractions(name: str, expected: str) -> None:
    assert de(name) == expected


def test_slug_is_an_ascii_upper_case_code() -> None:
    assert slug("Pointe-aux-Hérons") == "POINTE-AUX-HERONS"
    assert slug("Les Saules") == "LES-SAULES"
    assert slug("Île-aux-Chênes") == "ILE-AUX-CHENES"


def test_namer_never_gives_the_same_name_twice() -> None:
    namer = Namer(random.Random(1))
    names = [namer.organization(("Maison de la famille {loc}",), "Bois-Joli") for _ in range(60)]

    assert len(set(names)) == 60
    assert names[0] == "Maison de la famille de Bois-Joli"


def test_ids_are_the_version_4_uuids_of_the_seeded_bits() -> None:
    ids, bits = IdFactory(42), random.Random(42)

    for _ in range(100):
        assert ids.new() == str(uuid.UUID(int=bits.getrandbits(128), version=4))


def test_times_format_as_utc_with_z() -> None:
    clock = Clock(date(2024, 1, 1), 12)

    assert clock.format(epoch_seconds(date(2025, 3, 1)) + 14 * 3600 + 5 * 60) == (
        "2025-03-01T14:05:00Z"
    )
    assert clock.end_date == date(2025, 1, 1)
    assert clock.month_index(epoch_seconds(date(2024, 9, 15))) == 8


def _utc(day: date, hour: float) -> int:
    return epoch_seconds(day) + int(hour * 3600)


@pytest.mark.parametrize(
    ("at", "expected_day", "earliest_hour", "latest_hour"),
    [
        # Tuesday 2024-03-05 15:00 UTC is 10:00 in Montréal (EST, UTC-5): open.
        pytest.param(_utc(date(2024, 3, 5), 15), date(2024, 3, 5), 15, 15, id="open"),
        # Saturday 2024-03-09 15:00 UTC (EST); daylight saving starts on Sunday, so
        # offices reopen Monday 08:00 EDT = 12:00 UTC.
        pytest.param(_utc(date(2024, 3, 9), 15), date(2024, 3, 11), 12, 14, id="weekend"),
        # Tuesday 2024-07-02 03:00 UTC is Monday 23:00 EDT: Tuesday 08:00 EDT = 12:00 UTC.
        pytest.param(_utc(date(2024, 7, 2), 3), date(2024, 7, 2), 12, 14, id="night"),
        # Tuesday 2024-07-02 10:00 UTC is 06:00 EDT: opens at 08:00 EDT the same day.
        pytest.param(_utc(date(2024, 7, 2), 10), date(2024, 7, 2), 12, 13.5, id="early"),
        # Monday 2024-06-24 is the fête nationale: closed until Tuesday.
        pytest.param(_utc(date(2024, 6, 24), 14), date(2024, 6, 25), 12, 14, id="holiday"),
    ],
)
def test_office_time_waits_for_quebec_office_hours(
    at: int, expected_day: date, earliest_hour: float, latest_hour: float
) -> None:
    clock = Clock(date(2024, 1, 1), 12)

    moved = clock.office_time(at, random.Random(0))

    assert _utc(expected_day, earliest_hour) <= moved <= _utc(expected_day, latest_hour)


def test_last_office_moment_before_a_sunday_deadline_is_friday_afternoon() -> None:
    clock = Clock(date(2024, 1, 1), 12)
    # Sunday 2024-04-14 14:00 UTC; Friday 2024-04-12 closes at 17:30 EDT = 21:30 UTC.
    deadline = _utc(date(2024, 4, 14), 14)

    moment = clock.last_office_moment(deadline, random.Random(3))

    assert _utc(date(2024, 4, 12), 18.5) <= moment < _utc(date(2024, 4, 12), 21.5)

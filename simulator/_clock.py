"""Simulated time: Québec office hours, holidays and UTC formatting.

Times are whole seconds since the Unix epoch (UTC) so millions of events stay
cheap; they become ISO strings only when written. Organizations work office
hours in Eastern time (UTC-5, UTC-4 in summer), so a referral sent on a Friday
afternoon is acknowledged on Monday morning.
"""

from __future__ import annotations

import bisect
import functools
import random
from datetime import date, timedelta

__all__ = ["DAY", "HOUR", "Clock", "add_months", "epoch_seconds", "is_holiday"]

HOUR = 3_600
DAY = 86_400
_EPOCH = date(1970, 1, 1)
_OPENS = 8 * HOUR
_CLOSES = 17 * HOUR + 30 * 60


def epoch_seconds(day: date) -> int:
    """Seconds since the epoch at 00:00 UTC of ``day``."""
    return (day - _EPOCH).days * DAY


def add_months(day: date, months: int) -> date:
    """The first day of the month ``months`` after ``day``'s month."""
    index = day.year * 12 + day.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def _nth_weekday(year: int, month: int, weekday: int, n: int) -> date:
    """The n-th given weekday (Monday=0) of a month."""
    first = date(year, month, 1)
    return first + timedelta(days=(weekday - first.weekday()) % 7 + 7 * (n - 1))


@functools.lru_cache(maxsize=64)
def _daylight_saving(year: int) -> tuple[int, int]:
    """UTC seconds at which Eastern daylight time starts and ends in ``year``."""
    start = _nth_weekday(year, 3, 6, 2)  # second Sunday of March, 2:00 EST
    end = _nth_weekday(year, 11, 6, 1)  # first Sunday of November, 2:00 EDT
    return epoch_seconds(start) + 7 * HOUR, epoch_seconds(end) + 6 * HOUR


@functools.lru_cache(maxsize=64)
def _holidays(year: int) -> frozenset[date]:
    """Québec statutory holidays on which organizations are closed."""
    patriots = date(year, 5, 24)
    patriots -= timedelta(days=patriots.weekday())  # Monday before May 25
    return frozenset(
        {
            date(year, 1, 1),
            date(year, 1, 2),
            patriots,
            date(year, 6, 24),
            date(year, 7, 1),
            _nth_weekday(year, 9, 0, 1),  # fête du Travail
            _nth_weekday(year, 10, 0, 2),  # Action de grâce
            date(year, 12, 25),
            date(year, 12, 26),
        }
    )


def is_holiday(day: date) -> bool:
    """Whether ``day`` is a Québec statutory holiday (organizations closed)."""
    return day in _holidays(day.year)


def _local_offset(t: int) -> int:
    """Offset of Eastern time from UTC at UTC second ``t`` (-5 h or -4 h)."""
    year = (_EPOCH + timedelta(days=t // DAY)).year
    start, end = _daylight_saving(year)
    return -4 * HOUR if start <= t < end else -5 * HOUR


@functools.lru_cache(maxsize=8192)
def _is_office_day(local_day: int) -> bool:
    day = _EPOCH + timedelta(days=local_day)
    return day.weekday() < 5 and day not in _holidays(day.year)


@functools.lru_cache(maxsize=8192)
def _day_weight(local_day: int) -> float:
    """Relative referral volume of a local calendar day."""
    day = _EPOCH + timedelta(days=local_day)
    if day in _holidays(day.year):
        weight = 0.08
    elif day.weekday() == 5:
        weight = 0.06
    elif day.weekday() == 6:
        weight = 0.03
    else:
        weight = 1.0
    if (day.month == 12 and day.day >= 20) or (day.month == 1 and day.day <= 3):
        weight *= 0.3  # the holiday trough
    elif day.month == 7 and day.day >= 19:
        weight *= 0.7  # vacances de la construction
    return weight


class Clock:
    """Office-hours arithmetic and formatting for one simulated period."""

    def __init__(self, start: date, months: int) -> None:
        self.start_date = start
        self.end_date = add_months(start, months)
        self.start = epoch_seconds(start)
        self.end = epoch_seconds(self.end_date)
        self.month_starts = [epoch_seconds(add_months(start, m)) for m in range(months + 1)]
        self._prefixes: dict[int, str] = {}
        self._month_days: dict[int, tuple[list[int], list[float]]] = {}

    def month_index(self, t: int) -> int:
        """0-based month of the period containing ``t``."""
        return bisect.bisect_right(self.month_starts, t) - 1

    def month_date(self, month: int) -> date:
        """First day of the period's month ``month``."""
        return add_months(self.start_date, month)

    def format(self, t: int) -> str:
        """ISO 8601 UTC with a Z suffix, e.g. ``2024-03-01T14:05:00Z``."""
        day, second = divmod(t, DAY)
        prefix = self._prefixes.get(day)
        if prefix is None:
            prefix = (_EPOCH + timedelta(days=day)).isoformat() + "T"
            self._prefixes[day] = prefix
        return f"{prefix}{second // HOUR:02d}:{second // 60 % 60:02d}:{second % 60:02d}Z"

    def format_date(self, t: int) -> str:
        """The UTC date of ``t`` as ``YYYY-MM-DD``."""
        return (_EPOCH + timedelta(days=t // DAY)).isoformat()

    def office_time(self, t: int, rng: random.Random) -> int:
        """``t`` if offices are open then, else a moment soon after they reopen."""
        offset = _local_offset(t)
        local_day, second = divmod(t + offset, DAY)
        if _is_office_day(local_day):
            if _OPENS <= second < _CLOSES:
                return t
            if second < _OPENS:
                return t - second + _OPENS + int(rng.random() * 5_400)
        local_day += 1
        while not _is_office_day(local_day):
            local_day += 1
        offset = _local_offset(local_day * DAY + 12 * HOUR)  # daylight saving may have changed
        return local_day * DAY - offset + _OPENS + int(rng.random() * 7_200)

    def last_office_moment(self, before: int, rng: random.Random) -> int:
        """A moment in the last office hours (up to 3 h) ending before ``before``."""
        offset = _local_offset(before)
        local_day, second = divmod(before + offset, DAY)
        if not (_is_office_day(local_day) and second > _OPENS):
            local_day -= 1
            while not _is_office_day(local_day):
                local_day -= 1
            second = _CLOSES
        latest = local_day * DAY + min(second, _CLOSES) - offset
        earliest = max(local_day * DAY + _OPENS - offset, latest - 3 * HOUR)
        return earliest + int(rng.random() * (latest - earliest))

    def sending_time(self, month: int, rng: random.Random) -> int:
        """A random moment of a month when staff send referrals."""
        days, cumulative = self._days_of(month)
        local_day = days[bisect.bisect_right(cumulative, rng.random() * cumulative[-1])]
        if _is_office_day(local_day):
            u = rng.random()
            if u < 0.47:
                second = int(8.5 * HOUR + rng.random() * 3.5 * HOUR)
            elif u < 0.94:
                second = int(13 * HOUR + rng.random() * 3.5 * HOUR)
            else:
                second = int(16.5 * HOUR + rng.random() * 4 * HOUR)
        else:
            second = int(10 * HOUR + rng.random() * 6 * HOUR)
        local = local_day * DAY + second
        t = local - _local_offset(local + 5 * HOUR)
        return min(max(t, self.month_starts[month]), self.month_starts[month + 1] - 1)

    def _days_of(self, month: int) -> tuple[list[int], list[float]]:
        cached = self._month_days.get(month)
        if cached is None:
            first = self.month_starts[month] // DAY
            days = list(range(first, self.month_starts[month + 1] // DAY))
            cumulative: list[float] = []
            total = 0.0
            for day in days:
                total += _day_weight(day)
                cumulative.append(total)
            cached = (days, cumulative)
            self._month_days[month] = cached
        return cached

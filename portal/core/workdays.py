"""Working days in Belgium: deadlines (a signal's first response, a referral question's answer)
count them, skipping weekends, the ten national public holidays (three of them follow Easter) and
the regional days a calendar is given (the Flemish Community's 11 July by default)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import lru_cache

FLEMISH_COMMUNITY_DAY = (7, 11)

_FIXED = {
    (1, 1): "Nieuwjaar",
    (5, 1): "Dag van de Arbeid",
    (7, 21): "Nationale feestdag",
    (8, 15): "Onze-Lieve-Vrouw-Hemelvaart",
    (11, 1): "Allerheiligen",
    (11, 11): "Wapenstilstand",
    (12, 25): "Kerstmis",
}
_AFTER_EASTER = {1: "Paasmaandag", 39: "Onze-Lieve-Heer-Hemelvaart", 50: "Pinkstermaandag"}


def easter(year: int) -> dt.date:
    """Easter Sunday of the Gregorian calendar (the anonymous Gregorian algorithm)."""
    a, b, c = year % 19, year // 100, year % 100
    d, e = divmod(b, 4)
    f = (b + 8) // 25
    g = (b - f + 1) // 3
    h = (19 * a + b - d - g + 15) % 30
    i, k = divmod(c, 4)
    ell = (32 + 2 * e + 2 * i - h - k) % 7
    m = (a + 11 * h + 22 * ell) // 451
    month, day = divmod(h + ell - 7 * m + 114, 31)
    return dt.date(year, month, day + 1)


@lru_cache(maxsize=64)
def national_holidays(year: int) -> dict[dt.date, str]:
    days = {dt.date(year, month, day): name for (month, day), name in _FIXED.items()}
    sunday = easter(year)
    days |= {sunday + dt.timedelta(days=after): name for after, name in _AFTER_EASTER.items()}
    return days


@dataclass(frozen=True)
class Calendar:
    regional: tuple[tuple[int, int], ...] = (FLEMISH_COMMUNITY_DAY,)
    """(month, day) of the regional days off on top of the national holidays."""

    def holidays(self, year: int) -> dict[dt.date, str]:
        days = dict(national_holidays(year))
        for month, day in self.regional:
            days.setdefault(dt.date(year, month, day), "Regionale feestdag")
        return days

    @lru_cache(maxsize=64)  # noqa: B019 (calendars are few, frozen and live as long as the process)
    def _days_off(self, year: int) -> frozenset[dt.date]:
        return frozenset(self.holidays(year))

    def is_working_day(self, day: dt.date) -> bool:
        return day.weekday() < 5 and day not in self._days_off(day.year)

    def add_working_days(self, start: dt.date, count: int) -> dt.date:
        """The ``count``-th working day after ``start`` (``start`` itself never counts): a
        deadline of 10 working days for something received on ``start``."""
        if count < 0:
            raise ValueError("count must not be negative")
        day = start
        while count:
            day += dt.timedelta(days=1)
            if self.is_working_day(day):
                count -= 1
        return day

    def working_days_between(self, start: dt.date, end: dt.date) -> int:
        """Working days after ``start`` up to and including ``end`` (0 when ``end <= start``):
        the weekdays between them less the days off that fall on a weekday, without walking the
        days (an evaluation's figures ask this for every signal and question of two years)."""
        if end <= start:
            return 0
        off = sum(
            1
            for year in range(start.year, end.year + 1)
            for day in self._days_off(year)
            if start < day <= end and day.weekday() < 5
        )
        return _weekdays_through(end) - _weekdays_through(start) - off


def _weekdays_through(day: dt.date) -> int:
    """Mondays to Fridays from 1 January of year 1 (a Monday) up to and including ``day``."""
    weeks, rest = divmod(day.toordinal(), 7)
    return 5 * weeks + min(rest, 5)


BELGIUM = Calendar()

"""Belgian calendar periods for figures: a year's quarters in Belgian time, the working days
between two moments, and the Belgian year of a stored moment in SQL. No domain, no policy."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from portal.core.db import is_sqlite
from portal.core.i18n import gettext_ as _
from portal.core.templating import LOCAL_TIME, local_time
from portal.core.workdays import BELGIUM

QUARTERS = (1, 2, 3, 4)
FIRST_YEAR, LAST_YEAR = 2000, 2100
"""The years a figure can be asked for."""


def quarter_starts(year: int) -> tuple[dt.datetime, ...]:
    """The first moments of the year's four quarters and of the next year, Belgian time, in UTC."""
    months = ((year, 1), (year, 4), (year, 7), (year, 10), (year + 1, 1))
    return tuple(dt.datetime(y, m, 1, tzinfo=LOCAL_TIME).astimezone(dt.UTC) for y, m in months)


def quarter_of(moment: dt.datetime) -> int:
    return (local_time(moment).month - 1) // 3 + 1


def quarter_label(number: int) -> str:
    return _("Q%(number)s") % {"number": number}


def working_days(start: dt.datetime, end: dt.datetime) -> int:
    """Working days from one moment to a later one, counted on their Belgian dates: the same
    day is 0, the next working day 1."""
    return BELGIUM.working_days_between(local_time(start).date(), local_time(end).date())


def today_in_belgium() -> dt.date:
    return local_time(dt.datetime.now(dt.UTC)).date()


def year_sql(column: str) -> str:
    """The Belgian year of a stored moment (``column``, quoted SQL). SQLite knows no time zones;
    a Belgian year starts at 23:00 UTC (winter time, always), so an hour later in UTC is in the
    same year. Piccolo stores a moment there as UTC text; its first 19 characters leave out the
    fraction of a second, which SQLite would round up (23:59:59.9999 into the next year)."""
    if is_sqlite():
        return f"CAST(strftime('%Y', substr({column}, 1, 19), '+1 hour') AS INTEGER)"
    return f"CAST(EXTRACT(YEAR FROM {column} AT TIME ZONE 'Europe/Brussels') AS INTEGER)"


@dataclass(frozen=True, order=True)
class Period:
    """A year (``quarter`` 0, code ``2026``) or one of its quarters (code ``2026-Q3``)."""

    year: int
    quarter: int = 0

    @classmethod
    def parse(cls, code: str) -> Period | None:
        match = re.fullmatch(r"(\d{4})(?:-Q([1-4]))?", code.strip())
        if not match or not FIRST_YEAR <= int(match[1]) <= LAST_YEAR:
            return None
        return cls(int(match[1]), int(match[2] or 0))

    @property
    def code(self) -> str:
        return f"{self.year}-Q{self.quarter}" if self.quarter else str(self.year)

    @property
    def yearly(self) -> bool:
        return not self.quarter

    @property
    def previous(self) -> Period:
        if self.yearly:
            return Period(self.year - 1)
        if self.quarter == 1:
            return Period(self.year - 1, 4)
        return Period(self.year, self.quarter - 1)

    @property
    def bounds(self) -> tuple[dt.datetime, dt.datetime]:
        """Its first moment and the first moment after it, Belgian time, in UTC."""
        starts = quarter_starts(self.year)
        if self.yearly:
            return starts[0], starts[4]
        return starts[self.quarter - 1], starts[self.quarter]

    @property
    def first_day(self) -> dt.date:
        return dt.date(self.year, 3 * self.quarter - 2 if self.quarter else 1, 1)

    @property
    def last_day(self) -> dt.date:
        if self.yearly or self.quarter == 4:
            return dt.date(self.year, 12, 31)
        return dt.date(self.year, 3 * self.quarter + 1, 1) - dt.timedelta(days=1)

    def label(self) -> str:
        """``2026`` or ``Q3 2026``, in the current language."""
        if self.yearly:
            return str(self.year)
        return _("Q%(number)s %(year)s") % {"number": self.quarter, "year": self.year}

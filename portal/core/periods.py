"""Belgian calendar periods for figures: a year's quarters in Belgian time, the working days
between two moments, and the Belgian year of a stored moment in SQL. No domain, no policy."""

from __future__ import annotations

import datetime as dt

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

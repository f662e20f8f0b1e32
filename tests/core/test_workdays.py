"""Working days: Easter and the holidays that follow it, weekends, regional days, deadlines."""

from __future__ import annotations

import datetime as dt

import pytest

from portal.core.workdays import BELGIUM, Calendar, easter, national_holidays

D = dt.date


@pytest.mark.parametrize(
    ("year", "sunday"),
    [
        (2024, D(2024, 3, 31)),
        (2025, D(2025, 4, 20)),
        (2026, D(2026, 4, 5)),
        (2027, D(2027, 3, 28)),
        (2038, D(2038, 4, 25)),
        (2285, D(2285, 3, 22)),
        (2000, D(2000, 4, 23)),
    ],
)
def test_easter(year: int, sunday: dt.date) -> None:
    assert easter(year) == sunday
    assert sunday.weekday() == 6


def test_the_ten_national_holidays_of_2026() -> None:
    assert sorted(national_holidays(2026)) == [
        D(2026, 1, 1),
        D(2026, 4, 6),
        D(2026, 5, 1),
        D(2026, 5, 14),
        D(2026, 5, 25),
        D(2026, 7, 21),
        D(2026, 8, 15),
        D(2026, 11, 1),
        D(2026, 11, 11),
        D(2026, 12, 25),
    ]


def test_weekends_holidays_and_regional_days_are_not_working_days() -> None:
    assert not BELGIUM.is_working_day(D(2026, 12, 5))  # Saturday
    assert not BELGIUM.is_working_day(D(2026, 12, 6))  # Sunday
    assert not BELGIUM.is_working_day(D(2026, 4, 6))  # Easter Monday
    assert not BELGIUM.is_working_day(D(2025, 7, 11))  # Flemish Community, a Friday
    assert Calendar(regional=()).is_working_day(D(2025, 7, 11))
    assert not Calendar(regional=((9, 27),)).is_working_day(D(2027, 9, 27))  # French Community
    assert BELGIUM.is_working_day(D(2026, 12, 2))


@pytest.mark.parametrize(
    ("start", "count", "deadline"),
    [
        (D(2026, 12, 2), 10, D(2026, 12, 16)),  # two plain weeks
        (D(2026, 12, 18), 10, D(2027, 1, 5)),  # Christmas and New Year fall in between
        (D(2026, 12, 5), 1, D(2026, 12, 7)),  # received on a Saturday: Monday is day one
        (D(2026, 4, 2), 2, D(2026, 4, 7)),  # Good Friday works, Easter Monday does not
        (D(2026, 5, 13), 3, D(2026, 5, 19)),  # Ascension Thursday skipped
        (D(2026, 7, 9), 3, D(2026, 7, 14)),  # 11 July on a Saturday changes nothing
        (D(2025, 7, 10), 1, D(2025, 7, 14)),  # 11 July on a Friday is skipped
        (D(2026, 12, 2), 0, D(2026, 12, 2)),
    ],
)
def test_deadlines_count_working_days(start: dt.date, count: int, deadline: dt.date) -> None:
    assert BELGIUM.add_working_days(start, count) == deadline
    assert BELGIUM.working_days_between(start, deadline) == count


def test_a_negative_count_is_refused() -> None:
    with pytest.raises(ValueError, match="negative"):
        BELGIUM.add_working_days(D(2026, 1, 1), -1)


def test_days_between_is_zero_backwards() -> None:
    assert BELGIUM.working_days_between(D(2026, 12, 16), D(2026, 12, 2)) == 0


def test_days_between_counts_as_walking_the_days_would() -> None:
    """Every span of up to ten weeks starting on each day of 2025-2027 (holidays, weekends and
    year ends included) against counting day by day."""
    first = D(2025, 1, 1)
    for offset in range(0, 3 * 365, 3):
        start = first + dt.timedelta(days=offset)
        walked, day = 0, start
        for _ in range(70):
            day += dt.timedelta(days=1)
            walked += BELGIUM.is_working_day(day)
            assert BELGIUM.working_days_between(start, day) == walked, (start, day)

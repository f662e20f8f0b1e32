"""An evaluation's figures (``portal.evaluations.figures``).

``compute`` on small sets of facts whose figures are worked out by hand in the comments: counts per
quarter and year with "< 5" and "•", the medians (over 5 or more), the ladder (step at the start ×
step at the end, its margins and the movements), what counts only up to today, the columns of a
quarter and of a year, Belgian time. Then, by brute force over everything a year's evaluations
publish, that no hidden count can be worked out from the published ones, where hiding only the
small counts would have given some away. Last, ``read_facts`` and ``figures_of`` on a seeded
partnership, written through the services where there is one: who and what is counted.
"""

from __future__ import annotations

import datetime as dt
import json
from collections import Counter
from collections.abc import Sequence
from typing import Any

import pytest

from portal.accounts.tables import Partnership
from portal.clients.changes import set_ladder_step
from portal.clients.closing import close_file
from portal.core.periods import Period
from portal.evaluations.figures import (
    Facts,
    LadderClient,
    ThemeLabel,
    compute,
    figures_of,
    read_facts,
)
from portal.questions import services as questions
from portal.signals import services as signals
from portal.signals.tables import SignalRoute
from portal.signals.workflow import THEMES
from portal.trajectory.tables import Placement, TrainingRequest
from tests.support.factories import (
    World,
    add_to_team,
    make_client,
    make_org,
    make_partnership,
    make_person,
    set_consent,
)
from tests.support.trajectory import viewer_of


def at(year: int, month: int, day: int, hour: int = 9, minute: int = 0) -> dt.datetime:
    return dt.datetime(year, month, day, hour, minute, tzinfo=dt.UTC)


D = dt.date
NOW = at(2026, 5, 20, 10)
SMALL = [None, "< 5"]
HIDDEN = [None, "•"]
THEME_LABELS = [
    ThemeLabel("housing", "Housing", True),
    ThemeLabel("work", "Work", True),
    ThemeLabel("health", "Health", True),
]
SECTIONS = (
    "referred",
    "signals",
    "questions",
    "trainings",
    "outflow",
    "art60_started",
    "art60_ended",
)
STARTS = ("1", "2", "3", "4", "5", "6", "none")
ENDS = ("1", "2", "3", "4", "5", "6", "none")
YEAR_2025 = ["2024", "2025-Q1", "2025-Q2", "2025-Q3", "2025-Q4", "2025"]


def shown(*values: int) -> list[list[Any]]:
    return [[value, ""] for value in values]


def figures_for(period: Period, facts: Facts, *, now: dt.datetime = NOW) -> dict[str, Any]:
    figures = compute(period, facts, THEME_LABELS, now=now)
    assert json.loads(json.dumps(figures)) == figures, "plain JSON data"
    assert [section["key"] for section in figures["sections"]] == list(SECTIONS)
    return figures


def section(figures: dict[str, Any], key: str) -> dict[str, Any]:
    return next(made for made in figures["sections"] if made["key"] == key)


def one_row(
    key: str, columns: list[str], cells: list[list[Any]], row_key: str | None = None
) -> dict[str, Any]:
    """A section of one row and no total (clients referred, art. 60)."""
    line = {"key": row_key or key, "label": "", "standard": True, "cells": cells, "medians": None}
    return {
        "key": key,
        "columns": columns,
        "unit": "",
        "rows": [line],
        "total": None,
    }


def many(count: int, *items: Any) -> list[Any]:
    return [*items] * count


# Clients referred: the quarters of a year suppressed together, the columns of a period ---------

REFERRED = Facts(
    referred=[
        D(2023, 5, 2),  # in no column below
        # 2024: Q1 5, Q3 6: nothing small, the year 11.
        *many(5, D(2024, 2, 5)),
        *many(6, D(2024, 8, 5)),
        # 2025: Q1 6, Q2 3, Q3 0, Q4 7, the year 16. Q2 is small ("< 5"); so is its column
        # total (one row: the same 3). Its row would then keep one hidden count, which the
        # year's 16 minus the published quarters gives: the smallest other count of the row,
        # Q1 (6), is hidden too ("•"), and Q1's total with it. Q1 + Q2 = 16 - 0 - 7 = 9 with
        # Q1 >= 5 and Q2 in 1..4: (5, 4), (6, 3), (7, 2) or (8, 1).
        *many(6, D(2025, 1, 6)),
        *many(3, D(2025, 4, 7)),
        *many(7, D(2025, 10, 6)),
        # 2026: Q1 8.
        *many(8, D(2026, 2, 2)),
    ]
)


def test_clients_referred_per_quarter_and_year_with_the_small_ones_hidden() -> None:
    figures = figures_for(Period(2025), REFERRED)
    assert figures["period"] == "2025"
    assert figures["computed_at"] == NOW.isoformat()
    assert section(figures, "referred") == one_row(
        "referred", YEAR_2025, [[11, ""], HIDDEN, SMALL, [0, ""], [7, ""], [16, ""]]
    )


@pytest.mark.parametrize(
    ("period", "columns", "cells"),
    [
        # A quarter next to the one before; Q1's is the previous year's Q4 (7), from that
        # year's table.
        (Period(2026, 1), ["2025-Q4", "2026-Q1"], shown(7, 8)),
        # The quarters as the year's table hides them: Q1 "•" because of Q2.
        (Period(2025, 2), ["2025-Q1", "2025-Q2"], [HIDDEN, SMALL]),
        (Period(2025, 3), ["2025-Q2", "2025-Q3"], [SMALL, [0, ""]]),
        # A year next to the one before, with its quarters: 2025 is 16.
        (
            Period(2026),
            ["2025", "2026-Q1", "2026-Q2", "2026-Q3", "2026-Q4", "2026"],
            shown(16, 8, 0, 0, 0, 8),
        ),
    ],
    ids=lambda value: value.code if isinstance(value, Period) else "",
)
def test_the_columns_of_a_quarter_and_of_a_year(
    period: Period, columns: list[str], cells: list[list[Any]]
) -> None:
    figures = figures_for(period, REFERRED)
    assert figures["period"] == period.code
    assert section(figures, "referred") == one_row("referred", columns, cells)


# Signals per theme, in Belgian time, with the median working days to the follow-up -------------

SIGNALS = Facts(
    signals=[
        # Q1 2025, housing: 2, 0, 1 (Friday to Monday), 4, 3 working days: median 2.
        ("housing", at(2025, 2, 3), at(2025, 2, 5)),
        ("housing", at(2025, 2, 3), at(2025, 2, 3, 15)),
        ("housing", at(2025, 2, 7), at(2025, 2, 10)),
        ("housing", at(2025, 2, 10), at(2025, 2, 14)),
        ("housing", at(2025, 2, 11), at(2025, 2, 14)),
        # Q2 2025, housing. 22:30 UTC on 31 March is 00:30 on Tuesday 1 April in Brussels: Q2,
        # and 2 working days to Thursday 3 April.
        ("housing", at(2025, 3, 31, 22, 30), at(2025, 4, 3)),
        # 1, 4, 3, 6 and 8 working days (Ascension is 29 May): housing's Q2 is 2, 1, 4, 3, 6,
        # 8, sorted 1 2 3 4 6 8: median (3 + 4) / 2 = 3.5.
        ("housing", at(2025, 5, 12), at(2025, 5, 13)),
        ("housing", at(2025, 5, 12), at(2025, 5, 16)),
        ("housing", at(2025, 5, 13), at(2025, 5, 16)),
        ("housing", at(2025, 5, 12), at(2025, 5, 20)),
        ("housing", at(2025, 5, 12), at(2025, 5, 22)),
        # Q2, work: five signals, four followed up after 0, 1, 2, 4 working days: no median.
        ("work", at(2025, 6, 16), at(2025, 6, 16, 14)),
        ("work", at(2025, 6, 16), at(2025, 6, 17)),
        ("work", at(2025, 6, 16), at(2025, 6, 18)),
        ("work", at(2025, 6, 16), at(2025, 6, 20)),
        ("work", at(2025, 6, 16), None),
        # Q2, a theme the catalog does not know: listed after the known ones, under its code.
        ("custom", at(2025, 6, 16), at(2025, 6, 19)),
        ("custom", at(2025, 6, 17), None),
    ]
)


def test_signals_per_theme_with_their_medians() -> None:
    # The year's table (Q1, Q2, Q3, Q4 | year):
    #   housing 5  6 0 0 | 11
    #   work    0  5 0 0 |  5
    #   health  0  0 0 0 |  0
    #   custom  0  2 0 0 |  2
    #   total   5 13 0 0 | 18
    # custom's 2 and its year are "< 5"; Q2's column would then keep one hidden count (13 - 6 -
    # 5 - 0 = 2): its smallest other count, work's 5, is hidden ("•"), and then work's year
    # (its row would keep one). work + custom in Q2 = 7: (5, 2) or (6, 1).
    # Medians in Q1: housing's 5 values, median 2; in Q2 housing 3.5, work and custom fewer than
    # five; all of Q2: 2 1 4 3 6 8, 0 1 2 4 and 3, sorted 0 1 1 2 2 3 3 4 4 6 8: the 6th, 3.
    figures = figures_for(Period(2025, 2), SIGNALS)
    columns = ["2025-Q1", "2025-Q2"]
    assert section(figures, "signals") == {
        "key": "signals",
        "columns": columns,
        "unit": "working_days",
        "rows": [
            {
                "key": "housing",
                "label": "Housing",
                "standard": True,
                "cells": shown(5, 6),
                "medians": [2.0, 3.5],
            },
            {
                "key": "work",
                "label": "Work",
                "standard": True,
                "cells": [[0, ""], HIDDEN],
                "medians": [None, None],
            },
            {
                "key": "health",
                "label": "Health",
                "standard": True,
                "cells": shown(0, 0),
                "medians": [None, None],
            },
            {
                "key": "custom",
                "label": "custom",
                "standard": False,
                "cells": [[0, ""], SMALL],
                "medians": [None, None],
            },
        ],
        "total": {"cells": shown(5, 13), "medians": [2.0, 3.0]},
    }


# Referral questions: answered or not, and the median working days to the first answer ----------

QUESTIONS = Facts(
    questions=[
        # Q4 2024: 0, 1, 2, 3 and 5 working days (11 November is a holiday): median 2.
        (at(2024, 11, 4), at(2024, 11, 4, 15)),
        (at(2024, 11, 4), at(2024, 11, 5)),
        (at(2024, 11, 4), at(2024, 11, 6)),
        (at(2024, 11, 4), at(2024, 11, 7)),
        (at(2024, 11, 4), at(2024, 11, 12)),
        # Q1 2025: 0, 1, 2, 3, 5: median 2.
        (at(2025, 2, 3), at(2025, 2, 3, 15)),
        (at(2025, 2, 3), at(2025, 2, 4)),
        (at(2025, 2, 3), at(2025, 2, 5)),
        (at(2025, 2, 3), at(2025, 2, 6)),
        (at(2025, 2, 3), at(2025, 2, 10)),
        # Q2 2025: Good Friday to the Tuesday after Easter Monday is 1; then 2, 4, 5, 7, 9.
        # Sorted 1 2 4 5 7 9: median 4.5.
        (at(2025, 4, 18), at(2025, 4, 22)),
        (at(2025, 5, 12), at(2025, 5, 14)),
        (at(2025, 5, 12), at(2025, 5, 16)),
        (at(2025, 5, 12), at(2025, 5, 19)),
        (at(2025, 5, 12), at(2025, 5, 21)),
        (at(2025, 5, 12), at(2025, 5, 23)),
        # Q2 2025: five without an answer.
        *many(5, (at(2025, 6, 2), None)),
    ]
)


def test_questions_answered_or_not_with_the_median_to_the_first_answer() -> None:
    # 2025: answered 5 6 0 0 | 11, unanswered 0 5 0 0 | 5, all 5 11 0 0 | 16; nothing small.
    # The year's median: 0 1 2 3 5 and 1 2 4 5 7 9, sorted 0 1 1 2 2 3 4 5 5 7 9: the 6th, 3.
    figures = figures_for(Period(2025), QUESTIONS)
    medians = [2.0, 2.0, 4.5, None, None, 3.0]
    assert section(figures, "questions") == {
        "key": "questions",
        "columns": YEAR_2025,
        "unit": "working_days",
        "rows": [
            {
                "key": "answered",
                "label": "",
                "standard": True,
                "cells": shown(5, 5, 6, 0, 0, 11),
                "medians": medians,
            },
            {
                "key": "unanswered",
                "label": "",
                "standard": True,
                "cells": shown(0, 0, 5, 0, 0, 5),
                "medians": [None] * 6,
            },
        ],
        "total": {"cells": shown(5, 5, 11, 0, 0, 16), "medians": medians},
    }


# Training requests by outcome, and the median days from request to start ----------------------

TRAININGS = Facts(
    trainings=[
        # Q3 2025, started or completed: 10, 20, 10, 30 and 5 days to the start: median 10.
        (D(2025, 7, 1), "started", D(2025, 7, 11)),
        (D(2025, 7, 1), "completed", D(2025, 7, 21)),
        (D(2025, 7, 2), "started", D(2025, 7, 12)),
        (D(2025, 8, 1), "completed", D(2025, 8, 31)),
        (D(2025, 9, 1), "started", D(2025, 9, 6)),
        # Q4 2025: five stopped, six refused.
        *many(5, (D(2025, 10, 6), "stopped", None)),
        *many(6, (D(2025, 10, 6), "refused", None)),
        # Q4 2025, waiting: five scheduled, 14, 21, 7, 28 and 35 days before their start
        # (median 21), and two without a start yet.
        (D(2025, 10, 1), "scheduled", D(2025, 10, 15)),
        (D(2025, 10, 1), "scheduled", D(2025, 10, 22)),
        (D(2025, 11, 3), "scheduled", D(2025, 11, 10)),
        (D(2025, 11, 3), "scheduled", D(2025, 12, 1)),
        (D(2025, 12, 1), "scheduled", D(2026, 1, 5)),
        (D(2025, 12, 1), "requested", None),
        (D(2025, 12, 2), "vdab_approved", None),
    ]
)


def test_training_requests_by_outcome_with_the_median_days_to_the_start() -> None:
    # 2025: started 0 0 5 0, stopped 0 0 0 5, refused 0 0 0 6, waiting 0 0 0 7, all 0 0 5 18
    # (5 + 6 + 7): nothing small.
    figures = figures_for(Period(2025, 4), TRAININGS)
    lines = [
        ("started", shown(5, 0), [10.0, None]),
        ("stopped", shown(0, 5), [None, None]),
        ("refused", shown(0, 6), [None, None]),
        ("waiting", shown(0, 7), [None, 21.0]),
    ]
    assert section(figures, "trainings") == {
        "key": "trainings",
        "columns": ["2025-Q3", "2025-Q4"],
        "unit": "days",
        "rows": [
            {"key": key, "label": "", "standard": True, "cells": cells, "medians": medians}
            for key, cells, medians in lines
        ],
        "total": {"cells": shown(5, 18), "medians": [10.0, 21.0]},
    }


# What counts only once it happened: outflow and the end of an art. 60 placement ---------------


def test_outflow_is_counted_up_to_today_in_brussels() -> None:
    # 22:30 UTC on 20 May is 00:30 on 21 May in Brussels: today is 21 May.
    now = at(2026, 5, 20, 22, 30)
    facts = Facts(
        outflows=[
            *many(5, (D(2025, 8, 4), "work")),
            *many(6, (D(2026, 2, 2), "work")),
            *many(5, (D(2026, 3, 2), "training")),
            *many(4, (D(2026, 4, 13), "work")),
            (D(2026, 5, 21), "work"),  # today: counted
            (D(2026, 5, 22), "work"),  # tomorrow: not yet
            (D(2026, 6, 30), "work"),
            *many(5, (D(2026, 7, 1), "training")),
        ]
    )
    # 2026 up to today: work 6 5 0 0 | 11, training 5 0 0 0 | 5, all 11 5 0 0 | 16.
    figures = figures_for(Period(2026), facts, now=now)
    assert section(figures, "outflow") == {
        "key": "outflow",
        "columns": ["2025", "2026-Q1", "2026-Q2", "2026-Q3", "2026-Q4", "2026"],
        "unit": "",
        "rows": [
            {
                "key": "work",
                "label": "",
                "standard": True,
                "cells": shown(5, 6, 5, 0, 0, 11),
                "medians": None,
            },
            {
                "key": "training",
                "label": "",
                "standard": True,
                "cells": shown(0, 5, 0, 0, 0, 5),
                "medians": None,
            },
        ],
        "total": {"cells": shown(5, 11, 5, 0, 0, 16), "medians": None},
    }


def test_art60_placements_start_and_end_only_up_to_today() -> None:
    facts = Facts(
        starts=[*many(5, D(2026, 2, 2)), *many(6, D(2026, 4, 13)), D(2026, 5, 21), D(2026, 6, 1)],
        ends=[
            *many(5, D(2026, 3, 27)),
            *many(4, D(2026, 5, 8)),
            D(2026, 5, 20),  # today: counted
            D(2026, 5, 21),  # tomorrow: not yet
            D(2026, 8, 31),
        ],
    )
    # Started up to 20 May: Q1 5, Q2 6 (the two planned starts are not counted yet). Ended up to
    # 20 May: Q1 5, Q2 5.
    figures = figures_for(Period(2026, 2), facts)
    columns = ["2026-Q1", "2026-Q2"]
    assert section(figures, "art60_started") == one_row(
        "art60_started", columns, shown(5, 6), "started"
    )
    assert section(figures, "art60_ended") == one_row("art60_ended", columns, shown(5, 5), "ended")


# The ladder: step at the start × step at the end -----------------------------------------------

# 2026-Q1 in Brussels runs from 23:00 UTC on 31 December 2025 to 22:00 UTC on 31 March 2026.
BEFORE = at(2025, 3, 3)
"""When the clients registered before the quarter were registered."""


def ladder_facts(up: int) -> Facts:
    """``up`` clients (two or more) moving up from step 2 to 3 in 2026-Q1, and the same others."""
    two_to_three = LadderClient(BEFORE, None, ((at(2025, 7, 1), "2"), (at(2026, 2, 2), "3")))
    return Facts(
        ladder=[
            # Up, 2 -> 3: the first moves on to 5 after the quarter, which does not count.
            LadderClient(
                BEFORE,
                None,
                ((at(2025, 7, 1), "2"), (at(2026, 2, 2), "3"), (at(2026, 4, 15), "5")),
            ),
            # The second moved at the quarter's very first moment (midnight in Brussels): a move
            # in the quarter, not a step it started on.
            LadderClient(BEFORE, None, ((at(2025, 7, 1), "2"), (at(2025, 12, 31, 23), "3"))),
            *many(up - 2, two_to_three),
            # The same, 3 -> 3: five, and a sixth whose file closed during the quarter.
            *many(5, LadderClient(BEFORE, None, ((at(2025, 4, 1), "3"),))),
            LadderClient(BEFORE, at(2026, 2, 16), ((at(2025, 4, 1), "3"),)),
            # Down, 4 -> 2: the first moved at 23:30 UTC on 31 December, 00:30 on New Year's
            # Day in Brussels: in the quarter.
            LadderClient(BEFORE, None, ((at(2025, 11, 3), "4"), (at(2025, 12, 31, 23, 30), "2"))),
            *many(4, LadderClient(BEFORE, None, ((at(2025, 4, 1), "4"), (at(2026, 3, 2), "2")))),
            # No step at the start, step 1 at the end.
            *many(5, LadderClient(at(2025, 9, 1), None, ((at(2026, 1, 12), "1"),))),
            # New in the quarter: five to step 2; five without a step, one of them registered at
            # 00:30 on New Year's Day and one at 23:30 on 31 March, in Brussels.
            *many(5, LadderClient(at(2026, 1, 5), None, ((at(2026, 2, 9), "2"),))),
            LadderClient(at(2025, 12, 31, 23, 30), None, ()),
            *many(3, LadderClient(at(2026, 2, 2), None, ())),
            LadderClient(at(2026, 3, 31, 21, 30), None, ()),
            # Not counted: a file closed before the quarter; a client registered after it
            # (22:30 UTC on 31 March is 00:30 on 1 April in Brussels).
            LadderClient(BEFORE, at(2025, 12, 15), ((at(2025, 4, 1), "3"),)),
            LadderClient(at(2026, 3, 31, 22, 30), None, ((at(2026, 4, 2), "1"),)),
        ]
    )


def matrix(counts: dict[tuple[str, str], list[Any]]) -> list[list[list[Any]]]:
    """The ladder's cells: ``counts`` by (step at the start, step at the end), else 0."""
    return [[counts.get((start, end), [0, ""]) for end in ENDS] for start in STARTS]


def test_the_ladder_counts_steps_at_the_start_and_the_end_and_the_movements() -> None:
    # 2 -> 3: 5, 3 -> 3: 6, 4 -> 2: 5, none -> 1: 5; the ten registered in the quarter are not
    # in the table (they are the referred count). Nothing small. At the start (1..6, none):
    # 0 5 6 5 0 0 5; at the end (1..6, none): 5 5 11 0 0 0 0; 21 in all. Up (2 -> 3) 5, the
    # same (3 -> 3) 6, down (4 -> 2) 5: none moves nowhere on the ladder.
    figures = figures_for(Period(2026, 1), ladder_facts(up=5))
    assert figures["ladder"] == {
        "key": "ladder",
        "starts": list(STARTS),
        "ends": list(ENDS),
        "cells": matrix(
            {
                ("2", "3"): [5, ""],
                ("3", "3"): [6, ""],
                ("4", "2"): [5, ""],
                ("none", "1"): [5, ""],
            }
        ),
        "at_start": shown(0, 5, 6, 5, 0, 0, 5),
        "at_end": shown(5, 5, 11, 0, 0, 0, 0),
        "total": [21, ""],
        "up": 5,
        "same": 6,
        "down": 5,
    }


def test_a_movement_is_shown_only_when_every_count_it_adds_is() -> None:
    # With two clients 2 -> 3: that cell and its row (2 at the start) are "< 5"; the column of
    # 3 at the end (2 + 6 = 8) would then give it away, so 3 -> 3 (6) is hidden ("•"), and its
    # row, 3 at the start (6), with it. 2 -> 3 + 3 -> 3 = 8: (1, 7), (2, 6) or (3, 5). Up and
    # the same each add a hidden count: not shown; down (4 -> 2, 5) is.
    figures = figures_for(Period(2026, 1), ladder_facts(up=2))
    ladder = figures["ladder"]
    assert ladder["cells"] == matrix(
        {
            ("2", "3"): SMALL,
            ("3", "3"): HIDDEN,
            ("4", "2"): [5, ""],
            ("none", "1"): [5, ""],
        }
    )
    assert ladder["at_start"] == [[0, ""], SMALL, HIDDEN, *shown(5, 0, 0, 5)]
    assert ladder["at_end"] == shown(5, 5, 8, 0, 0, 0, 0)
    assert ladder["total"] == [18, ""]
    assert (ladder["up"], ladder["same"], ladder["down"]) == (None, None, 5)


# No hidden count can be worked out from what a year's evaluations publish ----------------------

Label = int | str
Grid = list[list[Label]]
BOUND = 40
"""The largest count the search below tries for a "•": enough for these tables (a bound only
leaves out candidates, so finding two values under it is finding two values)."""


def label_of(cell: list[Any]) -> Label:
    value, label = cell
    return label or value


def year_grid(made: dict[str, Any]) -> Grid:
    """A counted section as its yearly evaluation publishes it: each row's quarters and year,
    then the total's. A section without a total has one row, which is its own total."""
    lines = [[label_of(cell) for cell in line["cells"][1:]] for line in made["rows"]]
    if made["total"] is None:
        assert len(lines) == 1
        return [lines[0], list(lines[0])]
    return [*lines, [label_of(cell) for cell in made["total"]["cells"][1:]]]


def ladder_grid(ladder: dict[str, Any]) -> Grid:
    lines = [
        [*(label_of(cell) for cell in line), label_of(margin)]
        for line, margin in zip(ladder["cells"], ladder["at_start"], strict=True)
    ]
    return [*lines, [*(label_of(cell) for cell in ladder["at_end"]), label_of(ladder["total"])]]


def candidates(label: Label) -> range:
    """What an observer knows a published figure to be: itself; 1..4 for "< 5"; 5 or more for
    "•" (a hidden count that is not small is never 0: zeros are shown)."""
    if isinstance(label, int):
        return range(label, label + 1)
    if label == "< 5":
        return range(1, 5)
    assert label == "•", label
    return range(5, BOUND + 1)


def fits(value: int, label: Label) -> bool:
    if isinstance(label, int):
        return value == label
    return 1 <= value <= 4 if label == "< 5" else value >= 5


def consistent_tables(grid: Grid) -> list[list[list[int]]]:
    """Every table of counts (with its totals) that agrees with everything ``grid`` publishes:
    the counts of each row tried one by one, each row and column checked against its total
    when it is complete."""
    height, width = len(grid) - 1, len(grid[0]) - 1
    cells = [(i, j) for i in range(height) for j in range(width)]
    values = [[0] * width for _ in range(height)]
    row_sums, column_sums = [0] * height, [0] * width
    row_top = [candidates(grid[i][width])[-1] for i in range(height)]
    column_top = [candidates(grid[height][j])[-1] for j in range(width)]
    found: list[list[list[int]]] = []

    def place(k: int) -> None:
        if k == len(cells):
            if fits(sum(row_sums), grid[height][width]):
                lines = [[*line, total] for line, total in zip(values, row_sums, strict=True)]
                found.append([*lines, [*column_sums, sum(row_sums)]])
            return
        i, j = cells[k]
        for value in candidates(grid[i][j]):
            if row_sums[i] + value > row_top[i] or column_sums[j] + value > column_top[j]:
                break
            values[i][j] = value
            row_sums[i] += value
            column_sums[j] += value
            row_done = j < width - 1 or fits(row_sums[i], grid[i][width])
            column_done = i < height - 1 or fits(column_sums[j], grid[height][j])
            if row_done and column_done:
                place(k + 1)
            row_sums[i] -= value
            column_sums[j] -= value

    place(0)
    return found


def values_of_hidden(
    grid: Grid, truth: list[list[int]] | None = None
) -> dict[tuple[int, int], set[int]]:
    """For each hidden figure of ``grid``, every value it can take, all else published staying
    true; the true table, when given, must be one of the candidates (else the search is wrong)."""
    tables = consistent_tables(grid)
    assert tables, "the published figures contradict each other"
    assert truth is None or truth in tables
    return {
        (i, j): {table[i][j] for table in tables}
        for i, line in enumerate(grid)
        for j, label in enumerate(line)
        if isinstance(label, str)
    }


def primary_only(truth: list[list[int]]) -> Grid:
    """The table as it would read with only the small counts hidden."""
    return [[value if not 0 < value < 5 else "< 5" for value in line] for line in truth]


def margins(counts: list[list[int]]) -> list[list[int]]:
    lines = [[*line, sum(line)] for line in counts]
    return [*lines, [sum(column) for column in zip(*lines, strict=True)]]


def signal(theme: str, quarter: int) -> tuple[str, dt.datetime, None]:
    return (theme, at(2025, 3 * quarter - 1, 3), None)


LEAKY = Facts(
    referred=[*many(6, D(2025, 1, 6)), *many(3, D(2025, 4, 7)), *many(7, D(2025, 10, 6))],
    signals=[
        *many(6, signal("housing", 1)),
        *many(7, signal("housing", 2)),
        *many(5, signal("housing", 3)),
        *many(2, signal("work", 1)),
        *many(5, signal("health", 2)),
        *many(6, signal("health", 4)),
    ],
    questions=[
        *many(5, (at(2025, 2, 3), at(2025, 2, 4))),
        *many(5, (at(2025, 8, 4), at(2025, 8, 5))),
        (at(2025, 2, 3), None),
    ],
    trainings=[
        *many(5, (D(2025, 2, 3), "started", D(2025, 3, 3))),
        *many(6, (D(2025, 5, 5), "completed", D(2025, 6, 2))),
        *many(3, (D(2025, 5, 5), "refused", None)),
        *many(5, (D(2025, 8, 4), "requested", None)),
    ],
    outflows=[
        *many(2, (D(2025, 5, 5), "work")),
        *many(5, (D(2025, 2, 3), "training")),
        *many(6, (D(2025, 8, 4), "training")),
    ],
    starts=[*many(5, D(2025, 2, 3)), D(2025, 5, 5)],
    ladder=[
        # 2025 in Brussels, from 23:00 UTC on 31 December 2024.
        *many(
            2, LadderClient(at(2024, 3, 4), None, ((at(2024, 4, 1), "2"), (at(2025, 6, 2), "3")))
        ),
        *many(6, LadderClient(at(2024, 3, 4), None, ((at(2024, 4, 1), "3"),))),
        *many(
            5, LadderClient(at(2024, 3, 4), None, ((at(2024, 4, 1), "4"), (at(2025, 3, 3), "2")))
        ),
        # Registered in the year: the referred count, not in the ladder's table.
        *many(5, LadderClient(at(2025, 5, 5), None, ())),
    ],
)
# The true tables of 2025 (quarters, then the year; the last line the totals), by hand. Each has
# a small count that the published totals alone would give away.
LEAKY_TRUTH = {
    # Q2's 3 is the year's 16 less 6, 0 and 7.
    "referred": margins([[6, 3, 0, 7]]),
    # work's 2 in Q1 is Q1's 8 less housing's 6 (the example of one theme with two signals).
    "signals": margins([[6, 7, 5, 0], [2, 0, 0, 0], [0, 5, 0, 6]]),
    # the one unanswered question of Q1 is Q1's 6 less the 5 answered.
    "questions": margins([[5, 0, 5, 0], [1, 0, 0, 0]]),
    # the 3 refused in Q2 are Q2's 9 less the 6 started.
    "trainings": margins([[5, 6, 0, 0], [0, 0, 0, 0], [0, 3, 0, 0], [0, 0, 5, 0]]),
    # the 2 to work are the year's 13 less the 11 to training.
    "outflow": margins([[0, 2, 0, 0], [5, 0, 6, 0]]),
    # Q2's one start is the year's 6 less Q1's 5.
    "art60_started": margins([[5, 1, 0, 0]]),
    # 2 -> 3 (2) is the 8 at 3 at the end less 3 -> 3 (6).
    "ladder": margins(
        [
            [0] * 7,
            [0, 0, 2, 0, 0, 0, 0],
            [0, 0, 6, 0, 0, 0, 0],
            [0, 5, 0, 0, 0, 0, 0],
            [0] * 7,
            [0] * 7,
            [0] * 7,
        ]
    ),
}


def published(figures: dict[str, Any], key: str) -> Grid:
    if key == "ladder":
        return ladder_grid(figures["ladder"])
    return year_grid(section(figures, key))


@pytest.mark.parametrize("key", list(LEAKY_TRUTH))
def test_no_hidden_count_follows_from_the_published_figures(key: str) -> None:
    truth = LEAKY_TRUTH[key]
    # Hiding only the small counts would have given one away: some hidden figure has a single
    # possible value.
    leaked = values_of_hidden(primary_only(truth), truth)
    assert any(len(values) == 1 for values in leaked.values()), leaked

    grid = published(figures_for(Period(2025), LEAKY), key)
    assert [len(line) for line in grid] == [len(line) for line in truth]
    for line, true_line in zip(grid, truth, strict=True):
        for label, value in zip(line, true_line, strict=True):
            assert label == value or fits(value, label), (label, value)
    assert any("•" in line for line in grid), "a count hidden so that a small one stays hidden"
    for position, values in values_of_hidden(grid, truth).items():
        assert len(values) >= 2, (position, values)


@pytest.mark.parametrize(
    ("facts", "period"),
    [
        (REFERRED, Period(2024)),
        (REFERRED, Period(2025)),
        (SIGNALS, Period(2025, 2)),
        (QUESTIONS, Period(2025)),
        (TRAININGS, Period(2025, 4)),
        (ladder_facts(up=2), Period(2026, 1)),
        (ladder_facts(up=3), Period(2026, 1)),
        (LEAKY, Period(2025, 3)),
    ],
    ids=lambda value: value.code if isinstance(value, Period) else "",
)
def test_no_figure_above_gives_a_hidden_count_away(facts: Facts, period: Period) -> None:
    """The same search over the facts of the tests above: every count hidden in the year's
    tables and in the period's ladder can take two values or more."""
    grids = [year_grid(made) for made in figures_for(Period(period.year), facts)["sections"]]
    grids.append(ladder_grid(figures_for(period, facts)["ladder"]))
    for grid in grids:
        for position, values in values_of_hidden(grid).items():
            assert len(values) >= 2, (grid, position, values)


def test_every_evaluation_of_the_year_shows_the_years_table() -> None:
    """A quarter's evaluation, the next year's and the year's own show each count of a year as
    the year's table has it: together they publish no more than the year's evaluation, which
    the brute force above searched."""
    views = [Period(2025), *(Period(2025, q) for q in (1, 2, 3, 4)), Period(2026, 1), Period(2026)]
    seen: dict[tuple[str, str, str], list[Any]] = {}
    for period in views:
        figures = figures_for(period, LEAKY)
        for made in figures["sections"]:
            lines = [*made["rows"], *([made["total"]] if made["total"] else [])]
            for number, line in enumerate(lines):
                for code, cell in zip(made["columns"], line["cells"], strict=True):
                    key = (made["key"], str(number), code)
                    assert seen.setdefault(key, cell) == cell, (period.code, key)
    assert seen[("signals", "1", "2025-Q1")] == SMALL, "work's 2 in Q1"


# Read from the database -------------------------------------------------------------------------

SEEDED_NOW = at(2025, 11, 20, 10)
"""When the seeded figures are asked for: today is Thursday 20 November 2025."""
OCMW_A = ("sw.a", "toeleider")
"""The care team that makes a client of OCMW A one of the partnership's: the partner's toeleider."""


async def seeded() -> dict[str, Any]:
    """OCMW A × partner × VDAB, and OCMW B × VDAB. The partnership's clients: six registered in
    2024 and ten in 2025; N1 (OCMW A, no one of the partner in its care team) and N2 (OCMW B,
    the toeleider in its care team) are not. Their ladder steps, files closed, training
    requests, placements, signals and questions, through the services where there is one."""
    world = World()
    orgs = (("ocmw-a", "ocmw"), ("ocmw-b", "ocmw"), ("partner", "partner"), ("vdab", "vdab"))
    for code, kind in orgs:
        world.orgs[code] = await make_org(code, kind)
    partnership_id = await make_partnership(
        world.orgs["ocmw-a"], world.orgs["partner"], world.orgs["vdab"]
    )
    await make_partnership(world.orgs["ocmw-b"], None, world.orgs["vdab"])
    for username, org, role in (
        ("sw.a", "ocmw-a", "social_worker"),
        ("sw.b", "ocmw-b", "social_worker"),
        ("toeleider", "partner", "toeleider"),
        ("mediator", "vdab", "mediator"),
    ):
        world.people[username] = await make_person(username, world.orgs[org], role)
    await SignalRoute(municipality="zottegem", name="Zottegem", ocmw=world.orgs["ocmw-a"]).save()
    await SignalRoute(municipality="gent", name="Gent", ocmw=world.orgs["ocmw-b"]).save()

    registered = {
        **{f"OLD{n}": at(2024, 6, 3) for n in range(1, 7)},
        "C1": at(2025, 1, 6),
        "C2": at(2025, 2, 3),
        "C3": at(2025, 2, 10),
        "C4": at(2025, 3, 3),
        "C5": at(2025, 3, 31, 21, 30),  # 23:30 on 31 March in Brussels: Q1
        "C6": at(2025, 3, 31, 22, 30),  # 00:30 on 1 April in Brussels: Q2
        "C7": at(2025, 4, 7),
        "C8": at(2025, 5, 5),
        "C9": at(2025, 6, 2),
        "C10": at(2025, 6, 16),
    }
    for tag, moment in registered.items():
        world.clients[tag] = await make_client(
            world.orgs["ocmw-a"], tag, created_at=moment, ladder_step=None
        )
        for username in OCMW_A:
            await add_to_team(world.clients[tag], world.people[username])
    for tag, ocmw, team in (
        ("N1", "ocmw-a", ("sw.a", "mediator")),
        ("N2", "ocmw-b", ("sw.b", "toeleider")),
    ):
        world.clients[tag] = await make_client(
            world.orgs[ocmw], tag, created_at=at(2025, 2, 3), ladder_step=None
        )
        for username in team:
            await add_to_team(world.clients[tag], world.people[username])

    sw_a, sw_b = await viewer_of(world, "sw.a"), await viewer_of(world, "sw.b")

    async def step(tag: str, number: int, moment: dt.datetime) -> None:
        holder = sw_b if tag == "N2" else sw_a
        await set_ladder_step(holder, world.clients[tag], number, "Stap gezet.", at=moment)

    for n in range(1, 6):
        await step(f"OLD{n}", 2, at(2024, 7, 1))
        # OLD5 at 00:30 on New Year's Day in Brussels: in 2025, after its start.
        await step(f"OLD{n}", 3, at(2024, 12, 31, 23, 30) if n == 5 else at(2025, 5, 5))
    await step("OLD6", 4, at(2024, 7, 1))
    for n in range(1, 6):
        await step(f"C{n}", 1, at(2025, 4, 7))
    await step("N1", 5, at(2025, 3, 3))
    await step("N2", 2, at(2025, 3, 3))

    async def request(
        tag: str, moment: dt.datetime, state: str, start: dt.date | None = None
    ) -> None:
        person = world.people["sw.b" if tag == "N2" else "sw.a"]
        await TrainingRequest(
            client=world.clients[tag],
            course="Heftruckchauffeur",
            provider="Syntra",
            state=state,
            start_date=start,
            reason="Geen plaats" if state == "refused" else "",
            requested_by=person,
            requested_at=moment,
            changed_by=person,
            changed_at=moment,
        ).save()

    await request("C1", at(2025, 2, 3), "started", D(2025, 3, 3))
    await request("C2", at(2025, 2, 10), "completed", D(2025, 3, 10))
    await request("C3", at(2025, 3, 3), "refused")
    await request("C4", at(2025, 4, 7), "scheduled", D(2025, 12, 1))
    await request("C5", at(2025, 2, 17), "requested")
    await request("OLD1", at(2023, 12, 31, 22, 30), "requested")  # 2023 in Brussels
    await request("OLD2", at(2023, 12, 31, 23, 30), "requested")  # 1 January 2024
    await request("C6", at(2025, 12, 31, 23, 30), "requested")  # 1 January 2026
    await request("N1", at(2025, 2, 10), "requested")
    await request("N2", at(2025, 2, 10), "requested")

    async def placement(
        tag: str, start: dt.date, end: dt.date | None = None, outflow: str = ""
    ) -> None:
        await Placement(
            client=world.clients[tag],
            work_site="Stad",
            start=start,
            end=end,
            outflow=outflow,
            recorded_by=world.people["sw.b" if tag == "N2" else "sw.a"],
            recorded_at=at(2025, 1, 6),
            changed_at=at(2025, 1, 6),
        ).save()

    await placement("C6", D(2025, 2, 3), D(2025, 5, 30), "training")
    await placement("C7", D(2025, 3, 3), D(2025, 8, 29), "none")
    await placement("C8", D(2025, 6, 2), D(2025, 12, 15), "regular_job")  # ends after today
    await placement("C9", D(2025, 4, 7), D(2025, 10, 31), "training")
    await placement("C1", D(2025, 10, 6))
    await placement("N1", D(2025, 2, 10), D(2025, 4, 30), "regular_job")
    await placement("N2", D(2025, 2, 10))

    async def report(
        reporter: str,
        place: str,
        theme: str,
        moment: dt.datetime,
        followed_up: dt.datetime | None = None,
    ) -> None:
        fields = {
            "theme": theme,
            "title": "Wachtlijst",
            "description": "Lange wachtlijst.",
            "municipality": place,
            "urgency": "normal",
            "confirm_no_personal_data": "1",
        }
        signal_id = await signals.capture(await viewer_of(world, reporter), fields, now=moment)
        if followed_up is not None:
            await signals.move(sw_a, signal_id, "take_up", {}, now=followed_up)
            await signals.assign(sw_a, signal_id, sw_a.person_id, now=followed_up)
            await signals.move(
                sw_a, signal_id, "follow_up", {"outcome": "Opgevolgd."}, now=followed_up
            )

    await report("toeleider", "Zottegem", "housing", at(2025, 2, 3), at(2025, 2, 5))
    await report("mediator", "Zottegem", "work", at(2025, 3, 31, 22, 30))  # 1 April
    await report("sw.a", "Zottegem", "housing", at(2025, 2, 3))  # the OCMW's own
    await report("toeleider", "Gent", "housing", at(2025, 2, 3))  # to OCMW B
    await report("toeleider", "Zottegem", "language", at(2024, 5, 6))
    await report("toeleider", "Zottegem", "housing", at(2023, 12, 31, 22, 30))  # 2023

    for tag in ("C1", "N1", "N2"):
        await set_consent(world.clients[tag], world.orgs["vdab"], True)
    mediator = await viewer_of(world, "mediator")
    fields = {"type": "trajectory", "text": "Is een traject mogelijk?"}
    answered = await questions.ask(sw_a, world.clients["C1"], fields, now=at(2025, 2, 3))
    await questions.move(mediator, answered, "claim", {}, now=at(2025, 2, 6))
    answer = {"answer": "yes", "reason": "Ja."}
    await questions.move(mediator, answered, "answer", answer, now=at(2025, 2, 6))
    # The OCMW's question to the team about a client the partner does not accompany: counted.
    await questions.ask(sw_a, world.clients["N1"], fields, now=at(2025, 5, 5))
    await questions.ask(sw_b, world.clients["N2"], fields, now=at(2025, 2, 3))  # OCMW B's

    # Files closed last: a closed file takes no more writes.
    for tag, reason, moment in (
        ("OLD6", "moved", at(2024, 10, 1)),
        ("C6", "outflow_work", at(2025, 7, 1)),  # after its placement's outflow to training
        ("C7", "moved", at(2025, 10, 1)),
        ("C10", "outflow_work", at(2025, 9, 15)),
        ("N1", "outflow_work", at(2025, 6, 2)),
    ):
        await close_file(sw_a, world.clients[tag], {"reason": reason}, at=moment)

    partnership = await Partnership.select().where(Partnership.id == partnership_id).first()
    assert partnership is not None
    return partnership


def counted(items: Sequence[Any]) -> Counter[Any]:
    """The items in any order (a moment equals the same moment in any time zone)."""
    return Counter(items)


async def test_read_facts_counts_the_partnerships_clients_and_what_was_done_for_them() -> None:
    partnership = await seeded()
    facts = await read_facts(partnership, Period(2025))

    # Registered: six in 2024; in 2025 C1..C10 on their Belgian days (C6 on 1 April).
    assert sorted(facts.referred) == [
        *many(6, D(2024, 6, 3)),
        D(2025, 1, 6),
        D(2025, 2, 3),
        D(2025, 2, 10),
        D(2025, 3, 3),
        D(2025, 3, 31),
        D(2025, 4, 1),
        D(2025, 4, 7),
        D(2025, 5, 5),
        D(2025, 6, 2),
        D(2025, 6, 16),
    ]
    two = (at(2024, 7, 1), "2")
    assert counted(facts.ladder) == counted(
        [
            *many(4, LadderClient(at(2024, 6, 3), None, (two, (at(2025, 5, 5), "3")))),
            LadderClient(at(2024, 6, 3), None, (two, (at(2024, 12, 31, 23, 30), "3"))),
            LadderClient(at(2024, 6, 3), at(2024, 10, 1), ((at(2024, 7, 1), "4"),)),
            LadderClient(at(2025, 1, 6), None, ((at(2025, 4, 7), "1"),)),
            LadderClient(at(2025, 2, 3), None, ((at(2025, 4, 7), "1"),)),
            LadderClient(at(2025, 2, 10), None, ((at(2025, 4, 7), "1"),)),
            LadderClient(at(2025, 3, 3), None, ((at(2025, 4, 7), "1"),)),
            LadderClient(at(2025, 3, 31, 21, 30), None, ((at(2025, 4, 7), "1"),)),
            LadderClient(at(2025, 3, 31, 22, 30), at(2025, 7, 1), ()),
            LadderClient(at(2025, 4, 7), at(2025, 10, 1), ()),
            LadderClient(at(2025, 5, 5), None, ()),
            LadderClient(at(2025, 6, 2), None, ()),
            LadderClient(at(2025, 6, 16), at(2025, 9, 15), ()),
        ]
    )
    # Reported by the partner or VDAB to OCMW A, from 2024 in Brussels: not the OCMW's own, not
    # OCMW B's, not 2023's.
    assert counted(facts.signals) == counted(
        [
            ("language", at(2024, 5, 6), None),
            ("housing", at(2025, 2, 3), at(2025, 2, 5)),
            ("work", at(2025, 3, 31, 22, 30), None),
        ]
    )
    # OCMW A's questions to its VDAB team (about any of its clients), not OCMW B's.
    assert counted(facts.questions) == counted(
        [(at(2025, 2, 3), at(2025, 2, 6)), (at(2025, 5, 5), None)]
    )
    # The partnership's clients' requests from 1 January 2024 to 31 December 2025 in Brussels.
    assert counted(facts.trainings) == counted(
        [
            (D(2024, 1, 1), "requested", None),
            (D(2025, 2, 3), "started", D(2025, 3, 3)),
            (D(2025, 2, 10), "completed", D(2025, 3, 10)),
            (D(2025, 3, 3), "refused", None),
            (D(2025, 4, 7), "scheduled", D(2025, 12, 1)),
            (D(2025, 2, 17), "requested", None),
        ]
    )
    assert sorted(facts.starts) == [
        D(2025, 2, 3),
        D(2025, 3, 3),
        D(2025, 4, 7),
        D(2025, 6, 2),
        D(2025, 10, 6),
    ]
    assert sorted(facts.ends) == [D(2025, 5, 30), D(2025, 8, 29), D(2025, 10, 31), D(2025, 12, 15)]
    # Each client's first outflow: C6's placement (training) before its file closed (work);
    # C7's placement ended without one and its file closed for a move; OLD6 moved.
    assert sorted(facts.outflows) == [
        (D(2025, 5, 30), "training"),
        (D(2025, 9, 15), "work"),
        (D(2025, 10, 31), "training"),
        (D(2025, 12, 15), "work"),
    ]


async def test_figures_of_a_seeded_partnership() -> None:
    partnership = await seeded()
    figures = await figures_of(partnership, Period(2025), now=SEEDED_NOW)
    assert figures["period"] == "2025"
    assert [made["key"] for made in figures["sections"]] == list(SECTIONS)
    assert json.loads(json.dumps(figures)) == figures

    # 2024: 6 in Q2. 2025: Q1 5 (C5 at 23:30 on 31 March), Q2 5 (C6 at 00:30 on 1 April).
    assert section(figures, "referred") == one_row("referred", YEAR_2025, shown(6, 5, 5, 0, 0, 10))

    # Up to today (20 November 2025): OLD1..5 from 2 to 3 (OLD6 closed in 2024); C1..C10 were
    # registered in the year: counted as referred, not here. N1 and N2 are not the
    # partnership's. Five clients, all 2 -> 3.
    assert figures["ladder"] == {
        "key": "ladder",
        "starts": list(STARTS),
        "ends": list(ENDS),
        "cells": matrix({("2", "3"): [5, ""]}),
        "at_start": shown(0, 5, 0, 0, 0, 0, 0),
        "at_end": shown(0, 0, 5, 0, 0, 0, 0),
        "total": [5, ""],
        "up": 5,
        "same": 0,
        "down": 0,
    }

    # 2025: started (C1, C2) 2 in Q1; refused (C3) 1 in Q1; waiting C5 in Q1, C4 in Q2; all
    # 4 1 0 0 | 5. Every count but the year's 5 is small; each can move by one with the
    # others (one of the four Q1 counts is 2, the others 1): none more is hidden. 2024: OLD2's
    # request, waiting. Three start dates: no median.
    nothing = shown(0, 0, 0, 0, 0, 0)
    trainings = section(figures, "trainings")
    assert [line["cells"] for line in trainings["rows"]] == [
        [[0, ""], SMALL, [0, ""], [0, ""], [0, ""], SMALL],
        nothing,
        [[0, ""], SMALL, [0, ""], [0, ""], [0, ""], SMALL],
        [SMALL, SMALL, SMALL, [0, ""], [0, ""], SMALL],
    ]
    assert trainings["total"] == {
        "cells": [SMALL, SMALL, SMALL, [0, ""], [0, ""], [5, ""]],
        "medians": [None] * 6,
    }

    # Up to today: training in Q2 (C6) and Q4 (C9), work in Q3 (C10); C8's to work on
    # 15 December has not happened yet. All small.
    outflow = section(figures, "outflow")
    assert [line["cells"] for line in outflow["rows"]] == [
        [[0, ""], [0, ""], [0, ""], SMALL, [0, ""], SMALL],
        [[0, ""], [0, ""], SMALL, [0, ""], SMALL, SMALL],
    ]
    assert outflow["total"]["cells"] == [[0, ""], [0, ""], SMALL, SMALL, SMALL, SMALL]

    # Art. 60: started 2 2 0 1 | 5 (the year shown: the three small ones can trade); ended up to
    # today 0 1 1 1 | 3 (C8's end on 15 December not yet).
    assert section(figures, "art60_started")["rows"][0]["cells"] == [
        [0, ""],
        SMALL,
        SMALL,
        [0, ""],
        SMALL,
        [5, ""],
    ]
    assert section(figures, "art60_ended")["rows"][0]["cells"] == [
        [0, ""],
        [0, ""],
        SMALL,
        SMALL,
        SMALL,
        SMALL,
    ]

    # Signals, every theme of the catalog: housing 1 in Q1, work 1 in Q2 (1 April in Brussels);
    # language 1 in 2024.
    made = section(figures, "signals")
    assert [(line["key"], line["standard"]) for line in made["rows"]] == [
        (theme.code, True) for theme in THEMES
    ]
    cells = {line["key"]: line["cells"] for line in made["rows"]}
    assert cells.pop("housing") == [[0, ""], SMALL, [0, ""], [0, ""], [0, ""], SMALL]
    assert cells.pop("work") == [[0, ""], [0, ""], SMALL, [0, ""], [0, ""], SMALL]
    assert cells.pop("language") == [SMALL, *shown(0, 0, 0, 0, 0)]
    assert all(line == nothing for line in cells.values())
    assert made["total"] == {
        "cells": [SMALL, SMALL, SMALL, [0, ""], [0, ""], SMALL],
        "medians": [None] * 6,
    }

    # Questions: answered 1 in Q1, unanswered 1 in Q2.
    made = section(figures, "questions")
    assert [line["cells"] for line in made["rows"]] == [
        [[0, ""], SMALL, [0, ""], [0, ""], [0, ""], SMALL],
        [[0, ""], [0, ""], SMALL, [0, ""], [0, ""], SMALL],
    ]
    assert made["total"]["cells"] == [[0, ""], SMALL, SMALL, [0, ""], [0, ""], SMALL]

"""An evaluation's figures: what the partnership did in the period, next to the period before.

The partnership's clients are the clients of its OCMW with someone of its partner organisation in
their care team (the people its toeleider accompanies). Counted for the period and the one before:
clients referred (registered in the period), the ladder steps of the clients registered before
it at its start and its end and how many moved, the signals the partner organisation and the
VDAB team reported to the OCMW per theme with the median working days to the follow-up, the
referral questions the OCMW asked the VDAB team and the median working days to the first answer,
the clients' training requests by outcome and the median days from request to start, outflow to
work or training, and art. 60 starts and completions.

Only counts and medians leave this module: never a name, a text, an id or a date of one client.
Every count goes through ``visibility.aggregates.suppress`` as a table of a year's quarters with
its margins, so a quarter, the year and their totals are suppressed together ("< 5" for 1 to 4,
"•" for a count hidden so that a small one cannot be worked out); the ladder is one table of
step at the start × step at the end, whose margins are the two distributions, and a movement
(up, unchanged, down) is shown only where every count it adds up is shown. A median is shown
over 5 or more. A figure is about the moment it happened in Belgian time.

The result is plain data (``dict``, JSON-ready): what the page, the PDF and the CSV show, and
what a finalised evaluation keeps.
"""

from __future__ import annotations

import datetime as dt
import json
import statistics
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from portal.core.db import run_sql
from portal.core.periods import QUARTERS, Period, working_days
from portal.core.templating import local_time
from portal.questions.tables import Question
from portal.signals import themes
from portal.signals.tables import Signal
from portal.visibility.aggregates import SMALL_COUNT, FigureTable, suppress
from portal.visibility.aggregates import Cell as CountCell
from portal.visibility.scoping import unscoped

FEWEST = SMALL_COUNT
"""A median is shown over at least this many."""
STEPS = ("1", "2", "3", "4", "5", "6")
NO_STEP = "none"
LADDER_CHANGED = "ladder.changed"
OUTCOMES = ("started", "stopped", "refused", "waiting")
OUTCOME_OF = {
    "started": "started",
    "completed": "started",
    "stopped": "stopped",
    "refused": "refused",
}
"""A training request's outcome by its state; any other state is ``waiting``."""
WITH_START = frozenset({"scheduled", "started", "completed", "stopped"})
OUTFLOW_REASONS = {"outflow_work": "work", "outflow_training": "training"}
PLACEMENT_OUTFLOWS = {"regular_job": "work", "training": "training"}
OUTFLOWS = ("work", "training")


# What the figures are made of: plain values, no person ----------------------------------------


@dataclass(frozen=True)
class LadderClient:
    created_at: dt.datetime
    closed_at: dt.datetime | None
    steps: tuple[tuple[dt.datetime, str], ...]
    """Each ladder change: when, and the step it moved to."""

    def step_at(self, moment: dt.datetime) -> str:
        step = NO_STEP
        for at, to in self.steps:
            if at < moment:
                step = to
        return step


@dataclass
class Facts:
    """What happened, as the figures need it."""

    referred: list[dt.date] = field(default_factory=list)
    """The day each client of the partnership was registered."""
    ladder: list[LadderClient] = field(default_factory=list)
    signals: list[tuple[str, dt.datetime, dt.datetime | None]] = field(default_factory=list)
    """Theme, reported, followed up."""
    questions: list[tuple[dt.datetime, dt.datetime | None]] = field(default_factory=list)
    """Asked, first answered."""
    trainings: list[tuple[dt.date, str, dt.date | None]] = field(default_factory=list)
    """Requested on, state, start date."""
    starts: list[dt.date] = field(default_factory=list)
    """Art. 60 placements: the first day of each."""
    ends: list[dt.date] = field(default_factory=list)
    """Art. 60 placements: the last day of each one that ended."""
    outflows: list[tuple[dt.date, str]] = field(default_factory=list)
    """Each client's first outflow: the day, and ``work`` or ``training``."""


@dataclass(frozen=True)
class ThemeLabel:
    code: str
    label: str
    standard: bool


# The computation -------------------------------------------------------------------------------


def _day(moment: dt.datetime) -> dt.date:
    return local_time(moment).date()


def _in(period: Period, day: dt.date) -> bool:
    return period.first_day <= day <= period.last_day


def _quarter(day: dt.date) -> int:
    return (day.month - 1) // 3 + 1


def _cell(cell: CountCell) -> list[Any]:
    return [cell.value, "" if cell.reason is None else cell.label]


def _median(values: Sequence[int]) -> float | None:
    return round(float(statistics.median(values)), 1) if len(values) >= FEWEST else None


def _columns(period: Period) -> tuple[Period, ...]:
    """The periods a table shows: the one before, and the period (a year with its quarters)."""
    if period.yearly:
        return (period.previous, *(Period(period.year, q) for q in QUARTERS), period)
    return (period.previous, period)


class _Counted:
    """One measure's items sorted into a year's table of categories × quarters, suppressed."""

    def __init__(
        self, keys: Sequence[str], items: Iterable[tuple[str, dt.date]], years: Iterable[int]
    ) -> None:
        self.keys = tuple(keys)
        counts = {year: [[0] * len(QUARTERS) for _key in self.keys] for year in set(years)}
        index = {key: i for i, key in enumerate(self.keys)}
        for key, day in items:
            if day.year in counts and key in index:
                counts[day.year][index[key]][_quarter(day) - 1] += 1
        self.tables: dict[int, FigureTable] = {
            year: suppress(self.keys, [str(q) for q in QUARTERS], lines)
            for year, lines in counts.items()
        }

    def cell(self, row: int | None, period: Period) -> list[Any]:
        """The count of one category (``None``: all) in a period, as [value, label]."""
        table = self.tables[period.year]
        if row is None:
            found = table.total if period.yearly else table.column_totals[period.quarter - 1]
        elif period.yearly:
            found = table.row_totals[row]
        else:
            found = table.cells[row][period.quarter - 1]
        return _cell(found)


def _section(
    key: str,
    period: Period,
    rows: Sequence[tuple[str, str, bool]],
    items: Sequence[tuple[str, dt.date]],
    *,
    total: bool,
    timings: Sequence[tuple[str, dt.date, int]] | None = None,
    unit: str = "",
) -> dict[str, Any]:
    """A counted section: ``rows`` are (key, label, standard); ``items`` (row key, day);
    ``timings`` (row key, day, value) the medians are over."""
    columns = _columns(period)
    counted = _Counted([row[0] for row in rows], items, {column.year for column in columns})

    def medians(key: str | None) -> list[float | None] | None:
        if timings is None:
            return None
        return [
            _median(
                [
                    value
                    for row_key, day, value in timings
                    if (key is None or row_key == key) and _in(column, day)
                ]
            )
            for column in columns
        ]

    made: dict[str, Any] = {
        "key": key,
        "columns": [column.code for column in columns],
        "unit": unit,
        "rows": [
            {
                "key": row_key,
                "label": label,
                "standard": standard,
                "cells": [counted.cell(i, column) for column in columns],
                "medians": medians(row_key),
            }
            for i, (row_key, label, standard) in enumerate(rows)
        ],
        "total": None,
    }
    if total:
        made["total"] = {
            "cells": [counted.cell(None, column) for column in columns],
            "medians": medians(None),
        }
    return made


def _ladder(period: Period, clients: Sequence[LadderClient], now: dt.datetime) -> dict[str, Any]:
    start, end = period.bounds
    end = min(end, now)
    starts, ends = (*STEPS, NO_STEP), (*STEPS, NO_STEP)
    counts = [[0] * len(ends) for _row in starts]
    for client in clients:
        # Clients registered in the period are the "referred" count: left out here, so that no
        # row of this table repeats that count under another suppression.
        if client.created_at >= start or (client.closed_at and client.closed_at < start):
            continue
        counts[starts.index(client.step_at(start))][ends.index(client.step_at(end))] += 1
    table = suppress(starts, ends, counts)

    def moved(test: Callable[[int, int], bool]) -> int | None:
        cells = [
            table.cells[i][j] for i in range(len(STEPS)) for j in range(len(STEPS)) if test(i, j)
        ]
        if any(cell.value is None for cell in cells):
            return None
        return sum(cell.value or 0 for cell in cells)

    return {
        "key": "ladder",
        "starts": list(starts),
        "ends": list(ends),
        "cells": [[_cell(cell) for cell in line] for line in table.cells],
        "at_start": [_cell(cell) for cell in table.row_totals],
        "at_end": [_cell(cell) for cell in table.column_totals],
        "total": _cell(table.total),
        "up": moved(lambda i, j: j > i),
        "same": moved(lambda i, j: j == i),
        "down": moved(lambda i, j: j < i),
    }


def compute(
    period: Period,
    facts: Facts,
    themes: Sequence[ThemeLabel],
    *,
    now: dt.datetime,
) -> dict[str, Any]:
    """The figures of ``period`` (and the period before) from what happened."""
    today = _day(now)
    theme_rows = [(theme.code, theme.label, theme.standard) for theme in themes]
    known = {theme.code for theme in themes}
    theme_rows += [(code, code, False) for code in sorted({s[0] for s in facts.signals} - known)]
    sections = [
        _section(
            "referred",
            period,
            [("referred", "", True)],
            [("referred", day) for day in facts.referred],
            total=False,
        ),
        _section(
            "signals",
            period,
            theme_rows,
            [(theme, _day(at)) for theme, at, _done in facts.signals],
            total=True,
            timings=[
                (theme, _day(at), working_days(at, done))
                for theme, at, done in facts.signals
                if done is not None
            ],
            unit="working_days",
        ),
        _section(
            "questions",
            period,
            [("answered", "", True), ("unanswered", "", True)],
            [
                ("answered" if answered else "unanswered", _day(asked))
                for asked, answered in facts.questions
            ],
            total=True,
            timings=[
                ("answered", _day(asked), working_days(asked, answered))
                for asked, answered in facts.questions
                if answered is not None
            ],
            unit="working_days",
        ),
        _section(
            "trainings",
            period,
            [(outcome, "", True) for outcome in OUTCOMES],
            [(OUTCOME_OF.get(state, "waiting"), day) for day, state, _start in facts.trainings],
            total=True,
            timings=[
                (OUTCOME_OF.get(state, "waiting"), day, (start - day).days)
                for day, state, start in facts.trainings
                if start is not None and state in WITH_START
            ],
            unit="days",
        ),
        _section(
            "outflow",
            period,
            [(kind, "", True) for kind in OUTFLOWS],
            [(kind, day) for day, kind in facts.outflows if day <= today],
            total=True,
        ),
        _section(
            "art60_started",
            period,
            [("started", "", True)],
            [("started", day) for day in facts.starts if day <= today],
            total=False,
        ),
        _section(
            "art60_ended",
            period,
            [("ended", "", True)],
            [("ended", day) for day in facts.ends if day <= today],
            total=False,
        ),
    ]
    return {
        "period": period.code,
        "computed_at": now.isoformat(),
        "sections": sections,
        "ladder": _ladder(period, facts.ladder, now),
    }


# Reading ---------------------------------------------------------------------------------------


_PARTNERSHIP_CLIENTS = (
    "SELECT c.id FROM client AS c WHERE c.ocmw = {} AND EXISTS (SELECT 1 FROM care_team_member"
    " AS m JOIN person AS p ON p.id = m.person WHERE m.client = c.id AND p.organisation = {})"
)


def _moment(value: Any) -> dt.datetime | None:
    """A moment as the raw read gives it (SQLite: text)."""
    if value is None or isinstance(value, dt.datetime):
        return value
    parsed = dt.datetime.fromisoformat(str(value))
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=dt.UTC)


def _date(value: Any) -> dt.date | None:
    if value is None or isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value)[:10])


def _payload(value: Any) -> Mapping[str, Any]:
    return json.loads(value) if isinstance(value, str) else (value or {})


async def read_facts(partnership: Mapping[str, Any], period: Period) -> Facts:
    """What happened in the partnership from the start of the period before to the end of the
    period (its whole years, which the quarters are suppressed with): six statements."""
    ocmw, partner, team = partnership["ocmw"], partnership["partner"], partnership["vdab"]
    first = Period(period.previous.year).bounds[0]
    last = Period(period.year).bounds[1]
    member = partner if partner is not None else team
    facts = Facts()
    with unscoped("evaluation figures: counted for the partnership; only aggregates leave"):
        clients = await run_sql(
            "SELECT c.id, c.created_at, c.closed_at, c.closed_reason FROM client AS c"  # noqa: S608  # nosec B608  # fixed subquery; ids bound
            f" WHERE c.id IN ({_PARTNERSHIP_CLIENTS})",
            ocmw,
            member,
        )
        events = await run_sql(
            "SELECT e.client, e.occurred_at, e.payload FROM timeline_event AS e"  # noqa: S608  # nosec B608  # fixed subquery; values bound
            f" WHERE e.kind = {{}} AND e.client IN ({_PARTNERSHIP_CLIENTS})"
            " ORDER BY e.occurred_at, e.id",
            LADDER_CHANGED,
            ocmw,
            member,
        )
        trainings = await run_sql(
            "SELECT t.requested_at, t.state, t.start_date FROM training_request AS t"  # noqa: S608  # nosec B608  # fixed subquery; values bound
            f" WHERE t.client IN ({_PARTNERSHIP_CLIENTS})"
            " AND t.requested_at >= {} AND t.requested_at < {}",
            ocmw,
            member,
            first,
            last,
        )
        placements = await run_sql(
            'SELECT pl.client, pl.start, pl."end", pl.outflow FROM placement AS pl'  # noqa: S608  # nosec B608  # fixed subquery; ids bound
            f" WHERE pl.client IN ({_PARTNERSHIP_CLIENTS})",
            ocmw,
            member,
        )
        reporters = [org for org in (partner, team) if org is not None]
        signals = (
            await Signal.select(Signal.theme, Signal.created_at, Signal.followed_up_at).where(
                (Signal.ocmw == ocmw)
                & Signal.reporter_org.is_in(reporters)
                & (Signal.created_at >= first)
                & (Signal.created_at < last)
            )
            if reporters
            else []
        )
        questions = (
            await Question.select(Question.created_at, Question.first_answered_at).where(
                (Question.ocmw == ocmw)
                & (Question.team == team)
                & (Question.created_at >= first)
                & (Question.created_at < last)
            )
            if team is not None
            else []
        )
    steps: dict[int, list[tuple[dt.datetime, str]]] = {}
    for row in events:
        to = _payload(row["payload"]).get("step_to")
        at = _moment(row["occurred_at"])
        if at is not None and str(to) in STEPS:
            steps.setdefault(row["client"], []).append((at, str(to)))
    outflow: dict[int, tuple[dt.date, str]] = {}

    def flows(client: int, day: dt.date | None, kind: str | None) -> None:
        if (
            day is not None
            and kind is not None
            and (client not in outflow or day < outflow[client][0])
        ):
            outflow[client] = (day, kind)

    for row in clients:
        created, closed = _moment(row["created_at"]), _moment(row["closed_at"])
        assert created is not None
        facts.referred.append(_day(created))
        facts.ladder.append(LadderClient(created, closed, tuple(steps.get(row["id"], ()))))
        if closed is not None:
            flows(row["id"], _day(closed), OUTFLOW_REASONS.get(row["closed_reason"] or ""))
    for row in placements:
        start, end = _date(row["start"]), _date(row["end"])
        if start is not None:
            facts.starts.append(start)
        if end is not None:
            facts.ends.append(end)
            flows(row["client"], end, PLACEMENT_OUTFLOWS.get(row["outflow"] or ""))
    facts.outflows = list(outflow.values())
    facts.signals = [(row["theme"], row["created_at"], row["followed_up_at"]) for row in signals]
    facts.questions = [(row["created_at"], row["first_answered_at"]) for row in questions]
    for row in trainings:
        requested = _moment(row["requested_at"])
        assert requested is not None
        facts.trainings.append((_day(requested), row["state"], _date(row["start_date"])))
    return facts


async def figures_of(
    partnership: Mapping[str, Any], period: Period, *, now: dt.datetime | None = None
) -> dict[str, Any]:
    """The figures of one partnership's period, as they stand now."""
    catalog = await themes.catalog()
    labels = [ThemeLabel(theme.code, theme.label, theme.standard) for theme in catalog]
    facts = await read_facts(partnership, period)
    return compute(period, facts, labels, now=now or dt.datetime.now(dt.UTC))

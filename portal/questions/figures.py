"""Referral-question figures for the evaluation: per year, for each type of question and each
quarter, how many questions were asked, the median working days to the first answer, the share
answered within the deadline and the share answered "yes"; as a page with charts and as CSV.

Questions are about clients (class ``trajectory``): only the questions the viewer may count are
read (``visibility.figures_scope``), and only counts, medians and shares leave this module, never
a text, a name or an id. The counts are suppressed as a table of type × quarter with its margins
(``visibility.aggregates.suppress``: 1 to 4 read "< 5", and "•" hides what would give one away);
a median or a share is shown only over 5 questions or more, and only where the count it belongs
to is shown. Questions count in the quarter they were asked in, Belgian time.

Two statements whatever the number of types, quarters or questions: the years that have
questions, and five columns of the year's questions (the medians need each question's dates, so
the counts are made from the same rows in Python).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import statistics
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from litestar.exceptions import NotFoundException
from piccolo.querystring import QueryString

from portal.core.charts import BarChart, Series
from portal.core.i18n import N_
from portal.core.i18n import gettext_ as _
from portal.core.periods import (
    FIRST_YEAR,
    LAST_YEAR,
    QUARTERS,
    quarter_label,
    quarter_of,
    quarter_starts,
    today_in_belgium,
    working_days,
    year_sql,
)
from portal.core.spreadsheet import Cell
from portal.core.templating import local_time
from portal.questions.tables import Question
from portal.questions.visibility import figure_relations, figures_scope
from portal.questions.workflow import TYPE_BY_CODE, TYPES
from portal.visibility.aggregates import SMALL_COUNT, FigureTable, suppress
from portal.visibility.aggregates import Cell as CountCell
from portal.visibility.policy import Relation
from portal.visibility.scoping import unscoped
from portal.visibility.viewer import Viewer

FEWEST = SMALL_COUNT
"""A median or a share is shown over at least this many questions."""
YES = "yes"


# The computation (plain Python over plain values) ---------------------------------------------


@dataclass(frozen=True)
class Timing:
    """What the figures need of one question: no text, no person, no client."""

    type: str
    created_at: dt.datetime
    first_due_on: dt.date
    first_answered_at: dt.datetime | None = None
    answer: str = ""


@dataclass
class Tally:
    """One cell of the figures (a type in a quarter, or a margin): what its measures are over."""

    questions: int = 0
    days: list[int] = field(default_factory=list)
    """Working days to the first answer, one per answered question."""
    decided: int = 0
    """Answered, or past the deadline without an answer: the share within is over these."""
    within: int = 0
    yes: int = 0

    @property
    def answered(self) -> int:
        return len(self.days)

    def add(self, timing: Timing, today: dt.date) -> None:
        self.questions += 1
        if timing.first_answered_at is not None:
            self.days.append(working_days(timing.created_at, timing.first_answered_at))
            self.decided += 1
            self.within += local_time(timing.first_answered_at).date() <= timing.first_due_on
            self.yes += timing.answer == YES
        elif today > timing.first_due_on:
            self.decided += 1


class Measure(StrEnum):
    days = "days"
    """Median working days from asking to the first answer."""
    within = "within"
    """Per cent of the decided questions answered within the deadline."""
    yes = "yes"
    """Per cent of the answered questions answered "yes"."""


def measure_of(tally: Tally, measure: Measure) -> float | None:
    """The measure over the tally, ``None`` over fewer than ``FEWEST`` questions."""
    if measure is Measure.days:
        return float(statistics.median(tally.days)) if tally.answered >= FEWEST else None
    if measure is Measure.within:
        return 100 * tally.within / tally.decided if tally.decided >= FEWEST else None
    return 100 * tally.yes / tally.answered if tally.answered >= FEWEST else None


@dataclass(frozen=True)
class Grid:
    """One measure for each type (rows, then all types) and quarter (columns, then the year);
    ``None`` where it is not shown."""

    measure: Measure
    values: tuple[tuple[float | None, ...], ...]


@dataclass(frozen=True)
class Figures:
    year: int
    years: tuple[int, ...]
    """To choose from, newest first: the years that have questions, and this one."""
    types: tuple[str, ...]
    """Type codes, the rows of every table (``workflow.TYPES`` order)."""
    counts: FigureTable
    """Questions per type (rows) and quarter (columns), suppressed, with margins."""
    grids: tuple[Grid, ...]
    """One per ``Measure``."""
    counted_as: str = "ocmw"
    """``ocmw`` (the questions the viewer's OCMW asked), ``team`` (addressed to the viewer's VDAB
    team, and those of its partnerships' OCMWs) or ``partnership`` (of the OCMWs of the
    viewer's partnerships)."""

    @property
    def empty(self) -> bool:
        return self.counts.total.value == 0

    def grid(self, measure: Measure) -> Grid:
        return next(grid for grid in self.grids if grid.measure is measure)


def summarise(
    year: int,
    rows: Iterable[Timing],
    *,
    today: dt.date,
    years: Iterable[int] = (),
    counted_as: str = "ocmw",
) -> Figures:
    """The figures of ``year`` from its questions' timings (all of the year, none of another)."""
    codes = [kind.code for kind in TYPES]
    rows = list(rows)
    codes += sorted({timing.type for timing in rows} - set(codes))
    # Tallies with the margins: a row per type and one for all types, a column per quarter and
    # one for the year.
    tallies = [[Tally() for _q in range(len(QUARTERS) + 1)] for _t in range(len(codes) + 1)]
    index = {code: i for i, code in enumerate(codes)}
    for timing in rows:
        i, j = index[timing.type], quarter_of(timing.created_at) - 1
        for row in (i, len(codes)):
            for column in (j, len(QUARTERS)):
                tallies[row][column].add(timing, today)
    counts = suppress(
        codes,
        [str(q) for q in QUARTERS],
        [[tallies[i][j].questions for j in range(len(QUARTERS))] for i in range(len(codes))],
    )
    shown = _shown_counts(counts)
    return Figures(
        year=year,
        years=tuple(sorted({*years, year}, reverse=True)),
        types=tuple(codes),
        counts=counts,
        grids=tuple(
            Grid(
                measure,
                tuple(
                    tuple(
                        measure_of(tally, measure) if shown[i][j] else None
                        for j, tally in enumerate(line)
                    )
                    for i, line in enumerate(tallies)
                ),
            )
            for measure in Measure
        ),
        counted_as=counted_as,
    )


def with_margins(table: FigureTable) -> list[list[CountCell]]:
    """The counts as one grid: a row per type then all types, a column per quarter then the
    year (the layout of ``Grid``)."""
    lines = [[*cells, total] for cells, total in zip(table.cells, table.row_totals, strict=True)]
    return [*lines, [*table.column_totals, table.total]]


def _shown_counts(table: FigureTable) -> list[list[bool]]:
    """Whether each count of the table with its margins is shown (a measure goes with it)."""
    return [[cell.value is not None for cell in line] for line in with_margins(table)]


# Reading ---------------------------------------------------------------------------------------


def _scope(viewer: Viewer) -> QueryString:
    scope = figures_scope(viewer)
    if scope is None:
        raise NotFoundException()
    return scope


def _counted_as(viewer: Viewer) -> str:
    relations = figure_relations(viewer)
    if Relation.same_org in relations:
        return "ocmw"
    return "team" if viewer.org_kind == "vdab" else "partnership"


async def figures_for(viewer: Viewer, year: int, *, today: dt.date | None = None) -> Figures:
    """The figures of ``year`` the viewer may see: 404 for who may count no question."""
    scope = _scope(viewer)
    if not FIRST_YEAR <= year <= LAST_YEAR:
        raise NotFoundException()
    start, *_middle, end = quarter_starts(year)
    with unscoped("question figures: counted under figures_scope; only aggregates leave"):
        years = (
            await Question.select(QueryString(year_sql('"question"."created_at"')).as_alias("year"))
            .where(scope)
            .distinct()
        )
        rows = await (
            Question.select(
                Question.type,
                Question.created_at,
                Question.first_due_on,
                Question.first_answered_at,
                Question.answer,
            )
            .where(scope)
            .where((Question.created_at >= start) & (Question.created_at < end))
        )
    return summarise(
        year,
        (_timing(row) for row in rows),
        today=today or today_in_belgium(),
        years=(int(row["year"]) for row in years),
        counted_as=_counted_as(viewer),
    )


def _timing(row: Mapping[str, Any]) -> Timing:
    return Timing(
        type=row["type"],
        created_at=row["created_at"],
        first_due_on=row["first_due_on"],
        first_answered_at=row["first_answered_at"],
        answer=row["answer"] or "",
    )


# Presenting ------------------------------------------------------------------------------------


def type_label(code: str) -> str:
    kind = TYPE_BY_CODE.get(code)
    return _(kind.label) if kind else code


_TITLES = {
    Measure.days: N_("Median working days to the first answer, %(year)s"),
    Measure.within: N_("Share answered within the deadline, %(year)s"),
    Measure.yes: N_('Share answered "yes", %(year)s'),
}
_DESCRIPTIONS = {
    Measure.days: N_(
        "Per type of question, one bar per quarter: the median number of working days from"
        " asking to the first answer, over the questions answered. The table below gives the"
        " numbers, with all types and the whole year."
    ),
    Measure.within: N_(
        "Per type of question, one bar per quarter: the share of the questions whose first"
        " answer came by the deadline, of those answered or past their deadline. The table"
        " below gives the numbers, with all types and the whole year."
    ),
    Measure.yes: N_(
        "Per type of question, one bar per quarter: the share of the answered questions whose"
        ' answer is "yes" ("yes, on conditions" is not counted). The table below gives the'
        " numbers, with all types and the whole year."
    ),
}
_CSV_MEASURES = {
    Measure.days: N_("Median working days to the first answer"),
    Measure.within: N_("Answered within the deadline (%)"),
    Measure.yes: N_('Answered "yes" (%)'),
}


def _categories(figures: Figures) -> tuple[str, ...]:
    return (*(type_label(code) for code in figures.types), _("All types"))


def _count_lines(figures: Figures) -> list[list[tuple[int | None, str]]]:
    """The counts with the margins, as (value, label) with the label of a withheld count."""
    table = figures.counts
    lines = [[*cells, total] for cells, total in zip(table.cells, table.row_totals, strict=True)]
    lines.append([*table.column_totals, table.total])
    return [
        [(cell.value, "" if cell.reason is None else cell.label) for cell in line] for line in lines
    ]


def charts(figures: Figures) -> list[BarChart]:
    """A chart per measure, each with its table (types and all types by quarter, the year as
    a column of the table); labels in the current language."""
    quarters = tuple(quarter_label(q) for q in QUARTERS)
    year, categories = figures.year, _categories(figures)
    lines = _count_lines(figures)
    last = len(QUARTERS)
    made = [
        BarChart(
            key="questions-per-type",
            title=_("Referral questions per type and quarter, %(year)s") % {"year": year},
            description=_(
                "Per type of question, one bar per quarter: the number of questions asked in it."
                ' A count of 1 to 4 reads "< 5" and draws no bar; "•" hides a count that would'
                " give a small one away. The table below gives the numbers, with all types and"
                " the whole year."
            ),
            category_heading=_("Kind"),
            categories=categories,
            series=tuple(
                Series(
                    label,
                    tuple(_float(line[q][0]) for line in lines),
                    tuple(line[q][1] for line in lines),
                )
                for q, label in enumerate(quarters)
            ),
            extra=(
                Series(
                    _("Whole year"),
                    tuple(_float(line[last][0]) for line in lines),
                    tuple(line[last][1] for line in lines),
                ),
            ),
        )
    ]
    for grid in figures.grids:
        percent = grid.measure is not Measure.days
        chart = BarChart(
            key=f"question-{grid.measure.value}",
            title=_(_TITLES[grid.measure]) % {"year": year},
            description=_(_DESCRIPTIONS[grid.measure]),
            category_heading=_("Kind"),
            categories=categories,
            series=tuple(
                Series(label, tuple(line[q] for line in grid.values))
                for q, label in enumerate(quarters)
            ),
            maximum=100 if percent else None,
            decimals=1,
            suffix="%" if percent else "",
        )
        whole_year = tuple(line[last] for line in grid.values)
        made.append(
            dataclasses.replace(
                chart,
                extra=(
                    Series(
                        _("Whole year"),
                        whole_year,
                        tuple(chart.text(value) for value in whole_year),
                    ),
                ),
            )
        )
    return made


def _float(value: int | None) -> float | None:
    return None if value is None else float(value)


def _rounded(value: float | None) -> float | None:
    return None if value is None else round(value, 1)


def csv_rows(figures: Figures) -> list[list[Cell]]:
    """Long format, to pivot, in the signal figures' columns: year, quarter, type, measure,
    value; one row per quarter (and the whole year) and type (and all types) for each measure.
    A withheld count is written as its label ("< 5", "•"), never as a number; a median or share
    not shown is left empty."""
    rows: list[list[Cell]] = [[_("Year"), _("Quarter"), _("Type"), _("Measure"), _("Value")]]
    year, categories = figures.year, _categories(figures)
    periods = (*(quarter_label(q) for q in QUARTERS), _("Whole year"))
    lines = _count_lines(figures)
    measures = [(_(_CSV_MEASURES[grid.measure]), grid.values) for grid in figures.grids]
    for j, period in enumerate(periods):
        for i, category in enumerate(categories):
            value, label = lines[i][j]
            rows.append([year, period, category, _("Questions"), label or value])
            for name, values in measures:
                rows.append([year, period, category, name, _rounded(values[i][j])])
    return rows


def csv_filename(year: int) -> str:
    return f"doorverwijsvragen-{year}.csv"

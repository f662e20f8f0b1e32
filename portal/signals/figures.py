"""Signal figures for the partnership: per year, how many structural signals each theme had in each
quarter, the median working days to a first response and to the follow-up, and the share that went
past its deadline; as a page with charts and as CSV.

Only structural signals (no client) are counted, and only those the viewer may count
(``visibility.figures_scope``); only counts, medians and shares leave this module, never a title,
a text, a name or an id, so the figures carry no personal data. Signals count in the quarter they
were reported in, Belgian time.

Three statements whatever the number of themes, quarters or signals: the years that have
signals, the theme catalogue, and five columns of the year's signals (the medians need each
signal's dates, so the counts are made from the same rows in Python).
"""

from __future__ import annotations

import datetime as dt
import statistics
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from litestar.exceptions import NotFoundException
from piccolo.querystring import QueryString

from portal.core.charts import BarChart, Series
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
from portal.signals import themes
from portal.signals.tables import Signal
from portal.signals.visibility import figure_relations, figures_scope
from portal.signals.workflow import Theme, theme_of
from portal.visibility.policy import Relation
from portal.visibility.scoping import unscoped
from portal.visibility.viewer import Viewer

# The computation (plain Python over plain values) ---------------------------------------------


@dataclass(frozen=True)
class Timing:
    """What the figures need of one signal: no text, no person."""

    theme: str
    created_at: dt.datetime
    due_on: dt.date
    first_response_at: dt.datetime | None = None
    followed_up_at: dt.datetime | None = None


@dataclass(frozen=True)
class QuarterFigures:
    number: int
    signals: int = 0
    responded: int = 0
    """Signals with a first response, the ones the first median is over."""
    first_response: float | None = None
    """Median working days from reporting to the first response."""
    followed_up: int = 0
    follow_up: float | None = None
    """Median working days from reporting to the follow-up."""
    overdue: int = 0
    """First response after the deadline, or none yet and the deadline passed."""

    @property
    def overdue_share(self) -> float | None:
        """Per cent of the quarter's signals; ``None`` for a quarter without signals."""
        return 100 * self.overdue / self.signals if self.signals else None


@dataclass(frozen=True)
class ThemeFigures:
    code: str
    label: str
    """Translated for a standard theme; the name as written for one an administrator added."""
    counts: tuple[int, ...]
    """Per quarter."""

    @property
    def total(self) -> int:
        return sum(self.counts)


@dataclass(frozen=True)
class Figures:
    year: int
    years: tuple[int, ...]
    """To choose from, newest first: the years that have signals, and this one."""
    themes: tuple[ThemeFigures, ...]
    quarters: tuple[QuarterFigures, ...]
    partnership: bool
    """Counted as a partner (the OCMWs of the viewer's partnerships and what their organisation
    reported), not as the OCMW the signals are routed to."""

    @property
    def total(self) -> int:
        return sum(quarter.signals for quarter in self.quarters)


def median(values: Sequence[int]) -> float | None:
    return float(statistics.median(values)) if values else None


def is_overdue(timing: Timing, today: dt.date) -> bool:
    if timing.first_response_at is None:
        return today > timing.due_on
    return local_time(timing.first_response_at).date() > timing.due_on


def summarise(
    year: int,
    rows: Iterable[Timing],
    catalogue: Sequence[Theme],
    *,
    today: dt.date,
    years: Iterable[int] = (),
    partnership: bool = False,
) -> Figures:
    """The figures of ``year`` from its signals' timings (all of the year, none of another)."""
    counts: dict[str, list[int]] = {}
    signals = dict.fromkeys(QUARTERS, 0)
    first: dict[int, list[int]] = {q: [] for q in QUARTERS}
    follow: dict[int, list[int]] = {q: [] for q in QUARTERS}
    overdue = dict.fromkeys(QUARTERS, 0)
    for timing in rows:
        quarter = quarter_of(timing.created_at)
        counts.setdefault(timing.theme, [0, 0, 0, 0])[quarter - 1] += 1
        signals[quarter] += 1
        if timing.first_response_at is not None:
            first[quarter].append(working_days(timing.created_at, timing.first_response_at))
        if timing.followed_up_at is not None:
            follow[quarter].append(working_days(timing.created_at, timing.followed_up_at))
        overdue[quarter] += is_overdue(timing, today)
    listed = [theme for theme in catalogue if theme.active or theme.code in counts]
    known = {theme.code for theme in catalogue}
    listed += [theme_of(code) for code in sorted(counts) if code not in known]
    return Figures(
        year=year,
        years=tuple(sorted({*years, year}, reverse=True)),
        themes=tuple(
            ThemeFigures(theme.code, _label(theme), tuple(counts.get(theme.code, (0, 0, 0, 0))))
            for theme in listed
        ),
        quarters=tuple(
            QuarterFigures(
                number=q,
                signals=signals[q],
                responded=len(first[q]),
                first_response=median(first[q]),
                followed_up=len(follow[q]),
                follow_up=median(follow[q]),
                overdue=overdue[q],
            )
            for q in QUARTERS
        ),
        partnership=partnership,
    )


def _label(theme: Theme) -> str:
    return _(theme.label) if theme.standard else theme.label


# Reading ---------------------------------------------------------------------------------------


def _scope(viewer: Viewer) -> QueryString:
    scope = figures_scope(viewer)
    if scope is None:
        raise NotFoundException()
    return scope


async def figures_for(viewer: Viewer, year: int, *, today: dt.date | None = None) -> Figures:
    """The figures of ``year`` the viewer may see: 404 for who may count no signal."""
    scope = _scope(viewer)
    if not FIRST_YEAR <= year <= LAST_YEAR:
        raise NotFoundException()
    start, *_middle, end = quarter_starts(year)
    with unscoped("signal figures: counted under figures_scope; only aggregates leave"):
        years = (
            await Signal.select(QueryString(year_sql('"signal"."created_at"')).as_alias("year"))
            .where(scope)
            .distinct()
        )
        rows = await (
            Signal.select(
                Signal.theme,
                Signal.created_at,
                Signal.due_on,
                Signal.first_response_at,
                Signal.followed_up_at,
            )
            .where(scope)
            .where((Signal.created_at >= start) & (Signal.created_at < end))
        )
    return summarise(
        year,
        (_timing(row) for row in rows),
        await themes.catalog(),
        today=today or today_in_belgium(),
        years=(int(row["year"]) for row in years),
        partnership=Relation.same_org not in figure_relations(viewer),
    )


def _timing(row: Mapping[str, Any]) -> Timing:
    return Timing(
        theme=row["theme"],
        created_at=row["created_at"],
        due_on=row["due_on"],
        first_response_at=row["first_response_at"],
        followed_up_at=row["followed_up_at"],
    )


# Presenting ------------------------------------------------------------------------------------


def charts(figures: Figures) -> list[BarChart]:
    """A chart per measure, each with its table; labels in the current language."""
    quarters = tuple(quarter_label(q.number) for q in figures.quarters)
    year = figures.year
    return [
        BarChart(
            key="signals-per-theme",
            title=_("Signals per theme and quarter, %(year)s") % {"year": year},
            description=_(
                "One bar per theme, split by the quarter the signals were reported in; the bar"
                " ends in the theme's total. The table below gives the numbers."
            ),
            category_heading=_("Theme"),
            categories=tuple(theme.label for theme in figures.themes),
            series=tuple(
                Series(label, tuple(float(theme.counts[i]) for theme in figures.themes))
                for i, label in enumerate(quarters)
            ),
            stacked=True,
            total_label=_("Total"),
        ),
        BarChart(
            key="first-response",
            title=_("Median working days to a first response, %(year)s") % {"year": year},
            description=_(
                "One bar per quarter: the median number of working days from reporting to the"
                " first response, over the signals that had one. The table below gives the"
                " numbers."
            ),
            category_heading=_("Quarter"),
            categories=quarters,
            series=(
                Series(
                    _("Median working days"),
                    tuple(q.first_response for q in figures.quarters),
                ),
            ),
            extra=(
                Series(
                    _("Signals with a first response"),
                    tuple(float(q.responded) for q in figures.quarters),
                ),
            ),
            decimals=1,
        ),
        BarChart(
            key="follow-up",
            title=_("Median working days to the follow-up, %(year)s") % {"year": year},
            description=_(
                "One bar per quarter: the median number of working days from reporting to the"
                " follow-up, over the signals followed up. The table below gives the numbers."
            ),
            category_heading=_("Quarter"),
            categories=quarters,
            series=(
                Series(_("Median working days"), tuple(q.follow_up for q in figures.quarters)),
            ),
            extra=(
                Series(
                    _("Signals followed up"), tuple(float(q.followed_up) for q in figures.quarters)
                ),
            ),
            decimals=1,
        ),
        BarChart(
            key="overdue",
            title=_("Share of signals past their deadline, %(year)s") % {"year": year},
            description=_(
                "One bar per quarter: the share of the quarter's signals whose first response"
                " came after the deadline, or that are past it without one. The table below"
                " gives the numbers."
            ),
            category_heading=_("Quarter"),
            categories=quarters,
            series=(Series(_("Share overdue"), tuple(q.overdue_share for q in figures.quarters)),),
            extra=(
                Series(_("Signals"), tuple(float(q.signals) for q in figures.quarters)),
                Series(_("Overdue"), tuple(float(q.overdue) for q in figures.quarters)),
            ),
            maximum=100,
            decimals=1,
            suffix="%",
        ),
    ]


def _rounded(value: float | None) -> float | None:
    return None if value is None else round(value, 1)


def csv_rows(figures: Figures) -> list[list[Cell]]:
    """Long format, to pivot: one row per quarter and theme with its number of signals, then per
    quarter (over all themes) the medians, the counts they are over and the share overdue.

    Columns: year, quarter, theme, measure, value. A pivot table with the measure "Signals" as
    filter, themes as rows and quarters as columns gives the first table of the page."""
    rows: list[list[Cell]] = [[_("Year"), _("Quarter"), _("Theme"), _("Measure"), _("Value")]]
    year, everything = figures.year, _("All themes")
    for index, quarter in enumerate(figures.quarters):
        label = quarter_label(quarter.number)
        for theme in figures.themes:
            rows.append([year, label, theme.label, _("Signals"), theme.counts[index]])
        rows += [
            [year, label, everything, _("Signals with a first response"), quarter.responded],
            [
                year,
                label,
                everything,
                _("Median working days to a first response"),
                _rounded(quarter.first_response),
            ],
            [year, label, everything, _("Signals followed up"), quarter.followed_up],
            [
                year,
                label,
                everything,
                _("Median working days to the follow-up"),
                _rounded(quarter.follow_up),
            ],
            [year, label, everything, _("Overdue signals"), quarter.overdue],
            [year, label, everything, _("Share overdue (%)"), _rounded(quarter.overdue_share)],
        ]
    return rows


def csv_filename(year: int) -> str:
    return f"signalen-{year}.csv"

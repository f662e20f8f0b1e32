"""Bar charts drawn on the server as plain SVG: no script, no inline style (the Content-Security-
Policy forbids it; colours come from classes in ``static/css/portal.css``), every text escaped.

A chart is horizontal bars, one band per category (a theme, a quarter) with its name above the bars,
so that long names stay readable at 360 px: the SVG scales to the width of its box (``viewBox``,
``width="100%"``). Bars are grouped (one per series) or stacked (the series add up). The SVG is one
image for assistive technology (``role="img"`` with a title and a description); the same numbers
are always given in a table (``BarChart.table``, rendered by ``templates/core/_chart.html``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from babel.numbers import format_decimal
from markupsafe import Markup

from portal.core.i18n import current_locale

WIDTH = 360
"""Of the ``viewBox``, in user units; the page scales it (about 0.9 at 360 px, at most 1.33)."""
PAD = 8
FONT = 15
LABEL_LINE = 20
BAR = 18
"""Height of a stacked bar, or of a lone series' bar."""
GROUPED_BAR = 14
GAP = 10
VALUE_ROOM = 70
"""Room to the right of the longest bar for its value."""
CHAR_WIDTH = 0.56
"""An average character's width in a sans-serif font, as a share of the font size."""
COLOURS = ("#0072b2", "#e69f00", "#009e73", "#cc79a7", "#56b4e9", "#d55e00")
"""Series colours ``chart-s0`` … ``chart-s5`` (Okabe–Ito: told apart with colour blindness). The
page's stylesheet sets them by class; each bar also carries its colour as an SVG presentation
attribute (not a style: the Content-Security-Policy allows it), for renderers that apply no
stylesheet inside an SVG, such as WeasyPrint's PDF."""
PALETTE = len(COLOURS)
SWATCH = 12

_KEY = re.compile(r"[a-z][a-z0-9-]{0,40}")


@dataclass(frozen=True)
class Series:
    label: str
    values: tuple[float | None, ...]
    """One value per category; ``None`` where there is none (a median of nothing)."""
    labels: tuple[str, ...] = ()
    """Empty, or one text per category shown instead of its value where it is not empty: a
    suppressed count (``"< 5"``, ``"•"``) whose value is ``None`` and draws no bar."""

    def shown_as(self, index: int) -> str:
        return self.labels[index] if self.labels else ""


@dataclass(frozen=True)
class TableRow:
    label: str
    cells: tuple[str, ...]


@dataclass(frozen=True)
class Table:
    heading: str
    columns: tuple[str, ...]
    rows: tuple[TableRow, ...]
    total: TableRow | None = None


@dataclass(frozen=True)
class BarChart:
    key: str
    """Unique on the page: the ids of the title and description derive from it."""
    title: str
    description: str
    """A sentence saying what the bars show; the table gives the numbers."""
    category_heading: str
    """The table's first column: what a category is ("Theme", "Quarter")."""
    categories: tuple[str, ...]
    series: tuple[Series, ...]
    stacked: bool = False
    total_label: str | None = None
    """For stacked bars: a total column and row in the table, under this name."""
    maximum: float | None = None
    """The value a full-width bar stands for (100 for a percentage); else the largest bar."""
    decimals: int = 0
    suffix: str = ""
    """After each value, e.g. " %" (give the space the language wants)."""
    missing: str = "–"
    """Shown where a value is ``None``."""
    extra: tuple[Series, ...] = ()
    """Columns of the table only: the counts behind a median or a share."""
    locale: str = field(default_factory=current_locale)

    def __post_init__(self) -> None:
        if not _KEY.fullmatch(self.key):
            raise ValueError(f"a chart key is lower-case letters, digits and '-': {self.key!r}")
        for series in (*self.series, *self.extra):
            if len(series.values) != len(self.categories):
                raise ValueError(
                    f"{series.label!r} has {len(series.values)} values for "
                    f"{len(self.categories)} categories"
                )
            if series.labels and len(series.labels) != len(self.categories):
                raise ValueError(f"{series.label!r} needs one label per category, or none")
            if any(value is not None and value < 0 for value in series.values):
                raise ValueError("bars cannot be negative")
        if self.stacked and any(series.labels for series in self.series):
            raise ValueError("a stacked bar's total would leave out a withheld value")
        if not self.series:
            raise ValueError("a chart needs a series")

    # Numbers -------------------------------------------------------------------------------

    def number(self, value: float | None, *, decimals: int | None = None, suffix: str = "") -> str:
        if value is None:
            return self.missing
        places = self.decimals if decimals is None else decimals
        pattern = "#,##0" + ("." + "#" * places if places else "")
        return format_decimal(value, format=pattern, locale=self.locale) + suffix

    def text(self, value: float | None) -> str:
        return self.number(value, suffix=self.suffix)

    def totals(self) -> tuple[float, ...]:
        return tuple(
            sum(series.values[i] or 0 for series in self.series)
            for i in range(len(self.categories))
        )

    def empty(self) -> bool:
        return not any(value for series in self.series for value in series.values)

    # The table -----------------------------------------------------------------------------

    def table(self) -> Table:
        columns = [series.label for series in self.series]
        columns += [series.label for series in self.extra]
        with_total = self.stacked and self.total_label is not None
        if with_total:
            columns.append(self.total_label or "")
        totals = self.totals()
        rows = []
        for i, category in enumerate(self.categories):
            cells = [series.shown_as(i) or self.text(series.values[i]) for series in self.series]
            cells += [
                series.shown_as(i) or self.number(series.values[i], decimals=0)
                for series in self.extra
            ]
            if with_total:
                cells.append(self.text(totals[i]))
            rows.append(TableRow(category, tuple(cells)))
        total = None
        if with_total:
            sums = [sum(value or 0 for value in series.values) for series in self.series]
            extra = [sum(value or 0 for value in series.values) for series in self.extra]
            total = TableRow(
                self.total_label or "",
                (
                    *(self.text(value) for value in sums),
                    *(self.number(value, decimals=0) for value in extra),
                    self.text(sum(totals)),
                ),
            )
        return Table(self.category_heading, tuple(columns), tuple(rows), total)

    # The picture ---------------------------------------------------------------------------

    def svg(self) -> Markup:
        return _draw(self)


def _fit(text: str, room: float, font: float = FONT) -> str:
    """``text`` cut to what fits in ``room`` user units, with an ellipsis when cut."""
    most = max(1, int(room / (font * CHAR_WIDTH)))
    return text if len(text) <= most else text[: most - 1].rstrip() + "…"


def _n(value: float) -> str:
    """A coordinate: short, and never in exponent notation."""
    return f"{value:.1f}".rstrip("0").rstrip(".")


# Every element from a literal template; ``format`` escapes what goes in.
_SVG = Markup(
    '<svg class="chart" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}"'
    ' width="100%" preserveAspectRatio="xMinYMin meet" role="img"'
    ' aria-labelledby="{key}-title" aria-describedby="{key}-desc">'
    '<title id="{key}-title">{title}</title><desc id="{key}-desc">{description}</desc>'
    "{body}</svg>"
)
_TEXT = Markup('<text class="chart-text" x="{x}" y="{y}" font-size="{size}">{text}</text>')
_VALUE = Markup('<text class="chart-value" x="{x}" y="{y}" font-size="{size}">{text}</text>')
_SWATCH = Markup(
    '<rect class="chart-bar chart-s{colour}" fill="{fill}" x="{x}" y="{y}" width="{size}"'
    ' height="{size}"/>'
)
_BAR = Markup(
    '<rect class="chart-bar chart-s{colour}" fill="{fill}" x="{x}" y="{y}" width="{width}"'
    ' height="{height}">'
    "<title>{name}: {value}</title></rect>"
)
_AXIS = Markup('<line class="chart-axis" x1="{x}" x2="{x}" y1="{top}" y2="{bottom}"/>')


def _legend(chart: BarChart, top: float) -> tuple[list[Markup], float]:
    """The series' names with their colours, flowing over lines; returns the markup and the
    height used."""
    if len(chart.series) < 2:
        return [], 0.0
    parts: list[Markup] = []
    x, y = float(PAD), top
    for index, series in enumerate(chart.series):
        label = _fit(series.label, WIDTH - 2 * PAD - SWATCH - 6)
        width = SWATCH + 6 + len(label) * FONT * CHAR_WIDTH + 16
        if x > PAD and x + width > WIDTH - PAD:
            x, y = float(PAD), y + LABEL_LINE
        parts.append(
            _SWATCH.format(
                colour=index % PALETTE,
                fill=COLOURS[index % PALETTE],
                x=_n(x),
                y=_n(y + 4),
                size=SWATCH,
            )
        )
        parts.append(_TEXT.format(x=_n(x + SWATCH + 6), y=_n(y + 15), size=FONT, text=label))
        x += width
    return parts, y + LABEL_LINE + GAP - top


def _draw(chart: BarChart) -> Markup:
    parts, top = _legend(chart, float(PAD))
    top += PAD
    room = WIDTH - 2 * PAD - VALUE_ROOM
    totals = chart.totals()
    if chart.stacked:
        largest = max(totals, default=0.0)
    else:
        largest = max((v or 0 for s in chart.series for v in s.values), default=0.0)
    scale_to = chart.maximum or largest or 1.0
    bar = BAR if chart.stacked or len(chart.series) == 1 else GROUPED_BAR
    y = top
    for i, category in enumerate(chart.categories):
        label = _fit(category, WIDTH - 2 * PAD)
        parts.append(_TEXT.format(x=PAD, y=_n(y + 15), size=FONT, text=label))
        y += LABEL_LINE + 2
        if chart.stacked:
            x = float(PAD)
            for index, series in enumerate(chart.series):
                part = series.values[i] or 0.0
                if part:
                    width = room * part / scale_to
                    parts.append(_bar(chart, index, x, y, width, bar, category, series, part))
                    x += width
            parts.append(_value(x, y, bar, chart.text(totals[i])))
            y += bar + GAP
        else:
            for index, series in enumerate(chart.series):
                value = series.values[i]
                width = room * (value or 0) / scale_to
                if width:
                    parts.append(
                        _bar(chart, index, float(PAD), y, width, bar, category, series, value)
                    )
                parts.append(_value(PAD + width, y, bar, series.shown_as(i) or chart.text(value)))
                y += bar + 2
            y += GAP - 2
    parts.append(_AXIS.format(x=PAD, top=_n(top), bottom=_n(y - GAP)))
    return _SVG.format(
        width=WIDTH,
        height=_n(y + PAD),
        key=chart.key,
        title=chart.title,
        description=chart.description,
        body=Markup("").join(parts),
    )


def _bar(
    chart: BarChart,
    index: int,
    x: float,
    y: float,
    width: float,
    height: float,
    category: str,
    series: Series,
    value: float | None,
) -> Markup:
    name = category if len(chart.series) == 1 else f"{category} · {series.label}"
    return _BAR.format(
        colour=index % PALETTE,
        fill=COLOURS[index % PALETTE],
        x=_n(x),
        y=_n(y),
        width=_n(max(width, 1.0)),
        height=height,
        name=name,
        value=chart.text(value),
    )


def _value(x: float, y: float, height: float, text: str) -> Markup:
    return _VALUE.format(x=_n(x + 4), y=_n(y + height / 2 + 5), size=FONT - 1, text=text)

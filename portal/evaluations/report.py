"""An evaluation as people read it: its figures as tables and charts in the current language, the
page's context, the CSV and the PDF. Everything here starts from the figures' plain data
(``figures.compute``, or the frozen copy of a finalised evaluation), so the page and both exports
show the same aggregates and nothing else."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from babel.numbers import format_decimal
from jinja2 import Environment

from portal.core import pdf
from portal.core.charts import BarChart, Series
from portal.core.i18n import N_, current_locale
from portal.core.i18n import gettext_ as _
from portal.core.periods import Period
from portal.core.spreadsheet import Cell
from portal.core.templating import local_time
from portal.evaluations import services, survey
from portal.evaluations.figures import NO_STEP
from portal.evaluations.survey import Results
from portal.evaluations.visibility import EvaluationView
from portal.evaluations.workflow import QUESTION_KINDS
from portal.signals.workflow import THEME_BY_CODE

STYLESHEET = Path(__file__).with_name("export.css")
TEMPLATE = "evaluations/export.html"

_TITLES = {
    "referred": N_("Clients referred"),
    "signals": N_("Signals per theme"),
    "questions": N_("Referral questions to VDAB"),
    "trainings": N_("Training requests by outcome"),
    "outflow": N_("Outflow to work or training"),
    "art60": N_("Art. 60 placements"),
}
_DESCRIPTIONS = {
    "referred": N_(
        "Clients registered at the OCMW in the period who have someone of the partner"
        " organisation in their care team."
    ),
    "signals": N_(
        "Signals the partner organisation and the VDAB team reported to the OCMW, by the period"
        " they were reported in; the median counts working days from reporting to the follow-up."
    ),
    "questions": N_(
        "Referral questions the OCMW asked the VDAB team, by the period they were asked in; the"
        " median counts working days from asking to the first answer."
    ),
    "trainings": N_(
        "Training requests of the partnership's clients, by the period they were made in and"
        " where they stand now; the median counts days from the request to the start date."
    ),
    "outflow": N_(
        "The partnership's clients who flowed out to work or to a training: a file closed for"
        " that reason, or an art. 60 placement that ended in it, whichever came first."
    ),
    "art60": N_("Art. 60 placements of the partnership's clients that started or ended."),
}
_ROWS = {
    ("referred", "referred"): N_("Clients referred"),
    ("questions", "answered"): N_("Answered"),
    ("questions", "unanswered"): N_("Not answered yet"),
    ("trainings", "started"): N_("Started or completed"),
    ("trainings", "stopped"): N_("Stopped"),
    ("trainings", "refused"): N_("Refused"),
    ("trainings", "waiting"): N_("Still waiting"),
    ("outflow", "work"): N_("To work"),
    ("outflow", "training"): N_("To a training"),
    ("art60_started", "started"): N_("Started"),
    ("art60_ended", "ended"): N_("Ended"),
}
_TOTALS = {
    "signals": N_("All signals"),
    "questions": N_("Asked"),
    "trainings": N_("Requested"),
    "outflow": N_("All outflow"),
}
_MEDIANS = {
    "signals": N_("Median working days to the follow-up"),
    "questions": N_("Median working days to the first answer"),
    "trainings": N_("Median days from request to start"),
}


@dataclass(frozen=True)
class Line:
    label: str
    cells: tuple[str, ...]
    change: str = ""
    medians: tuple[str, ...] = ()


@dataclass(frozen=True)
class Block:
    key: str
    title: str
    description: str
    columns: tuple[str, ...]
    lines: tuple[Line, ...]
    total: Line | None
    median_title: str = ""
    chart: BarChart | None = None

    hidden_zeros: int = 0
    """Kinds left out because they are 0 in every period."""

    @property
    def has_medians(self) -> bool:
        """Whether any median is shown (over 5 or more, somewhere)."""
        lines = (*self.lines, *((self.total,) if self.total else ()))
        return bool(self.median_title) and any(
            value != "–" for line in lines for value in line.medians
        )


@dataclass(frozen=True)
class Ladder:
    columns: tuple[str, ...]
    """The steps at the end of the period."""
    lines: tuple[Line, ...]
    """One per step at the start, its cells per step at the end, then at the start."""
    at_end: Line
    moves: tuple[tuple[str, str], ...]
    chart: BarChart


def _number(value: float | None, decimals: int = 0) -> str:
    if value is None:
        return "–"
    pattern = "#,##0" + ("." + "#" * decimals if decimals else "")
    return format_decimal(value, format=pattern, locale=current_locale())


def _shown(cell: Sequence[Any]) -> str:
    value, label = cell
    return label or _number(value)


def _change(cells: Sequence[Sequence[Any]]) -> str:
    """This period against the one before, where both are shown."""
    before, now = cells[0][0], cells[-1][0]
    if before is None or now is None:
        return "–"
    difference = now - before
    return f"+{_number(difference)}" if difference > 0 else _number(difference)


def period_label(code: str) -> str:
    period = Period.parse(code)
    return period.label() if period else code


def _row_label(section: str, row: Mapping[str, Any]) -> str:
    if section == "signals":
        theme = THEME_BY_CODE.get(row["key"])
        if row.get("standard", True) and theme is not None:
            return _(theme.label)
        return str(row.get("label") or row["key"])
    return _(_ROWS.get((section, row["key"]), row["key"]))


def _line(section: str, row: Mapping[str, Any], label: str | None = None) -> Line:
    medians = row.get("medians")
    return Line(
        label=label if label is not None else _row_label(section, row),
        cells=tuple(_shown(cell) for cell in row["cells"]),
        change=_change(row["cells"]),
        medians=tuple(_number(value, 1) for value in medians) if medians else (),
    )


def _chart(
    key: str,
    title: str,
    lines: Sequence[Line],
    rows: Sequence[Mapping[str, Any]],
    columns: Sequence[str],
) -> BarChart | None:
    """Bars for the period before and the period (a year's quarters stay in the table)."""
    if not rows:
        return None
    picked = (0, len(columns) - 1)
    return BarChart(
        key=f"evaluation-{key}",
        title=title,
        description=_(
            'One bar per period. A count of 1 to 4 reads "< 5" and draws no bar; "•" hides a'
            " count that would give a small one away."
        ),
        category_heading=_("Kind"),
        categories=tuple(line.label for line in lines),
        series=tuple(
            Series(
                columns[j],
                tuple(
                    None if row["cells"][j][0] is None else float(row["cells"][j][0])
                    for row in rows
                ),
                tuple(row["cells"][j][1] for row in rows),
            )
            for j in picked
        ),
    )


def blocks(figures: Mapping[str, Any]) -> list[Block]:
    """The counted sections as tables (the two art. 60 sections as one)."""
    sections = {section["key"]: section for section in figures.get("sections", ())}
    made: list[Block] = []
    for key in ("referred", "signals", "questions", "trainings", "outflow", "art60"):
        parts = (
            [sections[name] for name in ("art60_started", "art60_ended") if name in sections]
            if key == "art60"
            else [sections[key]]
            if key in sections
            else []
        )
        if not parts:
            continue
        columns = tuple(period_label(code) for code in parts[0]["columns"])
        every = [(part["key"], row) for part in parts for row in part["rows"]]
        # A kind that is 0 in every period is left out (a 0 is shown, so nothing is withheld).
        rows = [
            (section, row)
            for section, row in every
            if len(every) == 1 or any(cell[0] != 0 for cell in row["cells"])
        ]
        lines = tuple(_line(section, row) for section, row in rows)
        total = parts[0].get("total")
        title = _(_TITLES[key])
        made.append(
            Block(
                key=key,
                title=title,
                description=_(_DESCRIPTIONS[key]),
                columns=columns,
                lines=lines,
                total=_line(key, total, _(_TOTALS[key])) if total else None,
                median_title=_(_MEDIANS[key]) if key in _MEDIANS else "",
                chart=_chart(key, title, lines, [row for _s, row in rows], columns),
                hidden_zeros=len(every) - len(rows),
            )
        )
    return made


def _step_label(code: str) -> str:
    if code == NO_STEP:
        return _("No step yet")
    return _("Step %(number)s") % {"number": code}


def _used(margins: Sequence[Sequence[Any]]) -> list[int]:
    """The positions whose margin is not 0 (a 0 is shown: leaving its line out hides nothing)."""
    return [i for i, cell in enumerate(margins) if cell[0] != 0]


def ladder(figures: Mapping[str, Any]) -> Ladder | None:
    """The ladder table without its empty rows and columns; ``None`` when no client is in it."""
    data = figures.get("ladder")
    if not data or data["total"][0] == 0:
        return None
    rows, columns = _used(data["at_start"]), _used(data["at_end"])
    lines = tuple(
        Line(
            _step_label(data["starts"][i]),
            (*(_shown(data["cells"][i][j]) for j in columns), _shown(data["at_start"][i])),
        )
        for i in rows
    )
    at_end = Line(
        _("At the end"),
        (*(_shown(data["at_end"][j]) for j in columns), _shown(data["total"])),
    )
    moves = tuple(
        (_(label), _number(data[key]))
        for key, label in (
            ("up", N_("Moved up")),
            ("same", N_("Stayed on their step")),
            ("down", N_("Moved down")),
        )
    )
    ends = data["ends"]
    steps = [i for i, code in enumerate(data["starts"]) if code in ends]
    chart = BarChart(
        key="evaluation-ladder",
        title=_("Clients per ladder step at the start and the end"),
        description=_(
            "Per step, one bar at the start and one at the end of the period. A count of 1 to"
            ' 4 reads "< 5" and draws no bar; "•" hides a count that would give a small one away.'
        ),
        category_heading=_("Step"),
        categories=tuple(_step_label(data["starts"][i]) for i in steps),
        series=(
            Series(
                _("At the start"),
                tuple(_value(data["at_start"][i]) for i in steps),
                tuple(data["at_start"][i][1] for i in steps),
            ),
            Series(
                _("At the end"),
                tuple(_value(data["at_end"][ends.index(data["starts"][i])]) for i in steps),
                tuple(data["at_end"][ends.index(data["starts"][i])][1] for i in steps),
            ),
        ),
    )
    return Ladder(tuple(_step_label(ends[j]) for j in columns), lines, at_end, moves, chart)


def _value(cell: Sequence[Any]) -> float | None:
    return None if cell[0] is None else float(cell[0])


# The page ------------------------------------------------------------------------------------


async def page_context(viewer: Any, evaluation_id: int) -> dict[str, Any]:
    page = await services.evaluation_page(viewer, evaluation_id)
    results = await survey.results(page.evaluation)
    return {
        "page": page,
        "evaluation": page.evaluation,
        "blocks": blocks(page.figures),
        "ladder": ladder(page.figures),
        "results": results,
        "question_kinds": QUESTION_KINDS,
    }


# CSV -----------------------------------------------------------------------------------------


def csv_rows(
    view: EvaluationView, figures: Mapping[str, Any], results: Results
) -> list[list[Cell]]:
    """Long format: section, category, period, measure, value. A withheld count is its label
    ("< 5", "•"), a median not shown is empty; then the survey's scores and its open answers
    (only where the page shows them), and the conclusions."""
    rows: list[list[Cell]] = [[_("Section"), _("Category"), _("Period"), _("Measure"), _("Value")]]
    for block in blocks(figures):
        for line in (*block.lines, *((block.total,) if block.total else ())):
            for j, column in enumerate(block.columns):
                rows.append([block.title, line.label, column, _("Number"), line.cells[j]])
                if line.medians:
                    value = line.medians[j]
                    rows.append(
                        [
                            block.title,
                            line.label,
                            column,
                            block.median_title,
                            "" if value == "–" else value,
                        ]
                    )
    found = ladder(figures)
    if found:
        period = period_label(figures.get("period", ""))
        title = _("Participation ladder")
        for line in found.lines:
            for column, cell in zip((*found.columns, _("At the start")), line.cells, strict=True):
                rows.append([title, line.label, period, column, cell])
        for column, cell in zip((*found.columns, _("All")), found.at_end.cells, strict=True):
            rows.append([title, _("At the end"), period, column, cell])
        for label, value in found.moves:
            rows.append([title, label, period, _("Number"), "" if value == "–" else value])
    survey_title = _("Colleague survey")
    period = view.period.label()
    rows.append([survey_title, _("Invited"), period, _("Number"), results.invited])
    rows.append([survey_title, _("Answered"), period, _("Number"), results.answered])
    for result in results.questions:
        if not result.shown:
            continue
        for score, count in zip((1, 2, 3, 4, 5), result.scores, strict=False):
            rows.append(
                [survey_title, result.question.text, period, _("Score %(n)s") % {"n": score}, count]
            )
        for text in result.texts:
            rows.append([survey_title, result.question.text, period, _("Answer"), text])
    conclusions = _("Conclusions")
    rows.append([conclusions, _("Strengths"), period, _("Text"), view.strengths])
    rows.append([conclusions, _("Points to adjust"), period, _("Text"), view.adjustments])
    return rows


def csv_filename(view: EvaluationView) -> str:
    return f"evaluatie-{view.partnership}-{view.period.code}.csv"


def pdf_filename(view: EvaluationView) -> str:
    return f"evaluatie-{view.partnership}-{view.period.code}.pdf"


# PDF -----------------------------------------------------------------------------------------


def readable(moment: dt.datetime | None) -> str:
    return local_time(moment).strftime("%d-%m-%Y %H:%M") if moment else ""


def render_pdf(templates: Environment, context: Mapping[str, Any]) -> bytes:
    """The finalised evaluation as a PDF (synchronous: run it in a worker thread); it fetches
    nothing, its stylesheet is its own."""
    html = templates.get_template(TEMPLATE).render(
        {**context, "finalised_on": readable(context["evaluation"].finalised_at)}
    )
    return pdf.render_pdf(html, STYLESHEET.read_text(encoding="utf-8"))

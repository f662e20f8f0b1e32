"""Evaluations: opening one, the conclusions and action points, moving it through its states,
and finalising it with its figures frozen.

Every write claims the evaluation's row first (``_claim``: one ``UPDATE … WHERE state IN …
RETURNING``): on PostgreSQL that locks the row until the unit of work ends, so a write and the
finalising that freezes the evaluation cannot cross; a write on a finalised evaluation finds no
row and is refused (409) with nothing written.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from litestar.datastructures import FormMultiDict
from litestar.exceptions import HTTPException, NotFoundException

from portal.accounts.tables import Partnership, Person
from portal.core.db import run_sql, unit_of_work
from portal.core.i18n import gettext_ as _
from portal.core.periods import Period, today_in_belgium
from portal.evaluations import figures as figure_data
from portal.evaluations import inbox, workflow
from portal.evaluations.tables import (
    ActionPoint,
    Evaluation,
    SurveyInvitation,
    SurveyQuestion,
)
from portal.evaluations.visibility import EvaluationView, runs_evaluations
from portal.evaluations.workflow import Move
from portal.notifications.services import notify
from portal.visibility.records import visible_to
from portal.visibility.viewer import Viewer

TEXT_MAX = 4000
ACTION_MAX, OWNER_MAX, QUESTION_MAX = 500, 200, 300


class Invalid(ValueError):
    """Input that cannot be written: a translated message per form field."""

    def __init__(self, errors: Mapping[str, str], *, existing: int | None = None) -> None:
        super().__init__(", ".join(errors))
        self.errors = dict(errors)
        self.existing = existing
        """An evaluation of that partnership and period that is already open."""


class Frozen(HTTPException):
    """The evaluation is finalised, or moved on, between reading it and writing to it."""

    status_code = 409


@dataclass(frozen=True)
class PartnershipChoice:
    id: int
    name: str


@dataclass(frozen=True)
class ActionView:
    id: int
    text: str
    owner: str
    due_on: dt.date
    overdue: bool = False


@dataclass(frozen=True)
class QuestionView:
    id: int
    kind: str
    text: str


@dataclass(frozen=True)
class Listing:
    partnerships: tuple[PartnershipChoice, ...]
    evaluations: tuple[EvaluationView, ...]
    periods: tuple[Period, ...]
    """Suggested in the form: this quarter, the one before, this year, last year."""


@dataclass
class Page:
    evaluation: EvaluationView
    questions: tuple[QuestionView, ...]
    actions: tuple[ActionView, ...]
    previous_actions: tuple[ActionView, ...]
    previous: EvaluationView | None
    figures: Mapping[str, Any]


# Reading ---------------------------------------------------------------------------------------


async def partnerships_for(viewer: Viewer) -> tuple[PartnershipChoice, ...]:
    """The partnerships whose evaluations the viewer runs."""
    if not runs_evaluations(viewer):
        return ()
    org = viewer.org_id
    rows = await (
        Partnership.select(Partnership.id, Partnership.name)
        .where((Partnership.ocmw == org) | (Partnership.partner == org) | (Partnership.vdab == org))
        .order_by(Partnership.name)
    )
    return tuple(PartnershipChoice(row["id"], row["name"]) for row in rows)


def _columns() -> tuple[Any, ...]:
    return (
        Evaluation.all_columns(exclude=[Evaluation.figures]),
        Evaluation.partnership.name,
        Evaluation.opened_by.display_name,
        Evaluation.finalised_by.display_name,
    )


def suggested_periods(today: dt.date) -> tuple[Period, ...]:
    quarter = Period(today.year, (today.month - 1) // 3 + 1)
    return (quarter, quarter.previous, Period(today.year), Period(today.year - 1))


async def listing(viewer: Viewer) -> Listing:
    """The evaluations the viewer runs, newest period first, and what they can open."""
    partnerships = await partnerships_for(viewer)
    found: list[EvaluationView] = []
    if partnerships:
        scope = visible_to(viewer, Evaluation)
        rows = await scope.select(*_columns())
        found = [view for view in scope.project_all(rows) if view is not None]
        found.sort(key=lambda view: (view.period.year, view.period.quarter or 5), reverse=True)
    return Listing(partnerships, tuple(found), suggested_periods(today_in_belgium()))


async def find_evaluation(viewer: Viewer, evaluation_id: int) -> EvaluationView:
    """The evaluation as the viewer may see it; 404 for anyone else."""
    scope = visible_to(viewer, Evaluation)
    row = await scope.get(evaluation_id, *_columns(), Evaluation.figures)
    view = scope.project(row) if row is not None else None
    if view is None:
        raise NotFoundException()
    return view


async def _partnership(partnership_id: int) -> dict[str, Any]:
    row = await (
        Partnership.select(
            Partnership.id,
            Partnership.name,
            Partnership.ocmw,
            Partnership.partner,
            Partnership.vdab,
        )
        .where(Partnership.id == partnership_id)
        .first()
    )
    if row is None:
        raise NotFoundException()
    return dict(row)


async def _previous(viewer: Viewer, view: EvaluationView) -> EvaluationView | None:
    """The partnership's evaluation of the period before, if there is one."""
    scope = visible_to(viewer, Evaluation)
    row = await scope.select(*_columns()).where(
        (Evaluation.partnership == view.partnership)
        & (Evaluation.period == view.period.previous.code)
    )
    views = scope.project_all(row)
    return views[0] if views else None


async def _actions(evaluation_id: int, today: dt.date) -> tuple[ActionView, ...]:
    rows = await (
        ActionPoint.select()
        .where(ActionPoint.evaluation == evaluation_id)
        .order_by(ActionPoint.due_on, ActionPoint.position, ActionPoint.id)
    )
    return tuple(
        ActionView(row["id"], row["text"], row["owner"], row["due_on"], row["due_on"] < today)
        for row in rows
    )


async def questions_of(evaluation_id: int) -> tuple[QuestionView, ...]:
    rows = await (
        SurveyQuestion.select()
        .where(SurveyQuestion.evaluation == evaluation_id)
        .order_by(SurveyQuestion.position, SurveyQuestion.id)
    )
    return tuple(QuestionView(row["id"], row["kind"], row["text"]) for row in rows)


async def figures_for(view: EvaluationView) -> Mapping[str, Any]:
    """A finalised evaluation's frozen figures; an open one's as they stand now."""
    if view.finalised:
        return view.figures
    return await figure_data.figures_of(await _partnership(view.partnership), view.period)


async def evaluation_page(viewer: Viewer, evaluation_id: int) -> Page:
    view = await find_evaluation(viewer, evaluation_id)
    previous = await _previous(viewer, view)
    today = today_in_belgium()
    return Page(
        evaluation=view,
        questions=await questions_of(view.id),
        actions=await _actions(view.id, today),
        previous_actions=await _actions(previous.id, today) if previous else (),
        previous=previous,
        figures=await figures_for(view),
    )


# Writing ---------------------------------------------------------------------------------------


async def _claim(evaluation_id: int, states: Sequence[str], *, touch: bool = True) -> str:
    """Lock the evaluation's row if it is in one of ``states``; its state, or ``Frozen``."""
    placeholders = ", ".join("{}" for _state in states)
    setting = "changed_at = {}" if touch else "state = state"
    args: list[Any] = [dt.datetime.now(dt.UTC)] if touch else []
    rows = await run_sql(
        f"UPDATE evaluation SET {setting} WHERE id = {{}} AND state IN ({placeholders})"  # noqa: S608  # nosec B608  # fixed SET clause; values bound
        " RETURNING state",
        *args,
        evaluation_id,
        *states,
    )
    if not rows:
        raise Frozen()
    return str(rows[0]["state"])


def _text(form: FormMultiDict, name: str) -> str:
    return str(form.get(name) or "").replace("\r\n", "\n").strip()


async def open_evaluation(viewer: Viewer, form: FormMultiDict) -> int:
    """A coordinator opens the evaluation of one of their partnerships for a period
    (``partnership``, ``period``: ``2026`` or ``2026-Q3``), with the default survey."""
    choices = {choice.id: choice for choice in await partnerships_for(viewer)}
    if not choices:
        raise NotFoundException()
    errors: dict[str, str] = {}
    raw_partnership = _text(form, "partnership")
    partnership = int(raw_partnership) if raw_partnership.isdigit() else 0
    if partnership not in choices:
        errors["partnership"] = _("Choose one of your partnerships.")
    period = Period.parse(_text(form, "period"))
    if period is None:
        errors["period"] = _("Give a year (2026) or a quarter (2026-Q3).")
    elif period.first_day > today_in_belgium():
        errors["period"] = _("This period has not started yet.")
    if errors:
        raise Invalid(errors)
    assert period is not None
    slot = f"{partnership}/{period.code}"
    existing = await run_sql("SELECT id FROM evaluation WHERE slot = {}", slot)
    if existing:
        message = _("This partnership already has an evaluation of this period.")
        raise Invalid({"period": message}, existing=int(existing[0]["id"]))
    now = dt.datetime.now(dt.UTC)
    async with unit_of_work():
        inserted = await run_sql(
            "INSERT INTO evaluation (partnership, period, slot, state, opened_by, opened_at,"
            " strengths, adjustments, invited, figures, changed_at)"
            " VALUES ({}, {}, {}, 'draft', {}, {}, '', '', 0, {}, {})"
            " ON CONFLICT (slot) DO NOTHING RETURNING id",
            partnership,
            period.code,
            slot,
            viewer.person_id,
            now,
            "{}",
            now,
        )
        if not inserted:
            message = _("This partnership already has an evaluation of this period.")
            raise Invalid({"period": message})
        evaluation_id = int(inserted[0]["id"])
        for position, (kind, text) in enumerate(workflow.DEFAULT_QUESTIONS):
            await SurveyQuestion(
                evaluation=evaluation_id, position=position, kind=kind, text=_(text)
            ).save()
    return evaluation_id


async def _editable(viewer: Viewer, evaluation_id: int) -> EvaluationView:
    view = await find_evaluation(viewer, evaluation_id)
    if view.finalised:
        raise Frozen()
    return view


async def save_conclusions(viewer: Viewer, evaluation_id: int, form: FormMultiDict) -> None:
    await _editable(viewer, evaluation_id)
    values = {name: _text(form, name) for name in ("strengths", "adjustments")}
    errors = {
        name: _("Keep it under %(count)s characters.") % {"count": TEXT_MAX}
        for name, value in values.items()
        if len(value) > TEXT_MAX
    }
    if errors:
        raise Invalid(errors)
    async with unit_of_work():
        await _claim(evaluation_id, workflow.OPEN_STATES)
        await Evaluation.update(
            {
                Evaluation.strengths: values["strengths"],
                Evaluation.adjustments: values["adjustments"],
            }
        ).where(Evaluation.id == evaluation_id)


async def add_action(viewer: Viewer, evaluation_id: int, form: FormMultiDict) -> None:
    """An action point: ``action``, ``owner`` and ``due_on`` (a date), all required."""
    await _editable(viewer, evaluation_id)
    text, owner, due = _text(form, "action"), _text(form, "owner"), _text(form, "due_on")
    errors: dict[str, str] = {}
    if not text:
        errors["action"] = _("Say what is to be done.")
    elif len(text) > ACTION_MAX:
        errors["action"] = _("Keep it under %(count)s characters.") % {"count": ACTION_MAX}
    if not owner:
        errors["owner"] = _("Name who takes it on.")
    elif len(owner) > OWNER_MAX:
        errors["owner"] = _("Keep it under %(count)s characters.") % {"count": OWNER_MAX}
    due_on: dt.date | None = None
    try:
        due_on = dt.date.fromisoformat(due) if due else None
    except ValueError:
        due_on = None
    if due_on is None:
        errors["due_on"] = _("Give the date it is due, as a date (2027-03-31).")
    if errors:
        raise Invalid(errors)
    async with unit_of_work():
        await _claim(evaluation_id, workflow.OPEN_STATES)
        count = await ActionPoint.count().where(ActionPoint.evaluation == evaluation_id)
        if count >= workflow.MAX_ACTION_POINTS:
            message = _("An evaluation has at most %(count)s action points.")
            raise Invalid({"action": message % {"count": workflow.MAX_ACTION_POINTS}})
        await ActionPoint(
            evaluation=evaluation_id, text=text, owner=owner, due_on=due_on, position=count
        ).save()


async def remove_action(viewer: Viewer, evaluation_id: int, action_id: int) -> None:
    await _editable(viewer, evaluation_id)
    async with unit_of_work():
        await _claim(evaluation_id, workflow.OPEN_STATES)
        removed = await (
            ActionPoint.delete()
            .where((ActionPoint.id == action_id) & (ActionPoint.evaluation == evaluation_id))
            .returning(ActionPoint.id)
        )
        if not removed:
            raise NotFoundException()


def _question_text(form: FormMultiDict) -> str:
    text = _text(form, "text")
    if not text:
        raise Invalid({"text": _("Write the question.")})
    if len(text) > QUESTION_MAX:
        raise Invalid({"text": _("Keep it under %(count)s characters.") % {"count": QUESTION_MAX}})
    return text


async def add_question(viewer: Viewer, evaluation_id: int, form: FormMultiDict) -> None:
    """A survey question (``text``, ``kind``: ``scale`` or ``open``), while it is a draft."""
    await _editable(viewer, evaluation_id)
    text = _question_text(form)
    kind = _text(form, "kind")
    if kind not in workflow.QUESTION_KINDS:
        raise Invalid({"kind": _("Choose a score or an open question.")})
    async with unit_of_work():
        await _claim(evaluation_id, ("draft",))
        count = await SurveyQuestion.count().where(SurveyQuestion.evaluation == evaluation_id)
        if count >= workflow.MAX_QUESTIONS:
            message = _("A survey has at most %(count)s questions.")
            raise Invalid({"text": message % {"count": workflow.MAX_QUESTIONS}})
        await SurveyQuestion(evaluation=evaluation_id, position=count, kind=kind, text=text).save()


async def change_question(
    viewer: Viewer, evaluation_id: int, question_id: int, form: FormMultiDict
) -> None:
    await _editable(viewer, evaluation_id)
    text = _question_text(form)
    async with unit_of_work():
        await _claim(evaluation_id, ("draft",))
        changed = await (
            SurveyQuestion.update({SurveyQuestion.text: text})
            .where(
                (SurveyQuestion.id == question_id) & (SurveyQuestion.evaluation == evaluation_id)
            )
            .returning(SurveyQuestion.id)
        )
        if not changed:
            raise NotFoundException()


async def remove_question(viewer: Viewer, evaluation_id: int, question_id: int) -> None:
    await _editable(viewer, evaluation_id)
    async with unit_of_work():
        await _claim(evaluation_id, ("draft",))
        removed = await (
            SurveyQuestion.delete()
            .where(
                (SurveyQuestion.id == question_id) & (SurveyQuestion.evaluation == evaluation_id)
            )
            .returning(SurveyQuestion.id)
        )
        if not removed:
            raise NotFoundException()


async def colleagues_of(partnership: Mapping[str, Any]) -> list[int]:
    """The active people of the partnership's organisations in a surveyed role."""
    orgs = [partnership[key] for key in ("ocmw", "partner", "vdab") if partnership[key]]
    rows = await Person.select(Person.id, Person.roles).where(
        Person.organisation.is_in(orgs) & (Person.active == True)  # noqa: E712
    )
    surveyed = {role.value for role in workflow.SURVEYED_ROLES}
    return sorted(int(row["id"]) for row in rows if surveyed & set(row["roles"] or ()))


async def move(viewer: Viewer, evaluation_id: int, step: Move) -> None:
    """Send the survey, close it, go to the review without one, or finalise."""
    view = await _editable(viewer, evaluation_id)
    if not workflow.allows(step, view.state.code):
        raise Frozen()
    now = dt.datetime.now(dt.UTC)
    if step is workflow.SEND_SURVEY and not await questions_of(evaluation_id):
        raise Invalid({"survey": _("Add at least one question before sending the survey.")})
    async with unit_of_work():
        state = await _claim(evaluation_id, step.sources)
        changes: dict[Any, Any] = {Evaluation.state: step.to}
        if step is workflow.SEND_SURVEY:
            people = await colleagues_of(await _partnership(view.partnership))
            if not people:
                message = _("The partnership has no colleagues to send the survey to.")
                raise Invalid({"survey": message})
            for person in people:
                await SurveyInvitation(
                    evaluation=evaluation_id, person=person, slot=f"{evaluation_id}/{person}"
                ).save()
            changes[Evaluation.survey_sent_at] = now
            changes[Evaluation.invited] = len(people)
            await notify(people, inbox.SURVEY, evaluation_id, organisation=viewer.org_id)
        if state == "survey_open":
            changes[Evaluation.survey_closed_at] = now
        if step is workflow.FINALISE:
            frozen = await figure_data.figures_of(
                await _partnership(view.partnership), view.period, now=now
            )
            changes[Evaluation.figures] = frozen
            changes[Evaluation.finalised_by] = viewer.person_id
            changes[Evaluation.finalised_at] = now
        await Evaluation.update(changes).where(Evaluation.id == evaluation_id)

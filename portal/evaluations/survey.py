"""The colleague survey: a colleague answers once, anonymously; coordinators see the answers
together, and only when no answer can point at a person.

Who answered is an invitation's ``answered`` flag; what they answered are ``SurveyAnswer`` rows
with no person, no time and nothing tying one person's answers together. Both are written in
one unit of work, so a colleague answers exactly once. The coordinators see how many answered
(the response rate) and, once the survey is closed and at least ``RESPONSES_SHOWN_FROM``
colleagues answered, each question's scores as a count per score and its open answers in
alphabetical order, never in the order they came in.
"""

from __future__ import annotations

import datetime as dt
import statistics
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from babel.numbers import format_decimal
from litestar.datastructures import FormMultiDict
from litestar.exceptions import NotFoundException

from portal.core.db import run_sql, unit_of_work
from portal.core.i18n import current_locale
from portal.core.i18n import gettext_ as _
from portal.core.prepared import prepared
from portal.evaluations import inbox, services, workflow
from portal.evaluations.services import Frozen, Invalid, QuestionView
from portal.evaluations.tables import SurveyAnswer, SurveyInvitation
from portal.evaluations.visibility import EvaluationView
from portal.evaluations.workflow import OPEN_KIND, SCALE, SCALE_KIND
from portal.notifications.services import take
from portal.visibility.scoping import unscoped
from portal.visibility.viewer import Viewer

ANSWER_MAX = 2000


@dataclass(frozen=True)
class QuestionResult:
    question: QuestionView
    answers: int = 0
    """How many answered this question (a question may be left open)."""
    scores: tuple[int, ...] = ()
    """How many gave each score of ``SCALE``."""
    average: float | None = None
    texts: tuple[str, ...] = ()

    @property
    def shown(self) -> bool:
        """A question fewer than 3 answered is not shown: its answers could point at a person."""
        return self.answers >= workflow.RESPONSES_SHOWN_FROM

    @property
    def average_text(self) -> str:
        if self.average is None:
            return "–"
        return format_decimal(self.average, format="#,##0.0", locale=current_locale())


@dataclass(frozen=True)
class Results:
    invited: int
    answered: int
    shown: bool
    """Whether the answers may be shown (closed, and enough colleagues answered)."""
    questions: tuple[QuestionResult, ...] = ()

    @property
    def rate(self) -> int | None:
        """Per cent of the invited colleagues who answered."""
        return round(100 * self.answered / self.invited) if self.invited else None


async def _answered(evaluation_id: int) -> int:
    return int(
        await SurveyInvitation.count().where(
            (SurveyInvitation.evaluation == evaluation_id) & (SurveyInvitation.answered == True)  # noqa: E712
        )
    )


def may_show(view: EvaluationView, answered: int) -> bool:
    closed = view.state.code in ("in_review", "finalised")
    return closed and answered >= workflow.RESPONSES_SHOWN_FROM


async def results(view: EvaluationView) -> Results:
    """What the coordinators see of the survey (``view`` is already theirs to see)."""
    if view.survey_sent_at is None:
        return Results(0, 0, False)
    answered = await _answered(view.id)
    if not may_show(view, answered):
        return Results(view.invited, answered, False)
    questions = await services.questions_of(view.id)
    rows = await SurveyAnswer.select(
        SurveyAnswer.question, SurveyAnswer.score, SurveyAnswer.text
    ).where(SurveyAnswer.evaluation == view.id)
    made = []
    for question in questions:
        mine = [row for row in rows if row["question"] == question.id]
        if len(mine) < workflow.RESPONSES_SHOWN_FROM:
            made.append(QuestionResult(question, answers=len(mine)))
        elif question.kind == SCALE_KIND:
            scores = [row["score"] for row in mine if row["score"] in SCALE]
            made.append(
                QuestionResult(
                    question,
                    answers=len(mine),
                    scores=tuple(scores.count(score) for score in SCALE),
                    average=round(statistics.mean(scores), 1) if scores else None,
                )
            )
        else:
            texts = sorted((row["text"] for row in mine if row["text"]), key=str.casefold)
            made.append(QuestionResult(question, answers=len(mine), texts=tuple(texts)))
    return Results(view.invited, answered, True, tuple(made))


@dataclass
class Form:
    """A colleague's survey page."""

    evaluation_id: int
    title: str
    state: str
    answered: bool
    questions: tuple[QuestionView, ...]
    typed: dict[str, str] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)

    @property
    def open(self) -> bool:
        return self.state == "survey_open" and not self.answered


@dataclass(frozen=True)
class Waiting:
    """A survey the viewer was asked to answer and has not answered yet."""

    evaluation_id: int
    title: str
    sent_at: dt.datetime


@prepared(values={})
def _waiting_rows(viewer: Viewer) -> Any:
    with unscoped("a colleague's own survey invitations: the evaluation's name and period"):
        return SurveyInvitation.select(
            SurveyInvitation.evaluation,
            SurveyInvitation.evaluation.period,
            SurveyInvitation.evaluation.survey_sent_at,
            SurveyInvitation.evaluation.partnership.name,  # type: ignore[union-attr]
        ).where(
            (SurveyInvitation.person == viewer.person_id)
            & (SurveyInvitation.answered == False)  # noqa: E712
            & (SurveyInvitation.evaluation.state == "survey_open")
        )


async def waiting_for(viewer: Viewer) -> list[Waiting]:
    """The open surveys the viewer has still to answer, in one statement."""
    if not workflow.SURVEYED_ROLES & viewer.roles:
        return []
    rows = await _waiting_rows(viewer)
    return [
        Waiting(
            row["evaluation"],
            inbox.survey_title(row["evaluation.partnership.name"], row["evaluation.period"]),
            row["evaluation.survey_sent_at"],
        )
        for row in rows
    ]


async def _invitation(viewer: Viewer, evaluation_id: int) -> Mapping[str, Any]:
    row = await (
        SurveyInvitation.select(
            SurveyInvitation.answered,
            SurveyInvitation.evaluation.state,
            SurveyInvitation.evaluation.period,
            SurveyInvitation.evaluation.partnership.name,  # type: ignore[union-attr]
        )
        .where(
            (SurveyInvitation.evaluation == evaluation_id)
            & (SurveyInvitation.person == viewer.person_id)
        )
        .first()
    )
    if row is None:
        raise NotFoundException()
    return row


async def survey_form(viewer: Viewer, evaluation_id: int) -> Form:
    """The survey as the invited colleague sees it; 404 for anyone not invited."""
    with unscoped("a colleague's own survey invitation: the evaluation's state and name only"):
        row = await _invitation(viewer, evaluation_id)
    await take(viewer, inbox.RECORD, evaluation_id)
    return Form(
        evaluation_id=evaluation_id,
        title=inbox.survey_title(row["evaluation.partnership.name"], row["evaluation.period"]),
        state=row["evaluation.state"],
        answered=bool(row["answered"]),
        questions=await services.questions_of(evaluation_id),
    )


async def answer(viewer: Viewer, evaluation_id: int, form: FormMultiDict) -> None:
    """The colleague's answers: ``score_<question>`` (1–5) and ``text_<question>``; a question
    may be left open, but not all of them."""
    page = await survey_form(viewer, evaluation_id)
    if not page.open:
        raise Frozen()
    answers: list[tuple[int, int | None, str]] = []
    errors: dict[str, str] = {}
    for question in page.questions:
        if question.kind == SCALE_KIND:
            raw = str(form.get(f"score_{question.id}") or "").strip()
            if not raw:
                continue
            if raw not in {str(score) for score in SCALE}:
                errors[f"score_{question.id}"] = _("Choose a score from 1 to 5.")
                continue
            answers.append((question.id, int(raw), ""))
        elif question.kind == OPEN_KIND:
            text = str(form.get(f"text_{question.id}") or "").replace("\r\n", "\n").strip()
            if len(text) > ANSWER_MAX:
                message = _("Keep it under %(count)s characters.") % {"count": ANSWER_MAX}
                errors[f"text_{question.id}"] = message
            elif text:
                answers.append((question.id, None, text))
    if not answers and not errors:
        errors["survey"] = _("Answer at least one question.")
    if errors:
        raise Invalid(errors)
    async with unit_of_work():
        rows = await run_sql(
            "UPDATE evaluation SET state = state WHERE id = {} AND state = 'survey_open'"
            " RETURNING id",
            evaluation_id,
        )
        if not rows:
            raise Frozen()
        claimed = await (
            SurveyInvitation.update({SurveyInvitation.answered: True})
            .where(
                (SurveyInvitation.evaluation == evaluation_id)
                & (SurveyInvitation.person == viewer.person_id)
                & (SurveyInvitation.answered == False)  # noqa: E712
            )
            .returning(SurveyInvitation.id)
        )
        if not claimed:
            raise Frozen()
        for question_id, score, text in answers:
            await SurveyAnswer(
                evaluation=evaluation_id, question=question_id, score=score, text=text
            ).save()

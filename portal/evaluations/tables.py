from piccolo.columns import (
    JSON,
    Boolean,
    Date,
    ForeignKey,
    Integer,
    Serial,
    SmallInt,
    Text,
    Timestamptz,
    Varchar,
)
from piccolo.columns.base import OnDelete
from piccolo.table import Table

from portal.accounts.tables import Partnership, Person
from portal.visibility.scoping import Classified


class Evaluation(Classified, Table, tablename="evaluation"):
    """A partnership's evaluation of a quarter or a year. Its classes are in
    ``evaluations/visibility.py``: it names no client; its figures are counts."""

    id: Serial
    partnership = ForeignKey(
        references=Partnership, null=False, index=True, on_delete=OnDelete.restrict
    )
    period = Varchar(length=7)
    """``2026`` (a year) or ``2026-Q3`` (a quarter): a code of ``core.periods.Period``."""
    slot = Varchar(length=40, unique=True)
    """``<partnership>/<period>``: one evaluation per partnership and period, even when two
    coordinators open it at once."""
    state = Varchar(length=16, default="draft")
    opened_by = ForeignKey(references=Person, null=False, on_delete=OnDelete.restrict)
    opened_at = Timestamptz()
    strengths = Text(default="")
    adjustments = Text(default="")
    """Points to adjust."""
    survey_sent_at = Timestamptz(null=True, default=None)
    survey_closed_at = Timestamptz(null=True, default=None)
    invited = Integer(default=0)
    """How many colleagues the survey was sent to (the response rate's denominator)."""
    figures = JSON(default={})
    """The figures as they were when it was finalised (``{}`` until then): counts already
    suppressed, medians, no row."""
    finalised_by = ForeignKey(
        references=Person, null=True, default=None, on_delete=OnDelete.restrict
    )
    finalised_at = Timestamptz(null=True, default=None)
    changed_at = Timestamptz()


class SurveyQuestion(Table, tablename="evaluation_question"):
    """A question of an evaluation's colleague survey: a 1–5 scale or an open question."""

    id: Serial
    evaluation = ForeignKey(
        references=Evaluation, null=False, index=True, on_delete=OnDelete.cascade
    )
    position = SmallInt()
    kind = Varchar(length=8)
    text = Varchar(length=300)


class SurveyInvitation(Table, tablename="evaluation_invitation"):
    """Who the survey was sent to and whether they answered: never what, never when. Kept
    apart from the answers, so no answer can be traced to a person."""

    id: Serial
    evaluation = ForeignKey(
        references=Evaluation, null=False, index=True, on_delete=OnDelete.cascade
    )
    person = ForeignKey(references=Person, null=False, index=True, on_delete=OnDelete.restrict)
    answered = Boolean(default=False)
    slot = Varchar(length=40, unique=True)
    """``<evaluation>/<person>``: one invitation per colleague."""


class SurveyAnswer(Table, tablename="evaluation_answer"):
    """One colleague's answer to one question: no person, no time. A response's answers are not
    tied together either, so one person's answers cannot be read as a profile."""

    id: Serial
    evaluation = ForeignKey(
        references=Evaluation, null=False, index=True, on_delete=OnDelete.cascade
    )
    question = ForeignKey(
        references=SurveyQuestion, null=False, index=True, on_delete=OnDelete.cascade
    )
    score = SmallInt(null=True, default=None)
    text = Text(default="")


class ActionPoint(Table, tablename="evaluation_action"):
    """An action point of an evaluation's conclusions: what, who owns it, by when."""

    id: Serial
    evaluation = ForeignKey(
        references=Evaluation, null=False, index=True, on_delete=OnDelete.cascade
    )
    text = Varchar(length=500)
    owner = Varchar(length=200)
    due_on = Date()
    position = SmallInt(default=0)

from piccolo.columns import JSON, Date, ForeignKey, Integer, Serial, Text, Timestamptz, Varchar
from piccolo.columns.base import OnDelete
from piccolo.table import Table

from portal.accounts.tables import Organisation, Person
from portal.clients.tables import Client
from portal.visibility.scoping import Classified


class QuestionDeadline(Table, tablename="question_deadline"):
    """A deadline a platform administrator set for one type of question; a type without a row
    has ``workflow.DEFAULT_DEADLINE``."""

    id: Serial
    type = Varchar(length=32, unique=True)
    working_days = Integer(default=10)


class Question(Classified, Table, tablename="question"):
    """A referral question (doorverwijsvraag) from a social worker to the VDAB team of the client's
    OCMW's partnership. Who reads it is declared in ``questions/visibility.py``; its states are
    ``questions/workflow.py``."""

    id: Serial
    client = ForeignKey(references=Client, null=False, index=True, on_delete=OnDelete.restrict)
    ocmw = ForeignKey(references=Organisation, null=False, index=True, on_delete=OnDelete.restrict)
    """The asking OCMW (the client's, when asked)."""
    team = ForeignKey(references=Organisation, null=False, index=True, on_delete=OnDelete.restrict)
    """The VDAB team it is addressed to."""
    asker = ForeignKey(references=Person, null=False, index=True, on_delete=OnDelete.restrict)
    type = Varchar(length=32)
    text = Text()
    shares = JSON(default={})
    """What the asker lets the team see with this question: ``{"fields": [...], "documents":
    [...]}``; it narrows what the policy shows the team, never widens it."""
    state = Varchar(length=16, default="open", index=True)
    assignee = ForeignKey(
        references=Person, null=True, default=None, index=True, on_delete=OnDelete.restrict
    )
    created_at = Timestamptz()
    due_on = Date()
    """The last working day for an answer (a reopened question gets a new one)."""
    first_due_on = Date()
    """The deadline it was asked with: the figures measure the first answer against it."""
    first_answered_at = Timestamptz(null=True, default=None)
    answered_at = Timestamptz(null=True, default=None)
    closed_at = Timestamptz(null=True, default=None)
    answer = Varchar(length=16, default="")
    reason = Text(default="")
    next_step = Varchar(length=16, default="")
    interview_at = Timestamptz(null=True, default=None)
    """The interview the answer invited the client to (its invitation is on the timeline)."""
    interview_place = Varchar(length=300, default="")


class QuestionChange(Table, tablename="question_change"):
    """One change of a question: a move of its state, a claim, an answer or a message. Never
    changed. Read only for a question already read through its scope, as its thread."""

    id: Serial
    question = ForeignKey(references=Question, null=False, index=True, on_delete=OnDelete.restrict)
    kind = Varchar(length=16)
    """``state``, ``answer`` or ``message``."""
    from_state = Varchar(length=16, default="")
    to_state = Varchar(length=16, default="")
    answer = Varchar(length=16, default="")
    text = Text(default="")
    person = ForeignKey(references=Person, null=False, on_delete=OnDelete.restrict)
    person_org = ForeignKey(references=Organisation, null=False, on_delete=OnDelete.restrict)
    at = Timestamptz()

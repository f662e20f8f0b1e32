from piccolo.columns import Date, ForeignKey, Integer, Serial, Text, Timestamptz, Varchar
from piccolo.columns.base import OnDelete
from piccolo.table import Table

from portal.accounts.tables import Organisation, Person
from portal.clients.tables import Client
from portal.visibility.scoping import Classified


class TrainingRequest(Classified, Table, tablename="training_request"):
    """A training the client wants to follow while keeping the living wage: the OCMW agrees, VDAB
    approves, then it is scheduled and followed (``trajectory/workflow.py``)."""

    id: Serial
    client = ForeignKey(references=Client, null=False, index=True, on_delete=OnDelete.restrict)
    course = Varchar(length=200)
    provider = Varchar(length=200)
    note = Text(default="")
    state = Varchar(length=32, default="requested")
    start_date = Date(null=True, default=None)
    reason = Text(default="")
    """Why it was refused or stopped."""
    requested_by = ForeignKey(references=Person, null=False, on_delete=OnDelete.restrict)
    requested_at = Timestamptz()
    changed_by = ForeignKey(references=Person, null=True, default=None, on_delete=OnDelete.restrict)
    changed_at = Timestamptz()


class Invitation(Classified, Table, tablename="invitation"):
    """An interview the client is invited to by a VDAB mediator."""

    id: Serial
    client = ForeignKey(references=Client, null=False, index=True, on_delete=OnDelete.restrict)
    at = Timestamptz()
    place = Varchar(length=300)
    """An address, or the link of a video call."""
    invited_by = ForeignKey(references=Person, null=False, on_delete=OnDelete.restrict)
    organisation = ForeignKey(references=Organisation, null=False, on_delete=OnDelete.restrict)
    created_at = Timestamptz()


class Intake(Classified, Table, tablename="intake"):
    """The activation team's intake conversation; its answers are ``IntakeAnswer`` rows, each with
    its own class. It proposes a ladder step that the file holder confirms."""

    id: Serial
    client = ForeignKey(references=Client, null=False, index=True, on_delete=OnDelete.restrict)
    held_on = Date()
    held_by = ForeignKey(references=Person, null=False, on_delete=OnDelete.restrict)
    proposed_step = Integer(null=True, default=None)
    confirmed_at = Timestamptz(null=True, default=None)
    confirmed_by = ForeignKey(
        references=Person, null=True, default=None, on_delete=OnDelete.restrict
    )
    created_at = Timestamptz()


class IntakeAnswer(Classified, Table, tablename="intake_answer"):
    id: Serial
    intake = ForeignKey(references=Intake, null=False, index=True, on_delete=OnDelete.restrict)
    client = ForeignKey(references=Client, null=False, index=True, on_delete=OnDelete.restrict)
    topic = Varchar(length=32)
    """A code of ``trajectory.workflow.INTAKE_TOPICS``."""
    text = Text(default="")
    sensitivity = Varchar(length=16)


class Placement(Classified, Table, tablename="placement"):
    """An art. 60 placement: optionally a pre-trajectory, the work itself, the follow-up after it
    (nabegeleiding) and where the client went next."""

    id: Serial
    client = ForeignKey(references=Client, null=False, index=True, on_delete=OnDelete.restrict)
    pre_kind = Varchar(length=16, default="")
    """``internship``, ``volunteering`` or empty: no pre-trajectory."""
    pre_days_per_week = Integer(null=True, default=None)
    pre_start = Date(null=True, default=None)
    pre_end = Date(null=True, default=None)
    work_site = Varchar(length=200)
    start = Date()
    end = Date(null=True, default=None)
    hours_per_week = Integer(null=True, default=None)
    follow_up = Text(default="")
    outflow = Varchar(length=16, default="")
    """``regular_job``, ``training``, ``none``, or empty while the placement runs."""
    recorded_by = ForeignKey(references=Person, null=False, on_delete=OnDelete.restrict)
    recorded_at = Timestamptz()
    changed_at = Timestamptz()

from piccolo.columns import Date, ForeignKey, Serial, Text, Time, Timestamptz, Varchar
from piccolo.columns.base import OnDelete
from piccolo.table import Table

from portal.accounts.tables import Organisation, Person
from portal.clients.tables import Client
from portal.visibility.scoping import Classified


class Course(Classified, Table, tablename="course"):
    """A group course run for one OCMW's clients, organised by one person (who created it).

    Not client data, but not everyone's either: who sees it is declared in
    ``courses/visibility.py``."""

    id: Serial
    ocmw = ForeignKey(references=Organisation, null=False, index=True, on_delete=OnDelete.restrict)
    organiser = ForeignKey(references=Person, null=False, on_delete=OnDelete.restrict)
    organiser_org = ForeignKey(
        references=Organisation, null=False, index=True, on_delete=OnDelete.restrict
    )
    title = Varchar(length=200)
    place = Varchar(length=200, default="")
    description = Text(default="")
    created_at = Timestamptz()


class CourseSession(Table, tablename="course_session"):
    """One dated meeting of a course; ``date`` and ``starts_at`` are Belgian wall-clock time.

    The schedule holds no client data: it is read only for a course already read through its
    scope, or through a client's enrolment (``courses/services.py``)."""

    id: Serial
    course = ForeignKey(references=Course, null=False, index=True, on_delete=OnDelete.restrict)
    date = Date()
    starts_at = Time()
    topic = Varchar(length=200, default="")


class Enrolment(Classified, Table, tablename="course_enrolment"):
    """A client on a course's roster, enrolled by their file holder."""

    id: Serial
    course = ForeignKey(references=Course, null=False, index=True, on_delete=OnDelete.restrict)
    client = ForeignKey(references=Client, null=False, index=True, on_delete=OnDelete.restrict)
    enrolled_by = ForeignKey(references=Person, null=False, on_delete=OnDelete.restrict)
    enrolled_at = Timestamptz()


class Attendance(Classified, Table, tablename="course_attendance"):
    """Whether a client came to one session. Every entry or correction is a row; the latest row
    per session and client counts."""

    id: Serial
    session = ForeignKey(
        references=CourseSession, null=False, index=True, on_delete=OnDelete.restrict
    )
    client = ForeignKey(references=Client, null=False, index=True, on_delete=OnDelete.restrict)
    presence = Varchar(length=16)
    """A code of ``courses.workflow.PRESENCES``."""
    recorded_by = ForeignKey(references=Person, null=False, on_delete=OnDelete.restrict)
    recorded_at = Timestamptz()

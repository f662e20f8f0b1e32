from piccolo.columns import Boolean, Date, ForeignKey, Integer, Serial, Text, Timestamptz, Varchar
from piccolo.columns.base import OnDelete
from piccolo.table import Table

from portal.accounts.tables import Organisation, Person
from portal.visibility.scoping import Classified


class Client(Classified, Table, tablename="client"):
    """A client file, held by one OCMW. Its fields' classes are in ``clients/visibility.py``."""

    id: Serial
    ocmw = ForeignKey(references=Organisation, null=False, index=True, on_delete=OnDelete.restrict)
    file_holder = ForeignKey(
        references=Person, null=True, default=None, index=True, on_delete=OnDelete.restrict
    )
    """The one social worker of the OCMW who holds the file (dossierhouder)."""
    first_name = Varchar(length=100)
    last_name = Varchar(length=100, index=True)
    language = Varchar(length=50, default="")
    municipality = Varchar(length=100, default="")
    phone = Varchar(length=40, default="")
    national_number = Varchar(length=20, default="")
    birth_date = Date(null=True, default=None)
    address = Varchar(length=300, default="")
    ladder_step = Integer(null=True, default=None)
    status = Varchar(length=32, default="intake")
    """A code of ``clients.workflow.STATUSES``."""
    living_wage_start = Date(null=True, default=None)
    agreement_note_on = Date(null=True, default=None)
    """When the agreement note (afsprakennota) was made; due three months after the start."""
    social_report = Text(default="")
    finances = Text(default="")
    health_notes = Text(default="")
    created_at = Timestamptz()
    search_name = Varchar(length=250, default="", index=True)
    """First and last name folded (lower case, no accents) for searching: "aissatou" finds
    "Aïssatou"."""
    last_activity_at = Timestamptz(null=True, default=None)
    """When the last timeline entry about the client was written."""
    closed_at = Timestamptz(null=True, default=None, index=True)
    """When the file was closed; a closed file is read-only until it is reopened."""
    closed_reason = Varchar(length=32, default="")
    """A code of ``clients.workflow.CLOSE_REASONS`` while the file is closed."""
    anonymised_at = Timestamptz(null=True, default=None)
    """When retention cleared the file's personal fields and free text (``portal retention``)."""


class CareTeamMember(Classified, Table, tablename="care_team_member"):
    id: Serial
    client = ForeignKey(references=Client, null=False, index=True, on_delete=OnDelete.restrict)
    person = ForeignKey(references=Person, null=False, index=True, on_delete=OnDelete.restrict)
    added_at = Timestamptz()


class Consent(Classified, Table, tablename="consent"):
    """Whether the client agreed to share their file with one receiving organisation."""

    id: Serial
    client = ForeignKey(references=Client, null=False, index=True, on_delete=OnDelete.restrict)
    organisation = ForeignKey(
        references=Organisation, null=False, index=True, on_delete=OnDelete.restrict
    )
    given = Boolean(default=False)
    decided_on = Date()
    recorded_by = ForeignKey(
        references=Person, null=True, default=None, on_delete=OnDelete.restrict
    )

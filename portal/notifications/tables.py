from piccolo.columns import ForeignKey, Integer, Serial, Timestamptz, Varchar
from piccolo.columns.base import OnDelete
from piccolo.table import Table

from portal.accounts.tables import Organisation, Person


class InboxItem(Table, tablename="inbox_item"):
    """Something that concerns one person: a reference to a record (``record``, ``record_id``),
    never its text. Shown only through the record's own scope, for its reader as they are now
    (``notifications/kinds.py``)."""

    id: Serial
    person = ForeignKey(references=Person, null=False, on_delete=OnDelete.restrict)
    kind = Varchar(length=64)
    """A code declared by a domain (``question.answered``)."""
    record = Varchar(length=32)
    """The kind of record it points at (``question``, ``signal``, ``client``, ...)."""
    record_id = Integer()
    detail = Integer(null=True, default=None)
    """A part of the record, where the kind has one (the change of a signal or question)."""
    organisation = ForeignKey(
        references=Organisation, null=True, default=None, on_delete=OnDelete.restrict
    )
    """The organisation the item is about, where it is not the record (a consent withdrawn)."""
    created_at = Timestamptz()
    read_at = Timestamptz(null=True, default=None)


class DigestChoice(Table, tablename="digest_choice"):
    """Whether a person wants the daily e-mail that says how many items wait in their inbox (no
    row: off), and when the last one was sent."""

    id: Serial
    person = ForeignKey(references=Person, null=False, unique=True, on_delete=OnDelete.restrict)
    frequency = Varchar(length=16, default="off")
    """``daily`` or ``off``."""
    last_sent_at = Timestamptz(null=True, default=None)

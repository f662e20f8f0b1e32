from piccolo.columns import JSON, BigInt, ForeignKey, Integer, Serial, Timestamptz, Varchar
from piccolo.columns.base import OnDelete
from piccolo.table import Table

from portal.clients.tables import Client


class RetentionDeletion(Table, tablename="retention_deletion"):
    """The deletion log: one row per file that ``portal retention run`` anonymised, saying when,
    under which period, and how much of each kind it removed. Counts only, never what was removed:
    the row holds nothing of the client, so it is not classified.

    The file is referred to as ``file``, not ``client``: a ``client`` column marks a table that
    holds client data (``tests/contract/test_house.py``), and this one holds none."""

    id: Serial
    file = ForeignKey(references=Client, null=False, index=True, on_delete=OnDelete.restrict)
    """The anonymised client file (its row stays, with its structural fields)."""
    at = Timestamptz()
    closed_at = Timestamptz()
    """When the file had been closed."""
    cutoff = Timestamptz()
    """Files closed before this moment were past the period on this run."""
    years = Integer()
    """The period applied: ``PORTAL_RETENTION_CLOSED_YEARS`` at the time."""
    removed = JSON(default={})
    """What was removed, as counts: ``{"fields": 9, "event_texts": 4, "payload_values": 3,
    "texts": {"question.text": 1, ...}, "documents": 2, "bytes": 20480}``."""


class RetentionObject(Table, tablename="retention_object"):
    """A stored object of an anonymised file's document that is still to be deleted from the
    document store. Written in the same transaction as the anonymisation; removed once the store
    has deleted the object after the commit. What a failed delete leaves here, the next run
    deletes again."""

    id: Serial
    deletion = ForeignKey(
        references=RetentionDeletion, null=False, index=True, on_delete=OnDelete.restrict
    )
    document = Integer()
    """The id of the document version whose bytes these are."""
    object_key = Varchar(length=100, unique=True)
    """The generated key in the store (never derived from a name)."""
    size = BigInt(default=0)
    attempts = Integer(default=0)
    """Deletes tried and failed."""
    last_error = Varchar(length=300, default="")
    """The store's last refusal, for the operator (an error class and message, no content)."""

from piccolo.columns import Boolean, ForeignKey, Integer, Serial, Text, Timestamptz, Varchar
from piccolo.columns.base import OnDelete
from piccolo.table import Table

from portal.accounts.tables import Person
from portal.visibility.scoping import Classified


class AccessLogEntry(Classified, Table, tablename="access_log"):
    """Who accessed what of which client file, when and from where; never the content.

    Append-only and chained (``portal/audit/chain.py``): each entry is the ``seq``-th of its
    ``chain`` and carries a hash over its content and the previous entry's hash.
    """

    id: Serial
    at = Timestamptz()
    person = ForeignKey(references=Person, null=True, default=None, on_delete=OnDelete.restrict)
    client_id = Integer(null=True, default=None, index=True)
    action = Varchar(length=64)
    revealed = Varchar(length=200, default="")
    subject = Varchar(length=64, default="")
    """What the access was about besides the client: ``document:<id>``."""
    reason = Text(default="")
    """The reason a colleague stated to see more of the file (break the glass)."""
    organisation = Integer(null=True, default=None)
    """The person's organisation at the time."""
    roles = Varchar(length=200, default="")
    """The person's roles at the time, comma-separated."""
    request_id = Varchar(length=64, default="")
    cross_site = Boolean(default=False)
    """Reached through a navigation from another site (``Sec-Fetch-Site: cross-site``)."""
    chain = Varchar(length=40, default="")
    seq = Integer(default=0)
    prev_hash = Varchar(length=64, default="")
    hash = Varchar(length=64, default="")


class AuditChain(Table, tablename="audit_chain"):
    """The head of one chain of the access log: its last entry's position and hash. Writers lock
    this row, so entries of one chain are appended one at a time and other chains never wait."""

    id: Serial
    key = Varchar(length=40, unique=True)
    seq = Integer(default=0)
    head = Varchar(length=64, default="")
    prev_head = Varchar(length=64, default="")
    """The hash ``head`` replaced when it last moved (the one-statement append returns it)."""
    pruned_seq = Integer(default=0)
    """Entries up to this position were pruned (``portal audit prune``)."""
    pruned_hash = Varchar(length=64, default="")
    """The hash of the last pruned entry: the next one's ``prev_hash``."""


class AuditCheckpoint(Table, tablename="audit_checkpoint"):
    """What one run of ``portal audit prune`` removed from one chain: its entries up to
    ``through_seq``, the last of which had ``through_hash``. Signed (HMAC-SHA256 with the audit
    key), so a chain cannot be shortened at its start without a checkpoint the key signed."""

    id: Serial
    chain = Varchar(length=40, index=True)
    through_seq = Integer()
    through_hash = Varchar(length=64)
    removed = Integer()
    """How many entries this run removed."""
    before = Timestamptz()
    """The entries removed were older than this."""
    at = Timestamptz()
    signature = Varchar(length=64)

from piccolo.columns import JSON, ForeignKey, Integer, Serial, Text, Timestamptz, Varchar
from piccolo.columns.base import OnDelete
from piccolo.table import Table

from portal.accounts.tables import Organisation, Person
from portal.clients.tables import Client
from portal.visibility.scoping import Classified


class Transfer(Classified, Table, tablename="transfer"):
    """A file's move from one OCMW to another: proposed by its file holder with a handover note,
    accepted (the receiving social worker becomes the file holder) or refused with a reason by the
    receiving OCMW. Who reads it is declared in ``transfers/visibility.py``."""

    id: Serial
    client = ForeignKey(references=Client, null=False, index=True, on_delete=OnDelete.restrict)
    from_ocmw = ForeignKey(
        references=Organisation, null=False, index=True, on_delete=OnDelete.restrict
    )
    to_ocmw = ForeignKey(
        references=Organisation, null=False, index=True, on_delete=OnDelete.restrict
    )
    proposed_by = ForeignKey(references=Person, null=False, on_delete=OnDelete.restrict)
    proposed_at = Timestamptz()
    note = Text(default="")
    """The handover note, written for the receiving OCMW."""
    state = Varchar(length=16, default="pending", index=True)
    """A code of ``transfers.workflow.STATES``."""
    decided_by = ForeignKey(references=Person, null=True, default=None, on_delete=OnDelete.restrict)
    decided_at = Timestamptz(null=True, default=None)
    reason = Text(default="")
    """Why the receiving OCMW refused, or why the file holder withdrew the proposal."""
    summary = JSON(default={})
    """What the transfer shows of the client, copied when it is proposed (the name and the basic
    fields: neither side reads the client through it later), and once the file moved the closing
    summary the former OCMW keeps (no identity, social or health data)."""


class HandedOver(Table, tablename="transfer_handover"):
    """An entry or document the former file holder hands over with the file: it moves although
    its audience is the former OCMW's own (it is then for the new file holder only). Ids only."""

    id: Serial
    transfer = ForeignKey(references=Transfer, null=False, index=True, on_delete=OnDelete.restrict)
    kind = Varchar(length=16)
    """``event`` or ``document``."""
    record = Integer()
    audience = Varchar(length=32, default="")
    """The audience the record had before it was handed over."""

from piccolo.columns import Date, ForeignKey, Serial, Text, Timestamptz, Varchar
from piccolo.columns.base import OnDelete
from piccolo.table import Table

from portal.accounts.tables import Organisation, Person
from portal.clients.tables import Client
from portal.visibility.scoping import Classified


class ReviewRound(Table, tablename="review_round"):
    """One quarter's activation review of an OCMW's living-wage clients. It names no client: the
    list is its items."""

    id: Serial
    ocmw = ForeignKey(references=Organisation, null=False, index=True, on_delete=OnDelete.restrict)
    period = Varchar(length=7)
    """``2026-Q4``: a code of ``review.workflow.Quarter``."""
    slot = Varchar(length=40, unique=True)
    """``<ocmw>/<period>``: one round per quarter per OCMW, even when two people open it at once."""
    opened_at = Timestamptz()
    opened_by = ForeignKey(references=Person, null=False, on_delete=OnDelete.restrict)
    due_on = Date()
    source = Varchar(length=16, default="opened")
    """``opened`` (from the files) or ``imported`` (from the OCMW's spreadsheet)."""


class ReviewItem(Classified, Table, tablename="review_item"):
    """One client on a round's list, and the team's decision about them. Its classes are in
    ``review/visibility.py``: the reason is of the class the item names (``health`` for a health
    or addiction reason)."""

    id: Serial
    round = ForeignKey(references=ReviewRound, null=False, index=True, on_delete=OnDelete.restrict)
    client = ForeignKey(references=Client, null=False, index=True, on_delete=OnDelete.restrict)
    slot = Varchar(length=40, unique=True)
    """``<round>/<client>``: a client is on a round's list once."""
    decision = Varchar(length=16, default="")
    """``''`` (not marked yet), or a code of ``review.workflow.DECISIONS``."""
    reason_kind = Varchar(length=16, default="")
    reason = Text(default="")
    sensitivity = Varchar(length=16, default="trajectory")
    decided_by = ForeignKey(references=Person, null=True, default=None, on_delete=OnDelete.restrict)
    decided_at = Timestamptz(null=True, default=None)

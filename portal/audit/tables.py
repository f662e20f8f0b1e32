from piccolo.columns import ForeignKey, Integer, Serial, Text, Timestamptz, Varchar
from piccolo.columns.base import OnDelete
from piccolo.table import Table

from portal.accounts.tables import Person
from portal.visibility.scoping import Classified


class AccessLogEntry(Classified, Table, tablename="access_log"):
    """Who opened which client file and which sensitive classes were revealed to them."""

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

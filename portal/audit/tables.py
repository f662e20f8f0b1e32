from piccolo.columns import ForeignKey, Integer, Serial, Timestamptz, Varchar
from piccolo.table import Table

from portal.accounts.tables import Person
from portal.visibility.scoping import Classified


class AccessLogEntry(Classified, Table, tablename="access_log"):
    """Who opened which client file and which sensitive classes were revealed to them."""

    id: Serial
    at = Timestamptz()
    person = ForeignKey(references=Person, null=True, default=None)
    client_id = Integer(null=True, default=None, index=True)
    action = Varchar(length=64)
    revealed = Varchar(length=200, default="")

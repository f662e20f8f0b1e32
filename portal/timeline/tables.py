from piccolo.columns import JSON, Boolean, ForeignKey, Serial, Text, Timestamptz, Varchar
from piccolo.columns.base import OnDelete
from piccolo.table import Table

from portal.accounts.tables import Organisation, Person
from portal.clients.tables import Client
from portal.visibility.scoping import Classified


class TimelineEvent(Classified, Table, tablename="timeline_event"):
    """One dated entry on a client's joint timeline.

    ``kind`` is a namespaced code (``ladder.changed``) and ``payload`` its structured data; the
    readable line is made when it is shown, in the reader's language (``timeline/kinds.py``).
    ``text`` is what a person typed (a note), kept as typed. Written only by ``timeline.append``.
    """

    id: Serial
    client = ForeignKey(references=Client, null=False, on_delete=OnDelete.restrict)
    kind = Varchar(length=64)
    occurred_at = Timestamptz()
    author = ForeignKey(references=Person, null=True, default=None, on_delete=OnDelete.restrict)
    author_org = ForeignKey(references=Organisation, null=False, on_delete=OnDelete.restrict)
    audience = Varchar(length=32)
    sensitivity = Varchar(length=16)
    text = Text(default="")
    payload = JSON(default={})
    left_behind = Boolean(default=False)
    """An entry a former OCMW wrote for its own people (``own_org``, ``file_holder_only``) that
    stayed with it when the file moved to another OCMW: read by no one through the file."""

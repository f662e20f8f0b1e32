from piccolo.columns import BigInt, Boolean, ForeignKey, Integer, Serial, Text, Timestamptz, Varchar
from piccolo.columns.base import OnDelete
from piccolo.table import Table

from portal.accounts.tables import Organisation, Person
from portal.clients.tables import Client
from portal.visibility.scoping import Classified


class Document(Classified, Table, tablename="document"):
    """One version of a document; the versions of one document share ``series`` (the id of the
    first) and only the newest is ``current``.

    A document belongs to a client (``client``) or is attached to another record (``host_kind``
    and ``host_id``, e.g. a course); who reads it is declared in ``documents/visibility.py``. The
    bytes live in the document store under ``object_key``, a generated key; the row is written
    only once they are stored."""

    id: Serial
    series = Integer(null=True, default=None, index=True)
    version = Integer(default=1)
    current = Boolean(default=True, index=True)
    client = ForeignKey(
        references=Client, null=True, default=None, index=True, on_delete=OnDelete.restrict
    )
    host_kind = Varchar(length=32, default="")
    host_id = Integer(null=True, default=None, index=True)
    category = Varchar(length=32)
    """A code of ``documents.workflow.CATEGORIES``: it sets ``sensitivity``."""
    sensitivity = Varchar(length=16)
    audience = Varchar(length=32)
    author = ForeignKey(references=Person, null=False, on_delete=OnDelete.restrict)
    author_org = ForeignKey(references=Organisation, null=False, on_delete=OnDelete.restrict)
    name = Varchar(length=255)
    """The file name the uploader gave, cleaned; never used as a key or a path."""
    content_type = Varchar(length=100)
    """The type sniffed from the content."""
    size = BigInt()
    sha256 = Varchar(length=64)
    object_key = Varchar(length=100, unique=True)
    uploaded_at = Timestamptz()
    deleted_at = Timestamptz(null=True, default=None)
    deleted_by = ForeignKey(references=Person, null=True, default=None, on_delete=OnDelete.restrict)
    delete_reason = Text(default="")
    left_behind = Boolean(default=False)
    """Like a timeline entry's: a former OCMW's own document that stayed with it on a transfer."""

from piccolo.columns import Boolean, Date, ForeignKey, Integer, Serial, Text, Timestamptz, Varchar
from piccolo.columns.base import OnDelete
from piccolo.table import Table

from portal.accounts.tables import Organisation, Person
from portal.clients.tables import Client
from portal.visibility.scoping import Classified


class SignalRoute(Table, tablename="signal_route"):
    """Where the signals about a municipality go: the OCMW that handles them (kept as data)."""

    id: Serial
    municipality = Varchar(length=100, unique=True)
    """The municipality's name folded (``core.text.fold``): "Zottegem" → ``zottegem``."""
    name = Varchar(length=100)
    """The name as written."""
    ocmw = ForeignKey(references=Organisation, null=False, on_delete=OnDelete.restrict)


class SignalTheme(Table, tablename="signal_theme"):
    """A theme a signal is filed under, with its deadline (kept as data, edited by a platform
    administrator). The ten standard themes are written by the migration; their names are
    translated (``workflow.THEMES``). A theme added later carries its ``name`` as written."""

    id: Serial
    code = Varchar(length=32, unique=True)
    name = Varchar(length=100, default="")
    deadline = Integer(default=10)
    """Working days to a first response."""
    position = Integer(default=0)
    active = Boolean(default=True)
    """Offered on the capture form; signals already filed under it keep it."""


class Signal(Classified, Table, tablename="signal"):
    """Something a person noticed in the field that blocks people: about one client, or
    *structural* (no client, and no personal data). Who reads it is declared in
    ``signals/visibility.py``; its follow-up is ``signals/workflow.py``."""

    id: Serial
    reporter = ForeignKey(references=Person, null=False, on_delete=OnDelete.restrict)
    reporter_org = ForeignKey(
        references=Organisation, null=False, index=True, on_delete=OnDelete.restrict
    )
    ocmw = ForeignKey(references=Organisation, null=False, index=True, on_delete=OnDelete.restrict)
    """The OCMW the signal is routed to, whose people follow it up."""
    client = ForeignKey(
        references=Client, null=True, default=None, index=True, on_delete=OnDelete.restrict
    )
    theme = Varchar(length=32)
    title = Varchar(length=150)
    description = Text()
    municipality = Varchar(length=100)
    urgency = Varchar(length=16, default="normal")
    sensitivity = Varchar(length=16)
    """``basic`` for a structural signal, ``trajectory`` for one about a client."""
    state = Varchar(length=16, default="new", index=True)
    handler = ForeignKey(
        references=Person, null=True, default=None, index=True, on_delete=OnDelete.restrict
    )
    created_at = Timestamptz()
    due_on = Date()
    """The last working day for a first response."""
    first_response_at = Timestamptz(null=True, default=None)
    followed_up_at = Timestamptz(null=True, default=None)
    closed_at = Timestamptz(null=True, default=None)
    outcome = Text(default="")


class SignalChange(Table, tablename="signal_change"):
    """One change of a signal: a move of its state, an assignment or a comment. Never changed.

    Read only for a signal already read through its scope (``signals/services.py``), as the
    signal's own history: whoever reads the signal reads its changes."""

    id: Serial
    signal = ForeignKey(references=Signal, null=False, index=True, on_delete=OnDelete.restrict)
    kind = Varchar(length=16)
    """``state``, ``assign`` or ``comment``."""
    from_state = Varchar(length=16, default="")
    to_state = Varchar(length=16, default="")
    handler = ForeignKey(references=Person, null=True, default=None, on_delete=OnDelete.restrict)
    text = Text(default="")
    person = ForeignKey(references=Person, null=False, on_delete=OnDelete.restrict)
    at = Timestamptz()

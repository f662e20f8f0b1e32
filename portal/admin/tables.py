from piccolo.columns import JSON, Array, ForeignKey, Integer, Serial, Timestamptz, Varchar
from piccolo.columns.base import OnDelete
from piccolo.table import Table

from portal.accounts.tables import Organisation, Person


class AdminAction(Table, tablename="admin_action"):
    """One administrator's action (the "Beheerlog"): who did what to which organisation,
    partnership or person. It names organisations and people only, never client content."""

    id: Serial
    at = Timestamptz()
    actor = ForeignKey(references=Person, null=True, default=None, on_delete=OnDelete.restrict)
    """Who did it; none for the command line (``portal add-organisation``, ``portal demo``)."""
    actor_org = ForeignKey(
        references=Organisation, null=True, default=None, on_delete=OnDelete.restrict
    )
    """The actor's organisation at the time."""
    action = Varchar(length=64)
    """A code from ``portal.admin.actions`` (``organisation.updated``, ``person.deactivated``…)."""
    target_kind = Varchar(length=32)
    """``organisation``, ``partnership`` or ``person``."""
    target_id = Integer()
    summary = Varchar(length=300, default="")
    """The target as it was called at the time (a name, a code, a username)."""
    changes = JSON(default={})
    """What changed, per field: ``{"code": ["old", "new"]}``; or a count (``files_to_reassign``)."""
    organisations = Array(base_column=Integer())
    """The organisations the action concerns: their administrators see it in their log."""

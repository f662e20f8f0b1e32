"""The timeline's own kind: a note someone wrote."""

from portal.core.i18n import N_
from portal.timeline.kinds import EventKind
from portal.visibility.policy import Sensitivity

NOTE = "note.added"

KINDS = (EventKind(NOTE, N_("Note"), Sensitivity.trajectory, "%(subject)s", free_text=True),)

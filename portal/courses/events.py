"""What a group course writes on a client's timeline."""

from portal.core.i18n import N_
from portal.courses.workflow import PRESENCE_NAMES
from portal.timeline.kinds import EventKind
from portal.visibility.policy import Sensitivity

ENROLLED = "course.enrolled"
ATTENDED = "course.attendance"
ATTENDANCE_CORRECTED = "course.attendance_corrected"

_T = Sensitivity.trajectory

KINDS = (
    EventKind(ENROLLED, N_("Group course"), _T, N_("Enrolled in the group course %(course)s")),
    EventKind(
        ATTENDED,
        N_("Group course"),
        _T,
        N_("%(course)s, session of %(day)s: %(presence)s"),
        terms={"presence": PRESENCE_NAMES},
    ),
    EventKind(
        ATTENDANCE_CORRECTED,
        N_("Group course"),
        _T,
        N_("%(course)s, session of %(day)s: corrected to %(presence)s"),
        terms={"presence": PRESENCE_NAMES},
    ),
)

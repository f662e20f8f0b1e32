"""What happens to a client file itself, as timeline codes."""

from portal.clients.workflow import CLOSE_REASONS, STATUSES
from portal.core.i18n import N_
from portal.timeline.kinds import EventKind
from portal.visibility.policy import Sensitivity

REGISTERED = "client.registered"
TEAM_JOINED = "care_team.joined"
TEAM_LEFT = "care_team.left"
CONSENT_GIVEN = "consent.given"
CONSENT_WITHDRAWN = "consent.withdrawn"
CONSENT_REFUSED = "consent.refused"
LADDER_CHANGED = "ladder.changed"
STATUS_CHANGED = "status.changed"
AGREEMENT_RECORDED = "agreement_note.recorded"
HOLDER_ASSIGNED = "file_holder.assigned"
REASON_STATED = "file.reason_stated"
"""A colleague stated why they need the whole file; for the file holder's eyes only."""
FILE_CLOSED = "file.closed"
FILE_REOPENED = "file.reopened"

_B, _T = Sensitivity.basic, Sensitivity.trajectory
_STATUS_NAMES = {status.code: status.label for status in STATUSES}
_CLOSE_REASONS = {reason.code: reason.label for reason in CLOSE_REASONS}

KINDS = (
    EventKind(REGISTERED, N_("Registration"), _B, N_("Registered with the activation team")),
    EventKind(
        TEAM_JOINED, N_("Care team"), _B, N_("%(name)s (%(organisation)s) joined the care team")
    ),
    EventKind(TEAM_LEFT, N_("Care team"), _B, N_("%(name)s (%(organisation)s) left the care team")),
    EventKind(
        CONSENT_GIVEN, N_("Consent"), _T, N_("Consent to share the file with %(organisation)s")
    ),
    EventKind(
        CONSENT_WITHDRAWN,
        N_("Consent"),
        _T,
        N_("Consent to share the file with %(organisation)s withdrawn"),
    ),
    EventKind(
        CONSENT_REFUSED,
        N_("Consent"),
        _T,
        N_("No consent to share the file with %(organisation)s"),
    ),
    EventKind(HOLDER_ASSIGNED, N_("File holder"), _B, N_("%(name)s is now the file holder")),
    EventKind(
        REASON_STATED,
        N_("Reason to see the file"),
        _B,
        N_("%(name)s stated a reason to see the whole file"),
    ),
    EventKind(
        LADDER_CHANGED,
        N_("Ladder step changed"),
        _T,
        N_("Participation ladder: step %(step_from)s → %(step_to)s"),
    ),
    EventKind(
        STATUS_CHANGED,
        N_("Status"),
        _T,
        N_("Status: %(status_from)s → %(status_to)s"),
        terms={"status_from": _STATUS_NAMES, "status_to": _STATUS_NAMES},
    ),
    EventKind(
        AGREEMENT_RECORDED,
        N_("Agreement note"),
        _T,
        N_("Living wage since %(start)s; agreement note due %(due)s; made: %(made)s"),
    ),
    EventKind(
        FILE_CLOSED,
        N_("File closed"),
        _T,
        N_("File closed: %(reason)s"),
        terms={"reason": _CLOSE_REASONS},
    ),
    EventKind(FILE_REOPENED, N_("File reopened"), _T, N_("File reopened"), on_closed_file=True),
)

"""A transfer's steps on the client's timeline."""

from portal.core.i18n import N_
from portal.timeline.kinds import EventKind
from portal.visibility.policy import Sensitivity

PROPOSED = "transfer.proposed"
WITHDRAWN = "transfer.withdrawn"
REFUSED = "transfer.refused"
ACCEPTED = "transfer.accepted"

_B = Sensitivity.basic

KINDS = (
    EventKind(PROPOSED, N_("Transfer"), _B, N_("Transfer of the file to %(to)s proposed")),
    EventKind(WITHDRAWN, N_("Transfer"), _B, N_("Transfer of the file to %(to)s withdrawn")),
    EventKind(REFUSED, N_("Transfer"), _B, N_("%(to)s refused to take over the file")),
    EventKind(ACCEPTED, N_("Transfer"), _B, N_("The file moved from %(from)s to %(to)s")),
)

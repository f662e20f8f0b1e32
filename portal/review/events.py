"""What the review writes on a client's timeline. A decision is for the OCMW's own people
(audience ``own_org``); a "not yet" for a health or addiction reason is its own kind, classed
``health``, so its reason reaches only who is shown health for the client."""

from portal.core.i18n import N_
from portal.review.workflow import REASON_KINDS
from portal.timeline.kinds import EventKind
from portal.visibility.policy import Sensitivity

READY = "review.ready"
NOT_YET = "review.not_yet"
NOT_YET_HEALTH = "review.not_yet_health"

_REASONS = {kind.code: kind.label for kind in REASON_KINDS}

KINDS = (
    EventKind(
        READY,
        N_("Activation review"),
        Sensitivity.trajectory,
        N_("Activation review %(period)s: ready for activation"),
    ),
    EventKind(
        NOT_YET,
        N_("Activation review"),
        Sensitivity.trajectory,
        N_("Activation review %(period)s: not yet (%(reason_kind)s)"),
        terms={"reason_kind": _REASONS},
    ),
    EventKind(
        NOT_YET_HEALTH,
        N_("Activation review"),
        Sensitivity.health,
        N_("Activation review %(period)s: not yet (health or addiction)"),
    ),
)

"""What a signal about a client writes on the client's timeline."""

from portal.core.i18n import N_
from portal.signals.workflow import STATES, THEMES
from portal.timeline.kinds import EventKind
from portal.visibility.policy import Sensitivity

REPORTED = "signal.reported"
MOVED = "signal.moved"

_TERMS = {
    "theme": {theme.code: theme.label for theme in THEMES},
    "state": {state.code: state.label for state in STATES},
}

KINDS = (
    EventKind(
        REPORTED,
        N_("Signal"),
        Sensitivity.trajectory,
        N_("Signal (%(theme)s): %(title)s"),
        terms=_TERMS,
    ),
    EventKind(
        MOVED,
        N_("Signal"),
        Sensitivity.trajectory,
        N_("Signal %(title)s: %(state)s"),
        terms=_TERMS,
    ),
)

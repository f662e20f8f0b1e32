"""What happens on a client's trajectory, as timeline codes (all ``trajectory`` except an intake's
health answers, which never go on the timeline)."""

from portal.core.i18n import N_
from portal.timeline.kinds import EventKind
from portal.trajectory.workflow import OUTFLOWS, STATES
from portal.visibility.policy import Sensitivity

TRAINING_REQUESTED = "training.requested"
TRAINING_MOVED = "training.moved"
TRAINING_SCHEDULED = "training.scheduled"
INVITED = "invitation.sent"
INTAKE_RECORDED = "intake.recorded"
INTAKE_CONFIRMED = "intake.confirmed"
PLACEMENT_RECORDED = "placement.recorded"
PLACEMENT_CHANGED = "placement.changed"
PLACEMENT_ENDED = "placement.ended"

_T = Sensitivity.trajectory

KINDS = (
    EventKind(
        TRAINING_REQUESTED,
        N_("Training request"),
        _T,
        N_("Training requested: %(course)s at %(provider)s"),
    ),
    EventKind(
        TRAINING_MOVED,
        N_("Training request"),
        _T,
        N_("Training %(course)s: %(state)s"),
        terms={"state": {state.code: state.label for state in STATES}},
    ),
    EventKind(
        TRAINING_SCHEDULED,
        N_("Training request"),
        _T,
        N_("Training %(course)s scheduled: it starts on %(start)s"),
    ),
    EventKind(
        INVITED, N_("Invitation"), _T, N_("Invited to an interview on %(when)s at %(place)s")
    ),
    EventKind(
        INTAKE_RECORDED, N_("Intake"), _T, N_("Intake held on %(day)s; proposed step %(step)s")
    ),
    EventKind(
        INTAKE_CONFIRMED,
        N_("Intake"),
        _T,
        N_("The step the intake of %(day)s proposed was confirmed: step %(step)s"),
    ),
    EventKind(
        PLACEMENT_RECORDED,
        N_("Art. 60 placement"),
        _T,
        N_("Art. 60 placement at %(site)s from %(start)s"),
    ),
    EventKind(
        PLACEMENT_CHANGED,
        N_("Art. 60 placement"),
        _T,
        N_("Art. 60 placement at %(site)s updated"),
    ),
    EventKind(
        PLACEMENT_ENDED,
        N_("Art. 60 placement"),
        _T,
        N_("Art. 60 placement at %(site)s ended; outflow: %(outflow)s"),
        terms={"outflow": OUTFLOWS},
    ),
)

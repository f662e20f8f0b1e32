"""What a referral question writes on its client's timeline: each change, as a line without the
exchange's text (the care team sees that VDAB was asked and what it answered; the thread stays
with the asking OCMW and the team)."""

from portal.core.i18n import N_
from portal.questions.workflow import ANSWERS, STATES, TYPES
from portal.timeline.kinds import EventKind
from portal.visibility.policy import Sensitivity

ASKED = "question.asked"
CLAIMED = "question.claimed"
ANSWERED = "question.answered"
MESSAGE = "question.message"
CLOSED = "question.closed"
REOPENED = "question.reopened"

_TERMS = {
    "type": {kind.code: kind.label for kind in TYPES},
    "answer": {answer.code: answer.label for answer in ANSWERS},
    "state": {state.code: state.label for state in STATES},
}
_LABEL = N_("Referral question")
_T = Sensitivity.trajectory

KINDS = (
    EventKind(ASKED, _LABEL, _T, N_("Referral question to %(team)s: %(type)s"), terms=_TERMS),
    EventKind(
        CLAIMED, _LABEL, _T, N_("%(team)s took up the referral question (%(type)s)"), terms=_TERMS
    ),
    EventKind(
        ANSWERED,
        _LABEL,
        _T,
        N_("%(team)s answered the referral question (%(type)s): %(answer)s"),
        terms=_TERMS,
    ),
    EventKind(MESSAGE, _LABEL, _T, N_("Message on the referral question (%(type)s)"), terms=_TERMS),
    EventKind(CLOSED, _LABEL, _T, N_("Referral question closed (%(type)s)"), terms=_TERMS),
    EventKind(REOPENED, _LABEL, _T, N_("Referral question reopened (%(type)s)"), terms=_TERMS),
)

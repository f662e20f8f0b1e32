"""An evaluation's states and what moves it, and the colleague survey's defaults, as data."""

from __future__ import annotations

from dataclasses import dataclass

from portal.core.i18n import N_
from portal.visibility.policy import Role


@dataclass(frozen=True)
class State:
    code: str
    label: str
    tone: str
    editable: bool = True
    """Conclusions, action points and (before the survey is sent) its questions can change."""


STATES = (
    State("draft", N_("Draft"), "wait"),
    State("survey_open", N_("Survey open"), "active"),
    State("in_review", N_("In review"), "active"),
    State("finalised", N_("Finalised"), "done", editable=False),
)
STATE_BY_CODE = {state.code: state for state in STATES}
OPEN_STATES = tuple(state.code for state in STATES if state.editable)


@dataclass(frozen=True)
class Move:
    code: str
    """The route's last segment: ``POST /evaluations/{id}/<code>``."""
    to: str
    sources: tuple[str, ...]


SEND_SURVEY = Move("send-survey", "survey_open", ("draft",))
CLOSE_SURVEY = Move("close-survey", "in_review", ("survey_open",))
SKIP_SURVEY = Move("review", "in_review", ("draft",))
"""Straight to the conclusions, without a survey."""
FINALISE = Move("finalise", "finalised", ("draft", "survey_open", "in_review"))
"""From any state: an open survey is closed with it (answers so far count)."""
MOVES = (SEND_SURVEY, CLOSE_SURVEY, SKIP_SURVEY, FINALISE)


def allows(move: Move, state: str) -> bool:
    return state in move.sources


SURVEYED_ROLES = frozenset({Role.social_worker, Role.toeleider, Role.mediator})
"""The colleagues of a partnership: the people of its three organisations who do its work."""
RESPONSES_SHOWN_FROM = 3
"""Answers are shown once at least this many colleagues have answered, and not before the
survey is closed (no one can tell an answer from the moment it appeared)."""

SCALE = (1, 2, 3, 4, 5)
SCALE_KIND, OPEN_KIND = "scale", "open"
QUESTION_KINDS = {SCALE_KIND: N_("Score 1 to 5"), OPEN_KIND: N_("Open question")}
MAX_QUESTIONS = 12
MAX_ACTION_POINTS = 20

DEFAULT_QUESTIONS = (
    (SCALE_KIND, N_("How well does the collaboration with the partner organisations work?")),
    (SCALE_KIND, N_("How quickly do you get an answer to a question or a signal?")),
    (SCALE_KIND, N_("How useful is the shared timeline in your work with clients?")),
    (OPEN_KIND, N_("What works well?")),
    (OPEN_KIND, N_("What should change?")),
)
"""The survey a new evaluation starts with (stored in the evaluation's language of opening;
the coordinators can change each question)."""

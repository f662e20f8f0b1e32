"""The trajectory as data: the states of a training request and who may move it where, the
topics of an intake with their classes, and the choices of an art. 60 placement.

A training request is asked by the file holder or a toeleider or mediator of the care team; the
OCMW agrees (the living wage continues during the training, so the file holder must agree), VDAB
approves, then it is scheduled, started, and completed or stopped.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from portal.core.i18n import N_
from portal.visibility.policy import Sensitivity


class Actor(StrEnum):
    """What a person is to a client's trajectory."""

    file_holder = "file_holder"
    team_partner = "team_partner"
    """A toeleider or mediator in the client's care team."""
    vdab = "vdab"
    """A mediator of the VDAB team of the client's OCMW's partnership, who may see the client."""


REQUESTERS = frozenset({Actor.file_holder, Actor.team_partner})


@dataclass(frozen=True)
class State:
    code: str
    label: str
    """Message id."""
    tone: str
    """How the tag looks: ``start``, ``wait``, ``active``, ``done``."""
    open: bool = True


STATES: tuple[State, ...] = (
    State("requested", N_("Requested"), "wait"),
    State("ocmw_agreed", N_("OCMW agreed"), "wait"),
    State("vdab_approved", N_("VDAB approved"), "active"),
    State("scheduled", N_("Scheduled"), "active"),
    State("started", N_("Started"), "active"),
    State("completed", N_("Completed"), "done", open=False),
    State("stopped", N_("Stopped"), "done", open=False),
    State("refused", N_("Refused"), "done", open=False),
)
STATE_BY_CODE = {state.code: state for state in STATES}
FIRST_STATE = "requested"
OPEN_STATES = tuple(state.code for state in STATES if state.open)


@dataclass(frozen=True)
class Transition:
    source: str
    target: str
    by: frozenset[Actor]
    label: str
    """Message id: the button that makes the move."""
    refused_to: str
    """Message id: why someone else may not make it."""
    needs_reason: bool = False
    needs_start: bool = False


_HOLDER = frozenset({Actor.file_holder})
_VDAB = frozenset({Actor.vdab})
_EITHER = frozenset({Actor.file_holder, Actor.vdab})
_HOLDER_ONLY = N_("Only the file holder agrees for the OCMW.")
_VDAB_ONLY = N_("Only a mediator of the partnership's VDAB team approves for VDAB.")
_FOLLOWERS = N_("Only the file holder or a mediator of the partnership's VDAB team does this.")

TRANSITIONS: tuple[Transition, ...] = (
    Transition("requested", "ocmw_agreed", _HOLDER, N_("Agree for the OCMW"), _HOLDER_ONLY),
    Transition("requested", "refused", _HOLDER, N_("Refuse"), _HOLDER_ONLY, needs_reason=True),
    Transition("ocmw_agreed", "vdab_approved", _VDAB, N_("Approve for VDAB"), _VDAB_ONLY),
    Transition("ocmw_agreed", "refused", _VDAB, N_("Refuse"), _VDAB_ONLY, needs_reason=True),
    Transition("vdab_approved", "scheduled", _EITHER, N_("Schedule"), _FOLLOWERS, needs_start=True),
    Transition("scheduled", "started", _EITHER, N_("Mark as started"), _FOLLOWERS),
    Transition("scheduled", "stopped", _EITHER, N_("Stop"), _FOLLOWERS, needs_reason=True),
    Transition("started", "completed", _EITHER, N_("Mark as completed"), _FOLLOWERS),
    Transition("started", "stopped", _EITHER, N_("Stop"), _FOLLOWERS, needs_reason=True),
)
"""Every move a request can make; any other is impossible. A request is refused at the OCMW's
agreement or at VDAB's approval; one that was scheduled may stop before it starts."""

TARGETS = tuple(dict.fromkeys(transition.target for transition in TRANSITIONS))


def transition(source: str, target: str) -> Transition | None:
    return next((t for t in TRANSITIONS if t.source == source and t.target == target), None)


def moves_from(source: str, actors: frozenset[Actor]) -> tuple[Transition, ...]:
    """The moves these actors may make from ``source``."""
    return tuple(t for t in TRANSITIONS if t.source == source and t.by & actors)


# Intake ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Topic:
    code: str
    label: str
    """Message id."""
    sensitivity: Sensitivity


INTAKE_TOPICS: tuple[Topic, ...] = (
    Topic("past_work", N_("Past work"), Sensitivity.trajectory),
    Topic("diplomas", N_("Diplomas"), Sensitivity.trajectory),
    Topic("experience", N_("Experience"), Sensitivity.trajectory),
    Topic("competences", N_("Competences"), Sensitivity.trajectory),
    Topic("dutch_level", N_("Dutch level"), Sensitivity.trajectory),
    Topic("preconditions_health", N_("Preconditions: health"), Sensitivity.health),
    Topic("preconditions_addiction", N_("Preconditions: addiction"), Sensitivity.health),
    Topic("wishes", N_("The client's own wishes"), Sensitivity.trajectory),
)
"""What an intake asks, each answer stored with its topic's class: health and addiction are
``health``, shown only to who may see that class of this client."""
TOPIC_BY_CODE = {topic.code: topic for topic in INTAKE_TOPICS}


# Art. 60 placement ---------------------------------------------------------------------------

PRE_KINDS: dict[str, str] = {
    "internship": N_("Internship"),
    "volunteering": N_("Volunteering"),
}
OUTFLOWS: dict[str, str] = {
    "regular_job": N_("a regular job"),
    "training": N_("a training"),
    "none": N_("no outflow"),
}
MAX_HOURS_PER_WEEK = 38

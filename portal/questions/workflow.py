"""Referral questions as data: the types (each with its default deadline), the answers, the next
steps an answer may take, the states and who may move a question where.

A social worker of the file-holding OCMW (the file holder, or a social worker in the care team)
asks the VDAB team of the OCMW's partnership; a mediator of that team claims the question and
answers it (yes, no or conditional, with a reason); the asking side closes it, or reopens it with a
reason. Messages go both ways while it is not closed. Every change is a row, and the other side
is told of it.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from portal.core.i18n import N_

DEFAULT_DEADLINE = 10
"""Working days to an answer (``core.workdays``), unless a platform administrator set another
for the type."""


@dataclass(frozen=True)
class QuestionType:
    code: str
    label: str
    """Message id: the name in lists."""
    question: str
    """Message id: the type as the question it asks."""


TYPES: tuple[QuestionType, ...] = (
    QuestionType("trajectory", N_("VDAB trajectory"), N_("Is a VDAB trajectory possible?")),
    QuestionType("training_advice", N_("Training advice"), N_("Which training do you advise?")),
    QuestionType("invitation", N_("Invitation"), N_("Can VDAB invite the client?")),
    QuestionType("other", N_("Other"), N_("Another question")),
)
TYPE_BY_CODE = {kind.code: kind for kind in TYPES}


@dataclass(frozen=True)
class Answer:
    code: str
    label: str
    tone: str


ANSWERS: tuple[Answer, ...] = (
    Answer("yes", N_("Yes"), "done"),
    Answer("conditional", N_("Yes, on conditions"), "active"),
    Answer("no", N_("No"), "wait"),
)
ANSWER_BY_CODE = {answer.code: answer for answer in ANSWERS}

NEXT_STEPS = {
    "": N_("No next step"),
    "interview": N_("Invite the client to an interview"),
}
"""What an answer may do besides answering: an interview invitation lands on the timeline as the
invitation of the trajectory (``trajectory.invitations``)."""


class Actor(StrEnum):
    """What a person is to one question."""

    asker = "asker"
    """The social worker who asked it, while they still see the client."""
    ocmw = "ocmw"
    """The client's file holder, or a social worker of the asking OCMW in the care team."""
    team = "team"
    """A mediator of the VDAB team the question is addressed to."""
    assignee = "assignee"
    """The mediator who claimed the question."""


ASKING = frozenset({Actor.asker, Actor.ocmw})
ANSWERING = frozenset({Actor.team, Actor.assignee})


@dataclass(frozen=True)
class State:
    code: str
    label: str
    tone: str
    waiting: bool = True
    """In the mediators' queue: the question waits for an answer."""


STATES: tuple[State, ...] = (
    State("open", N_("Open"), "wait"),
    State("claimed", N_("Claimed"), "active"),
    State("answered", N_("Answered"), "done", waiting=False),
    State("closed", N_("Closed"), "done", waiting=False),
)
STATE_BY_CODE = {state.code: state for state in STATES}
FIRST_STATE = "open"
WAITING = tuple(state.code for state in STATES if state.waiting)


@dataclass(frozen=True)
class Transition:
    code: str
    sources: frozenset[str]
    target: str
    by: frozenset[Actor]
    label: str
    """Message id: the button."""
    needs: tuple[str, ...] = ()
    """The form fields the move requires."""


TRANSITIONS: tuple[Transition, ...] = (
    Transition("claim", frozenset({"open"}), "claimed", frozenset({Actor.team}), N_("Claim")),
    Transition(
        "answer",
        frozenset({"open", "claimed"}),
        "answered",
        ANSWERING,
        N_("Send the answer"),
        needs=("answer", "reason"),
    ),
    Transition("close", frozenset({"answered"}), "closed", ASKING, N_("Close the question")),
    Transition(
        "reopen",
        frozenset({"answered", "closed"}),
        "claimed",
        ASKING,
        N_("Reopen"),
        needs=("reason",),
    ),
)
"""Every move a question can make; any other is impossible. Answering an open question claims it
for the one who answers; a reopened question goes back to the mediator who answered it, with a
new deadline."""
TRANSITION_BY_CODE = {t.code: t for t in TRANSITIONS}

MESSAGE_STATES = frozenset({"open", "claimed", "answered"})
"""A message is written on a question that is not closed, by either side."""


def moves(state: str, actors: frozenset[Actor]) -> tuple[Transition, ...]:
    """The moves these actors may make from ``state``."""
    return tuple(t for t in TRANSITIONS if state in t.sources and t.by & actors)


def may_write(state: str, actors: frozenset[Actor]) -> bool:
    return state in MESSAGE_STATES and bool(actors & (ASKING | ANSWERING))

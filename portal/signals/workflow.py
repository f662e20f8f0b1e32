"""Signals as data: the themes (with their default deadline, which a platform administrator may
change), urgency, the states of the follow-up and who may move a signal where.

A signal goes to the OCMW of the partnership its municipality belongs to. A coordinator or social
worker of that OCMW assigns a handler; the handler takes it up, follows it up (an outcome is
required) and closes it; a followed-up or closed signal is reopened with a reason, also by its
reporter. Every change is a row, and the reporter is told of each.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from portal.core.i18n import N_

DEFAULT_DEADLINE = 10
"""Working days to a first response (``core.workdays``)."""


@dataclass(frozen=True)
class Theme:
    code: str
    label: str
    """Message id of a standard theme; the name as written of one an administrator added."""
    deadline: int = DEFAULT_DEADLINE
    active: bool = True
    standard: bool = True


THEMES: tuple[Theme, ...] = (
    Theme("civil_affairs", N_("Civil affairs and administration")),
    Theme("education", N_("School and education")),
    Theme("housing", N_("Housing")),
    Theme("health", N_("Health")),
    Theme("work", N_("Work")),
    Theme("language", N_("Language")),
    Theme("mobility", N_("Mobility")),
    Theme("digital", N_("Digital barrier")),
    Theme("money", N_("Money")),
    Theme("other", N_("Other")),
)
"""The themes a new installation starts with; afterwards they live in the database."""
THEME_BY_CODE = {theme.code: theme for theme in THEMES}


def theme_of(code: str) -> Theme:
    """A theme as far as its code tells: the standard one, or a placeholder named by its code
    until ``themes.named`` looks up the name an administrator gave it."""
    return THEME_BY_CODE.get(code) or Theme(code, code, standard=False)


URGENCIES = {"normal": N_("Normal"), "urgent": N_("Urgent")}


class Actor(StrEnum):
    """What a person is to one signal."""

    reporter = "reporter"
    handler = "handler"
    """The person the signal is assigned to."""
    ocmw = "ocmw"
    """A coordinator or social worker of the OCMW the signal is routed to."""


@dataclass(frozen=True)
class State:
    code: str
    label: str
    tone: str
    open: bool = True


STATES: tuple[State, ...] = (
    State("new", N_("New"), "wait"),
    State("in_progress", N_("In progress"), "active"),
    State("followed_up", N_("Followed up"), "done"),
    State("closed", N_("Closed"), "done", open=False),
)
STATE_BY_CODE = {state.code: state for state in STATES}
FIRST_STATE = "new"
RESPONDED = frozenset({"in_progress", "followed_up", "closed"})
"""Reaching one of these is the first response the deadline is about."""


@dataclass(frozen=True)
class Transition:
    code: str
    sources: frozenset[str]
    target: str
    by: frozenset[Actor]
    label: str
    """Message id: the button."""
    needs: str | None = None
    """The form field the move requires: ``outcome`` or ``reason``."""


_HANDLING = frozenset({Actor.handler, Actor.ocmw})
_ANYONE = frozenset({Actor.reporter, Actor.handler, Actor.ocmw})

TRANSITIONS: tuple[Transition, ...] = (
    Transition("take_up", frozenset({"new"}), "in_progress", _HANDLING, N_("Take it up")),
    Transition(
        "follow_up",
        frozenset({"in_progress"}),
        "followed_up",
        frozenset({Actor.handler}),
        N_("Record the follow-up"),
        needs="outcome",
    ),
    Transition("close", frozenset({"followed_up"}), "closed", _HANDLING, N_("Close")),
    Transition(
        "reopen",
        frozenset({"followed_up", "closed"}),
        "in_progress",
        _ANYONE,
        N_("Reopen"),
        needs="reason",
    ),
)
"""Every move a signal can make; any other is impossible. Assigning a handler is not a move: it
is done by the OCMW in any open state and is a row of its own."""
TRANSITION_BY_CODE = {t.code: t for t in TRANSITIONS}

ASSIGNERS = frozenset({Actor.ocmw})


def moves(state: str, actors: frozenset[Actor]) -> tuple[Transition, ...]:
    """The moves these actors may make from ``state``."""
    return tuple(t for t in TRANSITIONS if state in t.sources and t.by & actors)


def may_assign(state: str, actors: frozenset[Actor]) -> bool:
    return STATE_BY_CODE[state].open and bool(actors & ASSIGNERS)

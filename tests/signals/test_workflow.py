"""The signal workflow as data: every (state, actor, move) is decided by the table, and every
state can be reached and left as the design says."""

from __future__ import annotations

import itertools

import pytest

from portal.signals.workflow import (
    FIRST_STATE,
    STATES,
    THEMES,
    TRANSITIONS,
    Actor,
    may_assign,
    moves,
)

EXPECTED = {
    # (state, actor): the moves they may make
    ("new", Actor.reporter): set(),
    ("new", Actor.handler): {"take_up"},
    ("new", Actor.ocmw): {"take_up"},
    ("in_progress", Actor.reporter): set(),
    ("in_progress", Actor.handler): {"follow_up"},
    ("in_progress", Actor.ocmw): set(),
    ("followed_up", Actor.reporter): {"reopen"},
    ("followed_up", Actor.handler): {"close", "reopen"},
    ("followed_up", Actor.ocmw): {"close", "reopen"},
    ("closed", Actor.reporter): {"reopen"},
    ("closed", Actor.handler): {"reopen"},
    ("closed", Actor.ocmw): {"reopen"},
}


@pytest.mark.parametrize(("state", "actor"), list(EXPECTED))
def test_who_may_make_which_move(state: str, actor: Actor) -> None:
    assert {t.code for t in moves(state, frozenset({actor}))} == EXPECTED[(state, actor)]


def test_several_roles_add_up() -> None:
    both = frozenset({Actor.reporter, Actor.handler})
    assert {t.code for t in moves("followed_up", both)} == {"close", "reopen"}


def test_the_follow_up_needs_an_outcome_and_a_reopening_a_reason() -> None:
    needs = {t.code: t.needs for t in TRANSITIONS}
    assert needs == {"take_up": None, "follow_up": "outcome", "close": None, "reopen": "reason"}


def test_every_state_is_reached_from_the_first() -> None:
    reached, frontier = {FIRST_STATE}, [FIRST_STATE]
    while frontier:
        state = frontier.pop()
        for move in moves(state, frozenset(Actor)):
            if move.target not in reached:
                reached.add(move.target)
                frontier.append(move.target)
    assert reached == {state.code for state in STATES}


@pytest.mark.parametrize(
    ("state", "actor"), list(itertools.product([s.code for s in STATES], Actor))
)
def test_only_the_ocmw_assigns_and_only_while_open(state: str, actor: Actor) -> None:
    open_ = state != "closed"
    assert may_assign(state, frozenset({actor})) == (actor is Actor.ocmw and open_)


def test_the_ten_theme_codes() -> None:
    assert [t.code for t in THEMES] == [
        "civil_affairs",
        "education",
        "housing",
        "health",
        "work",
        "language",
        "mobility",
        "digital",
        "money",
        "other",
    ]
    assert {t.deadline for t in THEMES} == {10}

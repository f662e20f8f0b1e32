"""The referral-question workflow: the table itself (who may make which move from which state,
stated by hand), and through the routes for every state × move × kind of person: a move is
allowed exactly when ``workflow.TRANSITIONS`` says; a refused one answers 403 to who reads the
question and 404 to who does not, and writes nothing."""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import httpx
import pytest

from portal.questions.workflow import (
    ANSWERING,
    ASKING,
    FIRST_STATE,
    MESSAGE_STATES,
    STATES,
    TRANSITIONS,
    Actor,
    may_write,
    moves,
)
from tests.courses.conftest import login_en
from tests.support.questions import changes_of, question_in, question_row, question_world, written

A, OC, T, S = Actor.asker, Actor.ocmw, Actor.team, Actor.assignee

EXPECTED = {
    # (state, actor): the moves they may make
    ("open", A): set(),
    ("open", OC): set(),
    ("open", T): {"claim", "answer"},
    ("open", S): {"answer"},
    ("claimed", A): set(),
    ("claimed", OC): set(),
    ("claimed", T): {"answer"},
    ("claimed", S): {"answer"},
    ("answered", A): {"close", "reopen"},
    ("answered", OC): {"close", "reopen"},
    ("answered", T): set(),
    ("answered", S): set(),
    ("closed", A): {"reopen"},
    ("closed", OC): {"reopen"},
    ("closed", T): set(),
    ("closed", S): set(),
}


@pytest.mark.parametrize(("state", "actor"), list(EXPECTED))
def test_who_may_make_which_move(state: str, actor: Actor) -> None:
    assert {t.code for t in moves(state, frozenset({actor}))} == EXPECTED[(state, actor)]


@pytest.mark.parametrize(("state", "actor"), list(itertools.product(["open", "closed"], Actor)))
def test_messages_while_not_closed_by_either_side(state: str, actor: Actor) -> None:
    assert may_write(state, frozenset({actor})) == (state != "closed")
    assert not may_write(state, frozenset()), "no side, no message"


def test_the_moves_targets_and_what_they_need() -> None:
    table = {t.code: (sorted(t.sources), t.target, t.needs) for t in TRANSITIONS}
    assert table == {
        "claim": (["open"], "claimed", ()),
        "answer": (["claimed", "open"], "answered", ("answer", "reason")),
        "close": (["answered"], "closed", ()),
        "reopen": (["answered", "closed"], "claimed", ("reason",)),
    }
    assert {A, OC} == ASKING and {T, S} == ANSWERING


def test_every_state_is_reached_from_the_first() -> None:
    reached, frontier = {FIRST_STATE}, [FIRST_STATE]
    while frontier:
        state = frontier.pop()
        for move in moves(state, frozenset(Actor)):
            if move.target not in reached:
                reached.add(move.target)
                frontier.append(move.target)
    assert reached == {state.code for state in STATES}


# Through the routes ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Kind:
    label: str
    username: str
    actors: frozenset[Actor]
    """What they are to the question on X, stated by hand (issue 13)."""
    reads: bool


KINDS = (
    Kind("asker", "sw.asker", frozenset({A, OC}), True),
    Kind("file holder", "sw.a", frozenset({OC}), True),
    Kind("social worker of the OCMW in the care team", "sw.team", frozenset({OC}), True),
    Kind("colleague of the OCMW", "sw.a2", frozenset(), True),
    Kind("mediator of the team", "mediator.out", frozenset({T}), True),
    Kind("assignee", "mediator", frozenset({T, S}), True),
    Kind("mediator of another team in the care team", "mediator.other.team", frozenset(), False),
    Kind("toeleider of the care team", "toeleider", frozenset(), False),
    Kind("coordinator of the OCMW", "coordinator.a", frozenset(), False),
)
MOVES = ("claim", "answer", "close", "reopen", "message")
FORMS = {
    "claim": {},
    "answer": {"answer": "conditional", "reason": "Na een taaltest."},
    "close": {},
    "reopen": {"reason": "Er is nog een vraag."},
    "message": {"text": "Een bericht in de draad."},
}


def _allowed(state: str, move: str, actors: frozenset[Actor]) -> bool:
    if move == "message":
        return state in MESSAGE_STATES and bool(actors & (ASKING | ANSWERING))
    return any(t.code == move and state in t.sources and t.by & actors for t in TRANSITIONS)


def _url(question_id: int, move: str) -> str:
    return f"/questions/{question_id}/{'messages' if move == 'message' else move}"


@pytest.mark.parametrize(
    ("state", "kind"),
    list(itertools.product([s.code for s in STATES], KINDS)),
    ids=lambda value: value.label if isinstance(value, Kind) else value,
)
async def test_each_move_through_the_routes(
    client: httpx.AsyncClient, state: str, kind: Kind
) -> None:
    world = await question_world()
    questions = {
        move: await question_in(world, state, label=f"{state}-{move}", asker="sw.asker")
        for move in MOVES
    }
    # Nobody claimed an open question yet: its future assignee is one of the team.
    actors = kind.actors - {S} if state == "open" else kind.actors
    token = await login_en(client, kind.username)
    for move in MOVES:
        question = questions[move]
        case = (state, kind.label, move)
        page = await client.get(f"/questions/{question.id}")
        assert page.status_code == (200 if kind.reads else 404), case
        offered = f'action="{_url(question.id, move)}"' in page.text
        assert offered == _allowed(state, move, actors), (case, "the page offers what is allowed")
        before = await written()
        response = await client.post(
            _url(question.id, move), data={"csrf_token": token, **FORMS[move]}
        )
        if _allowed(state, move, actors):
            assert response.status_code == 303, (case, response.text)
            row = await question_row(question.id)
            last = (await changes_of(question.id))[-1]
            assert last["person"] == world.people[kind.username], case
            if move == "message":
                assert (row["state"], last["kind"]) == (state, "message"), case
                assert last["text"] == FORMS["message"]["text"]
            else:
                target = next(t.target for t in TRANSITIONS if t.code == move)
                assert row["state"] == target, case
                assert (last["from_state"], last["to_state"]) == (state, target), case
            if move in ("claim", "answer") and state == "open":
                assert row["assignee"] == world.people[kind.username], case
        else:
            assert response.status_code == (403 if kind.reads else 404), (
                case,
                response.status_code,
            )
            assert await written() == before, (case, "a refused move writes nothing")

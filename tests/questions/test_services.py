"""Referral questions through their services and pages: the deadline in Belgian working days, a
reopened question's new deadline, the consent gate, who is told of which change, an answer with an
interview (one unit of work), and a move made on a question someone else changed meanwhile."""

from __future__ import annotations

import datetime as dt
import json

import httpx
import pytest

from portal.clients.changes import Invalid
from portal.clients.services import NotAllowed
from portal.core.templating import LOCAL_TIME
from portal.questions import services
from portal.questions.tables import QuestionDeadline
from portal.questions.workflow import Actor
from portal.timeline.tables import TimelineEvent
from portal.trajectory.tables import Invitation
from portal.visibility.scoping import unscoped
from tests.conftest import csrf_from
from tests.courses.conftest import login_en
from tests.support.factories import World, build_world
from tests.support.questions import (
    ask,
    changes_of,
    notices_of,
    question_in,
    question_row,
    question_world,
    set_consent_given,
    written,
)
from tests.support.trajectory import english, events_of, viewer_of


def _utc(year: int, month: int, day: int, hour: int = 10, minute: int = 0) -> dt.datetime:
    return dt.datetime(year, month, day, hour, minute, tzinfo=dt.UTC)


# Deadlines ---------------------------------------------------------------------------------------

# (asked at, in UTC; the deadline counted by hand: 10 working days after the Belgian day)
DEADLINES = {
    "Friday before Easter Monday 2027": (_utc(2027, 3, 26), dt.date(2027, 4, 12)),
    "Monday before 11 July and 21 July 2028": (_utc(2028, 7, 10), dt.date(2028, 7, 26)),
    "Friday before 1 and 11 November 2027": (_utc(2027, 10, 29), dt.date(2027, 11, 16)),
    "Christmas Eve 2026, over New Year": (_utc(2026, 12, 24), dt.date(2027, 1, 11)),
    "Thursday 23:30 UTC is Friday in Brussels": (_utc(2026, 12, 10, 23, 30), dt.date(2026, 12, 28)),
}


@pytest.mark.parametrize("case", list(DEADLINES))
async def test_the_deadline_counts_belgian_working_days(case: str) -> None:
    asked_at, due = DEADLINES[case]
    world = await build_world()
    question_id = await ask(world, now=asked_at)
    row = await question_row(question_id)
    assert (row["due_on"], row["first_due_on"]) == (due, due)
    assert row["created_at"] == asked_at


async def test_a_deadline_per_type_from_the_table() -> None:
    world = await build_world()
    monday = _utc(2026, 12, 7)
    await QuestionDeadline(type="invitation", working_days=3).save()
    invitation = await ask(world, type="invitation", now=monday)
    trajectory = await ask(world, type="trajectory", now=monday)
    assert (await question_row(invitation))["due_on"] == dt.date(2026, 12, 10)
    assert (await question_row(trajectory))["due_on"] == dt.date(2026, 12, 21), "the default 10"
    assert (await services.deadlines())["invitation"] == 3


async def test_a_reopened_question_gets_a_new_deadline_and_keeps_the_first() -> None:
    world = await build_world()
    asked_at = _utc(2026, 12, 7)
    question = await question_in(world, "answered", label="reopen", now=asked_at)
    first = dt.date(2026, 12, 21)
    reopened_at = _utc(2027, 1, 4)
    await services.move(
        await viewer_of(world, "sw.a"),
        question.id,
        "reopen",
        {"reason": "De klant heeft nu een rijbewijs."},
        now=reopened_at,
    )
    row = await question_row(question.id)
    assert row["state"] == "claimed" and row["assignee"] == world.people["mediator"]
    assert row["first_due_on"] == first
    assert row["due_on"] == dt.date(2027, 1, 18), "10 working days after Monday 4 January"
    assert row["answered_at"] == asked_at and row["first_answered_at"] == asked_at


# The consent gate --------------------------------------------------------------------------------


async def test_without_consent_the_form_explains_and_nothing_is_sent(
    client: httpx.AsyncClient,
) -> None:
    world = await build_world()
    sw_a = await viewer_of(world, "sw.a")
    y = world.clients["Y"]
    form = await services.ask_form(sw_a, y)
    assert form.blocked and [team.name for team in form.refused] == ["Vdab"]
    with english(), pytest.raises(Invalid) as refused:
        await services.ask(sw_a, y, {"type": "trajectory", "text": "Traject?"})
    assert refused.value.errors == {
        "team": "The client has not agreed to share their file with VDAB: record the consent first."
    }
    token = await login_en(client, "sw.a")
    page = await client.get(f"/clients/{y}/questions/new")
    assert page.status_code == 200
    assert "has not agreed to share their file with Vdab" in page.text
    assert 'action="/clients/' not in page.text, "no form to send"
    before = await written()
    sent = await client.post(
        f"/clients/{y}/questions",
        data={"csrf_token": token, "type": "trajectory", "text": "Traject mogelijk?"},
    )
    assert sent.status_code == 422
    assert "record the consent first" in sent.text
    assert await written() == before


async def test_a_withdrawn_consent_takes_the_question_from_the_team_at_once(
    client: httpx.AsyncClient,
) -> None:
    world = await build_world()
    question = await question_in(world, "claimed", label="withdrawn")
    url = f"/questions/{question.id}"
    for username in ("mediator", "mediator.out"):
        await login_en(client, username)
        assert url in (await client.get("/questions")).text, username
        assert (await client.get(url)).status_code == 200, username
    await set_consent_given(world, "X", "vdab", False)
    for username in ("mediator", "mediator.out"):
        await login_en(client, username)
        listed = await client.get("/questions", params={"state": "all"})
        assert listed.status_code == 200 and url not in listed.text, username
        assert "QSECRET-withdrawn" not in listed.text
        page = await client.get(url)
        assert page.status_code == 404 and "QSECRET-withdrawn" not in page.text, username
    await login_en(client, "sw.a")
    assert url in (await client.get("/questions")).text
    page = await client.get(url)
    assert page.status_code == 200 and "QSECRET-withdrawn-text" in page.text


# Who is told of a change --------------------------------------------------------------------------


async def _told(world: World, question_id: int, change: int) -> set[str]:
    by_id = {person: name for name, person in world.people.items()}
    return {by_id[person] for person, c in await notices_of(question_id) if c == change}


async def test_each_change_tells_the_other_side_never_the_actor(
    client: httpx.AsyncClient,
) -> None:
    world = await question_world()
    asker, holder, team_sw = [
        await viewer_of(world, name) for name in ("sw.asker", "sw.a", "sw.team")
    ]
    mediator, other = await viewer_of(world, "mediator"), await viewer_of(world, "mediator.out")
    question_id = await ask(world, asker="sw.asker")
    steps = [
        ("asked", None, set()),
        ("message by the asker before a claim", asker, set()),
        ("message by the team", other, {"sw.asker", "sw.a"}),
        ("claim", mediator, {"sw.asker", "sw.a"}),
        ("message by the asker", asker, {"mediator"}),
        ("message by the file holder", holder, {"mediator"}),
        ("message by the other team member", other, {"sw.asker", "sw.a"}),
        ("answer", mediator, {"sw.asker", "sw.a"}),
        ("close", team_sw, {"mediator"}),
        ("reopen", holder, {"mediator"}),
    ]
    for label, actor, _expected in steps[1:]:
        assert actor is not None
        if label.startswith("message"):
            await services.write_message(actor, question_id, f"Bericht: {label}")
        elif label == "answer":
            await services.move(actor, question_id, "answer", {"answer": "no", "reason": "Geen."})
        elif label == "reopen":
            await services.move(actor, question_id, "reopen", {"reason": "Toch nog iets."})
        else:
            await services.move(actor, question_id, label, {})
    changes = await changes_of(question_id)
    assert len(changes) == len(steps)
    for change, (label, actor, expected) in zip(changes, steps, strict=True):
        told = await _told(world, question_id, change["id"])
        assert told == expected, label
        if actor is not None:
            assert change["person"] == actor.person_id, label
    codes = [e["kind"] for e in await events_of(world.clients["X"]) if e["kind"].startswith("q")]
    assert codes == [
        "question.asked",
        "question.message",
        "question.message",
        "question.claimed",
        "question.message",
        "question.message",
        "question.message",
        "question.answered",
        "question.closed",
        "question.reopened",
    ]

    # Looking at the question clears the viewer's own notices, no one else's.
    await login_en(client, "sw.asker")
    listed = await client.get("/questions")
    assert "4 new changes" in listed.text, "by the team: two messages, the claim, the answer"
    page = await client.get(f"/questions/{question_id}")
    assert page.status_code == 200 and page.text.count(">new</span>") == 4
    remaining = {person for person, _c in await notices_of(question_id)}
    assert world.people["sw.asker"] not in remaining
    assert {world.people["sw.a"], world.people["mediator"]} <= remaining
    assert "new change" not in (await client.get("/questions")).text


async def test_the_answer_and_its_event_name_no_more_than_the_payload() -> None:
    world = await build_world()
    question = await question_in(world, "answered", label="payload")
    answered = [e for e in await events_of(world.clients["X"]) if e["kind"] == "question.answered"]
    assert len(answered) == 1
    payload = answered[0]["payload"]
    assert payload == {
        "question": question.id,
        "type": "trajectory",
        "team": "Vdab",
        "answer": "yes",
    }
    assert "QSECRET" not in json.dumps(answered[0], default=str)


# An answer with an interview --------------------------------------------------------------------


def _interview(day: dt.date) -> dict[str, str]:
    return {
        "answer": "conditional",
        "reason": "Eerst een gesprek.",
        "next_step": "interview",
        "interview_at": f"{day.isoformat()}T10:00",
        "interview_place": "VDAB Zottegem",
    }


async def test_an_answer_with_an_interview_invites_the_client(client: httpx.AsyncClient) -> None:
    world = await build_world()
    question = await question_in(world, "claimed", label="interview")
    with unscoped("test: the invitations before"):
        invitations = await Invitation.count()
    token = await login_en(client, "mediator")
    day = dt.date.today() + dt.timedelta(days=14)
    answered = await client.post(
        f"/questions/{question.id}/answer", data={"csrf_token": token, **_interview(day)}
    )
    assert answered.status_code == 303, answered.text
    row = await question_row(question.id)
    assert (row["state"], row["answer"], row["next_step"]) == (
        "answered",
        "conditional",
        "interview",
    )
    with unscoped("test: the invitation written"):
        assert await Invitation.count() == invitations + 1
        newest = await Invitation.select().order_by(Invitation.id, ascending=False).first()
    assert newest["place"] == "VDAB Zottegem" and newest["client"] == world.clients["X"]
    belgian = dt.datetime.combine(day, dt.time(10), tzinfo=LOCAL_TIME)
    assert newest["at"] == belgian, "10:00 as typed is Belgian time"
    assert newest["invited_by"] == world.people["mediator"]
    kinds = [e["kind"] for e in await events_of(world.clients["X"])][-2:]
    assert kinds == ["question.answered", "invitation.sent"]


BAD_INTERVIEWS = {
    "past": ({"interview_at": "2020-01-06T10:00"}, "The interview must lie in the coming year."),
    "beyond a year": ({"interview_at": "far"}, "The interview must lie in the coming year."),
    "not a date": ({"interview_at": "not a date"}, "Enter the date and time, for example"),
    "no date": ({"interview_at": ""}, "Enter when the interview takes place."),
    "no place": ({"interview_place": ""}, "Enter the address or the link of the video call."),
}


@pytest.mark.parametrize("case", list(BAD_INTERVIEWS))
async def test_a_bad_interview_writes_nothing_at_all(client: httpx.AsyncClient, case: str) -> None:
    world = await build_world()
    question = await question_in(world, "claimed", label="bad-interview")
    interview, message = BAD_INTERVIEWS[case]
    if interview.get("interview_at") == "far":
        interview = {"interview_at": f"{dt.date.today().year + 2}-01-04T10:00"}
    fields = _interview(dt.date.today() + dt.timedelta(days=14)) | interview
    before = await written()
    token = await login_en(client, "mediator")
    response = await client.post(
        f"/questions/{question.id}/answer", data={"csrf_token": token, **fields}
    )
    assert response.status_code == 422, response.text
    assert message in response.text
    assert await written() == before, "no state change, no change row, no event, no invitation"
    row = await question_row(question.id)
    assert row["state"] == "claimed" and row["answered_at"] is None


# A move on a question someone changed meanwhile --------------------------------------------------


async def test_a_move_on_a_question_changed_meanwhile_is_refused(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    world = await build_world()
    question_id = await ask(world)
    mediator, other = await viewer_of(world, "mediator"), await viewer_of(world, "mediator.out")
    stale = await services.find_question(mediator, question_id)
    await services.move(other, question_id, "claim", {})
    before = await written()

    async def as_read_before(viewer: object, wanted: int) -> object:
        assert wanted == question_id
        return stale

    monkeypatch.setattr(services, "find_question", as_read_before)
    with english(), pytest.raises(Invalid) as refused:
        await services.move(mediator, question_id, "claim", {})
    assert refused.value.errors == {"form": "Someone changed this question meanwhile. Look again."}
    assert await written() == before
    assert (await question_row(question_id))["assignee"] == world.people["mediator.out"]


async def test_a_message_on_a_question_closed_meanwhile_is_refused(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    world = await build_world()
    question_id = (await question_in(world, "answered", label="closing")).id
    asker = await viewer_of(world, "sw.a")
    mediator = await viewer_of(world, "mediator")
    stale = await services.find_question(mediator, question_id)
    await services.move(asker, question_id, "close", {})
    before = await written()

    async def as_read_before(viewer: object, wanted: int) -> object:
        return stale

    monkeypatch.setattr(services, "find_question", as_read_before)
    with english(), pytest.raises(Invalid) as refused:
        await services.write_message(mediator, question_id, "Nog een vraag over de opvang.")
    assert refused.value.errors == {"form": "Someone changed this question meanwhile. Look again."}
    assert await written() == before


async def test_the_concurrency_message_reaches_the_page(
    client: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    world = await build_world()
    question_id = await ask(world)
    mediator = await viewer_of(world, "mediator")
    stale = await services.find_question(mediator, question_id)
    await services.move(await viewer_of(world, "mediator.out"), question_id, "claim", {})
    token = await login_en(client, "mediator")
    real = services.find_question
    calls = []

    async def first_stale(viewer: object, wanted: int) -> object:
        calls.append(wanted)
        return stale if len(calls) == 1 else await real(viewer, wanted)  # type: ignore[arg-type]

    monkeypatch.setattr(services, "find_question", first_stale)
    before = await written()
    response = await client.post(f"/questions/{question_id}/claim", data={"csrf_token": token})
    assert response.status_code == 422
    assert "Someone changed this question meanwhile" in response.text
    assert await written() == before
    with unscoped("test: no event"):
        assert await TimelineEvent.count().where(TimelineEvent.kind == "question.claimed") == 1
    assert csrf_from(response.text)


async def test_a_care_team_social_worker_who_stated_a_reason_still_asks_and_closes() -> None:
    """Stating a reason (break the glass) widens what a social worker of the care team sees; it
    does not take them out of the care team, nor their part in the client's questions. A
    colleague outside the care team who stated a reason reads, and does not ask or close."""
    world = await question_world()
    x = world.clients["X"]
    unlocked = await viewer_of(world, "sw.team", unlocked="X")
    colleague = await viewer_of(world, "sw.a2", unlocked="X")
    form = await services.ask_form(unlocked, x)
    assert not form.blocked
    question_id = await services.ask(unlocked, x, {"type": "other", "text": "Na de uitleg?"})
    answered = await question_in(world, "answered", label="reason", asker="sw.asker")
    question = await services.find_question(unlocked, answered.id)
    assert await services.actors_of(unlocked, question) == {Actor.ocmw}
    with pytest.raises(NotAllowed):
        await services.ask_form(colleague, x)
    assert await services.actors_of(colleague, question) == frozenset()
    with pytest.raises(NotAllowed):
        await services.move(colleague, answered.id, "close", {})
    await services.move(unlocked, answered.id, "close", {})
    assert (await question_row(answered.id))["state"] == "closed"
    assert (await question_row(question_id))["asker"] == world.people["sw.team"]


# Refused input ------------------------------------------------------------------------------------

LONG = "x" * (services.TEXT_MAX + 1)
ASKS = {
    "no type": ({"text": "Traject?"}, {"type"}),
    "unknown type": ({"type": "job", "text": "Traject?"}, {"type"}),
    "no text": ({"type": "trajectory", "text": "  "}, {"text"}),
    "too long": ({"type": "trajectory", "text": LONG}, {"text"}),
    "unknown team": ({"type": "trajectory", "text": "Traject?", "team": "999999"}, {"team"}),
}


@pytest.mark.parametrize("case", list(ASKS))
async def test_a_refused_question_writes_nothing(case: str) -> None:
    world = await build_world()
    fields, errors = ASKS[case]
    before = await written()
    with pytest.raises(Invalid) as refused:
        await services.ask(await viewer_of(world, "sw.a"), world.clients["X"], fields)
    assert set(refused.value.errors) == errors
    assert await written() == before


MOVES = {
    "answer without a reason": ("answer", {"answer": "yes", "reason": " "}, {"reason"}),
    "an answer that is none": ("answer", {"answer": "maybe", "reason": "Ja."}, {"answer"}),
    "an interview after a no": (
        "answer",
        {"answer": "no", "reason": "Nee.", "next_step": "interview"},
        {"next_step"},
    ),
    "a next step that is none": (
        "answer",
        {"answer": "yes", "reason": "Ja.", "next_step": "party"},
        {"next_step"},
    ),
    "a reason too long": ("answer", {"answer": "yes", "reason": LONG}, {"reason"}),
}


@pytest.mark.parametrize("case", list(MOVES))
async def test_a_refused_answer_writes_nothing(case: str) -> None:
    world = await build_world()
    question = await question_in(world, "claimed", label="refused")
    code, fields, errors = MOVES[case]
    before = await written()
    with pytest.raises(Invalid) as refused:
        await services.move(await viewer_of(world, "mediator"), question.id, code, fields)
    assert set(refused.value.errors) == errors
    assert await written() == before


async def test_reopening_needs_a_reason_and_a_closed_thread_takes_no_message() -> None:
    world = await build_world()
    question = await question_in(world, "closed", label="closed")
    sw_a, mediator = await viewer_of(world, "sw.a"), await viewer_of(world, "mediator")
    before = await written()
    with pytest.raises(Invalid) as refused:
        await services.move(sw_a, question.id, "reopen", {"reason": ""})
    assert set(refused.value.errors) == {"reason"}
    for actor in (sw_a, mediator):
        with pytest.raises(NotAllowed):
            await services.write_message(actor, question.id, "Nog iets?")
    assert await written() == before
    open_one = await question_in(world, "open", label="open")
    for text in (" ", LONG):
        with pytest.raises(Invalid) as empty:
            await services.write_message(sw_a, open_one.id, text)
        assert set(empty.value.errors) == {"text"}

"""One question's way through the pages: asked from the file, claimed and answered from the
team's queue, closed by the asker; each step a row, an event and a notice for the other side."""

from __future__ import annotations

import datetime as dt

import httpx

from portal.notifications.tables import InboxItem
from portal.questions.tables import QuestionChange
from portal.timeline.tables import TimelineEvent
from portal.visibility.scoping import unscoped
from tests.conftest import csrf_from
from tests.courses.conftest import login_en
from tests.support.factories import build_world


async def test_ask_claim_answer_close(client: httpx.AsyncClient) -> None:
    world = await build_world()
    x = world.clients["X"]
    token = await login_en(client, "sw.a")
    form = await client.get(f"/clients/{x}/questions/new")
    assert form.status_code == 200, form.text
    asked = await client.post(
        f"/clients/{x}/questions",
        data={"csrf_token": token, "type": "trajectory", "text": "Kan X een traject starten?"},
    )
    assert asked.status_code == 303, asked.text
    question = asked.headers["location"].split("?")[0]
    page = await client.get(question)
    assert page.status_code == 200 and "Kan X een traject starten?" in page.text

    token = await login_en(client, "mediator")
    queue = await client.get("/questions")
    assert queue.status_code == 200 and question in queue.text
    claimed = await client.post(f"{question}/claim", data={"csrf_token": token})
    assert claimed.status_code == 303, claimed.text
    answered = await client.post(
        f"{question}/answer",
        data={
            "csrf_token": token,
            "answer": "yes",
            "reason": "Past in het traject logistiek.",
            "next_step": "interview",
            "interview_at": (dt.date.today() + dt.timedelta(days=20)).isoformat() + "T10:00",
            "interview_place": "VDAB Zottegem",
        },
    )
    assert answered.status_code == 303, answered.text
    await login_en(client, "sw.a")
    page = await client.get(question)
    assert page.status_code == 200 and "Past in het traject logistiek." in page.text
    assert "10:00, VDAB Zottegem" in page.text, "the answer names its interview"
    assert (await client.get("/questions")).text.count(question) == 1
    closed = await client.post(f"{question}/close", data={"csrf_token": csrf_from(page.text)})
    assert closed.status_code == 303, closed.text
    with unscoped("test: what was written"):
        kinds = [row["kind"] for row in await TimelineEvent.select(TimelineEvent.kind)]
        changes = await QuestionChange.count()
        notices = await InboxItem.select(InboxItem.person).where(
            (InboxItem.record == "question") & InboxItem.read_at.is_null()
        )
    for kind in ("question.asked", "question.claimed", "question.answered", "question.closed"):
        assert kind in kinds, kinds
    assert "invitation.sent" in kinds, "the answer's next step invites the client"
    assert changes == 4
    assert {row["person"] for row in notices} == {world.people["mediator"]}, (
        "the asker read the answer; the mediator has yet to see the close"
    )

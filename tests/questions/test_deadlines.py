"""The platform administrator's deadlines per type of question: the form, its checks (in Dutch,
the input kept, nothing written), the admin-log line, and a new question asked with its type's
new deadline while one already asked keeps its own; everyone else gets 404."""

from __future__ import annotations

import datetime as dt
import json

import httpx
import pytest

from portal.admin.tables import AdminAction
from portal.core.templating import local_time
from portal.core.workdays import BELGIUM
from portal.questions.services import deadlines
from portal.questions.tables import Question, QuestionDeadline
from portal.visibility.scoping import unscoped
from tests.conftest import login
from tests.courses.conftest import login_en
from tests.support.factories import PEOPLE, build_world

TYPES = ("trajectory", "training_advice", "invitation", "other")
DEFAULTS = dict.fromkeys(TYPES, 10)


def form(token: str, **days: int | str) -> dict[str, str]:
    values = {f"deadline_{code}": str(days.get(code, 10)) for code in TYPES}
    return {"csrf_token": token, **values}


async def _lines() -> list[dict]:
    return await AdminAction.select().order_by(AdminAction.id)


async def test_the_page_shows_each_types_deadline(client: httpx.AsyncClient) -> None:
    await build_world()
    await login_en(client, "platform")
    page = await client.get("/admin/questions")
    assert page.status_code == 200
    for code in TYPES:
        assert f'name="deadline_{code}" type="number" value="10"' in page.text
        assert f'<label for="f-deadline_{code}">' in page.text
    assert 'href="/admin/questions" aria-current="page">Referral question settings</a>' in (
        page.text
    ), "the menu item"


async def test_the_deadlines_are_saved_with_a_line_in_the_admin_log(
    client: httpx.AsyncClient,
) -> None:
    world = await build_world()
    token = await login_en(client, "platform")
    saved = await client.post("/admin/questions", data=form(token, trajectory=5, other=" 12 "))
    assert saved.status_code == 303
    assert saved.headers["location"] == "/admin/questions?done=saved"
    assert await deadlines() == DEFAULTS | {"trajectory": 5, "other": 12}
    assert await QuestionDeadline.count() == 2, "only what changed is written"
    [line] = await _lines()
    assert line["action"] == "question_deadline.changed"
    assert line["actor"] == world.people["platform"]
    assert json.loads(line["changes"]) == {
        "deadline_trajectory": [10, 5],
        "deadline_other": [10, 12],
    }
    assert line["summary"] == "trajectory, other"
    page = await client.get("/admin/questions?done=saved")
    assert 'role="status"' in page.text and "The deadlines have been saved." in page.text
    assert 'name="deadline_trajectory" type="number" value="5"' in page.text
    log = (await client.get("/admin/log")).text
    assert "Referral question deadlines changed" in log
    assert "Working days to answer a question on a VDAB trajectory: 10 → 5" in log

    again = await client.post("/admin/questions", data=form(token, trajectory=5, other=12))
    assert again.headers["location"] == "/admin/questions?done=unchanged"
    assert len(await _lines()) == 1, "nothing changed, nothing logged"
    back = await client.post("/admin/questions", data=form(token, other=12))
    assert back.status_code == 303
    assert await deadlines() == DEFAULTS | {"other": 12}
    assert json.loads((await _lines())[-1]["changes"]) == {"deadline_trajectory": [5, 10]}


@pytest.mark.parametrize(
    ("typed", "value"),
    [("0", "0"), ("61", "61"), ("tien", "tien"), ("", ""), ("2.5", "2.5")],
)
async def test_a_wrong_number_is_refused_and_nothing_is_written(
    client: httpx.AsyncClient, typed: str, value: str
) -> None:
    await build_world()
    token = await login_en(client, "platform")
    refused = await client.post("/admin/questions", data=form(token, trajectory=3, other=typed))
    assert refused.status_code == 422
    assert "Other: Give a number of working days from 1 to 60." in refused.text
    assert 'href="#f-deadline_other"' in refused.text, "the error summary links to the field"
    assert f'name="deadline_other" type="number" value="{value}"' in refused.text, "kept"
    assert 'name="deadline_trajectory" type="number" value="3"' in refused.text, "kept"
    assert await deadlines() == DEFAULTS, "not even the valid one"
    assert await QuestionDeadline.count() == 0 and await _lines() == []


async def test_a_missing_field_is_refused_in_dutch(client: httpx.AsyncClient) -> None:
    await build_world()
    token = await login(client, "platform")
    data = form(token)
    del data["deadline_invitation"]
    refused = await client.post("/admin/questions", data=data)
    assert refused.status_code == 422
    assert "Geef een aantal werkdagen van 1 tot 60." in refused.text
    assert refused.text.count('aria-invalid="true"') == 1
    assert await _lines() == []


async def test_a_new_question_gets_its_types_new_deadline(client: httpx.AsyncClient) -> None:
    world = await build_world()
    x = world.clients["X"]

    async def ask(kind: str) -> int:
        token = await login_en(client, "sw.a")
        asked = await client.post(
            f"/clients/{x}/questions",
            data={"csrf_token": token, "type": kind, "text": f"Vraag over {kind}"},
        )
        assert asked.status_code == 303, asked.text
        return int(asked.headers["location"].split("?")[0].rsplit("/", 1)[1])

    async def due(question_id: int) -> tuple[dt.date, dt.date, dt.date]:
        with unscoped("test: the deadline written"):
            row = await (
                Question.select(Question.created_at, Question.due_on, Question.first_due_on)
                .where(Question.id == question_id)
                .first()
            )
        assert row is not None
        return local_time(row["created_at"]).date(), row["due_on"], row["first_due_on"]

    earlier = await ask("trajectory")
    asked_on, due_on, first_due_on = await due(earlier)
    assert due_on == first_due_on == BELGIUM.add_working_days(asked_on, 10)
    kept = due_on

    token = await login_en(client, "platform")
    changed = await client.post("/admin/questions", data=form(token, trajectory=3, other=20))
    assert changed.status_code == 303

    for kind, days in (("trajectory", 3), ("other", 20), ("invitation", 10)):
        asked_on, due_on, first_due_on = await due(await ask(kind))
        assert due_on == first_due_on == BELGIUM.add_working_days(asked_on, days), kind
    assert (await due(earlier))[1:] == (kept, kept), "a question already asked keeps its own"


@pytest.mark.parametrize("username", [name for name in PEOPLE if name != "platform"])
async def test_everyone_else_gets_404(client: httpx.AsyncClient, username: str) -> None:
    await build_world()
    token = await login_en(client, username)
    assert (await client.get("/admin/questions")).status_code == 404
    posted = await client.post("/admin/questions", data=form(token, trajectory=3))
    assert posted.status_code == 404
    assert await deadlines() == DEFAULTS and await _lines() == []
    assert 'href="/admin/questions"' not in (await client.get("/")).text, "no menu item"

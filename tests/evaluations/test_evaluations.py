"""Evaluations through the pages: who opens and reads one, the survey from sending to anonymous
results, conclusions and action points, finalising (frozen: every write refused, nothing written)
and the exports of a finalised evaluation.

The world (``tests.support.factories.build_world``): the partnership of OCMW A × partner × VDAB
has coordinators coordinator.a (OCMW A) and coordinator.p (partner); its colleagues are sw.a,
sw.a2, toeleider, toeleider.out, mediator and mediator.out. OCMW B's partnership has no partner.
"""

from __future__ import annotations

import csv
import io

import httpx
import pytest
from pypdf import PdfReader

from portal.accounts.tables import Partnership, Person
from portal.core.db import count_queries
from portal.evaluations.tables import (
    ActionPoint,
    Evaluation,
    SurveyAnswer,
    SurveyInvitation,
    SurveyQuestion,
)
from portal.notifications.tables import InboxItem
from portal.visibility.scoping import unscoped
from tests.conftest import login
from tests.support.factories import PEOPLE, World, build_world

COORDINATORS = {"coordinator.a", "coordinator.p"}
COLLEAGUES = {"sw.a", "sw.a2", "toeleider", "toeleider.out", "mediator", "mediator.out"}


async def _partnership(world: World) -> int:
    row = await (
        Partnership.select(Partnership.id).where(Partnership.ocmw == world.orgs["ocmw-a"]).first()
    )
    return int(row["id"])


async def _open(client: httpx.AsyncClient, world: World, period: str = "2026-Q1") -> int:
    token = await login(client, "coordinator.a")
    response = await client.post(
        "/evaluations",
        data={"csrf_token": token, "partnership": await _partnership(world), "period": period},
    )
    assert response.status_code == 303, response.text
    return int(response.headers["location"].rsplit("/", 1)[1])


async def _evaluations() -> int:
    with unscoped("test: how many evaluations are stored"):
        return int(await Evaluation.count())


async def _stored() -> dict[str, object]:
    with unscoped("test: the evaluation as stored"):
        return dict(await Evaluation.select(Evaluation.strengths, Evaluation.changed_at).first())


def _pdf_text(body: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(body)).pages)


async def _post(client: httpx.AsyncClient, user: str, url: str, **data: object) -> httpx.Response:
    token = await login(client, user)
    return await client.post(url, data={"csrf_token": token, **data})


async def test_who_opens_and_reads(client: httpx.AsyncClient) -> None:
    world = await build_world()
    partnership = await _partnership(world)
    for username in PEOPLE:
        token = await login(client, username)
        listing = await client.get("/evaluations")
        opened = await client.post(
            "/evaluations",
            data={"csrf_token": token, "partnership": partnership, "period": "2025"},
        )
        if username in COORDINATORS:
            assert listing.status_code == 200, username
            assert opened.status_code in (303, 422), username
        else:
            assert listing.status_code == 404, username
            assert opened.status_code == 404, username
    evaluation = await _open(client, world)
    for username in PEOPLE:
        await login(client, username)
        response = await client.get(f"/evaluations/{evaluation}")
        assert response.status_code == (200 if username in COORDINATORS else 404), username


async def test_bad_input_is_kept_and_nothing_written(client: httpx.AsyncClient) -> None:
    world = await build_world()
    response = await _post(
        client, "coordinator.a", "/evaluations", partnership="999999", period="2026-Q7"
    )
    assert response.status_code == 422
    assert "2026-Q7" in response.text
    assert "Kies een van je samenwerkingen" in response.text or "Choose one" in response.text
    assert await _evaluations() == 0
    evaluation = await _open(client, world)
    again = await _post(
        client,
        "coordinator.p",
        "/evaluations",
        partnership=await _partnership(world),
        period="2026-Q1",
    )
    assert again.status_code == 422
    assert f'href="/evaluations/{evaluation}"' in again.text
    assert await _evaluations() == 1


async def test_survey_is_anonymous_and_shown_from_three(client: httpx.AsyncClient) -> None:
    world = await build_world()
    evaluation = await _open(client, world)
    sent = await _post(client, "coordinator.a", f"/evaluations/{evaluation}/send-survey")
    assert sent.status_code == 303
    invited = {
        row["person"]
        for row in await SurveyInvitation.select(SurveyInvitation.person).where(
            SurveyInvitation.evaluation == evaluation
        )
    }
    assert invited == {world.people[name] for name in COLLEAGUES}
    items = await InboxItem.count().where(InboxItem.record_id == evaluation)
    assert items == len(COLLEAGUES)
    questions = await SurveyQuestion.select().where(SurveyQuestion.evaluation == evaluation)
    scale = next(q["id"] for q in questions if q["kind"] == "scale")
    open_ = next(q["id"] for q in questions if q["kind"] == "open")
    # Each colleague finds it in "Te doen" until they answered.
    await login(client, "sw.a")
    assert f'href="/evaluations/{evaluation}/survey"' in (await client.get("/")).text
    # A coordinator is not invited: the survey is 404 for them.
    await login(client, "coordinator.a")
    assert (await client.get(f"/evaluations/{evaluation}/survey")).status_code == 404
    answers = {
        "sw.a": ("4", "ANSWER-sw-a"),
        "toeleider": ("2", "ANSWER-toeleider"),
    }
    before = await _stored()
    for user, (score, text) in answers.items():
        page = await client.get(f"/evaluations/{evaluation}/survey")
        response = await _post(
            client,
            user,
            f"/evaluations/{evaluation}/survey",
            **{f"score_{scale}": score, f"text_{open_}": text},
        )
        assert response.status_code == 303, (user, page.status_code, response.text)
        twice = await _post(
            client, user, f"/evaluations/{evaluation}/survey", **{f"score_{scale}": "1"}
        )
        assert twice.status_code == 409
    await login(client, "sw.a")
    assert f'href="/evaluations/{evaluation}/survey"' not in (await client.get("/")).text
    # Answering leaves no time on the evaluation.
    assert await _stored() == before
    # While open, and with two answers, nothing of what was answered is on the page.
    await login(client, "coordinator.a")
    page = (await client.get(f"/evaluations/{evaluation}")).text
    assert "ANSWER-" not in page
    assert "2 answered" in page or "2 hebben geantwoord" in page or "2 antwoordden" in page
    await _post(client, "coordinator.a", f"/evaluations/{evaluation}/close-survey")
    page = (await client.get(f"/evaluations/{evaluation}")).text
    assert "ANSWER-" not in page
    # Closed: a third answer is refused; reopen the count with a fresh evaluation instead.
    late = await _post(
        client, "mediator", f"/evaluations/{evaluation}/survey", **{f"score_{scale}": "5"}
    )
    assert late.status_code == 409
    with unscoped("test: answers carry no person and no time"):
        columns = {column._meta.name for column in SurveyAnswer._meta.columns}
    assert columns == {"id", "evaluation", "question", "score", "text"}
    assert {column._meta.name for column in SurveyInvitation._meta.columns} == {
        "id",
        "evaluation",
        "person",
        "answered",
        "slot",
    }


async def test_answers_shown_once_three_answered_and_closed(client: httpx.AsyncClient) -> None:
    world = await build_world()
    names = [f"COLLEAGUE-{name}-NAME" for name in COLLEAGUES]
    for name in COLLEAGUES:
        await Person.update({Person.display_name: f"COLLEAGUE-{name}-NAME"}).where(
            Person.id == world.people[name]
        )
    evaluation = await _open(client, world)
    await _post(client, "coordinator.a", f"/evaluations/{evaluation}/send-survey")
    questions = await SurveyQuestion.select().where(SurveyQuestion.evaluation == evaluation)
    scale = next(q["id"] for q in questions if q["kind"] == "scale")
    open_ = next(q["id"] for q in questions if q["kind"] == "open")
    given = {
        "sw.a": ("5", "Zebra-ANSWER"),
        "toeleider": ("3", "Aap-ANSWER"),
        "mediator": ("3", "Mier-ANSWER"),
        "sw.a2": ("", "Vos-ANSWER"),
    }
    for user, (score, text) in given.items():
        data = {f"text_{open_}": text}
        if score:
            data[f"score_{scale}"] = score
        response = await _post(client, user, f"/evaluations/{evaluation}/survey", **data)
        assert response.status_code == 303
    await _post(client, "coordinator.p", f"/evaluations/{evaluation}/close-survey")
    page = (await client.get(f"/evaluations/{evaluation}")).text
    # Alphabetical, not in the order they came in.
    assert page.index("Aap-ANSWER") < page.index("Mier-ANSWER") < page.index("Vos-ANSWER")
    assert page.index("Vos-ANSWER") < page.index("Zebra-ANSWER")
    assert "3,7" in page or "3.7" in page
    # A question fewer than three answered (the other scores, the second open question) shows
    # nothing of its answers: 4 answered the survey, 3 the first score.
    assert page.count("Minder dan 3 collega's beantwoordden deze vraag") == len(questions) - 2
    await _post(client, "coordinator.p", f"/evaluations/{evaluation}/finalise")
    exported = [
        (await client.get(f"/evaluations/{evaluation}/export.csv")).content.decode("utf-8-sig"),
        _pdf_text((await client.get(f"/evaluations/{evaluation}/export.pdf")).content),
    ]
    assert all("Aap-ANSWER" in text for text in exported)
    # Nowhere a coordinator looks is a colleague named, nor a moment of answering.
    for user in COORDINATORS:
        await login(client, user)
        pages = [
            (await client.get(f"/evaluations/{evaluation}")).text,
            (await client.get("/evaluations")).text,
            (await client.get("/inbox")).text,
            *exported,
        ]
        for text in pages:
            for name in names:
                assert name not in text, (user, name)


async def test_conclusions_actions_and_freeze(client: httpx.AsyncClient) -> None:
    world = await build_world()
    evaluation = await _open(client, world)
    url = f"/evaluations/{evaluation}"
    bad = await _post(client, "coordinator.a", f"{url}/actions", action="Iets", owner="", due_on="")
    assert bad.status_code == 422
    assert 'value="Iets"' in bad.text
    assert await ActionPoint.count() == 0
    ok = await _post(
        client,
        "coordinator.p",
        f"{url}/actions",
        action="Wachttijd burgerzaken opvolgen",
        owner="PIN vzw",
        due_on="2026-06-30",
    )
    assert ok.status_code == 303
    saved = await _post(
        client, "coordinator.a", f"{url}/conclusions", strengths="STRENGTH-1", adjustments="ADJ-1"
    )
    assert saved.status_code == 303
    final = await _post(client, "coordinator.a", f"{url}/finalise")
    assert final.status_code == 303
    with unscoped("test: the evaluation as stored"):
        row = await Evaluation.select(Evaluation.state, Evaluation.figures).first()
    assert row["state"] == "finalised"
    assert row["figures"]
    before = (
        await ActionPoint.count(),
        await SurveyQuestion.count(),
        await _stored(),
    )
    writes = [
        (f"{url}/conclusions", {"strengths": "CHANGED", "adjustments": ""}),
        (f"{url}/actions", {"action": "Nog iets", "owner": "OCMW", "due_on": "2026-09-30"}),
        (f"{url}/questions", {"text": "Nieuwe vraag?", "kind": "open"}),
        (f"{url}/send-survey", {}),
        (f"{url}/close-survey", {}),
        (f"{url}/review", {}),
        (f"{url}/finalise", {}),
    ]
    for path, data in writes:
        response = await _post(client, "coordinator.a", path, **data)
        assert response.status_code == 409, (path, response.status_code)
        assert "Deze evaluatie kan nu niet veranderen" in response.text
    after = (
        await ActionPoint.count(),
        await SurveyQuestion.count(),
        await _stored(),
    )
    assert after == before


@pytest.mark.parametrize("period", ["2026-Q1", "2025"])
async def test_exports_of_a_finalised_evaluation(client: httpx.AsyncClient, period: str) -> None:
    world = await build_world()
    evaluation = await _open(client, world, period)
    url = f"/evaluations/{evaluation}"
    assert (await client.get(f"{url}/export.pdf")).status_code == 404
    assert (await client.get(f"{url}/export.csv")).status_code == 404
    await _post(
        client,
        "coordinator.a",
        f"{url}/conclusions",
        strengths='=HYPERLINK("http://x");"quoted"',
        adjustments="Punt; met puntkomma",
    )
    await _post(client, "coordinator.a", f"{url}/finalise")
    for user in COORDINATORS:
        await login(client, user)
        pdf = await client.get(f"{url}/export.pdf")
        assert pdf.status_code == 200
        assert pdf.headers["content-type"] == "application/pdf"
        reader = PdfReader(io.BytesIO(pdf.content))
        text = "\n".join(page.extract_text() for page in reader.pages)
        assert "partnership" in text
        # Tagged, so that a screen reader finds its headings and tables.
        assert "/StructTreeRoot" in reader.trailer["/Root"]
        assert "Punt; met puntkomma" in text
        exported = await client.get(f"{url}/export.csv")
        assert exported.status_code == 200
        body = exported.content.decode("utf-8-sig")
        rows = list(csv.reader(io.StringIO(body), delimiter=";"))
        values = [row[-1] for row in rows]
        assert "Punt; met puntkomma" in values
        # A formula is never a formula in Excel: it starts with a quote.
        assert any(value.startswith("'=HYPERLINK") for value in values)
    for user in PEOPLE.keys() - COORDINATORS:
        await login(client, user)
        assert (await client.get(f"{url}/export.pdf")).status_code == 404
        assert (await client.get(f"{url}/export.csv")).status_code == 404


async def test_a_partnership_with_evaluations_is_not_deleted(client: httpx.AsyncClient) -> None:
    world = await build_world()
    await _open(client, world)
    partnership = await _partnership(world)
    response = await _post(client, "platform", f"/admin/partnerships/{partnership}/delete")
    assert response.status_code == 409
    assert "evaluaties" in response.text or "evaluations" in response.text
    assert await Partnership.count().where(Partnership.id == partnership) == 1
    assert await _evaluations() == 1


async def test_the_page_does_not_grow_a_statement_per_row(client: httpx.AsyncClient) -> None:
    world = await build_world()
    evaluation = await _open(client, world)
    url = f"/evaluations/{evaluation}"

    async def statements() -> int:
        with count_queries() as counter:
            response = await client.get(url)
        assert response.status_code == 200
        return counter[0]

    await login(client, "coordinator.a")
    few = await statements()
    for n in range(8):
        await _post(
            client,
            "coordinator.a",
            f"{url}/actions",
            action=f"Actie {n}",
            owner="OCMW",
            due_on="2026-12-31",
        )
        await _post(client, "coordinator.a", f"{url}/questions", text=f"Vraag {n}?", kind="scale")
    assert await statements() == few

"""Who reads which referral question: for every person of the world (and a second VDAB team of
OCMW B), the question's page answers 200 exactly when the policy and the relation oracle say, and
no secret text reaches anyone else; the SQL scope is the Python rule; and "Shared with this
question" shows only what was shared, as the reader's own relation shows it."""

from __future__ import annotations

import re

import httpx
import pytest
from litestar import Litestar

from portal.audit.tables import AccessLogEntry
from portal.clients.changes import Invalid
from portal.questions import services
from portal.questions.services import COLUMNS
from portal.questions.tables import Question
from portal.visibility.policy import Sensitivity
from portal.visibility.records import visible_to
from portal.visibility.scoping import unscoped
from portal.visibility.viewer import Viewer
from tests.courses.conftest import login_en
from tests.support.documents import upload
from tests.support.factories import World, build_world, secret
from tests.support.oracle import facts_for, relation_of
from tests.support.questions import (
    SeededQuestion,
    question_in,
    question_world,
    reads_question,
    set_consent_given,
    written,
)
from tests.support.trajectory import case, client_row, english, viewer_of


async def _seed(world: World) -> list[SeededQuestion]:
    """Questions on X (by a social worker of the care team, and by the file holder), on Y
    (asked before its consent for VDAB was withdrawn), and on Z to each of OCMW B's two VDAB
    teams."""
    await set_consent_given(world, "Z", "vdab-2", True)
    sw_b = await viewer_of(world, "sw.b")
    with english(), pytest.raises(Invalid) as no_team:
        await services.ask(sw_b, world.clients["Z"], {"type": "other", "text": "Welk team?"})
    assert no_team.value.errors == {"team": "Choose the VDAB team."}, "two teams: choose one"
    return [
        await question_in(
            world,
            "open",
            label="X-asker",
            asker="sw.asker",
            share_fields=("phone", "national_number", "birth_date"),
        ),
        await question_in(world, "answered", label="X-holder", mediator="mediator.out"),
        await question_in(world, "claimed", label="Y", tag="Y", consent_after=False),
        await question_in(world, "claimed", label="Z", asker="sw.b", tag="Z", team="vdab"),
        await question_in(
            world,
            "claimed",
            label="Z-team2",
            asker="sw.b",
            tag="Z",
            team="vdab-2",
            mediator="mediator.other",
        ),
    ]


async def _expected(viewer: Viewer, world: World, questions: list[SeededQuestion]) -> set[int]:
    """The questions the policy lets ``viewer`` read, at the oracle's relation to each client."""
    relations = {
        cid: relation_of(viewer, facts) for cid, facts in (await facts_for(viewer)).items()
    }
    return {
        q.id for q in questions if reads_question(viewer, q, relations[world.clients[q.client]])
    }


async def test_each_question_page_answers_exactly_whom_the_policy_lets_read(
    client: httpx.AsyncClient,
) -> None:
    world = await question_world()
    questions = await _seed(world)
    readers: dict[str, set[int]] = {}
    for username in world.people:
        viewer = await viewer_of(world, username)
        expected = await _expected(viewer, world, questions)
        readers[username] = expected
        await login_en(client, username)
        for question in questions:
            with case(f"{username} on {question.label}"):
                page = await client.get(f"/questions/{question.id}")
                if question.id in expected:
                    assert page.status_code == 200
                    written_yet = question.secrets[:3]  # the text and the messages
                    assert all(value in page.text for value in written_yet)
                else:
                    assert page.status_code == 404
                    assert not any(value in page.text for value in question.secrets)
        hidden = [value for q in questions if q.id not in expected for value in q.secrets]
        pages = [await client.get("/questions", params={"state": "all"}), await client.get("/")]
        for tag in ("X", "Y", "Z"):
            file = await client.get(f"/clients/{world.clients[tag]}")
            pages.append(file)
            if file.status_code != 200:
                continue
            for question in questions:
                if question.client == tag:
                    with case(f"{username}: the panel of {tag} and {question.label}"):
                        linked = f'href="/questions/{question.id}"' in file.text
                        assert linked == (question.id in expected)
        for response in pages:
            for value in hidden:
                assert value not in response.text, (username, str(response.url), value)
    # The rule as the issue states it, so that a policy computed wrongly both ways cannot pass.
    ids = {q.label: q.id for q in questions}
    assert readers["sw.a"] == {ids["X-asker"], ids["X-holder"], ids["Y"]}
    assert readers["sw.a2"] == {ids["X-asker"], ids["X-holder"], ids["Y"]}, "a colleague"
    assert readers["sw.asker"] == readers["sw.team"] == readers["sw.a"]
    assert readers["mediator"] == {ids["X-asker"], ids["X-holder"], ids["Z"]}, "not Y, not team 2"
    assert readers["mediator.out"] == readers["mediator"]
    assert readers["mediator.other"] == {ids["Z-team2"]}
    assert readers["mediator.other.team"] == {ids["Z-team2"]}, "in X's care team: not X's"
    assert readers["sw.b"] == {ids["Z"], ids["Z-team2"]}
    for nobody in ("toeleider", "toeleider.out", "coordinator.a", "coordinator.p", "admin"):
        assert readers[nobody] == set(), nobody
    assert readers["platform"] == set()


async def test_the_sql_scope_is_the_python_rule_for_everyone() -> None:
    world = await question_world()
    questions = await _seed(world)
    with unscoped("test: every question"):
        every = [row["id"] for row in await Question.select(Question.id)]
    assert sorted(every) == sorted(q.id for q in questions)
    viewers = [await viewer_of(world, username) for username in world.people]
    viewers += [
        await viewer_of(world, "sw.a2", unlocked="X"),
        await viewer_of(world, "coordinator.a", unlocked="X"),
    ]
    for viewer in viewers:
        scope = visible_to(viewer, Question)
        in_sql = {row["id"] for row in await scope.select(Question.id)}
        by_rule = set()
        for question_id in every:
            row = await scope.get(question_id, *COLUMNS)
            if row is not None and scope.project(row) is not None:
                by_rule.add(question_id)
        expected = await _expected(viewer, world, questions)
        assert in_sql == by_rule == expected, (viewer.username, in_sql, by_rule, expected)
        listed = {q.id for q in scope.project_all(await scope.select(*COLUMNS))}
        assert listed == expected, viewer.username


# Shared with this question -----------------------------------------------------------------------


def _shared_section(html: str) -> str:
    match = re.search(r'<section aria-labelledby="shared-heading"[^>]*>(.*?)</section>', html, re.S)
    assert match, "the page has its shared section"
    return match.group(1)


async def test_the_shared_section_shows_only_what_was_shared_as_the_reader_sees_it(
    app: Litestar, client: httpx.AsyncClient
) -> None:
    world = await build_world()
    store = app.state.storage
    shared_doc = await upload(world, store, "sw.a", "cv", client="X", label="shared-cv")
    other_doc = await upload(world, store, "sw.a", "diploma", client="X", label="unshared")
    question = await question_in(
        world,
        "claimed",
        label="shared",
        share_fields=("phone", "national_number", "birth_date", "status"),
        share_documents=(shared_doc.id,),
    )
    x = await client_row(world.clients["X"])
    number, born = x["national_number"], x["birth_date"].strftime("%d-%m-%Y")
    never = [secret("X", name) for name in ("social_report", "finances", "health_notes")]
    unshared = [secret("X", name) for name in ("address", "municipality", "language")]
    unshared += [other_doc.name]

    sections = {}
    for username in ("sw.a", "sw.a2", "mediator", "mediator.out"):
        await login_en(client, username)
        page = await client.get(f"/questions/{question.id}")
        assert page.status_code == 200, username
        sections[username] = section = _shared_section(page.text)
        assert "FirstX" in section and secret("X", "phone") in section, username
        for value in never + unshared:
            assert value not in section, (username, value)
    for username in ("sw.a", "mediator"):
        assert number in sections[username] and born in sections[username], username
        assert shared_doc.name in sections[username], username
    # A colleague is not shown identity; a mediator through the partnership sees it masked.
    assert number not in sections["sw.a2"] and born not in sections["sw.a2"]
    masked = sections["mediator.out"]
    assert number not in masked and born not in masked and "masked value" in masked
    assert "••-••-1985" in masked, "a masked birth date shows the year at most"
    assert not re.search(r"\d{2}\.\d{2}\.\d{2}-\d{3}\.\d{2}", masked)
    page = await client.get(f"/questions/{question.id}")
    assert number not in page.text and born not in page.text


async def test_social_and_health_cannot_be_shared(client: httpx.AsyncClient) -> None:
    world = await build_world()
    x = world.clients["X"]
    sw_a = await viewer_of(world, "sw.a")
    form = await services.ask_form(sw_a, x)
    offered = {name: cls for name, cls in form.fields}
    assert not {Sensitivity.social.value, Sensitivity.health.value} & set(offered.values())
    assert "national_number" in offered and "phone" in offered
    token = await login_en(client, "sw.a")
    page = await client.get(f"/clients/{x}/questions/new")
    assert 'value="social_report"' not in page.text and 'value="health_notes"' not in page.text
    for field in ("social_report", "finances", "health_notes", "no_such_field"):
        before = await written()
        sent = await client.post(
            f"/clients/{x}/questions",
            data={
                "csrf_token": token,
                "type": "trajectory",
                "text": "Traject mogelijk?",
                "share_field": ["phone", field],
            },
        )
        assert sent.status_code == 422, field
        assert "Choose among the fields offered." in sent.text
        assert await written() == before, field


async def test_a_shared_identity_shown_on_the_question_page_is_in_the_access_log(
    client: httpx.AsyncClient,
) -> None:
    """Every reveal of ``identity`` is logged (DESIGN §4): the question's page shows a shared
    national number in full to a mediator of the care team, masked to one through the
    partnership, not at all to a colleague of the OCMW."""
    world = await build_world()
    shares = await question_in(
        world, "claimed", label="logged", share_fields=("national_number", "birth_date")
    )
    plain = await question_in(world, "claimed", label="plain", share_fields=("phone",))
    x = world.clients["X"]
    for username in ("mediator", "mediator.out", "sw.a2"):
        await login_en(client, username)
        for question in (shares, plain):
            assert (await client.get(f"/questions/{question.id}")).status_code == 200
    with unscoped("test: the access log as written"):
        rows = await AccessLogEntry.select().where(AccessLogEntry.client_id == x)
    by_id = {person: name for name, person in world.people.items()}
    logged = {(by_id[row["person"]], row["revealed"]) for row in rows if row["revealed"]}
    assert logged == {("mediator", "identity")}
    assert all(row["action"] == services.QUESTION_READ for row in rows if row["revealed"])

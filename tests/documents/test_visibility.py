"""Who reads which document: for every person of the world and every seeded document, the
download, the client and course pages, the timeline, the SQL scope and the access log say what the
policy says (``readable`` at the oracle's relation), and an upload cannot give a class the uploader
is not shown."""

from __future__ import annotations

import dataclasses
import re
from collections import Counter

import httpx
import pytest
from litestar import Litestar

from portal.documents.panel import SHOWN
from portal.documents.tables import Document
from portal.documents.workflow import CATEGORY_BY_CODE, CLIENT_CATEGORIES
from portal.visibility.policy import Audience, Relation, Sensitivity, sees_record
from portal.visibility.records import policy_for, visible_to
from portal.visibility.scoping import unscoped
from portal.visibility.viewer import Viewer
from tests.conftest import csrf_from
from tests.courses.conftest import login_en
from tests.documents.conftest import (
    PDF,
    access_rows,
    document_rows,
    events_of,
    listed,
    relation_to,
    relations_of,
    stored_keys,
    viewer_of,
    whole_timeline,
)
from tests.support.documents import (
    CLIENT_AUDIENCES,
    UPLOADERS,
    SeededDocument,
    add_documents,
    may_give,
    may_read,
)
from tests.support.factories import PEOPLE, World, build_world

LOGGED = {Sensitivity.social, Sensitivity.health}
"""The classes of a document the access log names when it is downloaded."""


@pytest.mark.parametrize("username", list(PEOPLE))
async def test_every_document_for_every_person(
    app: Litestar, client: httpx.AsyncClient, username: str
) -> None:
    world = await build_world()
    documents = await add_documents(world, app.state.storage)
    viewer = await viewer_of(world, username)
    relations = await relations_of(viewer)
    reads = {d.id: may_read(viewer, d, relation_to(world, d, relations)) for d in documents}
    assert not all(reads.values()), "every person has a document hidden from them"
    shapes = {(d.audience, d.sensitivity) for d in documents if d.client == "X"}
    classes = {category.sensitivity for category in CLIENT_CATEGORIES}
    assert shapes == {(a, c) for a in CLIENT_AUDIENCES for c in classes}
    assert {d.author_org for d in documents if d.client == "X"} == {
        world.orgs[PEOPLE[name][0]] for name in UPLOADERS["X"]
    }
    await login_en(client, username)

    for document in documents:
        response = await client.get(f"/documents/{document.id}")
        if not reads[document.id]:
            assert response.status_code == 404, (document.name, response.status_code)
            assert document.name not in response.text and document.marker not in response.text
            continue
        assert response.status_code == 200, (document.name, response.status_code)
        assert response.content == document.content
        assert response.headers["content-type"] == "application/pdf"
        disposition = response.headers["content-disposition"]
        assert disposition.startswith("attachment;") and document.name in disposition
        assert response.headers["x-content-type-options"] == "nosniff"
        assert response.headers["cache-control"] == "no-store"

    downloads = await access_rows("document.download")
    assert Counter(row["subject"] for row in downloads) == Counter(
        f"document:{d.id}" for d in documents if reads[d.id]
    ), "one access record per download, none for a refused one"
    by_subject = {row["subject"]: row for row in downloads}
    for document in documents:
        row = by_subject.get(f"document:{document.id}")
        if row is None:
            continue
        assert row["person"] == viewer.person_id
        client_id = world.clients[document.client] if document.client else None
        assert row["client_id"] == client_id
        expected = document.sensitivity.value if document.sensitivity in LOGGED else ""
        assert row["revealed"] == expected

    clients, courses = relations
    for tag, client_id in world.clients.items():
        of_client = [d for d in documents if d.client == tag]
        page = await client.get(f"/clients/{client_id}")
        if not sees_record(viewer.roles, clients[client_id]):
            assert page.status_code in (403, 404)
            assert not any(d.name in page.text for d in of_client)
            continue
        assert page.status_code == 200
        readable = {d.id: d.name for d in of_client if reads[d.id]}
        header = listed(page.text)
        assert header.items() <= readable.items() and len(header) == min(SHOWN, len(readable))
        every = await client.get(f"/clients/{client_id}/documents")
        assert listed(every.text) == readable, tag
        timeline = await whole_timeline(client, client_id)
        for document in of_client:
            if reads[document.id]:
                label = CATEGORY_BY_CODE[document.category].label
                assert f"{label} added: {document.name}" in timeline, document.name
            else:
                assert document.name not in timeline, document.name
                assert document.name not in page.text, document.name
    for tag, course_id in world.courses.items():
        of_course = [d for d in documents if d.course == tag]
        page = await client.get(f"/courses/{course_id}")
        if not sees_record(viewer.roles, courses[course_id]):
            assert page.status_code == 404
            continue
        assert page.status_code == 200
        assert listed(page.text) == {d.id: d.name for d in of_course if reads[d.id]}, tag


async def _scope_agrees(world: World, documents: list[SeededDocument], viewer: Viewer) -> None:
    """Across every client and course, without a client to start from: the SQL scope, the
    projection of every row (what ``find_document`` relies on) and the rule at the oracle's
    relation name the same documents, and the relation column is the oracle's."""
    relations = await relations_of(viewer)
    expected = {d.id for d in documents if may_read(viewer, d, relation_to(world, d, relations))}

    scope = visible_to(viewer, Document)
    rows = await scope.select(Document.id)
    assert {row["id"] for row in rows} == expected
    assert await scope.count() == len(expected)

    policy = policy_for(Document)
    with unscoped("test: every document with the viewer's relation, to project each"):
        every = await Document.select(
            *Document.all_columns(), policy.relation(viewer).as_alias("relation")
        )
    assert len(every) == len(documents)
    by_id = {d.id: d for d in documents}
    for row in every:
        assert Relation(row["relation"]) is relation_to(world, by_id[row["id"]], relations)
    admitted = {row["id"] for row in every if policy.project(viewer, row) is not None}
    assert admitted == expected


@pytest.mark.parametrize("username", list(PEOPLE))
async def test_the_document_scope_matches_the_python_rule(app: Litestar, username: str) -> None:
    world = await build_world()
    documents = await add_documents(world, app.state.storage)
    await _scope_agrees(world, documents, await viewer_of(world, username))
    uploads = await access_rows("document.upload")
    assert Counter(row["subject"] for row in uploads) == Counter(
        f"document:{d.id}" for d in documents
    ), "one access record per upload"


async def test_a_colleague_who_states_a_reason_reads_what_the_policy_then_shows(
    app: Litestar, client: httpx.AsyncClient
) -> None:
    """Break the glass: a colleague of the OCMW who states a reason for X reads more of X's
    documents for this session (the social report shared with the care team), never what the
    file holder keeps to themselves, and the SQL scope follows."""
    world = await build_world()
    documents = await add_documents(world, app.state.storage)
    client_id = world.clients["X"]
    plain = await viewer_of(world, "sw.a2")
    viewer = dataclasses.replace(plain, unlocked=frozenset({client_id}))
    relations = await relations_of(viewer)
    assert relations[0][client_id] is Relation.same_org_reason
    await _scope_agrees(world, documents, viewer)

    token = await login_en(client, "sw.a2")
    response = await client.post(
        f"/clients/{client_id}/reason",
        data={"csrf_token": token, "reason": "De dossierhouder is met verlof"},
    )
    assert response.status_code == 303
    reads = {d.id: may_read(viewer, d, relation_to(world, d, relations)) for d in documents}
    before = await relations_of(plain)
    more = {
        d.id
        for d in documents
        if reads[d.id] and not may_read(plain, d, relation_to(world, d, before))
    }
    of_x = [d for d in documents if d.client == "X"]
    assert {d.sensitivity for d in of_x if d.id in more} == {
        Sensitivity.social,
        Sensitivity.health,
    }
    assert not any(reads[d.id] for d in of_x if d.audience is Audience.file_holder_only)
    for document in documents:
        response = await client.get(f"/documents/{document.id}")
        assert response.status_code == (200 if reads[document.id] else 404), document.name
    page = await client.get(f"/clients/{client_id}/documents")
    assert listed(page.text) == {d.id: d.name for d in of_x if reads[d.id]}


def _offered(page: str) -> set[str]:
    select = re.search(r'<select id="f-category" name="category".*?</select>', page, re.S)
    assert select, "the upload form has a category field"
    return set(re.findall(r'<option value="([a-z_]+)"', select.group(0)))


@pytest.mark.parametrize("username", ["toeleider", "mediator"])
async def test_a_class_not_shown_is_neither_offered_nor_taken(
    app: Litestar, client: httpx.AsyncClient, username: str
) -> None:
    """A care-team member of another organisation is not shown the social and health classes:
    the form does not offer a social report or a medical certificate, and sending one anyway
    answers 422 with nothing kept, neither a row nor an object."""
    world = await build_world()
    viewer = await viewer_of(world, username)
    client_id = world.clients["X"]
    relation = (await relations_of(viewer))[0][client_id]
    assert relation is Relation.care_team
    store = app.state.storage
    await login_en(client, username)
    form = await client.get(f"/clients/{client_id}/documents/new")
    assert form.status_code == 200
    offered = _offered(form.text)
    assert offered == {category for _audience, category in may_give(viewer, relation)}
    assert not {"social_report", "medical"} & offered
    for category in ("social_report", "medical"):
        assert CATEGORY_BY_CODE[category].sensitivity in (Sensitivity.social, Sensitivity.health)
        response = await client.post(
            f"/clients/{client_id}/documents",
            data={
                "csrf_token": csrf_from(form.text),
                "audience": "care_team",
                "category": category,
            },
            files={"file": (f"{category}.pdf", PDF, "application/pdf")},
        )
        assert response.status_code == 422, category
        assert "Choose what kind of document this is." in response.text
    assert await document_rows() == []
    assert stored_keys(store) == set()
    assert await events_of(client_id, "document.added") == []
    assert await access_rows("document.upload") == []


async def test_the_file_holder_gives_every_category(
    app: Litestar, client: httpx.AsyncClient
) -> None:
    """The counterpart: the file holder is offered every category of a client's document, and a
    social report they upload is kept, with its class and audience, and listed for them."""
    world = await build_world()
    client_id = world.clients["X"]
    await login_en(client, "sw.a")
    form = await client.get(f"/clients/{client_id}/documents/new")
    assert _offered(form.text) == {category.code for category in CLIENT_CATEGORIES}
    response = await client.post(
        f"/clients/{client_id}/documents",
        data={
            "csrf_token": csrf_from(form.text),
            "audience": "care_team",
            "category": "social_report",
        },
        files={"file": ("verslag.pdf", PDF, "application/pdf")},
    )
    assert response.status_code == 303
    assert response.headers["location"] == f"/clients/{client_id}?done=document#documents"
    (row,) = await document_rows()
    assert (row["client"], row["category"], row["sensitivity"], row["audience"]) == (
        client_id,
        "social_report",
        "social",
        "care_team",
    )
    assert stored_keys(app.state.storage) == {row["object_key"]}
    assert [r["subject"] for r in await access_rows("document.upload")] == [f"document:{row['id']}"]
    assert listed((await client.get(f"/clients/{client_id}")).text) == {row["id"]: "verslag.pdf"}
    await login_en(client, "toeleider")
    assert listed((await client.get(f"/clients/{client_id}")).text) == {}
    assert (await client.get(f"/documents/{row['id']}")).status_code == 404


async def test_a_colleague_does_not_read_the_file_holders_own_document(
    client: httpx.AsyncClient,
) -> None:
    """A document the file holder keeps to themselves (``file_holder_only``) is not read by a
    colleague of the same OCMW, who does see the client and its care-team documents."""
    world = await build_world()
    client_id = world.clients["X"]
    token = await login_en(client, "sw.a")
    ids = {}
    for audience in ("file_holder_only", "care_team"):
        response = await client.post(
            f"/clients/{client_id}/documents",
            data={"csrf_token": token, "audience": audience, "category": "cv"},
            files={"file": (f"cv-{audience}.pdf", PDF, "application/pdf")},
        )
        assert response.status_code == 303
        (row,) = await document_rows(audience=audience)
        ids[audience] = row["id"]
    own, shared = ids["file_holder_only"], ids["care_team"]
    assert (await client.get(f"/documents/{own}")).content == PDF

    viewer = await viewer_of(world, "sw.a2")
    assert (await relations_of(viewer))[0][client_id] is Relation.same_org
    await login_en(client, "sw.a2")
    page = await client.get(f"/clients/{client_id}")
    assert page.status_code == 200
    assert listed(page.text) == {shared: "cv-care_team.pdf"}
    assert "cv-file_holder_only.pdf" not in page.text
    assert "cv-file_holder_only.pdf" not in await whole_timeline(client, client_id)
    for url in (f"/documents/{own}", f"/documents/{own}/versions"):
        assert (await client.get(url)).status_code == 404, url
    assert (await client.get(f"/documents/{shared}")).content == PDF
    downloads = await access_rows("document.download")
    assert [(r["person"], r["subject"]) for r in downloads] == [
        (world.people["sw.a"], f"document:{own}"),
        (viewer.person_id, f"document:{shared}"),
    ]

"""New versions and removal: the history is kept, only the uploader or the file holder changes a
document, a removal needs a reason, and a removed document answers 404 with all its versions while
the timeline keeps the trace, for those who may read it.

Who may read and who may change come from the policy at the oracle's relation
(``tests.support.documents``), for every person of the world.
"""

from __future__ import annotations

import dataclasses

import httpx
from litestar import Litestar

from portal.core.storage import DocumentStore
from portal.documents.workflow import CATEGORY_BY_CODE
from portal.visibility.policy import sees_record
from tests.courses.conftest import login_en
from tests.documents.conftest import (
    document_rows,
    events_of,
    linked,
    listed,
    relation_to,
    relations_of,
    stored_keys,
    viewer_of,
    whole_timeline,
)
from tests.support.documents import SeededDocument, may_change, may_read, pdf, upload
from tests.support.factories import PEOPLE, World, build_world

NEW_VERSION = "Add a new version"
"""The heading of the version and removal forms on a document's page."""


async def _post_version(
    http: httpx.AsyncClient, token: str, document_id: int, name: str, content: bytes
) -> httpx.Response:
    return await http.post(
        f"/documents/{document_id}/versions",
        data={"csrf_token": token},
        files={"file": (name, content, "application/pdf")},
    )


async def _remove(
    http: httpx.AsyncClient, token: str, document_id: int, reason: str
) -> httpx.Response:
    return await http.post(
        f"/documents/{document_id}/remove", data={"csrf_token": token, "reason": reason}
    )


async def _reads(world: World, username: str, document: SeededDocument) -> bool:
    viewer = await viewer_of(world, username)
    return may_read(viewer, document, relation_to(world, document, await relations_of(viewer)))


async def _changes(world: World, username: str, document: SeededDocument) -> bool:
    viewer = await viewer_of(world, username)
    relations = await relations_of(viewer)
    return may_change(viewer, document, relation_to(world, document, relations))


async def test_a_new_version_keeps_the_history(app: Litestar, client: httpx.AsyncClient) -> None:
    world = await build_world()
    store: DocumentStore = app.state.storage
    first = await upload(world, store, "sw.a", "cv", client="X", label="plan")
    token = await login_en(client, "sw.a")
    second_bytes = pdf("S3CRET-DOC-X-plan-second")
    response = await _post_version(client, token, first.id, "plan-v2.pdf", second_bytes)
    assert response.status_code == 303
    assert response.headers["location"] == f"/clients/{world.clients['X']}?done=document#documents"
    old, new = await document_rows(series=first.id)
    assert (old["id"], old["version"], old["current"]) == (first.id, 1, False)
    assert (new["version"], new["current"], new["name"]) == (2, True, "plan-v2.pdf")
    assert (new["category"], new["audience"], new["sensitivity"]) == (
        "cv",
        "care_team",
        "trajectory",
    )
    second = dataclasses.replace(first, id=new["id"], name="plan-v2.pdf", content=second_bytes)
    both = {first.id: first.name, second.id: second.name}

    for username in PEOPLE:
        await login_en(client, username)
        reads = await _reads(world, username, first)
        for document in (first, second):
            page = await client.get(f"/documents/{document.id}/versions")
            download = await client.get(f"/documents/{document.id}")
            if not reads:
                assert (page.status_code, download.status_code) == (404, 404), username
                continue
            assert page.status_code == 200, username
            assert linked(page.text) == both, username
            assert download.content == document.content, username
        client_page = await client.get(f"/clients/{world.clients['X']}")
        if reads:
            assert listed(client_page.text) == {second.id: second.name}, username
            timeline = await whole_timeline(client, world.clients["X"], "document.versioned")
            assert "New version 2 of plan-v2.pdf" in timeline, username

    token = await login_en(client, "sw.a")
    objects = stored_keys(store)
    response = await _post_version(client, token, first.id, "plan-v3.pdf", pdf("third"))
    assert response.status_code == 422
    assert "Only the newest version can be replaced or removed." in response.text
    assert len(await document_rows()) == 2 and stored_keys(store) == objects


async def test_only_the_uploader_or_the_file_holder_changes_a_document(
    app: Litestar, client: httpx.AsyncClient
) -> None:
    """The toeleider's care-team document on X, for every person: 404 for who may not read it,
    403 (and no forms offered) for a reader who may not change it, a new version for the uploader
    and the file holder; the removal, by the file holder, comes last."""
    world = await build_world()
    store: DocumentStore = app.state.storage
    document = await upload(world, store, "toeleider", "certificate", client="X")
    changers = [name for name in PEOPLE if await _changes(world, name, document)]
    assert changers == ["sw.a", "toeleider"], "the world has the uploader and the file holder"

    refusals = set()
    for username in PEOPLE:
        if username in changers:
            continue
        token = await login_en(client, username)
        reads = await _reads(world, username, document)
        expected = 403 if reads else 404
        refusals.add(expected)
        page = await client.get(f"/documents/{document.id}/versions")
        assert page.status_code == (200 if reads else 404), username
        assert NEW_VERSION not in page.text and "/remove" not in page.text, username
        response = await _post_version(client, token, document.id, "other.pdf", pdf("other"))
        assert response.status_code == expected, (username, response.status_code)
        response = await _remove(client, token, document.id, "Not theirs to remove")
        assert response.status_code == expected, (username, response.status_code)
    assert refusals == {403, 404}, "readers who may not change it, and people who do not read it"
    assert len(await document_rows()) == 1 and len(stored_keys(store)) == 1
    assert (await document_rows())[0]["deleted_at"] is None

    current = document
    for username in ("toeleider", "sw.a"):
        token = await login_en(client, username)
        page = await client.get(f"/documents/{current.id}/versions")
        assert NEW_VERSION in page.text and f"/documents/{current.id}/remove" in page.text
        name, content = f"certificate-by-{username}.pdf", pdf(f"version by {username}")
        response = await _post_version(client, token, current.id, name, content)
        assert response.status_code == 303, (username, response.status_code)
        newest = (await document_rows(current=True))[0]
        assert newest["author"] == world.people[username]
        current = dataclasses.replace(current, id=newest["id"], name=name, content=content)
        assert (await client.get(f"/documents/{current.id}")).content == content
    assert len(await document_rows(series=document.id)) == 3

    response = await _remove(client, token, current.id, "Uploaded on the wrong file")
    assert response.status_code == 303
    location = f"/clients/{world.clients['X']}?done=document-removed#documents"
    assert response.headers["location"] == location


async def test_a_removal_needs_a_reason(app: Litestar, client: httpx.AsyncClient) -> None:
    world = await build_world()
    document = await upload(world, app.state.storage, "sw.a", "diploma", client="X")
    token = await login_en(client, "sw.a")
    for reason, message in (
        ("", "Say why the document is removed."),
        (" \n\t ", "Say why the document is removed."),
        ("x" * 501, "A reason can be at most 500 characters long."),
    ):
        response = await _remove(client, token, document.id, reason)
        assert response.status_code == 422, repr(reason)
        assert message in response.text
        assert NEW_VERSION in response.text, "the page with its forms, to try again"
    (row,) = await document_rows()
    assert (row["deleted_at"], row["deleted_by"], row["delete_reason"]) == (None, None, "")
    assert await events_of(world.clients["X"], "document.removed") == []
    assert (await client.get(f"/documents/{document.id}")).content == document.content
    page = await client.get(f"/clients/{world.clients['X']}")
    assert listed(page.text) == {document.id: document.name}


async def test_a_removed_document_is_gone_but_its_removal_stays_on_the_timeline(
    app: Litestar, client: httpx.AsyncClient
) -> None:
    """Two documents of the file holder on X, shared with the care team: a CV with two versions
    and a social report. Once removed, every version answers 404 to everyone, for reading and
    for changing; the timeline says so, with the reason, to those who could read the document,
    and to no one else."""
    world = await build_world()
    store: DocumentStore = app.state.storage
    client_id = world.clients["X"]
    cv = await upload(world, store, "sw.a", "cv", client="X")
    report = await upload(world, store, "sw.a", "social_report", client="X")
    token = await login_en(client, "sw.a")
    response = await _post_version(client, token, cv.id, "cv-v2.pdf", pdf("cv second"))
    assert response.status_code == 303
    cv_ids = [row["id"] for row in await document_rows(series=cv.id)]
    reasons = {
        cv.id: "S3CRET-REASON-cv: belongs to another client",
        report.id: "S3CRET-REASON-report: written in error",
    }
    for document_id, current in ((cv.id, cv_ids[-1]), (report.id, report.id)):
        response = await _remove(client, token, current, reasons[document_id])
        assert response.status_code == 303
        assert (
            response.headers["location"] == f"/clients/{client_id}?done=document-removed#documents"
        )
    assert all(row["deleted_at"] is not None for row in await document_rows())
    assert [row["deleted_by"] for row in await document_rows()] == [world.people["sw.a"]] * 3
    removed = await events_of(client_id, "document.removed")
    assert [event["payload"]["reason"] for event in removed] == list(reasons.values())

    names = {cv.id: (cv.name, "cv-v2.pdf"), report.id: (report.name,)}
    outcomes: dict[int, set[bool]] = {cv.id: set(), report.id: set()}
    for username in PEOPLE:
        token = await login_en(client, username)
        for document_id in (*cv_ids, report.id):
            for url in (f"/documents/{document_id}", f"/documents/{document_id}/versions"):
                assert (await client.get(url)).status_code == 404, (username, url)
            response = await _post_version(client, token, document_id, "again.pdf", pdf("again"))
            assert response.status_code == 404, username
            assert (await _remove(client, token, document_id, "again")).status_code == 404
        viewer = await viewer_of(world, username)
        relation = (await relations_of(viewer))[0][client_id]
        if not sees_record(viewer.roles, relation):
            continue
        page = await client.get(f"/clients/{client_id}")
        assert listed(page.text) == {}, username
        timeline = await whole_timeline(client, client_id)
        for document in (cv, report):
            reads = may_read(viewer, document, relation)
            outcomes[document.id].add(reads)
            label, current = CATEGORY_BY_CODE[document.category].label, names[document.id][-1]
            if reads:
                assert f"{label} removed: {current}" in timeline, (username, current)
                assert reasons[document.id] in timeline, (username, current)
            else:
                assert reasons[document.id] not in timeline, username
                assert not any(name in timeline for name in names[document.id]), username
    assert outcomes == {cv.id: {True, False}, report.id: {True, False}}
    assert len(stored_keys(store)) == 3, "a removal keeps the bytes"


async def test_who_added_a_document_keeps_it_after_another_version(
    app: Litestar, client: httpx.AsyncClient
) -> None:
    """The file holder replaces a toeleider's CV; the toeleider who added it may still replace
    it: a document stays its first uploader's."""
    world = await build_world()
    store: DocumentStore = app.state.storage
    first = await upload(world, store, "toeleider", "cv", client="X", label="cv-owner")
    holder = await login_en(client, "sw.a")
    assert (
        await _post_version(client, holder, first.id, "cv-v2.pdf", pdf("v2"))
    ).status_code == 303
    (_, second) = await document_rows(series=first.id)
    partner = await login_en(client, "toeleider")
    response = await _post_version(client, partner, second["id"], "cv-v3.pdf", pdf("v3"))
    assert response.status_code == 303
    assert [row["version"] for row in await document_rows(series=first.id)] == [1, 2, 3]

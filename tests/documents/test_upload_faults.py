"""Faults during an upload: the store down, the database failing once the object is stored, and
the sweep that removes what a failure left behind."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import httpx
import pytest
from litestar import Litestar

from portal.core.storage import StoredObject
from portal.documents.sweep import sweep
from portal.documents.tables import Document
from portal.testing.processes import run_portal_ok
from portal.visibility.scoping import unscoped
from tests.courses.conftest import login_en
from tests.documents import files
from tests.support.factories import build_world


async def _rows() -> list[dict]:
    with unscoped("test: what was written"):
        return list(await Document.select())


async def _upload(client: httpx.AsyncClient, client_id: int, token: str) -> httpx.Response:
    return await client.post(
        f"/clients/{client_id}/documents",
        data={"csrf_token": token, "audience": "care_team", "category": "cv"},
        files={"file": ("cv.pdf", files.PDF, "application/pdf")},
    )


def _replace_with_a_file(root: Path) -> None:
    shutil.rmtree(root)
    root.write_text("not a folder any more")


async def test_a_store_that_fails_gets_a_message_and_no_row(
    app: Litestar, client: httpx.AsyncClient
) -> None:
    world = await build_world()
    token = await login_en(client, "sw.a")
    _replace_with_a_file(app.state.storage.root)
    response = await _upload(client, world.clients["X"], token)
    assert response.status_code == 503
    assert "cannot be reached right now; nothing was kept" in response.text
    assert '<option value="cv" selected>' in response.text
    assert await _rows() == []
    health = await client.get("/health")
    assert health.status_code == 503 and health.json()["documents"] == "unreachable"


async def test_a_failed_row_takes_its_object_with_it(
    app: Litestar, client: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    world = await build_world()
    token = await login_en(client, "sw.a")

    def database_gone(*_rows: object) -> None:
        raise ConnectionError("database went away")

    monkeypatch.setattr(Document, "insert", database_gone)
    response = await _upload(client, world.clients["X"], token)
    assert response.status_code == 503
    assert "database went away" not in response.text
    monkeypatch.undo()
    assert await _rows() == []
    assert list(app.state.storage.objects()) == []


async def test_what_a_crash_leaves_is_swept_after_an_hour(
    app: Litestar, client: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The row fails and so does the removal of the object (as if the process died in between):
    the orphan stays until the sweep, which leaves young objects and named ones alone."""
    world = await build_world()
    token = await login_en(client, "sw.a")
    store = app.state.storage
    assert (await _upload(client, world.clients["X"], token)).status_code == 303

    def database_gone(*_rows: object) -> None:
        raise ConnectionError("database went away")

    def store_gone(_key: str) -> None:
        raise OSError("store went away")

    monkeypatch.setattr(Document, "insert", database_gone)
    monkeypatch.setattr(store, "delete", store_gone)
    assert (await _upload(client, world.clients["X"], token)).status_code == 503
    monkeypatch.undo()
    (kept,) = await _rows()
    objects = {stored.key: stored for stored in store.objects()}
    assert len(objects) == 2
    (orphan,) = [key for key in objects if key != kept["object_key"]]

    now = dt.datetime.now(dt.UTC)
    early = await sweep(store, now=now)
    assert (early.removed, early.kept, early.young) == ([], 1, 1)
    later = await sweep(store, now=now + dt.timedelta(hours=1, seconds=1))
    assert [stored.key for stored in later.removed] == [orphan]
    assert isinstance(later.removed[0], StoredObject)
    assert {stored.key for stored in store.objects()} == {kept["object_key"]}
    download = await client.get(f"/documents/{kept['id']}")
    assert download.content == files.PDF


def test_the_sweep_command_reports_what_it_removed(tmp_path: Path) -> None:
    env = {
        "PORTAL_DATABASE_URL": f"sqlite:///{tmp_path / 'portal.sqlite3'}",
        "PORTAL_VAR_DIR": str(tmp_path / "var"),
    }
    run_portal_ok(env, "migrate")
    orphan = tmp_path / "var" / "documents" / "documents" / "ab" / "ab00"
    orphan.parent.mkdir(parents=True)
    orphan.write_bytes(b"left behind")
    output = run_portal_ok(env, "documents", "sweep", "--older-than", "0")
    assert "removed documents/ab/ab00 (11 bytes" in output
    assert "removed 1 orphan(s)" in output
    assert not orphan.exists()

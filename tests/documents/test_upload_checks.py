"""What an upload accepts, what it refuses with a message in the form, and that a refusal leaves
nothing behind: no row, no object, no temporary part."""

from __future__ import annotations

import httpx
import pytest
from litestar import Litestar

from portal.audit.tables import AccessLogEntry
from portal.documents.tables import Document
from portal.visibility.scoping import unscoped
from tests.courses.conftest import login_en
from tests.documents import files
from tests.documents.conftest import listed
from tests.support.factories import build_world


async def _rows() -> list[dict]:
    with unscoped("test: what was written"):
        return list(await Document.select())


def _objects(app: Litestar) -> list[str]:
    return [stored.key for stored in app.state.storage.objects()]


async def _post(
    client: httpx.AsyncClient, client_id: int, token: str, name: str, data: bytes, **fields: str
) -> httpx.Response:
    form = {"csrf_token": token, "audience": "care_team", "category": "cv", **fields}
    return await client.post(
        f"/clients/{client_id}/documents",
        data=form,
        files={"file": (name, data, "application/pdf")},
    )


@pytest.mark.parametrize(
    ("name", "data", "content_type"),
    [
        ("cv.pdf", files.PDF, "application/pdf"),
        ("brief.txt", files.TEXT, "text/plain; charset=utf-8"),
        (
            "cv.docx",
            files.docx(),
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        ),
        ("cv.odt", files.odt(), "application/vnd.oasis.opendocument.text"),
        (
            "budget.xlsx",
            files.xlsx(),
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        ),
        ("photo.png", b"\x89PNG\r\n\x1a\n" + bytes(64), "image/png"),
        ("photo.jpg", b"\xff\xd8\xff\xe0" + bytes(64), "image/jpeg"),
        ("page.html", files.POLYGLOT, "application/pdf"),
    ],
)
async def test_accepted_types_are_stored_with_the_sniffed_type(
    app: Litestar, client: httpx.AsyncClient, name: str, data: bytes, content_type: str
) -> None:
    world = await build_world()
    token = await login_en(client, "sw.a")
    response = await _post(client, world.clients["X"], token, name, data)
    assert response.status_code == 303, response.text
    (row,) = await _rows()
    assert row["content_type"] == content_type
    assert row["size"] == len(data)
    assert row["name"] == name
    assert row["object_key"] in _objects(app)
    assert name not in row["object_key"]
    download = await client.get(f"/documents/{row['id']}")
    assert download.content == data
    assert download.headers["content-type"] == content_type
    assert download.headers["content-disposition"].startswith("attachment;")
    assert download.headers["x-content-type-options"] == "nosniff"
    assert download.headers["cache-control"] == "no-store"


@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("cv.pdf", files.EXE),
        ("tool", files.ELF),
        ("page.html", files.HTML),
        ("logo.svg", files.SVG),
        ("archive.docx", files.plain_zip()),
        ("empty.pdf", b""),
        ("binary.txt", b"hello\x00world" * 10),
    ],
)
async def test_refused_types_leave_nothing(
    app: Litestar, client: httpx.AsyncClient, name: str, data: bytes
) -> None:
    world = await build_world()
    token = await login_en(client, "sw.a")
    response = await _post(client, world.clients["X"], token, name, data, category="diploma")
    assert response.status_code == 422
    assert 'id="f-file-error"' in response.text
    assert '<option value="diploma" selected>' in response.text, "the input is kept"
    assert await _rows() == []
    assert _objects(app) == []
    with unscoped("test: access records"):
        assert await AccessLogEntry.count().where(AccessLogEntry.action == "document.upload") == 0


async def test_the_name_never_becomes_a_path(app: Litestar, client: httpx.AsyncClient) -> None:
    world = await build_world()
    token = await login_en(client, "sw.a")
    response = await _post(client, world.clients["X"], token, "..\\..\\etc/passwd.pdf", files.PDF)
    assert response.status_code == 303
    (row,) = await _rows()
    assert row["name"] == "passwd.pdf"
    assert row["object_key"].startswith("documents/")
    download = await client.get(f"/documents/{row['id']}")
    assert 'filename="passwd.pdf"' in download.headers["content-disposition"]


async def test_an_unusual_name_is_sent_as_rfc_6266(client: httpx.AsyncClient) -> None:
    world = await build_world()
    token = await login_en(client, "sw.a")
    name = 'Attest "Ça va" – Zoë.pdf'
    assert (await _post(client, world.clients["X"], token, name, files.PDF)).status_code == 303
    (row,) = await _rows()
    header = (await client.get(f"/documents/{row['id']}")).headers["content-disposition"]
    assert header == (
        'attachment; filename="Attest _Ca va_  Zoe.pdf"; '
        "filename*=UTF-8''Attest%20%22%C3%87a%20va%22%20%E2%80%93%20Zo%C3%AB.pdf"
    )


async def test_missing_fields_keep_the_input(client: httpx.AsyncClient) -> None:
    world = await build_world()
    token = await login_en(client, "sw.a")
    response = await client.post(
        f"/clients/{world.clients['X']}/documents",
        data={"csrf_token": token, "audience": "own_org", "category": ""},
        files={"file": ("cv.pdf", files.PDF, "application/pdf")},
    )
    assert response.status_code == 422
    assert 'id="f-category-error"' in response.text
    assert '<option value="own_org" selected>' in response.text
    assert await _rows() == []


async def test_a_csrf_token_is_checked_before_the_file_is_read(
    app: Litestar, client: httpx.AsyncClient
) -> None:
    world = await build_world()
    await login_en(client, "sw.a")
    sent: list[int] = []
    boundary = "b0undary"
    head = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="csrf_token"\r\n\r\nwrong\r\n'
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="a.pdf"\r\n'
        "Content-Type: application/pdf\r\n\r\n"
    ).encode()

    async def body():
        yield head
        for _ in range(64):
            sent.append(1)
            yield b"%PDF-1.4 " + bytes(64 * 1024)
        yield f"\r\n--{boundary}--\r\n".encode()

    response = await client.post(
        f"/clients/{world.clients['X']}/documents",
        content=body(),
        headers={"Content-Type": f"multipart/form-data; boundary={boundary}"},
    )
    assert response.status_code == 403
    assert len(sent) < 64, "the file was read although the token was wrong"
    assert await _rows() == [] and _objects(app) == []


async def test_the_csrf_header_stands_for_the_part(client: httpx.AsyncClient) -> None:
    world = await build_world()
    token = await login_en(client, "sw.a")
    response = await client.post(
        f"/clients/{world.clients['X']}/documents",
        data={"audience": "care_team", "category": "cv"},
        files={"file": ("cv.pdf", files.PDF, "application/pdf")},
        headers={"X-CSRF-Token": token},
    )
    assert response.status_code == 303
    wrong = await client.post(
        f"/clients/{world.clients['X']}/documents",
        data={"audience": "care_team", "category": "cv"},
        files={"file": ("cv.pdf", files.PDF, "application/pdf")},
        headers={"X-CSRF-Token": "forged"},
    )
    assert wrong.status_code == 403
    assert len(await _rows()) == 1


async def test_htmx_gets_the_new_entry(client: httpx.AsyncClient) -> None:
    world = await build_world()
    token = await login_en(client, "sw.a")
    response = await client.post(
        f"/clients/{world.clients['X']}/documents",
        data={"csrf_token": token, "audience": "care_team", "category": "cv"},
        files={"file": ("cv htmx.pdf", files.PDF, "application/pdf")},
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 201
    (row,) = await _rows()
    assert response.text.lstrip().startswith("<li>")
    assert f'href="/documents/{row["id"]}"' in response.text
    assert "<html" not in response.text


async def test_the_header_lists_the_newest_and_links_to_all(client: httpx.AsyncClient) -> None:
    world = await build_world()
    token = await login_en(client, "sw.a")
    x = world.clients["X"]
    for number in range(10):
        category = "diploma" if number < 3 else "cv"
        response = await _post(
            client, x, token, f"doc-{number:02d}.pdf", files.PDF, category=category
        )
        assert response.status_code == 303
    names = [f"doc-{number:02d}.pdf" for number in range(10)]
    page = (await client.get(f"/clients/{x}")).text
    assert sorted(listed(page).values()) == names[2:]
    assert f'href="/clients/{x}/documents"' in page
    assert "All documents (2 more)" in page
    every = (await client.get(f"/clients/{x}/documents")).text
    assert sorted(listed(every).values()) == names
    diplomas = (await client.get(f"/clients/{x}/documents?category=diploma")).text
    assert sorted(listed(diplomas).values()) == names[:3]
    unknown = (await client.get(f"/clients/{x}/documents?category=nonsense")).text
    assert sorted(listed(unknown).values()) == names

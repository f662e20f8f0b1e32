"""Documents on a real S3 server (SeaweedFS over HTTP): the upload streams in parts, a download
is a presigned URL of at most 60 seconds that forces the attachment and the stored type, and a
store that goes away in the middle of an upload leaves no row, and nothing the sweep misses."""

from __future__ import annotations

import asyncio
import datetime as dt
import hashlib
from collections.abc import AsyncIterator
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from litestar import Litestar

from portal.documents.sweep import sweep
from portal.documents.tables import Document
from portal.settings import Settings
from portal.visibility.scoping import unscoped
from tests.conftest import make_settings
from tests.courses.conftest import login_en
from tests.documents import files
from tests.support.factories import build_world
from tests.support.s3 import S3Bucket

MIB = 1024 * 1024
BOUNDARY = "s3-boundary"


@pytest.fixture
def settings(tmp_path: Path, s3_bucket: S3Bucket) -> Settings:
    return make_settings(tmp_path, PORTAL_UPLOAD_MAX_MB="12", **s3_bucket.env)


async def _rows() -> list[dict]:
    with unscoped("test: what was written"):
        return list(await Document.select())


def _keys(bucket: S3Bucket) -> list[str]:
    return [
        item.object_name or "" for item in bucket.client.list_objects(bucket.name, recursive=True)
    ]


def _head(token: str) -> bytes:
    return (
        f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="csrf_token"\r\n\r\n{token}\r\n'
        f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="category"\r\n\r\ncv\r\n'
        f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="audience"\r\n\r\ncare_team\r\n'
        f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="file"; filename="big.pdf"\r\n'
        "Content-Type: application/pdf\r\n\r\n"
    ).encode()


async def _streamed(
    client: httpx.AsyncClient, client_id: int, body: AsyncIterator[bytes]
) -> httpx.Response:
    return await client.post(
        f"/clients/{client_id}/documents",
        content=body,
        headers={"Content-Type": f"multipart/form-data; boundary={BOUNDARY}"},
    )


async def test_an_upload_lands_in_the_bucket_and_comes_back_presigned(
    s3_bucket: S3Bucket, client: httpx.AsyncClient
) -> None:
    world = await build_world()
    token = await login_en(client, "sw.a")
    chunk = b"%PDF-1.4\n" + bytes(range(256)) * 4096
    size = 10 * MIB + 123
    digest = hashlib.sha256()

    async def body() -> AsyncIterator[bytes]:
        yield _head(token)
        sent = 0
        while sent < size:
            piece = chunk[: min(len(chunk), size - sent)]
            digest.update(piece)
            sent += len(piece)
            yield piece
        yield f"\r\n--{BOUNDARY}--\r\n".encode()

    response = await _streamed(client, world.clients["X"], body())
    assert response.status_code == 303, response.text
    (row,) = await _rows()
    assert (row["size"], row["sha256"]) == (size, digest.hexdigest())
    assert _keys(s3_bucket) == [row["object_key"]]
    assert s3_bucket.incomplete_uploads() == []

    download = await client.get(f"/documents/{row['id']}")
    assert download.status_code == 303
    url = download.headers["location"]
    query = parse_qs(urlsplit(url).query)
    assert int(query["X-Amz-Expires"][0]) <= 60
    async with httpx.AsyncClient() as outside:
        served = await outside.get(url)
    assert served.status_code == 200
    assert hashlib.sha256(served.content).hexdigest() == row["sha256"]
    assert served.headers["content-type"] == "application/pdf"
    assert served.headers["content-disposition"] == 'attachment; filename="big.pdf"; ' + (
        "filename*=UTF-8''big.pdf"
    )


async def test_too_large_on_s3_leaves_no_object_and_no_part(
    s3_bucket: S3Bucket, client: httpx.AsyncClient
) -> None:
    world = await build_world()
    token = await login_en(client, "sw.a")

    async def body() -> AsyncIterator[bytes]:
        yield _head(token)
        yield b"%PDF-1.4\n"
        for _ in range(13):
            yield bytes(MIB)
        yield f"\r\n--{BOUNDARY}--\r\n".encode()

    response = await _streamed(client, world.clients["X"], body())
    assert response.status_code == 422
    assert "larger than 12 MB" in response.text
    assert await _rows() == []
    assert _keys(s3_bucket) == [] and s3_bucket.incomplete_uploads() == []


async def test_a_store_gone_midway_leaves_no_row_and_the_sweep_clears_the_rest(
    app: Litestar, s3_bucket: S3Bucket, client: httpx.AsyncClient
) -> None:
    world = await build_world()
    token = await login_en(client, "sw.a")

    async def body() -> AsyncIterator[bytes]:
        yield _head(token)
        yield b"%PDF-1.4\n"
        for number in range(11):
            if number == 9:
                await asyncio.to_thread(s3_bucket.server.stop)
            yield bytes(MIB)
        yield f"\r\n--{BOUNDARY}--\r\n".encode()

    response = await _streamed(client, world.clients["X"], body())
    assert response.status_code == 503
    assert "cannot be reached right now; nothing was kept" in response.text
    assert await _rows() == []

    await asyncio.to_thread(s3_bucket.server.start)
    report = await sweep(app.state.storage, now=dt.datetime.now(dt.UTC) + dt.timedelta(hours=2))
    assert report.kept == 0
    assert _keys(s3_bucket) == [] and s3_bucket.incomplete_uploads() == []
    assert (await client.get("/health")).json()["documents"] == "ok"


async def test_types_are_still_checked_after_storing_on_s3(
    s3_bucket: S3Bucket, client: httpx.AsyncClient
) -> None:
    world = await build_world()
    token = await login_en(client, "sw.a")
    refused = await client.post(
        f"/clients/{world.clients['X']}/documents",
        data={"csrf_token": token, "audience": "care_team", "category": "cv"},
        files={"file": ("cv.docx", files.plain_zip(), "application/zip")},
    )
    assert refused.status_code == 422
    accepted = await client.post(
        f"/clients/{world.clients['X']}/documents",
        data={"csrf_token": token, "audience": "care_team", "category": "cv"},
        files={"file": ("cv.docx", files.docx(), "application/zip")},
    )
    assert accepted.status_code == 303
    (row,) = await _rows()
    assert row["content_type"].endswith("wordprocessingml.document")
    assert _keys(s3_bucket) == [row["object_key"]]

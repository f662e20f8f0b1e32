"""One contract for every document store: the local folder and S3 (SeaweedFS over HTTP, the same
protocol MinIO speaks), then what only S3 does (presigned downloads) and how the app uses it."""

from __future__ import annotations

import datetime as dt
import hashlib
import itertools
import random
import shutil
import socket
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from portal.app import create_app, document_store
from portal.cli import _check
from portal.core.storage import (
    PRESIGN_MAX,
    DocumentStore,
    ObjectMissing,
    StorageUnavailable,
    content_disposition,
    new_key,
)
from portal.core.storage.local import INCOMING, LocalDocumentStore
from portal.core.storage.s3 import PART_SIZE, S3DocumentStore
from portal.settings import ConfigError
from portal.testing.processes import free_port
from tests.conftest import make_settings, running
from tests.support.s3 import S3Bucket

MIB = 1024 * 1024
DOWN_WITHIN = 10.0
"""Seconds a store may take to tell that it is down (a hung call would take minutes)."""


class ReaderBroke(Exception):
    """The upload's source failed (a client that went away mid-upload)."""


class Pieces:
    """``data`` handed out in odd-sized pieces, never more than asked for; with ``fail_at``, the
    read after that many bytes raises ``ReaderBroke`` (after calling ``before_failing``)."""

    SIZES = (1, 4093, 65_537, 1_000_003, 7, 333_333)

    def __init__(
        self,
        data: bytes,
        *,
        fail_at: int | None = None,
        before_failing: Callable[[], None] = lambda: None,
    ) -> None:
        self.data = data
        self.position = 0
        self.sizes = itertools.cycle(self.SIZES)
        self.fail_at = fail_at
        self.before_failing = before_failing

    def read(self, size: int = -1, /) -> bytes:
        if self.fail_at is not None and self.position >= self.fail_at:
            self.before_failing()
            raise ReaderBroke
        piece = next(self.sizes) if size < 0 else min(size, next(self.sizes))
        chunk = self.data[self.position : self.position + piece]
        self.position += len(chunk)
        return chunk


def random_bytes(size: int, seed: int = 7) -> bytes:
    return random.Random(seed).randbytes(size)


@dataclass
class Subject:
    store: DocumentStore
    take_down: Callable[[], None]
    """Make the store unreachable: stop the S3 server, remove the folder."""
    leftovers: Callable[[], list[str]]
    """What unfinished writes left: uploads never completed nor aborted, files in ``.incoming``."""


@pytest.fixture(params=["local", "s3"])
def subject(request: pytest.FixtureRequest, tmp_path: Path) -> Subject:
    if request.param == "local":
        root = tmp_path / "documents"
        local = LocalDocumentStore(root)
        local.prepare()
        return Subject(
            local,
            take_down=lambda: shutil.rmtree(root),
            leftovers=lambda: sorted(path.name for path in (root / INCOMING).iterdir()),
        )
    bucket: S3Bucket = request.getfixturevalue("s3_bucket")
    s3 = bucket.store()
    s3.prepare()
    return Subject(s3, take_down=bucket.server.stop, leftovers=bucket.incomplete_uploads)


def put_bytes(store: DocumentStore, data: bytes) -> str:
    key = new_key()
    assert store.put(key, Pieces(data)) == len(data)
    return key


def test_a_large_object_goes_in_and_comes_back_whole(subject: Subject) -> None:
    data = random_bytes(12 * MIB)
    assert len(data) > PART_SIZE  # on S3, a multipart upload
    key = new_key()
    assert subject.store.put(key, Pieces(data)) == len(data)
    assert subject.store.size(key) == len(data)
    digest = hashlib.sha256()
    for chunk in subject.store.chunks(key, chunk_size=100_000):
        assert 0 < len(chunk) <= 100_000
        digest.update(chunk)
    assert digest.hexdigest() == hashlib.sha256(data).hexdigest()
    assert subject.leftovers() == []


def test_small_and_empty_objects(subject: Subject) -> None:
    empty = put_bytes(subject.store, b"")
    assert subject.store.size(empty) == 0
    assert b"".join(subject.store.chunks(empty)) == b""
    assert subject.store.read_range(empty, -4, 4) == b""
    small = put_bytes(subject.store, b"hello")
    assert b"".join(subject.store.chunks(small)) == b"hello"
    replaced = subject.store.put(small, Pieces(b"goodbye"))
    assert (replaced, subject.store.size(small)) == (7, 7)


@pytest.mark.parametrize(
    ("offset", "length", "expected"),
    [
        (0, 10, slice(0, 10)),
        (1000, 24, slice(1000, 1024)),
        (9990, 100, slice(9990, 10_000)),
        (20_000, 10, slice(0, 0)),
        (5, 0, slice(0, 0)),
        (-10, 10, slice(9990, 10_000)),
        (-10, 4, slice(9990, 9994)),
        (-10, 100, slice(9990, 10_000)),
        (-20_000, 5, slice(0, 5)),
        (-20_000, 20_000, slice(0, 10_000)),
    ],
)
def test_read_range(subject: Subject, offset: int, length: int, expected: slice) -> None:
    data = random_bytes(10_000)
    key = put_bytes(subject.store, data)
    assert subject.store.read_range(key, offset, length) == data[expected]


def test_a_missing_key_is_object_missing(subject: Subject) -> None:
    key = new_key()
    with pytest.raises(ObjectMissing):
        next(iter(subject.store.chunks(key)))
    with pytest.raises(ObjectMissing):
        subject.store.size(key)
    with pytest.raises(ObjectMissing):
        subject.store.read_range(key, 0, 10)
    with pytest.raises(ObjectMissing):
        subject.store.read_range(key, -10, 10)
    with pytest.raises(ObjectMissing):
        subject.store.read_range(key, 0, 0)


def test_delete_is_idempotent(subject: Subject) -> None:
    key = put_bytes(subject.store, b"to be removed")
    kept = put_bytes(subject.store, b"to be kept")
    subject.store.delete(key)
    with pytest.raises(ObjectMissing):
        subject.store.size(key)
    subject.store.delete(key)
    subject.store.delete(new_key())
    assert [item.key for item in subject.store.objects()] == [kept]


def test_objects_lists_what_was_put(subject: Subject) -> None:
    before = dt.datetime.now(dt.UTC)
    keys = {put_bytes(subject.store, b"x" * size): size for size in (0, 3, 70_000)}
    after = dt.datetime.now(dt.UTC)
    listed = {item.key: item for item in subject.store.objects()}
    assert {key: item.size for key, item in listed.items()} == keys
    for item in listed.values():
        assert item.modified.utcoffset() == dt.timedelta(0)
        # S3 keeps whole seconds; allow for that and a little clock difference
        assert before - dt.timedelta(seconds=2) <= item.modified <= after + dt.timedelta(seconds=2)


def test_a_reader_failing_midway_leaves_nothing(subject: Subject) -> None:
    """Past the first part, so that S3 has a multipart upload to abort (and the folder a file
    in ``.incoming`` to remove): both are seen while the reader fails, and gone after."""
    seen_while_failing: list[list[str]] = []
    reader = Pieces(
        random_bytes(12 * MIB),
        fail_at=PART_SIZE + 2 * MIB,
        before_failing=lambda: seen_while_failing.append(subject.leftovers()),
    )
    key = new_key()
    with pytest.raises(ReaderBroke):
        subject.store.put(key, reader)
    assert len(seen_while_failing) == 1 and len(seen_while_failing[0]) == 1
    with pytest.raises(ObjectMissing):
        subject.store.size(key)
    assert list(subject.store.objects()) == []
    assert subject.leftovers() == []


def test_check_passes_on_a_healthy_store(subject: Subject) -> None:
    subject.store.check()


def test_check_fails_within_seconds_when_the_store_is_gone(subject: Subject) -> None:
    subject.take_down()
    started = time.monotonic()
    with pytest.raises(StorageUnavailable):
        subject.store.check()
    assert time.monotonic() - started < DOWN_WITHIN


def test_a_local_store_offers_no_presigned_url(tmp_path: Path) -> None:
    store = LocalDocumentStore(tmp_path)
    store.prepare()
    key = put_bytes(store, b"x")
    url = store.presigned_download(
        key, filename="x.txt", content_type="text/plain", expires=dt.timedelta(seconds=30)
    )
    assert url is None


# S3 only


def test_every_s3_call_on_a_stopped_server_is_storage_unavailable(s3_bucket: S3Bucket) -> None:
    store = s3_bucket.store()
    key = put_bytes(store, b"stored before the outage")
    s3_bucket.server.stop()
    calls: list[Callable[[], object]] = [
        lambda: store.put(new_key(), Pieces(b"new")),
        lambda: next(iter(store.chunks(key))),
        lambda: store.read_range(key, 0, 4),
        lambda: store.size(key),
        lambda: store.delete(key),
        lambda: list(store.objects()),
        store.prepare,
    ]
    for call in calls:
        started = time.monotonic()
        with pytest.raises(StorageUnavailable):
            call()
        assert time.monotonic() - started < DOWN_WITHIN


def test_a_server_that_never_answers_fails_the_check_within_seconds() -> None:
    """It accepts connections (the kernel does, into the backlog) and never says a word."""
    with socket.create_server(("127.0.0.1", 0)) as silent:
        store = S3DocumentStore(
            endpoint=f"127.0.0.1:{silent.getsockname()[1]}",
            access_key="brug",
            secret_key="s3cret-s3cret",
            bucket="brug-documents",
            secure=False,
        )
        started = time.monotonic()
        with pytest.raises(StorageUnavailable):
            store.check()
        assert time.monotonic() - started < DOWN_WITHIN


def test_a_missing_bucket_fails_the_check_and_prepare_makes_it(s3_bucket: S3Bucket) -> None:
    s3_bucket.client.remove_bucket(s3_bucket.name)
    store = s3_bucket.store()
    with pytest.raises(StorageUnavailable, match="bucket does not exist"):
        store.check()
    with pytest.raises(StorageUnavailable):
        store.size(new_key())
    store.prepare()
    store.check()
    store.prepare()


def test_wrong_credentials_are_storage_unavailable(s3_bucket: S3Bucket) -> None:
    store = S3DocumentStore(
        endpoint=s3_bucket.server.endpoint,
        access_key=s3_bucket.server.access_key,
        secret_key="not-the-secret",
        bucket=s3_bucket.name,
        secure=False,
    )
    with pytest.raises(StorageUnavailable):
        store.check()
    with pytest.raises(StorageUnavailable):
        store.put(new_key(), Pieces(b"x"))


def test_delete_also_aborts_an_upload_left_behind(s3_bucket: S3Bucket) -> None:
    """An upload whose writer died before it could abort: listed by ``objects``, so the sweep
    can find it, and gone after ``delete``."""
    store = s3_bucket.store()
    key = new_key()
    s3_bucket.client._create_multipart_upload(s3_bucket.name, key, {})
    assert s3_bucket.incomplete_uploads() == [key]
    [left] = store.objects()
    assert (left.key, left.size) == (key, 0)
    assert abs(left.modified - dt.datetime.now(dt.UTC)) < dt.timedelta(seconds=10)
    store.delete(key)
    assert s3_bucket.incomplete_uploads() == []
    assert list(store.objects()) == []


def presign(store: DocumentStore, key: str, filename: str, expires: dt.timedelta) -> str:
    url = store.presigned_download(
        key, filename=filename, content_type="application/pdf", expires=expires
    )
    assert url is not None
    return url


def test_a_presigned_url_serves_the_object_as_an_attachment(s3_bucket: S3Bucket) -> None:
    store = s3_bucket.store()
    data = random_bytes(300_000)
    key = put_bytes(store, data)
    filename = 'Verslag "intake" Één.pdf'
    url = presign(store, key, filename, dt.timedelta(seconds=30))
    with urllib.request.urlopen(url, timeout=10) as response:
        assert response.status == 200
        assert response.headers["Content-Disposition"] == content_disposition(filename)
        assert response.headers["Content-Type"] == "application/pdf"
        assert response.read() == data


def refusal(url: str) -> int:
    """The HTTP status with which the server refuses ``url``."""
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(url, timeout=10)
    with refused.value:
        return refused.value.code


def test_a_tampered_presigned_url_is_refused(s3_bucket: S3Bucket) -> None:
    store = s3_bucket.store()
    key = put_bytes(store, b"secret report")
    url = presign(store, key, "report.pdf", dt.timedelta(seconds=30))
    signature = parse_qs(urlsplit(url).query)["X-Amz-Signature"][0]
    changed = ("0" if signature[0] != "0" else "1") + signature[1:]
    tampered = url.replace(f"X-Amz-Signature={signature}", f"X-Amz-Signature={changed}")
    assert tampered != url
    assert refusal(tampered) == 403
    assert refusal(url.replace(key, new_key())) == 403
    with urllib.request.urlopen(url, timeout=10) as response:
        assert response.read() == b"secret report"


@pytest.mark.parametrize(
    ("asked", "granted"),
    [(dt.timedelta(hours=1), "60"), (PRESIGN_MAX, "60"), (dt.timedelta(seconds=10), "10")],
)
def test_presigned_urls_last_at_most_a_minute(
    s3_bucket: S3Bucket, asked: dt.timedelta, granted: str
) -> None:
    url = presign(s3_bucket.store(), new_key(), "x.pdf", asked)
    assert parse_qs(urlsplit(url).query)["X-Amz-Expires"] == [granted]


@pytest.mark.parametrize(
    ("filename", "header"),
    [
        ("verslag.pdf", "attachment; filename=\"verslag.pdf\"; filename*=UTF-8''verslag.pdf"),
        (
            'Één "plan".pdf',
            "attachment; filename=\"Een _plan_.pdf\"; filename*=UTF-8''%C3%89%C3%A9n%20%22plan%22.pdf",
        ),
        (
            "报告.docx",
            "attachment; filename=\"document.docx\"; filename*=UTF-8''%E6%8A%A5%E5%91%8A.docx",
        ),
        (
            "a/b\\c%41.txt",
            "attachment; filename=\"a_b_c_41.txt\"; filename*=UTF-8''a%2Fb%5Cc%2541.txt",
        ),
        ("new\r\nline.txt", "attachment; filename=\"newline.txt\"; filename*=UTF-8''newline.txt"),
        ("", "attachment; filename=\"document\"; filename*=UTF-8''document"),
    ],
)
def test_content_disposition(filename: str, header: str) -> None:
    assert content_disposition(filename) == header


# The app on S3


def test_the_app_uses_s3_when_an_endpoint_is_set(tmp_path: Path, s3_bucket: S3Bucket) -> None:
    assert isinstance(document_store(make_settings(tmp_path)), LocalDocumentStore)
    s3_bucket.client.remove_bucket(s3_bucket.name)
    app = create_app(make_settings(tmp_path, **s3_bucket.env))
    assert isinstance(app.state.storage, S3DocumentStore)
    assert s3_bucket.client.bucket_exists(s3_bucket.name)


def test_an_unreachable_s3_server_stops_start_up(tmp_path: Path, s3_bucket: S3Bucket) -> None:
    env = {**s3_bucket.env, "PORTAL_S3_ENDPOINT": f"127.0.0.1:{free_port()}"}
    started = time.monotonic()
    with pytest.raises(ConfigError) as raised:
        create_app(make_settings(tmp_path, **env))
    assert time.monotonic() - started < DOWN_WITHIN
    assert raised.value.variable == "PORTAL_S3_ENDPOINT"
    assert "\n" not in str(raised.value)


async def test_health_reports_s3_unreachable(tmp_path: Path, s3_bucket: S3Bucket) -> None:
    settings = make_settings(tmp_path, **s3_bucket.env)
    async with running(create_app(settings)) as app:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
            healthy = await http.get("/health")
            assert healthy.status_code == 200
            assert healthy.json() == {"status": "ok", "database": "ok", "documents": "ok"}
            s3_bucket.server.stop()
            broken = await http.get("/health")
    assert broken.status_code == 503
    assert broken.json() == {"status": "unavailable", "database": "ok", "documents": "unreachable"}


async def test_portal_check_reaches_the_s3_server(tmp_path: Path, s3_bucket: S3Bucket) -> None:
    settings = make_settings(tmp_path, **s3_bucket.env)
    await _check(settings)
    s3_bucket.server.stop()
    with pytest.raises(ConfigError) as raised:
        await _check(settings)
    assert raised.value.variable == "PORTAL_S3_ENDPOINT"

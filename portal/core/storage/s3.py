"""The production document store: objects in an S3-compatible bucket (MinIO, or any other),
through the synchronous ``minio`` client.

Two HTTP pools: one for the data, and one with short timeouts for ``prepare`` and ``check``, so a
server that does not answer fails ``/health`` and start-up within seconds, not minutes.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Iterator
from contextlib import contextmanager
from typing import BinaryIO, cast

import certifi
import urllib3
from minio import Minio
from minio.datatypes import Upload
from minio.error import MinioException, S3Error

from portal.core.storage import (
    PRESIGN_MAX,
    ObjectMissing,
    Reader,
    StorageUnavailable,
    StoredObject,
    content_disposition,
)

PART_SIZE = 5 * 1024 * 1024
"""Bytes per part of a multipart upload (S3's minimum). With ``PARTS_IN_FLIGHT`` parts sent at
once an upload keeps pace with the ``minio`` client's own ``fput_object`` and holds about
25 MiB whatever the file's size (``make bench-upload``)."""
PARTS_IN_FLIGHT = 3
CHUNK_SIZE = 256 * 1024
CLIENT_ERRORS = (MinioException, urllib3.exceptions.HTTPError)
"""What the client raises when the server cannot be reached or answers with an error."""


def _pool(*, connect: float, read: float, retries: int) -> urllib3.PoolManager:
    """Connections with these timeouts (seconds), trying ``retries`` more times on a refused
    connection or a server error, but once only when an answer is late (it would be as late)."""
    return urllib3.PoolManager(
        timeout=urllib3.Timeout(connect=connect, read=read),
        retries=urllib3.Retry(
            total=retries,
            read=0,
            backoff_factor=0.2,
            status_forcelist=[500, 502, 503, 504],
        ),
        maxsize=10,
        cert_reqs="CERT_REQUIRED",
        ca_certs=os.environ.get("SSL_CERT_FILE") or certifi.where(),
    )


class _Source:
    """The caller's reader, read in whole parts (the client would join short reads by copying the
    part so far each time), remembering its own failure to tell it apart from the store's."""

    def __init__(self, reader: Reader) -> None:
        self.reader = reader
        self.size = 0
        self.failure: BaseException | None = None

    def read(self, size: int = -1, /) -> bytes:
        """``size`` bytes (all that is left when negative), fewer only at the end; a reader that
        returns whole parts (the inspector does) is passed through without a copy."""
        try:
            data = self.reader.read(size if size >= 0 else PART_SIZE)
            if data and (size < 0 or len(data) < size):
                parts, have = [data], len(data)
                while size < 0 or have < size:
                    chunk = self.reader.read(size - have if size >= 0 else PART_SIZE)
                    if not chunk:
                        break
                    parts.append(chunk)
                    have += len(chunk)
                data = b"".join(parts)
        except BaseException as error:
            self.failure = error
            raise
        self.size += len(data)
        return data


class S3DocumentStore:
    kind = "s3"

    def __init__(
        self,
        *,
        endpoint: str,
        access_key: str,
        secret_key: str,
        bucket: str,
        secure: bool = True,
        region: str | None = None,
    ) -> None:
        self.bucket = bucket
        self.where = f"{'https' if secure else 'http'}://{endpoint}/{bucket}"

        def client(pool: urllib3.PoolManager) -> Minio:
            return Minio(
                endpoint,
                access_key=access_key,
                secret_key=secret_key,
                secure=secure,
                region=region,
                http_client=pool,
            )

        self._client = client(_pool(connect=3, read=30, retries=2))
        self._probe = client(_pool(connect=2, read=3, retries=1))

    def _unavailable(self, error: Exception, key: str | None = None) -> Exception:
        """The store's exception for a client error: ``ObjectMissing`` when ``key`` is not there,
        ``StorageUnavailable`` for everything else (the server down, the bucket gone, refused)."""
        if isinstance(error, S3Error):
            if key is not None and error.code == "NoSuchKey":
                return ObjectMissing(key)
            return StorageUnavailable(f"S3 {self.where}: {error.code}: {error.message}")
        return StorageUnavailable(f"S3 {self.where}: {type(error).__name__}: {error}")

    @contextmanager
    def _answering(self, key: str | None = None) -> Iterator[None]:
        try:
            yield
        except CLIENT_ERRORS as error:
            raise self._unavailable(error, key) from None

    def prepare(self) -> None:
        with self._answering():
            if self._probe.bucket_exists(self.bucket):
                return
            try:
                self._probe.make_bucket(self.bucket)
            except S3Error as error:
                if error.code != "BucketAlreadyOwnedByYou":  # another process was quicker
                    raise

    def check(self) -> None:
        with self._answering():
            exists = self._probe.bucket_exists(self.bucket)
        if not exists:
            raise StorageUnavailable(f"S3 {self.where}: the bucket does not exist")

    def put(self, key: str, reader: Reader) -> int:
        """One request for an object under ``PART_SIZE``, a multipart upload above it; the client
        aborts the upload when the reader or a part fails (a part still in flight then finds its
        upload gone; what a crash leaves unfinished, ``objects`` lists and the sweep aborts)."""
        source = _Source(reader)
        try:
            self._client.put_object(
                self.bucket,
                key,
                cast(BinaryIO, source),  # the client only calls read(n)
                length=-1,
                part_size=PART_SIZE,
                num_parallel_uploads=PARTS_IN_FLIGHT,
            )
        except CLIENT_ERRORS as error:
            if error is source.failure:
                raise
            raise self._unavailable(error) from None
        return source.size

    def chunks(self, key: str, chunk_size: int = CHUNK_SIZE) -> Iterator[bytes]:
        with self._answering(key):
            response = self._client.get_object(self.bucket, key)
        try:
            with self._answering(key):
                yield from response.stream(chunk_size)
        finally:
            response.close()
            response.release_conn()

    def read_range(self, key: str, offset: int, length: int) -> bytes:
        if length < 0:
            raise ValueError(f"a negative length: {length}")
        if length == 0:
            self.size(key)
            return b""
        if offset < 0 and length < -offset:
            offset = max(0, self.size(key) + offset)
        # bytes=-N is the last N bytes (all of them when the object is shorter)
        wanted = f"bytes={offset}" if offset < 0 else f"bytes={offset}-{offset + length - 1}"
        try:
            response = self._client.get_object(self.bucket, key, request_headers={"Range": wanted})
            try:
                data = response.read()
            finally:
                response.close()
                response.release_conn()
        except S3Error as error:
            if error.code == "InvalidRange":  # the object exists, and ends before the offset
                return b""
            raise self._unavailable(error, key) from None
        except CLIENT_ERRORS as error:
            raise self._unavailable(error, key) from None
        return data[:length]

    def size(self, key: str) -> int:
        with self._answering(key):
            return self._client.stat_object(self.bucket, key).size or 0

    def delete(self, key: str) -> None:
        """Remove the object and any upload of it that was never completed nor aborted."""
        with self._answering():
            self._client.remove_object(self.bucket, key)
            for upload in self._uploads(prefix=key):
                if upload.object_name == key and upload.upload_id:
                    self._client._abort_multipart_upload(self.bucket, key, upload.upload_id)

    def objects(self) -> Iterator[StoredObject]:
        """The stored objects, then every upload the client could not abort (its process died,
        or the server went away first) as an object of size 0 from the upload's start."""
        with self._answering():
            for item in self._client.list_objects(self.bucket, recursive=True):
                if item.is_dir or item.object_name is None:
                    continue
                yield StoredObject(
                    key=item.object_name,
                    size=item.size or 0,
                    modified=item.last_modified or dt.datetime.now(dt.UTC),
                )
            for upload in self._uploads():
                yield StoredObject(
                    key=upload.object_name,
                    size=0,
                    modified=upload.initiated_time or dt.datetime.now(dt.UTC),
                )

    def _uploads(self, prefix: str | None = None) -> Iterator[Upload]:
        """Multipart uploads in progress (S3 ListMultipartUploads, which the client has but does
        not publish), page by page."""
        key_marker: str | None = None
        upload_id_marker: str | None = None
        while True:
            page = self._client._list_multipart_uploads(
                self.bucket,
                prefix=prefix,
                key_marker=key_marker,
                upload_id_marker=upload_id_marker,
            )
            yield from page.uploads
            if not page.is_truncated or not page.uploads:
                return
            key_marker = page.uploads[-1].object_name
            upload_id_marker = page.uploads[-1].upload_id

    def presigned_download(
        self, key: str, *, filename: str, content_type: str, expires: dt.timedelta
    ) -> str | None:
        with self._answering():
            return self._client.presigned_get_object(
                self.bucket,
                key,
                expires=min(expires, PRESIGN_MAX),
                response_headers={
                    "response-content-disposition": content_disposition(filename),
                    "response-content-type": content_type,
                },
            )

"""The embedded default's document store: one file per object under a folder."""

from __future__ import annotations

import datetime as dt
import os
import re
import tempfile
from collections.abc import Iterator
from pathlib import Path

from portal.core.storage import ObjectMissing, Reader, StorageUnavailable, StoredObject

INCOMING = ".incoming"
"""Where a write in progress lives until it is complete: a crash leaves it for the sweep."""
_KEY = re.compile(r"(\.incoming/)?[a-z0-9][a-z0-9._-]*(/[a-z0-9][a-z0-9._-]*)*")
PART_SIZE = 256 * 1024


class LocalDocumentStore:
    kind = "local"

    def __init__(self, root: Path) -> None:
        self.root = root

    def _path(self, key: str) -> Path:
        if not _KEY.fullmatch(key) or ".." in key:
            raise ValueError(f"not an object key: {key!r}")
        return self.root / key

    def prepare(self) -> None:
        try:
            (self.root / INCOMING).mkdir(parents=True, exist_ok=True)
        except OSError as error:
            raise StorageUnavailable(f"cannot create {self.root / INCOMING}: {error}") from None

    def check(self) -> None:
        if not self.root.is_dir():
            raise StorageUnavailable(f"documents folder {self.root} does not exist")
        try:
            with tempfile.NamedTemporaryFile(dir=self.root, prefix=".probe-"):
                pass
        except OSError as error:
            raise StorageUnavailable(
                f"documents folder {self.root} is not writable: {error}"
            ) from None
        if not os.access(self.root, os.R_OK):
            raise StorageUnavailable(f"documents folder {self.root} is not readable")

    def put(self, key: str, reader: Reader) -> int:
        target = self._path(key)
        incoming = self.root / INCOMING
        try:
            incoming.mkdir(parents=True, exist_ok=True)
            target.parent.mkdir(parents=True, exist_ok=True)
            handle = tempfile.NamedTemporaryFile(  # noqa: SIM115 (closed below, or removed)
                dir=incoming, prefix=key.rsplit("/", 1)[-1] + ".", delete=False
            )
        except OSError as error:
            raise StorageUnavailable(f"cannot write in {self.root}: {error}") from None
        written = 0
        try:
            with handle:
                while chunk := reader.read(PART_SIZE):
                    handle.write(chunk)
                    written += len(chunk)
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(handle.name, target)
        except BaseException:
            Path(handle.name).unlink(missing_ok=True)
            raise
        return written

    def chunks(self, key: str, chunk_size: int = PART_SIZE) -> Iterator[bytes]:
        try:
            handle = self._path(key).open("rb")
        except FileNotFoundError:
            raise ObjectMissing(key) from None
        with handle:
            while chunk := handle.read(chunk_size):
                yield chunk

    def read_range(self, key: str, offset: int, length: int) -> bytes:
        if length < 0:
            raise ValueError(f"a negative length: {length}")
        try:
            with self._path(key).open("rb") as handle:
                if offset < 0:
                    handle.seek(max(0, handle.seek(0, os.SEEK_END) + offset))
                else:
                    handle.seek(offset)
                return handle.read(length)
        except FileNotFoundError:
            raise ObjectMissing(key) from None

    def size(self, key: str) -> int:
        try:
            return self._path(key).stat().st_size
        except FileNotFoundError:
            raise ObjectMissing(key) from None

    def delete(self, key: str) -> None:
        self._path(key).unlink(missing_ok=True)

    def objects(self) -> Iterator[StoredObject]:
        for path in self.root.rglob("*"):
            if not path.is_file() or path.name.startswith(".probe-"):
                continue
            stat = path.stat()
            yield StoredObject(
                key=path.relative_to(self.root).as_posix(),
                size=stat.st_size,
                modified=dt.datetime.fromtimestamp(stat.st_mtime, dt.UTC),
            )

    def presigned_download(
        self, key: str, *, filename: str, content_type: str, expires: dt.timedelta
    ) -> str | None:
        return None

"""The document store: bytes under generated keys, in a local folder or an S3-compatible bucket.

Every implementation is synchronous (the ``minio`` client is); async code calls it through
``in_thread`` so that one slow upload never stalls other requests. ``put`` pulls its bytes from
a reader (``read(n)``) until the reader is exhausted, so a body streams to storage without being
held whole in memory or on disk, and leaves nothing behind when the reader or the store fails.
"""

from __future__ import annotations

import datetime as dt
import re
import secrets
import unicodedata
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Protocol, TypeVar
from urllib.parse import quote

import anyio.to_thread

T = TypeVar("T")


class StorageUnavailable(Exception):
    """The store cannot be reached or refuses to work (a message for the log, not the user)."""


class ObjectMissing(Exception):
    """No object is stored under this key."""


class Reader(Protocol):
    def read(self, size: int = -1, /) -> bytes: ...


@dataclass(frozen=True)
class StoredObject:
    key: str
    size: int
    modified: dt.datetime
    """When the object was last written (UTC)."""


PRESIGN_MAX = dt.timedelta(seconds=60)


class DocumentStore(Protocol):
    kind: str
    """``local`` or ``s3``: shown by ``/health`` and the CLI."""

    def prepare(self) -> None:
        """Create the folder or bucket when missing (at start-up)."""

    def check(self) -> None:
        """Raise ``StorageUnavailable`` unless the store answers and accepts writes."""

    def put(self, key: str, reader: Reader) -> int:
        """Store everything ``reader`` yields under ``key``; the number of bytes stored. An
        exception from the reader or the store leaves no object, part or temporary file."""

    def chunks(self, key: str, chunk_size: int = 256 * 1024) -> Iterator[bytes]:
        """The object's bytes in order (``ObjectMissing`` if there is none)."""

    def read_range(self, key: str, offset: int, length: int) -> bytes:
        """``length`` bytes from ``offset``; a negative offset counts from the end."""

    def size(self, key: str) -> int: ...

    def delete(self, key: str) -> None:
        """Remove the object; nothing happens when there is none."""

    def objects(self) -> Iterator[StoredObject]:
        """Every object in the store, including what an interrupted write left behind."""

    def presigned_download(
        self, key: str, *, filename: str, content_type: str, expires: dt.timedelta
    ) -> str | None:
        """A URL that serves the object as an attachment with ``content_type`` for at most
        ``expires`` (capped at 60 seconds), or ``None`` where the store cannot issue one (local)."""


_NOT_IN_FALLBACK = re.compile(r'[^\x20-\x7e]|["\\/%]')
_ATTR_CHARS = "!#$&+^`|"
"""RFC 8187 ``attr-char`` that ``quote`` would encode (letters, digits and ``-._~`` it keeps)."""


def content_disposition(filename: str) -> str:
    """``Content-Disposition`` for downloading ``filename`` (RFC 6266): a plain ASCII fallback
    for old clients, and the exact name, UTF-8 and percent-encoded (RFC 8187), for the others.
    Both the portal's own download and a presigned URL send it."""
    name = "".join(char for char in filename if char.isprintable()).strip() or "document"
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    fallback = _NOT_IN_FALLBACK.sub("_", ascii_name).strip()
    if not fallback or fallback.startswith("."):  # nothing of the name was ASCII but its extension
        fallback = "document" + fallback
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(name, safe=_ATTR_CHARS)}"


def new_key() -> str:
    """A generated object key: never derived from a file name."""
    token = secrets.token_hex(16)
    return f"documents/{token[:2]}/{token}"


async def in_thread(function: Callable[..., T], *args: object) -> T:
    """Run a store call in a worker thread; the event loop goes on serving."""
    return await anyio.to_thread.run_sync(function, *args)

"""What a file is, told from its bytes as they pass: never from its name or the browser's word.

``Inspector`` sits between the request body and the store: it counts, hashes and checks the type
on the way, and stops the write (``Refused``) as soon as the file is too large or not of an
accepted type. A ZIP container (DOCX, XLSX, ODT) cannot be told apart while streaming: its
directory is at the end, so ``office_type`` reads it once the object is stored.
"""

from __future__ import annotations

import codecs
import hashlib
import struct
from collections.abc import Callable

HEAD = 512
_SIGNATURES = (
    (b"%PDF-", "pdf"),
    (b"\x89PNG\r\n\x1a\n", "png"),
    (b"\xff\xd8\xff", "jpeg"),
    (b"PK\x03\x04", "zip"),
)
_CONTROL = frozenset(range(32)) - {9, 10, 12, 13}
_MARKUP = (b"<",)
ODT_MIMETYPE = b"application/vnd.oasis.opendocument.text"


class Refused(Exception):
    """The file cannot be accepted; ``reason`` is ``too_large``, ``type`` or ``empty``."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class Inspector:
    """A reader for the store that pulls chunks from ``source`` (``b""`` at the end)."""

    def __init__(self, source: Callable[[], bytes], max_bytes: int) -> None:
        self._source = source
        self._max = max_bytes
        self._buffer = b""
        self._ended = False
        self._decoder: codecs.IncrementalDecoder | None = None
        self._hash = hashlib.sha256()
        self.size = 0
        self.head = b""
        self.kind: str | None = None

    @property
    def sha256(self) -> str:
        return self._hash.hexdigest()

    def _pull(self) -> bytes:
        if self._ended:
            return b""
        chunk = self._source()
        if not chunk:
            self._ended = True
            self._finish()
            return b""
        self.size += len(chunk)
        if self.size > self._max:
            raise Refused("too_large")
        self._hash.update(chunk)
        if self.kind is None:
            self.head = (self.head + chunk)[:HEAD]
            if len(self.head) >= 8:
                self._decide()
        elif self._decoder is not None:
            self._check_text(chunk)
        return chunk

    def _decide(self) -> None:
        for signature, kind in _SIGNATURES:
            if self.head.startswith(signature):
                self.kind = kind
                return
        text = self.head.removeprefix(codecs.BOM_UTF8).lstrip()
        if text.startswith(_MARKUP):
            raise Refused("type")
        self.kind = "text"
        self._decoder = codecs.getincrementaldecoder("utf-8")("strict")
        self._check_text(self.head)

    def _check_text(self, chunk: bytes) -> None:
        assert self._decoder is not None
        try:
            self._decoder.decode(chunk)
        except UnicodeDecodeError:
            raise Refused("type") from None
        if not _CONTROL.isdisjoint(chunk):
            raise Refused("type")

    def _finish(self) -> None:
        if self.size == 0:
            raise Refused("empty")
        if self.kind is None:
            self._decide()
        if self._decoder is not None:
            try:
                self._decoder.decode(b"", final=True)
            except UnicodeDecodeError:
                raise Refused("type") from None

    def read(self, size: int = -1, /) -> bytes:
        if size is None or size < 0:
            parts = [self._buffer]
            while chunk := self._pull():
                parts.append(chunk)
            self._buffer = b""
            return b"".join(parts)
        # The chunks are collected and joined once: adding each to one ``bytes`` copied the part
        # read so far for every chunk (an 8 MiB part from 256 KiB chunks: 128 MiB copied).
        if size == 0:
            return b""
        parts = []
        wanted = size
        chunk, self._buffer = self._buffer, b""
        while wanted > 0:
            if not chunk:
                chunk = self._pull()
                if not chunk:
                    break
            if len(chunk) > wanted:
                chunk, self._buffer = chunk[:wanted], chunk[wanted:]
            parts.append(chunk)
            wanted -= len(chunk)
            chunk = b""
        return parts[0] if len(parts) == 1 else b"".join(parts)


def office_type(head: bytes, read_range: Callable[[int, int], bytes], size: int) -> str | None:
    """``docx``, ``xlsx`` or ``odt`` for a stored ZIP container of one of them, else ``None``
    (any other ZIP, a ZIP64 or a damaged one). Reads the central directory at the end."""
    tail_length = min(size, 22 + 65535)
    tail = read_range(size - tail_length, tail_length)
    at = tail.rfind(b"PK\x05\x06")
    if at < 0 or len(tail) - at < 22:
        return None
    entries, directory_size, directory_offset = struct.unpack("<xxxxxxxxxxHII", tail[at : at + 20])
    if directory_offset + directory_size > size or directory_size > 4 * 1024 * 1024:
        return None
    directory = read_range(directory_offset, directory_size)
    names: set[str] = set()
    position = 0
    for _ in range(entries):
        if directory[position : position + 4] != b"PK\x01\x02":
            return None
        name_length, extra_length, comment_length = struct.unpack(
            "<HHH", directory[position + 28 : position + 34]
        )
        start = position + 46
        names.add(directory[start : start + name_length].decode("utf-8", "replace"))
        position = start + name_length + extra_length + comment_length
    if "[Content_Types].xml" in names:
        if "word/document.xml" in names:
            return "docx"
        if "xl/workbook.xml" in names:
            return "xlsx"
        return None
    mimetype = head[38 : 38 + len(ODT_MIMETYPE)]
    if {"mimetype", "content.xml"} <= names and head[30:38] == b"mimetype":
        return "odt" if mimetype == ODT_MIMETYPE else None
    return None

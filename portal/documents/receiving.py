"""A multipart/form-data body read as it arrives: the form's small fields are collected, and the
file part's bytes are handed out one chunk at a time to whoever stores them.

Nothing here holds the file: ``file_chunk`` returns what the parser has just seen, and the store
asks for the next chunk only once it wrote the previous one, so the body streams to storage at
the store's pace.
"""

from __future__ import annotations

from collections import deque
from collections.abc import AsyncIterator
from typing import Any

from multipart import MultipartSegment, ParserError, PushMultipartParser, parse_options_header

FIELD_MAX_BYTES = 16 * 1024
FIELDS_MAX = 20
FILE_FIELD = "file"


class BadBody(Exception):
    """Not a multipart form this route can read (a client error, 400)."""


_END = object()


class MultipartBody:
    def __init__(self, stream: AsyncIterator[bytes], content_type: str) -> None:
        kind, options = parse_options_header(content_type or "")
        boundary = options.get("boundary")
        if kind != "multipart/form-data" or not boundary:
            raise BadBody("expected multipart/form-data with a boundary")
        self._parser = PushMultipartParser(
            boundary, max_header_count=8, max_segment_count=FIELDS_MAX + 1
        )
        self._stream = stream.__aiter__()
        self._events: deque[Any] = deque()
        self._ended = False
        self._part: MultipartSegment | None = None
        self._value = bytearray()
        self._in_file = False
        self.fields: dict[str, str] = {}
        self.filename: str | None = None
        self.file_seen = False

    async def _next(self) -> Any:
        while not self._events:
            if self._ended:
                return _END
            try:
                chunk = await self._stream.__anext__()
            except StopAsyncIteration:
                chunk = b""
                self._ended = True
            if not chunk and not self._ended:
                continue
            try:
                self._events.extend(self._parser.parse(chunk))
            except ParserError as error:
                raise BadBody(str(error)) from None
        return self._events.popleft()

    async def until_file(self) -> bool:
        """Collect the fields before the file part: ``True`` when the file part begins, ``False``
        when the body ended without one."""
        while True:
            event = await self._next()
            if event is _END:
                return False
            if isinstance(event, MultipartSegment):
                if event.name == FILE_FIELD and event.filename is not None and not self.file_seen:
                    self.file_seen = True
                    self._in_file = True
                    self.filename = event.filename
                    return True
                self._part, self._value = event, bytearray()
            elif event is None:
                self._end_field()
            else:
                self._add_to_field(event)

    def _add_to_field(self, data: bytes) -> None:
        if self._part is None:
            return
        if self._part.filename is not None:
            return
        self._value += data
        if len(self._value) > FIELD_MAX_BYTES:
            raise BadBody(f"the field {self._part.name!r} is too long")

    def _end_field(self) -> None:
        part, self._part = self._part, None
        if part is not None and part.filename is None:
            self.fields.setdefault(part.name, self._value.decode("utf-8", "replace"))

    async def file_chunk(self) -> bytes:
        """The next bytes of the file part; ``b""`` once it ended."""
        while self._in_file:
            event = await self._next()
            if event is _END:
                raise BadBody("the body ended inside the file")
            if event is None:
                self._in_file = False
                break
            if event:
                return bytes(event)
        return b""

    async def rest(self) -> None:
        """Read the remaining body: the fields that follow the file are collected."""
        while self._in_file:
            await self.file_chunk()
        while await self.until_file():
            self._in_file = False
            while (await self._next()) not in (None, _END):
                pass

    async def drain(self) -> None:
        """Read and drop what is left, so the client receives the answer; stop at any error."""
        try:
            while not self._ended:
                await self._stream.__anext__()
        except Exception:  # noqa: S110 (the answer is already decided)
            pass

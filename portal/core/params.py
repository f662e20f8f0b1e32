"""Typed, bounded request parameters: an out-of-range value is a 400, never a database error."""

from __future__ import annotations

from typing import Annotated

from litestar.params import PathParameter

MAX_ID = 2**31 - 1
"""Ids are 32-bit serials: anything larger cannot exist (and would overflow the database)."""

RecordId = Annotated[int, PathParameter(ge=1, le=MAX_ID)]


def record_id(raw: object) -> int:
    """A record's id as a form sends it: an ASCII whole number from 1 to ``MAX_ID``; a
    ``ValueError`` else (a larger one would overflow the database's integer)."""
    text = str(raw).strip()
    if not (text.isascii() and text.isdigit()) or not 1 <= int(text) <= MAX_ID:
        raise ValueError(f"not a record id: {text[:20]!r}")
    return int(text)

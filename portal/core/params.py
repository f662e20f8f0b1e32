"""Typed, bounded request parameters: an out-of-range value is a 400, never a database error."""

from __future__ import annotations

from typing import Annotated

from litestar.params import PathParameter

MAX_ID = 2**31 - 1
"""Ids are 32-bit serials: anything larger cannot exist (and would overflow the database)."""

RecordId = Annotated[int, PathParameter(ge=1, le=MAX_ID)]

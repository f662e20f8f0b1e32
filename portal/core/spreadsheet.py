"""CSV that Belgian Excel opens as it should: ``;`` between fields (the list separator of a Belgian
Windows), UTF-8 with a byte-order mark (without it Excel reads the file as Windows-1252 and breaks
every accent), CRLF line ends, decimals with a comma, and no cell that Excel would run as a formula.

Formula injection: a text cell starting with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return
gets a leading apostrophe, so that a value someone typed (a theme an administrator named
``=HYPERLINK(...)``) stays text. Numbers are written as numbers and never get one: only ``int``,
``float`` and ``Decimal`` values are numbers, so a text that looks like one (``-3``) is defended
too.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import math
import re
from collections.abc import Iterable, Sequence
from decimal import Decimal

from litestar import Response

BOM = "\ufeff"
SEPARATOR = ";"
LINE_END = "\r\n"
MEDIA_TYPE = "text/csv"
"""Sent as ``text/csv; charset=utf-8`` (the response adds the charset to a text type)."""
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
"""What Excel (and LibreOffice, Google Sheets) may take for the start of a formula or command."""

Cell = str | int | float | Decimal | dt.date | None


def number_text(value: int | float | Decimal) -> str:
    """A number as Belgian Excel reads it: ``3,5``, ``-12``, ``0,00001`` (never an exponent, never
    a thousands separator)."""
    if isinstance(value, bool):
        raise TypeError("a yes/no value is not a number: write it as text")
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            raise ValueError(f"{value!r} cannot be written to a spreadsheet")
        value = Decimal(repr(value))
    if not value.is_finite():
        raise ValueError(f"{value!r} cannot be written to a spreadsheet")
    text = format(value, "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    if text in ("-0", ""):
        text = "0"
    return text.replace(".", ",")


def text_cell(value: str) -> str:
    """A text as a cell that can never become a formula (also when spaces or line breaks come
    before the formula character: some programs trim them)."""
    return "'" + value if value.lstrip(" \n").startswith(FORMULA_STARTS) else value


def cell_text(value: Cell) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        raise TypeError("a yes/no value is not a cell: write it as text")
    if isinstance(value, int | float | Decimal):
        return number_text(value)
    if isinstance(value, dt.datetime):
        raise TypeError("write a moment as text in the reader's time zone")
    if isinstance(value, dt.date):
        return value.isoformat()
    return text_cell(str(value))


def csv_text(rows: Iterable[Sequence[Cell]]) -> str:
    """The rows as CSV text, starting with the byte-order mark. A field holding ``;``, a quote or
    a line break is quoted, and its quotes doubled."""
    buffer = io.StringIO()
    buffer.write(BOM)
    writer = csv.writer(
        buffer,
        delimiter=SEPARATOR,
        quotechar='"',
        doublequote=True,
        quoting=csv.QUOTE_MINIMAL,
        lineterminator=LINE_END,
    )
    for row in rows:
        writer.writerow([cell_text(value) for value in row])
    return buffer.getvalue()


def csv_bytes(rows: Iterable[Sequence[Cell]]) -> bytes:
    return csv_text(rows).encode("utf-8")


_FILENAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,99}\.csv")


def csv_response(rows: Iterable[Sequence[Cell]], filename: str) -> Response[bytes]:
    """A download of the rows as ``filename`` (plain ASCII, ending in ``.csv``: the name is the
    portal's own, never a person's input)."""
    if not _FILENAME.fullmatch(filename):
        raise ValueError(f"not a plain file name for a CSV download: {filename!r}")
    return Response(
        csv_bytes(rows),
        media_type=MEDIA_TYPE,
        encoding="utf-8",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )

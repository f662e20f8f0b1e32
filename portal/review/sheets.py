"""Reading the list an OCMW keeps today: an ``.xlsx`` workbook (its first sheet) or a ``.csv``
file (UTF-8, or Excel's ``;``-separated export in Windows-1252), columns found by their header.

Headers are matched without case, accents, spaces or punctuation, in Dutch or English:

- national number: ``rijksregisternummer``, ``rijksregisternr``, ``insz``, ``national number``
- name: ``naam``, ``name`` (for the reader of the preview; matching is by national number)
- decision: ``beslissing``, ``decision``, ``activeerbaar``
- kind of reason: ``soort reden``, ``reason kind``
- reason: ``reden``, ``reason``, ``toelichting``
"""

from __future__ import annotations

import csv
import io
import zipfile
from dataclasses import dataclass

from openpyxl import load_workbook
from openpyxl.utils.exceptions import InvalidFileException

from portal.core.text import fold

MAX_ROWS = 2000
MAX_COLUMNS = 30

HEADERS: dict[str, tuple[str, ...]] = {
    "national_number": (
        "rijksregisternummer",
        "rijksregisternr",
        "rrn",
        "insz",
        "insznummer",
        "nationalnumber",
        "nationalregisternumber",
    ),
    "name": ("naam", "name", "voornaamnaam", "naamvoornaam", "client", "klant"),
    "decision": ("beslissing", "decision", "activeerbaar", "klaarvooractivering", "status"),
    "reason_kind": ("soortreden", "redensoort", "reasonkind", "kindofreason", "reasontype"),
    "reason": ("reden", "reason", "toelichting", "motivering"),
}
"""Each column the import reads, by the folded headers that name it."""
_BY_HEADER = {header: name for name, headers in HEADERS.items() for header in headers}


class NotASpreadsheet(ValueError):
    """The bytes are no workbook or text table the import can read; ``str`` says why in Dutch."""


class NoNationalNumberColumn(ValueError):
    def __init__(self, headers: list[str]) -> None:
        super().__init__(", ".join(headers))
        self.headers = headers


@dataclass(frozen=True)
class SheetRow:
    line: int
    """The row's number in the sheet (the header is row 1)."""
    values: dict[str, str]
    """Column name (``HEADERS``) → the cell as text."""


def _folded(header: object) -> str:
    return "".join(ch for ch in fold(str(header or "")) if ch.isalnum())


def _text(cell: object) -> str:
    if cell is None:
        return ""
    if isinstance(cell, float) and cell.is_integer():
        cell = int(cell)
    return " ".join(str(cell).split())


def _table(lines: list[list[object]]) -> list[SheetRow]:
    """Rows under the first row that names a national-number column (a title above it is fine)."""
    for index, line in enumerate(lines[:10]):
        columns = {pos: _BY_HEADER.get(_folded(cell)) for pos, cell in enumerate(line)}
        if "national_number" in columns.values():
            found = {pos: name for pos, name in columns.items() if name}
            rows = []
            for number, cells in enumerate(lines[index + 1 :], start=index + 2):
                values = {
                    name: _text(cells[pos]) if pos < len(cells) else ""
                    for pos, name in found.items()
                }
                if any(values.values()):
                    rows.append(SheetRow(number, values))
            return rows
    first = next((line for line in lines if any(_text(c) for c in line)), [])
    raise NoNationalNumberColumn([_text(cell) for cell in first if _text(cell)][:MAX_COLUMNS])


MAX_UNPACKED = 64 * 1024 * 1024
"""A workbook is a zip file: what it may unpack to, so that a small upload cannot fill memory."""


def _unpacked_size(data: bytes) -> int:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            return sum(info.file_size for info in archive.infolist())
    except zipfile.BadZipFile as error:
        raise NotASpreadsheet("not a zip file") from error


def _workbook(data: bytes) -> list[list[object]]:
    if _unpacked_size(data) > MAX_UNPACKED:
        raise NotASpreadsheet("unpacks too large")
    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (zipfile.BadZipFile, InvalidFileException, KeyError, ValueError, OSError) as error:
        raise NotASpreadsheet("unreadable workbook") from error
    try:
        sheet = book.worksheets[0]
        lines = []
        for line in sheet.iter_rows(max_row=MAX_ROWS + 10, values_only=True):
            lines.append(list(line[:MAX_COLUMNS]))
        return lines
    finally:
        book.close()


def _decode(data: bytes) -> str:
    if b"\x00" in data[:4096]:
        raise NotASpreadsheet("binary")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = data.decode("cp1252", errors="replace")
        if text.count("\ufffd") > 3:
            raise NotASpreadsheet("not text") from None
        return text


class _ExcelSemicolon(csv.excel):
    """What Excel writes as "CSV" where the decimal separator is a comma."""

    delimiter = ";"


def _delimited(data: bytes) -> list[list[object]]:
    text = _decode(data)
    sample = text[:8192]
    try:
        dialect: type[csv.Dialect] | csv.Dialect = csv.Sniffer().sniff(sample, delimiters=";,\t")
    except csv.Error:
        header = sample.splitlines()[0] if sample else ""
        dialect = _ExcelSemicolon if header.count(";") > header.count(",") else csv.excel
    reader = csv.reader(io.StringIO(text), dialect)
    try:
        lines: list[list[object]] = [
            list(row[:MAX_COLUMNS]) for _, row in zip(range(MAX_ROWS + 10), reader, strict=False)
        ]
    except csv.Error as error:
        raise NotASpreadsheet("not a table") from error
    return lines


XLSX_MAGIC = b"PK\x03\x04"
OLE_MAGIC = b"\xd0\xcf\x11\xe0"


class OldExcel(NotASpreadsheet):
    """An ``.xls`` workbook (Excel 97–2003): save it as ``.xlsx`` or ``.csv``."""


def read_sheet(data: bytes) -> list[SheetRow]:
    """The sheet's rows, by what the bytes are (never by the file's name)."""
    if not data.strip():
        raise NotASpreadsheet("empty")
    if data.startswith(OLE_MAGIC):
        raise OldExcel("xls")
    lines = _workbook(data) if data.startswith(XLSX_MAGIC) else _delimited(data)
    rows = _table(lines)
    if len(rows) > MAX_ROWS:
        raise NotASpreadsheet("too many rows")
    return rows

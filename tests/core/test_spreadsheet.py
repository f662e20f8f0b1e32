"""CSV for Belgian Excel: separator, byte-order mark, line ends, quoting, decimal commas, and no
cell that a spreadsheet would run as a formula."""

from __future__ import annotations

import csv
import datetime as dt
import io
from decimal import Decimal

import pytest

from portal.core.spreadsheet import (
    BOM,
    FORMULA_STARTS,
    MEDIA_TYPE,
    cell_text,
    csv_bytes,
    csv_response,
    csv_text,
    number_text,
)

NASTY = 'Wacht; "te lang"\nop =antwoord\r\nvan OCMW'
FORMULA = '=HYPERLINK("http://x.example";"klik; hier")'


def _read(data: bytes) -> list[list[str]]:
    text = data.decode("utf-8")
    assert text.startswith(BOM)
    return list(csv.reader(io.StringIO(text.removeprefix(BOM), newline=""), delimiter=";"))


def test_the_file_is_utf8_with_a_bom_semicolons_and_crlf() -> None:
    data = csv_bytes([["Thema", "Aantal"], ["Huisvesting", 3], ["Gezondheid", 12]])
    assert data.startswith(b"\xef\xbb\xbf"), "Excel needs the BOM to read UTF-8"
    assert data.decode("utf-8") == BOM + "Thema;Aantal\r\nHuisvesting;3\r\nGezondheid;12\r\n"


def test_a_description_with_separators_quotes_newlines_and_a_formula_survives() -> None:
    rows = [["Omschrijving", "Aantal"], [NASTY, 1], ["=" + NASTY, 2], [FORMULA, 3]]
    data = csv_bytes(rows)
    read = _read(data)
    assert read[0] == ["Omschrijving", "Aantal"]
    assert read[1] == [NASTY, "1"], "quoted, quotes doubled, line breaks kept"
    assert read[2] == ["'=" + NASTY, "2"], "intact apart from the apostrophe"
    assert read[3] == ["'" + FORMULA, "3"]
    for row in read:
        for cell in row:
            assert not cell.startswith(FORMULA_STARTS), cell
    text = data.decode("utf-8")
    assert '"Wacht; ""te lang""\nop =antwoord\r\nvan OCMW"' in text


@pytest.mark.parametrize("start", ["=", "+", "-", "@", "\t", "\r"])
def test_every_formula_start_is_defended(start: str) -> None:
    value = f"{start}SUM(A1:A9)"
    assert cell_text(value) == "'" + value
    (row,) = _read(csv_bytes([[value]]))
    assert row == ["'" + value]


@pytest.mark.parametrize("value", [" =1+1", "\n=1+1", "  @SUM(A1)"])
def test_a_formula_behind_spaces_or_a_line_break_is_defended_too(value: str) -> None:
    assert cell_text(value) == "'" + value


@pytest.mark.parametrize("value", ["Huisvesting", "Wonen = moeilijk", "3", "", "'al tekst"])
def test_ordinary_text_stays_as_it_is(value: str) -> None:
    assert cell_text(value) == value


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (3, "3"),
        (-2, "-2"),
        (0, "0"),
        (3.5, "3,5"),
        (-0.25, "-0,25"),
        (2.0, "2"),
        (1e-05, "0,00001"),
        (1e20, "100000000000000000000"),
        (Decimal("10.50"), "10,5"),
        (Decimal("-0.0"), "0"),
        (33.3, "33,3"),
    ],
)
def test_numbers_stay_numbers_with_a_decimal_comma(value: float, text: str) -> None:
    assert number_text(value) == text
    assert cell_text(value) == text, "a negative number gets no apostrophe"


def test_a_text_that_looks_like_a_negative_number_is_text() -> None:
    assert cell_text("-3") == "'-3"


def test_empty_dates_and_refusals() -> None:
    assert cell_text(None) == ""
    assert cell_text(dt.date(2026, 3, 31)) == "2026-03-31"
    for refused in (float("nan"), float("inf"), Decimal("NaN")):
        with pytest.raises(ValueError):
            cell_text(refused)
    with pytest.raises(TypeError):
        cell_text(True)
    with pytest.raises(TypeError):
        cell_text(dt.datetime(2026, 3, 31, 12, 0, tzinfo=dt.UTC))


def test_csv_text_and_bytes_agree() -> None:
    rows = [["a", 1.5], [None, "b"]]
    assert csv_text(rows).encode("utf-8") == csv_bytes(rows)
    assert csv_text(rows) == BOM + "a;1,5\r\n;b\r\n"


def test_the_download_response() -> None:
    response = csv_response([["Jaar"], [2026]], "signalen-2026.csv")
    assert (
        (response.media_type, response.encoding) == (MEDIA_TYPE, "utf-8") == ("text/csv", "utf-8")
    )
    assert response.headers.get("Content-Type") is None, (
        "the response writes text/csv; charset=utf-8"
    )
    assert response.headers["Content-Disposition"] == 'attachment; filename="signalen-2026.csv"'
    assert response.content == BOM.encode() + b"Jaar\r\n2026\r\n"
    for bad in ('x".csv', "../x.csv", "x.txt", "naïef.csv", ""):
        with pytest.raises(ValueError):
            csv_response([], bad)

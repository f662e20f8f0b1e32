"""The first list imported from the OCMW's spreadsheet: a preview that writes nothing, errors per
row, and a confirmation that writes the round, its items and their events in one go."""

from __future__ import annotations

import io
import re

import httpx
from openpyxl import Workbook

from portal.review.tables import ReviewItem, ReviewRound
from portal.timeline.tables import TimelineEvent
from portal.visibility.scoping import unscoped
from tests.conftest import login
from tests.support.factories import build_world, make_client

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
NUMBERS = {"A": "85.07.30-033.28", "B": "90.02.01-123.05", "C": "01.01.01-001.26"}
TOKEN_RE = re.compile(r'name="rows" value="([^"]+)"')


def _xlsx(rows: list[list[object]]) -> bytes:
    book = Workbook()
    sheet = book.active
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


async def _world_with_numbers():
    world = await build_world()
    ocmw = world.orgs["ocmw-a"]
    files = {
        tag: await make_client(ocmw, f"IMP{tag}", national_number=number)
        for tag, number in NUMBERS.items()
    }
    return world, files


async def _counts() -> tuple[int, int, int]:
    with unscoped("test: nothing written by a preview"):
        return (
            await ReviewRound.count(),
            await ReviewItem.count(),
            await TimelineEvent.count().where(TimelineEvent.kind.like("review.%")),
        )


async def _upload(client: httpx.AsyncClient, token: str, name: str, data: bytes, kind: str):
    return await client.post(
        "/review/import", data={"csrf_token": token}, files={"sheet": (name, data, kind)}
    )


async def test_a_good_workbook_is_previewed_then_written_on_confirmation(
    client: httpx.AsyncClient,
) -> None:
    _world, files = await _world_with_numbers()
    client.cookies.set("brug_lang", "en")
    token = await login(client, "sw.a")
    assert (await client.get("/review/import")).status_code == 200
    sheet = _xlsx(
        [
            ["Lijst leefloners Q4"],
            ["Rijksregisternummer", "Naam", "Beslissing", "Soort reden", "Reden"],
            ["85073003328", "Amina", "Klaar", None, None],
            ["90.02.01-123.05", "Bert", "nog niet", "Nederlands", "NT2 tot juni"],
            [NUMBERS["C"], "Chris", "Nog niet", "gezondheid", "Wacht op behandeling"],
        ]
    )
    preview = await _upload(client, token, "lijst.xlsx", sheet, XLSX)
    assert preview.status_code == 200, preview.text
    assert "3 rows can be imported" in preview.text and "NT2 tot juni" in preview.text
    assert "FirstIMPA LastIMPA" in preview.text
    assert await _counts() == (0, 0, 0), "a preview writes nothing"

    signed = TOKEN_RE.search(preview.text).group(1)
    tampered = await client.post(
        "/review/import/confirm", data={"csrf_token": token, "rows": signed[:-4] + "AAAA"}
    )
    assert tampered.status_code == 422 and "expired or was changed" in tampered.text
    assert await _counts() == (0, 0, 0)

    done = await client.post("/review/import/confirm", data={"csrf_token": token, "rows": signed})
    assert done.status_code == 303 and done.headers["location"].endswith("done=imported")
    rounds, items, events = await _counts()
    assert rounds == 1 and items == 5, "the three rows and X and Y, the other living-wage files"
    assert events == 3
    with unscoped("test: the imported marks"):
        marks = {
            row["client"]: row for row in await ReviewItem.select().where(ReviewItem.decision != "")
        }
    assert marks[files["A"]]["decision"] == "ready"
    assert marks[files["B"]]["reason_kind"] == "dutch"
    assert marks[files["C"]]["sensitivity"] == "health"
    page = await client.get(done.headers["location"])
    assert "Wacht op behandeling" in page.text and "3 of 5 marked" in page.text
    again = await client.post("/review/import/confirm", data={"csrf_token": token, "rows": signed})
    assert again.status_code == 303 and "done=exists" in again.headers["location"]
    assert (await _counts())[0] == 1


async def test_a_csv_from_excel_with_english_headers(client: httpx.AsyncClient) -> None:
    await _world_with_numbers()
    client.cookies.set("brug_lang", "en")
    token = await login(client, "sw.a")
    text = "National number;Name;Decision;Reason kind;Reason\r\n"
    text += f"{NUMBERS['A']};Amina;ready;;\r\n{NUMBERS['B']};Bérénice;not yet;other;Verhuist naar Gent\r\n"
    preview = await _upload(client, token, "list.csv", text.encode("cp1252"), "text/csv")
    assert preview.status_code == 200, preview.text
    assert "2 rows can be imported" in preview.text and "Bérénice" in preview.text
    utf8 = await _upload(
        client, token, "list.csv", ("\ufeff" + text.replace(";", ",")).encode(), "text/csv"
    )
    assert utf8.status_code == 200 and "2 rows can be imported" in utf8.text


async def test_bad_numbers_duplicates_and_unknown_values_are_refused_per_row(
    client: httpx.AsyncClient,
) -> None:
    world, _files = await _world_with_numbers()
    z_number = "92.03.04-005.82"
    await make_client(world.orgs["ocmw-b"], "OTHEROCMW", national_number=z_number)
    client.cookies.set("brug_lang", "en")
    token = await login(client, "sw.a")
    sheet = _xlsx(
        [
            ["INSZ", "Naam", "Beslissing", "Reden"],
            ["85.07.30-033.29", "Wrong check", "klaar", None],
            [NUMBERS["B"], "Twice", "klaar", None],
            [NUMBERS["B"], "Twice again", "nog niet", "taal"],
            [z_number, "Other OCMW", "klaar", None],
            [NUMBERS["C"], "Odd", "misschien", None],
            [NUMBERS["A"], "No reason", "nog niet", None],
        ]
    )
    preview = await _upload(client, token, "lijst.xlsx", sheet, XLSX)
    assert preview.status_code == 200
    text = preview.text
    assert "0 rows can be imported" in text and "6 rows have an error" in text
    assert "This is no valid national number" in text
    assert "more than once (rows 3, 4)" in text
    assert "No file with this national number at your OCMW" in text
    assert "FirstOTHEROCMW" not in text
    assert "Unknown decision “misschien”" in text
    assert "Say in a few words why" in text
    assert await _counts() == (0, 0, 0)


async def test_a_file_that_is_not_a_spreadsheet_is_refused(client: httpx.AsyncClient) -> None:
    await _world_with_numbers()
    client.cookies.set("brug_lang", "en")
    token = await login(client, "sw.a")
    png = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(64)
    for name, data, kind in (
        ("lijst.xlsx", png, XLSX),
        ("lijst.xlsx", b"PK\x03\x04not really a zip", XLSX),
        ("lijst.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(64), "application/vnd.ms-excel"),
        ("brief.txt", b"Beste,\nhierbij de lijst.\n", "text/plain"),
    ):
        response = await _upload(client, token, name, data, kind)
        assert response.status_code == 422, name
        assert 'class="error-summary"' in response.text
    assert "not a spreadsheet" in (await _upload(client, token, "x.xlsx", png, XLSX)).text
    assert (
        "(.xls)"
        in (await _upload(client, token, "x.xls", b"\xd0\xcf\x11\xe0" + bytes(9), XLSX)).text
    )
    assert (
        "No column with the national number"
        in (await _upload(client, token, "x.csv", b"Naam;Beslissing\nA;klaar\n", "text/csv")).text
    )
    empty = await client.post("/review/import", data={"csrf_token": token})
    assert empty.status_code == 422 and "Choose the spreadsheet" in empty.text
    assert await _counts() == (0, 0, 0)


async def test_an_upload_over_the_limit_is_refused(client: httpx.AsyncClient) -> None:
    await build_world()
    token = await login(client, "sw.a")
    response = await _upload(client, token, "big.csv", b"a" * (2 * 1024 * 1024 + 10), "text/csv")
    assert response.status_code == 413


async def test_only_the_team_imports(client: httpx.AsyncClient) -> None:
    await build_world()
    token = await login(client, "coordinator.a")
    assert (await client.get("/review/import")).status_code == 403
    assert (await _upload(client, token, "x.csv", b"INSZ\n", "text/csv")).status_code == 403
    token = await login(client, "toeleider")
    assert (await client.get("/review/import")).status_code == 404
    assert (await _upload(client, token, "x.csv", b"INSZ\n", "text/csv")).status_code == 404


def test_a_workbook_that_unpacks_too_large_is_refused() -> None:
    import zipfile

    import pytest

    from portal.review.sheets import MAX_UNPACKED, NotASpreadsheet, read_sheet

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/sharedStrings.xml", b"\0" * (MAX_UNPACKED + 1))
    assert len(buffer.getvalue()) < 2 * 1024 * 1024
    with pytest.raises(NotASpreadsheet):
        read_sheet(buffer.getvalue())

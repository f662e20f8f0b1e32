"""Signal figures: counts per theme and quarter, the medians in working days and the share past the
deadline, checked against sums made by hand; quarters and years in Belgian time, a holiday week;
who counts which signals (signals about a client never); the page and the CSV, with a theme an
administrator named like a formula; and a fixed number of statements."""

from __future__ import annotations

import csv
import datetime as dt
import io
from dataclasses import dataclass

import httpx
import pytest
from litestar.exceptions import NotFoundException

from portal.accounts.auth import forget_viewer
from portal.core.db import count_queries
from portal.core.spreadsheet import BOM, FORMULA_STARTS
from portal.signals import services
from portal.signals.figures import QuarterFigures, figures_for
from portal.signals.tables import SignalRoute, SignalTheme
from portal.signals.visibility import counts_figures as portal_counts_figures
from portal.signals.workflow import THEMES
from portal.visibility.viewer import Viewer
from tests.courses.conftest import login_en
from tests.support.factories import PEOPLE, World, build_world, make_person
from tests.support.signals import counts_figures
from tests.support.trajectory import viewer_of

TODAY = dt.date(2026, 1, 8)
"""The day the figures are asked for: S8 is still within its deadline, S3, S6 and S12 are past
theirs without a response."""


def at(year: int, month: int, day: int, hour: int = 9, minute: int = 0) -> dt.datetime:
    return dt.datetime(year, month, day, hour, minute, tzinfo=dt.UTC)


@dataclass(frozen=True)
class Seed:
    name: str
    reporter: str
    place: str
    """Zottegem goes to OCMW A, Gent to OCMW B."""
    theme: str
    created: dt.datetime
    first_response: dt.datetime | None = None
    follow_up: dt.datetime | None = None
    client: str | None = None


SEEDS = (
    # Q1 2025. S1: 2 working days to the first response, 5 to the follow-up, in time.
    Seed("S1", "toeleider", "Zottegem", "housing", at(2025, 1, 6), at(2025, 1, 8), at(2025, 1, 13)),
    # Due 8 April, answered 10 April: 12 working days, late.
    Seed("S2", "sw.a", "Zottegem", "work", at(2025, 3, 25), at(2025, 4, 10, 8)),
    # 23:30 on 31 March in Brussels (summer time): still Q1. No answer, due 14 April: overdue.
    Seed("S3", "toeleider", "Zottegem", "housing", at(2025, 3, 31, 21, 30)),
    # A client's signal: never counted.
    Seed("C1", "toeleider", "Zottegem", "housing", at(2025, 2, 3), at(2025, 2, 4), client="X"),
    # Q2 2025. 00:30 on 1 April in Brussels: Q2. Easter Monday (21 April) and 1 May do not
    # count: 14 working days to the answer (due 15 April: late), 21 to the follow-up.
    Seed(
        "S4",
        "coordinator.a",
        "Zottegem",
        "housing",
        at(2025, 3, 31, 22, 30),
        at(2025, 4, 22, 8),
        at(2025, 5, 2, 8),
    ),
    # Good Friday is a working day, Easter Monday is not: 1 working day, then 6.
    Seed(
        "S5",
        "toeleider",
        "Zottegem",
        "health",
        at(2025, 4, 18, 10),
        at(2025, 4, 22, 8),
        at(2025, 4, 29, 8),
    ),
    # No answer; due 17 June (Whit Monday skipped): overdue.
    Seed("S6", "mediator", "Zottegem", "work", at(2025, 6, 2)),
    # Q3 2025, routed to OCMW B. 11 July (Flemish Community) and 21 July do not count: 4, then 9.
    Seed(
        "S11", "sw.b", "Gent", "education", at(2025, 7, 7), at(2025, 7, 14, 8), at(2025, 7, 22, 8)
    ),
    # Reported by OCMW A, routed to B: counted by B, not by A. No answer: overdue.
    Seed("S12", "sw.a", "Gent", "language", at(2025, 8, 4)),
    # Reported by the partner, routed to B, answered the same day: 0 working days.
    Seed("S13", "toeleider", "Gent", "other", at(2025, 9, 15), at(2025, 9, 15, 14)),
    # Q4 2025: the Christmas week. 25 December and 1 January do not count: 7 working days,
    # answered on 2 January, within the deadline of 7 January.
    Seed("S7", "toeleider", "Zottegem", "housing", at(2025, 12, 22), at(2026, 1, 2)),
    # No answer yet, due 13 January: not overdue on 8 January.
    Seed("S8", "sw.a2", "Zottegem", "money", at(2025, 12, 29, 10)),
    # 00:30 on 1 January 2026 in Brussels: 2026, not 2025.
    Seed("S9", "toeleider", "Zottegem", "housing", at(2025, 12, 31, 23, 30)),
    # The last microsecond of 2024 in Brussels: still 2024.
    Seed(
        "S10",
        "toeleider",
        "Zottegem",
        "housing",
        at(2024, 12, 31, 22, 59) + dt.timedelta(seconds=59, microseconds=999_999),
    ),
)
HANDLER = {"Zottegem": "sw.a", "Gent": "sw.b"}


def _title(seed: Seed) -> str:
    return f"FIG-{seed.name}-title"


def _text(seed: Seed) -> str:
    return f"FIG-{seed.name}-text"


async def _routes(world: World) -> None:
    await SignalRoute(municipality="zottegem", name="Zottegem", ocmw=world.orgs["ocmw-a"]).save()
    await SignalRoute(municipality="gent", name="Gent", ocmw=world.orgs["ocmw-b"]).save()


async def write(world: World, seed: Seed) -> int:
    """A signal through the services, at its moments: reported, taken up, followed up."""
    fields = {
        "theme": seed.theme,
        "title": _title(seed),
        "description": _text(seed),
        "municipality": seed.place,
        "urgency": "normal",
        "confirm_no_personal_data": "1",
    }
    if seed.client:
        fields["client"] = str(world.clients[seed.client])
    signal_id = await services.capture(
        await viewer_of(world, seed.reporter), fields, now=seed.created
    )
    handler = await viewer_of(world, HANDLER[seed.place])
    if seed.first_response:
        await services.move(handler, signal_id, "take_up", {}, now=seed.first_response)
    if seed.follow_up:
        await services.assign(handler, signal_id, handler.person_id, now=seed.follow_up)
        await services.move(
            handler, signal_id, "follow_up", {"outcome": "Opgevolgd."}, now=seed.follow_up
        )
    return signal_id


async def seeded_world() -> World:
    world = await build_world()
    world.people["coordinator.v"] = await make_person(
        "coordinator.v", world.orgs["vdab"], "coordinator"
    )
    await _routes(world)
    for seed in SEEDS:
        await write(world, seed)
    return world


Q = QuarterFigures
OCMW_A_2025 = (
    Q(1, signals=3, responded=2, first_response=7.0, followed_up=1, follow_up=5.0, overdue=2),
    Q(2, signals=3, responded=2, first_response=7.5, followed_up=2, follow_up=13.5, overdue=2),
    Q(3),
    Q(4, signals=2, responded=1, first_response=7.0, followed_up=0, follow_up=None, overdue=0),
)
OCMW_B_Q3 = Q(
    3, signals=3, responded=2, first_response=2.0, followed_up=1, follow_up=9.0, overdue=1
)
PARTNER_Q3 = Q(3, signals=1, responded=1, first_response=0.0, followed_up=0, overdue=0)
EXPECTED_2025 = {
    "sw.a": OCMW_A_2025,
    "sw.a2": OCMW_A_2025,
    "coordinator.a": OCMW_A_2025,
    "sw.b": (Q(1), Q(2), OCMW_B_Q3, Q(4)),
    # OCMW A's signals, and S13 that the partner reported to OCMW B.
    "coordinator.p": (OCMW_A_2025[0], OCMW_A_2025[1], PARTNER_Q3, OCMW_A_2025[3]),
    # VDAB is in both partnerships.
    "coordinator.v": (OCMW_A_2025[0], OCMW_A_2025[1], OCMW_B_Q3, OCMW_A_2025[3]),
}
NOBODY = ("toeleider", "toeleider.out", "mediator", "mediator.out", "admin", "platform")


async def test_counts_medians_and_overdue_share_by_hand() -> None:
    world = await seeded_world()
    figures = await figures_for(await viewer_of(world, "sw.a"), 2025, today=TODAY)
    assert figures.year == 2025
    assert figures.quarters == OCMW_A_2025
    assert [q.overdue_share for q in figures.quarters] == [
        pytest.approx(200 / 3),
        pytest.approx(200 / 3),
        None,
        0.0,
    ]
    assert [theme.code for theme in figures.themes] == [theme.code for theme in THEMES]
    assert {t.code: t.counts for t in figures.themes if t.total} == {
        "housing": (2, 1, 0, 1),
        "work": (1, 1, 0, 0),
        "health": (0, 1, 0, 0),
        "money": (0, 0, 0, 1),
    }, "the client's signal (housing, Q1) is not counted; S12 went to OCMW B"
    assert figures.total == 8
    assert figures.years == (2026, 2025, 2024)
    assert not figures.partnership


async def test_years_begin_and_end_in_belgian_time() -> None:
    world = await seeded_world()
    sw_a = await viewer_of(world, "sw.a")
    later = await figures_for(sw_a, 2026, today=TODAY)
    assert [q.signals for q in later.quarters] == [1, 0, 0, 0], "S9, reported on New Year's night"
    earlier = await figures_for(sw_a, 2024, today=TODAY)
    assert [q.signals for q in earlier.quarters] == [0, 0, 0, 1], "S10, on New Year's Eve"
    empty = await figures_for(sw_a, 2019, today=TODAY)
    assert empty.total == 0 and empty.years == (2026, 2025, 2024, 2019)


@pytest.mark.parametrize("username", [*EXPECTED_2025, *NOBODY])
async def test_who_counts_which_signals(username: str) -> None:
    world = await seeded_world()
    viewer = await viewer_of(world, username)
    org, role = PEOPLE.get(username, ("vdab", "coordinator"))
    assert portal_counts_figures(viewer) is counts_figures(org, role)
    if username in NOBODY:
        with pytest.raises(NotFoundException):
            await figures_for(viewer, 2025, today=TODAY)
        return
    figures = await figures_for(viewer, 2025, today=TODAY)
    assert figures.quarters == EXPECTED_2025[username]
    assert figures.partnership is (not org.startswith("ocmw"))


async def test_an_unknown_or_inactive_theme_still_counts() -> None:
    world = await build_world()
    await _routes(world)
    await write(world, Seed("T1", "sw.a", "Zottegem", "mobility", at(2025, 5, 5)))
    await SignalTheme.update({SignalTheme.active: False}).where(SignalTheme.code == "mobility")
    await SignalTheme.update({SignalTheme.active: False}).where(SignalTheme.code == "digital")
    figures = await figures_for(await viewer_of(world, "sw.a"), 2025, today=TODAY)
    codes = [theme.code for theme in figures.themes]
    assert "mobility" in codes, "inactive, but with signals this year"
    assert "digital" not in codes, "inactive and without signals"


# The page and the CSV ---------------------------------------------------------------------------

EVIL = '=HYPERLINK("http://x.example";"klik") <b>"zeg"</b>; ja\nregel'
"""A theme name as an administrator might type it: a formula, quotes, a separator, a line break."""


async def _evil_theme(world: World) -> None:
    await SignalTheme(code="custom", name=EVIL, deadline=10, position=99, active=True).save()
    await write(world, Seed("E1", "toeleider", "Zottegem", "custom", at(2025, 5, 6)))
    await write(world, Seed("E2", "sw.a", "Zottegem", "custom", at(2025, 11, 4)))


def _read_csv(body: bytes) -> list[list[str]]:
    text = body.decode("utf-8")
    assert text.startswith(BOM)
    assert "\r\n" in text and "\n" not in text.replace("\r\n", "").replace(EVIL[-6:], "")
    return list(csv.reader(io.StringIO(text.removeprefix(BOM), newline=""), delimiter=";"))


async def test_the_csv_is_for_belgian_excel_and_defends_against_formulas(
    client: httpx.AsyncClient,
) -> None:
    world = await seeded_world()
    await _evil_theme(world)
    await login_en(client, "coordinator.a")
    response = await client.get("/signals/figures.csv?year=2025")
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/csv; charset=utf-8"
    assert response.headers["content-disposition"] == 'attachment; filename="signalen-2025.csv"'
    rows = _read_csv(response.content)
    assert rows[0] == ["Year", "Quarter", "Theme", "Measure", "Value"]
    for row in rows:
        assert len(row) == 5, row
        for cell in row:
            assert not cell.startswith(FORMULA_STARTS), cell
    counts = {(r[1], r[2]): r[4] for r in rows[1:] if r[3] == "Signals"}
    assert len(counts) == 4 * 11, "every quarter with every listed theme"
    assert counts[("Q1", "Housing")] == "2"
    assert counts[("Q2", "'" + EVIL)] == "1", "the name whole, behind one apostrophe"
    assert counts[("Q4", "'" + EVIL)] == "1"
    per_quarter = {(r[1], r[3]): r[4] for r in rows[1:] if r[2] == "All themes"}
    assert per_quarter[("Q2", "Median working days to a first response")] == "7,5"
    assert per_quarter[("Q2", "Median working days to the follow-up")] == "13,5"
    assert per_quarter[("Q1", "Signals with a first response")] == "2"
    assert per_quarter[("Q3", "Median working days to a first response")] == ""
    assert all(r[0] == "2025" for r in rows[1:])
    text = response.content.decode("utf-8")
    for seed in SEEDS:
        assert _title(seed) not in text and _text(seed) not in text


async def test_the_page_shows_a_chart_and_a_table_per_measure(client: httpx.AsyncClient) -> None:
    world = await seeded_world()
    await _evil_theme(world)
    await login_en(client, "coordinator.p")
    response = await client.get("/signals/figures?year=2025")
    assert response.status_code == 200
    page = response.text
    assert page.count("<svg") == 4 and page.count('role="img"') == 4
    assert page.count("<table") == 4
    assert "style=" not in page
    for key in ("signals-per-theme", "first-response", "follow-up", "overdue"):
        assert f'aria-labelledby="{key}-title"' in page and f'id="{key}-caption"' in page
    assert "<b>" not in page and "&lt;b&gt;&#34;zeg&#34;&lt;/b&gt;" in page
    assert '<option value="2025" selected>2025</option>' in page
    assert 'href="/signals/figures.csv?year=2025"' in page
    assert "routed to the OCMWs of your partnerships" in page
    assert '<td class="num">7,5</td>' not in page and '<td class="num">7.5</td>' in page
    for seed in SEEDS:
        assert _title(seed) not in page and _text(seed) not in page


async def test_the_page_in_dutch_writes_decimal_commas(client: httpx.AsyncClient) -> None:
    world = await seeded_world()
    await login_en(client, "sw.a")
    client.cookies.set("brug_lang", "nl")
    page = (await client.get("/signals/figures?year=2025")).text
    assert '<td class="num">7,5</td>' in page and '<td class="num">13,5</td>' in page
    assert world


async def test_an_empty_year_says_so(client: httpx.AsyncClient) -> None:
    await seeded_world()
    await login_en(client, "sw.b")
    page = (await client.get("/signals/figures?year=2019")).text
    assert "No structural signals were reported in 2019." in page
    assert "<svg" not in page
    assert [f'<option value="{y}"' in page for y in (2019, 2025)] == [True, True]
    csv_rows = _read_csv((await client.get("/signals/figures.csv?year=2019")).content)
    assert {r[4] for r in csv_rows[1:] if r[3] == "Signals"} == {"0"}


@pytest.mark.parametrize("username", NOBODY)
async def test_who_counts_nothing_gets_404(client: httpx.AsyncClient, username: str) -> None:
    await seeded_world()
    await login_en(client, username)
    for url in ("/signals/figures", "/signals/figures?year=2025", "/signals/figures.csv"):
        assert (await client.get(url)).status_code == 404, url


async def test_an_impossible_year_is_refused(client: httpx.AsyncClient) -> None:
    await seeded_world()
    await login_en(client, "sw.a")
    for url in ("/signals/figures?year=99999", "/signals/figures.csv?year=1200"):
        assert (await client.get(url)).status_code == 400, url
    assert (await client.get("/signals/figures?year=abc")).status_code == 400


async def test_the_figures_are_not_taken_for_a_signal(client: httpx.AsyncClient) -> None:
    await seeded_world()
    await login_en(client, "sw.a")
    page = await client.get("/signals/figures")
    assert page.status_code == 200 and "Signal figures" in page.text
    assert (await client.get("/signals/figures.csv")).headers["content-type"].startswith("text/csv")


@pytest.mark.parametrize("username", [*PEOPLE, "coordinator.v"])
async def test_the_signals_list_links_to_the_figures_for_who_sees_them(
    client: httpx.AsyncClient, username: str
) -> None:
    world = await build_world()
    world.people["coordinator.v"] = await make_person(
        "coordinator.v", world.orgs["vdab"], "coordinator"
    )
    viewer = await viewer_of(world, username)
    await login_en(client, username)
    page = (await client.get("/signals")).text
    linked = 'href="/signals/figures"' in page
    assert linked is portal_counts_figures(viewer), "the template's condition is the policy's"
    assert linked is counts_figures(*PEOPLE.get(username, ("vdab", "coordinator")))


# Statements ------------------------------------------------------------------------------------


async def _statements(viewer: Viewer) -> int:
    with count_queries() as counter:
        await figures_for(viewer, 2025, today=TODAY)
    return counter[0]


async def _page_statements(http: httpx.AsyncClient, url: str, person: int) -> int:
    forget_viewer(person)
    with count_queries() as counter:
        response = await http.get(url)
    assert response.status_code == 200, url
    return counter[0]


async def test_the_statements_do_not_grow_with_themes_quarters_or_signals(
    client: httpx.AsyncClient,
) -> None:
    world = await build_world()
    await _routes(world)
    await write(world, SEEDS[0])
    viewer = await viewer_of(world, "coordinator.a")
    await login_en(client, "coordinator.a")
    person = world.people["coordinator.a"]
    few = await _statements(viewer)
    page = await _page_statements(client, "/signals/figures?year=2025", person)
    sheet = await _page_statements(client, "/signals/figures.csv?year=2025", person)

    for number in range(5):
        await SignalTheme(
            code=f"added-{number}", name=f"Added {number}", position=20 + number
        ).save()
    codes = [theme.code for theme in THEMES] + [f"added-{number}" for number in range(5)]
    for index, code in enumerate(codes):
        for month in (2, 5, 8, 11):
            created = at(2025, month, 3 + index % 20)
            await write(
                world,
                Seed(f"N{index}-{month}", "sw.a", "Zottegem", code, created, created, created),
            )
    figures = await figures_for(viewer, 2025, today=TODAY)
    assert len(figures.themes) == 15 and all(q.signals for q in figures.quarters)
    assert await _statements(viewer) == few == 3, "years, themes, the year's signals"
    assert await _page_statements(client, "/signals/figures?year=2025", person) == page
    assert await _page_statements(client, "/signals/figures.csv?year=2025", person) == sheet

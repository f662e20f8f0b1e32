"""Referral-question figures: counts per type and quarter, the median working days to the first
answer, the share answered within the deadline and the share answered "yes", checked against
sums made by hand (holidays, quarters in Belgian time); small counts suppressed with the totals
that would give them away; who counts which questions (by the issue, not by the portal's rule);
the page and the CSV, with no question text or client name in them; a fixed number of
statements."""

from __future__ import annotations

import csv
import datetime as dt
import io
from dataclasses import dataclass

import httpx
import pytest
from litestar.exceptions import NotFoundException

from portal.accounts.auth import forget_viewer
from portal.core.charts import BarChart, Series
from portal.core.db import count_queries
from portal.core.spreadsheet import BOM
from portal.questions.figures import Measure, Timing, charts, figures_for, summarise
from portal.questions.services import due_on
from portal.questions.tables import Question
from portal.visibility.aggregates import FigureTable, Suppression
from portal.visibility.scoping import unscoped
from portal.visibility.viewer import Viewer
from tests.courses.conftest import login_en
from tests.support.factories import (
    World,
    build_world,
    make_client,
    make_org,
    make_partnership,
    make_person,
    secret,
)
from tests.support.trajectory import viewer_of

TODAY = dt.date(2026, 1, 8)
TYPES = ("trajectory", "training_advice", "invitation", "other")
ALL = len(TYPES)
"""The row of all types, and the column of the whole year."""


def at(year: int, month: int, day: int, hour: int = 9, minute: int = 0) -> dt.datetime:
    return dt.datetime(year, month, day, hour, minute, tzinfo=dt.UTC)


def timing(
    created: dt.datetime,
    answered: dt.datetime | None = None,
    answer: str = "yes",
    kind: str = "trajectory",
) -> Timing:
    return Timing(
        type=kind,
        created_at=created,
        first_due_on=due_on(created, 10),
        first_answered_at=answered,
        answer=answer if answered else "",
    )


# Q2 2025, trajectory: seven questions, worked out by hand (10 working days to answer).
SECOND_QUARTER = (
    # Good Friday; Easter Monday (21 April) and 1 May do not count: due 6 May, answered that
    # evening (Brussels): 10 working days, within.
    timing(at(2025, 4, 18, 10), at(2025, 5, 6, 19)),
    # Whit Monday (9 June) does not count: due 17 June, answered 18 June: 11 days, late.
    timing(at(2025, 6, 2), at(2025, 6, 18, 8)),
    # The same day: 0, within; "yes, on conditions" is not a yes.
    timing(at(2025, 4, 1), at(2025, 4, 1, 14), "conditional"),
    # 2 working days, within; a no.
    timing(at(2025, 4, 7), at(2025, 4, 9), "no"),
    # No answer, due 24 June: past it on TODAY, so not within.
    timing(at(2025, 6, 10)),
    # 2 working days, within.
    timing(at(2025, 5, 14), at(2025, 5, 16)),
    # Ascension (29 May) does not count: 5 working days, within (due 6 June).
    timing(at(2025, 5, 22), at(2025, 5, 30)),
)
OTHERS = (
    # 23:30 on 31 March in Brussels (summer time): still Q1.
    timing(at(2025, 3, 31, 21, 30), at(2025, 4, 2), kind="other"),
    # 00:30 on 1 April in Brussels: Q2.
    timing(at(2025, 3, 31, 22, 30), kind="invitation"),
    # Q4: no answer yet and due 13 January 2026: not decided on 8 January.
    timing(at(2025, 12, 29, 10), kind="invitation"),
)


def labels(table: FigureTable) -> list[list[str]]:
    """The table with its margins as it reads."""
    lines = [[*cells, total] for cells, total in zip(table.cells, table.row_totals, strict=True)]
    lines.append([*table.column_totals, table.total])
    return [[cell.label for cell in line] for line in lines]


def test_deadlines_skip_the_holidays() -> None:
    assert [t.first_due_on for t in SECOND_QUARTER[:2]] == [
        dt.date(2025, 5, 6),
        dt.date(2025, 6, 17),
    ]
    assert SECOND_QUARTER[4].first_due_on == dt.date(2025, 6, 24)
    assert SECOND_QUARTER[6].first_due_on == dt.date(2025, 6, 6)
    assert OTHERS[2].first_due_on == dt.date(2026, 1, 13)


def test_median_within_and_yes_by_hand() -> None:
    figures = summarise(2025, SECOND_QUARTER, today=TODAY)
    assert figures.types == TYPES
    assert labels(figures.counts)[0] == ["0", "7", "0", "0", "7"]
    days, within, yes = (figures.grid(m).values for m in Measure)
    # Working days [10, 11, 0, 2, 2, 5]: the median of six.
    assert days[0][1] == 3.5 and days[0][ALL] == 3.5 and days[ALL][1] == 3.5
    # Within: 5 of the 6 answered and the one past its deadline.
    assert within[0][1] == pytest.approx(500 / 7)
    # Yes: 4 of the 6 answered (a conditional and a no are not).
    assert yes[0][1] == pytest.approx(400 / 6)
    assert days[0][0] is None and days[1][1] is None, "no questions there"


def test_fewer_than_five_behind_a_figure_is_not_shown() -> None:
    # Five questions, four answered: counted, but no median and no yes share; within is over
    # the four answered and the one past its deadline.
    figures = summarise(2025, SECOND_QUARTER[:5], today=TODAY)
    assert labels(figures.counts)[0][1] == "5"
    days, within, yes = (figures.grid(m).values for m in Measure)
    assert days[0][1] is None and yes[0][1] is None
    assert within[0][1] == pytest.approx(60.0)
    # On the day the last one was asked it was not decided yet: four decided, no share.
    early = summarise(2025, SECOND_QUARTER[:5], today=dt.date(2025, 6, 10))
    assert early.grid(Measure.within).values[0][1] is None


def test_quarters_are_belgian_and_undecided_questions_wait() -> None:
    figures = summarise(2025, (*SECOND_QUARTER, *OTHERS), today=TODAY)
    table = labels(figures.counts)
    assert table[TYPES.index("other")] == ["< 5", "0", "0", "0", "< 5"]
    assert table[TYPES.index("invitation")][:4] == ["0", "< 5", "0", "< 5"]
    assert figures.counts.total.value == 10


def _hidden(table: FigureTable) -> list[list[bool]]:
    return [[label in ("< 5", "•") for label in line] for line in labels(table)]


def test_a_small_count_is_not_given_away_by_a_total() -> None:
    # Q1: six trajectory questions. Q2: seven trajectory questions and two of training advice.
    # The total of Q2 (9) less the trajectory count (7) would give the two away.
    rows = [
        *(timing(at(2025, 2, 3 + day)) for day in range(6)),
        *SECOND_QUARTER,
        timing(at(2025, 5, 5), at(2025, 5, 6), kind="training_advice"),
        timing(at(2025, 5, 7), kind="training_advice"),
    ]
    figures = summarise(2025, rows, today=TODAY)
    table, hidden = labels(figures.counts), _hidden(figures.counts)
    advice = TYPES.index("training_advice")
    assert table[advice][1] == "< 5" and table[advice][ALL] == "< 5"
    assert figures.counts.cells[advice][1].reason is Suppression.small
    for line in (*hidden, *zip(*hidden, strict=True)):
        assert sum(line) != 1, f"a line with one hidden count gives it away: {table}"
    assert hidden[0][1] or hidden[ALL][1], "Q2's trajectory count or its total is withheld"
    for text in (str(v) for line in table for v in line):
        assert text != "2"
    # A withheld count takes its measures with it, however many questions it has.
    for measure in Measure:
        values = figures.grid(measure).values
        for i, line in enumerate(hidden):
            for j, withheld in enumerate(line):
                if withheld:
                    assert values[i][j] is None, (measure, i, j)


def test_a_chart_says_a_withheld_count_and_draws_no_bar_for_it() -> None:
    rows = [timing(at(2025, 3, 31, 21, 30), kind="other")]
    for number, kind in ((6, "trajectory"), (5, "invitation")):
        for month in (2, 5, 8, 11):
            rows += [
                timing(at(2025, month, 3 + day), kind=kind) for day in range(number + month // 3)
            ]
    figures = summarise(2025, rows, today=TODAY)
    table = labels(figures.counts)
    assert table[TYPES.index("other")][0] == "< 5"
    counts = charts(figures)[0]
    svg = str(counts.svg())
    assert "&lt; 5</text>" in svg and "•</text>" in svg
    assert "Q1: &lt; 5" not in svg and "· Q1: &lt; 5" not in svg, "no bar (a bar has a title)"
    assert svg.count('<rect class="chart-bar') > 4, "the counts shown are drawn"
    other = counts.table().rows[TYPES.index("other")]
    assert other.cells == ("< 5", "0", "0", "0", "< 5")


def test_a_chart_takes_labels_only_where_they_cannot_mislead() -> None:
    def chart(series: Series, *, stacked: bool = False) -> BarChart:
        return BarChart("k", "t", "d", "c", ("a", "b"), (series,), stacked=stacked)

    assert chart(Series("Q1", (None, 6.0), ("< 5", ""))).table().rows[0].cells == ("< 5",)
    with pytest.raises(ValueError):
        chart(Series("Q1", (None, 6.0), ("< 5",)))
    with pytest.raises(ValueError):
        chart(Series("Q1", (None, 6.0), ("< 5", "")), stacked=True)
    with pytest.raises(ValueError):
        chart(Series("Q1", (-1.0, 6.0), ("< 5", "")))


# The world: who counts which questions --------------------------------------------------------


@dataclass(frozen=True)
class Group:
    ocmw: str
    team: str
    client: str
    asker: str
    month: int
    number: int


GROUPS = (
    # OCMW A to its partnership's VDAB team, in Q1.
    Group("ocmw-a", "vdab", "X", "sw.a", 2, 5),
    # OCMW B to the same team, in Q2.
    Group("ocmw-b", "vdab", "Z", "sw.b", 5, 6),
    # OCMW C to another VDAB team, in Q3: no one of the world's partnerships counts it.
    Group("ocmw-c", "vdab-2", "C", "sw.c", 8, 7),
)
COUNTS = {
    "sw.a": (5, 0, 0, 0),
    "sw.a2": (5, 0, 0, 0),
    "coordinator.a": (5, 0, 0, 0),
    "sw.b": (0, 6, 0, 0),
    "mediator": (5, 6, 0, 0),
    "mediator.out": (5, 6, 0, 0),
    "coordinator.v": (5, 6, 0, 0),
    "coordinator.p": (5, 0, 0, 0),
    "sw.c": (0, 0, 7, 0),
    "mediator.c": (0, 0, 7, 0),
}
"""Trajectory questions per quarter, by the issue: an OCMW's social workers and coordinator
count what their OCMW asked; a VDAB team's mediators and coordinator what was addressed to it and
what its partnerships' OCMWs asked; a partner's coordinator what its partnerships' OCMWs asked."""
NOBODY = ("toeleider", "toeleider.out", "admin", "platform", "toeleider.c")
QUESTION_TEXT = "QTEXT-{group}-{number}"


async def seeded_world() -> World:
    world = await build_world()
    world.orgs["ocmw-c"] = await make_org("ocmw-c", "ocmw")
    world.orgs["vdab-2"] = await make_org("vdab-2", "vdab")
    world.orgs["partner-2"] = await make_org("partner-2", "partner")
    await make_partnership(world.orgs["ocmw-c"], world.orgs["partner-2"], world.orgs["vdab-2"])
    for username, org, role in (
        ("coordinator.v", "vdab", "coordinator"),
        ("sw.c", "ocmw-c", "social_worker"),
        ("mediator.c", "vdab-2", "mediator"),
        ("toeleider.c", "partner-2", "toeleider"),
    ):
        world.people[username] = await make_person(username, world.orgs[org], role)
    world.clients["C"] = await make_client(world.orgs["ocmw-c"], "C")
    for group in GROUPS:
        for number in range(group.number):
            created = at(2025, group.month, 3 + number)
            await put(
                world,
                group,
                created,
                answered=created + dt.timedelta(days=2) if number % 2 else None,
                text=QUESTION_TEXT.format(group=group.ocmw, number=number),
            )
    return world


async def put(
    world: World,
    group: Group,
    created: dt.datetime,
    *,
    answered: dt.datetime | None = None,
    kind: str = "trajectory",
    text: str = "QTEXT",
    answer: str = "yes",
) -> None:
    """A question row as the figures find it (the way through the pages is test_flow's)."""
    due = due_on(created, 10)
    with unscoped("test: constructed questions"):
        await Question.insert(
            Question(
                client=world.clients[group.client],
                ocmw=world.orgs[group.ocmw],
                team=world.orgs[group.team],
                asker=world.people[group.asker],
                type=kind,
                text=text,
                state="answered" if answered else "open",
                created_at=created,
                due_on=due,
                first_due_on=due,
                first_answered_at=answered,
                answered_at=answered,
                answer=answer if answered else "",
                reason=f"{text}-reason" if answered else "",
            )
        )


def _trajectory_counts(figures_table: FigureTable) -> tuple[int | None, ...]:
    return tuple(cell.value for cell in figures_table.cells[0])


@pytest.mark.parametrize("username", [*COUNTS, *NOBODY])
async def test_who_counts_which_questions(username: str) -> None:
    world = await seeded_world()
    viewer = await viewer_of(world, username)
    if username in NOBODY:
        with pytest.raises(NotFoundException):
            await figures_for(viewer, 2025, today=TODAY)
        return
    figures = await figures_for(viewer, 2025, today=TODAY)
    assert _trajectory_counts(figures.counts) == COUNTS[username]
    assert figures.counts.total.value == sum(COUNTS[username])
    assert figures.years == (2025,)


async def test_a_question_of_another_team_to_the_partnership_counts_for_both() -> None:
    """OCMW A asks the other team (outside its partnerships): its own OCMW and the other team
    count it; VDAB counts it too, as a question of its partnership's OCMW; OCMW B does not."""
    world = await seeded_world()
    odd = Group("ocmw-a", "vdab-2", "X", "sw.a", 11, 1)
    for day in range(5):
        await put(world, odd, at(2025, 11, 3 + day), kind="other")
    expected = {"sw.a": 5, "mediator.c": 5, "mediator": 5, "sw.b": 0, "sw.c": 0}
    for username, number in expected.items():
        figures = await figures_for(await viewer_of(world, username), 2025, today=TODAY)
        assert figures.counts.cells[TYPES.index("other")][3].value == number, username


async def test_years_begin_and_end_in_belgian_time() -> None:
    world = await build_world()
    group = GROUPS[0]
    # 00:30 on 1 January 2026 in Brussels; the last microsecond of 2024 in Brussels.
    await put(world, group, at(2025, 12, 31, 23, 30))
    last = at(2024, 12, 31, 22, 59) + dt.timedelta(seconds=59, microseconds=999_999)
    await put(world, group, last)
    sw_a = await viewer_of(world, "sw.a")
    for year, quarters in ((2026, (1, 0, 0, 0)), (2025, (0, 0, 0, 0)), (2024, (0, 0, 0, 1))):
        figures = await figures_for(sw_a, year, today=TODAY)
        shown = [cell.label for cell in figures.counts.column_totals]
        assert shown == ["< 5" if q else "0" for q in quarters], year
        assert figures.years == tuple(sorted({2026, 2024, year}, reverse=True))


# The page and the CSV --------------------------------------------------------------------------


def _read_csv(body: bytes) -> list[list[str]]:
    text = body.decode("utf-8")
    assert text.startswith(BOM)
    assert "\r\n" in text and "\n" not in text.replace("\r\n", "")
    return list(csv.reader(io.StringIO(text.removeprefix(BOM), newline=""), delimiter=";"))


async def _hand_made(world: World) -> None:
    """OCMW A's second quarter of 2025 as ``SECOND_QUARTER``, and two training-advice questions
    that a total would give away."""
    group = GROUPS[0]
    for number, t in enumerate(SECOND_QUARTER):
        await put(
            world,
            group,
            t.created_at,
            answered=t.first_answered_at,
            answer=t.answer,
            text=f"QTEXT-hand-{number}",
        )
    for day in (5, 7):
        await put(world, group, at(2025, 5, day), kind="training_advice", text=f"QTEXT-ta-{day}")


def _secrets(world: World) -> list[str]:
    values = ["QTEXT", "FirstX", "LastX", "FirstZ", "FirstC", secret("X", "national_number")]
    return [*values, *(f"/questions/{n}" for n in range(1, 40))]


async def test_the_csv_is_long_format_for_belgian_excel(client: httpx.AsyncClient) -> None:
    world = await seeded_world()
    await _hand_made(world)
    await login_en(client, "coordinator.a")
    response = await client.get("/questions/figures.csv?year=2025")
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/csv; charset=utf-8"
    assert response.headers["content-disposition"] == (
        'attachment; filename="doorverwijsvragen-2025.csv"'
    )
    rows = _read_csv(response.content)
    assert rows[0] == ["Year", "Quarter", "Type", "Measure", "Value"]
    assert all(len(row) == 5 and row[0] == "2025" for row in rows[1:])
    assert len(rows) == 1 + 5 * 5 * 4, (
        "each period (4 quarters, the year) × kind (4, all) × measure"
    )
    value = {(r[1], r[2], r[3]): r[4] for r in rows[1:]}
    # Q1 holds five trajectory questions; Q2 the seven by hand and the two of training advice.
    assert value[("Q2", "Training advice", "Questions")] == "< 5"
    assert value[("Whole year", "Training advice", "Questions")] == "< 5"
    assert value[("Q1", "Invitation", "Questions")] == "0"
    withheld = {k: v for k, v in value.items() if k[2] == "Questions" and v in ("< 5", "•")}
    assert "•" in withheld.values(), "the complementary suppression reaches the CSV"
    for period, kind, _measure in withheld:
        for measure in (
            "Median working days to the first answer",
            "Answered within the deadline (%)",
            'Answered "yes" (%)',
        ):
            assert value[(period, kind, measure)] == "", (period, kind, measure)
    shown = [v for k, v in value.items() if k[2] == "Questions" and v not in ("< 5", "•")]
    assert all(v.isdigit() for v in shown)
    text = response.content.decode("utf-8")
    for hidden in _secrets(world):
        assert hidden not in text


async def test_the_csv_writes_decimal_commas_in_dutch(client: httpx.AsyncClient) -> None:
    world = await seeded_world()
    for t in SECOND_QUARTER:
        await put(world, GROUPS[0], t.created_at, answered=t.first_answered_at, answer=t.answer)
    await login_en(client, "sw.a2")
    client.cookies.set("brug_lang", "nl")
    rows = _read_csv((await client.get("/questions/figures.csv?year=2025")).content)
    assert rows[0][:2] == ["Jaar", "Kwartaal"]
    # The second quarter's first kind (trajectory): questions, median, within, yes.
    second = [row[4] for row in rows[1:] if row[1] == "K2"][:4]
    assert second == ["7", "3,5", "71,4", "66,7"]


async def test_the_page_shows_a_chart_and_a_table_per_measure(client: httpx.AsyncClient) -> None:
    world = await seeded_world()
    await _hand_made(world)
    await login_en(client, "mediator")
    response = await client.get("/questions/figures?year=2025")
    assert response.status_code == 200
    page = response.text
    # Suppression leaves no bar to draw in some charts: their tables alone say what is shown.
    assert page.count('<figure class="chart-figure">') == 4 and page.count("<table") == 4
    drawn, bare = page.count("<svg"), page.count("Nothing here can be drawn as a bar")
    assert drawn + bare == 4 and bare == 4 - page.count('role="img"')
    assert "style=" not in page
    for key in ("questions-per-type", "question-days", "question-within", "question-yes"):
        assert f'id="{key}-caption"' in page
    assert '<option value="2025" selected>2025</option>' in page
    assert 'href="/questions/figures.csv?year=2025"' in page
    assert "addressed to your VDAB team" in page
    assert '<td class="num">&lt; 5</td>' in page and '<td class="num">•</td>' in page
    # The two questions of training advice withhold much of OCMW A's table; the whole year of
    # all types stays: 9 of the 11 answered said yes.
    assert '<td class="num">81.8%</td>' in page
    for hidden in _secrets(world):
        assert hidden not in page


async def test_the_page_in_dutch_writes_decimal_commas(client: httpx.AsyncClient) -> None:
    world = await seeded_world()
    group = GROUPS[0]
    for t in SECOND_QUARTER:
        await put(world, group, t.created_at, answered=t.first_answered_at, answer=t.answer)
    await login_en(client, "sw.a")
    client.cookies.set("brug_lang", "nl")
    page = (await client.get("/questions/figures?year=2025")).text
    assert '<td class="num">3,5</td>' in page and '<td class="num">71,4%</td>' in page
    for key in ("questions-per-type", "question-days", "question-within", "question-yes"):
        assert f'aria-labelledby="{key}-title"' in page, "nothing withheld: every chart drawn"
    assert page.count('role="img"') == 4


async def test_an_empty_year_says_so(client: httpx.AsyncClient) -> None:
    await seeded_world()
    await login_en(client, "sw.b")
    page = (await client.get("/questions/figures?year=2019")).text
    assert "No referral questions were asked in 2019." in page
    assert "<svg" not in page
    assert [f'<option value="{y}"' in page for y in (2019, 2025)] == [True, True]
    rows = _read_csv((await client.get("/questions/figures.csv?year=2019")).content)
    assert {r[4] for r in rows[1:] if r[3] == "Questions"} == {"0"}


@pytest.mark.parametrize("username", NOBODY)
async def test_who_counts_nothing_gets_404(client: httpx.AsyncClient, username: str) -> None:
    await seeded_world()
    await login_en(client, username)
    for url in ("/questions/figures", "/questions/figures?year=2025", "/questions/figures.csv"):
        assert (await client.get(url)).status_code == 404, url
    assert 'href="/questions/figures"' not in (await client.get("/")).text


async def test_an_impossible_year_is_refused(client: httpx.AsyncClient) -> None:
    await seeded_world()
    await login_en(client, "sw.a")
    for url in ("/questions/figures?year=99999", "/questions/figures.csv?year=1200"):
        assert (await client.get(url)).status_code == 400, url
    page = await client.get("/questions/figures")
    assert page.status_code == 200 and "Referral question figures" in page.text


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


async def test_the_statements_do_not_grow_with_types_quarters_or_questions(
    client: httpx.AsyncClient,
) -> None:
    world = await build_world()
    group = Group("ocmw-a", "vdab", "X", "sw.a", 2, 1)
    await put(world, group, at(2025, 2, 3))
    viewer = await viewer_of(world, "mediator")
    await login_en(client, "mediator")
    person = world.people["mediator"]
    few = await _statements(viewer)
    page = await _page_statements(client, "/questions/figures?year=2025", person)
    sheet = await _page_statements(client, "/questions/figures.csv?year=2025", person)

    for index, kind in enumerate(TYPES):
        for month in (1, 4, 7, 10):
            for day in range(6):
                created = at(2025, month, 5 + day + index)
                answered = created + dt.timedelta(days=1 + day)
                await put(world, group, created, answered=answered, kind=kind)
    for year in (2023, 2024):
        await put(world, group, at(year, 3, 3))
    figures = await figures_for(viewer, 2025, today=TODAY)
    assert figures.counts.total.value == 4 * 4 * 6 + 1
    assert all(value is not None for line in figures.grid(Measure.days).values for value in line)
    assert await _statements(viewer) == few == 2, "the years, the year's questions"
    assert await _page_statements(client, "/questions/figures?year=2025", person) == page
    assert await _page_statements(client, "/questions/figures.csv?year=2025", person) == sheet


@pytest.mark.parametrize("username", [*COUNTS, *NOBODY])
async def test_who_counts_finds_the_figures_from_the_menu(
    client: httpx.AsyncClient, username: str
) -> None:
    await seeded_world()
    await login_en(client, username)
    home = (await client.get("/")).text
    questions = await client.get("/questions")
    counts = username in COUNTS
    if counts:
        assert 'href="/questions"' in home, "the menu leads to the questions page"
        assert 'href="/questions/figures"' in questions.text, "which links to the figures"
    else:
        assert 'href="/questions/figures"' not in questions.text

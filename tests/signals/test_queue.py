"""The OCMW's queue (``GET /signals``): every filter and the counts next to each filter value,
against a seeded set counted by hand; the pages; the htmx update against the whole page; values
that are not understood; the number of statements; and who has no queue."""

from __future__ import annotations

import datetime as dt
import importlib
import re
from dataclasses import dataclass

import httpx
import pytest

from portal.accounts.auth import forget_viewer
from portal.core.db import count_queries
from portal.core.templating import LOCAL_TIME
from portal.signals import queue
from portal.signals.queue import Queue, QueueFilters, parse
from tests.courses.conftest import login_en
from tests.support.factories import World, build_world
from tests.support.signals import make_signal
from tests.support.trajectory import viewer_of

TODAY = queue.today()


def _at(days_ago: int, hour: int = 12, minute: int = 0) -> dt.datetime:
    """A moment ``days_ago`` Belgian days before today, at that Belgian time, in UTC."""
    day = TODAY - dt.timedelta(days=days_ago)
    return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=LOCAL_TIME).astimezone(dt.UTC)


# name: theme, state, handler, municipality, created (days ago), due (days from today)
# All routed to OCMW A unless said otherwise; overdue = new (no first response) and due before
# today: s1, s2, s6 and s12.
SEED: dict[str, tuple[str, str, str | None, str, int, int]] = {
    "s1": ("housing", "new", None, "Zottegem", 20, -6),
    "s2": ("housing", "new", "sw.a", "Zottegem", 15, -1),
    "s3": ("housing", "in_progress", "sw.a", "Brakel", 5, 5),
    "s4": ("work", "new", None, "Brakel", 2, 8),
    "s5": ("work", "followed_up", "sw.a2", "Zottegem", 30, -16),
    "s6": ("health", "new", "sw.a2", "Zottegem", 12, -2),
    "s7": ("health", "closed", "sw.a", "Brakel", 100, -86),
    "s8": ("housing", "closed", "sw.a2", "Zottegem", 200, -186),
    "s9": ("money", "in_progress", "sw.a", "Zottegem", 1, 9),
    "s10": ("education", "new", None, "Zottegem", 0, 10),
    "s11": ("housing", "new", "sw.b", "Gent", 3, 7),
    "s12": ("other", "new", None, "Zottegem", 40, -26),
    "s13": ("language", "in_progress", "sw.a2", "Brakel", 3, 7),
}
OF_OCMW_B = {"s11"}
ABOUT_CLIENT_X = {"s9"}
"""About client X of OCMW A (file holder sw.a): trajectory, which OCMW A's coordinator does not
read."""
REPORTED_BY_SW_A = {"s12"}
CREATED_JUST_AFTER_MIDNIGHT = {"s13"}
"""Reported at 00:30 Belgian time: the day before in UTC."""


@dataclass
class Seeded:
    world: World
    ids: dict[str, int]

    def names(self, signal_ids: list[int]) -> list[str]:
        by_id = {signal_id: name for name, signal_id in self.ids.items()}
        return [by_id[signal_id] for signal_id in signal_ids]


async def _seed() -> Seeded:
    world = await build_world()
    people, orgs = world.people, world.orgs
    ids: dict[str, int] = {}
    for name, (theme, state, handler, place, created, due) in SEED.items():
        ocmw = "ocmw-b" if name in OF_OCMW_B else "ocmw-a"
        reporter, reporter_org = (
            ("sw.a", "ocmw-a") if name in REPORTED_BY_SW_A else ("toeleider", "partner")
        )
        created_at = _at(created, 0, 30) if name in CREATED_JUST_AFTER_MIDNIGHT else _at(created)
        ids[name] = await make_signal(
            reporter=people[reporter],
            reporter_org=orgs[reporter_org],
            ocmw=orgs[ocmw],
            theme=theme,
            state=state,
            handler=people[handler] if handler else None,
            municipality=place,
            client=world.clients["X"] if name in ABOUT_CLIENT_X else None,
            created_at=created_at,
            due_on=TODAY + dt.timedelta(days=due),
            title=f"Signal {name}",
            urgency="urgent" if name == "s10" else "normal",
        )
    return Seeded(world, ids)


async def _queue(seeded: Seeded, username: str, **params: str) -> Queue:
    viewer = await viewer_of(seeded.world, username)
    return await queue.load_queue(viewer, parse(params))


def _counts(options: list[queue.Option]) -> dict[str, str]:
    """An option's value and the count in its label: {"housing": "3"}."""
    found = {}
    for option in options:
        match = re.search(r"\(([\d+]+)\)$", option.label)
        if match:
            found[option.value] = match.group(1)
    return found


def _selected(options: list[queue.Option]) -> list[str]:
    return [option.value for option in options if option.selected]


# --- filters and counts ------------------------------------------------------------------------


async def test_the_default_queue_is_the_open_signals_overdue_first() -> None:
    seeded = await _seed()
    q = await _queue(seeded, "sw.a")
    names = seeded.names([s.id for s in q.signals])
    assert names[:4] == ["s12", "s1", "s6", "s2"], "overdue first, by due date"
    assert names[4:] == ["s5", "s3", "s13", "s4", "s9", "s10"], "then by due date"
    assert q.total == 10 and (q.page, q.pages) == (1, 1)
    form = q.form
    assert _counts(form.theme) == {
        "civil_affairs": "0",
        "education": "1",
        "housing": "3",
        "health": "1",
        "work": "2",
        "language": "1",
        "mobility": "0",
        "digital": "0",
        "money": "1",
        "other": "1",
    }
    assert _counts(form.state) == {
        "": "10",
        "new": "6",
        "in_progress": "3",
        "followed_up": "1",
        "closed": "2",
        "all": "12",
    }
    assert _selected(form.state) == [""], "no state chosen: the open ones"
    assert _counts(form.assigned) == {"no": "4", "yes": "6"}
    sw_a2 = str(seeded.world.people["sw.a2"])
    assert _counts(form.handler) == {"me": "3", sw_a2: "3"}
    assert [o.label for o in form.handler if o.value == sw_a2] == ["Sw A2 (3)"]
    assert _counts(form.municipality) == {"Brakel": "3", "Zottegem": "7"}
    assert form.overdue == "4"


async def test_each_filter_and_the_counts_of_the_others() -> None:
    seeded = await _seed()
    people = seeded.world.people

    housing = await _queue(seeded, "sw.a", theme="housing")
    assert sorted(seeded.names([s.id for s in housing.signals])) == ["s1", "s2", "s3"]
    assert housing.total == 3 and _selected(housing.form.theme) == ["housing"]
    assert _counts(housing.form.theme)["work"] == "2", "the theme's own counts ignore the theme"
    assert _counts(housing.form.state) == {
        "": "3",
        "new": "2",
        "in_progress": "1",
        "followed_up": "0",
        "closed": "1",
        "all": "4",
    }
    assert _counts(housing.form.assigned) == {"no": "1", "yes": "2"}
    assert _counts(housing.form.handler) == {"me": "2"}
    assert _counts(housing.form.municipality) == {"Brakel": "1", "Zottegem": "2"}
    assert housing.form.overdue == "2"

    closed = await _queue(seeded, "sw.a", state="closed")
    assert sorted(seeded.names([s.id for s in closed.signals])) == ["s7", "s8"]
    assert {k: v for k, v in _counts(closed.form.theme).items() if v != "0"} == {
        "health": "1",
        "housing": "1",
    }
    assert closed.form.overdue == "0", "a closed signal is never overdue"

    every = await _queue(seeded, "sw.a", state="all")
    assert every.total == 12

    new = await _queue(seeded, "sw.a", state="new", theme="housing")
    assert sorted(seeded.names([s.id for s in new.signals])) == ["s1", "s2"]

    late = await _queue(seeded, "sw.a", overdue="1")
    assert seeded.names([s.id for s in late.signals]) == ["s12", "s1", "s6", "s2"]
    assert {k: v for k, v in _counts(late.form.theme).items() if v != "0"} == {
        "housing": "2",
        "health": "1",
        "other": "1",
    }
    assert _counts(late.form.state)["closed"] == "0"
    assert _counts(late.form.state)["new"] == "4"

    unassigned = await _queue(seeded, "sw.a", assigned="no")
    assert sorted(seeded.names([s.id for s in unassigned.signals])) == ["s1", "s10", "s12", "s4"]
    assert _counts(unassigned.form.handler) == {"me": "0"}

    mine = await _queue(seeded, "sw.a", handler="me")
    assert sorted(seeded.names([s.id for s in mine.signals])) == ["s2", "s3", "s9"]
    assert _counts(mine.form.assigned) == {"no": "0", "yes": "3"}
    assert _counts(mine.form.handler)["me"] == "3", "the handler's counts ignore the handler"

    colleague = await _queue(seeded, "sw.a", handler=str(people["sw.a2"]))
    assert sorted(seeded.names([s.id for s in colleague.signals])) == ["s13", "s5", "s6"]
    assert _selected(colleague.form.handler) == [str(people["sw.a2"])]

    brakel = await _queue(seeded, "sw.a", municipality="Brakel")
    assert sorted(seeded.names([s.id for s in brakel.signals])) == ["s13", "s3", "s4"]
    assert _counts(brakel.form.municipality) == {"Brakel": "3", "Zottegem": "7"}

    nowhere = await _queue(seeded, "sw.a", municipality="Aalst")
    assert nowhere.total == 0 and nowhere.signals == []
    assert _counts(nowhere.form.municipality)["Aalst"] == "0", "the choice stays offered"


async def test_the_period_is_in_belgian_days() -> None:
    seeded = await _seed()
    day = (TODAY - dt.timedelta(days=3)).isoformat()
    one_day = await _queue(seeded, "sw.a", **{"from": day, "to": day})
    assert seeded.names([s.id for s in one_day.signals]) == ["s13"], "00:30 in Belgium counts"
    weeks = await _queue(
        seeded,
        "sw.a",
        **{
            "from": (TODAY - dt.timedelta(days=15)).isoformat(),
            "to": (TODAY - dt.timedelta(days=2)).isoformat(),
        },
    )
    assert sorted(seeded.names([s.id for s in weeks.signals])) == ["s13", "s2", "s3", "s4", "s6"]
    assert _counts(weeks.form.state)["new"] == "3"
    older = await _queue(seeded, "sw.a", to=(TODAY - dt.timedelta(days=13)).isoformat())
    assert sorted(seeded.names([s.id for s in older.signals])) == ["s1", "s12", "s2", "s5"]


async def test_the_counts_are_what_the_viewer_may_read() -> None:
    seeded = await _seed()
    coordinator = await _queue(seeded, "coordinator.a")
    assert coordinator.total == 9, "a signal about a client is trajectory: not the coordinator's"
    assert _counts(coordinator.form.theme)["money"] == "0"
    assert "s9" not in seeded.names([s.id for s in coordinator.signals])
    other = await _queue(seeded, "sw.b")
    assert seeded.names([s.id for s in other.signals]) == ["s11"]
    assert _counts(other.form.municipality) == {"Gent": "1"}
    assert _counts(other.form.state)["closed"] == "0"


async def test_the_handlers_own_overdue_signals() -> None:
    seeded = await _seed()
    sw_a = await _queue(seeded, "sw.a")
    assert seeded.names([s.id for s in sw_a.overdue_mine]) == ["s2"]
    sw_a2 = await _queue(seeded, "sw.a2", theme="work")
    assert seeded.names([s.id for s in sw_a2.overdue_mine]) == ["s6"], "whatever the filters"
    coordinator = await _queue(seeded, "coordinator.a")
    assert coordinator.overdue_mine == [] and not coordinator.more_overdue


async def test_values_that_are_not_understood_are_ignored() -> None:
    assert (
        parse(
            {
                "theme": "no such theme!",
                "state": "bogus",
                "assigned": "maybe",
                "handler": "someone",
                "overdue": "perhaps",
                "from": "2026-13-45",
                "to": "yesterday",
                "municipality": "x" * 101,
                "page": "-1",
                "mine_page": "1e9",
            }
        )
        == QueueFilters()
    )
    assert parse({"handler": "99999999999", "page": "0"}) == QueueFilters()
    assert parse({"handler": " me ", "state": "all", "overdue": "1"}) == QueueFilters(
        handler="me", state="all", overdue=True
    )
    seeded = await _seed()
    unknown = await _queue(seeded, "sw.a", theme="pottery")
    assert unknown.filters.theme == "" and unknown.total == 10, "an unknown theme is not set"


# --- pages ------------------------------------------------------------------------------------


async def test_the_queue_page_with_its_filters(client: httpx.AsyncClient) -> None:
    await _seed()
    await login_en(client, "sw.a")
    response = await client.get("/signals", params={"theme": "housing"})
    assert response.status_code == 200
    html = response.text
    assert "To follow up at your OCMW (3)" in html
    assert '<option value="housing" selected>Housing (3)</option>' in html
    assert '<option value="work">Work (2)</option>' in html
    assert '<option value="closed">Closed (1)</option>' in html
    assert 'id="q-overdue-count">(2)</span>' in html
    assert re.search(
        r'<label for="q-theme">Theme</label>\s*<select id="q-theme" name="theme">', html
    )
    assert "Signal s1" in html and "Signal s4" not in html and "Signal s11" not in html
    assert "Overdue, assigned to you (1)" in html, "s2 is sw.a's and overdue"
    late = html.count('class="tag tag-late">overdue</span>')
    assert late == 4, "s2 above the queue; s1 and s2 in it; s12 among the reported"
    assert "Signals you reported" in html and "Signal s12" in html
    assert response.headers["vary"].startswith("HX-Request")
    assert "Clear the filters" in html
    assert "Clear the filters" not in (await client.get("/signals")).text


async def test_htmx_gets_the_results_and_the_counts_only(client: httpx.AsyncClient) -> None:
    await _seed()
    await login_en(client, "sw.a")
    headers = {"HX-Request": "true", "HX-Request-Type": "partial"}
    fragment = await client.get("/signals", params={"state": "new"}, headers=headers)
    assert fragment.status_code == 200
    html = fragment.text
    assert "<html" not in html and 'id="queue-filter"' not in html
    assert html.lstrip().startswith('<div id="queue-results"')
    assert "Signal s1" in html and "Signal s3" not in html
    assert '<h2 id="queue-heading" hx-swap-oob="true">To follow up at your OCMW (6)</h2>' in html
    assert '<select id="q-theme" name="theme" hx-swap-oob="true">' in html
    assert '<option value="new" selected>New (6)</option>' in html
    assert 'hx-swap-oob="innerHTML:#queue-status">6 signals</p>' in html
    assert "Signals you reported" not in html
    # htmx 4 restores history by asking for the whole page (its target: the body).
    for restore in (
        {"HX-Request": "true", "HX-Request-Type": "full"},
        {"HX-Request": "true", "HX-History-Restore-Request": "true"},
    ):
        whole = await client.get("/signals", params={"state": "new"}, headers=restore)
        assert "<html" in whole.text and 'id="queue-filter"' in whole.text


async def test_the_pages_keep_the_filters(client: httpx.AsyncClient) -> None:
    seeded = await _seed()
    world = seeded.world
    for number in range(30):
        await make_signal(
            reporter=world.people["toeleider"],
            reporter_org=world.orgs["partner"],
            ocmw=world.orgs["ocmw-a"],
            theme="mobility",
            created_at=_at(1),
            due_on=TODAY + dt.timedelta(days=9 + number),
            title=f"Bus {number:02d}",
        )
    viewer = await viewer_of(world, "sw.a")
    first = await queue.load_queue(viewer, parse({"theme": "mobility"}))
    assert (first.total, first.pages, len(first.signals)) == (30, 2, 25)
    assert first.next_url == "/signals?theme=mobility&page=2" and first.previous_url is None
    second = await queue.load_queue(viewer, parse({"theme": "mobility", "page": "2"}))
    assert [s.title for s in second.signals] == [f"Bus {n:02d}" for n in range(25, 30)]
    assert second.previous_url == "/signals?theme=mobility" and second.next_url is None
    beyond = await queue.load_queue(viewer, parse({"theme": "mobility", "page": "9"}))
    assert beyond.page == 2 and len(beyond.signals) == 5, "a page past the end: the last one"

    await login_en(client, "sw.a")
    html = (await client.get("/signals", params={"theme": "mobility", "page": "2"})).text
    assert "Page 2 of 2" in html and 'href="/signals?theme=mobility" ' in html
    assert "Bus 25" in html and "Bus 24" not in html
    assert "30 signals · showing 26 to 30" in html
    update = await client.get(
        "/signals",
        params={"theme": "mobility", "page": "2"},
        headers={"HX-Request": "true", "HX-Request-Type": "partial"},
    )
    assert re.search(r'<a href="/signals/\d+" autofocus>Bus 25</a>', update.text), (
        "a page loaded by htmx puts the focus on its first signal"
    )
    assert (
        "autofocus"
        not in (
            await client.get(
                "/signals", params={"theme": "mobility"}, headers={"HX-Request": "true"}
            )
        ).text
    ), "a change of filter leaves the focus where it is"


async def test_the_reporters_own_signals_are_paged(client: httpx.AsyncClient) -> None:
    world = await build_world()
    for number in range(12):
        await make_signal(
            reporter=world.people["toeleider"],
            reporter_org=world.orgs["partner"],
            ocmw=world.orgs["ocmw-a"],
            created_at=_at(number),
            due_on=TODAY,
            title=f"Mine {number:02d}",
        )
    await login_en(client, "toeleider")
    html = (await client.get("/signals")).text
    assert "To follow up" not in html and 'id="queue-filter"' not in html
    assert "Mine 00" in html and "Mine 09" in html and "Mine 10" not in html
    assert 'href="/signals?mine_page=2#mine-heading"' in html
    second = (await client.get("/signals", params={"mine_page": "2"})).text
    assert "Mine 10" in second and "Mine 11" in second and "Mine 09" not in second
    fragment = await client.get("/signals", headers={"HX-Request": "true"})
    assert "<html" in fragment.text, "without a queue there is nothing to update: the page"


@pytest.mark.parametrize("username", ["toeleider", "mediator", "admin", "coordinator.p"])
async def test_who_does_not_handle_signals_has_no_queue(
    client: httpx.AsyncClient, username: str
) -> None:
    seeded = await _seed()
    viewer = await viewer_of(seeded.world, username)
    with pytest.raises(PermissionError):
        await queue.load_queue(viewer, QueueFilters())
    page = await queue.signal_page(viewer, {"theme": "housing"})
    assert page.queue is None
    await login_en(client, username)
    response = await client.get("/signals", params={"theme": "housing", "state": "all"})
    assert response.status_code == 200
    assert "To follow up" not in response.text and 'id="queue-filter"' not in response.text


async def test_invalid_parameters_answer_the_default_queue(client: httpx.AsyncClient) -> None:
    await _seed()
    await login_en(client, "sw.a")
    default = (await client.get("/signals")).text
    odd = await client.get(
        "/signals",
        params={
            "theme": "'; DROP TABLE signal; --",
            "state": "closed'",
            "assigned": "1",
            "handler": "-5",
            "from": "0000-00-00",
            "to": "9999-99-99",
            "page": "99999999999999999999",
            "mine_page": "x",
            "overdue": "",
        },
    )
    assert odd.status_code == 200
    assert (
        "To follow up at your OCMW (10)" in odd.text and "To follow up at your OCMW (10)" in default
    )
    weird = await client.get("/signals", params={"municipality": "'; DROP TABLE signal; --"})
    assert weird.status_code == 200 and "To follow up at your OCMW (0)" in weird.text


# --- statements ---------------------------------------------------------------------------------


async def _statements(http: httpx.AsyncClient, person_id: int, params: dict[str, str]) -> int:
    forget_viewer(person_id)
    with count_queries() as counter:
        response = await http.get("/signals", params=params)
    assert response.status_code == 200
    return counter[0]


async def test_the_page_reads_a_fixed_number_of_statements(client: httpx.AsyncClient) -> None:
    seeded = await _seed()
    world = seeded.world
    await login_en(client, "sw.a")
    person = world.people["sw.a"]
    filters = {"theme": "housing", "state": "new", "handler": str(world.people["sw.a2"])}
    few = {
        "plain": await _statements(client, person, {}),
        "filtered": await _statements(client, person, filters),
    }
    # Many more signals, over more themes, handlers, municipalities and states.
    handlers = [world.people[name] for name in ("sw.a", "sw.a2", "coordinator.a")]
    themes = ["housing", "work", "health", "money", "digital", "mobility"]
    states = ["new", "in_progress", "followed_up", "closed"]
    for number in range(60):
        await make_signal(
            reporter=world.people["toeleider"],
            reporter_org=world.orgs["partner"],
            ocmw=world.orgs["ocmw-a"],
            theme=themes[number % len(themes)],
            state=states[number % len(states)],
            handler=handlers[number % len(handlers)] if number % 5 else None,
            municipality=f"Place {number % 7}",
            created_at=_at(number),
            due_on=TODAY + dt.timedelta(days=5 - number),
        )
    many = {
        "plain": await _statements(client, person, {}),
        "filtered": await _statements(client, person, filters),
    }
    assert many == few
    # The session's person, the catalog of themes, the counts with the ids of the page and of
    # the handler's overdue signals, those signals, the reported ones, and what is new to them.
    assert few["plain"] <= 6, few
    htmx = {"HX-Request": "true", "HX-Request-Type": "partial"}
    forget_viewer(person)
    with count_queries() as counter:
        await client.get("/signals", params=filters, headers=htmx)
    assert counter[0] == few["filtered"] - 1, "an update of the queue leaves the reported out"


def test_the_index_of_waiting_signals_has_the_overdue_condition() -> None:
    """The partial index serves the overdue condition only while its predicate is the one the
    queries write (SQLite compares the terms as written)."""
    migration = importlib.import_module("migrations.signals.signals_2026_12_03t09_00_00_000000")
    predicate = migration.INDEXES["signal_waiting"].split(" WHERE ", 1)[1]
    open_states = ", ".join(f"'{code}'" for code in queue.OPEN_STATES)
    assert predicate == f"first_response_at IS NULL AND state IN ({open_states})"

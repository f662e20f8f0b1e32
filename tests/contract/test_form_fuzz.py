"""Hypothesis on every form handler: whatever a form holds, never a server error, and a refusal
is a clear 4xx page.

Every unsafe route of the leak matrix is posted to by a person of the world whom the matrix lets
past the route's checks (preferably one whose form the route decides, never one it hides the
record from), with a valid CSRF token and a form that Hypothesis draws: the route's field names, as the matrix sends them and as the portal's own pages
render the route's forms (each field missing, empty, arbitrary unicode, very long — past the
form limit too —, a number out of range, a bad date, one of the page's own options, or repeated),
and unknown extra fields. The answer is below 500; a 4xx is one the portal means (400, 403, 404,
409, 413, 422) as a page that says what went wrong: a 422 marks its error in the form, any other
refusal is a page with its heading.

The examples share one world per shard: what an accepted form writes stays for the next ones
(a closed file answers 409 afterwards), which is part of what a handler must bear. The run is
reproducible (``derandomize``) and keeps no example database.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import re
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack
from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from litestar import Litestar

from portal.core.security import CSRF_FIELD
from tests.conftest import login
from tests.contract.battery import SAFE_METHODS, handlers_of, seed_world
from tests.contract.test_leak_matrix import MATRIX, Case, Facts, _facts
from tests.support.factories import PEOPLE

SHARDS = 2
"""The routes are fuzzed in this many tests, each on a world of its own (one per xdist worker)."""

EXAMPLES = 12
"""Forms drawn for each route, besides its edge forms (up to eight, ``_edges``)."""

ROUTES = sorted(key for key in MATRIX if key[0] not in SAFE_METHODS)

MEANT = frozenset({400, 403, 404, 409, 413, 422})
"""The refusals the portal means: bad request, not allowed, not found (or hidden), not in this
state, too large, and a form it refuses."""

ERROR_MARKS = (
    'class="field-error"',
    'role="alert"',
    'aria-invalid="true"',
    'class="review-errors"',
)

NOT_PAGES = (".pdf", ".csv", "/export", "/live")
"""GET URLs that answer a download or a stream, not a page with forms: not harvested."""


# The forms the portal renders ---------------------------------------------------------------------


class _Forms(HTMLParser):
    """The POST forms of a page: their action and, per field name, the values the page offers."""

    def __init__(self) -> None:
        super().__init__()
        self.forms: list[tuple[str, dict[str, set[str]]]] = []
        self._form: dict[str, set[str]] | None = None
        self._select: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        if tag == "form":
            post = (found.get("method") or "").lower() == "post" and found.get("action")
            self._form = {} if post else None
            if self._form is not None:
                self.forms.append((str(found["action"]), self._form))
            return
        if self._form is None:
            return
        name, value = found.get("name"), found.get("value")
        if tag in ("input", "textarea", "select", "button") and name and name != CSRF_FIELD:
            values = self._form.setdefault(name, set())
            if value is not None:
                values.add(value)
            self._select = name if tag == "select" else None
        elif tag == "option" and self._select is not None and value is not None:
            self._form[self._select].add(value)

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self._form = None
        elif tag == "select":
            self._select = None


def _pattern(path: str) -> re.Pattern[str]:
    parts = re.split(r"(\{[^}]+\})", path)
    return re.compile(
        "".join(
            (r"\d+" if part.endswith(":int}") else "[^/]+")
            if part.startswith("{")
            else re.escape(part)
            for part in parts
        )
        + "$"
    )


def _related(page: str, target: str) -> bool:
    """A page that may hold the target's form: the target itself, its ancestors, its children
    and its siblings' pages (``/clients/1/edit`` for ``/clients/1/team``)."""
    parent = target.rsplit("/", 1)[0]
    return (
        page == target
        or target.startswith(page.rstrip("/") + "/")
        or page.startswith(target + "/")
        or (bool(parent) and page.startswith(parent + "/"))
    )


# Who posts where ----------------------------------------------------------------------------------


@dataclass
class Target:
    key: tuple[str, str]
    case: Case
    username: str
    url: str
    fields: dict[str, set[str]] = field(default_factory=dict)
    """Each field name the route reads, with the values its pages offer."""


def _status(case: Case, facts: Facts, url: str) -> int:
    if case.expect is not None:
        return case.expect(facts, url)
    return case.ok if case.allowed(facts, url) else 404


def _targets(facts: dict[str, Facts]) -> list[Target]:
    """For every unsafe route, a person and a URL that reach its form: preferably one that the
    form decides (not 409, not 403: the matrix's form is refused as not allowed); among those, one
    who acts on the same record through most of its other routes (a route may check its form
    before its permission, so its own answer does not tell), then spread over the people."""
    statuses = {
        (key, name, url): _status(MATRIX[key], person, url)
        for key in ROUTES
        for name, person in facts.items()
        for url in MATRIX[key].urls(person)
    }
    acting: dict[tuple[str, str], int] = {}
    for (_key, name, url), status in statuses.items():
        if status not in (403, 404):
            record = (name, url.rsplit("/", 1)[0])
            acting[record] = acting.get(record, 0) + 1
    chosen: list[Target] = []
    load = dict.fromkeys(facts, 0)
    for key in ROUTES:
        reaching = [
            (
                {403: 2, 409: 1}.get(status, 0),
                -acting.get((name, url.rsplit("/", 1)[0]), 0),
                load[name],
                name,
                url,
            )
            for (route, name, url), status in statuses.items()
            if route == key and status != 404
        ]
        assert reaching, f"no person of the world sees what {key} acts on"
        *_, name, url = min(reaching)
        load[name] += 1
        chosen.append(Target(key, MATRIX[key], name, url))
    return chosen


# The drawn forms ----------------------------------------------------------------------------------

ODD = st.sampled_from(
    [
        "",
        " ",
        "0",
        "-1",
        "99999999999999999999999",
        "1e309",
        "NaN",
        "2026-02-30",
        "31/12/2026",
        "0000-00-00",
        "10000-01-01",
        "25:61",
        "true",
        "null",
        "<script>alert(1)</script>",
        "' OR 1=1 --",
        "../../etc/passwd",
        "\x00",
        "\u202e\u0301",
    ]
)
OUT_OF_RANGE = st.sampled_from(["0", "-1", "2147483648", "-2147483649", "9223372036854775808"])
"""Numbers no id, count or step can be: past the 32-bit ids and the 64-bit integers."""
LONG = st.tuples(st.sampled_from([201, 2_001, 10_001, 70_000]), st.sampled_from("xé🙂")).map(
    lambda pair: pair[1] * pair[0]
)


def _value(offered: set[str]) -> st.SearchStrategy[Any]:
    one = st.one_of(
        st.text(max_size=30),
        ODD,
        OUT_OF_RANGE,
        LONG,
        st.integers(min_value=-(10**30), max_value=10**30).map(str),
        st.dates(min_value=dt.date(1, 1, 1)).map(dt.date.isoformat),
        *([st.sampled_from(sorted(offered))] if offered else []),
    )
    return st.one_of(st.none(), one, st.lists(one, min_size=2, max_size=3))


def _form(fields: dict[str, set[str]]) -> st.SearchStrategy[dict[str, Any]]:
    """Each field missing (``None``), one value or repeated; then up to two unknown fields."""
    known = st.fixed_dictionaries({name: _value(offered) for name, offered in fields.items()})
    unknown = st.dictionaries(
        st.text(min_size=1, max_size=12).filter(lambda name: name not in fields),
        st.text(max_size=20),
        max_size=2,
    ).filter(lambda extra: CSRF_FIELD not in extra)
    return st.tuples(known, unknown).map(
        lambda pair: {
            name: value for name, value in {**pair[0], **pair[1]}.items() if value is not None
        }
    )


EDGES = ("", "-1", "2147483648", "9223372036854775808", "2026-02-30", "x" * 5_000)
"""Values that every field of a route holds at once in one of its forms."""


def _edges(fields: dict[str, set[str]]) -> list[dict[str, str]]:
    """No field at all; every field holding one edge; every field holding a value its page offers
    (or "1") beside an unknown field."""
    forms: list[dict[str, str]] = [{}]
    if fields:
        forms += [dict.fromkeys(fields, value) for value in EDGES]
    offered = {name: min(values) if values else "1" for name, values in fields.items()}
    return [*forms, {**offered, "no-such-field": "x"}]


# The shard's world, people and forms --------------------------------------------------------------


@dataclass
class Fuzzing:
    """One shard: its targets, a client per person who posts, and each one's CSRF token."""

    facts: dict[str, Facts]
    targets: list[Target]
    clients: dict[str, httpx.AsyncClient]
    forms: dict[tuple[str, str], st.SearchStrategy[dict[str, Any]]] = field(default_factory=dict)
    tokens: dict[str, str] = field(default_factory=dict)

    async def session(self, username: str) -> tuple[httpx.AsyncClient, str]:
        if username not in self.tokens:
            self.tokens[username] = await login(self.clients[username], username)
        return self.clients[username], self.tokens[username]

    async def post(self, target: Target, form: dict[str, Any]) -> httpx.Response:
        client, token = await self.session(target.username)
        files = target.case.files(self.facts[target.username]) if target.case.files else None
        response = await client.request(
            target.key[0], target.url, data={**form, CSRF_FIELD: token}, files=files
        )
        if response.status_code < 400 and target.key[1].startswith("/auth/"):
            del self.tokens[target.username]  # logged out, or in as someone else: log in again
        return response


@pytest.fixture
async def streams_stopped(app: Litestar) -> AsyncIterator[None]:
    """A live stream never ends in-process; stopped, it answers 503 (no page harvests it)."""
    app.state.live.end_streams()
    try:
        yield
    finally:
        await app.state.live.start()


async def _harvest(
    client: httpx.AsyncClient, facts: Facts, targets: list[Target], pages: dict[str, str]
) -> None:
    """The field names and offered values of each target's forms, from the pages (as this
    person sees them) that may hold them."""
    urls = [
        url
        for key, case in MATRIX.items()
        if key[0] == "GET"
        for url in case.urls(facts)
        if not urlsplit(url).path.endswith(NOT_PAGES)
    ]
    patterns = {target.key: _pattern(target.key[1]) for target in targets}
    for url in urls:
        if not any(_related(urlsplit(url).path, urlsplit(t.url).path) for t in targets):
            continue
        if url not in pages:
            response = await client.get(url)
            html = response.headers.get("content-type", "").startswith("text/html")
            pages[url] = response.text if response.status_code == 200 and html else ""
        parser = _Forms()
        parser.feed(pages[url])
        for action, fields in parser.forms:
            for target in targets:
                if patterns[target.key].match(urlsplit(action).path):
                    for name, offered in fields.items():
                        target.fields.setdefault(name, set()).update(offered)


def _client(app: Litestar) -> httpx.AsyncClient:
    """A client with cookies of its own, on the app in the test's loop (as ``tests.conftest``)."""
    transport = httpx.ASGITransport(app=app)  # type: ignore[arg-type]
    return httpx.AsyncClient(transport=transport, base_url="http://testserver")


@pytest.fixture
async def fuzzing(
    app: Litestar, streams_stopped: None, request: pytest.FixtureRequest
) -> AsyncIterator[Fuzzing]:
    """Shard ``request.param``'s routes on a world of its own, with each poster logged in."""
    assert sorted(handlers_of(app, safe=False)) == ROUTES, "the leak matrix lacks unsafe routes"
    world = await seed_world(app)
    facts = {name: await _facts(world, name) for name in PEOPLE}
    targets = _targets(facts)[request.param :: SHARDS]
    async with AsyncExitStack() as stack:
        clients = {
            name: await stack.enter_async_context(_client(app))
            for name in sorted({target.username for target in targets})
        }
        fuzzing = Fuzzing(facts, targets, clients)
        for name, client in clients.items():
            await fuzzing.session(name)
            mine = [target for target in targets if target.username == name]
            await _harvest(client, facts[name], mine, {})
        for target in targets:
            for name in target.case.form(facts[target.username]):
                target.fields.setdefault(name, set())
            fuzzing.forms[target.key] = _form(target.fields)
        yield fuzzing


# Posting ------------------------------------------------------------------------------------------


@pytest.fixture
async def loop() -> asyncio.AbstractEventLoop:
    """The session's event loop, where the app and its database connections live."""
    return asyncio.get_running_loop()


def _unclear(response: httpx.Response) -> str | None:
    """What is unclear about an answer, if anything: a refusal must be meant and say why."""
    status = response.status_code
    if status < 400:
        return None
    if status not in MEANT:
        return f"an unexpected refusal {status}"
    if not response.headers.get("content-type", "").startswith("text/html"):
        return "a refusal that is not a page"
    if status == 422:
        return None if any(mark in response.text for mark in ERROR_MARKS) else "no marked error"
    return None if "<h1" in response.text else "a refusal page without a heading"


def _fuzz(fuzzing: Fuzzing, target: Target, loop: asyncio.AbstractEventLoop) -> None:
    """Hypothesis on one route: the forms where every field holds the same edge, then drawn ones.
    The test is synchronous and runs each request in the idle session loop: a run of its own per
    route, so that a failure shrinks to one form of one route."""

    def post(form: dict[str, Any]) -> None:
        response = loop.run_until_complete(fuzzing.post(target, form))
        problem = "a server error" if response.status_code >= 500 else _unclear(response)
        shown = {
            name: value if len(str(value)) < 80 else f"{str(value)[:20]}…"
            for name, value in form.items()
        }
        assert problem is None, (target.username, target.url, response.status_code, problem, shown)

    run = given(form=fuzzing.forms[target.key])(post)
    for form in _edges(target.fields):
        run = example(form=form)(run)
    settings(
        max_examples=EXAMPLES,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=[
            HealthCheck.too_slow,
            HealthCheck.data_too_large,
            HealthCheck.large_base_example,
        ],
    )(run)()


@pytest.mark.parametrize("fuzzing", range(SHARDS), indirect=True, ids=lambda n: f"shard{n}")
def test_form_handlers_answer_every_form(fuzzing: Fuzzing, loop: asyncio.AbstractEventLoop) -> None:
    failures: list[str] = []
    for target in fuzzing.targets:
        try:
            _fuzz(fuzzing, target, loop)
        except Exception as failure:  # a failing route is reported with the others
            failures.append(f"{target.key}: {failure!r}")
    assert not failures, "\n".join(failures)

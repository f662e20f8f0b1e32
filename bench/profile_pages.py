"""Where the pages of ``bench.pages`` spend their time: statements per request and PostgreSQL's
time for each, serial timings, CPU per phase, and a cProfile, page by page.

Runs the production app in-process (httpx over ASGI, no server, no wrk) against the database that
``make bench-pages`` left behind (``brug_bench_pages``; JIT as the run left it, off unless
``--jit default`` was given), logged in as its social worker and its mediator through sessions
written into Redis. The baselines' query and template are timed the same way. Use it after
``python -m bench.pages``:

    .venv/bin/python -m bench.profile_pages [--requests 200] [--page start] [--top 25]
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import datetime as dt
import importlib
import io
import json
import logging
import os
import pstats
import secrets
import sys
import tempfile
import time
import traceback
from collections import defaultdict
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, cast

from bench.pages import DATABASE_URL, PAGES, Page
from bench.profile_page import _time
from bench.run import OIDC_ENV, REDIS_URL, STATEMENTS_ENV

os.environ["PORTAL_DATABASE_URL"] = DATABASE_URL  # before portal.core.db is imported
os.environ.setdefault("PICCOLO_CONF", "portal.piccolo_conf")

PHASES: dict[str, tuple[tuple[str, str], ...]] = {
    "start": (
        ("portal.home.routes", "to_do"),
        ("portal.home.todo", "_training"),
        ("portal.home.todo", "_agreement_notes"),
        ("portal.home.todo", "_questions"),
        ("portal.home.todo", "_signals"),
        ("portal.home.todo", "_review"),
        ("portal.home.todo", "_invitations"),
        ("portal.home.todo", "_surveys"),
        ("portal.home.routes", "recent_activity"),
        ("portal.home.routes", "my_clients"),
        ("portal.home.routes", "record_listing"),
        ("portal.home.routes", "render"),
    ),
    "queue": (
        ("portal.signals.queue", "load_queue"),
        ("portal.signals.queue", "_counts"),
        ("portal.signals.queue", "reported_by"),
        ("portal.signals.services", "news_of"),
        ("portal.signals.routes", "render"),
    ),
    "questions": (
        ("portal.questions.queue", "_queue"),
        ("portal.questions.queue", "_listing"),
        ("portal.questions.routes", "record_listing"),
        ("portal.questions.services", "news_of"),
        ("portal.questions.routes", "render"),
    ),
}
PHASES["queue-open"] = PHASES["queue"]
COMMON = (
    ("portal.accounts.auth", "load_viewer"),
    ("portal.core.db:CountingPostgresEngine", "run_querystring"),
    ("piccolo.querystring:QueryString", "compile_string"),
)
"""Every page: the viewer's check (at most every 5 s), the statements (compiled, sent, read)
and Piccolo compiling a query to SQL (part of the statements)."""


def _owner(where: str) -> Any:
    """A module, or ``module:Class``."""
    module, _, name = where.partition(":")
    found = importlib.import_module(module)
    return getattr(found, name) if name else found


@contextmanager
def phases(spots: tuple[tuple[str, str], ...]) -> Iterator[dict[str, list[float]]]:
    """CPU time (this process) and calls of each function, by wrapping it where the page calls
    it; requests must run one after another. Nested phases count inside their parent too."""
    spent: dict[str, list[float]] = defaultdict(lambda: [0.0, 0])
    undo = []
    for where, name in spots:
        owner = _owner(where)
        original = getattr(owner, name)
        label = f"{where.rsplit('.', 1)[-1].replace(':', '.')}.{name}"

        def wrap(original: Any = original, label: str = label) -> Any:
            if asyncio.iscoroutinefunction(original):

                async def timed_async(*args: Any, **kwargs: Any) -> Any:
                    started = time.process_time()
                    try:
                        return await original(*args, **kwargs)
                    finally:
                        spent[label][0] += time.process_time() - started
                        spent[label][1] += 1

                return timed_async

            def timed(*args: Any, **kwargs: Any) -> Any:
                started = time.process_time()
                try:
                    return original(*args, **kwargs)
                finally:
                    spent[label][0] += time.process_time() - started
                    spent[label][1] += 1

            return timed

        setattr(owner, name, wrap())
        undo.append((owner, name, original))
    try:
        yield spent
    finally:
        for owner, name, original in reversed(undo):
            setattr(owner, name, original)


async def statements(http: Any, url: str) -> list[tuple[str, str, list[Any]]]:
    """The statements of one request: (where in the portal, SQL, arguments)."""
    from portal.core import db

    seen: list[tuple[str, str, list[Any]]] = []
    original = db.CountingPostgresEngine.run_querystring

    async def spy(self: Any, querystring: Any, in_pool: bool = True) -> Any:
        sql, args = querystring.compile_string(engine_type="postgres")
        frames = [
            f
            for f in traceback.extract_stack()
            if "/portal/" in f.filename and not f.filename.endswith("core/db.py")
        ]
        where = " <- ".join(
            f"{Path(f.filename).parent.name}/{Path(f.filename).stem}.{f.name}"
            for f in frames[-2:][::-1]
        )
        seen.append((where, sql, list(args)))
        return await original(self, querystring, in_pool)

    db.CountingPostgresEngine.run_querystring = spy  # type: ignore[method-assign]
    try:
        assert (await http.get(url)).status_code == 200
    finally:
        db.CountingPostgresEngine.run_querystring = original  # type: ignore[method-assign]
    return seen


def _pool() -> Any:
    from piccolo.engine.postgres import PostgresEngine

    from portal.core import db

    assert isinstance(db.DB, PostgresEngine) and db.DB.pool is not None
    return db.DB.pool


async def explain(sql: str, args: list[Any], *, jit: bool = False) -> tuple[float, float, float]:
    """PostgreSQL's planning and execution time of a read (ms), and of that its JIT compilation
    (ms; with ``jit``, as the cluster's default ``jit = on`` would have it)."""
    async with _pool().acquire() as connection, connection.transaction():
        if jit:
            await connection.execute("SET LOCAL jit = on")
        rows = await connection.fetch("EXPLAIN (ANALYZE, FORMAT JSON) " + sql, *args)
    plan = json.loads(rows[0][0])[0]
    compiling = plan.get("JIT", {}).get("Timing", {}).get("Total", 0.0)
    return plan["Planning Time"], plan["Execution Time"], compiling


async def profile_page(http: Any, page: Page, person: int, requests: int, top: int) -> None:
    from bench import baseline, baselines
    from portal.core.db import count_queries

    url = page.path
    for _ in range(10):
        assert (await http.get(url)).status_code == 200
    with count_queries() as counter:
        assert (await http.get(url)).status_code == 200
    print(f"\n=== {page.name}: {page.title}")
    print(f"{counter[0]} SQL statements per request (the viewer's check, at most every 5 s, aside)")
    for where, sql, args in await statements(http, url):
        if sql.lstrip().upper().startswith(("SELECT", "WITH")):
            planning, execution, _none = await explain(sql, args)
            _planning, with_jit, compiling = await explain(sql, args, jit=True)
            figures = (
                f"planning {planning:6.2f} ms, execution {execution:6.2f} ms; "
                f"with jit = on {with_jit:7.2f} ms, of which JIT {compiling:7.2f} ms"
            )
        else:
            figures = "write (not explained)"
        print(f"  {len(sql):6d} chars  {figures}  {where}")

    started, cpu_started = time.perf_counter(), time.process_time()
    for _ in range(requests):
        await http.get(url)
    wall = (time.perf_counter() - started) / requests * 1000
    cpu = (time.process_time() - cpu_started) / requests * 1000
    print(f"serial in-process: {wall:.2f} ms wall, {cpu:.2f} ms CPU per request (httpx included)")

    with phases(PHASES[page.name] + COMMON) as spent:
        for _ in range(requests):
            await http.get(url)
    print("CPU per request by phase (a phase includes the phases it calls):")
    for label, (seconds, calls) in spent.items():
        print(f"  {label:<46} {seconds / requests * 1000:7.3f} ms  ({calls / requests:.1f} calls)")

    now = dt.datetime.now(dt.UTC)
    today = now.astimezone(baselines.BRUSSELS).date()
    quarter = baselines._quarter(today)[0]
    statement: dict[str, tuple[str, tuple[Any, ...]]] = {
        "start": (baselines.START, (person, today, now, now + baselines.AHEAD, quarter)),
        "queue": (baselines.SIGNALS, (person, "housing", "new", today)),
        "queue-open": (baselines.SIGNALS, (person, "", "", today)),
        "questions": (baselines.QUESTIONS, (person,)),
    }
    query, values = statement[page.name]
    pool = _pool()
    baseline._pool = pool
    planning, execution, _none = await explain(query, list(values))
    print(f"baseline's one statement: planning {planning:.2f} ms, execution {execution:.2f} ms")
    await _time("baseline: its one query (asyncpg)", requests, lambda: pool.fetch(query, *values))
    handler = {
        "start": baselines.start,
        "queue": baselines.signals,
        "queue-open": baselines.signals,
        "questions": baselines.questions,
    }[page.name]
    kwargs: dict[str, Any] = {"person_id": person}
    if page.name == "queue":
        kwargs.update(theme="housing", state_code="new")
    call: Callable[[], Awaitable[Any]] = lambda: handler.fn(**kwargs)  # noqa: E731
    await _time("baseline: its handler (query + template)", requests, call)

    if top:
        profiler = cProfile.Profile()
        profiler.enable()
        for _ in range(requests):
            await http.get(url)
        profiler.disable()
        out = io.StringIO()
        pstats.Stats(profiler, stream=out).sort_stats("tottime").print_stats(top)
        print(out.getvalue())


async def profile(requests: int, only: str | None, top: int) -> None:
    import httpx
    from litestar.stores.redis import RedisStore

    import portal.domains  # noqa: F401 (installs event kinds and record policies)
    from portal.accounts.tables import Person
    from portal.app import create_app
    from portal.core.sessions import REDIS_NAMESPACE, SessionData, store_key
    from portal.settings import load_settings

    logging.getLogger("httpx").setLevel(logging.WARNING)
    settings = load_settings(
        {
            "PORTAL_ENV": "production",
            "PORTAL_SECRET_KEY": secrets.token_urlsafe(36),
            "PORTAL_BASE_URL": "https://127.0.0.1",
            "PORTAL_DATABASE_URL": DATABASE_URL,
            "PORTAL_VAR_DIR": tempfile.mkdtemp(prefix="brug-profile-"),
            "PORTAL_REDIS_URL": REDIS_URL,
            **OIDC_ENV,
            **STATEMENTS_ENV,
        }
    )
    app = create_app(settings)
    store = RedisStore.with_client(url=REDIS_URL, namespace=REDIS_NAMESPACE)
    tokens: list[str] = []
    async with app.lifespan():
        people = {}
        for viewer, username in (("social_worker", "sw.bench"), ("mediator", "mediator.bench")):
            row = await Person.select(Person.id).where(Person.username == username).first()
            if row is None:
                raise SystemExit("no bench data: run `python -m bench.pages` first")
            people[viewer] = int(row["id"])
        try:
            for page in PAGES:
                if only and page.name != only:
                    continue
                token = secrets.token_urlsafe(32)
                tokens.append(token)
                session = SessionData.fresh(people[page.viewer]).to_json()
                await store.set(store_key(token), session, expires_in=3600)
                async with httpx.AsyncClient(
                    transport=httpx.ASGITransport(app=cast(Any, app)),
                    base_url="https://127.0.0.1",
                    cookies={"brug_session": token},
                ) as http:
                    await profile_page(http, page, people[page.viewer], requests, top)
        finally:
            for token in tokens:
                await store.delete(store_key(token))
            await store._redis.aclose()


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.profile_pages")
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--page", choices=[page.name for page in PAGES])
    parser.add_argument("--top", type=int, default=0, help="print a cProfile, N lines")
    args = parser.parse_args()
    asyncio.run(profile(args.requests, args.page, args.top))
    return 0


if __name__ == "__main__":
    sys.exit(main())

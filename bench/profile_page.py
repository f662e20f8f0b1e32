"""Where the client page spends its time: queries per request, serial timings, a cProfile.

Runs the production app in-process (httpx over ASGI, no server, no wrk) against the database that
``make bench`` left behind (``brug_bench``), logged in as its social worker through a session
written into Redis. Use it after ``python -m bench.run`` when the figures disappoint:

    .venv/bin/python -m bench.profile_page [--requests 300] [--sort tottime] [--top 40]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import cProfile
import io
import logging
import os
import pstats
import secrets
import sys
import tempfile
import time
import traceback
from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path
from typing import Any

from bench.run import DATABASE_URL, OIDC_ENV, REDIS_URL, STATEMENTS_ENV

os.environ["PORTAL_DATABASE_URL"] = DATABASE_URL  # before portal.core.db is imported
os.environ.setdefault("PICCOLO_CONF", "portal.piccolo_conf")


async def profile(requests: int, sort: str, top: int) -> None:
    import httpx
    from litestar.stores.redis import RedisStore

    import portal.domains  # noqa: F401 (installs event kinds and record policies)
    from portal.accounts.services import load_viewer
    from portal.accounts.tables import Person
    from portal.app import create_app
    from portal.clients.tables import Client
    from portal.core.db import count_queries
    from portal.core.sessions import REDIS_NAMESPACE, SessionData, store_key
    from portal.settings import load_settings
    from portal.visibility.records import visible_to

    logging.getLogger("httpx").setLevel(logging.WARNING)
    var_dir = Path(tempfile.mkdtemp(prefix="brug-profile-"))
    settings = load_settings(
        {
            "PORTAL_ENV": "production",
            "PORTAL_SECRET_KEY": secrets.token_urlsafe(36),
            "PORTAL_BASE_URL": "https://127.0.0.1",
            "PORTAL_DATABASE_URL": DATABASE_URL,
            "PORTAL_VAR_DIR": str(var_dir),
            "PORTAL_REDIS_URL": REDIS_URL,
            **OIDC_ENV,
            **STATEMENTS_ENV,
        }
    )
    app = create_app(settings)
    async with app.lifespan():
        person = await Person.select(Person.id).where(Person.username == "sw.bench").first()
        if person is None:
            raise SystemExit("no bench data: run `python -m bench.run` first")
        viewer = await load_viewer(int(person["id"]))
        assert viewer is not None
        # The bench clients, read through the social worker's scope: 200 events, then 10k.
        clients = await visible_to(viewer, Client).select(Client.id).order_by(Client.id)
        token = secrets.token_urlsafe(32)
        session = SessionData.fresh(int(person["id"])).to_json()
        store = RedisStore.with_client(url=REDIS_URL, namespace=REDIS_NAMESPACE)
        await store.set(store_key(token), session, expires_in=3600)
        try:
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(
                transport=transport,
                base_url="https://127.0.0.1",
                cookies={"brug_session": token},
            ) as http:
                for label, row in zip(("200 events", "10k events"), clients, strict=False):
                    url = f"/clients/{row['id']}"
                    for _ in range(20):
                        assert (await http.get(url)).status_code == 200
                    with count_queries() as counter, _statements(label):
                        response = await http.get(url)
                    assert response.status_code == 200
                    started, cpu_started = time.perf_counter(), time.process_time()
                    for _ in range(requests):
                        await http.get(url)
                    per_request = (time.perf_counter() - started) / requests * 1000
                    cpu = (time.process_time() - cpu_started) / requests * 1000
                    print(
                        f"{label}: {counter[0]} SQL statements per request, in-process and serial "
                        f"{per_request:.2f} ms wall, {cpu:.2f} ms CPU per request (httpx included)"
                    )
                await phases(http, int(person["id"]), int(clients[0]["id"]), requests)
                await whole_requests(http, int(clients[0]["id"]), requests)
                key = store_key(token)
                label = "session: Redis GET (SessionMiddleware)"
                await _time(label, requests, lambda: store.get(key))
                url = f"/clients/{clients[0]['id']}"
                profiler = cProfile.Profile()
                profiler.enable()
                for _ in range(requests):
                    await http.get(url)
                profiler.disable()
        finally:
            await store.delete(store_key(token))
            await store._redis.aclose()
    out = io.StringIO()
    pstats.Stats(profiler, stream=out).sort_stats(sort).print_stats(top)
    print(out.getvalue())


@contextlib.contextmanager
def _statements(label: str) -> Iterator[None]:
    """Print the portal function behind each SQL statement of one request."""
    from portal.core import db

    engine = db.DB
    original = engine.run_querystring
    callers: list[str] = []

    async def spy(querystring: Any, *args: Any, **kwargs: Any) -> Any:
        frames = [
            f"{frame.filename.removeprefix(os.getcwd() + '/')}:{frame.name}"
            for frame in traceback.extract_stack()
            if "/portal/" in frame.filename and "/portal/core/" not in frame.filename
        ]
        callers.append(" < ".join(reversed(frames[-3:])))
        return await original(querystring, *args, **kwargs)

    engine.run_querystring = spy  # type: ignore[method-assign]
    try:
        yield
    finally:
        del engine.run_querystring
        print(f"{label}: the statements of one request, by the code that ran them")
        for number, caller in enumerate(callers, 1):
            print(f"  {number:2}. {caller}")


async def _time(
    label: str, count: int, work: Callable[[], Awaitable[object]], *, cpu: bool = False
) -> float:
    """Prints wall and CPU time per call; returns the wall time, or the CPU time if ``cpu``."""
    for _ in range(10):
        await work()
    started, cpu_started = time.perf_counter(), time.process_time()
    for _ in range(count):
        await work()
    per_call = (time.perf_counter() - started) / count * 1000
    cpu_ms = (time.process_time() - cpu_started) / count * 1000
    print(f"  {label:<58} {per_call:7.3f} ms wall {cpu_ms:7.3f} ms CPU")
    return cpu_ms if cpu else per_call


async def phases(http: Any, person_id: int, client_id: int, count: int) -> None:
    """Serial timings of each step of the page, and of the baseline's query and template."""
    from bench import baseline
    from portal.accounts.services import load_viewer
    from portal.audit.services import record_access
    from portal.clients import routes, services
    from portal.core import db, templating
    from portal.timeline.services import screen

    viewer = await load_viewer(person_id)
    assert viewer is not None
    client = await services.find_client(viewer, client_id)
    # The page's own render call, captured during a real request, so this follows the handler.
    captured: list[tuple[Any, ...]] = []
    real_render = routes.render

    def capture(*args: Any, **kwargs: Any) -> Any:
        captured.append((args, kwargs))
        return real_render(*args, **kwargs)

    routes.render = capture
    try:
        response = await http.get(f"/clients/{client_id}")
        assert response.status_code == 200
    finally:
        routes.render = real_render
    render_args, render_kwargs = captured[-1]
    pool = db.DB.pool
    assert pool is not None
    rows = await pool.fetch(baseline.QUERY, client_id, baseline.PAGE_SIZE + 1)

    print(f"serial timings, {count} calls each, per call:")
    await _time(
        "asyncpg pool.fetch('SELECT 1') (acquire, query, release)",
        count,
        lambda: pool.fetch("SELECT 1"),
    )
    await _time("Piccolo raw SELECT 1 (db.ping)", count, db.ping)
    await _time(
        "load_viewer (login guard, at most every 5 s)", count, lambda: load_viewer(person_id)
    )
    await _time(
        "find_client (client row + relation CASE, projected)",
        count,
        lambda: services.find_client(viewer, client_id),
    )
    await _time(
        "record_access INSERT (open_file)",
        count,
        lambda: record_access(viewer, client_id, "bench.profile", client.revealed),
    )
    await _time(
        "timeline screen (visible_to select, 20 events)",
        count,
        lambda: screen(viewer, client),
    )
    await _time(
        "open_file (find_client + timeline screen + record_access)",
        count,
        lambda: services.open_file(viewer, client_id),
    )

    async def render_page() -> Any:
        return templating.render(*render_args, **render_kwargs)

    async def render_baseline() -> str:
        return baseline._env.get_template("baseline.html").render(
            client_id=client_id, events=rows[:20], more=True, cursor="x"
        )

    page_ms = await _time(f"render {render_args[1]} (Jinja2, i18n)", count, render_page, cpu=True)
    await _time(
        "baseline: its one query (asyncpg)",
        count,
        lambda: pool.fetch(baseline.QUERY, client_id, baseline.PAGE_SIZE + 1),
    )
    baseline_ms = await _time("baseline: its template", count, render_baseline, cpu=True)
    page_kb = len(response.content) / 1024
    baseline_kb = len((await render_baseline()).encode()) / 1024
    print(
        f"rendered size: page {page_kb:.1f} KiB at {page_ms / page_kb * 1000:.0f} µs CPU per KiB, "
        f"baseline {baseline_kb:.1f} KiB at {baseline_ms / baseline_kb * 1000:.0f} µs CPU per KiB"
    )


async def whole_requests(http: Any, client_id: int, count: int) -> None:
    """Whole requests in-process, httpx included: the baseline app, a logged-in page without
    reads (what the session, the guard, CSRF, the headers and the layout cost) and the page."""
    import httpx

    from bench import baseline

    print("whole requests in-process (httpx over ASGI), per request:")
    async with (
        baseline.app.lifespan(),
        httpx.AsyncClient(
            transport=httpx.ASGITransport(app=baseline.app), base_url="http://127.0.0.1"
        ) as bare,
    ):
        url = f"/clients/{client_id}"
        assert (await bare.get(url)).status_code == 200
        await _time("baseline app: GET /clients/{id}", count, lambda: bare.get(url))
    assert (await http.get("/privacy")).status_code == 200
    await _time("portal, logged in: GET /privacy (no reads)", count, lambda: http.get("/privacy"))
    await _time("portal: GET /clients/{id}", count, lambda: http.get(f"/clients/{client_id}"))


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.profile_page")
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--sort", default="cumulative")
    parser.add_argument("--top", type=int, default=40)
    args = parser.parse_args()
    asyncio.run(profile(args.requests, args.sort, args.top))
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""The baseline: a bare Litestar app that renders a client's first 20 timeline events.

One handler, ONE query (plain asyncpg, the same LEFT JOINs as the portal's timeline select for the
author's name and organisation, the same order and limit; the headline of the bench's notes is
their payload's ``subject``, read in SQL), a plain Jinja2 template; no session, no login, no
visibility policy, no audit log. Served by uvicorn like the portal (``bench.run``):

    BENCH_DATABASE_URL=postgresql://postgres@127.0.0.1:5432/brug_bench \
        .venv/bin/uvicorn bench.baseline:app --port 8001
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import asyncpg
from jinja2 import Environment, FileSystemLoader, select_autoescape
from litestar import Litestar, Response, get
from litestar.enums import MediaType
from litestar.params import FromPath

PAGE_SIZE = 20

QUERY = """
SELECT e.id, e.kind, e.occurred_at, e.audience, e.sensitivity, e.author_org, e.text,
       e.payload ->> 'subject' AS headline, p.display_name AS author_name,
       o.name AS author_org_name
FROM timeline_event AS e
LEFT JOIN person AS p ON p.id = e.author
LEFT JOIN organisation AS o ON o.id = e.author_org
WHERE e.client = $1
ORDER BY e.occurred_at DESC, e.id DESC
LIMIT $2
"""


DATABASE_URL = os.environ.get("BENCH_DATABASE_URL") or os.environ.get("PORTAL_DATABASE_URL", "")
_pool: asyncpg.Pool | None = None
_env = Environment(
    loader=FileSystemLoader(Path(__file__).with_name("templates")),
    autoescape=select_autoescape(["html"]),
    trim_blocks=True,
    lstrip_blocks=True,
)


@asynccontextmanager
async def lifespan(_app: Litestar) -> AsyncIterator[None]:
    global _pool
    # The same pool size as the portal's Piccolo pool (portal.core.db.start).
    _pool = await asyncpg.create_pool(DATABASE_URL, min_size=1, max_size=10)
    try:
        yield
    finally:
        await _pool.close()
        _pool = None


@get("/clients/{client_id:int}")
async def client_events(client_id: FromPath[int]) -> Response[str]:
    assert _pool is not None
    rows = await _pool.fetch(QUERY, client_id, PAGE_SIZE + 1)
    more = len(rows) > PAGE_SIZE
    events = rows[:PAGE_SIZE]
    cursor = f"{events[-1]['occurred_at'].isoformat()}_{events[-1]['id']}" if more else ""
    body = _env.get_template("baseline.html").render(
        client_id=client_id, events=events, more=more, cursor=cursor
    )
    return Response(body, media_type=MediaType.HTML)


app = Litestar(route_handlers=[client_events], lifespan=[lifespan], openapi_config=None)

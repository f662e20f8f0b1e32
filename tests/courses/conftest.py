from __future__ import annotations

import httpx

from tests.conftest import login


async def login_en(http: httpx.AsyncClient, username: str) -> str:
    """Log in and read the pages in English (message ids), so the checks do not depend on the
    Dutch catalog."""
    http.cookies.set("brug_lang", "en")
    return await login(http, username)

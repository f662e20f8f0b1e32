from __future__ import annotations

import datetime as dt
import shutil

import httpx
import pytest

from portal.core.i18n import LOCALE_DIR
from tests.conftest import login
from tests.support.factories import build_world


async def test_health_reports_database_and_documents(client: httpx.AsyncClient, app) -> None:
    healthy = await client.get("/health")
    assert healthy.status_code == 200
    assert healthy.json() == {"status": "ok", "database": "ok", "documents": "ok"}
    shutil.rmtree(app.state.storage.root)
    broken = await client.get("/health")
    assert broken.status_code == 503
    assert broken.json()["documents"] == "unreachable"


async def test_anonymous_visitors_are_sent_to_login(client: httpx.AsyncClient) -> None:
    response = await client.get("/clients/1")
    assert response.status_code == 303
    assert response.headers["location"] == "/auth/login?next=/clients/1"
    htmx = await client.get("/clients", headers={"HX-Request": "true"})
    assert htmx.status_code == 401 and htmx.headers["hx-redirect"].startswith("/auth/login")


async def test_dutch_by_default_english_on_request(client: httpx.AsyncClient) -> None:
    await build_world()
    token = await login(client, "sw.a")
    dutch = await client.get("/clients", headers={"Accept-Language": "en-GB,en;q=0.9"})
    assert 'lang="nl"' in dutch.text and "Zoek op naam of rijksregisternummer" in dutch.text
    switched = await client.post(
        "/language", data={"lang": "en", "next": "/clients", "csrf_token": token}
    )
    assert switched.status_code == 303 and switched.headers["location"] == "/clients"
    assert "Search by name or national number" in (await client.get("/clients")).text
    offsite = await client.post(
        "/language", data={"lang": "nl", "next": "//evil.example/", "csrf_token": token}
    )
    assert offsite.headers["location"] == "/"


async def test_error_pages_are_friendly_dutch(client: httpx.AsyncClient) -> None:
    missing = await client.get("/nergens")
    assert missing.status_code == 404
    assert "Pagina niet gevonden" in missing.text


async def test_menu_offers_only_what_the_role_reaches(client: httpx.AsyncClient) -> None:
    await build_world()
    await login(client, "admin")
    home = await client.get("/")
    assert 'href="/clients"' not in home.text
    await login(client, "toeleider")
    assert 'href="/clients"' in (await client.get("/")).text


def test_dutch_catalog_translates_every_message() -> None:
    from babel.messages.pofile import read_po

    with (LOCALE_DIR / "messages.pot").open("rb") as handle:
        template = read_po(handle)
    with (LOCALE_DIR / "nl" / "LC_MESSAGES" / "messages.po").open("rb") as handle:
        dutch = read_po(handle, locale="nl")
    missing = [
        message.id
        for message in template
        if message.id and not (dutch.get(message.id) and dutch.get(message.id).string)
    ]
    assert missing == []


@pytest.mark.parametrize(
    ("stored", "shown"),
    [
        (dt.datetime(2026, 6, 30, 22, 30, tzinfo=dt.UTC), "01-07-2026 00:30"),  # summer, UTC+2
        (dt.datetime(2026, 12, 31, 23, 5, tzinfo=dt.UTC), "01-01-2027 00:05"),  # winter, UTC+1
        (dt.datetime(2026, 3, 2, 9, 0), "02-03-2026 10:00"),  # naive values are UTC
    ],
)
def test_times_are_shown_in_belgian_time(stored: dt.datetime, shown: str) -> None:
    from portal.core.templating import local_time

    assert local_time(stored).strftime("%d-%m-%Y %H:%M") == shown

"""The privacy and accessibility statements: public, with the organisation's details and the
retention periods from the settings, and linked from the footer of every page."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import httpx
import pytest

from portal.app import create_app
from portal.core.i18n import LOCALE_COOKIE
from portal.core.templating import TEMPLATES_DIR
from portal.settings import STATEMENTS_REQUIRED, ConfigError, load_settings
from portal.statements import facts
from tests.conftest import login, make_settings, running
from tests.support.factories import build_world
from tests.support.statements import STATEMENTS

STATEMENT_PAGES = ("/privacy", "/accessibility")
FOOTER = re.compile(r'<footer class="site-footer">(.*?)</footer>', re.DOTALL)
MAIN = re.compile(r"<main\b(.*?)</main>", re.DOTALL)

CONFIGURED = {
    "PORTAL_CONTROLLER_NAME": "OCMW Distinctstad",
    "PORTAL_CONTROLLER_ADDRESS": "Kerkplein 7, 9620 Distinctstad",
    "PORTAL_DPO_NAME": "Griet Distinct",
    "PORTAL_DPO_EMAIL": "dpo@distinctstad.example",
    "PORTAL_DPO_PHONE": "+32 9 876 54 32",
    "PORTAL_ACCESSIBILITY_EMAIL": "drempels@distinctstad.example",
    "PORTAL_ACCESSIBILITY_REVIEWED": "2027-01-15",
    "PORTAL_RETENTION_CLOSED_YEARS": "7",
    "PORTAL_AUDIT_RETENTION_DAYS": "800",
    "PORTAL_SESSION_IDLE_TIMEOUT": "900",
    "PORTAL_SESSION_ABSOLUTE_TIMEOUT": "7200",
}


@asynccontextmanager
async def portal_with(tmp_path: Path, **env: str) -> AsyncIterator[httpx.AsyncClient]:
    """An app of its own on ``env``, read in English (the language the assertions are in)."""
    async with running(create_app(make_settings(tmp_path, **env))) as application:
        transport = httpx.ASGITransport(app=application)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
            http.cookies.set(LOCALE_COOKIE, "en")
            yield http


def footer_of(html: str) -> str:
    match = FOOTER.search(html)
    assert match, "the page has no footer"
    return match.group(1)


def main_of(html: str) -> str:
    match = MAIN.search(html)
    assert match, "the page has no main"
    return match.group(1)


def assert_links_both(html: str, where: str) -> None:
    footer = footer_of(html)
    for path in STATEMENT_PAGES:
        assert f'<a href="{path}">' in footer, (where, path)


async def test_both_statements_answer_anonymously_and_logged_in(
    client: httpx.AsyncClient,
) -> None:
    anonymous = {}
    for path in STATEMENT_PAGES:
        response = await client.get(path)
        assert response.status_code == 200, path
        anonymous[path] = main_of(response.text)
        assert "<h1>" in anonymous[path]

    await build_world()
    await login(client, "toeleider")
    for path in STATEMENT_PAGES:
        response = await client.get(path)
        assert response.status_code == 200, path
        assert main_of(response.text) == anonymous[path], "one text for everyone"
    home = await client.get("/")
    assert home.status_code == 200, "reading a statement keeps the session"


async def test_the_statements_show_the_configured_organisation(tmp_path: Path) -> None:
    async with portal_with(tmp_path, **CONFIGURED) as http:
        privacy = (await http.get("/privacy")).text
        accessibility = (await http.get("/accessibility")).text
    assert "OCMW Distinctstad" in privacy and "Kerkplein 7, 9620 Distinctstad" in privacy
    assert "Griet Distinct" in privacy
    assert '<a href="mailto:dpo@distinctstad.example">' in privacy
    assert '<a href="tel:+3298765432">+32 9 876 54 32</a>' in privacy
    assert "OCMW Distinctstad wants Brug to be accessible" in accessibility
    assert '<a href="mailto:drempels@distinctstad.example">' in accessibility
    assert "last reviewed on 15-01-2027" in accessibility
    assert "http://127.0.0.1:8000" in accessibility, "the statement names the portal's address"
    for page in (privacy, accessibility):
        assert "not configured" not in page and "PORTAL_" not in page


async def test_retention_and_session_figures_follow_the_settings(
    client: httpx.AsyncClient, tmp_path: Path
) -> None:
    client.cookies.set(LOCALE_COOKIE, "en")
    defaults = (await client.get("/privacy")).text
    assert "10 years after the file was closed" in defaults
    assert "for 3653 days (about 10 years)" in defaults
    assert "after 30 minutes without activity, and at the latest 8 hours after" in defaults
    assert "after 30 minutes without activity" in (await client.get("/accessibility")).text

    async with portal_with(tmp_path, **CONFIGURED) as http:
        privacy = (await http.get("/privacy")).text
        accessibility = (await http.get("/accessibility")).text
    assert "7 years after the file was closed" in privacy
    assert "for 800 days (about 2 years)" in privacy
    assert "after 15 minutes without activity, and at the latest 2 hours after" in privacy
    assert "A session ends after 15 minutes without activity" in accessibility
    assert "10 years" not in privacy and "3653" not in privacy


@pytest.mark.parametrize(
    ("seconds", "shown"),
    [
        (28800, "8 uur"),
        (3600, "1 uur"),
        (1800, "30 minuten"),
        (60, "1 minuut"),
        (90, "90 seconden"),
    ],
)
def test_a_duration_reads_in_its_largest_whole_unit(seconds: int, shown: str) -> None:
    assert facts.duration(seconds) == shown


async def test_a_short_access_log_period_reads_in_days_only(tmp_path: Path) -> None:
    async with portal_with(tmp_path, PORTAL_AUDIT_RETENTION_DAYS="90") as http:
        privacy = (await http.get("/privacy")).text
    assert "keeps each entry for 90 days, then removes it" in privacy


async def test_development_says_what_is_not_configured(client: httpx.AsyncClient) -> None:
    client.cookies.set(LOCALE_COOKIE, "en")
    privacy = (await client.get("/privacy")).text
    accessibility = (await client.get("/accessibility")).text
    for variable in ("PORTAL_CONTROLLER_NAME", "PORTAL_CONTROLLER_ADDRESS", "PORTAL_DPO_EMAIL"):
        assert f"not configured: <code>{variable}</code>" in privacy, variable
    assert "not configured: <code>PORTAL_ACCESSIBILITY_EMAIL</code>" in accessibility
    assert "mailto:" not in privacy and "tel:" not in privacy, "no link to nobody"
    assert "last reviewed" not in accessibility


@pytest.mark.parametrize("missing", STATEMENTS_REQUIRED)
def test_production_refuses_to_start_without_the_statements_details(
    missing: str, tmp_path: Path
) -> None:
    env = {
        "PORTAL_ENV": "production",
        "PORTAL_SECRET_KEY": "k" * 40,
        "PORTAL_BASE_URL": "https://brug.example",
        "PORTAL_VAR_DIR": str(tmp_path),
        "PORTAL_OIDC_ISSUER": "https://login.example/realms/brug",
        "PORTAL_OIDC_CLIENT_ID": "brug",
        "PORTAL_OIDC_CLIENT_SECRET": "secret",
        **STATEMENTS,
    }
    assert load_settings(env).statements.controller_name == STATEMENTS["PORTAL_CONTROLLER_NAME"]
    with pytest.raises(ConfigError) as raised:
        load_settings({**env, missing: " "})
    assert raised.value.variable == missing
    assert "required in production" in str(raised.value)


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("PORTAL_DPO_EMAIL", "dpo"),
        ("PORTAL_ACCESSIBILITY_EMAIL", "drempels at example.be"),
        ("PORTAL_DPO_PHONE", "call us"),
        ("PORTAL_DPO_PHONE", "12"),
        ("PORTAL_ACCESSIBILITY_REVIEWED", "15-01-2027"),
        ("PORTAL_ACCESSIBILITY_REVIEWED", "2027-02-30"),
    ],
)
def test_bad_statement_values_name_their_variable(
    variable: str, value: str, tmp_path: Path
) -> None:
    with pytest.raises(ConfigError) as raised:
        load_settings({"PORTAL_VAR_DIR": str(tmp_path), variable: value})
    assert raised.value.variable == variable


# The footer of every page -------------------------------------------------------------------------


PDF_SOURCES = {"evaluations/export.html", "subject_access/export.html"}
"""Templates that become a PDF, not a page of the portal."""


def test_every_page_template_has_the_portal_footer() -> None:
    """Whole pages extend ``base.html``, whose footer links the statements; fragments (``_*``)
    are parts of such pages."""
    standalone = {
        str(path.relative_to(TEMPLATES_DIR))
        for path in TEMPLATES_DIR.rglob("*.html")
        if not path.name.startswith("_")
        and path.name != "base.html"
        and '{% extends "base.html" %}' not in path.read_text()
    }
    assert standalone == PDF_SOURCES


async def test_every_kind_of_page_links_both_statements(
    client: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert_links_both((await client.get("/auth/login")).text, "login page")
    missing = await client.get("/nergens")
    assert missing.status_code == 404
    assert_links_both(missing.text, "404 page, anonymous")
    refused = await client.post("/language", data={"lang": "en"})
    assert refused.status_code == 403
    assert_links_both(refused.text, "403 page")
    for path in STATEMENT_PAGES:
        assert_links_both((await client.get(path)).text, path)

    await build_world()
    await login(client, "sw.a")
    home = (await client.get("/")).text
    assert_links_both(home, "start page")
    assert '<a href="/access-log">' in footer_of(home)
    assert_links_both((await client.get("/clients")).text, "client list")
    assert_links_both((await client.get("/nergens")).text, "404 page, logged in")

    def broken(_settings: object) -> None:
        raise RuntimeError("statement broke")

    monkeypatch.setattr(facts, "privacy", broken)
    failed = await client.get("/privacy")
    assert failed.status_code == 500
    assert "statement broke" not in failed.text
    assert_links_both(failed.text, "500 page")

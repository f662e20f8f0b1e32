"""Logging in and out in Chromium through a real OpenID Connect provider on another site.

The provider answers on ``localhost`` and the portal on ``127.0.0.1``: two sites, so the session
cookie has to survive real cross-site redirects (SameSite=Lax) for the callback to find the login.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from playwright.async_api import Browser, Page, expect

from portal.testing.processes import PortalServer, free_port
from portal.testing.processes import development_env as portal_env
from tests.accounts.provider import CLIENT_ID, CLIENT_SECRET, Provider, provider
from tests.e2e.conftest import LOCALE, Tab, copy_demo
from tests.e2e.test_accessibility import WIDTHS, AxeTab, axe_pages, axe_violations
from tests.e2e.test_journeys import assert_clean_console, path_of

pytestmark = pytest.mark.e2e


@dataclass
class Site:
    url: str
    idp: Provider
    database: Path


@pytest.fixture(scope="module")
def oidc_site(tmp_path_factory: pytest.TempPathFactory, demo_world: Path) -> Iterator[Site]:
    folder = tmp_path_factory.mktemp("oidc-e2e")
    port = free_port()
    with provider() as idp:
        env = portal_env(
            folder,
            PORTAL_BASE_URL=f"http://127.0.0.1:{port}",
            PORTAL_OIDC_ISSUER=idp.issuer,
            PORTAL_OIDC_CLIENT_ID=CLIENT_ID,
            PORTAL_OIDC_CLIENT_SECRET=CLIENT_SECRET,
            PORTAL_OIDC_ROLE_CLAIM="realm_access.roles",
            PORTAL_OIDC_ROLE_MAP="ocmw-mw=social_worker",
        )
        copy_demo(demo_world, folder, folder / "portal.sqlite3")
        with PortalServer(env, port) as server:
            server.wait_until_healthy()
            yield Site(server.url, idp, folder / "portal.sqlite3")


async def test_login_and_logout_through_the_provider(browser: Browser, oidc_site: Site) -> None:
    await oidc_site.idp.set_user(
        "sub-lotte",
        {
            "name": "Lotte Maes",
            "email": "lotte@ocmw-zottegem.example",
            "realm_access": {"roles": ["ocmw-mw"]},
            "org": "ocmw-zottegem",
        },
    )
    context = await browser.new_context(base_url=oidc_site.url, locale=LOCALE)
    tab = Tab(await context.new_page(), context)
    tab.page.on("console", tab._console)
    tab.page.on("pageerror", tab._page_error)
    page = tab.page
    try:
        await page.goto("/clients")
        assert path_of(page.url) == "/auth/login"
        await page.get_by_role("link", name="Aanmelden met het account van je organisatie").click()
        await page.wait_for_url(lambda url: url.startswith(oidc_site.idp.issuer))
        await page.locator('input[name="sub"]').fill("sub-lotte")
        await page.get_by_role("button", name="Authorize").click()
        await page.wait_for_url(
            lambda url: url.startswith(oidc_site.url) and path_of(url) == "/clients"
        )
        assert "Lotte Maes" in ((await page.locator("header").text_content()) or "")
        assert await page.locator("h1").count() == 1

        await page.locator('header form[action="/auth/logout"] button').click()
        await page.wait_for_url(lambda url: url.startswith(oidc_site.idp.issuer))
        await page.get_by_role("button", name="End session").click()
        await page.wait_for_url(lambda url: url.startswith(oidc_site.url))
        await page.goto("/clients")
        assert path_of(page.url) == "/auth/login", "the portal session ended"
        portal_problems = [p for p in tab.problems if oidc_site.url in p]
        tab.problems[:] = portal_problems
        assert_clean_console(tab)
    finally:
        await context.close()


@pytest.fixture
async def axe_page(browser: Browser, oidc_site: Site) -> AsyncIterator[AxeTab]:
    async with axe_pages(browser, oidc_site.url) as open_:
        yield open_


async def assert_accessible_and_fits(page: Page, width: int, where: str) -> None:
    problems = await axe_violations(page, f"[{width}px] {where}")
    assert not problems, "\n\n".join(problems)
    assert await page.evaluate("document.documentElement.scrollWidth") <= width


@pytest.mark.parametrize("width", WIDTHS)
async def test_the_no_access_page_is_accessible(
    axe_page: AxeTab, oidc_site: Site, width: int
) -> None:
    await oidc_site.idp.set_user("sub-nobody", {"name": "Niemand", "org": "ocmw-zottegem"})
    page = await axe_page(width)
    await page.goto("/auth/login?via=oidc")
    await page.locator('input[name="sub"]').fill("sub-nobody")
    await page.get_by_role("button", name="Authorize").click()
    await page.wait_for_url(lambda url: url.startswith(oidc_site.url))
    assert await page.locator("h1").text_content() == "Geen toegang"
    await assert_accessible_and_fits(page, width, "no access")


@pytest.mark.parametrize("width", WIDTHS)
async def test_the_sign_in_rules_on_the_people_page_fit_and_are_accessible(
    axe_page: AxeTab, oidc_site: Site, width: int
) -> None:
    page = await axe_page(width)
    await page.goto("/auth/dev-login")
    await page.locator('button[name="username"][value="admin"]').click()
    await page.wait_for_url(lambda url: path_of(url) == "/")
    await page.goto("/admin/people")
    await page.locator(".sign-in-rules summary").click()
    await expect(page.locator(".sign-in-rules code").first).to_be_visible()
    assert oidc_site.idp.issuer in ((await page.locator(".sign-in-rules").text_content()) or "")
    await assert_accessible_and_fits(page, width, "people with sign-in rules")

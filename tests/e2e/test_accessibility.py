"""Accessibility of the main pages: axe-core's WCAG 2.1 A and AA rules, and Tab reachability.

axe-core comes from npm (``tests/e2e/package.json``, installed by ``make test``). Each page is
checked at a wide (1280 px) and a narrow (360 px) screen, anonymously (the login pages and the
statements) and as a social worker and a toeleider (the pages behind the login).
"""

from __future__ import annotations

import functools
import re
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from urllib.parse import urlparse

import pytest
from playwright.async_api import Browser, BrowserContext, Page, expect

from tests.e2e.conftest import LOCALE, OpenTab, ServedPortal

pytestmark = pytest.mark.e2e

AXE = Path(__file__).resolve().parent / "node_modules" / "axe-core" / "axe.min.js"
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
WIDTHS = [1280, 360]
HEIGHT = 800
USERS = ["sw.zottegem", "toeleider.pin"]
AMINA = "Haidari, Amina"
MISSING_PAGE = "/this-page-does-not-exist"
TARGETS_SHOWN = 5  # selectors listed per violation in the failure message

# Runs in the page: the rules of WCAG 2.1 A and AA only, and only what failed, kept small.
AXE_RUN = """async (tags) => {
    const results = await axe.run(document, {
        runOnly: {type: 'tag', values: tags},
        resultTypes: ['violations'],
    });
    return results.violations.map(v => ({
        id: v.id,
        impact: v.impact,
        help: v.help,
        helpUrl: v.helpUrl,
        nodes: v.nodes.map(n => ({
            target: n.target.map(t => Array.isArray(t) ? t.join(' >>> ') : t).join(' '),
            summary: n.failureSummary || '',
        })),
    }));
}"""

# Runs in the page: number every element a keyboard user should reach with Tab (visible,
# enabled, not taken out of the tab order); returns how many there are and what they are.
MARK_FOCUSABLE = """() => {
    const selector = 'a[href], area[href], button, input, select, textarea, iframe, summary,'
        + ' [contenteditable=""], [contenteditable="true"], [tabindex]';
    const focusable = [...document.querySelectorAll(selector)].filter(el =>
        !el.disabled
        && el.tabIndex >= 0
        && !el.closest('[inert]')
        && el.checkVisibility({visibilityProperty: true, opacityProperty: false}));
    focusable.forEach((el, i) => el.setAttribute('data-a11y-tab', String(i)));
    return focusable.map(el =>
        el.tagName.toLowerCase() + (el.id ? '#' + el.id : '') + ' "'
        + (el.textContent || el.value || el.getAttribute('aria-label') || '').trim().slice(0, 40)
        + '"');
}"""
ACTIVE_MARK = "() => document.activeElement?.getAttribute('data-a11y-tab') ?? null"


def path_of(url: str) -> str:
    return urlparse(url).path


AxeTab = Callable[[int], Awaitable[Page]]


@asynccontextmanager
async def axe_pages(browser: Browser, base_url: str) -> AsyncIterator[AxeTab]:
    """``await open_(width)``: a page in a new context on ``base_url``, for ``axe_violations``."""
    contexts: list[BrowserContext] = []

    async def open_(width: int) -> Page:
        context = await browser.new_context(
            base_url=base_url,
            viewport={"width": width, "height": HEIGHT},
            locale=LOCALE,
        )
        contexts.append(context)
        return await context.new_page()

    try:
        yield open_
    finally:
        for context in contexts:
            await context.close()


@pytest.fixture
async def axe_tab(browser: Browser, served_portal: ServedPortal) -> AsyncIterator[AxeTab]:
    """``await axe_tab(width)``: an axe-ready page on the served portal (see ``axe_pages``)."""
    async with axe_pages(browser, served_portal.url) as open_:
        yield open_


@functools.cache
def _axe_source() -> str:
    assert AXE.is_file(), f"{AXE} is missing: run `npm ci --prefix tests/e2e`"
    return AXE.read_text()


async def axe_violations(page: Page, where: str) -> list[str]:
    """Run axe-core on the page as shown; one readable entry per violated rule.

    axe-core is evaluated through the DevTools protocol, which the page's Content-Security-Policy
    does not govern: the check works in any tab, with the CSP enforced.
    """
    await page.wait_for_load_state("load")
    if await page.evaluate("typeof window.axe === 'undefined'"):
        await page.evaluate(_axe_source())
    violations = await page.evaluate(AXE_RUN, WCAG_TAGS)
    found = []
    for violation in violations:
        nodes = violation["nodes"]
        lines = [
            f"{where}: {violation['id']} ({violation['impact']}) - {violation['help']}"
            f" [{len(nodes)} element(s)] {violation['helpUrl']}"
        ]
        for node in nodes[:TARGETS_SHOWN]:
            summary = " ".join(node["summary"].split())
            lines.append(f"    {node['target']}  -- {summary}")
        if len(nodes) > TARGETS_SHOWN:
            lines.append(f"    ... and {len(nodes) - TARGETS_SHOWN} more")
        found.append("\n".join(lines))
    return found


async def dev_login(page: Page, username: str) -> None:
    await page.goto("/auth/dev-login")
    await page.locator(f'button[name="username"][value="{username}"]').click()
    await page.wait_for_url(lambda url: path_of(url) == "/")


async def client_page(page: Page, name: str) -> str:
    """The path of the client's page, found with the client search."""
    await page.goto("/clients?q=" + name.split(",")[0])
    link = page.locator("#client-results a", has_text=name)
    await expect(link).to_have_count(1)
    href = await link.get_attribute("href")
    assert href and re.fullmatch(r"/clients/\d+", href), href
    return href


@pytest.mark.parametrize("width", WIDTHS)
async def test_pages_pass_axe_wcag21_aa(axe_tab: AxeTab, width: int) -> None:
    problems: list[str] = []

    async def check(page: Page, path: str, who: str, status: int = 200) -> None:
        response = await page.goto(path)
        assert response is not None and response.status == status, (who, path)
        problems.extend(await axe_violations(page, f"[{width}px, {who}] {path}"))

    page = await axe_tab(width)
    await check(page, "/auth/login", "anonymous")
    await check(page, "/auth/dev-login", "anonymous")
    await check(page, "/auth/logged-out", "anonymous")
    await check(page, "/auth/callback?code=x&state=y", "anonymous", status=400)
    await check(page, "/privacy", "anonymous")
    await check(page, "/accessibility", "anonymous")

    for username in USERS:
        page = await axe_tab(width)
        await dev_login(page, username)
        amina = await client_page(page, AMINA)
        for path in ("/", "/clients", amina, "/who-sees-what"):
            await check(page, path, username)
        await check(page, MISSING_PAGE, username, status=404)

    assert not problems, (
        f"{len(problems)} accessibility violation(s) (axe-core, {', '.join(WCAG_TAGS)}):\n\n"
        + "\n\n".join(problems)
    )


@pytest.mark.parametrize("username", USERS)
@pytest.mark.parametrize("width", WIDTHS)
async def test_client_list_is_reachable_with_tab(
    open_tab: OpenTab, width: int, username: str
) -> None:
    tab = await open_tab(width=width, height=HEIGHT)
    page = tab.page
    await dev_login(page, username)
    await page.goto("/clients")
    await expect(page.locator("#client-results tbody tr").first).to_be_visible()
    focusable = await page.evaluate(MARK_FOCUSABLE)
    assert len(focusable) > 5, focusable  # the menu, the search form, the client links

    reached: set[int] = set()
    for _ in range(len(focusable) + 5):  # a few extra presses: the end may pass the browser UI
        await page.keyboard.press("Tab")
        mark = await page.evaluate(ACTIVE_MARK)
        if mark is not None:
            reached.add(int(mark))
    missed = [element for i, element in enumerate(focusable) if i not in reached]
    assert not missed, f"not reachable with Tab at {width}px as {username}: {missed}"

"""The admin pages in a real browser: axe-core's WCAG 2.1 AA rules at 1280 and 360 px, a form
with errors included, and no sideways scrolling of the page on a phone."""

from __future__ import annotations

import pytest
from playwright.async_api import Page

from tests.e2e.test_accessibility import (  # noqa: F401 (axe_tab is a fixture)
    WCAG_TAGS,
    WIDTHS,
    AxeTab,
    axe_tab,
    axe_violations,
    dev_login,
)

pytestmark = pytest.mark.e2e

ADMIN = "admin"
PAGE_WIDTH = "() => document.documentElement.scrollWidth"


async def _first_link(page: Page, list_path: str, prefix: str) -> str:
    await page.goto(list_path)
    href = await page.locator(f'main table a[href^="{prefix}"]').first.get_attribute("href")
    assert href, list_path
    return href


@pytest.mark.parametrize("width", WIDTHS)
async def test_admin_pages_pass_axe_wcag21_aa(axe_tab: AxeTab, width: int) -> None:  # noqa: F811
    problems: list[str] = []
    page = await axe_tab(width)
    await dev_login(page, ADMIN)

    async def check(path: str | None = None, status: int = 200) -> None:
        if path is not None:
            response = await page.goto(path)
            assert response is not None and response.status == status, path
        where = f"[{width}px] {page.url}"
        problems.extend(await axe_violations(page, where))
        assert await page.evaluate(PAGE_WIDTH) <= width, f"{where} scrolls sideways"

    organisation = await _first_link(page, "/admin/organisations", "/admin/organisations/")
    partnership = await _first_link(page, "/admin/partnerships", "/admin/partnerships/")
    for path in (
        "/",
        "/admin/organisations",
        "/admin/organisations/new",
        organisation,
        "/admin/partnerships",
        "/admin/partnerships/new",
        partnership,
        f"{partnership}/delete",
        "/admin/people",
    ):
        await check(path)

    await page.goto("/admin/organisations/new")
    await page.locator('main form button[type="submit"]').click()
    await page.wait_for_load_state("load")
    await page.locator(".error-summary").wait_for()
    await check()

    assert not problems, (
        f"{len(problems)} accessibility violation(s) (axe-core, {', '.join(WCAG_TAGS)}):\n\n"
        + "\n\n".join(problems)
    )

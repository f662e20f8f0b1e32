"""Journeys in a real browser against the portal served for real, with the demo data loaded.

Assertions rely on what does not depend on the catalogs: names from the data, URLs, structure,
and labels computed with the portal's own Dutch catalog (``nl`` is the default language).
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from urllib.parse import parse_qs, urlparse

import pytest
from playwright.async_api import Browser, Page, expect

from portal.clients.labels import FIELD_LABELS
from portal.core.i18n import translations
from tests.e2e.conftest import LOCALE, OpenTab, ServedPortal
from tests.e2e.steps import assert_clean_console, dev_login, path_of, screenshot

pytestmark = pytest.mark.e2e

SOCIAL_WORKER = "sw.zottegem"
TOELEIDER = "toeleider.pin"
ADMIN = "admin"
AMINA = "Amina Haidari"
NO_RELOAD = "window.__e2eNoReload"
WIDTHS = (1280, 360)


def label(field_name: str) -> str:
    """A file field's label as the page shows it in Dutch (translated or not)."""
    return translations("nl").gettext(FIELD_LABELS[field_name])


async def file_fields(page: Page) -> dict[str, str]:
    """The client file as shown: label → value."""
    return await page.eval_on_selector_all(
        ".fields .field",
        """fields => Object.fromEntries(fields.map(field => [
            field.querySelector("dt").textContent.trim(),
            field.querySelector("dd").textContent.trim(),
        ]))""",
    )


async def mark_page(page: Page) -> None:
    """Set a value on ``window`` that a full page load would wipe out."""
    await page.evaluate(f"{NO_RELOAD} = 'same document'")


async def assert_not_reloaded(page: Page) -> None:
    assert await page.evaluate(NO_RELOAD) == "same document", "the page was reloaded"


@pytest.fixture(scope="session")
async def amina_id(browser: Browser, served_portal: ServedPortal) -> AsyncIterator[int]:
    """Amina Haidari's id, found by searching as her social worker."""
    context = await browser.new_context(base_url=served_portal.url, locale=LOCALE)
    try:
        page = await context.new_page()
        await dev_login(page, SOCIAL_WORKER)
        await page.goto("/clients?q=Haidari")
        link = page.locator("#client-results a", has_text="Haidari, Amina")
        await expect(link).to_have_count(1)
        href = await link.get_attribute("href")
        match = re.fullmatch(r"/clients/(\d+)", href or "")
        assert match, href
        yield int(match.group(1))
    finally:
        await context.close()


def longest_timeline_client(served_portal: ServedPortal, username: str) -> int:
    """The client of ``username``'s OCMW with the most timeline entries (more than one screen)."""
    rows = served_portal.query(
        """SELECT c.id, COUNT(*) AS n FROM client c JOIN timeline_event e ON e.client = c.id
           WHERE c.ocmw = (SELECT organisation FROM person WHERE username = ?)
           GROUP BY c.id ORDER BY n DESC, c.id LIMIT 1""",
        username,
    )
    assert rows, "the demo data has no timeline entries"
    return int(rows[0][0])


# 1. The social worker ----------------------------------------------------------------------


async def test_social_worker_logs_in_searches_and_reads_a_client(open_tab: OpenTab) -> None:
    tab = await open_tab()
    page = tab.page
    await page.goto("/")
    assert path_of(page.url) == "/auth/login"
    await page.locator('main a[href^="/auth/dev-login"]').click()
    await page.wait_for_url(lambda url: path_of(url) == "/auth/dev-login")

    button = page.locator(f'button[name="username"][value="{SOCIAL_WORKER}"]')
    name = ((await button.locator("strong").text_content()) or "").strip()
    assert name
    await button.click()
    await page.wait_for_url(lambda url: path_of(url) == "/")
    await expect(page.locator("header .who")).to_contain_text(name)
    await expect(page.locator("main h1")).to_contain_text(name)
    await expect(page.locator("main")).to_contain_text(AMINA)

    # The client list, narrowed by typing, without a page load.
    await page.locator('nav a[href="/clients"]').click()
    await page.wait_for_url(lambda url: path_of(url) == "/clients")
    rows = page.locator("#client-results tbody tr")
    assert await rows.count() > 1
    await mark_page(page)
    await page.locator("#client-search").press_sequentially("Haida")
    await page.wait_for_url(lambda url: parse_qs(urlparse(url).query).get("q") == ["Haida"])
    await expect(rows).to_have_count(1)
    await expect(rows.first).to_contain_text("Haidari, Amina")
    await assert_not_reloaded(page)

    # Amina's page and her timeline.
    await rows.first.locator("a").click()
    await page.wait_for_url(re.compile(r"/clients/\d+$"))
    await expect(page.locator("main h1")).to_have_text(AMINA)
    events = page.locator("#timeline-list > li.event")
    assert await events.count() > 0

    # The kind filter shows only that kind, without a page load.
    kinds = page.locator("#timeline-list > li.event .kind")
    note = ((await page.locator('#kind option[value="note.added"]').text_content()) or "").strip()
    shown_kinds = [text.strip() for text in await kinds.all_text_contents()]
    notes = shown_kinds.count(note)
    assert 0 < notes < len(shown_kinds), "Amina's first screen should hold notes and more"
    url = page.url
    await mark_page(page)
    await page.locator("#kind").select_option("note.added")
    not_a_note = kinds.filter(has_not_text=re.compile(rf"^\s*{re.escape(note)}\s*$"))
    await expect(not_a_note).to_have_count(0)
    await expect(kinds.first).to_be_visible()
    assert await events.count() == await kinds.count() >= notes
    assert page.url == url
    await assert_not_reloaded(page)
    assert_clean_console(tab)


async def test_load_more_appends_older_entries_without_a_page_load(
    open_tab: OpenTab, served_portal: ServedPortal
) -> None:
    tab = await open_tab()
    page = tab.page
    await dev_login(page, SOCIAL_WORKER)
    # Amina Haidari's timeline fits on one screen (20 entries, the page size): no "load more"
    # there. The client of the same OCMW with the longest timeline has one.
    client_id = longest_timeline_client(served_portal, SOCIAL_WORKER)
    await page.goto(f"/clients/{client_id}")
    events = page.locator("#timeline-list > li.event")
    before = await events.count()
    newest = await events.first.text_content()
    load_more = page.locator("#timeline-list > li.load-more a")
    await expect(load_more).to_have_count(1)
    url = page.url
    await mark_page(page)
    await load_more.click()
    await expect(events.nth(before)).to_be_attached()
    after = await events.count()
    assert after > before
    # the keyboard continues with the entries just loaded, not at the top of the page
    await expect(events.nth(before)).to_be_focused()
    assert await events.first.text_content() == newest
    stamps = await page.locator("#timeline-list > li.event time").evaluate_all(
        "times => times.map(time => time.getAttribute('datetime'))"
    )
    assert stamps == sorted(stamps, reverse=True), "older entries must come after newer ones"
    assert page.url == url
    await assert_not_reloaded(page)
    assert_clean_console(tab)


# 2. The toeleider sees the same client, less of it -----------------------------------------


async def test_toeleider_sees_amina_without_social_report_and_with_masked_number(
    open_tab: OpenTab, amina_id: int
) -> None:
    worker = await open_tab()
    await dev_login(worker.page, SOCIAL_WORKER)
    await worker.page.goto(f"/clients/{amina_id}")
    assert label("social_report") not in await file_fields(worker.page)  # not until asked for
    await worker.page.get_by_role("link", name="Toon het sociaal verslag en de financiën").click()
    await expect(worker.page.locator("#section-social .field").first).to_be_visible()
    worker_fields = await file_fields(worker.page)
    social_report = worker_fields[label("social_report")]
    national_number = worker_fields[label("national_number")]
    assert social_report and any(ch.isdigit() for ch in national_number)
    worker_titles = set(await worker.page.locator("#timeline-list li.event h3").all_text_contents())

    tab = await open_tab()
    page = tab.page
    await dev_login(page, TOELEIDER)
    await page.goto(f"/clients/{amina_id}")
    await expect(page.locator("main h1")).to_have_text(AMINA)
    shown = (await page.locator("main").text_content()) or ""
    fields = await file_fields(page)
    assert social_report not in shown
    assert label("social_report") not in fields
    masked = fields[label("national_number")]
    assert "aanwezig, afgeschermd" in masked
    assert not any(ch.isdigit() for ch in masked), "a masked national number shows no digit"

    withheld = page.locator("#timeline-list > li.event.withheld")
    assert await withheld.count() > 0
    assert await withheld.locator("h3, .kind").count() == 0
    own_titles = set(await page.locator("#timeline-list li.event h3").all_text_contents())
    timeline = (await page.locator("#timeline-list").text_content()) or ""
    for title in worker_titles - own_titles:  # titles only, the kind menu lists every kind
        assert title not in timeline
    assert_clean_console(worker)
    assert_clean_console(tab)


# 3. The administrator sees no client -------------------------------------------------------


async def test_admin_has_no_client_menu_and_gets_404_for_a_client(
    open_tab: OpenTab, amina_id: int
) -> None:
    tab = await open_tab()
    page = tab.page
    name = await dev_login(page, ADMIN)
    await expect(page.locator("header .who")).to_contain_text(name)
    menu = page.locator("nav .menu")
    await expect(menu).to_be_visible()
    await expect(menu.locator('a[href="/clients"]')).to_have_count(0)
    await expect(menu.locator('a[href="/"]')).to_have_count(1)

    response = await page.goto(f"/clients/{amina_id}")
    assert response is not None and response.status == 404
    await expect(page.locator("main")).to_contain_text("404")
    assert "Haidari" not in ((await page.locator("body").text_content()) or "")
    assert_clean_console(tab, allowed=("status of 404",))


# 4. Logging out ----------------------------------------------------------------------------


async def test_logout_from_the_header_ends_the_session(open_tab: OpenTab) -> None:
    tab = await open_tab()
    page = tab.page
    await dev_login(page, SOCIAL_WORKER)
    await page.locator('header form[action="/auth/logout"] button').click()
    await page.wait_for_url(lambda url: path_of(url) == "/auth/login")
    await page.goto("/")
    assert path_of(page.url) == "/auth/login"
    await page.goto("/clients")
    assert path_of(page.url) == "/auth/login"
    assert_clean_console(tab)


# 5. Narrow and wide screens ----------------------------------------------------------------


@pytest.mark.parametrize("width", WIDTHS)
async def test_client_page_fits_the_screen_and_offers_a_skip_link(
    open_tab: OpenTab, amina_id: int, width: int
) -> None:
    tab = await open_tab(width=width, height=800)
    page = tab.page
    await dev_login(page, SOCIAL_WORKER)
    await page.goto(f"/clients/{amina_id}")
    await expect(page.locator("main h1")).to_have_text(AMINA)
    scroll_width = await page.evaluate("document.documentElement.scrollWidth")
    assert scroll_width <= width + 1, f"horizontal scroll at {width}px: {scroll_width}px wide"
    await screenshot(page, f"client-amina-{width}")

    skip = page.locator("a.skip-link")
    hidden_box = await skip.bounding_box()
    assert hidden_box is not None and hidden_box["x"] + hidden_box["width"] <= 0
    await page.keyboard.press("Tab")
    await expect(skip).to_be_focused()
    box = await skip.bounding_box()
    assert box is not None
    assert box["x"] >= 0 and box["x"] + box["width"] <= width
    assert 0 <= box["y"] < 800
    await page.keyboard.press("Enter")
    await expect(page.locator("main#main")).to_be_focused()
    assert_clean_console(tab)


# 6. No console errors or CSP violations on the other pages ---------------------------------


async def test_other_pages_raise_no_console_errors(open_tab: OpenTab) -> None:
    tab = await open_tab()
    page = tab.page
    await page.goto("/auth/login")
    await dev_login(page, SOCIAL_WORKER)
    for path in ("/clients?q=a&page=2", "/who-sees-what"):
        response = await page.goto(path)
        assert response is not None and response.status == 200, path
    assert await page.locator("html").get_attribute("lang") == "nl"
    async with page.expect_navigation():
        await page.locator('footer button[name="lang"][value="en"]').click()
    assert path_of(page.url) == "/who-sees-what"
    assert await page.locator("html").get_attribute("lang") == "en"
    assert_clean_console(tab)

"""Documents in real browsers: a social worker adds a document through the form with its progress
script, the same form works with JavaScript switched off, a refused file comes back with its
message in the page, and a toeleider of the care team downloads what the policy lets them read.
The upload page and the history page pass axe at 1280 and 360 px."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.async_api import Browser, Page, expect

from portal.demo.documents import pdf
from tests.e2e.conftest import LOCALE, OpenTab, ServedPortal
from tests.e2e.test_accessibility import axe_pages, axe_violations
from tests.e2e.test_journeys import assert_clean_console, dev_login
from tests.e2e.test_trajectory_journey import SOCIAL_WORKER, TOELEIDER, shared_client

pytestmark = pytest.mark.e2e


def _same_bytes(one: Path, other: Path) -> bool:
    return one.read_bytes() == other.read_bytes()


async def _add(page: Page, client_id: int, path: Path, category: str, audience: str) -> None:
    await page.goto(f"/clients/{client_id}")
    await page.locator(f'a[href="/clients/{client_id}/documents/new"]').click()
    await page.locator("#f-category").select_option(category)
    await page.locator("#f-audience").select_option(audience)
    await page.locator("#f-file").set_input_files(str(path))
    await page.locator('form[data-upload] button[type="submit"]').click()


async def test_a_document_is_added_read_and_refused(
    open_tab: OpenTab, browser: Browser, served_portal: ServedPortal, tmp_path: Path
) -> None:
    client_id = shared_client(served_portal)
    shared = tmp_path / "Attest opleiding journey.pdf"
    shared.write_bytes(pdf("Attest", "Opleiding heftruck", "geslaagd"))
    private = tmp_path / "Verslag huisbezoek journey.pdf"
    private.write_bytes(pdf("Verslag", "Huisbezoek", "schulden"))
    refused = tmp_path / "script.html"
    refused.write_text("<!doctype html><script>alert(1)</script>")

    tab = await open_tab()
    page = tab.page
    await dev_login(page, SOCIAL_WORKER)
    await _add(page, client_id, shared, "certificate", "care_team")
    await page.wait_for_url(f"**/clients/{client_id}?done=document#documents")
    await expect(
        page.locator("#documents ~ ul.document-list, .document-list").first
    ).to_contain_text(shared.name)

    await _add(page, client_id, refused, "other", "care_team")
    summary = page.locator(".error-summary")
    await expect(summary).to_be_visible()
    await expect(summary).to_be_focused()
    await expect(page.locator("#f-file-error")).to_be_visible()
    await expect(page.locator("#f-category")).to_have_value("other")
    assert_clean_console(tab, allowed=("status of 422",))

    no_script = await browser.new_context(
        base_url=served_portal.url, locale=LOCALE, java_script_enabled=False
    )
    try:
        plain = await no_script.new_page()
        await dev_login(plain, SOCIAL_WORKER)
        await _add(plain, client_id, private, "social_report", "file_holder_only")
        await plain.wait_for_url(f"**/clients/{client_id}?done=document*")
        await expect(plain.locator(".document-list").first).to_contain_text(private.name)
    finally:
        await no_script.close()

    partner = await open_tab()
    await dev_login(partner.page, TOELEIDER)
    await partner.page.goto(f"/clients/{client_id}")
    listing = partner.page.locator(".document-list").first
    await expect(listing).to_contain_text(shared.name)
    assert private.name not in await partner.page.content()
    link = listing.locator("a[download]", has_text=shared.name)
    async with partner.page.expect_download() as caught:
        await link.click()
    download = await caught.value
    assert download.suggested_filename == shared.name
    assert _same_bytes(Path(await download.path()), shared)
    assert_clean_console(partner)

    document_id = int((await link.get_attribute("href") or "").rsplit("/", 1)[-1])
    problems: list[str] = []
    async with axe_pages(browser, served_portal.url) as open_:
        for width in (1280, 360):
            page = await open_(width)
            await dev_login(page, SOCIAL_WORKER)
            for path in (
                f"/clients/{client_id}/documents/new",
                f"/documents/{document_id}/versions",
                f"/clients/{client_id}",
            ):
                await page.goto(path)
                problems += await axe_violations(page, f"[{width}px] {path}")
    assert not problems, "\n\n".join(problems)

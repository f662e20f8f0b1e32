"""Documents in real browsers: a social worker adds a document through the form with its progress
script, the same form works with JavaScript switched off, a refused file comes back with its
message in the page, and a toeleider of the care team, on a phone, downloads what the policy lets
them read and opens its history. Every page on the way passes axe at 1280 and 360 px
(``steps.Journey``)."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.async_api import Browser, Page, expect

from portal.demo.documents import pdf
from tests.e2e.conftest import LOCALE, OpenTab, ServedPortal
from tests.e2e.steps import Journey, assert_clean_console, dev_login
from tests.e2e.test_trajectory_journey import SOCIAL_WORKER, TOELEIDER, shared_client

pytestmark = pytest.mark.e2e


def _same_bytes(one: Path, other: Path) -> bool:
    return one.read_bytes() == other.read_bytes()


async def _add(
    page: Page, client_id: int, path: Path, category: str, audience: str, journey: Journey | None
) -> None:
    """From the client's file, the upload form, sent (``journey``: each page a step)."""
    await page.goto(f"/clients/{client_id}")
    if journey:
        await journey.step(page, "file")
    await page.locator(f'a[href="/clients/{client_id}/documents/new"]').click()
    await page.wait_for_url(f"**/clients/{client_id}/documents/new")
    if journey:
        await journey.step(page, "upload")
    await page.locator("#f-category").select_option(category)
    await page.locator("#f-audience").select_option(audience)
    await page.locator("#f-file").set_input_files(str(path))
    await page.locator('form[data-upload] button[type="submit"]').click()


async def test_a_document_is_added_read_and_refused(
    open_tab: OpenTab, browser: Browser, served_portal: ServedPortal, tmp_path: Path
) -> None:
    journey = Journey("document", open_tab)
    client_id = shared_client(served_portal)
    shared = tmp_path / "Attest opleiding journey.pdf"
    shared.write_bytes(pdf("Attest", "Opleiding heftruck", "geslaagd"))
    private = tmp_path / "Verslag huisbezoek journey.pdf"
    private.write_bytes(pdf("Verslag", "Huisbezoek", "schulden"))
    refused = tmp_path / "script.html"
    refused.write_text("<!doctype html><script>alert(1)</script>")

    tab = await journey.open()
    page = tab.page
    await journey.login(tab, SOCIAL_WORKER)
    await _add(page, client_id, shared, "certificate", "care_team", journey)
    await page.wait_for_url(f"**/clients/{client_id}?done=document#documents")
    listing = page.locator(".document-list").first
    await expect(listing).to_contain_text(shared.name)
    await journey.step(page, "added", show=listing)

    await _add(page, client_id, refused, "other", "care_team", journey)
    summary = page.locator(".error-summary")
    await expect(summary).to_be_visible()
    await expect(summary).to_be_focused()
    await expect(page.locator("#f-file-error")).to_be_visible()
    await expect(page.locator("#f-category")).to_have_value("other")
    await journey.step(page, "refused")
    assert_clean_console(tab, allowed=("status of 422",))

    no_script = await browser.new_context(
        base_url=served_portal.url, locale=LOCALE, java_script_enabled=False
    )
    try:
        plain = await no_script.new_page()
        await dev_login(plain, SOCIAL_WORKER)
        await _add(plain, client_id, private, "social_report", "file_holder_only", None)
        await plain.wait_for_url(f"**/clients/{client_id}?done=document*")
        await expect(plain.locator(".document-list").first).to_contain_text(private.name)
    finally:
        await no_script.close()

    partner = await journey.open(width=360)
    await journey.login(partner, TOELEIDER)
    await partner.page.goto(f"/clients/{client_id}")
    listing = partner.page.locator(".document-list").first
    await expect(listing).to_contain_text(shared.name)
    assert private.name not in await partner.page.content()
    await journey.step(partner.page, "documents", show=listing)
    link = listing.locator("a[download]", has_text=shared.name)
    async with partner.page.expect_download() as caught:
        await link.click()
    download = await caught.value
    assert download.suggested_filename == shared.name
    assert _same_bytes(Path(await download.path()), shared)
    document_id = int((await link.get_attribute("href") or "").rsplit("/", 1)[-1])
    await listing.locator(f'a[href="/documents/{document_id}/versions"]').click()
    await partner.page.wait_for_url(f"**/documents/{document_id}/versions")
    await expect(partner.page.locator("main")).to_contain_text(shared.name)
    await journey.step(partner.page, "history")
    assert_clean_console(partner)
    journey.end()

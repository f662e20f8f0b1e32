"""Issue 14's live timeline in real browsers: a VDAB mediator sends an interview invitation in one
browser context, and the social worker's client file, open in another, shows it at the top of the
timeline without a reload, announces it politely and leaves the focus where it was. The file with
a live entry passes axe at 1280 and 360 px."""

from __future__ import annotations

import pytest
from playwright.async_api import Browser, Page, Response, expect

from tests.e2e.conftest import OpenTab, ServedPortal
from tests.e2e.test_accessibility import axe_pages, axe_violations
from tests.e2e.test_journeys import assert_clean_console, dev_login
from tests.e2e.test_trajectory_journey import MEDIATOR, SOCIAL_WORKER, shared_client

pytestmark = pytest.mark.e2e


def _is_stream(client_id: int):  # type: ignore[no-untyped-def]
    def matches(response: Response) -> bool:
        return response.url.endswith(f"/clients/{client_id}/live")

    return matches


async def open_live_file(page: Page, client_id: int) -> None:
    """The client file, once its live stream answered."""
    async with page.expect_response(_is_stream(client_id)) as stream:
        await page.goto(f"/clients/{client_id}")
    answer = await stream.value
    assert answer.status == 200
    assert "text/event-stream" in (answer.headers.get("content-type") or "")


async def invite(page: Page, client_id: int, at: str, place: str) -> None:
    await page.goto(f"/clients/{client_id}/invitations/new")
    await page.locator("#f-at").fill(at)
    await page.locator("#f-place").fill(place)
    async with page.expect_navigation():
        await page.locator(f'form[action="/clients/{client_id}/invitations"] button').click()


async def test_an_invitation_appears_on_the_open_file_without_a_reload(
    open_tab: OpenTab, browser: Browser, served_portal: ServedPortal
) -> None:
    client_id = shared_client(served_portal)
    worker = await open_tab()
    await dev_login(worker.page, SOCIAL_WORKER)
    await open_live_file(worker.page, client_id)
    await worker.page.evaluate("window.brugNotReloaded = true")
    search = worker.page.locator("#kind")
    await search.focus()

    mediator = await open_tab()
    await dev_login(mediator.page, MEDIATOR)
    await invite(mediator.page, client_id, "2027-02-03T10:30", "VDAB Oudenaarde, lokaal LIVE-7")

    newest = worker.page.locator("#timeline-list > li").first
    await expect(newest).to_contain_text("LIVE-7")
    await expect(newest).to_contain_text("03-02-2027")
    await expect(worker.page.locator("#timeline-live-status")).not_to_have_text("")
    assert await worker.page.evaluate("window.brugNotReloaded === true")
    await expect(search).to_be_focused()
    for tab in (worker, mediator):
        assert_clean_console(tab)

    problems: list[str] = []
    async with axe_pages(browser, served_portal.url) as open_:
        for width, place in ((1280, "lokaal LIVE-8"), (360, "lokaal LIVE-9")):
            page = await open_(width)
            await dev_login(page, SOCIAL_WORKER)
            await open_live_file(page, client_id)
            await invite(mediator.page, client_id, "2027-02-04T09:00", place)
            await expect(page.locator("#timeline-list > li").first).to_contain_text(place)
            problems += await axe_violations(page, f"/clients/{client_id} (live, {width} px)")
    assert problems == [], "\n".join(problems)

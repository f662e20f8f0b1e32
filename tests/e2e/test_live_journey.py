"""DESIGN journey 2 in real browsers: the file holder asks VDAB for a training from a client's
file and agrees for the OCMW; with the file open, a VDAB mediator in another browser context
invites the client to an interview, then approves the training and schedules it with a start date.
Each lands at the top of the open file's timeline without a reload, announced politely, the focus
left where it was. Every page on the way, the file with its live entries included, passes axe at
1280 and 360 px (``steps.Journey``)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pytest
from playwright.async_api import Page, Response, expect

from portal.core.periods import today_in_belgium
from portal.trajectory.workflow import STATE_BY_CODE
from tests.e2e.conftest import OpenTab, ServedPortal
from tests.e2e.steps import Journey, assert_clean_console, path_of, submit
from tests.e2e.test_question_journey import nl
from tests.e2e.test_trajectory_journey import MEDIATOR, SOCIAL_WORKER, move, shared_client

pytestmark = pytest.mark.e2e

COURSE = "Magazijnmedewerker (live journey)"
PLACE = "VDAB Oudenaarde, lokaal LIVE-7"


def _is_stream(client_id: int) -> Callable[[Response], bool]:
    def matches(response: Response) -> bool:
        return response.url.endswith(f"/clients/{client_id}/live")

    return matches


def day(date: dt.date) -> str:
    """A date as the timeline shows it."""
    return date.strftime("%d-%m-%Y")


async def invite(journey: Journey, page: Page, client_id: int, at: str, place: str) -> None:
    """From the client's file, the invitation form, sent."""
    await page.goto(f"/clients/{client_id}")
    await journey.step(page, "file")
    await page.locator(f'#trajectory a[href="/clients/{client_id}/invitations/new"]').click()
    await page.wait_for_url(lambda url: path_of(url) == f"/clients/{client_id}/invitations/new")
    await journey.step(page, "invite")
    await page.locator("#f-at").fill(at)
    await page.locator("#f-place").fill(place)
    button = page.locator(f'form[action="/clients/{client_id}/invitations"] button')
    assert await submit(page, button) == 200


async def test_an_invitation_and_an_approved_training_appear_on_the_open_file(
    open_tab: OpenTab, served_portal: ServedPortal
) -> None:
    journey = Journey("live", open_tab)
    client_id = shared_client(served_portal)
    file_url = f"/clients/{client_id}"
    today = today_in_belgium()
    interview, start = today + dt.timedelta(days=9), today + dt.timedelta(days=37)

    # Earlier, the file holder asked VDAB for a training from the file and agreed for the OCMW.
    worker = await journey.open()
    page = worker.page
    await journey.login(worker, SOCIAL_WORKER)
    await page.goto(file_url)
    await journey.step(page, "file")
    await page.locator(f'#trajectory a[href="{file_url}/training-requests/new"]').click()
    await page.wait_for_url(lambda url: path_of(url) == f"{file_url}/training-requests/new")
    await journey.step(page, "ask training")
    await page.locator("#f-course").fill(COURSE)
    await page.locator("#f-provider").fill("VDAB Oudenaarde")
    await page.locator(f'form[action="{file_url}/training-requests"] button').click()
    await page.wait_for_url(lambda url: f"{file_url}?done=training" in url)
    link = page.locator("#trajectory a[href^='/training-requests/']", has_text=COURSE)
    request_id = int((await link.get_attribute("href") or "").rsplit("/", 1)[1])
    await journey.step(page, "training asked")

    # The file stays open, its live stream connected; the worker is busy in the kind filter.
    async with page.expect_response(_is_stream(client_id)) as stream:
        await move(page, request_id, "ocmw_agreed")
    answer = await stream.value
    assert answer.status == 200
    assert "text/event-stream" in (answer.headers.get("content-type") or "")
    await journey.step(page, "agreed")
    await page.evaluate("window.brugNotReloaded = true")
    search = page.locator("#kind")
    await search.focus()
    newest = page.locator("#timeline-list > li").first

    # The mediator invites the client to an interview.
    mediator = await journey.open()
    await journey.login(mediator, MEDIATOR)
    await invite(journey, mediator.page, client_id, f"{interview.isoformat()}T10:30", PLACE)
    await journey.step(mediator.page, "invited")
    await expect(newest).to_contain_text("LIVE-7")
    await expect(newest).to_contain_text(day(interview))
    await expect(page.locator("#timeline-live-status")).not_to_have_text("")
    await journey.step(page, "invitation appears", show=newest)

    # Then approves the training and schedules it: both moves appear on the open file too.
    await move(mediator.page, request_id, "vdab_approved")
    await journey.step(mediator.page, "approved")
    await expect(newest).to_contain_text(COURSE)
    await expect(newest).to_contain_text(nl(STATE_BY_CODE["vdab_approved"].label))
    await mediator.page.locator(f"#f-m{request_id}-scheduled-start_date").fill(start.isoformat())
    await move(mediator.page, request_id, "scheduled")
    await journey.step(mediator.page, "scheduled")
    await expect(newest).to_contain_text(COURSE)
    await expect(newest).to_contain_text(day(start))
    await expect(page.locator("#timeline-list > li", has_text="LIVE-7")).to_have_count(1)
    await journey.step(page, "training appears", show=newest)

    assert await page.evaluate("window.brugNotReloaded === true")
    await expect(search).to_be_focused()
    for tab in (worker, mediator):
        assert_clean_console(tab)
    journey.end()

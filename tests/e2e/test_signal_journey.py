"""DESIGN journey 1 in real browsers: a toeleider on a 360 px phone reports a structural signal,
is warned about the phone number in it (422, what they typed kept), rephrases and sends it; a
social worker of the OCMW, in a second browser context at 1280 px, finds it in the signal list,
assigns it to themselves, takes it up and records the follow-up with an outcome; the toeleider
then reads the new state and the outcome on the signal's page. Every page on the way passes axe
at 1280 and 360 px (``steps.Journey``).

Elements are found by their ids, form actions and values, and the signal in the list by its
link text (the list's layout is not part of this journey). Labels the journey asserts come from
the portal's own Dutch catalog.
"""

from __future__ import annotations

import re

import pytest
from playwright.async_api import Page, expect

from portal.core.i18n import translations
from portal.signals.workflow import STATE_BY_CODE
from tests.e2e.conftest import OpenTab
from tests.e2e.steps import Journey, assert_clean_console, path_of, send

pytestmark = pytest.mark.e2e

TOELEIDER, SOCIAL_WORKER = "toeleider.pin", "sw.zottegem"
PHONE, DESKTOP = 360, 1280
TITLE = "Burgerzaken: afspraak pas over vijf weken (journey)"
DESCRIPTION = "Het loket burgerzaken geeft pas afspraken over vijf weken."
WITH_NUMBER = f"{DESCRIPTION} Wie meer wil weten: bel 0470 12 34 56."
NUMBER = "0470 12 34 56"
OUTCOME = "Burgerzaken houdt voortaan twee afspraken per week vrij voor doorverwezen mensen."
CAPTURE_FORM = 'form[action="/signals"]'


def state_label(code: str) -> str:
    """A state as the page names it in Dutch (translated or not)."""
    return translations("nl").gettext(STATE_BY_CODE[code].label)


async def fill_signal(page: Page, description: str) -> None:
    await page.locator("#f-theme").select_option("civil_affairs")
    await page.locator("#f-title").fill(TITLE)
    await page.locator("#f-description").fill(description)
    await page.locator("#f-municipality").fill("Zottegem")
    await page.locator("#f-client").select_option("")


async def move(page: Page, signal_id: int, code: str) -> None:
    form = f'form[action="/signals/{signal_id}/moves"]:has(input[name="move"][value="{code}"])'
    assert await send(page, form) == 200, code  # after the 303 to the signal's page


async def test_a_structural_signal_is_reported_and_followed_up(open_tab: OpenTab) -> None:
    journey = Journey("signal", open_tab)

    # The toeleider, on a phone: the number in the text is caught before anything is saved.
    toeleider = await journey.open(width=PHONE)
    page = toeleider.page
    await journey.login(toeleider, TOELEIDER)
    await page.locator('nav a[href="/signals"]').click()
    await page.wait_for_url(lambda url: path_of(url) == "/signals")
    await journey.step(page, "signals")
    await page.locator('main a[href="/signals/new"]').click()
    await page.wait_for_url(lambda url: path_of(url) == "/signals/new")
    await journey.step(page, "capture")
    await fill_signal(page, WITH_NUMBER)
    assert await send(page, CAPTURE_FORM) == 422
    await expect(page.locator(".error-summary")).to_be_visible()
    await expect(page.locator("mark", has_text=NUMBER)).to_be_visible()
    await expect(page.locator('input[name="confirm_no_personal_data"]')).not_to_be_checked()
    await expect(page.locator("#f-theme")).to_have_value("civil_affairs")
    await expect(page.locator("#f-title")).to_have_value(TITLE)
    await expect(page.locator("#f-description")).to_have_value(WITH_NUMBER)
    await expect(page.locator("#f-municipality")).to_have_value("Zottegem")
    width = await page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE, f"the capture form scrolls sideways on a phone ({width} px)"
    await journey.step(page, "capture warned")

    # Rephrased without the number, it is sent and the toeleider lands on the signal's page.
    await page.locator("#f-description").fill(DESCRIPTION)
    assert await send(page, CAPTURE_FORM) == 200
    match = re.fullmatch(r"/signals/(\d+)", path_of(page.url))
    assert match, page.url
    signal_id = int(match.group(1))
    await expect(page.locator("main h1")).to_have_text(TITLE)
    await expect(page.locator("main")).to_contain_text(DESCRIPTION)
    assert NUMBER not in await page.content()
    await expect(page.locator(".tag-wait", has_text=state_label("new"))).to_have_count(1)
    await journey.step(page, "sent")
    assert_clean_console(toeleider, allowed=("status of 422",))

    # The social worker of the OCMW finds it in the list and follows it up.
    worker = await journey.open(width=DESKTOP)
    desk = worker.page
    name = await journey.login(worker, SOCIAL_WORKER)
    await desk.locator('nav a[href="/signals"]').click()
    await desk.wait_for_url(lambda url: path_of(url) == "/signals")
    link = desk.get_by_role("link", name=TITLE, exact=True).first
    await journey.step(desk, "queue")
    await link.click()
    await desk.wait_for_url(lambda url: path_of(url) == f"/signals/{signal_id}")
    await journey.step(desk, "new signal")
    await desk.locator("#f-handler").select_option(label=name)
    assert await send(desk, f'form[action="/signals/{signal_id}/assign"]') == 200
    await expect(desk.locator("main .glance")).to_contain_text(name)
    await journey.step(desk, "assigned")
    await move(desk, signal_id, "take_up")
    await expect(desk.locator(".tag-active", has_text=state_label("in_progress"))).to_have_count(1)
    await journey.step(desk, "taken up")
    await desk.locator("#f-outcome").fill(OUTCOME)
    await move(desk, signal_id, "follow_up")
    await expect(desk.locator(".tag-done", has_text=state_label("followed_up"))).to_have_count(1)
    await expect(desk.locator("main")).to_contain_text(OUTCOME)
    await journey.step(desk, "followed up")
    assert_clean_console(worker)

    # The toeleider sees the new state, the handler and the outcome.
    await page.goto(f"/signals/{signal_id}")
    await expect(page.locator(".tag-done", has_text=state_label("followed_up"))).to_have_count(1)
    await expect(page.locator("main")).to_contain_text(OUTCOME)
    await expect(page.locator("main .glance")).to_contain_text(name)
    await journey.step(page, "outcome")
    assert_clean_console(toeleider, allowed=("status of 422",))
    journey.end()

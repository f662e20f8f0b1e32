"""DESIGN journey 3 in real browsers: a social worker asks VDAB a referral question from a
client's file; a mediator of the team, on a 360 px phone, finds it in the queue, claims it and
answers yes with a reason; the social worker reads the answer and closes the question. A mediator
of the other VDAB team gets 404 for it. The ask form, the queue and the question page pass axe at
1280 and 360 px.

Elements are found by their ids, form actions and values; labels the journey asserts come from
the portal's own Dutch catalog (or the message id where the catalog has no translation yet).
"""

from __future__ import annotations

import re

import pytest
from playwright.async_api import Browser, Locator, Page, expect

from portal.core.i18n import translations
from portal.questions.workflow import STATE_BY_CODE
from tests.e2e.conftest import OpenTab, ServedPortal
from tests.e2e.test_accessibility import axe_pages, axe_violations
from tests.e2e.test_journeys import assert_clean_console, dev_login, path_of

pytestmark = pytest.mark.e2e

SOCIAL_WORKER, MEDIATOR, OTHER_TEAM = "sw.zottegem", "mediator.vdab", "mediator.vdab-gent"
PHONE, DESKTOP = 360, 1280
QUESTION = "Is een VDAB-traject naar werk in de logistiek mogelijk? (journey)"
REASON = "Ja, de cliënt past in ons traject logistiek; de jobcoach neemt contact op. (journey)"


def nl(message: str) -> str:
    return translations("nl").gettext(message)


def unasked_client(served_portal: ServedPortal) -> tuple[int, str]:
    """A demo client held by the social worker, who consented to VDAB (the team of the OCMW's
    partnership) and has no referral question yet: (id, full name)."""
    rows = served_portal.query(
        """SELECT c.id, c.first_name || ' ' || c.last_name FROM client c
           JOIN person holder ON holder.id = c.file_holder AND holder.username = ?
           JOIN person v ON v.username = ?
           WHERE EXISTS (SELECT 1 FROM consent k WHERE k.client = c.id
                         AND k.organisation = v.organisation AND k.given)
             AND NOT EXISTS (SELECT 1 FROM question q WHERE q.client = c.id)
             AND c.status != 'closed'
           ORDER BY c.id LIMIT 1""",
        SOCIAL_WORKER,
        MEDIATOR,
    )
    assert rows, "the demo data has no client to ask VDAB about"
    return int(rows[0][0]), str(rows[0][1])


async def send(page: Page, form: str) -> int:
    """Submit ``form`` with its own button; the status of the page it leads to."""
    async with page.expect_navigation() as navigation:
        await page.locator(f'{form} button[type="submit"]').click()
    response = await navigation.value
    assert response is not None
    return response.status


def state_tag(page: Page, code: str) -> Locator:
    state = STATE_BY_CODE[code]
    return page.locator(f"main .tag-{state.tone}", has_text=nl(state.label))


async def test_a_question_is_asked_answered_and_closed(
    open_tab: OpenTab, browser: Browser, served_portal: ServedPortal
) -> None:
    client_id, client_name = unasked_client(served_portal)
    ask_url = f"/clients/{client_id}/questions/new"

    # The social worker asks from the client's file.
    worker = await open_tab(width=DESKTOP)
    desk = worker.page
    await dev_login(desk, SOCIAL_WORKER)
    await desk.goto(f"/clients/{client_id}")
    await desk.get_by_role("link", name=nl("Ask VDAB a question"), exact=True).click()
    await desk.wait_for_url(lambda url: path_of(url) == ask_url)
    await desk.locator('input[name="type"][value="trajectory"]').check()
    await desk.locator("#f-text").fill(QUESTION)
    await desk.locator('input[name="share_field"][value="language"]').check()
    assert await send(desk, f'form[action="/clients/{client_id}/questions"]') == 200
    match = re.fullmatch(r"/questions/(\d+)", path_of(desk.url))
    assert match, desk.url
    question_id = int(match.group(1))
    question_url = f"/questions/{question_id}"
    await expect(desk.locator("main .notice[role=status]")).to_be_visible()
    await expect(desk.locator("main .question-text")).to_have_text(QUESTION)
    await expect(state_tag(desk, "open")).to_have_count(1)

    # A mediator of the team, on a phone, finds it in the queue, claims and answers it.
    mediator = await open_tab(width=PHONE)
    phone = mediator.page
    await dev_login(phone, MEDIATOR)
    await phone.goto("/questions")
    await phone.locator(f'.question-list a[href="{question_url}"]').click()
    await phone.wait_for_url(lambda url: path_of(url) == question_url)
    await expect(phone.locator("main")).to_contain_text(client_name)
    assert await send(phone, f'form[action="{question_url}/claim"]') == 200
    await expect(state_tag(phone, "claimed")).to_have_count(1)
    await phone.locator('input[name="answer"][value="yes"]').check()
    await phone.locator("#f-reason").fill(REASON)
    assert await send(phone, f'form[action="{question_url}/answer"]') == 200
    await expect(state_tag(phone, "answered")).to_have_count(1)
    width = await phone.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE, f"the question page scrolls sideways on a phone ({width} px)"
    assert_clean_console(mediator)

    # The social worker reads the answer and closes the question.
    await desk.goto(question_url)
    await expect(desk.locator("main .question-answer")).to_contain_text(REASON)
    assert await send(desk, f'form[action="{question_url}/close"]') == 200
    await expect(state_tag(desk, "closed")).to_have_count(1)
    assert_clean_console(worker)

    # The other VDAB team does not know the question exists.
    other = await open_tab(width=DESKTOP)
    await dev_login(other.page, OTHER_TEAM)
    response = await other.page.goto(question_url)
    assert response is not None and response.status == 404
    await other.page.goto("/questions")
    await expect(other.page.locator(f'a[href="{question_url}"]')).to_have_count(0)

    problems: list[str] = []
    async with axe_pages(browser, served_portal.url) as open_:
        for width in (DESKTOP, PHONE):
            asker = await open_(width)
            await dev_login(asker, SOCIAL_WORKER)
            await asker.goto(ask_url)
            problems += await axe_violations(asker, f"[{width}px] the ask form")
            await asker.goto(question_url)
            problems += await axe_violations(asker, f"[{width}px, {SOCIAL_WORKER}] the question")
            answerer = await open_(width)
            await dev_login(answerer, MEDIATOR)
            await answerer.goto("/questions")
            problems += await axe_violations(answerer, f"[{width}px] the queue")
            await answerer.goto("/questions?state=all")
            problems += await axe_violations(answerer, f"[{width}px] the queue, all states")
            await answerer.locator(".question-list li.is-overdue a").first.click()
            await answerer.wait_for_url(re.compile(r"/questions/\d+$"))
            problems += await axe_violations(answerer, f"[{width}px, {MEDIATOR}] a question")
    assert not problems, "\n\n".join(problems)

"""DESIGN journey 3 in real browsers: a social worker asks VDAB a referral question from a
client's file; a mediator of the team, on a 360 px phone, finds it in the queue, claims it and
answers yes with a reason; the social worker follows the inbox to the answer, closes the question
and finds the answer on the client's timeline. A mediator of the other VDAB team gets 404 for it.
Every page on the way passes axe at 1280 and 360 px (``steps.Journey``).

Elements are found by their ids, form actions and values; labels the journey asserts come from
the portal's own Dutch catalog (or the message id where the catalog has no translation yet).
"""

from __future__ import annotations

import re

import pytest
from playwright.async_api import Locator, Page, expect

from portal.core.i18n import translations
from portal.questions.workflow import ANSWER_BY_CODE, STATE_BY_CODE, TYPE_BY_CODE
from tests.e2e.conftest import OpenTab, ServedPortal
from tests.e2e.steps import Journey, assert_clean_console, path_of, send

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


def state_tag(page: Page, code: str) -> Locator:
    state = STATE_BY_CODE[code]
    return page.locator(f"main .tag-{state.tone}", has_text=nl(state.label))


async def test_a_question_is_asked_answered_and_closed(
    open_tab: OpenTab, served_portal: ServedPortal
) -> None:
    journey = Journey("question", open_tab)
    client_id, client_name = unasked_client(served_portal)
    ask_url = f"/clients/{client_id}/questions/new"

    # The social worker asks from the client's file.
    worker = await journey.open(width=DESKTOP)
    desk = worker.page
    await journey.login(worker, SOCIAL_WORKER)
    await desk.goto(f"/clients/{client_id}")
    await journey.step(desk, "file")
    await desk.get_by_role("link", name=nl("Ask VDAB a question"), exact=True).click()
    await desk.wait_for_url(lambda url: path_of(url) == ask_url)
    await journey.step(desk, "ask")
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
    await journey.step(desk, "asked")

    # A mediator of the team, on a phone, finds it in the queue, claims and answers it.
    mediator = await journey.open(width=PHONE)
    phone = mediator.page
    await journey.login(mediator, MEDIATOR)
    await phone.locator('nav a[href="/questions"]').click()
    await phone.wait_for_url(lambda url: path_of(url) == "/questions")
    queued = phone.locator(f'.question-list a[href="{question_url}"]')
    await journey.step(phone, "queue", show=queued)
    await queued.click()
    await phone.wait_for_url(lambda url: path_of(url) == question_url)
    await expect(phone.locator("main")).to_contain_text(client_name)
    await journey.step(phone, "question")
    assert await send(phone, f'form[action="{question_url}/claim"]') == 200
    await expect(state_tag(phone, "claimed")).to_have_count(1)
    await journey.step(phone, "claimed")
    await phone.locator('input[name="answer"][value="yes"]').check()
    await phone.locator("#f-reason").fill(REASON)
    assert await send(phone, f'form[action="{question_url}/answer"]') == 200
    await expect(state_tag(phone, "answered")).to_have_count(1)
    width = await phone.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE, f"the question page scrolls sideways on a phone ({width} px)"
    await journey.step(phone, "answered")
    await phone.goto("/questions?state=all")
    await expect(phone.locator(f'.question-list a[href="{question_url}"]')).to_have_count(1)
    await journey.step(phone, "queue all states")
    assert_clean_console(mediator)

    # The social worker reads the answer from the inbox and closes the question.
    await desk.locator("header a[href='/inbox']").click()
    await desk.wait_for_url(lambda url: path_of(url) == "/inbox")
    answered = desk.locator(f'main .inbox a[href="{question_url}"]').first
    await journey.step(desk, "inbox")
    await answered.click()
    await desk.wait_for_url(lambda url: path_of(url) == question_url)
    await expect(desk.locator("main .question-answer")).to_contain_text(REASON)
    await journey.step(desk, "answer", show=desk.locator("main .question-answer"))
    assert await send(desk, f'form[action="{question_url}/close"]') == 200
    await expect(state_tag(desk, "closed")).to_have_count(1)
    await journey.step(desk, "closed")
    await desk.goto(f"/clients/{client_id}")
    answered_line = nl("%(team)s answered the referral question (%(type)s): %(answer)s") % {
        "team": "VDAB Zottegem",
        "type": nl(TYPE_BY_CODE["trajectory"].label),
        "answer": nl(ANSWER_BY_CODE["yes"].label),
    }
    await expect(desk.locator("#timeline-list")).to_contain_text(answered_line)
    await journey.step(desk, "on the timeline", show=desk.locator("#timeline-list"))
    assert_clean_console(worker)

    # The other VDAB team does not know the question exists.
    other = await journey.open(width=DESKTOP)
    await journey.login(other, OTHER_TEAM)
    response = await other.page.goto(question_url)
    assert response is not None and response.status == 404
    await journey.step(other.page, "other team")
    await other.page.goto("/questions")
    await expect(other.page.locator(f'a[href="{question_url}"]')).to_have_count(0)
    await journey.step(other.page, "other team queue")
    assert_clean_console(other, allowed=("status of 404",))
    journey.end()

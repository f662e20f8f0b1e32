"""Issue 10's journey in real browsers: a toeleider asks for a training for a client, the file
holder agrees for the OCMW, a VDAB mediator in a second browser context approves and schedules
it with a start date, and the file holder's header shows that date; the file holder opens the
request. Every page on the way passes axe at 1280 and 360 px (``steps.Journey``).

Elements are found by their ids, form actions and values (the Dutch catalog may not have the
trajectory's messages yet).
"""

from __future__ import annotations

import datetime as dt

import pytest
from playwright.async_api import Locator, Page, expect

from portal.core.periods import today_in_belgium
from tests.e2e.conftest import OpenTab, ServedPortal
from tests.e2e.steps import Journey, assert_clean_console, path_of, submit

pytestmark = pytest.mark.e2e

SOCIAL_WORKER, TOELEIDER, MEDIATOR = "sw.zottegem", "toeleider.pin", "mediator.vdab"
COURSE = "Heftruckchauffeur (journey)"


def shared_client(served_portal: ServedPortal) -> int:
    """A demo client held by the social worker, with the toeleider in the care team and the
    client's consent for both the toeleider's organisation and VDAB."""
    rows = served_portal.query(
        """SELECT c.id FROM client c
           JOIN person holder ON holder.id = c.file_holder AND holder.username = ?
           JOIN person t ON t.username = ?
           JOIN care_team_member m ON m.client = c.id AND m.person = t.id
           JOIN person v ON v.username = ?
           WHERE EXISTS (SELECT 1 FROM consent k WHERE k.client = c.id
                         AND k.organisation = t.organisation AND k.given)
             AND EXISTS (SELECT 1 FROM consent k WHERE k.client = c.id
                         AND k.organisation = v.organisation AND k.given)
             AND NOT EXISTS (SELECT 1 FROM consent k WHERE k.client = c.id AND NOT k.given)
           ORDER BY c.id DESC LIMIT 1""",
        SOCIAL_WORKER,
        TOELEIDER,
        MEDIATOR,
    )
    assert rows, "the demo data has no client the toeleider and VDAB both may see"
    return int(rows[0][0])


async def move(page: Page, request_id: int, target: str) -> None:
    form = page.locator(
        f'form[action="/training-requests/{request_id}/transition"]'
        f':has(input[name="to"][value="{target}"])'
    )
    assert await submit(page, form.locator('button[type="submit"]')) == 200


def request_item(page: Page, request_id: int) -> Locator:
    """The request's line in the file's header."""
    link = page.locator(f'a[href="/training-requests/{request_id}"]')
    return page.locator("#trajectory li", has=link)


async def test_a_training_is_asked_agreed_approved_and_scheduled(
    open_tab: OpenTab, served_portal: ServedPortal
) -> None:
    journey = Journey("trajectory", open_tab)
    client_id = shared_client(served_portal)
    client_url = f"/clients/{client_id}"
    start = today_in_belgium() + dt.timedelta(days=40)
    shown_start = start.strftime("%d-%m-%Y")

    toeleider = await journey.open()
    await journey.login(toeleider, TOELEIDER)
    await toeleider.page.goto(client_url)
    await journey.step(toeleider.page, "file")
    await toeleider.page.locator(
        f'#trajectory a[href="{client_url}/training-requests/new"]'
    ).click()
    await toeleider.page.wait_for_url(
        lambda url: path_of(url) == f"{client_url}/training-requests/new"
    )
    await journey.step(toeleider.page, "ask")
    await toeleider.page.locator("#f-course").fill(COURSE)
    await toeleider.page.locator("#f-provider").fill("VDAB Oudenaarde")
    await toeleider.page.locator("#f-note").fill("Wil graag in de logistiek werken.")
    button = toeleider.page.locator(f'form[action="{client_url}/training-requests"] button')
    assert await submit(toeleider.page, button) == 200
    assert f"{client_url}?done=training" in toeleider.page.url
    link = toeleider.page.locator("#trajectory a[href^='/training-requests/']", has_text=COURSE)
    await expect(link).to_have_count(1)
    href = await link.get_attribute("href")
    assert href
    request_id = int(href.rsplit("/", 1)[1])
    await expect(toeleider.page.locator("#timeline-list")).to_contain_text(COURSE)
    await journey.step(toeleider.page, "asked", show=link)

    holder = await journey.open()
    await journey.login(holder, SOCIAL_WORKER)
    await holder.page.goto(client_url)
    item = request_item(holder.page, request_id)
    await expect(item.locator(".tag-wait")).to_have_count(2)  # its state, and waiting for you
    await journey.step(holder.page, "waits for agreement", show=item)
    await move(holder.page, request_id, "ocmw_agreed")
    await expect(request_item(holder.page, request_id).locator(".tag-wait")).to_have_count(1)
    await journey.step(holder.page, "agreed", show=item)

    mediator = await journey.open()
    await journey.login(mediator, MEDIATOR)
    await mediator.page.goto(client_url)
    await journey.step(
        mediator.page, "waits for approval", show=request_item(mediator.page, request_id)
    )
    await move(mediator.page, request_id, "vdab_approved")
    await journey.step(mediator.page, "approved", show=request_item(mediator.page, request_id))
    await mediator.page.locator(f"#f-m{request_id}-scheduled-start_date").fill(start.isoformat())
    await move(mediator.page, request_id, "scheduled")
    await expect(request_item(mediator.page, request_id)).to_contain_text(shown_start)
    await journey.step(mediator.page, "scheduled", show=request_item(mediator.page, request_id))

    await holder.page.goto(client_url)
    item = request_item(holder.page, request_id)
    await expect(item).to_contain_text(shown_start)
    await expect(item.locator(".tag-active")).to_have_count(1)
    await expect(holder.page.locator("#timeline-list")).to_contain_text(shown_start)
    await journey.step(holder.page, "start date", show=item)
    await item.locator(f'a[href="/training-requests/{request_id}"]').click()
    await holder.page.wait_for_url(lambda url: path_of(url) == f"/training-requests/{request_id}")
    await expect(holder.page.locator("main")).to_contain_text(shown_start)
    await journey.step(holder.page, "request")
    for tab in (toeleider, holder, mediator):
        assert_clean_console(tab)
    journey.end()

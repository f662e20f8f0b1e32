"""Issue 10's journey in real browsers: a toeleider asks for a training for a client, the file
holder agrees for the OCMW, a VDAB mediator in a second browser context approves and schedules
it with a start date, and the file holder's header shows that date. The file page with the
trajectory panel and the request page pass axe at 1280 and 360 px.

Elements are found by their ids, form actions and values (the Dutch catalog may not have the
trajectory's messages yet).
"""

from __future__ import annotations

import pytest
from playwright.async_api import Browser, Locator, Page, expect

from tests.e2e.conftest import OpenTab, ServedPortal
from tests.e2e.test_accessibility import axe_pages, axe_violations
from tests.e2e.test_journeys import assert_clean_console, dev_login

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
    async with page.expect_navigation():
        await form.locator('button[type="submit"]').click()


def request_item(page: Page, request_id: int) -> Locator:
    """The request's line in the file's header."""
    link = page.locator(f'a[href="/training-requests/{request_id}"]')
    return page.locator("#trajectory li", has=link)


async def test_a_training_is_asked_agreed_approved_and_scheduled(
    open_tab: OpenTab, browser: Browser, served_portal: ServedPortal
) -> None:
    client_id = shared_client(served_portal)
    client_url = f"/clients/{client_id}"

    toeleider = await open_tab()
    await dev_login(toeleider.page, TOELEIDER)
    await toeleider.page.goto(client_url)
    await toeleider.page.locator(
        f'#trajectory a[href="{client_url}/training-requests/new"]'
    ).click()
    await toeleider.page.locator("#f-course").fill(COURSE)
    await toeleider.page.locator("#f-provider").fill("VDAB Oudenaarde")
    await toeleider.page.locator("#f-note").fill("Wil graag in de logistiek werken.")
    await toeleider.page.locator(f'form[action="{client_url}/training-requests"] button').click()
    await toeleider.page.wait_for_url(lambda url: f"{client_url}?done=training" in url)
    link = toeleider.page.locator("#trajectory a[href^='/training-requests/']", has_text=COURSE)
    await expect(link).to_have_count(1)
    href = await link.get_attribute("href")
    assert href
    request_id = int(href.rsplit("/", 1)[1])
    await expect(toeleider.page.locator("#timeline-list")).to_contain_text(COURSE)

    holder = await open_tab()
    await dev_login(holder.page, SOCIAL_WORKER)
    await holder.page.goto(client_url)
    item = request_item(holder.page, request_id)
    await expect(item.locator(".tag-wait")).to_have_count(2)  # its state, and waiting for you
    await move(holder.page, request_id, "ocmw_agreed")
    await expect(request_item(holder.page, request_id).locator(".tag-wait")).to_have_count(1)

    mediator = await open_tab()
    await dev_login(mediator.page, MEDIATOR)
    await mediator.page.goto(client_url)
    await move(mediator.page, request_id, "vdab_approved")
    start = mediator.page.locator(f"#f-m{request_id}-scheduled-start_date")
    await start.fill("2027-01-11")
    await move(mediator.page, request_id, "scheduled")
    await expect(request_item(mediator.page, request_id)).to_contain_text("11-01-2027")

    await holder.page.goto(client_url)
    item = request_item(holder.page, request_id)
    await expect(item).to_contain_text("11-01-2027")
    await expect(item.locator(".tag-active")).to_have_count(1)
    await expect(holder.page.locator("#timeline-list")).to_contain_text("11-01-2027")
    for tab in (toeleider, holder, mediator):
        assert_clean_console(tab)

    problems: list[str] = []
    async with axe_pages(browser, served_portal.url) as open_:
        for width in (1280, 360):
            for username, paths in (
                (SOCIAL_WORKER, [client_url, f"/training-requests/{request_id}"]),
                (MEDIATOR, [f"/training-requests/{request_id}"]),
                (TOELEIDER, [f"{client_url}/training-requests/new"]),
            ):
                page = await open_(width)
                await dev_login(page, username)
                for path in paths:
                    await page.goto(path)
                    for summary in await page.locator("details > summary").all():
                        await summary.click()
                    problems += await axe_violations(page, f"[{width}px, {username}] {path}")
    assert not problems, "\n\n".join(problems)

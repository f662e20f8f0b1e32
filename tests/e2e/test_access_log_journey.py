"""DESIGN journey 5 in real browsers: a colleague of the same OCMW covers an absence, opens a file,
states a reason to see the whole of it and reads the social report; the file holder, on a phone,
opens "Wie heeft dit dossier bekeken?" from the client's page and finds the colleague there:
the opening, the section read and the reason in their words; the filter on that person keeps only
theirs. Every page on the way passes axe at 1280 and 360 px (``steps.Journey``)."""

from __future__ import annotations

import pytest
from playwright.async_api import expect

from tests.e2e.conftest import OpenTab, ServedPortal
from tests.e2e.steps import Journey, assert_clean_console, path_of, submit
from tests.e2e.test_question_journey import nl

pytestmark = pytest.mark.e2e

HOLDER, COLLEAGUE = "sw.zottegem", "sw2.zottegem"
PHONE, DESKTOP = 360, 1280
REASON = "Sofie is met verlof; de cliënt belt over de huurwaarborg. (journey)"


def held_file(served_portal: ServedPortal) -> int:
    """An open demo file of the file holder that no journey moves to another OCMW."""
    rows = served_portal.query(
        """SELECT c.id FROM client c
           JOIN person holder ON holder.id = c.file_holder AND holder.username = ?
           WHERE c.closed_at IS NULL
             AND NOT EXISTS (SELECT 1 FROM transfer x WHERE x.client = c.id)
           ORDER BY c.id LIMIT 1""",
        HOLDER,
    )
    assert rows, "the demo data has no open file of the file holder"
    return int(rows[0][0])


async def test_the_file_holder_sees_who_looked_at_the_file(
    open_tab: OpenTab, served_portal: ServedPortal
) -> None:
    journey = Journey("access-log", open_tab)
    client_id = held_file(served_portal)
    file_url, log_url = f"/clients/{client_id}", f"/clients/{client_id}/access-log"

    # The colleague opens the file, states why they need more, and reads the social report.
    colleague = await journey.open(width=DESKTOP)
    desk = colleague.page
    colleague_name = await journey.login(colleague, COLLEAGUE)
    await desk.goto(file_url)
    await journey.step(desk, "colleague opens")
    await desk.locator(
        "summary", has_text=nl("Some parts of this file are withheld from colleagues")
    ).click()
    await desk.locator("#f-reason").fill(REASON)
    assert await submit(desk, desk.locator(f'form[action="{file_url}/reason"] button')) == 200
    await expect(desk.locator("main .notice[role=status]")).to_be_visible()
    await journey.step(desk, "reason stated")
    await desk.locator(f'a[href="{file_url}/sensitive/social"]').click()
    section = desk.locator("#section-social .field").first
    await expect(section).to_be_visible()
    await journey.step(desk, "social report", show=section)
    assert_clean_console(colleague)

    # The file holder, on a phone, asks who looked at the file.
    holder = await journey.open(width=PHONE)
    phone = holder.page
    await journey.login(holder, HOLDER)
    await phone.goto(file_url)
    await journey.step(phone, "file")
    await phone.get_by_role("link", name=nl("Who looked at this file?"), exact=True).click()
    await phone.wait_for_url(lambda url: path_of(url) == log_url)
    entries = phone.locator("ol.access-log > li")
    theirs = entries.filter(has_text=colleague_name)
    await expect(theirs.filter(has_text=nl("opened the file")).first).to_be_visible()
    await expect(theirs.filter(has_text=nl("read a sensitive section"))).not_to_have_count(0)
    reason = theirs.filter(has_text=REASON)
    await expect(reason).to_have_count(1)
    await expect(reason).to_have_class("access access-reason")
    await journey.step(phone, "access log", show=reason)

    # Only the colleague's accesses.
    await phone.locator("#f-person").select_option(label=colleague_name)
    button = phone.locator(f'form[action="{log_url}"] button[type="submit"]')
    assert await submit(phone, button) == 200
    assert "person=" in phone.url
    await expect(entries.filter(has_text=REASON)).to_have_count(1)
    await expect(entries.filter(has_not_text=colleague_name)).to_have_count(0)
    width = await phone.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE, f"the access log scrolls sideways on a phone ({width} px)"
    await journey.step(phone, "one person", show=entries.first)
    assert_clean_console(holder)
    journey.end()

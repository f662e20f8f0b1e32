"""A client moves, in real browsers: Zottegem's file holder proposes to transfer the file to Gent
with a handover note; a social worker of Gent, in a second browser context on a phone, reads the
proposal (the basic fields and the note), accepts, and the file opens in Gent with its
trajectory; Zottegem keeps the closing summary and no longer opens the file. Every page on the way
passes axe at 1280 and 360 px (``steps.Journey``).
"""

from __future__ import annotations

import re

import pytest
from playwright.async_api import expect

from tests.e2e.conftest import OpenTab, ServedPortal
from tests.e2e.steps import Journey, assert_clean_console, path_of, send
from tests.e2e.test_question_journey import nl

pytestmark = pytest.mark.e2e

FORMER, RECEIVING = "sw.zottegem", "sw.gent"
PHONE, DESKTOP = 360, 1280
NOTE = "Verhuist naar Gent; opleiding loopt, graag opvolgen met VDAB Gent. (journey)"


def movable_client(served_portal: ServedPortal) -> tuple[int, str, str]:
    """An open demo file of Zottegem's social worker with a training request and no transfer:
    (id, full name, the course of its training request)."""
    rows = served_portal.query(
        """SELECT c.id, c.first_name || ' ' || c.last_name, t.course FROM client c
           JOIN person holder ON holder.id = c.file_holder AND holder.username = ?
           JOIN training_request t ON t.client = c.id
           WHERE c.closed_at IS NULL
             AND NOT EXISTS (SELECT 1 FROM transfer x WHERE x.client = c.id)
           ORDER BY c.id DESC LIMIT 1""",
        FORMER,
    )
    assert rows, "the demo data has no file with a training request to move"
    return int(rows[0][0]), str(rows[0][1]), str(rows[0][2])


async def test_zottegem_proposes_gent_accepts_and_the_file_opens_in_gent(
    open_tab: OpenTab, served_portal: ServedPortal
) -> None:
    journey = Journey("transfer", open_tab)
    client_id, client_name, course = movable_client(served_portal)
    file_url = f"/clients/{client_id}"

    # Zottegem's file holder proposes the transfer from the file.
    former = await journey.open(width=DESKTOP)
    desk = former.page
    await journey.login(former, FORMER)
    await desk.goto(file_url)
    await journey.step(desk, "file")
    await desk.locator(f'#transfer a[href="/clients/{client_id}/transfer"]').click()
    await desk.wait_for_url(lambda url: path_of(url) == f"/clients/{client_id}/transfer")
    await journey.step(desk, "propose")
    await desk.locator("#f-transfer-to").select_option(label="OCMW Gent")
    await desk.locator("#f-transfer-note").fill(NOTE)
    await desk.locator(f'form[action="/clients/{client_id}/transfer"] button').click()
    await desk.wait_for_url(re.compile(rf"/clients/{client_id}\?done=transfer"))
    await expect(desk.locator("main .notice[role=status]")).to_be_visible()
    pending = desk.locator("#transfer a", has_text=nl("See the transfer"))
    await expect(pending).to_have_count(1)
    transfer_url = await pending.get_attribute("href")
    assert transfer_url and re.fullmatch(r"/transfers/\d+", transfer_url), transfer_url
    await journey.step(desk, "proposed")
    await desk.locator('nav a[href="/transfers"]').click()
    await desk.wait_for_url(lambda url: path_of(url) == "/transfers")
    await expect(desk.locator(f'main a[href="{transfer_url}"]')).not_to_have_count(0)
    await journey.step(desk, "transfers")
    assert_clean_console(former)

    # Gent, in its own browser context on a phone: the proposal, then the file.
    receiving = await journey.open(width=PHONE)
    phone = receiving.page
    await journey.login(receiving, RECEIVING)
    before = await receiving.context.request.get(file_url)
    assert before.status == 404, "not Gent's file before it accepts"
    await phone.locator('nav a[href="/transfers"]').click()
    await phone.wait_for_url(lambda url: path_of(url) == "/transfers")
    await journey.step(phone, "incoming")
    await phone.locator(f'main a[href="{transfer_url}"]').first.click()
    await phone.wait_for_url(lambda url: path_of(url) == transfer_url)
    await expect(phone.locator("main h1")).to_contain_text(client_name)
    await expect(phone.locator("main .prewrap")).to_have_text(NOTE)
    await journey.step(phone, "proposal")
    assert await send(phone, f'form[action="{transfer_url}/accept"]') == 200
    await phone.wait_for_url(lambda url: path_of(url) == file_url)
    await expect(phone.locator("main h1")).to_have_text(client_name)
    await expect(phone.locator("main")).to_contain_text(course)
    moved = nl("The file moved from %(from)s to %(to)s") % {
        "from": "OCMW Zottegem",
        "to": "OCMW Gent",
    }
    await expect(phone.locator("#timeline-list")).to_contain_text(moved)
    width = await phone.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE, f"the file scrolls sideways on a phone ({width} px)"
    await journey.step(phone, "accepted")
    assert_clean_console(receiving)

    # Zottegem keeps the closing summary, and the file is no longer theirs.
    after = await former.context.request.get(file_url)
    assert after.status == 404, "no longer Zottegem's file"
    await desk.goto(transfer_url)
    await expect(desk.locator("#summary-heading")).to_have_text(nl("Closing summary"))
    await journey.step(desk, "closing summary")
    journey.end()

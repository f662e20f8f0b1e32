"""A coordinator runs an evaluation to a finalised PDF, in real browsers: the demo's quarterly
evaluation of OCMW Zottegem × PIN vzw × VDAB Zottegem has its survey open with two answers; a VDAB
mediator answers it on a phone (the third answer); PIN's coordinator closes the survey and now sees
the answers, writes the conclusions and an action point, finalises, and downloads the PDF, which
holds the figures and the conclusions. Every page on the way passes axe at 1280 and 360 px
(``steps.Journey``).
"""

from __future__ import annotations

import io

import pytest
from playwright.async_api import expect
from pypdf import PdfReader

from tests.e2e.conftest import OpenTab, ServedPortal
from tests.e2e.steps import Journey, assert_clean_console, path_of, send
from tests.e2e.test_question_journey import nl

pytestmark = pytest.mark.e2e

COORDINATOR, COLLEAGUE = "coordinator.pin", "mediator.vdab"
PHONE, DESKTOP = 360, 1280
STRENGTH = "Korte lijnen tussen toeleider en maatschappelijk werker. (journey)"
ACTION = "Signalen over burgerzaken maandelijks bundelen (journey)"
OPEN_ANSWER = "Een vaste contactpersoon bij het OCMW helpt. (journey)"


def open_quarterly(served_portal: ServedPortal) -> int:
    rows = served_portal.query(
        "SELECT id FROM evaluation WHERE state = 'survey_open' ORDER BY id LIMIT 1"
    )
    assert rows, "the demo data has no evaluation with an open survey"
    return int(rows[0][0])


async def test_a_coordinator_runs_an_evaluation_to_a_finalised_pdf(
    open_tab: OpenTab, served_portal: ServedPortal
) -> None:
    journey = Journey("evaluation", open_tab)
    evaluation = open_quarterly(served_portal)
    url = f"/evaluations/{evaluation}"

    # A colleague answers the survey from their inbox, on a phone.
    colleague = await journey.open(width=PHONE)
    phone = colleague.page
    await journey.login(colleague, COLLEAGUE)
    await phone.locator("header a[href='/inbox']").click()
    await phone.wait_for_url(lambda u: path_of(u) == "/inbox")
    await journey.step(phone, "inbox")
    await phone.locator(f'main a[href="{url}/survey"]').first.click()
    await phone.wait_for_url(lambda u: path_of(u) == f"{url}/survey")
    await journey.step(phone, "survey")
    await phone.locator("#f-survey input[type=radio][value='4']").first.check()
    await phone.locator("#f-survey textarea").first.fill(OPEN_ANSWER)
    assert await send(phone, "#f-survey") == 200
    await expect(phone.locator("main .notice[role=status]")).to_be_visible()
    width = await phone.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE, f"the survey scrolls sideways on a phone ({width} px)"
    await journey.step(phone, "survey answered")
    assert_clean_console(colleague)

    # The coordinator: figures filled in, the answers hidden until the survey is closed.
    coordinator = await journey.open(width=DESKTOP)
    desk = coordinator.page
    await journey.login(coordinator, COORDINATOR)
    await desk.locator('nav a[href="/evaluations"]').click()
    await desk.wait_for_url(lambda u: path_of(u) == "/evaluations")
    await journey.step(desk, "evaluations")
    await desk.locator(f'main a[href="{url}"]').click()
    await desk.wait_for_url(lambda u: path_of(u) == url)
    await expect(desk.locator("#fig-referred")).to_have_text(nl("Clients referred"))
    await expect(desk.locator("#survey")).not_to_contain_text(OPEN_ANSWER)
    await journey.step(desk, "figures")
    assert await send(desk, f'form[action="{url}/close-survey"]') == 200
    await expect(desk.locator("#survey")).to_contain_text(OPEN_ANSWER)
    await expect(desk.locator("#survey")).not_to_contain_text("Koen Willems")
    await journey.step(desk, "survey closed", show=desk.locator("#survey"))

    # Conclusions, an action point, finalise.
    await desk.locator("#f-strengths").fill(STRENGTH)
    assert await send(desk, f'form[action="{url}/conclusions"]') == 200
    await journey.step(desk, "conclusions", show=desk.locator("#f-strengths"))
    await desk.locator("#actions summary").click()
    await desk.locator("#f-action").fill(ACTION)
    await desk.locator("#f-owner").fill("Jan Vandamme (PIN vzw)")
    await desk.locator("#f-due_on").fill("2027-03-31")
    assert await send(desk, f'form[action="{url}/actions"]') == 200
    await expect(desk.locator("#actions")).to_contain_text(ACTION)
    await journey.step(desk, "action point", show=desk.locator("#actions"))
    assert await send(desk, f'form[action="{url}/finalise"]') == 200
    await expect(desk.locator("main .notice[role=status]")).to_contain_text(
        nl("The evaluation is finalised: its figures are frozen and nothing can change any more.")
    )
    await expect(desk.locator(f'form[action="{url}/conclusions"]')).to_have_count(0)
    await journey.step(desk, "finalised")

    pdf = await coordinator.context.request.get(f"{url}/export.pdf")
    assert pdf.status == 200
    assert pdf.headers["content-type"] == "application/pdf"
    text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(await pdf.body())).pages)
    assert nl("Clients referred") in text
    assert "Korte lijnen" in text
    assert "Koen Willems" not in text
    assert_clean_console(coordinator)
    journey.end()

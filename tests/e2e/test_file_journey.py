"""Issue 9's journey in a real browser: a social worker registers a client, adds the PIN toeleider
to the care team and records the client's consent for PIN; the toeleider writes a note; the file
holder moves the ladder step and sets the status. The pages it passes pass axe at both widths."""

from __future__ import annotations

import pytest
from playwright.async_api import Browser, Page, expect

from tests.e2e.conftest import OpenTab, ServedPortal
from tests.e2e.test_accessibility import axe_pages, axe_violations
from tests.e2e.test_journeys import assert_clean_console, dev_login

pytestmark = pytest.mark.e2e

BORN = "960229"


async def _open_details(page: Page, summary: str) -> None:
    await page.locator("summary", has_text=summary).click()


async def _open_changes(page: Page) -> None:
    """The file holder's change forms load into the page on request (htmx)."""
    await page.get_by_role("link", name="Dossier aanpassen").click()
    await expect(page.locator("#change-file form").first).to_be_visible()


@pytest.mark.parametrize("width", [1280, 360])
async def test_register_team_consent_note_ladder_status(
    open_tab: OpenTab, browser: Browser, served_portal: ServedPortal, width: int
) -> None:
    serial = "345" if width == 1280 else "347"
    number = f"{BORN}{serial}{97 - int(BORN + serial) % 97:02d}"
    last_name = f"Journée-{width}"
    holder = await open_tab(width=width)
    page = holder.page
    await dev_login(page, "sw.zottegem")
    await page.goto("/clients")
    await page.get_by_role("link", name="Cliënt aanmelden").click()
    await page.get_by_label("Voornaam").fill("Zoë")
    await page.get_by_label("Familienaam").fill(last_name)
    await page.get_by_label("Geboortedatum").fill("1996-02-29")
    await page.get_by_label("Rijksregisternummer").fill(
        number[:-1] + str((int(number[-1]) + 1) % 10)
    )
    await page.get_by_role("button", name="Aanmelden").click()
    await expect(page.locator(".error-summary")).to_contain_text("juist controlegetal")
    await expect(page.get_by_label("Familienaam")).to_have_value(last_name)
    await page.get_by_label("Rijksregisternummer").fill(number)
    await page.get_by_role("button", name="Aanmelden").click()
    await expect(page.locator("main h1")).to_have_text(f"Zoë {last_name}")
    await expect(page.locator("p.notice")).to_contain_text("U bent dossierhouder")
    client_url = page.url.split("?")[0]

    await _open_changes(page)
    await page.get_by_label("Toevoegen aan het zorgteam").select_option("toeleider.pin")
    await page.get_by_role("button", name="Toevoegen", exact=True).click()
    await expect(page.locator("ul.team")).to_contain_text("PIN vzw")
    await expect(page.locator("ul.team")).to_contain_text("geen toestemming voor deze organisatie")
    await _open_changes(page)
    await page.get_by_label("Toestemming voor").select_option("pin-vzw")
    await page.get_by_label("geeft toestemming", exact=True).check()
    await page.get_by_role("button", name="Toestemming registreren").click()
    await expect(page.locator("ul.consents")).to_contain_text("PIN vzw")
    await expect(page.locator("ul.team")).not_to_contain_text("geen toestemming")

    toeleider = await open_tab(width=width)
    await dev_login(toeleider.page, "toeleider.pin")
    await toeleider.page.goto(client_url)
    await _open_details(toeleider.page, "Notitie schrijven")
    await toeleider.page.get_by_label("Notitie", exact=True).fill(
        "Zoë kwam naar de eerste afspraak"
    )
    await toeleider.page.get_by_role("button", name="Notitie toevoegen").click()
    await expect(toeleider.page.locator("#timeline-list")).to_contain_text(
        "Zoë kwam naar de eerste afspraak"
    )
    await expect(toeleider.page.get_by_text("Dossier aanpassen")).to_have_count(0)

    await page.goto(client_url)
    await expect(page.locator("#timeline-list")).to_contain_text("Zoë kwam naar de eerste afspraak")
    await _open_changes(page)
    await page.get_by_label("Trede", exact=True).select_option("2")
    await page.locator("#f-ladder-reason").fill("Gaat wekelijks naar de praatgroep")
    await page.get_by_role("button", name="Trede instellen").click()
    await expect(page.locator(".glance")).to_contain_text("Trede 2 – sociale contacten buitenshuis")
    await _open_changes(page)
    await page.locator("#f-status-status").select_option("on_hold")
    await page.get_by_role("button", name="Status instellen").click()
    await expect(page.locator(".error-summary")).to_contain_text("Zeg in een paar woorden waarom")
    await page.locator("#f-status-reason").fill("Eerst Nederlandse les")
    await page.get_by_role("button", name="Status instellen").click()
    await expect(page.locator(".glance")).to_contain_text("On hold")
    await expect(page.locator("#timeline-list")).to_contain_text("Eerst Nederlandse les")
    assert_clean_console(holder, allowed=("status of 422",))  # the two refused forms
    assert_clean_console(toeleider)

    problems: list[str] = []
    async with axe_pages(browser, served_portal.url) as open_:
        for username, paths in (
            (
                "sw.zottegem",
                [
                    "/clients/new",
                    client_url,
                    client_url + "/edit",
                    client_url + "/sensitive/social",
                ],
            ),
            ("toeleider.pin", [client_url]),
        ):
            axe_page = await open_(width)
            await dev_login(axe_page, username)
            for path in paths:
                await axe_page.goto(path)
                for summary in await axe_page.locator("details > summary").all():
                    await summary.click()  # the forms, open
                problems += await axe_violations(axe_page, f"[{width}px, {username}] {path}")
    assert not problems, "\n\n".join(problems)

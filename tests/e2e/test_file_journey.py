"""Issue 9's journey in a real browser: a social worker registers a client, adds the PIN toeleider
to the care team and records the client's consent for PIN; the toeleider writes a note; the file
holder moves the ladder step, sets the status and reads the social section. Every page on the way
passes axe at the journey's width (``steps.Journey``)."""

from __future__ import annotations

import pytest
from playwright.async_api import Page, expect

from tests.e2e.conftest import OpenTab
from tests.e2e.steps import Journey, assert_clean_console, path_of, submit

pytestmark = pytest.mark.e2e

BORN = "960229"


async def _open_details(page: Page, summary: str) -> None:
    await page.locator("summary", has_text=summary).click()


async def _open_changes(page: Page) -> None:
    """The file holder's change forms load into the page on request (htmx)."""
    await page.get_by_role("link", name="Dossier aanpassen").click()
    await expect(page.locator("#change-file form").first).to_be_visible()


@pytest.mark.parametrize("width", [1280, 360])
async def test_register_team_consent_note_ladder_status(open_tab: OpenTab, width: int) -> None:
    journey = Journey("file", open_tab, widths=(width,))
    serial = "345" if width == 1280 else "347"
    number = f"{BORN}{serial}{97 - int(BORN + serial) % 97:02d}"
    last_name = f"Journée-{width}"
    holder = await journey.open(width=width)
    page = holder.page
    await journey.login(holder, "sw.zottegem")
    await page.locator('nav a[href="/clients"]').click()
    await page.wait_for_url(lambda url: path_of(url) == "/clients")
    await journey.step(page, "clients")
    await page.get_by_role("link", name="Cliënt aanmelden").click()
    await page.wait_for_url(lambda url: path_of(url) == "/clients/new")
    await journey.step(page, "register")
    await page.get_by_label("Voornaam").fill("Zoë")
    await page.get_by_label("Familienaam").fill(last_name)
    await page.get_by_label("Geboortedatum").fill("1996-02-29")
    await page.get_by_label("Rijksregisternummer").fill(
        number[:-1] + str((int(number[-1]) + 1) % 10)
    )
    assert await submit(page, page.get_by_role("button", name="Aanmelden")) == 422
    await expect(page.locator(".error-summary")).to_contain_text("juist controlegetal")
    await expect(page.get_by_label("Familienaam")).to_have_value(last_name)
    await journey.step(page, "register refused")
    await page.get_by_label("Rijksregisternummer").fill(number)
    assert await submit(page, page.get_by_role("button", name="Aanmelden")) == 200
    await expect(page.locator("main h1")).to_have_text(f"Zoë {last_name}")
    await expect(page.locator("p.notice")).to_contain_text("U bent dossierhouder")
    client_url = page.url.split("?")[0]
    await journey.step(page, "registered")

    await _open_changes(page)
    await journey.step(page, "change forms", show=page.locator("#change-file"))
    await page.get_by_label("Toevoegen aan het zorgteam").select_option("toeleider.pin")
    await page.get_by_role("button", name="Toevoegen", exact=True).click()
    await expect(page.locator("ul.team")).to_contain_text("PIN vzw")
    await expect(page.locator("ul.team")).to_contain_text("geen toestemming voor deze organisatie")
    await journey.step(page, "team", show=page.locator("ul.team"))
    await _open_changes(page)
    await page.get_by_label("Toestemming voor").select_option("pin-vzw")
    await page.get_by_label("geeft toestemming", exact=True).check()
    await page.get_by_role("button", name="Toestemming registreren").click()
    await expect(page.locator("ul.consents")).to_contain_text("PIN vzw")
    await expect(page.locator("ul.team")).not_to_contain_text("geen toestemming")
    await journey.step(page, "consent", show=page.locator("ul.consents"))

    toeleider = await journey.open(width=width)
    await journey.login(toeleider, "toeleider.pin")
    await toeleider.page.goto(client_url)
    await journey.step(toeleider.page, "toeleider")
    await _open_details(toeleider.page, "Notitie schrijven")
    await toeleider.page.get_by_label("Notitie", exact=True).fill(
        "Zoë kwam naar de eerste afspraak"
    )
    await toeleider.page.get_by_role("button", name="Notitie toevoegen").click()
    await expect(toeleider.page.locator("#timeline-list")).to_contain_text(
        "Zoë kwam naar de eerste afspraak"
    )
    await expect(toeleider.page.get_by_text("Dossier aanpassen")).to_have_count(0)
    await journey.step(toeleider.page, "note", show=toeleider.page.locator("#timeline-list"))

    await page.goto(client_url)
    await expect(page.locator("#timeline-list")).to_contain_text("Zoë kwam naar de eerste afspraak")
    await journey.step(page, "note read", show=page.locator("#timeline-list"))
    await _open_changes(page)
    await page.get_by_label("Trede", exact=True).select_option("2")
    await page.locator("#f-ladder-reason").fill("Gaat wekelijks naar de praatgroep")
    await page.get_by_role("button", name="Trede instellen").click()
    await expect(page.locator(".glance")).to_contain_text("Trede 2 – sociale contacten buitenshuis")
    await journey.step(page, "ladder")
    await _open_changes(page)
    await page.locator("#f-status-status").select_option("on_hold")
    await page.get_by_role("button", name="Status instellen").click()
    await expect(page.locator(".error-summary")).to_contain_text("Zeg in een paar woorden waarom")
    await journey.step(page, "status refused", show=page.locator(".error-summary"))
    await page.locator("#f-status-reason").fill("Eerst Nederlandse les")
    await page.get_by_role("button", name="Status instellen").click()
    await expect(page.locator(".glance")).to_contain_text("In wacht")
    await expect(page.locator("#timeline-list")).to_contain_text("Eerst Nederlandse les")
    await journey.step(page, "status")
    await page.get_by_role("link", name="Toon het sociaal verslag en de financiën").click()
    await expect(page.locator("#section-social .field").first).to_be_visible()
    await journey.step(page, "social report", show=page.locator("#section-social"))
    assert_clean_console(holder, allowed=("status of 422",))  # the two refused forms
    assert_clean_console(toeleider)
    journey.end()

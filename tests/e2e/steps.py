"""The steps of a browser journey: each page a person looks at is checked, and photographed for
``make screenshots``.

``await journey.step(page, "label")`` after every navigation, and after every change in place a
person would look at: axe-core's WCAG 2.1 A and AA rules on the page as it stands, with every
closed disclosure opened for the check and closed again, at the tab's width and, the first time
the tab shows that path, at the journey's other widths too (the viewport resized for the check
and put back); and, when ``BRUG_SCREENSHOTS`` names a folder, a PNG of the viewport as the
person sees it, ``<journey>-<nn>-<label>-<width>.png``. Nothing is written without it.

A journey opens its tabs with ``journey.open`` and logs in with ``journey.login`` (the start page
is its first step); every page that loads in those tabs is noted, and ``journey.end()`` fails on
any violation and on any page that loaded and was left without a step.
"""

from __future__ import annotations

import io
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlparse

from PIL import Image
from playwright.async_api import Locator, Page

from tests.e2e.conftest import OpenTab, Tab
from tests.e2e.test_accessibility import axe_violations

SCREENSHOTS = "BRUG_SCREENSHOTS"
"""The folder ``make screenshots`` saves each step in (relative to the working directory)."""
WIDTHS = (1280, 360)
HEIGHT = 800
NOT_STEPS = ("/auth/dev-login",)
"""Pages a journey passes through that are not part of anyone's day (the development login;
``test_accessibility`` checks it)."""

OPEN_DISCLOSURES = """() => {
    const closed = [...document.querySelectorAll('details:not([open])')];
    closed.forEach(d => { d.open = true; d.setAttribute('data-e2e-opened', ''); });
    return closed.length;
}"""
CLOSE_DISCLOSURES = """() => document.querySelectorAll('details[data-e2e-opened]').forEach(d => {
    d.open = false; d.removeAttribute('data-e2e-opened');
})"""


def path_of(url: str) -> str:
    return urlparse(url).path


async def dev_login(page: Page, username: str) -> str:
    """Log in through the development login; returns the display name shown on its button."""
    await page.goto("/auth/dev-login")
    button = page.locator(f'button[name="username"][value="{username}"]')
    name = ((await button.locator("strong").text_content()) or "").strip()
    assert name
    await button.click()
    await page.wait_for_url(lambda url: path_of(url) == "/")
    return name


def assert_clean_console(tab: Tab, *, allowed: tuple[str, ...] = ()) -> None:
    problems = [p for p in tab.problems if not any(text in p for text in allowed)]
    assert problems == [], "console errors, CSP violations or page errors:\n" + "\n".join(problems)


def screenshot_folder() -> Path | None:
    folder = os.environ.get(SCREENSHOTS)
    if not folder:
        return None
    path = Path(folder)
    path.mkdir(parents=True, exist_ok=True)
    return path


async def screenshot(page: Page, name: str, *, full_page: bool = False) -> None:
    """``<name>.png`` in the ``BRUG_SCREENSHOTS`` folder; nothing without it. In 256 colours
    (without dithering, so text stays crisp): a third of the bytes, for the repository."""
    folder = screenshot_folder()
    if folder is None:
        return
    shot = Image.open(io.BytesIO(await page.screenshot(full_page=full_page))).convert("RGB")
    small = shot.quantize(colors=256, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE)
    small.save(folder / f"{name}.png", optimize=True)


def _slug(label: str) -> str:
    slug = re.sub(r"[^a-z0-9]+", "-", label.lower()).strip("-")
    assert slug, label
    return slug


@dataclass
class _Watched:
    """A tab's page loads: the last one while no step has looked at it yet, and those left
    without a step."""

    unchecked: str | None = None
    skipped: list[str] = field(default_factory=list)

    def loaded(self, url: str) -> None:
        if self.unchecked is not None:
            self.skipped.append(self.unchecked)
        self.unchecked = None if path_of(url) in NOT_STEPS else url


class Journey:
    """One journey's tabs and steps; see the module's docstring."""

    def __init__(self, name: str, open_tab: OpenTab, *, widths: tuple[int, ...] = WIDTHS) -> None:
        self.name = _slug(name)
        self.widths = widths
        self.problems: list[str] = []
        self.steps = 0
        self._open_tab = open_tab
        self._watched: dict[int, _Watched] = {}
        self._seen: set[tuple[int, str, int]] = set()

    async def open(self, width: int = WIDTHS[0], height: int = HEIGHT) -> Tab:
        """A new tab (own cookies) at ``width``, whose page loads are noted."""
        tab = await self._open_tab(width=width, height=height)
        watched = _Watched()
        self._watched[id(tab.page)] = watched
        tab.page.on("load", lambda page: watched.loaded(page.url))
        return tab

    async def login(self, tab: Tab, username: str) -> str:
        """Log in through the development login; the start page is a step. Returns the person's
        display name."""
        name = await dev_login(tab.page, username)
        await self.step(tab.page, f"start {username.split('.')[0]}")
        return name

    async def step(
        self, page: Page, label: str, *, show: Locator | None = None, full_page: bool = False
    ) -> None:
        """Check the page as it stands (see the module's docstring); ``show`` is scrolled into
        view for the screenshot."""
        self.steps += 1
        label = _slug(label)
        viewport = page.viewport_size
        assert viewport is not None
        width = viewport["width"]
        if show is not None:
            await show.evaluate("element => element.scrollIntoView({block: 'center'})")
        await screenshot(page, f"{self.name}-{self.steps:02d}-{label}-{width}", full_page=full_page)
        where = f"{self.name} step {self.steps} ({label}) {page.url}"
        seen = (id(page), path_of(page.url))
        widths = [width, *(w for w in self.widths if w != width and (*seen, w) not in self._seen)]
        self._seen.update((*seen, w) for w in widths)
        opened = await page.evaluate(OPEN_DISCLOSURES)
        try:
            for each in widths:
                if each != width:
                    await page.set_viewport_size({"width": each, "height": viewport["height"]})
                self.problems += await axe_violations(page, f"[{each}px] {where}")
        finally:
            if page.viewport_size != viewport:
                await page.set_viewport_size(viewport)
            if opened:
                await page.evaluate(CLOSE_DISCLOSURES)
        watched = self._watched.get(id(page))
        if watched is not None:
            watched.unchecked = None

    def end(self) -> None:
        """Fail on any axe violation and on any page that loaded without a step."""
        unchecked = [
            url
            for watched in self._watched.values()
            for url in [*watched.skipped, *([watched.unchecked] if watched.unchecked else [])]
        ]
        assert not unchecked, f"{self.name}: pages loaded without a step: {unchecked}"
        assert not self.problems, (
            f"{self.name}: {len(self.problems)} accessibility violation(s):\n\n"
            + "\n\n".join(self.problems)
        )


async def submit(page: Page, button: Locator) -> int:
    """Click ``button`` and wait for the page its form leads to; that page's status.

    A new document's ``load``, not Playwright's navigation: htmx replaces the history entry of
    an open page in place (its live stream does), which a navigation wait takes for the one
    awaited.
    """
    async with (
        page.expect_event("load"),
        page.expect_response(
            lambda response: (
                response.request.is_navigation_request()
                and response.frame == page.main_frame
                and not 300 <= response.status < 400
            )
        ) as answered,
    ):
        await button.click()
    return (await answered.value).status


async def send(page: Page, form: str) -> int:
    """Submit ``form`` (a selector) with its own submit button (the header has a logout button
    too); the status of the page it leads to."""
    return await submit(page, page.locator(f'{form} button[type="submit"]'))

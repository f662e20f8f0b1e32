"""The portal served for real (migrated, demo data loaded) and one headless Chromium for it."""

from __future__ import annotations

import shutil
import sqlite3
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from playwright.async_api import Browser, BrowserContext, ConsoleMessage, Page, async_playwright

from portal.testing.processes import PortalServer, development_env, free_port, run_portal_ok

CHROMIUM = "/usr/bin/chromium"
LOCALE = "nl-BE"  # a Flemish browser; Playwright's default (en-US) would get the English pages
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@dataclass
class ServedPortal:
    server: PortalServer
    database: Path

    @property
    def url(self) -> str:
        return self.server.url

    def query(self, sql: str, *params: object) -> list[tuple]:
        """Read the served database directly (read-only), to pick demo records for a journey."""
        with sqlite3.connect(f"file:{self.database}?mode=ro", uri=True) as connection:
            return connection.execute(sql, params).fetchall()


@pytest.fixture(scope="session")
def demo_world(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder holding a migrated database with the demo world (``portal.sqlite3``) and its
    documents (``var/documents``), made once per worker through ``portal migrate`` and ``portal
    demo``; each served portal starts from a copy (``copy_demo``)."""
    folder = tmp_path_factory.mktemp("demo-world")
    env = development_env(folder)
    run_portal_ok(env, "migrate")
    run_portal_ok(env, "demo")
    return folder


def copy_demo(demo: Path, folder: Path, database: Path) -> None:
    """The demo world into ``folder`` (its ``var/documents``) and ``database``."""
    shutil.copyfile(demo / "portal.sqlite3", database)
    shutil.copytree(demo / "var" / "documents", folder / "var" / "documents", dirs_exist_ok=True)


@pytest.fixture(scope="session")
def served_portal(
    tmp_path_factory: pytest.TempPathFactory, demo_world: Path
) -> Iterator[ServedPortal]:
    folder = tmp_path_factory.mktemp("e2e")
    port = free_port()
    database = folder / "e2e.sqlite3"
    env = development_env(
        folder,
        PORTAL_DATABASE_URL=f"sqlite:///{database}",
        PORTAL_VAR_DIR=str(folder / "var"),
        PORTAL_BASE_URL=f"http://127.0.0.1:{port}",
    )
    copy_demo(demo_world, folder, database)
    with PortalServer(env, port) as server:
        server.wait_until_healthy()
        yield ServedPortal(server, database)


@pytest.fixture(scope="session")
async def browser() -> AsyncIterator[Browser]:
    async with async_playwright() as playwright:
        chromium = await playwright.chromium.launch(
            executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True
        )
        yield chromium
        await chromium.close()


@dataclass
class Tab:
    """A page in a fresh browser context, with every console error and page error it produced."""

    page: Page
    context: BrowserContext
    problems: list[str] = field(default_factory=list)

    def _console(self, message: ConsoleMessage) -> None:
        text = message.text
        url = message.location.get("url") or ""
        if url.endswith("/favicon.ico"):
            return  # Chromium asks every site for one; the portal has none (a 404, not a JS error)
        if message.type == "error" or "Content Security Policy" in text:
            self.problems.append(f"console.{message.type} on {url}: {text}")

    def _page_error(self, error: Exception) -> None:
        self.problems.append(f"page error: {error}")


OpenTab = Callable[..., Awaitable[Tab]]


@pytest.fixture
async def open_tab(browser: Browser, served_portal: ServedPortal) -> AsyncIterator[OpenTab]:
    """``await open_tab(width=...)``: a new context (own cookies) and page on the served portal."""
    contexts: list[BrowserContext] = []

    async def open_(width: int = 1280, height: int = 900) -> Tab:
        context = await browser.new_context(
            base_url=served_portal.url,
            viewport={"width": width, "height": height},
            locale=LOCALE,
        )
        contexts.append(context)
        tab = Tab(await context.new_page(), context)
        tab.page.on("console", tab._console)
        tab.page.on("pageerror", tab._page_error)
        return tab

    yield open_
    for context in contexts:
        await context.close()

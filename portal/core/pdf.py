"""PDFs rendered on the server with WeasyPrint, from HTML and a stylesheet of their own, with
nothing fetched: the URL fetcher refuses every resource. WeasyPrint is imported on first use (it
loads Pango, a second at start-up otherwise); rendering is synchronous and slow, so callers run it
in a worker thread."""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Any

BASE_STYLESHEET = Path(__file__).with_name("pdf.css")


@functools.cache
def _base() -> str:
    return BASE_STYLESHEET.read_text(encoding="utf-8")


class ExternalResource(Exception):
    """The document asked WeasyPrint for a resource; it must hold everything itself."""


@functools.cache
def _refusing_class() -> type:
    from weasyprint.urls import URLFetcher

    class Refusing(URLFetcher):
        def __init__(self) -> None:
            super().__init__(allowed_protocols=(), fail_on_errors=True)

        def fetch(self, url: str, headers: Any = None) -> Any:
            raise ExternalResource(f"the document fetches nothing ({url[:40]})")

    return Refusing


def refusing_fetcher() -> Any:
    """A URL fetcher for WeasyPrint that refuses every resource."""
    return _refusing_class()()


def render_pdf(html: str, stylesheet: str) -> bytes:
    """The PDF of ``html`` with the shared page and type (``pdf.css``), then ``stylesheet``."""
    from weasyprint import CSS, HTML

    fetcher = refusing_fetcher()
    styles = [CSS(string=text, url_fetcher=fetcher) for text in (_base(), stylesheet)]
    pdf = HTML(string=html, url_fetcher=fetcher).write_pdf(stylesheets=styles, pdf_tags=True)
    assert pdf is not None
    return bytes(pdf)

"""Helpers for the admin pages' tests."""

from __future__ import annotations

import re

import httpx
from markupsafe import escape

from portal.core.i18n import DEFAULT_LOCALE, translations


def shown(message: str) -> str:
    """``message`` as a page in the default language shows it (Dutch once the catalog has it)."""
    return str(escape(translations(DEFAULT_LOCALE).gettext(message)))


FILES = "%(num)d file now needs a new file holder."
FILES_PLURAL = "%(num)d files now need a new file holder."


def shown_count(singular: str, plural: str, num: int) -> str:
    """A counted message (``%(num)d``) as a page in the default language shows it."""
    message = translations(DEFAULT_LOCALE).ngettext(singular, plural, num) % {"num": num}
    return str(escape(message))


def main_of(html: str) -> str:
    return html[html.index("<main") : html.index("</main>")]


def field_error_is_tied(html: str, name: str) -> bool:
    """The field's error paragraph exists and the field points at it with aria-describedby."""
    described = re.search(rf'id="f-{name}"[^>]*aria-describedby="([^"]*)"', html) or re.search(
        rf'aria-describedby="([^"]*f-{name}-error[^"]*)"', html
    )
    return f'id="f-{name}-error"' in html and bool(described) and f"f-{name}-error" in described[1]


async def post_form(http: httpx.AsyncClient, url: str, token: str, **fields: str) -> httpx.Response:
    return await http.post(url, data={"csrf_token": token, **fields})

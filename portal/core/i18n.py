"""Gettext catalogs (Dutch by default, English second) and the locale of the current request.

Message ids are English; ``portal/locale/<lang>/LC_MESSAGES/messages.po`` holds the catalogs, read
once at start-up with Babel and compiled in memory.
"""

from __future__ import annotations

import contextvars
import gettext
import io
from collections.abc import Mapping
from functools import cache
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

LOCALES = ("nl", "en")
DEFAULT_LOCALE = "nl"
LOCALE_COOKIE = "brug_lang"
LOCALE_DIR = Path(__file__).resolve().parents[1] / "locale"

_current: contextvars.ContextVar[str] = contextvars.ContextVar(
    "portal_locale", default=DEFAULT_LOCALE
)


@cache
def translations(locale: str) -> gettext.NullTranslations:
    path = LOCALE_DIR / locale / "LC_MESSAGES" / "messages.po"
    if not path.exists():
        return gettext.NullTranslations()
    with path.open("rb") as handle:
        catalog = read_po(handle, locale=locale)
    buffer = io.BytesIO()
    write_mo(buffer, catalog)
    buffer.seek(0)
    return gettext.GNUTranslations(buffer)


def negotiate(cookie: str | None) -> str:
    """Dutch, the language of the Flemish administration, unless the person chose English."""
    return cookie if cookie in LOCALES else DEFAULT_LOCALE


def set_locale(locale: str) -> None:
    _current.set(locale if locale in LOCALES else DEFAULT_LOCALE)


def use_locale_of(cookies: Mapping[str, str]) -> None:
    """Set the current locale from a request's cookies."""
    set_locale(negotiate(cookies.get(LOCALE_COOKIE)))


def current_locale() -> str:
    return _current.get()


def gettext_(message: str) -> str:
    return translations(_current.get()).gettext(message)


def ngettext_(singular: str, plural: str, n: int) -> str:
    return translations(_current.get()).ngettext(singular, plural, n)


_ = gettext_


def N_(message: str) -> str:
    """Mark a message for extraction; it is translated where it is shown."""
    return message

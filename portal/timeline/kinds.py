"""Event codes and the readable line each one makes, in the reader's language.

Domains declare their kinds (``EventKind``) in their ``events.py``; the domain registry installs
them here. An event stores only its code and structured payload; ``describe`` turns them into a line
when the event is shown (as pretix's log display does), so the English interface translates it too.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from portal.core.i18n import N_, current_locale, translations
from portal.visibility.policy import Sensitivity


@dataclass(frozen=True)
class EventKind:
    code: str
    label: str
    """Message id: the kind's name ("Note")."""
    sensitivity: Sensitivity
    """The class of events of this kind, unless their author chose one (``free_text``)."""
    headline: str = ""
    """Message id with ``%(key)s`` placeholders filled from the payload."""
    free_text: bool = False
    """Its author writes the text and chooses its class within what their role allows."""
    on_closed_file: bool = False
    """Written on a closed file too (closing and reopening it, a transfer's outcome)."""
    terms: Mapping[str, Mapping[str, str]] = field(default_factory=dict)
    """Payload keys whose values are codes, with each code's message id (a status code becomes
    its name in the reader's language)."""


_KINDS: dict[str, EventKind] = {}
UNKNOWN_LABEL = N_("Entry")


class UnknownEventKind(KeyError):
    pass


def install(kinds: Iterable[EventKind]) -> None:
    """Called by the domain registry; a code belongs to exactly one kind."""
    for kind in kinds:
        if kind.code in _KINDS and _KINDS[kind.code] != kind:
            raise ValueError(f"event code {kind.code!r} is declared twice")
        _KINDS[kind.code] = kind
    _labels.cache_clear()
    alike.cache_clear()


def kind(code: str) -> EventKind:
    try:
        return _KINDS[code]
    except KeyError:
        raise UnknownEventKind(f"no event kind {code!r} is registered") from None


def installed() -> dict[str, EventKind]:
    return dict(_KINDS)


@cache
def _labels(locale: str) -> dict[str, str]:
    catalog = translations(locale)
    return {code: catalog.gettext(item.label) for code, item in _KINDS.items()}


@cache
def alike(code: str) -> tuple[str, ...]:
    """The installed kinds that bear ``code``'s name ("Referral question" for asked, claimed,
    answered...): the timeline filter offers a name once and shows all of them."""
    named = _KINDS[code].label
    return tuple(other for other, item in _KINDS.items() if item.label == named)


def kind_labels() -> dict[str, str]:
    """Readable kind names in the current language, translated once per language."""
    return _labels(current_locale())


def kind_label(code: str) -> str:
    return kind_labels().get(code) or translations(current_locale()).gettext(UNKNOWN_LABEL)


def describe(code: str, payload: Mapping[str, Any]) -> str:
    """The event's readable line in the current language.

    Stored events of codes no domain declares any more (or payloads missing a key the line needs)
    fall back to their stored ``subject`` or the kind's name, never to an error.
    """
    item = _KINDS.get(code)
    if item is not None and item.headline:
        catalog = translations(current_locale())
        values = dict(payload)
        for key, names in item.terms.items():
            if str(values.get(key)) in names:
                values[key] = catalog.gettext(names[str(values[key])])
        try:
            return catalog.gettext(item.headline) % values
        except (KeyError, TypeError, ValueError):
            pass
    subject = payload.get("subject")
    return str(subject) if subject else kind_label(code)

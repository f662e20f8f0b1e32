"""What attendance can be, as data: the codes, their names and their tone on a page."""

from __future__ import annotations

from dataclasses import dataclass

from portal.core.i18n import N_


@dataclass(frozen=True)
class Presence:
    code: str
    label: str
    short: str
    """The attendance grid's mark, the same in every language (the legend and the hidden text
    beside it give the name)."""
    tone: str


PRESENCES = (
    Presence("present", N_("present"), "✓", "active"),
    Presence("absent", N_("absent"), "✗", "wait"),
    Presence("excused", N_("excused"), "○", "done"),
)
PRESENCE_BY_CODE = {presence.code: presence for presence in PRESENCES}
PRESENCE_NAMES = {presence.code: presence.label for presence in PRESENCES}

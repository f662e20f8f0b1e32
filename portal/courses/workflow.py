"""What attendance can be, as data: the codes, their names and their tone on a page."""

from __future__ import annotations

from dataclasses import dataclass

from portal.core.i18n import N_


@dataclass(frozen=True)
class Presence:
    code: str
    label: str
    short: str
    """A one-letter mark for the attendance grid (its full name is read out beside it)."""
    tone: str


PRESENCES = (
    Presence("present", N_("present"), N_("P"), "active"),
    Presence("absent", N_("absent"), N_("A"), "wait"),
    Presence("excused", N_("excused"), N_("E"), "done"),
)
PRESENCE_BY_CODE = {presence.code: presence for presence in PRESENCES}
PRESENCE_NAMES = {presence.code: presence.label for presence in PRESENCES}

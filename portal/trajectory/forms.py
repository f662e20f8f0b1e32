"""Reading the trajectory's forms: typed text in, checked values out, a Dutch message per field."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

from portal.clients.changes import Invalid
from portal.core.i18n import gettext_ as _
from portal.core.templating import LOCAL_TIME

REFUSED = "form"
"""The key of a message about the whole form (who may do this), not one field."""


def text(fields: Mapping[str, str], name: str) -> str:
    return " ".join(fields.get(name, "").split())


def long_text(fields: Mapping[str, str], name: str) -> str:
    return fields.get(name, "").strip()


def day(fields: Mapping[str, str], name: str) -> dt.date | None:
    """An ISO date (``YYYY-MM-DD``); ``None`` when empty; ``ValueError`` when not a date."""
    raw = fields.get(name, "").strip()
    return dt.date.fromisoformat(raw) if raw else None


def moment(fields: Mapping[str, str], name: str) -> dt.datetime | None:
    """A date and time in Belgian time (``YYYY-MM-DDTHH:MM``, what a datetime-local field sends),
    as UTC; ``None`` when empty; ``ValueError`` when not one."""
    raw = fields.get(name, "").strip()
    if not raw:
        return None
    local = dt.datetime.strptime(raw[:16], "%Y-%m-%dT%H:%M")
    return local.replace(tzinfo=LOCAL_TIME).astimezone(dt.UTC)


def whole_number(fields: Mapping[str, str], name: str) -> int | None:
    raw = fields.get(name, "").strip()
    return int(raw) if raw else None


def refused(message: str) -> Invalid:
    """Not this person's to do: a message for the whole form (422)."""
    return Invalid({REFUSED: message})


def too_long(limit: int) -> str:
    return _("This can be at most %(limit)s characters long.") % {"limit": limit}

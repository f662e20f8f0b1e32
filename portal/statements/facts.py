"""What the statements say that comes from the settings, formatted for the reader's language.

The figures are the ones the portal applies: the retention of closed files
(``PORTAL_RETENTION_CLOSED_YEARS``, ``portal retention run``), of the access log
(``PORTAL_AUDIT_RETENTION_DAYS``, ``portal audit prune``) and the session timeouts.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from portal.core.i18n import ngettext_
from portal.settings import Settings, StatementSettings

ASSESSED_ON = dt.date(2026, 12, 5)
"""When the accessibility statement's findings (conformance, known gaps) were last established
against the portal; change it with them."""

DAYS_PER_YEAR = 365.25


@dataclass(frozen=True)
class Contact:
    """The organisation's details; an empty value is one that is not configured (development)."""

    controller_name: str
    controller_address: str
    dpo_name: str
    dpo_email: str
    dpo_phone: str
    dpo_phone_href: str
    accessibility_email: str


@dataclass(frozen=True)
class PrivacyFacts:
    contact: Contact
    closed_years: str
    audit_days: str
    audit_about: str
    """``about N years`` when the access log keeps entries a year or longer, else empty."""
    idle_timeout: str
    absolute_timeout: str


@dataclass(frozen=True)
class AccessibilityFacts:
    contact: Contact
    base_url: str
    assessed_on: str
    reviewed_on: str
    idle_timeout: str


def _day(day: dt.date) -> str:
    return day.strftime("%d-%m-%Y")


def duration(seconds: int) -> str:
    """In the largest whole unit: 28800 is 8 hours, 1800 is 30 minutes."""
    if seconds % 3600 == 0:
        return ngettext_("%(num)d hour", "%(num)d hours", seconds // 3600) % {
            "num": seconds // 3600
        }
    if seconds % 60 == 0:
        return ngettext_("%(num)d minute", "%(num)d minutes", seconds // 60) % {
            "num": seconds // 60
        }
    return ngettext_("%(num)d second", "%(num)d seconds", seconds) % {"num": seconds}


def _contact(statements: StatementSettings) -> Contact:
    return Contact(
        controller_name=statements.controller_name,
        controller_address=statements.controller_address,
        dpo_name=statements.dpo_name,
        dpo_email=statements.dpo_email,
        dpo_phone=statements.dpo_phone,
        dpo_phone_href=re.sub(r"[^0-9+]", "", statements.dpo_phone),
        accessibility_email=statements.accessibility_email,
    )


def privacy(settings: Settings) -> PrivacyFacts:
    years = settings.retention.closed_years
    days = settings.audit_retention_days
    about = round(days / DAYS_PER_YEAR)
    return PrivacyFacts(
        contact=_contact(settings.statements),
        closed_years=ngettext_("%(num)d year", "%(num)d years", years) % {"num": years},
        audit_days=ngettext_("%(num)d day", "%(num)d days", days) % {"num": days},
        audit_about=(
            ngettext_("about %(num)d year", "about %(num)d years", about) % {"num": about}
            if days >= 365
            else ""
        ),
        idle_timeout=duration(settings.session.idle_timeout),
        absolute_timeout=duration(settings.session.absolute_timeout),
    )


def accessibility(settings: Settings) -> AccessibilityFacts:
    reviewed = settings.statements.accessibility_reviewed
    return AccessibilityFacts(
        contact=_contact(settings.statements),
        base_url=settings.base_url,
        assessed_on=_day(ASSESSED_ON),
        reviewed_on=_day(reviewed) if reviewed else "",
        idle_timeout=duration(settings.session.idle_timeout),
    )

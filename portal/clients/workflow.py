"""Where a client stands: the steps of the participation ladder and the statuses of a file, as data.

The ladder is the Flemish participatieladder (1 isolated … 6 paid work). A status says what the
activation team is doing with the file; some need a reason (why it is on hold, why it closed).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from portal.core.i18n import N_

LADDER: dict[int, str] = {
    1: N_("isolated"),
    2: N_("social contacts outside the home"),
    3: N_("organised activities under guidance"),
    4: N_("unpaid work"),
    5: N_("paid work with support"),
    6: N_("paid work"),
}
"""Message ids of the ladder steps' names."""


@dataclass(frozen=True)
class Status:
    code: str
    label: str
    """Message id."""
    tone: str
    """How the tag looks: ``start``, ``wait``, ``active``, ``done``."""
    needs_reason: bool = False


STATUSES: tuple[Status, ...] = (
    Status("intake", N_("Intake"), "start"),
    Status("on_hold", N_("On hold"), "wait", needs_reason=True),
    Status("activation", N_("Activation"), "active"),
    Status("art60", N_("Art. 60 placement"), "active"),
    Status("in_training", N_("In training"), "active"),
    Status("follow_up", N_("Follow-up"), "active"),
    Status("outflow_work", N_("Outflow to work"), "done"),
    Status("outflow_training", N_("Outflow to training"), "done"),
    Status("closed", N_("Closed"), "done", needs_reason=True),
)
STATUS_BY_CODE = {status.code: status for status in STATUSES}
FIRST_STATUS = "intake"

AGREEMENT_NOTE_DUE_MONTHS = 3
"""The agreement note (afsprakennota) is due three months after the living wage started."""


def status_of(code: str | None) -> Status | None:
    return STATUS_BY_CODE.get(code or "")


def add_months(day: dt.date, months: int) -> dt.date:
    """The same day ``months`` later, or the month's last day when it has fewer days."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    for candidate in (day.day, 30, 29, 28):
        try:
            return dt.date(year, month, min(day.day, candidate))
        except ValueError:
            continue
    raise AssertionError("unreachable")


def agreement_note_due(living_wage_start: dt.date | None) -> dt.date | None:
    if living_wage_start is None:
        return None
    return add_months(living_wage_start, AGREEMENT_NOTE_DUE_MONTHS)


@dataclass(frozen=True)
class CloseReason:
    code: str
    label: str
    """Message id."""
    needs_note: bool = False


CLOSE_REASONS: tuple[CloseReason, ...] = (
    CloseReason("outflow_work", N_("Outflow to work")),
    CloseReason("outflow_training", N_("Outflow to training")),
    CloseReason("moved", N_("Moved without a transfer")),
    CloseReason("deceased", N_("Deceased")),
    CloseReason("other", N_("Other reason"), needs_note=True),
)
"""Why a file closes. A closed file is read-only until the file holder reopens it, with a reason;
"other" needs a few words."""
CLOSE_REASON_BY_CODE = {reason.code: reason for reason in CLOSE_REASONS}

"""The review's rules as data: quarters, the decisions, the kinds of reason and their classes, who
is on the list, and when a reminder shows.

A health or addiction reason is classed ``health``: only who is shown that class for the client
reads it; everyone else of the team reads "not yet" with the reason withheld.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from portal.core.i18n import N_
from portal.visibility.policy import Sensitivity

READY, NOT_YET = "ready", "not_yet"


@dataclass(frozen=True)
class Decision:
    code: str
    label: str
    """Message id."""
    tone: str
    """How its tag looks (the client statuses' tones)."""
    needs_reason: bool = False


DECISIONS: tuple[Decision, ...] = (
    Decision(READY, N_("Ready for activation"), "active"),
    Decision(NOT_YET, N_("Not yet"), "wait", needs_reason=True),
)
DECISION_BY_CODE = {decision.code: decision for decision in DECISIONS}
UNMARKED_LABEL = N_("Not marked yet")
DECISION_LABELS = {"": UNMARKED_LABEL, **{d.code: d.label for d in DECISIONS}}
DECISION_TONES = {"": "start", **{d.code: d.tone for d in DECISIONS}}


@dataclass(frozen=True)
class ReasonKind:
    code: str
    label: str
    """Message id."""
    sensitivity: Sensitivity


REASON_KINDS: tuple[ReasonKind, ...] = (
    ReasonKind("dutch", N_("Dutch classes"), Sensitivity.trajectory),
    ReasonKind(
        "preconditions",
        N_("Preconditions (childcare, housing, mobility …)"),
        Sensitivity.trajectory,
    ),
    ReasonKind("health", N_("Health or addiction"), Sensitivity.health),
    ReasonKind("other", N_("Other"), Sensitivity.trajectory),
)
REASON_BY_CODE = {kind.code: kind for kind in REASON_KINDS}
REASON_LABELS = {kind.code: kind.label for kind in REASON_KINDS}
HEALTH_KIND = "health"

CLOSED_STATUSES = frozenset({"closed", "outflow_work", "outflow_training"})
"""A file in one of these statuses is no longer on the living-wage review list."""

REMINDER_DAYS = 21
"""An open round with clients not marked reminds the team this many days before the quarter ends."""


@dataclass(frozen=True, order=True)
class Quarter:
    year: int
    number: int

    @classmethod
    def of(cls, day: dt.date) -> Quarter:
        return cls(day.year, (day.month - 1) // 3 + 1)

    @classmethod
    def parse(cls, code: str) -> Quarter | None:
        match = re.fullmatch(r"(\d{4})-Q([1-4])", code)
        return cls(int(match[1]), int(match[2])) if match else None

    @property
    def code(self) -> str:
        return f"{self.year}-Q{self.number}"

    @property
    def first_day(self) -> dt.date:
        return dt.date(self.year, 3 * self.number - 2, 1)

    @property
    def last_day(self) -> dt.date:
        if self.number == 4:
            return dt.date(self.year, 12, 31)
        return dt.date(self.year, 3 * self.number + 1, 1) - dt.timedelta(days=1)


def is_on_list(living_wage_start: dt.date | None, status: str | None) -> bool:
    """A living-wage client whose file is not closed nor flowed out."""
    return living_wage_start is not None and (status or "") not in CLOSED_STATUSES


def reminds(quarter: Quarter, today: dt.date, *, has_round: bool, unmarked: int) -> bool:
    """A review is due: the quarter has no round yet, or its round still has clients not marked
    and the quarter ends within ``REMINDER_DAYS``."""
    if not has_round:
        return True
    return unmarked > 0 and (quarter.last_day - today).days < REMINDER_DAYS

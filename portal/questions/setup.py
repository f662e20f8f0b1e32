"""What a platform administrator keeps for referral questions: the working days to an answer for
each type of question. A change is one unit of work with its line in the admin log; a new question
is asked with the deadline of its type, and one already asked keeps its own."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from portal.admin import actions
from portal.clients.changes import Invalid
from portal.core.db import unit_of_work
from portal.core.i18n import gettext_ as _
from portal.questions import services
from portal.questions.workflow import TYPES
from portal.visibility.viewer import Viewer

DEADLINE_MIN, DEADLINE_MAX = 1, 60
NO_TARGET = 0
"""The admin log's target id: the deadlines are one setting, not a row."""


@dataclass(frozen=True)
class DeadlineRow:
    code: str
    label: str
    """Message id."""
    question: str
    """Message id: the type as the question it asks."""
    working_days: int

    @property
    def field(self) -> str:
        return field_name(self.code)


def field_name(code: str) -> str:
    """The form field of a type's deadline: ``deadline_<type>``."""
    return f"deadline_{code}"


async def deadline_rows() -> list[DeadlineRow]:
    chosen = await services.deadlines()
    return [DeadlineRow(kind.code, kind.label, kind.question, chosen[kind.code]) for kind in TYPES]


def _number(text: str) -> int | None:
    try:
        value = int(text.strip())
    except ValueError:
        return None
    return value if DEADLINE_MIN <= value <= DEADLINE_MAX else None


async def save_deadlines(actor: Viewer, fields: Mapping[str, str]) -> bool:
    """Every type's ``deadline_<type>`` (working days, 1 to 60); all or nothing. Whether anything
    changed (nothing changed: nothing is written, no line in the log)."""
    chosen: dict[str, int] = {}
    errors: dict[str, str] = {}
    for kind in TYPES:
        name = field_name(kind.code)
        value = _number(fields.get(name) or "")
        if value is None:
            # Named by its type: the error summary lists them one under the other.
            errors[name] = f"{_(kind.label)}: {_('Give a number of working days from 1 to 60.')}"
        else:
            chosen[kind.code] = value
    if errors:
        raise Invalid(errors)
    before = await services.deadlines()
    changed = {code: days for code, days in chosen.items() if before[code] != days}
    if not changed:
        return False
    async with unit_of_work():
        await services.set_deadlines(changed)
        await actions.record(
            actor,
            actions.QUESTION_DEADLINE_CHANGED,
            actions.Target("question_deadline", NO_TARGET, ", ".join(changed), ()),
            {field_name(code): [before[code], days] for code, days in changed.items()},
        )
    return True

"""What a column of a classified table is: a sensitivity class, or a structural part of the record.

Every column of every classified table is declared (a contract test fails on an undeclared one), so
a new column cannot slip onto a page without a decision about who may see it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from portal.visibility.policy import Sensitivity

BULLETS = "••••••"


class Structural(StrEnum):
    """Columns that are not content of their own."""

    key = "key"
    """Ids and foreign keys that tie records together; never shown as content."""
    policy = "policy"
    """Read by the policy itself: audience, class, author organisation, a placeholder's date."""
    row = "row"
    """Content whose class is the one the row's own ``sensitivity`` column names."""


FieldClass = Sensitivity | Structural


def mask_any(_value: Any) -> str:
    return BULLETS


def mask_birth_date(value: Any) -> str:
    """A masked birth date shows at most the year."""
    return f"••-••-{value.year}" if isinstance(value, dt.date) else BULLETS


@dataclass(frozen=True)
class FieldSpec:
    name: str
    cls: FieldClass
    mask: Callable[[Any], str] = mask_any

    @property
    def sensitivity(self) -> Sensitivity | None:
        return self.cls if isinstance(self.cls, Sensitivity) else None


def field_groups(fields: tuple[FieldSpec, ...]) -> list[tuple[Sensitivity, tuple[str, ...]]]:
    """Content fields by sensitivity class, in the order the classes are declared."""
    return [
        (cls, tuple(spec.name for spec in fields if spec.cls is cls))
        for cls in Sensitivity
        if any(spec.cls is cls for spec in fields)
    ]

"""The sensitivity class of every client field, and how a masked value is written."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from portal.visibility.policy import Sensitivity

BULLETS = "••••••"


def _mask_national_number(value: Any) -> str:
    digits = "".join(ch for ch in str(value) if ch.isdigit())
    return f"••••••-•••.{digits[-2:]}" if len(digits) >= 2 else BULLETS


def _mask_birth_date(value: Any) -> str:
    return f"••-••-{value.year}" if isinstance(value, dt.date) else BULLETS


def _mask_any(_value: Any) -> str:
    return BULLETS


@dataclass(frozen=True)
class FieldSpec:
    name: str
    sensitivity: Sensitivity
    mask: Callable[[Any], str] = _mask_any


CLIENT_FIELDS: tuple[FieldSpec, ...] = (
    FieldSpec("first_name", Sensitivity.basic),
    FieldSpec("last_name", Sensitivity.basic),
    FieldSpec("language", Sensitivity.basic),
    FieldSpec("municipality", Sensitivity.basic),
    FieldSpec("phone", Sensitivity.basic),
    FieldSpec("national_number", Sensitivity.identity, _mask_national_number),
    FieldSpec("birth_date", Sensitivity.identity, _mask_birth_date),
    FieldSpec("address", Sensitivity.identity),
    FieldSpec("ladder_step", Sensitivity.trajectory),
    FieldSpec("status", Sensitivity.trajectory),
    FieldSpec("social_report", Sensitivity.social),
    FieldSpec("finances", Sensitivity.social),
    FieldSpec("health_notes", Sensitivity.health),
)

CLIENT_FIELD_NAMES = tuple(spec.name for spec in CLIENT_FIELDS)


def field_groups() -> list[tuple[Sensitivity, tuple[str, ...]]]:
    """Client fields by sensitivity class, in the order the class is declared."""
    return [
        (cls, tuple(spec.name for spec in CLIENT_FIELDS if spec.sensitivity is cls))
        for cls in Sensitivity
    ]

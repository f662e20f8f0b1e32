"""The theme catalogue as it stands in the database: what the capture form offers, each theme's
deadline, and the names of themes a platform administrator added (the standard ten are
translated, ``workflow.THEMES``)."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence

from portal.signals.tables import SignalTheme
from portal.signals.visibility import SignalView
from portal.signals.workflow import THEME_BY_CODE, Theme


def _theme(row: dict) -> Theme:
    standard = THEME_BY_CODE.get(row["code"])
    label = row["name"] or (standard.label if standard else row["code"])
    return Theme(
        row["code"],
        label,
        deadline=row["deadline"],
        active=row["active"],
        standard=standard is not None,
    )


async def catalog(*, active_only: bool = False) -> list[Theme]:
    query = SignalTheme.select(
        SignalTheme.code, SignalTheme.name, SignalTheme.deadline, SignalTheme.active
    ).order_by(SignalTheme.position, SignalTheme.id)
    if active_only:
        query = query.where(SignalTheme.active == True)  # noqa: E712
    return [_theme(row) for row in await query]


async def find(code: str) -> Theme | None:
    row = await (
        SignalTheme.select(
            SignalTheme.code, SignalTheme.name, SignalTheme.deadline, SignalTheme.active
        )
        .where(SignalTheme.code == code)
        .first()
    )
    return _theme(row) if row is not None else None


async def named(views: Sequence[SignalView]) -> list[SignalView]:
    """The views with the names of added themes filled in; no query when every theme is
    standard and unrenamed (the usual page)."""
    added = {view.theme.code for view in views if not view.theme.standard}
    if not added:
        return list(views)
    rows = await SignalTheme.select(
        SignalTheme.code, SignalTheme.name, SignalTheme.deadline, SignalTheme.active
    ).where(SignalTheme.code.is_in(list(added)))
    found = {row["code"]: _theme(row) for row in rows}
    return [
        dataclasses.replace(view, theme=found.get(view.theme.code, view.theme)) for view in views
    ]

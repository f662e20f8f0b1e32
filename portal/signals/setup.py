"""What a platform administrator keeps for signals: the themes with their deadlines, and where
the signals of each municipality go (the routes). Every change is one unit of work with its line
in the admin log."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from portal.accounts.tables import Organisation, OrgKind
from portal.admin import actions
from portal.clients.changes import Invalid
from portal.core.db import unit_of_work
from portal.core.i18n import gettext_ as _
from portal.core.params import record_id
from portal.core.text import fold
from portal.signals.tables import SignalRoute, SignalTheme
from portal.signals.workflow import THEME_BY_CODE
from portal.visibility.viewer import Viewer

DEADLINE_MAX = 60
CODE = re.compile(r"[a-z][a-z0-9_]{1,31}")


@dataclass(frozen=True)
class ThemeRow:
    id: int
    code: str
    label: str
    """A message id for a standard theme, the name as written otherwise."""
    standard: bool
    deadline: int
    position: int
    active: bool


@dataclass(frozen=True)
class RouteRow:
    id: int
    name: str
    ocmw: int
    ocmw_name: str


async def theme_rows() -> list[ThemeRow]:
    rows = await SignalTheme.select().order_by(SignalTheme.position, SignalTheme.id)
    return [_theme_row(row) for row in rows]


def _theme_row(row: Mapping) -> ThemeRow:
    standard = THEME_BY_CODE.get(row["code"])
    return ThemeRow(
        id=row["id"],
        code=row["code"],
        label=row["name"] or (standard.label if standard else row["code"]),
        standard=standard is not None,
        deadline=row["deadline"],
        position=row["position"],
        active=row["active"],
    )


async def theme_row(theme_id: int) -> ThemeRow | None:
    row = await SignalTheme.select().where(SignalTheme.id == theme_id).first()
    return _theme_row(row) if row is not None else None


def _number(fields: Mapping[str, str], name: str, low: int, high: int) -> int | None:
    try:
        value = int((fields.get(name) or "").strip())
    except ValueError:
        return None
    return value if low <= value <= high else None


async def save_theme(actor: Viewer, theme_id: int | None, fields: Mapping[str, str]) -> int:
    """Add a theme (``code``, ``name``) or change one; ``deadline`` (working days), ``position``
    and ``active`` for both. A standard theme keeps its code and its translated name."""
    errors: dict[str, str] = {}
    before = await theme_row(theme_id) if theme_id is not None else None
    deadline = _number(fields, "deadline", 1, DEADLINE_MAX)
    if deadline is None:
        errors["deadline"] = _("Give a number of working days from 1 to 60.")
    position = _number(fields, "position", 0, 999)
    if position is None:
        errors["position"] = _("Give a number from 0 to 999.")
    active = fields.get("active") == "1"
    name = " ".join((fields.get("name") or "").split())
    code = (fields.get("code") or "").strip()
    named = before is None or not before.standard
    if named and (not name or len(name) > 100):
        errors["name"] = _("Give the theme a name of at most 100 characters.")
    if before is None:
        if not CODE.fullmatch(code):
            errors["code"] = _(
                "A code has 2 to 32 lower-case letters, digits or underscores and starts with a"
                " letter."
            )
        elif await SignalTheme.exists().where(SignalTheme.code == code):
            errors["code"] = _("Another theme already has this code.")
    if errors:
        raise Invalid(errors)
    assert deadline is not None and position is not None
    values: dict[str, Any] = {"deadline": deadline, "position": position, "active": active}
    async with unit_of_work():
        if before is None:
            row = SignalTheme(
                code=code, name=name, deadline=deadline, position=position, active=active
            )
            await row.save()
            theme_id = int(row.id)
            changes = actions.changed({}, {"code": code, "name": name, **values})
            action = actions.SIGNAL_THEME_CREATED
        else:
            assert theme_id is not None
            if not before.standard:
                values["name"] = name
            await SignalTheme.update({**values}).where(SignalTheme.id == theme_id)  # type: ignore[dict-item]
            old: dict[str, Any] = {
                "deadline": before.deadline,
                "position": before.position,
                "active": before.active,
            }
            if not before.standard:
                old["name"] = before.label
            changes = actions.changed(old, values)
            action = actions.SIGNAL_THEME_UPDATED
        await actions.record(
            actor,
            action,
            actions.Target("signal_theme", theme_id, code or (before.code if before else ""), ()),
            changes,
        )
    return theme_id


def _routes() -> Any:
    return SignalRoute.select(
        SignalRoute.id, SignalRoute.name, SignalRoute.ocmw, SignalRoute.ocmw.name
    )


def _route_row(row: Mapping) -> RouteRow:
    return RouteRow(row["id"], row["name"], row["ocmw"], row["ocmw.name"] or "")


async def route_rows() -> list[RouteRow]:
    return [_route_row(row) for row in await _routes().order_by(SignalRoute.municipality)]


async def route_row(route_id: int) -> RouteRow | None:
    row = await _routes().where(SignalRoute.id == route_id).first()
    return _route_row(row) if row is not None else None


async def ocmws() -> list[dict]:
    return await (
        Organisation.select(Organisation.id, Organisation.name)
        .where(Organisation.kind == OrgKind.ocmw.value)
        .order_by(Organisation.name)
    )


async def save_route(actor: Viewer, route_id: int | None, fields: Mapping[str, str]) -> int:
    """Send the signals about ``municipality`` (a name) to the OCMW ``ocmw`` (an id)."""
    errors: dict[str, str] = {}
    before = await route_row(route_id) if route_id is not None else None
    name = " ".join((fields.get("municipality") or "").split())
    if not name or len(name) > 100:
        errors["municipality"] = _("Name the municipality.")
    else:
        taken = SignalRoute.exists().where(SignalRoute.municipality == fold(name))
        if route_id is not None:
            taken = taken.where(SignalRoute.id != route_id)
        if await taken:
            errors["municipality"] = _("This municipality already has a route.")
    choices = {row["id"]: row["name"] for row in await ocmws()}
    try:
        ocmw = record_id(fields.get("ocmw") or "")
    except ValueError:
        ocmw = 0
    if ocmw not in choices:
        errors["ocmw"] = _("Choose the OCMW that follows up these signals.")
    if errors:
        raise Invalid(errors)
    async with unit_of_work():
        if before is None:
            row = SignalRoute(municipality=fold(name), name=name, ocmw=ocmw)
            await row.save()
            route_id = int(row.id)
            action = actions.SIGNAL_ROUTE_CREATED
            old: dict = {}
        else:
            assert route_id is not None
            await SignalRoute.update(
                {
                    SignalRoute.municipality: fold(name),
                    SignalRoute.name: name,
                    SignalRoute.ocmw: ocmw,
                }
            ).where(SignalRoute.id == route_id)
            action = actions.SIGNAL_ROUTE_UPDATED
            old = {"municipality": before.name, "ocmw": before.ocmw_name}
        await actions.record(
            actor,
            action,
            actions.Target("signal_route", route_id, name, (ocmw,)),
            actions.changed(old, {"municipality": name, "ocmw": choices[ocmw]}),
        )
    return route_id


async def delete_route(actor: Viewer, route_id: int) -> bool:
    """Signals already routed keep their OCMW; new ones about the place fall back to the
    reporter's OCMW or partnership."""
    before = await route_row(route_id)
    if before is None:
        return False
    async with unit_of_work():
        await SignalRoute.delete().where(SignalRoute.id == route_id)
        await actions.record(
            actor,
            actions.SIGNAL_ROUTE_DELETED,
            actions.Target("signal_route", route_id, before.name, (before.ocmw,)),
            {"municipality": [before.name, None], "ocmw": [before.ocmw_name, None]},
        )
    return True

"""Reading and writing organisations, partnerships and people, for administrators.

Every write records itself in the admin log (``actions.record``) in its own unit of work. No client
content is read here: the only client facts used are whether any client file, consent or timeline
entry refers to an organisation at all (which freezes its code, and its kind), and how many files a
deactivated person holds (a count).
"""

from __future__ import annotations

import datetime as dt
import logging
import re
import sqlite3
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import asyncpg
from litestar.exceptions import NotFoundException
from piccolo.columns.combination import WhereRaw
from piccolo.query.functions.aggregate import Count

from portal.accounts.auth import forget_all_viewers, forget_viewer
from portal.accounts.tables import Organisation, OrgKind, Partnership, Person
from portal.admin import actions
from portal.admin.actions import Target
from portal.admin.forms import KIND_LABELS, Errors, OrganisationForm, PartnershipForm
from portal.admin.permissions import administers_all_people, manages_organisations
from portal.admin.tables import AdminAction
from portal.clients.tables import Client, Consent
from portal.core.db import is_sqlite, unit_of_work
from portal.core.i18n import gettext_ as _
from portal.evaluations.tables import Evaluation
from portal.timeline.tables import TimelineEvent
from portal.visibility.policy import Role
from portal.visibility.scoping import unscoped
from portal.visibility.viewer import Viewer

log = logging.getLogger("portal.admin")

NAME_MAX = 200
CODE_RE = re.compile(r"[a-z0-9-]{2,64}")
"""The organisation code, matched against the identity provider's organisation claim."""
_ID_RE = re.compile(r"[0-9]{1,9}")
_UNIQUE_VIOLATION = (sqlite3.IntegrityError, asyncpg.exceptions.UniqueViolationError)


# Organisations -----------------------------------------------------------------------------


@dataclass(frozen=True)
class OrganisationRow:
    id: int
    name: str
    code: str
    kind: str
    people: int


async def list_organisations() -> list[OrganisationRow]:
    """Every organisation with its number of people, in two queries whatever their number."""
    orgs = await Organisation.select(
        Organisation.id, Organisation.name, Organisation.code, Organisation.kind
    ).order_by(Organisation.name)
    counts = {
        row["organisation"]: row["people"]
        for row in await Person.select(Person.organisation, Count(alias="people")).group_by(
            Person.organisation
        )
    }
    return [OrganisationRow(**org, people=counts.get(org["id"], 0)) for org in orgs]


async def organisation_form(org_id: int) -> tuple[OrganisationForm, bool]:
    """The organisation as its form shows it, and whether its code is fixed."""
    row = (
        await Organisation.select(Organisation.name, Organisation.code, Organisation.kind)
        .where(Organisation.id == org_id)
        .first()
    )
    if row is None:
        raise NotFoundException()
    return OrganisationForm(**row), await code_is_fixed(org_id)


def _check_organisation(form: OrganisationForm) -> Errors:
    errors: Errors = {}
    if not form.name:
        errors["name"] = _("Enter the name of the organisation.")
    elif len(form.name) > NAME_MAX:
        errors["name"] = _("The name can be at most 200 characters long.")
    if not CODE_RE.fullmatch(form.code):
        errors["code"] = _("Enter a code of 2 to 64 lowercase letters, digits and hyphens.")
    if form.kind not in OrgKind.__members__:
        errors["kind"] = _("Choose the kind of organisation.")
    return errors


async def _code_taken(code: str, org_id: int | None) -> bool:
    query = Organisation.exists().where(Organisation.code == code)
    if org_id is not None:
        query = query.where(Organisation.id != org_id)
    return bool(await query)


async def _has_client_files(org_id: int) -> bool:
    """Whether a client file is held by the organisation or shared with it (consent)."""
    with unscoped("admin: whether any client file refers to the organisation, not which"):
        return bool(
            await Client.exists().where(Client.ocmw == org_id)
            or await Consent.exists().where(Consent.organisation == org_id)
        )


async def _wrote_timeline_entries(org_id: int) -> bool:
    with unscoped("admin: whether any timeline entry was written in the organisation's name"):
        return bool(await TimelineEvent.exists().where(TimelineEvent.author_org == org_id))


async def _in_partnership(org_id: int) -> bool:
    return bool(
        await Partnership.exists().where(
            (Partnership.ocmw == org_id)
            | (Partnership.partner == org_id)
            | (Partnership.vdab == org_id)
        )
    )


async def code_is_fixed(org_id: int) -> bool:
    """Whether people, client files, timeline entries or partnerships refer to the organisation:
    then its code is its identity (logins are matched to it by the code) and may no longer
    change. (Its own lines in the admin log do not count: a code mistyped at creation may be
    corrected until someone uses the organisation.)"""
    return bool(
        await Person.exists().where(Person.organisation == org_id)
        or await _has_client_files(org_id)
        or await _wrote_timeline_entries(org_id)
        or await _in_partnership(org_id)
    )


async def _why_kind_is_frozen(org_id: int) -> str | None:
    """Visibility depends on the kind: it may not change once clients or partnerships use it."""
    if await _has_client_files(org_id):
        return _("The kind cannot be changed: client files are linked to this organisation.")
    if await _in_partnership(org_id):
        return _(
            "The kind cannot be changed: this organisation takes part in a partnership."
            " Remove it from the partnership first."
        )
    return None


def code_is_fixed_message() -> str:
    return _(
        "The code cannot be changed: people, client files or partnerships already belong to"
        " this organisation, and logins are matched to it by this code."
    )


async def _current_organisation(org_id: int) -> dict[str, Any]:
    """The organisation's row, locked until the unit of work ends (PostgreSQL), so that no login
    adds a person to it between the checks below and the write."""
    query = Organisation.select(Organisation.name, Organisation.code, Organisation.kind).where(
        Organisation.id == org_id
    )
    if not is_sqlite():  # SQLite's write transaction already excludes every other writer
        query = query.lock_rows("UPDATE")
    current = await query.first()
    if current is None:
        raise NotFoundException()
    return current


def _organisation_target(org_id: int, name: str, code: str) -> Target:
    return Target("organisation", org_id, f"{name} ({code})", (org_id,))


async def save_organisation(
    form: OrganisationForm, org_id: int | None = None, *, actor: Viewer | None = None
) -> Errors:
    """Create (no ``org_id``) or update an organisation; on errors nothing is written.

    Once people, client files, timeline entries or partnerships refer to an organisation its code
    is fixed (the login's organisation claim is matched against it: changing it would move people)
    and, once client files or partnerships do, its kind too (as before). ``actor`` is who does it,
    for the admin log (``None``: the command line).
    """
    errors = _check_organisation(form)
    wanted = {"name": form.name, "code": form.code, "kind": form.kind}
    try:
        async with unit_of_work() as unit:
            current: dict[str, Any] = {}
            if org_id is not None:
                current = await _current_organisation(org_id)
                changes_kind = "kind" not in errors and form.kind != current["kind"]
                if changes_kind and (why := await _why_kind_is_frozen(org_id)):
                    errors["kind"] = why
                changes_code = "code" not in errors and form.code != current["code"]
                if changes_code and await code_is_fixed(org_id):
                    errors["code"] = code_is_fixed_message()
            if "code" not in errors and await _code_taken(form.code, org_id):
                errors["code"] = _("Another organisation already uses this code.")
            if errors:
                return errors
            changes = actions.changed(current, wanted)
            if org_id is None:
                row = Organisation(name=form.name, code=form.code, kind=form.kind)
                await row.save()
                target = _organisation_target(int(row.id), form.name, form.code)
                await actions.record(actor, actions.ORGANISATION_CREATED, target, changes)
            elif changes:
                await Organisation.update(
                    {
                        Organisation.name: form.name,
                        Organisation.code: form.code,
                        Organisation.kind: form.kind,
                    }
                ).where(Organisation.id == org_id)
                target = _organisation_target(org_id, form.name, form.code)
                await actions.record(actor, actions.ORGANISATION_UPDATED, target, changes)
                # logged-in people carry their organisation's name and kind
                unit.after_commit(forget_all_viewers)
    except _UNIQUE_VIOLATION:  # the same code saved at the same moment by someone else
        return {"code": _("Another organisation already uses this code.")}
    log.info("organisation %s saved (code %r, kind %s)", org_id or "new", form.code, form.kind)
    return {}


# Partnerships ------------------------------------------------------------------------------


@dataclass(frozen=True)
class PartnershipRow:
    id: int
    name: str
    ocmw: str
    partner: str | None
    vdab: str | None


async def list_partnerships(partnership_id: int | None = None) -> list[PartnershipRow]:
    """Partnerships with their organisations' names, in one query."""
    query = Partnership.select(
        Partnership.id,
        Partnership.name,
        Partnership.ocmw.name.as_alias("ocmw_name"),
        Partnership.partner.name.as_alias("partner_name"),
        Partnership.vdab.name.as_alias("vdab_name"),
    ).order_by(Partnership.name)
    if partnership_id is not None:
        query = query.where(Partnership.id == partnership_id)
    return [
        PartnershipRow(
            row["id"], row["name"], row["ocmw_name"], row["partner_name"], row["vdab_name"]
        )
        for row in await query
    ]


async def partnership(partnership_id: int) -> PartnershipRow:
    found = await list_partnerships(partnership_id)
    if not found:
        raise NotFoundException()
    return found[0]


async def partnership_form(partnership_id: int) -> PartnershipForm:
    row = (
        await Partnership.select(
            Partnership.name, Partnership.ocmw, Partnership.partner, Partnership.vdab
        )
        .where(Partnership.id == partnership_id)
        .first()
    )
    if row is None:
        raise NotFoundException()
    return PartnershipForm(
        name=row["name"],
        **{
            side: "" if row[side] is None else str(row[side])
            for side in ("ocmw", "partner", "vdab")
        },
    )


async def organisation_choices() -> dict[str, list[dict[str, object]]]:
    """The organisations a partnership may name, per kind, for the form's menus."""
    choices: dict[str, list[dict[str, object]]] = {kind.value: [] for kind in OrgKind}
    for row in await Organisation.select(
        Organisation.id, Organisation.name, Organisation.kind
    ).order_by(Organisation.name):
        choices.setdefault(row["kind"], []).append(row)
    return choices


def _side_errors() -> dict[OrgKind, str]:
    return {
        OrgKind.ocmw: _("Choose the OCMW of this partnership from the list."),
        OrgKind.partner: _("Choose a partner organisation from the list, or none."),
        OrgKind.vdab: _("Choose a VDAB team from the list, or none."),
    }


_SIDES = ("ocmw", "partner", "vdab")


async def _partnership_as_logged(partnership_id: int) -> tuple[dict[str, Any], list[int]] | None:
    """The partnership's name and organisations' names (as the log shows them), and their ids."""
    row = (
        await Partnership.select(
            Partnership.name,
            *(getattr(Partnership, side) for side in _SIDES),
            *(getattr(Partnership, side).name.as_alias(f"{side}_name") for side in _SIDES),
        )
        .where(Partnership.id == partnership_id)
        .first()
    )
    if row is None:
        return None
    named = {"name": row["name"], **{side: row[f"{side}_name"] for side in _SIDES}}
    return named, [row[side] for side in _SIDES if row[side] is not None]


async def save_partnership(
    form: PartnershipForm, partnership_id: int | None = None, *, actor: Viewer | None = None
) -> Errors:
    """Create or update a partnership: one OCMW, and a partner organisation and/or a VDAB team,
    each of the right kind. On errors nothing is written."""
    errors: Errors = {}
    if not form.name:
        errors["name"] = _("Enter the name of the partnership.")
    elif len(form.name) > NAME_MAX:
        errors["name"] = _("The name can be at most 200 characters long.")
    typed = {kind: getattr(form, kind.value) for kind in OrgKind}
    ids = {kind: int(raw) if _ID_RE.fullmatch(raw) else None for kind, raw in typed.items()}
    async with unit_of_work():
        before: dict[str, Any] = {}
        before_orgs: list[int] = []
        if partnership_id is not None:
            found = await _partnership_as_logged(partnership_id)
            if found is None:
                raise NotFoundException()
            before, before_orgs = found
        wanted = [org_id for org_id in ids.values() if org_id is not None]
        orgs = (
            {
                row["id"]: row
                for row in await Organisation.select(
                    Organisation.id, Organisation.kind, Organisation.name
                ).where(Organisation.id.is_in(wanted))
            }
            if wanted
            else {}
        )
        for kind, message in _side_errors().items():
            required = kind is OrgKind.ocmw
            chosen = orgs.get(ids[kind]) if ids[kind] is not None else None
            if (required or typed[kind]) and (chosen is None or chosen["kind"] != kind):
                errors[kind.value] = message
        if not typed[OrgKind.partner] and not typed[OrgKind.vdab]:
            errors["partner"] = _("Choose a partner organisation, a VDAB team or both.")
        if errors:
            return errors
        row = Partnership(
            name=form.name,
            ocmw=ids[OrgKind.ocmw],
            partner=ids[OrgKind.partner],
            vdab=ids[OrgKind.vdab],
        )
        after = {
            "name": form.name,
            **{
                kind.value: orgs[ids[kind]]["name"] if ids[kind] is not None else None
                for kind in OrgKind
            },
        }
        concerned = (*before_orgs, *wanted)
        if partnership_id is None:
            await row.save()
            target = Target("partnership", int(row.id), form.name, concerned)
            await actions.record(
                actor, actions.PARTNERSHIP_CREATED, target, actions.changed({}, after)
            )
        elif changes := actions.changed(before, after):
            await Partnership.update(
                {
                    Partnership.name: row.name,
                    Partnership.ocmw: row.ocmw,
                    Partnership.partner: row.partner,
                    Partnership.vdab: row.vdab,
                }
            ).where(Partnership.id == partnership_id)
            target = Target("partnership", partnership_id, form.name, concerned)
            await actions.record(actor, actions.PARTNERSHIP_UPDATED, target, changes)
    log.info("partnership %s saved", partnership_id or "new")
    return {}


class PartnershipInUse(Exception):
    """The partnership has evaluations: they are the record of its work, so it stays."""


async def delete_partnership(partnership_id: int, *, actor: Viewer | None = None) -> None:
    async with unit_of_work():
        found = await _partnership_as_logged(partnership_id)
        if found is None:
            raise NotFoundException()
        before, orgs = found
        with unscoped("deleting a partnership: whether it has evaluations (a count)"):
            evaluations = await Evaluation.count().where(Evaluation.partnership == partnership_id)
        if evaluations:
            raise PartnershipInUse()
        await Partnership.delete().where(Partnership.id == partnership_id)
        target = Target("partnership", partnership_id, before["name"], tuple(orgs))
        await actions.record(actor, actions.PARTNERSHIP_DELETED, target)
    log.info("partnership %s deleted", partnership_id)


# People ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PersonRow:
    id: int
    username: str
    display_name: str
    organisation: str
    roles: list[str]
    last_login: dt.datetime | None
    active: bool
    may_change: bool
    """Whether this administrator may deactivate or reactivate them."""


def _changes_allowed(viewer: Viewer, roles: list[str], person_id: int) -> bool:
    """Nobody changes themselves; only a platform administrator changes a platform
    administrator (an organisation's administrator cannot lock the platform out)."""
    if person_id == viewer.person_id:
        return False
    return manages_organisations(viewer) or Role.platform_admin.value not in roles


def _people_scope(viewer: Viewer, organisation: int | None) -> int | None:
    """The organisation whose people the list shows (``None``: everyone's).

    A platform administrator sees everyone, or one organisation; an administrator only their own
    organisation's people, and asking for another one's is 404.
    """
    if administers_all_people(viewer):
        return organisation
    if organisation is not None and organisation != viewer.org_id:
        raise NotFoundException()
    return viewer.org_id


async def list_people(viewer: Viewer, organisation: int | None = None) -> list[PersonRow]:
    """The people this administrator administers, with their organisation's name, in one query
    whatever their number."""
    query = (
        Person.select(
            Person.id,
            Person.username,
            Person.display_name,
            Person.organisation.name.as_alias("organisation_name"),
            Person.roles,
            Person.last_login,
            Person.active,
        )
        .order_by(Person.organisation.name)
        .order_by(Person.display_name)
    )
    scope = _people_scope(viewer, organisation)
    if scope is not None:
        query = query.where(Person.organisation == scope)
    return [
        PersonRow(
            id=row["id"],
            username=row["username"],
            display_name=row["display_name"],
            organisation=row["organisation_name"],
            roles=list(row["roles"] or []),
            last_login=row["last_login"],
            active=row["active"],
            may_change=_changes_allowed(viewer, list(row["roles"] or []), row["id"]),
        )
        for row in await query
    ]


async def people_filter(viewer: Viewer) -> list[OrganisationRow]:
    """The organisations the people list can be filtered by: all of them for a platform
    administrator, none (there is one) for an administrator."""
    return await list_organisations() if administers_all_people(viewer) else []


async def _person_in_scope(viewer: Viewer, person_id: int) -> dict[str, Any]:
    query = Person.select(
        Person.id,
        Person.username,
        Person.display_name,
        Person.organisation,
        Person.roles,
        Person.active,
    ).where(Person.id == person_id)
    if not administers_all_people(viewer):
        query = query.where(Person.organisation == viewer.org_id)
    found = await query.first()
    if found is None:
        raise NotFoundException()
    return found


async def _files_held_by(person_id: int) -> int:
    with unscoped("admin: how many client files a person holds, a count without any client field"):
        return int(await Client.count().where(Client.file_holder == person_id))


EndSessions = Callable[[int], Awaitable[int]]
"""``SessionStore.end_sessions_of``: ends every session of a person, in every process."""


async def set_active(
    viewer: Viewer, person_id: int, *, active: bool, end_sessions: EndSessions
) -> str | None:
    """Deactivate or reactivate a person; returns why it was refused, if it was.

    An administrator cannot deactivate themselves (so there is always one left), and only a
    platform administrator changes a platform administrator. Once committed, every session of the
    person ends (``end_sessions``): a deactivated person is logged out everywhere at their next
    request, and a reactivated one must log in again (no old session comes back).
    """
    if not active and person_id == viewer.person_id:
        return _("You cannot deactivate your own account.")
    async with unit_of_work() as unit:
        person = await _person_in_scope(viewer, person_id)
        if not _changes_allowed(viewer, list(person["roles"] or []), person_id):
            return _(
                "Only a platform administrator can deactivate or reactivate a platform"
                " administrator."
            )
        if person["active"] == active:
            return None  # already so: nothing to write or log
        await Person.update({Person.active: active}).where(Person.id == person_id)
        changes: dict[str, Any] = {}
        if not active and (held := await _files_held_by(person_id)):
            changes["files_to_reassign"] = held
        target = Target(
            "person",
            person_id,
            f"{person['display_name']} ({person['username']})",
            (person["organisation"],),
        )
        action = actions.PERSON_REACTIVATED if active else actions.PERSON_DEACTIVATED
        await actions.record(viewer, action, target, changes)

        async def end_all() -> None:
            ended = await end_sessions(person_id)
            log.info("person %s: %d session(s) ended", person_id, ended)

        unit.after_commit(lambda: forget_viewer(person_id))
        unit.after_commit(end_all)
    log.info(
        "person %s %s by person %s",
        person_id,
        "reactivated" if active else "deactivated",
        viewer.person_id,
    )
    return None


@dataclass(frozen=True)
class FilesToReassign:
    """After a deactivation: how many files the person held (now to reassign), and who does it."""

    count: int
    organisation: str
    coordinators: list[str]
    """The names of the OCMW's active coordinators, who reassign file holders."""


async def files_to_reassign(viewer: Viewer, person_id: int) -> FilesToReassign | None:
    """For the deactivation's confirmation: the files a deactivated person still holds (a count;
    the administrator sees no client), or ``None`` when there are none or the person is not one
    this administrator administers."""
    try:
        person = await _person_in_scope(viewer, person_id)
    except NotFoundException:
        return None
    if person["active"] or not (count := await _files_held_by(person_id)):
        return None
    org = (
        await Organisation.select(Organisation.name)
        .where(Organisation.id == person["organisation"])
        .first()
    )
    colleagues = await Person.select(Person.display_name, Person.roles).where(
        (Person.organisation == person["organisation"]) & (Person.active == True)  # noqa: E712
    )
    coordinators = [
        row["display_name"] for row in colleagues if Role.coordinator.value in (row["roles"] or [])
    ]
    return FilesToReassign(count, org["name"] if org else "", sorted(coordinators))


# The admin log -----------------------------------------------------------------------------

LOG_PAGE = 50


@dataclass(frozen=True)
class LogChange:
    field: str
    before: str | None
    after: str | None


@dataclass(frozen=True)
class LogLine:
    id: int
    at: dt.datetime
    actor: str | None
    """The actor's name and username; ``None`` for the command line."""
    actor_org: str | None
    action: str
    target: str
    changes: list[LogChange]


def _concerns(org_id: int) -> WhereRaw:
    """The action concerns this organisation (``AdminAction.organisations`` holds it)."""
    if is_sqlite():  # Piccolo keeps an array as JSON text on SQLite
        return WhereRaw(
            'EXISTS (SELECT 1 FROM json_each("admin_action"."organisations") WHERE value = {})',
            org_id,
        )
    return WhereRaw('{} = ANY("admin_action"."organisations")', org_id)


def _value(field: str, value: Any) -> str | None:
    if value is None or value == "":
        return None
    if field == "kind" and value in KIND_LABELS:
        return _(KIND_LABELS[OrgKind(value)])
    return str(value)


def _changes(raw: Any) -> list[LogChange]:
    lines = []
    for field, value in (raw or {}).items():
        label = _(actions.FIELD_LABELS.get(field, field))
        if isinstance(value, list) and len(value) == 2:
            lines.append(LogChange(label, _value(field, value[0]), _value(field, value[1])))
        else:
            lines.append(LogChange(label, None, _value(field, value)))
    return lines


async def admin_log(viewer: Viewer, before: int | None = None) -> tuple[list[LogLine], int | None]:
    """The admin log, newest first, a page at a time (``before``: the last id of the page
    before); and the cursor of the next page, if there is one.

    A platform administrator reads every action; an administrator those concerning their own
    organisation (its people, itself, its partnerships).
    """
    query = (
        AdminAction.select(
            AdminAction.id,
            AdminAction.at,
            AdminAction.actor.display_name.as_alias("actor_name"),
            AdminAction.actor.username.as_alias("actor_username"),
            AdminAction.actor_org.name.as_alias("actor_org_name"),
            AdminAction.action,
            AdminAction.summary,
            AdminAction.changes,
        )
        .order_by(AdminAction.id, ascending=False)
        .limit(LOG_PAGE + 1)
        .output(load_json=True)
    )
    if before is not None:
        query = query.where(AdminAction.id < before)
    if not manages_organisations(viewer):
        query = query.where(_concerns(viewer.org_id))
    rows = await query
    lines = [
        LogLine(
            id=row["id"],
            at=row["at"],
            actor=(
                f"{row['actor_name']} ({row['actor_username']})"
                if row["actor_username"] is not None
                else None
            ),
            actor_org=row["actor_org_name"],
            action=_(actions.LABELS.get(row["action"], row["action"])),
            target=row["summary"],
            changes=_changes(row["changes"]),
        )
        for row in rows[:LOG_PAGE]
    ]
    more = len(rows) > LOG_PAGE
    return lines, lines[-1].id if more and lines else None

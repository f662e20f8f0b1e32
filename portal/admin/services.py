"""Reading and writing organisations, partnerships and people, for administrators.

No client content is read here: the only client fact used is whether any client file is linked to
an organisation at all, which freezes that organisation's kind.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
import sqlite3
from dataclasses import dataclass

import asyncpg
from litestar.exceptions import NotFoundException
from piccolo.query.functions.aggregate import Count

from portal.accounts.auth import forget_all_viewers, forget_viewer
from portal.accounts.tables import Organisation, OrgKind, Partnership, Person
from portal.admin.forms import Errors, OrganisationForm, PartnershipForm
from portal.clients.tables import Client, Consent
from portal.core.db import unit_of_work
from portal.core.i18n import gettext_ as _
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


async def organisation_form(org_id: int) -> OrganisationForm:
    row = (
        await Organisation.select(Organisation.name, Organisation.code, Organisation.kind)
        .where(Organisation.id == org_id)
        .first()
    )
    if row is None:
        raise NotFoundException()
    return OrganisationForm(**row)


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


async def _why_kind_is_frozen(org_id: int) -> str | None:
    """Visibility depends on the kind: it may not change once clients or partnerships use it."""
    with unscoped("admin: whether any client file refers to the organisation, not which"):
        linked = await Client.exists().where(Client.ocmw == org_id) or await Consent.exists().where(
            Consent.organisation == org_id
        )
    if linked:
        return _("The kind cannot be changed: client files are linked to this organisation.")
    if await Partnership.exists().where(
        (Partnership.ocmw == org_id)
        | (Partnership.partner == org_id)
        | (Partnership.vdab == org_id)
    ):
        return _(
            "The kind cannot be changed: this organisation takes part in a partnership."
            " Remove it from the partnership first."
        )
    return None


async def save_organisation(form: OrganisationForm, org_id: int | None = None) -> Errors:
    """Create (no ``org_id``) or update an organisation; on errors nothing is written."""
    errors = _check_organisation(form)
    try:
        async with unit_of_work() as unit:
            if org_id is not None:
                current = (
                    await Organisation.select(Organisation.kind)
                    .where(Organisation.id == org_id)
                    .first()
                )
                if current is None:
                    raise NotFoundException()
                changes_kind = "kind" not in errors and form.kind != current["kind"]
                if changes_kind and (why := await _why_kind_is_frozen(org_id)):
                    errors["kind"] = why
            if "code" not in errors and await _code_taken(form.code, org_id):
                errors["code"] = _("Another organisation already uses this code.")
            if errors:
                return errors
            if org_id is None:
                await Organisation(name=form.name, code=form.code, kind=form.kind).save()
            else:
                await Organisation.update(
                    {
                        Organisation.name: form.name,
                        Organisation.code: form.code,
                        Organisation.kind: form.kind,
                    }
                ).where(Organisation.id == org_id)
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


async def save_partnership(form: PartnershipForm, partnership_id: int | None = None) -> Errors:
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
        if partnership_id is not None and not await Partnership.exists().where(
            Partnership.id == partnership_id
        ):
            raise NotFoundException()
        wanted = [org_id for org_id in ids.values() if org_id is not None]
        kinds = (
            {
                row["id"]: row["kind"]
                for row in await Organisation.select(Organisation.id, Organisation.kind).where(
                    Organisation.id.is_in(wanted)
                )
            }
            if wanted
            else {}
        )
        for kind, message in _side_errors().items():
            required = kind is OrgKind.ocmw
            if (required or typed[kind]) and kinds.get(ids[kind]) != kind:
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
        if partnership_id is None:
            await row.save()
        else:
            await Partnership.update(
                {
                    Partnership.name: row.name,
                    Partnership.ocmw: row.ocmw,
                    Partnership.partner: row.partner,
                    Partnership.vdab: row.vdab,
                }
            ).where(Partnership.id == partnership_id)
    log.info("partnership %s saved", partnership_id or "new")
    return {}


async def delete_partnership(partnership_id: int) -> None:
    deleted = (
        await Partnership.delete().where(Partnership.id == partnership_id).returning(Partnership.id)
    )
    if not deleted:
        raise NotFoundException()
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


async def list_people(organisation: int | None = None) -> list[PersonRow]:
    """People with their organisation's name, in one query whatever their number."""
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
    if organisation is not None:
        query = query.where(Person.organisation == organisation)
    return [
        PersonRow(
            id=row["id"],
            username=row["username"],
            display_name=row["display_name"],
            organisation=row["organisation_name"],
            roles=list(row["roles"] or []),
            last_login=row["last_login"],
            active=row["active"],
        )
        for row in await query
    ]


async def set_active(viewer: Viewer, person_id: int, *, active: bool) -> str | None:
    """Deactivate or reactivate a person; returns why it was refused, if it was.

    An administrator cannot deactivate themselves (so there is always one left). A deactivated
    person's sessions stop working at their next request: at once in this process, within the
    viewer cache's few seconds in the others.
    """
    if not active and person_id == viewer.person_id:
        return _("You cannot deactivate your own account.")
    changed = (
        await Person.update({Person.active: active})
        .where(Person.id == person_id)
        .returning(Person.id)
    )
    if not changed:
        raise NotFoundException()
    forget_viewer(person_id)
    log.info(
        "person %s %s by person %s",
        person_id,
        "reactivated" if active else "deactivated",
        viewer.person_id,
    )
    return None

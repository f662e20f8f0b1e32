"""The writes that shape a client file: registration, care team, consent, ladder, status and the
agreement note.

Each is one unit of work with its timeline event. Who may make a change is decided from the
viewer's relation to the client (``find_client``: 404 for who cannot see it); a change that is not
theirs to make raises ``NotAllowed``; input that is not valid raises ``Invalid`` with a message per
field, and nothing is written.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from contextlib import suppress
from dataclasses import dataclass
from typing import Any

from portal.accounts.tables import Organisation, OrgKind, Partnership, Person
from portal.clients import events, inbox
from portal.clients.national_number import InvalidNationalNumber, formatted, normalise
from portal.clients.national_number import birth_date as encoded_birth_date
from portal.clients.services import NotAllowed, consents, find_client, team_of, team_to_tell
from portal.clients.tables import CareTeamMember, Client, Consent
from portal.clients.visibility import ClientView
from portal.clients.workflow import FIRST_STATUS, LADDER, STATUS_BY_CODE, agreement_note_due
from portal.core.db import unit_of_work
from portal.core.i18n import gettext_ as _
from portal.core.text import fold
from portal.notifications.services import notify
from portal.timeline.services import append
from portal.visibility.policy import Relation, Role
from portal.visibility.scoping import unscoped
from portal.visibility.viewer import Viewer

NAME_MAX, TEXT_MAX, REASON_MAX = 100, 300, 2000


class Invalid(ValueError):
    """Input that cannot be written: a translated message per form field."""

    def __init__(self, errors: Mapping[str, str], *, existing: int | None = None) -> None:
        super().__init__(", ".join(errors))
        self.errors = dict(errors)
        self.existing = existing
        """A registration's duplicate: the id of the file that has this national number."""


def parse_date(text: str) -> dt.date | None:
    """An ISO date (``YYYY-MM-DD``, what a date field sends); ``None`` when empty."""
    text = text.strip()
    if not text:
        return None
    return dt.date.fromisoformat(text)


# Registration -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Registration:
    first_name: str
    last_name: str
    birth_date: dt.date | None = None
    national_number: str = ""
    language: str = ""
    municipality: str = ""
    phone: str = ""
    address: str = ""
    ladder_step: int | None = None
    status: str = FIRST_STATUS
    social_report: str = ""
    finances: str = ""
    health_notes: str = ""


REGISTRATION_FIELDS = (
    "first_name",
    "last_name",
    "birth_date",
    "national_number",
    "language",
    "municipality",
    "phone",
    "address",
)


def registration_from(fields: Mapping[str, str]) -> Registration:
    """A registration form as typed, checked; ``Invalid`` names every field that is wrong."""
    typed = {name: " ".join(fields.get(name, "").split()) for name in REGISTRATION_FIELDS}
    errors: dict[str, str] = {}
    for name, message in (
        ("first_name", _("Enter the first name.")),
        ("last_name", _("Enter the last name.")),
    ):
        if not typed[name]:
            errors[name] = message
        elif len(typed[name]) > NAME_MAX:
            errors[name] = _("A name can be at most 100 characters long.")
    born: dt.date | None = None
    try:
        born = parse_date(typed["birth_date"])
    except ValueError:
        errors["birth_date"] = _("Enter the birth date as a date, for example 1985-07-30.")
    if born is None and "birth_date" not in errors:
        errors["birth_date"] = _("Enter the birth date.")
    elif born is not None and not dt.date(1900, 1, 1) <= born <= dt.date.today():
        errors["birth_date"] = _("The birth date lies in the future or before 1900.")
    number = ""
    try:
        number = normalise(typed["national_number"])
    except InvalidNationalNumber:
        errors["national_number"] = _(
            "Enter a national number of 11 digits (YY.MM.DD-SSS.CC) whose check number is right."
        )
    if number and born is not None and "birth_date" not in errors:
        encoded = encoded_birth_date(number)
        if encoded is not None and encoded != born:
            errors["national_number"] = _("This national number belongs to another birth date.")
    for name in ("language", "municipality", "phone", "address"):
        if len(typed[name]) > TEXT_MAX:
            errors[name] = _("This can be at most 300 characters long.")
    if errors:
        raise Invalid(errors)
    return Registration(
        first_name=typed["first_name"],
        last_name=typed["last_name"],
        birth_date=born,
        national_number=formatted(number),
        language=typed["language"],
        municipality=typed["municipality"],
        phone=typed["phone"],
        address=typed["address"],
    )


def registers_clients(viewer: Viewer) -> bool:
    return Role.social_worker in viewer.roles and viewer.org_kind == OrgKind.ocmw


async def _registered_as(ocmw: int, national_number: str) -> int | None:
    with unscoped("registration: whether the OCMW already has a file with this number"):
        found = (
            await Client.select(Client.id)
            .where((Client.ocmw == ocmw) & (Client.national_number == national_number))
            .first()
        )
    return int(found["id"]) if found else None


async def register_client(
    actor: Viewer, registration: Registration, *, at: dt.datetime | None = None
) -> int:
    """A social worker registers a client at their OCMW (aanmelding): they hold the file and join
    its care team. A national number the OCMW already has is refused, naming that file."""
    if not registers_clients(actor):
        raise NotAllowed("only a social worker of an OCMW registers clients")
    moment = at or dt.datetime.now(dt.UTC)
    async with unit_of_work():
        if registration.national_number:
            existing = await _registered_as(actor.org_id, registration.national_number)
            if existing is not None:
                message = _("This OCMW already has a file with this national number.")
                raise Invalid({"national_number": message}, existing=existing)
        row = Client(
            ocmw=actor.org_id,
            file_holder=actor.person_id,
            created_at=moment,
            search_name=fold(f"{registration.first_name} {registration.last_name}"),
            **registration.__dict__,
        )
        await row.save()
        client_id = int(row.id)
        await CareTeamMember(client=client_id, person=actor.person_id, added_at=moment).save()
        await append(client_id, events.REGISTERED, actor=actor, occurred_at=moment)
    return client_id


# Care team and consent ----------------------------------------------------------------------


async def holding(actor: Viewer, client_id: int) -> ClientView:
    client = await find_client(actor, client_id)
    if client.relation is not Relation.file_holder:
        raise NotAllowed("only the file holder changes this")
    return client


async def partner_organisations(ocmw: int) -> list[dict[str, Any]]:
    """The partner organisations and VDAB teams of the OCMW's partnerships: who may join a care
    team and receive consent."""
    rows = await Partnership.select(Partnership.partner, Partnership.vdab).where(
        Partnership.ocmw == ocmw
    )
    ids = sorted({row[key] for row in rows for key in ("partner", "vdab") if row[key]})
    if not ids:
        return []
    return list(
        await Organisation.select(
            Organisation.id, Organisation.code, Organisation.name, Organisation.kind
        )
        .where(Organisation.id.is_in(ids))
        .order_by(Organisation.name)
    )


TEAM_ROLES = {OrgKind.partner.value: Role.toeleider, OrgKind.vdab.value: Role.mediator}
"""Who joins a care team from outside the OCMW: a partner's toeleider, a VDAB team's mediator."""


async def team_candidates(
    ocmw: int, partners: list[dict[str, Any]] | None = None
) -> list[dict[str, Any]]:
    """Active toeleiders and mediators of the OCMW's partner organisations and VDAB teams
    (``partners``: those organisations, when the caller has them already)."""
    if partners is None:
        partners = await partner_organisations(ocmw)
    orgs = {org["id"]: org for org in partners}
    if not orgs:
        return []
    people = await (
        Person.select(
            Person.id, Person.username, Person.display_name, Person.organisation, Person.roles
        )
        .where(Person.organisation.is_in(list(orgs)) & (Person.active == True))  # noqa: E712
        .order_by(Person.display_name)
    )
    return [
        person | {"organisation.name": orgs[person["organisation"]]["name"]}
        for person in people
        if TEAM_ROLES[orgs[person["organisation"]]["kind"]].value in (person["roles"] or [])
    ]


async def change_care_team(
    actor: Viewer, client_id: int, username: str, action: str, *, at: dt.datetime | None = None
) -> None:
    """The file holder adds a toeleider or VDAB mediator of the partnership to the care team, or
    removes a member (never themselves: the file holder is always in the team)."""
    client = await holding(actor, client_id)
    if action not in ("add", "remove"):
        raise Invalid({"action": _("Choose to add or to remove.")})
    moment = at or dt.datetime.now(dt.UTC)
    async with unit_of_work():
        members = {member.username: member for member in await team_of(actor, client)}
        if action == "add":
            candidates = {p["username"]: p for p in await team_candidates(client.ocmw)}
            person = candidates.get(username)
            if person is None:
                message = _("Choose a toeleider or VDAB mediator of this OCMW's partnerships.")
                raise Invalid({"username": message})
            if username in members:
                raise Invalid({"username": _("This person is already in the care team.")})
            await CareTeamMember(client=client_id, person=person["id"], added_at=moment).save()
            await notify([person["id"]], inbox.JOINED, client_id, at=moment)
            code, name, org = (
                events.TEAM_JOINED,
                person["display_name"],
                person["organisation.name"],
            )
        else:
            member = members.get(username)
            if member is None:
                raise Invalid({"username": _("This person is not in the care team.")})
            if member.person_id == client.file_holder:
                raise Invalid({"username": _("The file holder stays in the care team.")})
            await CareTeamMember.delete().where(
                (CareTeamMember.client == client_id) & (CareTeamMember.person == member.person_id)
            )
            await notify([member.person_id], inbox.LEFT, client_id, at=moment)
            code, name, org = events.TEAM_LEFT, member.display_name, member.organisation_name
        await append(
            client_id,
            code,
            actor=actor,
            payload={"name": name, "organisation": org},
            occurred_at=moment,
        )


async def add_to_care_team(
    actor: Viewer, client_id: int, username: str, *, at: dt.datetime | None = None
) -> None:
    await change_care_team(actor, client_id, username, "add", at=at)


async def record_consent(
    actor: Viewer, client_id: int, org_code: str, *, given: bool, on: dt.date | None = None
) -> None:
    """The file holder records the client's consent to share with one partner organisation or
    VDAB team (the current row per organisation; the timeline keeps the history). A withdrawal
    counts at once: every read computes the relation anew."""
    await _record_consent(actor, await holding(actor, client_id), org_code, given=given, on=on)


async def record_consent_from(actor: Viewer, client_id: int, fields: Mapping[str, str]) -> None:
    """Consent as its form sends it: ``organisation`` (a code) and ``given`` (yes/no)."""
    client = await holding(actor, client_id)
    given = fields.get("given", "")
    if given not in ("yes", "no"):
        raise Invalid({"given": _("Choose whether the client gives consent.")})
    await _record_consent(actor, client, fields.get("organisation", ""), given=given == "yes")


async def _record_consent(
    actor: Viewer, client: ClientView, org_code: str, *, given: bool, on: dt.date | None = None
) -> None:
    client_id = client.id
    org = next((o for o in await partner_organisations(client.ocmw) if o["code"] == org_code), None)
    if org is None:
        message = _("Choose a partner organisation or VDAB team of this OCMW's partnerships.")
        raise Invalid({"organisation": message})
    day = on or dt.date.today()
    moment = dt.datetime.combine(day, dt.time(12), tzinfo=dt.UTC) if on else None
    async with unit_of_work():
        current = [view for view in await consents(actor, client) if view.organisation == org["id"]]
        if current:
            await Consent.update(
                {
                    Consent.given: given,
                    Consent.decided_on: day,
                    Consent.recorded_by: actor.person_id,
                }
            ).where((Consent.client == client_id) & (Consent.organisation == org["id"]))
        else:
            await Consent(
                client=client_id,
                organisation=org["id"],
                given=given,
                decided_on=day,
                recorded_by=actor.person_id,
            ).save()
        if given:
            code = events.CONSENT_GIVEN
        elif current and current[0].given:
            code = events.CONSENT_WITHDRAWN
            team = await team_to_tell(client_id)
            await notify(
                team.of_org(org["id"]) - {actor.person_id},
                inbox.UNSHARED,
                client_id,
                organisation=org["id"],
                at=moment,
            )
        else:
            code = events.CONSENT_REFUSED
        await append(
            client_id, code, actor=actor, payload={"organisation": org["name"]}, occurred_at=moment
        )


# Where the client stands --------------------------------------------------------------------


def _reason(text: str, *, required: bool) -> str:
    reason = " ".join(text.split())
    if required and len(reason) < 3:
        raise Invalid({"reason": _("Say in a few words why.")})
    if len(reason) > REASON_MAX:
        raise Invalid({"reason": _("A reason can be at most 2000 characters long.")})
    return reason


async def set_ladder_step(
    actor: Viewer, client_id: int, step: int | str, reason: str, *, at: dt.datetime | None = None
) -> None:
    """The file holder moves the client on the participation ladder (1–6), with a reason."""
    client = await holding(actor, client_id)
    try:
        number = int(step)
    except (TypeError, ValueError):
        number = 0
    if number not in LADDER:
        raise Invalid({"step": _("Choose a step from 1 to 6.")})
    text = _reason(reason, required=True)
    if number == client.values.get("ladder_step"):
        raise Invalid({"step": _("The client is already on this step.")})
    async with unit_of_work():
        await Client.update({Client.ladder_step: number}).where(Client.id == client_id)
        await append(
            client_id,
            events.LADDER_CHANGED,
            actor=actor,
            payload={"step_from": client.values.get("ladder_step") or "–", "step_to": number},
            text=text,
            occurred_at=at,
        )


async def set_status(
    actor: Viewer, client_id: int, code: str, reason: str, *, at: dt.datetime | None = None
) -> None:
    """The file holder sets the file's status; on hold and closed need a reason."""
    client = await holding(actor, client_id)
    status = STATUS_BY_CODE.get(code)
    if status is None:
        raise Invalid({"status": _("Choose a status from the list.")})
    text = _reason(reason, required=status.needs_reason)
    current = client.values.get("status")
    if code == current:
        raise Invalid({"status": _("The file already has this status.")})
    async with unit_of_work():
        await Client.update({Client.status: code}).where(Client.id == client_id)
        await append(
            client_id,
            events.STATUS_CHANGED,
            actor=actor,
            payload={"status_from": current or "–", "status_to": code},
            text=text,
            occurred_at=at,
        )


@dataclass(frozen=True)
class Agreement:
    living_wage_start: dt.date
    made_on: dt.date | None = None


def agreement_from(fields: Mapping[str, str]) -> Agreement:
    errors: dict[str, str] = {}
    start = made = None
    with suppress(ValueError):
        start = parse_date(fields.get("living_wage_start", ""))
    if start is None:
        errors["living_wage_start"] = _("Enter the date the living wage started.")
    try:
        made = parse_date(fields.get("agreement_note_on", ""))
    except ValueError:
        errors["agreement_note_on"] = _("Enter the date as a date, for example 2026-03-01.")
    if made is not None and made > dt.date.today():
        errors["agreement_note_on"] = _("The agreement note cannot be made in the future.")
    if errors or start is None:
        raise Invalid(errors)
    return Agreement(start, made)


def _day(value: dt.date | None) -> str:
    return value.strftime("%d-%m-%Y") if value else "–"


async def record_agreement(
    actor: Viewer, client_id: int, fields: Mapping[str, str], *, at: dt.datetime | None = None
) -> None:
    """The file holder records when the living wage started and when the agreement note was made
    (due three months after the start), as the form sends them."""
    await holding(actor, client_id)
    agreement = agreement_from(fields)
    async with unit_of_work():
        await Client.update(
            {
                Client.living_wage_start: agreement.living_wage_start,
                Client.agreement_note_on: agreement.made_on,
            }
        ).where(Client.id == client_id)
        await append(
            client_id,
            events.AGREEMENT_RECORDED,
            actor=actor,
            payload={
                "start": _day(agreement.living_wage_start),
                "due": _day(agreement_note_due(agreement.living_wage_start)),
                "made": _day(agreement.made_on),
            },
            occurred_at=at,
        )

"""Client files: reading them through the visibility scope, and the writes that shape them.

Reads go through ``visible_to(viewer, Client)``: the relation comes with every row, and a client the
viewer may not see is simply not there (404). Writes run in one unit of work with their timeline
event; who may make them is decided from the same relation.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass
from typing import Any

from litestar.exceptions import NotFoundException

from portal.accounts.tables import Organisation, OrgKind, Person
from portal.audit.services import REASON_STATED, record_access
from portal.clients import events
from portal.clients.tables import CareTeamMember, Client, Consent
from portal.clients.visibility import IN_CARE_TEAM, ClientView, ConsentView, client_ref
from portal.core.db import icontains, unit_of_work
from portal.timeline.services import Cursor, TimelinePage, append, screen
from portal.visibility.policy import Audience, Relation, Role
from portal.visibility.records import visible_to
from portal.visibility.viewer import Viewer

CLIENT_PAGE_SIZE = 20
_LIST_COLUMNS = (
    Client.id,
    Client.first_name,
    Client.last_name,
    Client.municipality,
    Client.language,
    Client.phone,
    Client.ladder_step,
    Client.status,
)


class NotAllowed(PermissionError):
    """The actor sees the client but may not make this change."""


@dataclass(frozen=True)
class ClientPage:
    items: list[ClientView]
    total: int
    page: int
    pages: int
    query: str


def _name_condition(query: str) -> Any:
    condition: Any = None
    for term in query.split()[:5]:
        term_condition = icontains(Client.first_name, term) | icontains(Client.last_name, term)
        condition = term_condition if condition is None else condition & term_condition
    return condition


async def list_clients(viewer: Viewer, *, query: str = "", page: int = 1) -> ClientPage:
    """One page of the clients this viewer may see, optionally filtered by name."""
    scope = visible_to(viewer, Client)
    query = query.strip()[:100]
    name = _name_condition(query)
    counting = scope.count()
    if name is not None:
        counting = counting.where(name)
    total = await counting
    pages = max(1, math.ceil(total / CLIENT_PAGE_SIZE))
    page = min(max(1, page), pages)
    rows = scope.select(*_LIST_COLUMNS)
    if name is not None:
        rows = rows.where(name)
    found = (
        await rows.order_by(Client.last_name, Client.first_name, Client.id)
        .limit(CLIENT_PAGE_SIZE)
        .offset((page - 1) * CLIENT_PAGE_SIZE)
    )
    return ClientPage(scope.project_all(found), total, page, pages, query)


async def my_clients(viewer: Viewer, *, limit: int = 10) -> list[ClientView]:
    """The visible clients whose care team the viewer is in."""
    scope = visible_to(viewer, Client)
    ref = client_ref('"client"."id"', '"client"."ocmw"', '"client"."file_holder"')
    rows = (
        await scope.select(*_LIST_COLUMNS)
        .where(IN_CARE_TEAM.sql(viewer, ref))
        .order_by(Client.last_name, Client.first_name)
        .limit(limit)
    )
    return scope.project_all(rows)


async def find_client(viewer: Viewer, client_id: int) -> ClientView:
    """One client as the viewer may see it; 404 when it does not exist for them."""
    scope = visible_to(viewer, Client)
    row = await scope.get(client_id, *Client.all_columns(), Client.file_holder.display_name)
    view = scope.project(row) if row is not None else None
    if view is None:
        raise NotFoundException()
    return view


FILE_OPENED = "client.opened"


async def open_file(
    viewer: Viewer,
    client_id: int,
    *,
    kind: str | None = None,
    before: Cursor | None = None,
    action: str = FILE_OPENED,
) -> tuple[ClientView, TimelinePage]:
    """The client and one screen of their timeline; written to the access log (with the sensitive
    classes shown) only once both were read."""
    view = await find_client(viewer, client_id)
    page = await screen(viewer, view, kind=kind, before=before)
    await record_access(viewer, client_id, action, view.revealed)
    return view, page


# Writes ------------------------------------------------------------------------------------


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
    status: str = "active"
    social_report: str = ""
    finances: str = ""
    health_notes: str = ""


async def register_client(
    actor: Viewer, registration: Registration, *, at: dt.datetime | None = None
) -> int:
    """A social worker registers a client at their OCMW, holds the file and joins its care team
    (aanmelding)."""
    if Role.social_worker not in actor.roles or actor.org_kind != OrgKind.ocmw:
        raise NotAllowed("only a social worker of an OCMW registers clients")
    moment = at or dt.datetime.now(dt.UTC)
    async with unit_of_work():
        row = Client(
            ocmw=actor.org_id,
            file_holder=actor.person_id,
            created_at=moment,
            **registration.__dict__,
        )
        await row.save()
        client_id = int(row.id)
        await CareTeamMember(client=client_id, person=actor.person_id, added_at=moment).save()
        await append(client_id, events.REGISTERED, actor=actor, occurred_at=moment)
    return client_id


async def _holding(actor: Viewer, client_id: int) -> ClientView:
    client = await find_client(actor, client_id)
    if client.relation is not Relation.file_holder:
        raise NotAllowed("only the file holder changes this")
    return client


async def _person(username: str) -> dict[str, Any]:
    found = (
        await Person.select(
            Person.id, Person.display_name, Person.organisation, Person.organisation.name
        )
        .where(Person.username == username)
        .first()
    )
    if found is None:
        raise LookupError(f"no person {username!r}")
    return found


async def add_to_care_team(
    actor: Viewer, client_id: int, username: str, *, at: dt.datetime | None = None
) -> None:
    """The file holder adds someone to the care team."""
    await _holding(actor, client_id)
    person = await _person(username)
    moment = at or dt.datetime.now(dt.UTC)
    async with unit_of_work():
        await CareTeamMember(client=client_id, person=person["id"], added_at=moment).save()
        await append(
            client_id,
            events.TEAM_JOINED,
            actor=actor,
            payload={
                "name": person["display_name"],
                "organisation": person["organisation.name"],
            },
            occurred_at=moment,
        )


async def record_consent(
    actor: Viewer, client_id: int, org_code: str, *, given: bool, on: dt.date | None = None
) -> None:
    """The file holder records the client's consent to share with one organisation (current row
    per organisation; the timeline keeps the history)."""
    await _holding(actor, client_id)
    org = (
        await Organisation.select(Organisation.id, Organisation.name)
        .where(Organisation.code == org_code)
        .first()
    )
    if org is None:
        raise LookupError(f"no organisation {org_code!r}")
    day = on or dt.date.today()
    moment = dt.datetime.combine(day, dt.time(12), tzinfo=dt.UTC) if on else None
    async with unit_of_work():
        current = [
            view for view in await consents(actor, client_id) if view.organisation == org["id"]
        ]
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
        else:
            code = events.CONSENT_REFUSED
        await append(
            client_id,
            code,
            actor=actor,
            payload={"organisation": org["name"]},
            occurred_at=moment,
        )


async def consents(viewer: Viewer, client_id: int) -> list[ConsentView]:
    """The client's current consent per organisation, as far as the viewer may see it."""
    scope = visible_to(viewer, Consent)
    rows = await scope.select(Consent.organisation, Consent.given, Consent.decided_on).where(
        Consent.client == client_id
    )
    return scope.project_all(rows)


async def set_ladder_step(
    actor: Viewer, client_id: int, step: int, reason: str, *, at: dt.datetime | None = None
) -> None:
    """The file holder moves the client on the participation ladder, with a reason."""
    client = await _holding(actor, client_id)
    if not 1 <= step <= 6:
        raise ValueError("a ladder step is 1 to 6")
    async with unit_of_work():
        await Client.update({Client.ladder_step: step}).where(Client.id == client_id)
        await append(
            client_id,
            events.LADDER_CHANGED,
            actor=actor,
            payload={"step_from": client.values.get("ladder_step") or "–", "step_to": step},
            text=reason,
            occurred_at=at,
        )


# The file holder and colleagues ------------------------------------------------------------

REASON_MIN, REASON_MAX = 10, 500


class ReasonTooShort(ValueError):
    """A reason must say something (a few words)."""


async def state_reason(viewer: Viewer, client_id: int, reason: str) -> None:
    """A social worker of the file-holding OCMW who is not the file holder states why they need
    the rest of the file ("break the glass"). The reason goes to the access log and, for the file
    holder only, onto the timeline; the caller opens the file for this session only."""
    client = await find_client(viewer, client_id)
    if Role.social_worker not in viewer.roles or client.relation not in (
        Relation.same_org,
        Relation.care_team,
        Relation.same_org_reason,
    ):
        raise NotAllowed("only a colleague of the file-holding OCMW states a reason")
    if client.ocmw != viewer.org_id:
        raise NotAllowed("only a colleague of the file-holding OCMW states a reason")
    reason = " ".join(reason.split())
    if len(reason) < REASON_MIN:
        raise ReasonTooShort(reason)
    reason = reason[:REASON_MAX]
    async with unit_of_work():
        await record_access(viewer, client_id, REASON_STATED, (), reason=reason)
        await append(
            client_id,
            events.REASON_STATED,
            actor=viewer,
            audience=Audience.file_holder_only,
            payload={"name": viewer.display_name},
            text=reason,
        )


@dataclass(frozen=True)
class SocialWorker:
    id: int
    username: str
    display_name: str
    active: bool


def assigns_file_holders(viewer: Viewer) -> bool:
    """The OCMW's coordinator (team lead) assigns file holders of its files."""
    return Role.coordinator in viewer.roles and viewer.org_kind == OrgKind.ocmw


async def social_workers(org_id: int) -> list[SocialWorker]:
    """The social workers of one OCMW, active ones first."""
    rows = await Person.select(
        Person.id, Person.username, Person.display_name, Person.active, Person.roles
    ).where(Person.organisation == org_id)
    found = [
        SocialWorker(row["id"], row["username"], row["display_name"], bool(row["active"]))
        for row in rows
        if Role.social_worker.value in (row["roles"] or [])
    ]
    return sorted(found, key=lambda person: (not person.active, person.display_name))


class NoSuchSocialWorker(LookupError):
    """The person named is no active social worker of the file's OCMW."""


async def assign_file_holder(actor: Viewer, client_id: int, username: str) -> None:
    """The coordinator names the file holder: an active social worker of the file's OCMW, who
    joins the care team if they are not in it."""
    client = await find_client(actor, client_id)
    if not assigns_file_holders(actor) or client.ocmw != actor.org_id:
        raise NotAllowed("only the OCMW's coordinator assigns file holders")
    holder = next(
        (sw for sw in await social_workers(actor.org_id) if sw.username == username and sw.active),
        None,
    )
    if holder is None:
        raise NoSuchSocialWorker(username)
    if holder.id == client.file_holder:
        return
    async with unit_of_work():
        await Client.update({Client.file_holder: holder.id}).where(Client.id == client_id)
        team = visible_to(actor, CareTeamMember)
        if not await team.select(CareTeamMember.id).where(
            (CareTeamMember.client == client_id) & (CareTeamMember.person == holder.id)
        ):
            await CareTeamMember(
                client=client_id, person=holder.id, added_at=dt.datetime.now(dt.UTC)
            ).save()
        await append(
            client_id, events.HOLDER_ASSIGNED, actor=actor, payload={"name": holder.display_name}
        )


@dataclass(frozen=True)
class HeldFile:
    client: ClientView
    holder: SocialWorker | None


@dataclass(frozen=True)
class TeamFiles:
    """The coordinator's view of who holds which file: counts per social worker, and every file
    whose holder is missing or no longer active, so none stays without one unnoticed."""

    workers: list[tuple[SocialWorker, int]]
    unheld: list[HeldFile]


async def team_files(actor: Viewer) -> TeamFiles:
    if not assigns_file_holders(actor):
        raise NotFoundException()
    workers = await social_workers(actor.org_id)
    by_id = {worker.id: worker for worker in workers}
    scope = visible_to(actor, Client)
    rows = await scope.select(
        Client.id, Client.ocmw, Client.first_name, Client.last_name, Client.file_holder
    ).order_by(Client.last_name, Client.first_name)
    clients = [view for view in scope.project_all(rows) if view.ocmw == actor.org_id]
    counts = {worker.id: 0 for worker in workers}
    unheld = []
    for view in clients:
        holder = by_id.get(view.file_holder) if view.file_holder is not None else None
        if holder is not None:
            counts[holder.id] += 1
        if holder is None or not holder.active:
            unheld.append(HeldFile(view, holder))
    return TeamFiles([(worker, counts[worker.id]) for worker in workers], unheld)


@dataclass(frozen=True)
class FileActions:
    """What the client page offers this viewer besides the file itself."""

    may_state_reason: bool
    holder_choices: list[SocialWorker]


async def file_actions(viewer: Viewer, client: ClientView) -> FileActions:
    own_ocmw = client.ocmw == viewer.org_id
    may_state_reason = (
        own_ocmw
        and Role.social_worker in viewer.roles
        and client.relation in (Relation.same_org, Relation.care_team)
    )
    choices = (
        [sw for sw in await social_workers(viewer.org_id) if sw.active]
        if own_ocmw and assigns_file_holders(viewer)
        else []
    )
    return FileActions(may_state_reason, choices)

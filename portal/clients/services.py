"""Client files: reading them through the visibility scope, and the writes that shape them.

Reads go through ``visible_to(viewer, Client)``: the relation comes with every row, and a client the
viewer may not see is simply not there (404). Writes run in one unit of work with their timeline
event; who may make them is decided from the same relation.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from litestar.exceptions import NotFoundException
from piccolo.querystring import QueryString

from portal.accounts.tables import OrgKind, Person
from portal.audit.services import (
    REASON_STATED,
    record_access,
    record_listing,
    record_refusal,
)
from portal.audit.visibility import reads_file_log
from portal.clients import events, inbox
from portal.clients.national_number import InvalidNationalNumber, formatted, normalise
from portal.clients.tables import CareTeamMember, Client, Consent
from portal.clients.visibility import (
    CLIENT_RELATION,
    IN_CARE_TEAM,
    ClientView,
    ConsentView,
    TeamMemberView,
    client_ref,
)
from portal.core import prepared
from portal.core.db import unit_of_work
from portal.core.text import fold
from portal.notifications.services import notify
from portal.timeline import kinds
from portal.timeline.services import Cursor, TimelinePage, append, screen, screen_read
from portal.visibility.policy import (
    Audience,
    Relation,
    Role,
    Sensitivity,
    relations_granting_sight,
    relations_showing,
    shown_classes,
)
from portal.visibility.records import visible_to
from portal.visibility.scoping import unscoped
from portal.visibility.viewer import Viewer

CLIENT_PAGE_SIZE = 20
_LIST_COLUMNS = (
    Client.id,
    Client.ocmw,
    Client.first_name,
    Client.last_name,
    Client.municipality,
    Client.language,
    Client.phone,
    Client.ladder_step,
    Client.status,
    Client.last_activity_at,
    Client.closed_at,
    Client.ocmw.name,
)
_REF = client_ref('"client"."id"', '"client"."ocmw"', '"client"."file_holder"')


class NotAllowed(PermissionError):
    """The actor sees the client but may not make this change."""


@dataclass(frozen=True)
class ClientPage:
    items: list[ClientView]
    total: int
    page: int
    pages: int
    query: str
    mine: bool
    sort: str
    ocmw_names: dict[int, str]
    closed: bool = False
    """Closed files are listed too (they are left out unless asked for)."""


SORTS = ("activity", "name")


def mine_by_default(viewer: Viewer) -> bool:
    """People who work files (social workers, toeleiders, mediators) start from their own."""
    return bool({Role.social_worker, Role.toeleider, Role.mediator} & set(viewer.roles))


def _search_condition(viewer: Viewer, query: str) -> QueryString | None:
    """Every word in the folded name; or, for who may see it, the national number itself."""
    words = fold(query).replace("%", "").replace("_", "").split()[:5]
    parts = [QueryString('"client"."search_name" LIKE {}', f"%{word}%") for word in words]
    by_name = QueryString(" AND ".join("{}" for _ in parts), *parts) if parts else None
    try:
        number = formatted(normalise(query))
    except InvalidNationalNumber:
        return by_name
    shown_to = relations_showing(viewer.roles, Sensitivity.identity)
    sees_number = CLIENT_RELATION.is_in(viewer, _REF, shown_to)
    if sees_number is None:
        return by_name
    by_number = QueryString('("client"."national_number" = {} AND {})', number, sees_number)
    return by_number if by_name is None else QueryString("(({}) OR {})", by_name, by_number)


def _mine_condition(viewer: Viewer) -> QueryString:
    return QueryString(
        '({} OR "client"."file_holder" = {})', IN_CARE_TEAM.sql(viewer, _REF), viewer.person_id
    )


async def list_clients(
    viewer: Viewer,
    *,
    query: str = "",
    page: int = 1,
    mine: bool = True,
    sort: str = "activity",
    closed: bool = False,
) -> ClientPage:
    """One page of the clients this viewer may see: searched by name (accents and case do not
    matter) or national number, the viewer's own files or all, by last activity or by name;
    closed files only when asked for. Last activity sorts only the files whose trajectory the
    viewer is shown."""
    scope = visible_to(viewer, Client)
    query = query.strip()[:100]
    sort = sort if sort in SORTS else SORTS[0]
    conditions = [c for c in (_search_condition(viewer, query),) if c is not None]
    if mine:
        conditions.append(_mine_condition(viewer))
    if not closed:
        conditions.append(QueryString('"client"."closed_at" IS NULL'))
    counting = scope.count()
    rows = scope.select(*_LIST_COLUMNS)
    for condition in conditions:
        counting, rows = counting.where(condition), rows.where(condition)
    total = await counting
    pages = max(1, math.ceil(total / CLIENT_PAGE_SIZE))
    page = min(max(1, page), pages)
    if sort == "activity":
        seen = CLIENT_RELATION.is_in(
            viewer, _REF, relations_showing(viewer.roles, Sensitivity.trajectory)
        )
        if seen is not None:
            active = QueryString('CASE WHEN {} THEN "client"."last_activity_at" END', seen)
            rows = rows.order_by(QueryString("{} IS NULL", active)).order_by(
                active, ascending=False
            )
    found = (
        await rows.order_by(Client.last_name, Client.first_name, Client.id)
        .limit(CLIENT_PAGE_SIZE)
        .offset((page - 1) * CLIENT_PAGE_SIZE)
    )
    names = {row["ocmw"]: row["ocmw.name"] for row in found}
    listed = scope.project_all(found)
    await record_listing(viewer, [client.id for client in listed], search=bool(query))
    return ClientPage(listed, total, page, pages, query, mine, sort, names, closed)


async def my_clients(viewer: Viewer, *, limit: int = 10) -> list[ClientView]:
    """The visible clients whose care team the viewer is in."""
    return visible_to(viewer, Client).project_all(await _my_client_rows(viewer, limit))


@prepared.prepared(values={})
def _my_client_rows(viewer: Viewer, limit: int) -> Any:
    return (
        visible_to(viewer, Client)
        .select(*_LIST_COLUMNS)
        .where(IN_CARE_TEAM.sql(viewer, _REF))
        .where(Client.closed_at.is_null())
        .order_by(Client.last_name, Client.first_name)
        .limit(limit)
    )


SECTIONS: dict[str, tuple[Sensitivity, tuple[str, ...]]] = {
    "social": (Sensitivity.social, ("social_report", "finances")),
    "health": (Sensitivity.health, ("health_notes",)),
}
"""The sensitive sections of a file: not in the page until asked for, and logged when read."""
_SECTION_COLUMNS = frozenset(name for _cls, names in SECTIONS.values() for name in names)
_PAGE_COLUMNS = tuple(c for c in Client.all_columns() if c._meta.name not in _SECTION_COLUMNS)


@prepared.prepared(values={"client_id": ()})
def _client_row(viewer: Viewer, client_id: int, sections: bool) -> Any:
    columns = Client.all_columns() if sections else _PAGE_COLUMNS
    return visible_to(viewer, Client).get(client_id, *columns, Client.file_holder.display_name)


async def find_client(viewer: Viewer, client_id: int, *, sections: bool = False) -> ClientView:
    """One client as the viewer may see it, without the sensitive sections unless asked; 404 when
    it does not exist for them."""
    row = await _client_row(viewer, client_id, sections)
    if row is None:
        raise NotFoundException()
    view = visible_to(viewer, Client).project(row)
    if view is None:
        await record_refusal(viewer, client_id)
        raise NotFoundException()
    return view


def readable_kinds(viewer: Viewer, client: ClientView) -> dict[str, str]:
    """The kind filter's choices (code → name), each name once: a name stands for all kinds of
    that name (``kinds.alike``); a kind whose class the viewer is not shown is not offered."""
    shown = shown_classes(viewer.roles, client.relation)
    labels = kinds.kind_labels()
    choices: dict[str, str] = {}
    for code, item in kinds.installed().items():
        if item.sensitivity in shown or (item.free_text and shown):
            choices.setdefault(kinds.alike(code)[0], labels[code])
    return choices


def sections_shown(viewer: Viewer, client: ClientView) -> tuple[str, ...]:
    """The sensitive sections this viewer may open for this client."""
    shown = shown_classes(viewer.roles, client.relation)
    return tuple(name for name, (cls, _names) in SECTIONS.items() if cls in shown)


@dataclass(frozen=True)
class Section:
    client: ClientView
    name: str
    fields: tuple[str, ...]


SECTION_READ = "client.section_read"


async def reveal_section(viewer: Viewer, client_id: int, name: str) -> Section:
    """One sensitive section, for whoever is shown its class (404 otherwise); the reveal is
    written to the access log."""
    if name not in SECTIONS:
        raise NotFoundException()
    cls, names = SECTIONS[name]
    client = await find_client(viewer, client_id, sections=True)
    if name not in sections_shown(viewer, client):
        raise NotFoundException()
    await record_access(viewer, client_id, SECTION_READ, client.revealed & {cls})
    return Section(client, name, names)


@dataclass(frozen=True)
class LockedOut:
    """A care-team member whose organisation has no consent for the client: who to ask."""

    file_holder_name: str
    ocmw_name: str


async def locked_out(viewer: Viewer, client_id: int) -> LockedOut | None:
    """Whether the viewer is in the care team of a client they cannot open because their
    organisation has no consent; for anyone else the client does not exist (``None``)."""
    with unscoped("a care-team member without consent learns whom to ask, nothing more"):
        member = await CareTeamMember.exists().where(
            (CareTeamMember.client == client_id) & (CareTeamMember.person == viewer.person_id)
        )
        if not member:
            return None
        row = await (
            Client.select(Client.ocmw, Client.file_holder.display_name, Client.ocmw.name)
            .where(Client.id == client_id)
            .first()
        )
    if row is None or row["ocmw"] == viewer.org_id:
        return None
    return LockedOut(row["file_holder.display_name"] or "", row["ocmw.name"] or "")


FILE_OPENED = "client.opened"


async def open_file(
    viewer: Viewer,
    client_id: int,
    *,
    kind: str | None = None,
    before: Cursor | None = None,
    action: str = FILE_OPENED,
    also: Callable[[ClientView], Iterable[prepared.Bound]] | None = None,
) -> tuple[ClientView, TimelinePage]:
    """The client and one screen of their timeline; written to the access log only once both
    were read, with the sensitive classes shown: the file's own fields on the page, and the
    classes of the entries on the screen (a timeline fragment shows only entries). ``also``:
    the page's other reads of this client, run with the screen's (inside ``prepared.sharing``)."""
    view = await find_client(viewer, client_id)
    extra = also(view) if also is not None else ()
    await prepared.fetch(screen_read(viewer, view, kind=kind, before=before), *extra)
    page = await screen(viewer, view, kind=kind, before=before)
    shown = {event.sensitivity for event in page.events if event.sensitivity is not None}
    fields = view.revealed if action == FILE_OPENED else frozenset()
    await record_access(viewer, client_id, action, fields | shown)
    return view, page


@prepared.prepared(values={})
def _consent_rows(viewer: Viewer, client: ClientView) -> Any:
    return visible_to(viewer, Consent, client=client).select(
        Consent.organisation,
        Consent.given,
        Consent.decided_on,
        Consent.organisation._.name,
        Consent.organisation._.code,
    )


async def consents(viewer: Viewer, client: ClientView) -> list[ConsentView]:
    """The client's current consent per organisation, as far as the viewer may see it."""
    rows = await _consent_rows(viewer, client)
    views = visible_to(viewer, Consent, client=client).project_all(rows)
    return sorted(views, key=lambda view: view.organisation_name)


@prepared.prepared(values={})
def _team_rows(viewer: Viewer, client: ClientView) -> Any:
    return visible_to(viewer, CareTeamMember, client=client).select(
        CareTeamMember.person,
        CareTeamMember.added_at,
        CareTeamMember.person.username,
        CareTeamMember.person.display_name,
        CareTeamMember.person.organisation,
        CareTeamMember.person._.organisation._.name,
        CareTeamMember.person.roles,
    )


def header_reads(viewer: Viewer, client: ClientView) -> list[prepared.Bound]:
    """The reads of ``team_of`` and ``consents``, for running with others."""
    return [_team_rows.bind(viewer, client), _consent_rows.bind(viewer, client)]


async def team_of(viewer: Viewer, client: ClientView) -> list[TeamMemberView]:
    """The client's care team (who, which organisation, which roles), as far as the viewer may
    see it."""
    rows = await _team_rows(viewer, client)
    views = visible_to(viewer, CareTeamMember, client=client).project_all(rows)
    return sorted(views, key=lambda view: view.display_name)


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


def reads_client_files(viewer: Viewer) -> bool:
    """Whether any client file can exist for the viewer: a role the policy shows records to, and
    for a coordinator only inside an OCMW (a partner's or VDAB's coordinator counts figures)."""
    roles = viewer.roles
    if viewer.org_kind != OrgKind.ocmw:
        roles = roles - {Role.coordinator}
    return bool(relations_granting_sight(roles))


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
        await notify([holder.id] if holder.id != actor.person_id else [], inbox.HOLDER, client_id)


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
    reads_access_log: bool = False


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
    return FileActions(may_state_reason, choices, reads_file_log(viewer, client.relation))


@dataclass(frozen=True)
class TeamToTell:
    holder: int | None
    members: dict[int, tuple[int, str]]
    """Each member (the file holder too), their organisation and its kind."""

    def of_kind(self, kind: str) -> set[int]:
        return {person for person, (_org, org_kind) in self.members.items() if org_kind == kind}

    def of_org(self, org_id: int) -> set[int]:
        return {person for person, (org, _kind) in self.members.items() if org == org_id}


async def team_to_tell(client_id: int) -> TeamToTell:
    """Who is in a client's care team: whom to tell of a change. The ids are never shown; what
    each learns is read through their own scope when they look."""
    with unscoped("clients: whom to tell of a change, person ids that are never shown"):
        rows = await CareTeamMember.select(
            CareTeamMember.person,
            CareTeamMember.person.organisation,
            CareTeamMember.person.organisation.kind,  # type: ignore[union-attr]
        ).where(CareTeamMember.client == client_id)
        holder = (
            await Client.select(Client.file_holder, Client.ocmw)
            .where(Client.id == client_id)
            .first()
        )
    members = {
        row["person"]: (row["person.organisation"], row["person.organisation.kind"]) for row in rows
    }
    holder_id = holder["file_holder"] if holder else None
    if holder is not None and holder_id is not None:
        members.setdefault(holder_id, (holder["ocmw"], OrgKind.ocmw.value))
    return TeamToTell(holder_id, members)

"""Transfers: a file moves to the OCMW of the client's new municipality, with its history.

The file holder proposes (``propose``), with a handover note and, if they choose, some of their
OCMW's own entries handed over to the new file holder. Until a social worker of the receiving OCMW
accepts, that OCMW sees the transfer only (the client's basic fields, the note, what will move).
``accept`` moves the file in one unit of work, the client's row locked first (every write on a
client locks it first too, in ``timeline.append``, so a write lands wholly before or wholly after
the move):

- the accepting social worker becomes the file holder, of the receiving OCMW;
- everything about the client moves with it (it hangs on the client): ladder, status, agreement
  note, intake, training requests, invitations, placements, documents and timeline; referral
  questions and client-linked signals are now the receiving OCMW's (an open signal's handler of the
  former OCMW is cleared);
- what the former OCMW wrote for its own people (``own_org``, ``file_holder_only``) stays with it
  (``left_behind``: no one reads it through the file), except what was handed over, which is for
  the new file holder only;
- consents are to be asked again, and everyone leaves the care team but the new file holder;
- the former OCMW keeps a closing summary (``Transfer.summary``) and loses access to the rest: its
  relation to the client is gone, and ``refuse_former_ocmw`` refuses its late writes.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from litestar.exceptions import NotFoundException, PermissionDeniedException
from piccolo.querystring import QueryString

from portal.accounts.people import active_holding
from portal.accounts.tables import Organisation, OrgKind
from portal.audit.services import record_access
from portal.clients.changes import Invalid, holding
from portal.clients.visibility import ClientView
from portal.clients.workflow import status_of
from portal.core import db
from portal.core.db import unit_of_work
from portal.core.i18n import gettext_ as _
from portal.core.prepared import Bound, prepared
from portal.documents import services as documents
from portal.documents.services import DOCUMENT_COLUMNS
from portal.documents.tables import Document
from portal.notifications.services import notify
from portal.timeline import services as timeline
from portal.timeline.services import EVENT_COLUMNS, FileReadOnly, append
from portal.timeline.tables import TimelineEvent
from portal.transfers import events, inbox
from portal.transfers.tables import HandedOver, Transfer
from portal.transfers.visibility import BASICS, TransferView
from portal.transfers.workflow import (
    ACCEPTED,
    NOTE_MAX,
    NOTE_MIN,
    PENDING,
    REASON_MAX,
    REFUSED,
    WITHDRAWN,
)
from portal.transfers.workflow import (
    HANDOVER_KINDS as KINDS,
)
from portal.visibility.policy import Audience, Relation, Role
from portal.visibility.records import visible_to
from portal.visibility.scoping import unscoped
from portal.visibility.viewer import Viewer

PRIVATE = (Audience.own_org.value, Audience.file_holder_only.value)
DOCUMENT_KINDS = "document."
READ = "transfer.read"
"""The access-log action of a receiving OCMW's person reading a proposed transfer (the client's
basic fields)."""
LIST_LIMIT = 50

_COLUMNS = (
    Transfer.id,
    Transfer.client,
    Transfer.from_ocmw,
    Transfer.from_ocmw.name,
    Transfer.to_ocmw,
    Transfer.to_ocmw.name,
    Transfer.state,
    Transfer.proposed_at,
    Transfer.proposed_by.display_name,
    Transfer.note,
    Transfer.decided_at,
    Transfer.decided_by.display_name,
    Transfer.reason,
    Transfer.summary,
)


def _words(text: str) -> str:
    return " ".join(text.split())


# Proposing -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Handable:
    """One of the file holder's OCMW's own entries or documents, which can be handed over."""

    value: str
    """``event:<id>`` or ``document:<id>``, as the form sends it."""
    day: dt.date
    title: str
    audience: Audience


@dataclass(frozen=True)
class Proposal:
    """The proposal form: the OCMWs to transfer to and the entries the file holder may hand
    over, or the transfer already waiting."""

    client: ClientView
    ocmws: list[tuple[str, str]]
    handable: list[Handable]
    pending: TransferView | None = None


@dataclass(frozen=True)
class Panel:
    """The client page's transfer panel: the transfer waiting, or a link to propose one."""

    pending: TransferView | None


def panel_reads(viewer: Viewer, client: ClientView) -> list[Bound]:
    """The read of ``panel_for``, for running with the page's others."""
    if client.relation is not Relation.file_holder or client.closed:
        return []
    return [_pending_rows.bind(viewer, client.id)]


async def panel_for(viewer: Viewer, client: ClientView) -> Panel | None:
    """For the file holder of an open file only; one statement (the form loads on request)."""
    if client.relation is not Relation.file_holder or client.closed:
        return None
    return Panel(await _pending_of(viewer, client.id))


async def proposal_for(viewer: Viewer, client_id: int) -> Proposal:
    """The proposal form, for the file holder (403 for who sees the file, 404 for others)."""
    client = await holding(viewer, client_id)
    pending = await _pending_of(viewer, client.id)
    if pending is not None or client.closed:
        return Proposal(client, [], [], pending)
    rows = (
        await Organisation.select(Organisation.code, Organisation.name)
        .where((Organisation.kind == OrgKind.ocmw.value) & (Organisation.id != viewer.org_id))
        .order_by(Organisation.name)
    )
    return Proposal(
        client, [(row["code"], row["name"]) for row in rows], await _handable(viewer, client)
    )


async def _handable(viewer: Viewer, client: ClientView) -> list[Handable]:
    """The file holder's OCMW's own entries and documents on this file, newest first: what stays
    behind unless handed over. Read through the file holder's own view of the file."""
    found: list[Handable] = []
    events_scope = visible_to(viewer, TimelineEvent, client=client, readable_only=True)
    rows = (
        await events_scope.select(*EVENT_COLUMNS)
        .where(
            (TimelineEvent.author_org == viewer.org_id)
            & TimelineEvent.audience.is_in(list(PRIVATE))
        )
        .order_by(TimelineEvent.occurred_at, TimelineEvent.id, ascending=False)
        .output(load_json=True)
    )
    for event in events_scope.project_all(rows):
        if event.kind and event.kind.startswith(DOCUMENT_KINDS):
            continue  # an entry about a document goes with its document
        if event.id is not None and event.audience is not None:
            title = event.headline or ""
            if event.text:
                title = f"{title}: {event.text[:80]}" if title else event.text[:80]
            found.append(Handable(f"event:{event.id}", event.day, title, event.audience))
    scope = visible_to(viewer, Document, client=client)
    rows = await scope.select(*DOCUMENT_COLUMNS).where(
        (Document.current == True)  # noqa: E712
        & Document.deleted_at.is_null()
        & (Document.author_org == viewer.org_id)
        & Document.audience.is_in(list(PRIVATE))
    )
    for view in scope.project_all(rows):
        found.append(
            Handable(f"document:{view.id}", view.uploaded_at.date(), view.name, view.audience)
        )
    return found


async def propose(actor: Viewer, client_id: int, fields: Mapping[str, Any]) -> int:
    """The file holder proposes to transfer the file: ``to`` (the receiving OCMW's code), ``note``
    (the handover note) and ``hand_over`` (any number of ``event:<id>``/``document:<id>``)."""
    client = await holding(actor, client_id)
    errors: dict[str, str] = {}
    target = await _ocmw_by_code(str(fields.get("to", "")).strip())
    if target is None or target["id"] == actor.org_id:
        errors["to"] = _("Choose the OCMW of the client's new municipality, from the list.")
    note = str(fields.get("note", "")).strip()
    if len(_words(note)) < NOTE_MIN:
        errors["note"] = _("Write a handover note for the receiving OCMW (at least a sentence).")
    elif len(note) > NOTE_MAX:
        errors["note"] = _("A handover note can be at most 5000 characters long.")
    choices = {item.value: item for item in await _handable(actor, client)}
    chosen = [value for value in many(fields, "hand_over") if value]
    if any(value not in choices for value in chosen):
        errors["hand_over"] = _("Choose entries to hand over from the list.")
    if client.closed:
        errors["to"] = _("A closed file cannot be transferred; reopen it first.")
    if errors or target is None:
        raise Invalid(errors)
    moment = dt.datetime.now(dt.UTC)
    async with unit_of_work():
        await append(
            client_id,
            events.PROPOSED,
            actor=actor,
            payload={"to": target["name"]},
            occurred_at=moment,
        )
        if await _pending_id(client_id) is not None:
            raise Invalid({"to": _("A transfer of this file is already waiting for an answer.")})
        row = Transfer(
            client=client_id,
            from_ocmw=actor.org_id,
            to_ocmw=target["id"],
            proposed_by=actor.person_id,
            proposed_at=moment,
            note=note,
            state=PENDING,
            summary={
                "name": client.full_name,
                **{name: str(client.values.get(name) or "") for name in BASICS},
            },
        )
        await row.save()
        transfer_id = int(row.id)
        if chosen:
            await HandedOver.insert(
                *(
                    HandedOver(
                        transfer=transfer_id,
                        kind=value.split(":")[0],
                        record=int(value.split(":")[1]),
                        audience=choices[value].audience.value,
                    )
                    for value in sorted(set(chosen))
                )
            )
        await record_access(
            actor, client_id, events.PROPOSED, (), subject=f"transfer:{transfer_id}"
        )
        await notify(
            await _receivers(target["id"]), inbox.PROPOSED, transfer_id, organisation=actor.org_id
        )
    return transfer_id


def many(fields: Mapping[str, Any], name: str) -> list[str]:
    getall = getattr(fields, "getall", None)
    if getall is not None:
        return [str(value) for value in getall(name, [])]
    value = fields.get(name)
    if isinstance(value, list | tuple):
        return [str(item) for item in value]
    return [str(value)] if value else []


async def _ocmw_by_code(code: str) -> dict[str, Any] | None:
    if not code:
        return None
    row = (
        await Organisation.select(Organisation.id, Organisation.name)
        .where((Organisation.code == code) & (Organisation.kind == OrgKind.ocmw.value))
        .first()
    )
    return dict(row) if row else None


async def _receivers(org_id: int) -> set[int]:
    return await active_holding((Role.social_worker, Role.coordinator), organisation=org_id)


async def _pending_id(client_id: int) -> int | None:
    with unscoped("transfers: whether a client already has a transfer waiting"):
        row = (
            await Transfer.select(Transfer.id)
            .where((Transfer.client == client_id) & (Transfer.state == PENDING))
            .first()
        )
    return None if row is None else int(row["id"])


@prepared(values={"client_id": ()})
def _pending_rows(viewer: Viewer, client_id: int) -> Any:
    return (
        visible_to(viewer, Transfer)
        .select(*_COLUMNS)
        .where((Transfer.client == client_id) & (Transfer.state == PENDING))
    )


async def _pending_of(viewer: Viewer, client_id: int) -> TransferView | None:
    views = visible_to(viewer, Transfer).project_all(await _pending_rows(viewer, client_id))
    return views[0] if views else None


# Reading -------------------------------------------------------------------------------------


async def find_transfer(viewer: Viewer, transfer_id: int) -> TransferView:
    """One transfer as the viewer may read it; 404 for anyone not of its two OCMWs."""
    scope = visible_to(viewer, Transfer)
    row = await scope.get(transfer_id, *_COLUMNS)
    view = scope.project(row) if row is not None else None
    if view is None:
        raise NotFoundException()
    return view


@dataclass(frozen=True)
class Moves:
    """What a transfer moves, counted (never shown) for the receiving OCMW."""

    entries: int
    stays: int
    handed_over: int
    training_requests: int
    invitations: int
    placements: int
    intakes: int
    questions: int
    signals: int
    documents: int
    team_leaving: int
    consents_to_ask: int


_COUNTS = """
SELECT
  (SELECT COUNT(*) FROM "timeline_event" e WHERE e."client" = {client} AND NOT e."left_behind"
     AND NOT (e."author_org" = {from_} AND e."audience" IN ('own_org', 'file_holder_only')
              AND e."id" NOT IN (SELECT h."record" FROM "transfer_handover" h
                                 WHERE h."transfer" = {transfer} AND h."kind" = 'event')))
     AS entries,
  (SELECT COUNT(*) FROM "timeline_event" e WHERE e."client" = {client} AND NOT e."left_behind"
     AND e."author_org" = {from_} AND e."audience" IN ('own_org', 'file_holder_only')
     AND e."id" NOT IN (SELECT h."record" FROM "transfer_handover" h
                        WHERE h."transfer" = {transfer} AND h."kind" = 'event')) AS stays,
  (SELECT COUNT(*) FROM "transfer_handover" h WHERE h."transfer" = {transfer}) AS handed_over,
  (SELECT COUNT(*) FROM "training_request" t WHERE t."client" = {client}) AS training_requests,
  (SELECT COUNT(*) FROM "invitation" i WHERE i."client" = {client}) AS invitations,
  (SELECT COUNT(*) FROM "placement" p WHERE p."client" = {client}) AS placements,
  (SELECT COUNT(*) FROM "intake" k WHERE k."client" = {client}) AS intakes,
  (SELECT COUNT(*) FROM "question" q WHERE q."client" = {client}) AS questions,
  (SELECT COUNT(*) FROM "signal" s WHERE s."client" = {client}) AS signals,
  (SELECT COUNT(*) FROM "document" d WHERE d."client" = {client} AND d."current"
     AND d."deleted_at" IS NULL AND NOT d."left_behind"
     AND NOT (d."author_org" = {from_} AND d."audience" IN ('own_org', 'file_holder_only')
              AND d."id" NOT IN (SELECT h."record" FROM "transfer_handover" h
                                 WHERE h."transfer" = {transfer} AND h."kind" = 'document')))
     AS documents,
  (SELECT COUNT(*) FROM "care_team_member" m WHERE m."client" = {client}) AS team_leaving,
  (SELECT COUNT(*) FROM "consent" c WHERE c."client" = {client}) AS consents_to_ask
"""


_NAMED = re.compile(r"\{(\w+)\}")


def _named(template: str, **values: Any) -> QueryString:
    """SQL with ``{name}`` placeholders, each bound as a parameter."""
    args: list[Any] = []

    def bind(match: re.Match[str]) -> str:
        args.append(values[match.group(1)])
        return "{}"

    return QueryString(_NAMED.sub(bind, template), *args)


async def moves_of(transfer: TransferView) -> Moves:
    """Counted in one statement, as the database holds them now (no viewer: counts only)."""
    query = _named(_COUNTS, client=transfer.client, from_=transfer.from_ocmw, transfer=transfer.id)
    row = (await db.DB.run_querystring(query))[0]
    return Moves(**{key: int(row[key]) for key in Moves.__dataclass_fields__})


@dataclass(frozen=True)
class TransferPage:
    transfer: TransferView
    moves: Moves | None
    may_decide: bool
    may_withdraw: bool


async def transfer_page(viewer: Viewer, transfer_id: int) -> TransferPage:
    """A transfer for one of its two OCMWs; a receiving OCMW's reading of a pending one is
    written to the access log (it reads the client's basic fields)."""
    view = await find_transfer(viewer, transfer_id)
    pending = view.state.code == PENDING
    moves = await moves_of(view) if pending else None
    if not view.proposing and pending:
        await record_access(viewer, view.client, READ, (), subject=f"transfer:{view.id}")
    return TransferPage(
        view,
        moves,
        may_decide=pending and not view.proposing and Role.social_worker in viewer.roles,
        may_withdraw=pending and view.proposing and Role.social_worker in viewer.roles,
    )


@dataclass(frozen=True)
class TransferLists:
    incoming: list[TransferView]
    outgoing: list[TransferView]
    refused: list[TransferView]
    moved: list[TransferView]
    """Accepted: for the former OCMW with its closing summary, for the receiving one a link."""


async def transfers_for(viewer: Viewer) -> TransferLists:
    """The transfers of the viewer's OCMW: waiting for it, proposed by it, refused (both sides),
    and the files that moved; 404 for whoever reads no transfers."""
    scope = visible_to(viewer, Transfer)
    if scope.policy.scope(viewer) is None:
        raise NotFoundException()
    rows = (
        await scope.select(*_COLUMNS)
        .order_by(Transfer.proposed_at, ascending=False)
        .limit(4 * LIST_LIMIT)
    )
    views = scope.project_all(rows)
    pending = [view for view in views if view.state.code == PENDING]
    return TransferLists(
        incoming=[view for view in pending if not view.proposing],
        outgoing=[view for view in pending if view.proposing],
        refused=[view for view in views if view.state.code == REFUSED][:LIST_LIMIT],
        moved=[view for view in views if view.state.code == ACCEPTED][:LIST_LIMIT],
    )


def reads_transfers(viewer: Viewer | None) -> bool:
    return (
        viewer is not None
        and viewer.org_kind == OrgKind.ocmw.value
        and bool({Role.social_worker, Role.coordinator} & viewer.roles)
    )


# Deciding ------------------------------------------------------------------------------------


async def _decide(actor: Viewer, transfer_id: int, *, proposing: bool) -> TransferView:
    view = await find_transfer(actor, transfer_id)
    if view.proposing is not proposing or Role.social_worker not in actor.roles:
        raise PermissionDeniedException()
    if view.state.code != PENDING:
        raise Invalid({"transfer": _("This transfer was already answered.")})
    return view


async def _settle(
    transfer_id: int, state: str, actor: Viewer, moment: dt.datetime, **values: Any
) -> None:
    """Moves a pending transfer to ``state``; a transfer answered meanwhile stays as it was."""
    changed = (
        await Transfer.update(
            {
                Transfer.state: state,
                Transfer.decided_by: actor.person_id,
                Transfer.decided_at: moment,
                **{getattr(Transfer, name): value for name, value in values.items()},
            }
        )
        .where((Transfer.id == transfer_id) & (Transfer.state == PENDING))
        .returning(Transfer.id)
    )
    if not changed:
        raise Invalid({"transfer": _("This transfer was already answered.")})


async def refuse(actor: Viewer, transfer_id: int, fields: Mapping[str, Any]) -> None:
    """A social worker of the receiving OCMW refuses, with a reason the proposer reads."""
    view = await _decide(actor, transfer_id, proposing=False)
    reason = _words(str(fields.get("reason", "")))
    if len(reason) < 3:
        raise Invalid({"reason": _("Say in a few words why your OCMW does not take the file.")})
    if len(reason) > REASON_MAX:
        raise Invalid({"reason": _("A reason can be at most 2000 characters long.")})
    moment = dt.datetime.now(dt.UTC)
    async with unit_of_work():
        await _settle(transfer_id, REFUSED, actor, moment, reason=reason)
        await append(
            view.client,
            events.REFUSED,
            actor=actor,
            payload={"to": view.to_name},
            occurred_at=moment,
        )
        await notify(await _proposers(view), inbox.REFUSED, transfer_id, organisation=actor.org_id)


async def withdraw(actor: Viewer, transfer_id: int, fields: Mapping[str, Any]) -> None:
    """The proposing OCMW's file holder withdraws a transfer that is still waiting."""
    view = await _decide(actor, transfer_id, proposing=True)
    await holding(actor, view.client)
    moment = dt.datetime.now(dt.UTC)
    async with unit_of_work():
        await _settle(
            transfer_id,
            WITHDRAWN,
            actor,
            moment,
            reason=_words(str(fields.get("reason", "")))[:REASON_MAX],
        )
        await append(
            view.client,
            events.WITHDRAWN,
            actor=actor,
            payload={"to": view.to_name},
            occurred_at=moment,
        )
        await notify(
            await _receivers(view.to_ocmw), inbox.WITHDRAWN, transfer_id, organisation=actor.org_id
        )


async def _proposers(view: TransferView) -> set[int]:
    with unscoped("transfers: the person who proposed a transfer, to tell them its outcome"):
        row = await Transfer.select(Transfer.proposed_by).where(Transfer.id == view.id).first()
    return {row["proposed_by"]} if row else set()


async def accept(actor: Viewer, transfer_id: int) -> int:
    """A social worker of the receiving OCMW accepts: the file moves to them (see the module's
    docstring). Returns the client's id."""
    view = await _decide(actor, transfer_id, proposing=False)
    moment = dt.datetime.now(dt.UTC)
    client_id = view.client
    async with unit_of_work():
        held = await db.DB.run_querystring(
            QueryString(
                'UPDATE "client" SET "ocmw" = "ocmw" WHERE "id" = {} RETURNING "ocmw",'
                ' "closed_at", "file_holder", "ladder_step", "status", "created_at",'
                ' "last_activity_at", "living_wage_start"',
                client_id,
            )
        )
        if not held or held[0]["ocmw"] != view.from_ocmw:
            raise Invalid({"transfer": _("This file is no longer held by the proposing OCMW.")})
        if held[0]["closed_at"] is not None:
            raise FileReadOnly(detail="the file was closed while the transfer waited")
        await _settle(transfer_id, ACCEPTED, actor, moment)
        moves = await moves_of(view)
        await _leave_behind(client_id, view.from_ocmw, transfer_id)
        await _move(client_id, view, actor, moment)
        await Transfer.update(
            {Transfer.summary: {**view.summary, **_summary(view, held[0], moves, moment)}}
        ).where(Transfer.id == transfer_id)
        await append(
            client_id,
            events.ACCEPTED,
            actor=actor,
            payload={"from": view.from_name, "to": view.to_name},
            occurred_at=moment,
        )
        await record_access(
            actor, client_id, events.ACCEPTED, (), subject=f"transfer:{transfer_id}"
        )
        await notify(await _proposers(view), inbox.ACCEPTED, transfer_id, organisation=actor.org_id)
    return client_id


async def _leave_behind(client_id: int, from_ocmw: int, transfer_id: int) -> None:
    """The former OCMW's own entries and documents stay with it, but for those handed over, which
    become the new file holder's only; a document handed over takes the entries about its
    versions with it."""
    rows = await HandedOver.select(HandedOver.kind, HandedOver.record).where(
        HandedOver.transfer == transfer_id
    )
    handed = {kind: [row["record"] for row in rows if row["kind"] == kind] for kind in KINDS}
    entries = handed["event"] + await _entries_about(client_id, handed["document"])
    await timeline.leave_behind(client_id, from_ocmw, entries)
    await documents.leave_behind(client_id, from_ocmw, handed["document"])


async def _entries_about(client_id: int, document_ids: list[int]) -> list[int]:
    """The timeline entries about any version of these documents."""
    if not document_ids:
        return []
    with unscoped("transfers: the versions and entries of documents handed over with a file"):
        first = await Document.select(Document.id, Document.series).where(
            (Document.client == client_id) & Document.id.is_in(document_ids)
        )
        series = sorted({int(row["series"] or row["id"]) for row in first})
        versions = await Document.select(Document.id).where(
            (Document.client == client_id)
            & (Document.series.is_in(series) | Document.id.is_in(series))
        )
        events = await (
            TimelineEvent.select(TimelineEvent.id, TimelineEvent.payload)
            .where((TimelineEvent.client == client_id) & TimelineEvent.kind.like("document.%"))
            .output(load_json=True)
        )
    ids = {int(row["id"]) for row in versions}
    return [
        int(row["id"])
        for row in events
        if isinstance(row["payload"], dict) and row["payload"].get("document") in ids
    ]


async def _move(client_id: int, view: TransferView, actor: Viewer, moment: dt.datetime) -> None:
    run = db.DB.run_querystring
    await run(
        QueryString(
            'UPDATE "client" SET "ocmw" = {}, "file_holder" = {} WHERE "id" = {}',
            view.to_ocmw,
            actor.person_id,
            client_id,
        )
    )
    await run(
        QueryString(
            'UPDATE "question" SET "ocmw" = {} WHERE "client" = {}', view.to_ocmw, client_id
        )
    )
    await run(
        QueryString('UPDATE "signal" SET "ocmw" = {} WHERE "client" = {}', view.to_ocmw, client_id)
    )
    await run(
        QueryString(
            'UPDATE "signal" SET "handler" = NULL WHERE "client" = {}'
            " AND \"state\" NOT IN ('followed_up', 'closed')"
            ' AND "handler" IN (SELECT "id" FROM "person" WHERE "organisation" <> {})',
            client_id,
            view.to_ocmw,
        )
    )
    await run(QueryString('DELETE FROM "consent" WHERE "client" = {}', client_id))
    await run(
        QueryString(
            'DELETE FROM "care_team_member" WHERE "client" = {} AND "person" <> {}',
            client_id,
            actor.person_id,
        )
    )
    await run(
        QueryString(
            'INSERT INTO "care_team_member" ("client", "person", "added_at")'
            ' SELECT {}, {}, {} WHERE NOT EXISTS (SELECT 1 FROM "care_team_member"'
            ' WHERE "client" = {} AND "person" = {})',
            client_id,
            actor.person_id,
            moment,
            client_id,
            actor.person_id,
        )
    )


def _day(value: Any) -> str:
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value or "")[:10]


def _summary(
    view: TransferView, client: Mapping[str, Any], moves: Moves, moment: dt.datetime
) -> dict[str, Any]:
    """The closing summary the former OCMW keeps: where the client stood and what moved; no
    identity, social or health data."""
    status = status_of(client.get("status"))
    return {
        "moved_on": moment.date().isoformat(),
        "file_opened": _day(client.get("created_at")),
        "living_wage_start": _day(client.get("living_wage_start")),
        "last_activity": _day(client.get("last_activity_at")),
        "ladder_step": client.get("ladder_step"),
        "status": status.code if status else "",
        "moved": {
            "entries": moves.entries,
            "training_requests": moves.training_requests,
            "invitations": moves.invitations,
            "placements": moves.placements,
            "questions": moves.questions,
            "signals": moves.signals,
            "documents": moves.documents,
        },
        "stayed": moves.stays,
        "handed_over": moves.handed_over,
    }


# Writes of an OCMW that handed the file over -------------------------------------------------


async def refuse_former_ocmw(client_id: int, actor: Any, ocmw: int) -> None:
    """A person of an OCMW that transferred the file away writes nothing on it any more (a page
    they opened before the move stays open in their browser). Only an OCMW hands a file over, so
    a partner's or VDAB's write needs no look."""
    if actor.org_id == ocmw or getattr(actor, "org_kind", "ocmw") != "ocmw":
        return
    with unscoped("transfers: whether the writer's OCMW handed this file over"):
        moved = await Transfer.exists().where(
            (Transfer.client == client_id)
            & (Transfer.from_ocmw == actor.org_id)
            & (Transfer.state == ACCEPTED)
        )
    if moved:
        raise FileReadOnly(detail="the file moved to another OCMW")

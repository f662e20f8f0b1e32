""" "Te doen": what waits for the viewer today, across all of their clients and queues, oldest
first, each with a status tag in words. Every source is read through its own scope; the list is
bounded per source, with the whole count and a link to the full list where there is one."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from piccolo.columns.combination import WhereRaw
from piccolo.querystring import QueryString

from portal.clients.tables import Client
from portal.clients.visibility import client_of_row
from portal.clients.workflow import agreement_note_due
from portal.core.i18n import gettext_ as _
from portal.core.i18n import ngettext_
from portal.core.periods import today_in_belgium
from portal.core.prepared import prepared
from portal.core.templating import local_time
from portal.core.workdays import BELGIUM
from portal.evaluations import survey as evaluation_survey
from portal.questions import queue as question_queue
from portal.questions import services as questions
from portal.review import services as review
from portal.signals import services as signals
from portal.signals.queue import OPEN_STATES
from portal.signals.tables import Signal
from portal.trajectory.services import INVITATION_COLUMNS, waiting_for
from portal.trajectory.tables import Invitation
from portal.visibility.policy import Role
from portal.visibility.records import visible_to
from portal.visibility.viewer import Viewer

PER_SOURCE = 10
INVITATIONS_AHEAD = dt.timedelta(days=14)
REVIEW_SOON = 10
"""Working days before a review's due date from which its tag warns."""


@dataclass(frozen=True)
class Tag:
    text: str
    tone: str = ""
    """``wait`` (something is due or late), ``active`` or empty."""


@dataclass(frozen=True)
class Task:
    kind: str
    title: str
    href: str
    since: dt.datetime
    tags: tuple[Tag, ...] = ()
    client_id: int | None = None
    """The client the task names, if it names one (the access log records the listing)."""


@dataclass
class ToDo:
    tasks: list[Task] = field(default_factory=list)
    more: list[tuple[str, str]] = field(default_factory=list)
    """(text, href): where the rest of a source is, when it holds more than is shown."""


def _days(text_days: int) -> str:
    return ngettext_("%(num)d day", "%(num)d days", text_days) % {"num": text_days}


def _moment(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(), tzinfo=dt.UTC)


async def _training(viewer: Viewer, todo: ToDo) -> None:
    for item in await waiting_for(viewer, limit=PER_SOURCE):
        request = item.request
        wait = (
            _("Waiting for your agreement")
            if request.state == "requested"
            else _("Waiting for your approval")
        )
        todo.tasks.append(
            Task(
                _("Training request"),
                f"{request.course} · {item.client_name}",
                f"/training-requests/{request.id}",
                request.changed_at,
                (Tag(wait, "wait"),),
                item.client_id,
            )
        )


async def _questions(viewer: Viewer, todo: ToDo, today: dt.date) -> None:
    listing = await question_queue.waiting(viewer, today)
    if listing is None:
        return
    for question in listing.questions[:PER_SOURCE]:
        tags = [
            Tag(_(question.state.label)),
            Tag(_days(questions.waiting_days(question, today))),
        ]
        if questions.overdue(question, today):
            tags.append(Tag(_("deadline passed"), "wait"))
        else:
            tags.append(Tag(_("answer by %(day)s") % {"day": question.due_on.strftime("%d-%m-%Y")}))
        todo.tasks.append(
            Task(
                _("Referral question"),
                f"{_(question.type.label)} · {question.client_name}",
                f"/questions/{question.id}",
                question.created_at,
                tuple(tags),
                question.client if question.client_name else None,
            )
        )
    if listing.total > PER_SOURCE:
        todo.more.append(
            (_("All %(num)d waiting referral questions") % {"num": listing.total}, "/questions")
        )


@prepared(values={})
def _signal_rows(viewer: Viewer) -> Any:
    """The open signals the viewer handles that still wait for a first response; those without
    a handler that wait for the viewer to hand them out: the structural ones for an OCMW's
    coordinator, those about a client for its file holder (whom they are sent to)."""
    mine = (Signal.handler == viewer.person_id) & Signal.first_response_at.is_null()
    condition: Any = mine
    if Role.coordinator in viewer.roles and viewer.org_kind == "ocmw":
        condition = mine | ((Signal.ocmw == viewer.org_id) & Signal.handler.is_null())
    elif Role.social_worker in viewer.roles:
        held = WhereRaw(
            '"signal"."client" IN (SELECT "client"."id" FROM "client"'
            ' WHERE "client"."file_holder" = {})',
            viewer.person_id,
        )
        condition = mine | (Signal.handler.is_null() & held)
    return (
        visible_to(viewer, Signal)
        .select(*signals.COLUMNS)
        .where(condition & Signal.state.is_in(list(OPEN_STATES)))
        .order_by(Signal.due_on)
        .order_by(Signal.id)
        .limit(PER_SOURCE)
    )


async def _signals(viewer: Viewer, todo: ToDo, today: dt.date) -> None:
    rows = await _signal_rows(viewer)
    for signal in visible_to(viewer, Signal).project_all(rows):
        tags = [Tag(_(signal.state.label))]
        if signal.handler is None:
            tags.append(Tag(_("no handler yet"), "wait"))
        if signals.overdue(signal, today):
            tags.append(Tag(_("deadline passed"), "wait"))
        else:
            tags.append(Tag(_("respond by %(day)s") % {"day": signal.due_on.strftime("%d-%m-%Y")}))
        todo.tasks.append(
            Task(_("Signal"), signal.title, f"/signals/{signal.id}", signal.created_at, tuple(tags))
        )


@prepared(values={"start": (), "end": ()})
def _invitation_rows(viewer: Viewer, start: dt.datetime, end: dt.datetime) -> Any:
    in_team = QueryString(
        '"invitation"."client" IN (SELECT "care_team_member"."client" FROM "care_team_member"'
        ' WHERE "care_team_member"."person" = {})',
        viewer.person_id,
    )
    return (
        visible_to(viewer, Invitation)
        .select(*INVITATION_COLUMNS, Invitation.client.first_name, Invitation.client.last_name)
        .where((Invitation.at >= start) & (Invitation.at <= end))
        .where(in_team)
        .order_by(Invitation.at)
        .limit(PER_SOURCE)
    )


async def _invitations(viewer: Viewer, todo: ToDo, now: dt.datetime) -> None:
    """Interviews VDAB invited the viewer's clients to, in the coming two weeks."""
    scope = visible_to(viewer, Invitation)
    for row in await _invitation_rows(viewer, now, now + INVITATIONS_AHEAD):
        invitation = scope.project(row)
        client = client_of_row(viewer, row)
        if invitation is None or client is None:
            continue
        when = local_time(invitation.at).strftime("%d-%m-%Y %H:%M")
        todo.tasks.append(
            Task(
                _("Invitation"),
                client.full_name,
                f"/clients/{client.id}",
                invitation.at,
                (Tag(_("interview on %(when)s") % {"when": when}, "active"),),
                client.id,
            )
        )


@prepared(values={"today": ()})
def _agreement_rows(viewer: Viewer, today: dt.date) -> Any:
    return (
        visible_to(viewer, Client)
        .select(Client.id, Client.first_name, Client.last_name, Client.living_wage_start)
        .where(
            (Client.file_holder == viewer.person_id)
            & Client.agreement_note_on.is_null()
            & Client.living_wage_start.is_not_null()
            & (Client.living_wage_start <= today)
        )
        .order_by(Client.living_wage_start)
    )


async def _agreement_notes(viewer: Viewer, todo: ToDo, today: dt.date) -> None:
    """The files the viewer holds whose agreement note is past its three months."""
    if Role.social_worker not in viewer.roles:
        return
    scope = visible_to(viewer, Client)
    late = []
    for row in await _agreement_rows(viewer, today):
        due = agreement_note_due(row["living_wage_start"])
        client = scope.project(row)
        if due is not None and due < today and client is not None:
            late.append((due, client))
    for due, client in late[:PER_SOURCE]:
        todo.tasks.append(
            Task(
                _("Agreement note"),
                client.full_name,
                f"/clients/{client.id}",
                _moment(due),
                (
                    Tag(
                        _("due since %(day)s") % {"day": due.strftime("%d-%m-%Y")},
                        "wait",
                    ),
                ),
                client.id,
            )
        )


async def _review(viewer: Viewer, todo: ToDo, today: dt.date) -> None:
    if review.part_of(viewer) is None:
        return
    reminder = (await review.overview(viewer, today=today)).reminder
    if reminder is None:
        return
    text = (
        _("The activation review of %(period)s is not opened yet")
        if reminder.missing
        else ngettext_(
            "%(num)d client of the activation review of %(period)s is not marked",
            "%(num)d clients of the activation review of %(period)s are not marked",
            reminder.unmarked,
        )
    ) % {"period": reminder.period, "num": reminder.unmarked}
    soon = BELGIUM.working_days_between(today, reminder.due_on) < REVIEW_SOON
    due = _("due on %(day)s") % {"day": reminder.due_on.strftime("%d-%m-%Y")}
    todo.tasks.append(
        Task(
            _("Activation review"),
            text,
            "/review",
            _moment(today),
            (Tag(due, "wait" if soon else ""),),
        )
    )


async def _surveys(viewer: Viewer, todo: ToDo) -> None:
    for waiting in await evaluation_survey.waiting_for(viewer):
        todo.tasks.append(
            Task(
                _("Survey"),
                _("How does the collaboration go? The survey of %(title)s")
                % {"title": waiting.title},
                f"/evaluations/{waiting.evaluation_id}/survey",
                waiting.sent_at,
                (Tag(_("to answer"), "active"),),
            )
        )


async def to_do(viewer: Viewer, *, now: dt.datetime | None = None) -> ToDo:
    moment = now or dt.datetime.now(dt.UTC)
    today = today_in_belgium()
    todo = ToDo()
    await _training(viewer, todo)
    await _agreement_notes(viewer, todo, today)
    await _questions(viewer, todo, today)
    await _signals(viewer, todo, today)
    await _review(viewer, todo, today)
    await _invitations(viewer, todo, moment)
    await _surveys(viewer, todo)
    todo.tasks.sort(key=lambda task: task.since)
    return todo

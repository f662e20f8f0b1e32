"""Referral questions: asking (consent and team checked, a deadline in working days), the moves of
``workflow.py``, messages, and reading them as a viewer may. Every write is one unit of work with
a change row, notices for the other side and an event on the client's timeline."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from litestar.exceptions import NotFoundException

from portal.accounts.tables import OrgKind, Partnership
from portal.audit.services import LOGGED_CLASSES, record_access
from portal.clients.changes import Invalid
from portal.clients.inbox import resolve_about_clients
from portal.clients.services import NotAllowed, find_client
from portal.clients.tables import CareTeamMember, Client, Consent
from portal.clients.visibility import ClientView
from portal.clients.workflow import status_of
from portal.core.db import unit_of_work
from portal.core.i18n import gettext_ as _
from portal.core.params import record_id
from portal.core.periods import today_in_belgium
from portal.core.prepared import Bound, prepared
from portal.core.templating import local_time
from portal.core.workdays import BELGIUM
from portal.documents import services as documents
from portal.documents.visibility import DocumentView
from portal.notifications.kinds import Target
from portal.notifications.services import notify, take, unread_of
from portal.questions import events, inbox
from portal.questions.tables import Question, QuestionChange, QuestionDeadline
from portal.questions.visibility import (
    SHAREABLE,
    SHAREABLE_FIELDS,
    QuestionPolicy,
    QuestionView,
    SharedView,
    shared_view,
)
from portal.questions.workflow import (
    ANSWER_BY_CODE,
    DEFAULT_DEADLINE,
    FIRST_STATE,
    NEXT_STEPS,
    TRANSITION_BY_CODE,
    TYPE_BY_CODE,
    TYPES,
    Actor,
    may_write,
    moves,
)
from portal.timeline.services import append
from portal.trajectory import forms as trajectory_forms
from portal.trajectory import invitations
from portal.visibility.policy import Audience, Relation, Role
from portal.visibility.records import visible_to
from portal.visibility.scoping import unscoped
from portal.visibility.viewer import Viewer

TEXT_MAX = 4000


# Deadlines -----------------------------------------------------------------------------------


async def deadlines() -> dict[str, int]:
    """Working days to an answer, per type (a platform administrator may change them)."""
    rows = await QuestionDeadline.select(QuestionDeadline.type, QuestionDeadline.working_days)
    chosen = {row["type"]: int(row["working_days"]) for row in rows}
    return {kind.code: chosen.get(kind.code, DEFAULT_DEADLINE) for kind in TYPES}


def due_on(moment: dt.datetime, working_days: int) -> dt.date:
    """The last day for an answer: ``working_days`` working days after the Belgian day of
    ``moment``."""
    return BELGIUM.add_working_days(local_time(moment).date(), working_days)


def overdue(question: QuestionView, today: dt.date | None = None) -> bool:
    """Still waiting for an answer after its deadline."""
    return question.state.waiting and (today or today_in_belgium()) > question.due_on


def waiting_days(question: QuestionView, today: dt.date | None = None) -> int:
    """Working days since it was asked."""
    day = today or today_in_belgium()
    return BELGIUM.working_days_between(local_time(question.created_at).date(), day)


# Asking ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Team:
    id: int
    name: str


async def vdab_teams(ocmw: int) -> list[Team]:
    """The VDAB teams of the OCMW's partnerships."""
    rows = await (
        Partnership.select(Partnership.vdab, Partnership.vdab.name)
        .where((Partnership.ocmw == ocmw) & Partnership.vdab.is_not_null())
        .order_by(Partnership.vdab.name)
    )
    teams = {row["vdab"]: row["vdab.name"] for row in rows}
    return [Team(id, name) for id, name in teams.items()]


def asks_questions(viewer: Viewer) -> bool:
    return viewer.org_kind == OrgKind.ocmw and Role.social_worker in viewer.roles


async def _of_the_asking_side(
    viewer: Viewer, relation: Relation, ocmw: int, client_id: int
) -> bool:
    """The file holder, or a social worker of the file-holding OCMW in the care team. A social
    worker who stated a reason (``same_org_reason``) may or may not be in the care team: that
    relation hides it, so it is read."""
    if not asks_questions(viewer) or viewer.org_id != ocmw:
        return False
    if relation in (Relation.file_holder, Relation.care_team):
        return True
    if relation is not Relation.same_org_reason:
        return False
    with unscoped("questions: whether the viewer is in the client's care team, for themselves"):
        return bool(
            await CareTeamMember.exists().where(
                (CareTeamMember.client == client_id) & (CareTeamMember.person == viewer.person_id)
            )
        )


async def may_ask(viewer: Viewer, client: ClientView) -> bool:
    """The file holder, or a social worker of the file-holding OCMW in the care team."""
    return await _of_the_asking_side(viewer, client.relation, client.ocmw, client.id)


async def _consented(client_id: int, team_ids: Iterable[int]) -> set[int]:
    ids = list(team_ids)
    if not ids:
        return set()
    with unscoped("questions: the consent gate reads whether the client agreed, nothing else"):
        rows = await Consent.select(Consent.organisation).where(
            (Consent.client == client_id)
            & Consent.organisation.is_in(ids)
            & (Consent.given == True)  # noqa: E712
        )
    return {row["organisation"] for row in rows}


@dataclass(frozen=True)
class AskForm:
    """What the asking form offers for one client, or why it cannot be sent."""

    client: ClientView
    teams: tuple[Team, ...]
    """The VDAB teams the client consented to share with."""
    refused: tuple[Team, ...]
    """The partnership's VDAB teams without the client's consent."""
    fields: tuple[tuple[str, str], ...]
    """Shareable fields the asker sees: (name, class)."""
    documents: tuple[DocumentView, ...]
    deadlines: Mapping[str, int]

    @property
    def blocked(self) -> bool:
        return not self.teams


async def ask_form(actor: Viewer, client_id: int) -> AskForm:
    client = await find_client(actor, client_id)
    if not await may_ask(actor, client):
        raise NotAllowed("only the file holder or a social worker of the care team asks VDAB")
    teams = await vdab_teams(client.ocmw)
    consented = await _consented(client.id, (team.id for team in teams))
    readable = await documents.documents_of(actor, documents.Target(client=client))
    return AskForm(
        client=client,
        teams=tuple(team for team in teams if team.id in consented),
        refused=tuple(team for team in teams if team.id not in consented),
        fields=tuple(
            (spec.name, spec.sensitivity.value)
            for spec in SHAREABLE_FIELDS
            if spec.sensitivity is not None and spec.name in client.values
        ),
        documents=tuple(_shareable(readable)),
        deadlines=await deadlines(),
    )


def _shareable(readable: Iterable[DocumentView]) -> Iterable[DocumentView]:
    """Documents a question may point VDAB to: shared with the care team, never social or
    health (who reads them still depends on the policy)."""
    return (
        doc
        for doc in readable
        if doc.client is not None
        and doc.audience is Audience.care_team
        and doc.sensitivity in SHAREABLE
    )


def _text(fields: Mapping[str, str], name: str) -> str:
    return (fields.get(name) or "").strip()


async def ask(
    actor: Viewer,
    client_id: int,
    fields: Mapping[str, str],
    *,
    share_fields: Sequence[str] = (),
    share_documents: Sequence[str] = (),
    now: dt.datetime | None = None,
) -> int:
    """A new question from the form: ``type``, ``text``, ``team`` when the OCMW works with more
    than one VDAB team; what VDAB may see with it (``share_fields``, ``share_documents``) is kept
    only within what the form offered."""
    form = await ask_form(actor, client_id)
    errors: dict[str, str] = {}
    kind = TYPE_BY_CODE.get(_text(fields, "type"))
    if kind is None:
        errors["type"] = _("Choose the kind of question.")
    text = _text(fields, "text")
    if not text:
        errors["text"] = _("Write the question.")
    elif len(text) > TEXT_MAX:
        errors["text"] = _("At most 4000 characters.")
    team = _team_of(form, _text(fields, "team"), errors)
    offered_fields = {name for name, _cls in form.fields}
    if set(share_fields) - offered_fields:
        errors["share"] = _("Choose among the fields offered.")
    offered_documents = {doc.series for doc in form.documents}
    try:
        series = sorted({record_id(value) for value in share_documents})
    except ValueError:
        series = [0]
    if set(series) - offered_documents:
        errors["share"] = _("Choose among the documents offered.")
    if errors:
        raise Invalid(errors)
    assert kind is not None and team is not None
    moment = now or dt.datetime.now(dt.UTC)
    due = due_on(moment, form.deadlines[kind.code])
    async with unit_of_work():
        with unscoped("questions: writing a new row"):
            inserted = await Question.insert(
                Question(
                    client=form.client.id,
                    ocmw=form.client.ocmw,
                    team=team.id,
                    asker=actor.person_id,
                    type=kind.code,
                    text=text,
                    shares={"fields": sorted(set(share_fields)), "documents": series},
                    state=FIRST_STATE,
                    created_at=moment,
                    due_on=due,
                    first_due_on=due,
                )
            ).returning(Question.id)
        question_id = int(inserted[0]["id"])
        await QuestionChange.insert(
            QuestionChange(
                question=question_id,
                kind="state",
                to_state=FIRST_STATE,
                text=text,
                person=actor.person_id,
                person_org=actor.org_id,
                at=moment,
            )
        )
        await append(
            form.client.id,
            events.ASKED,
            actor=actor,
            payload={"question": question_id, "type": kind.code, "team": team.name},
            occurred_at=moment,
        )
    return question_id


def _team_of(form: AskForm, chosen: str, errors: dict[str, str]) -> Team | None:
    if form.blocked:
        errors["team"] = (
            _("The client has not agreed to share their file with VDAB: record the consent first.")
            if form.refused
            else _("This OCMW has no partnership with a VDAB team.")
        )
        return None
    if len(form.teams) == 1 and not chosen:
        return form.teams[0]
    team = next((team for team in form.teams if str(team.id) == chosen), None)
    if team is None:
        errors["team"] = _("Choose the VDAB team.")
    return team


# Reading ---------------------------------------------------------------------------------------

COLUMNS = (
    *Question.all_columns(),
    Question.asker.display_name,
    Question.assignee.display_name,
    Question.ocmw.name,
    Question.team.name,
    Question.client.first_name,
    Question.client.last_name,
)


async def find_question(viewer: Viewer, question_id: int) -> QuestionView:
    scope = visible_to(viewer, Question)
    row = await scope.get(question_id, *COLUMNS)
    view = scope.project(row) if row is not None else None
    if view is None:
        raise NotFoundException()
    return view


async def actors_of(viewer: Viewer, question: QuestionView) -> frozenset[Actor]:
    """What the viewer is to a question they read through its scope."""
    actors: set[Actor] = set()
    if viewer.org_id == question.ocmw and Role.social_worker in viewer.roles:
        if question.asker == viewer.person_id:
            actors.add(Actor.asker)
        if await _of_the_asking_side(viewer, question.relation, question.ocmw, question.client):
            actors.add(Actor.ocmw)
    if viewer.org_id == question.team and Role.mediator in viewer.roles:
        actors.add(Actor.team)
        if question.assignee == viewer.person_id:
            actors.add(Actor.assignee)
    return frozenset(actors)


@dataclass(frozen=True)
class ChangeView:
    id: int
    kind: str
    from_state: str
    to_state: str
    answer: str
    text: str
    person_name: str
    org_name: str
    at: dt.datetime
    vdab: bool
    """Written by the VDAB side."""


async def thread_of(question: QuestionView) -> list[ChangeView]:
    """The history of a question the caller has read through its scope."""
    rows = await (
        QuestionChange.select(
            *QuestionChange.all_columns(),
            QuestionChange.person.display_name,
            QuestionChange.person_org.name,
        )
        .where(QuestionChange.question == question.id)
        .order_by(QuestionChange.id)
    )
    return [
        ChangeView(
            id=row["id"],
            kind=row["kind"],
            from_state=row["from_state"],
            to_state=row["to_state"],
            answer=row["answer"],
            text=row["text"],
            person_name=row.get("person.display_name") or "",
            org_name=row.get("person_org.name") or "",
            at=row["at"],
            vdab=row["person_org"] == question.team,
        )
        for row in rows
    ]


QUESTION_READ = "question.read"
"""The access-log action of a question's page that shows a shared sensitive field in full."""


async def shared_with(viewer: Viewer, question: QuestionView) -> SharedView:
    """What the reader sees of the question's client on its page: what the asker shared, as far
    as the reader's own relation to the client shows it. Showing an ``identity`` field in full is
    written to the access log, as on the client's page."""
    client = await find_client(viewer, question.client)
    readable: list[DocumentView] = []
    if question.shared_documents:
        readable = await documents.documents_of(viewer, documents.Target(client=client))
    shared = shared_view(question, client, readable)
    revealed = {
        spec.sensitivity
        for spec in SHAREABLE_FIELDS
        if spec.sensitivity in LOGGED_CLASSES
        and spec.name not in shared.masked
        and shared.values.get(spec.name) not in (None, "")
    }
    if revealed:
        await record_access(viewer, client.id, QUESTION_READ, revealed)
    return shared


def shown_value(name: str, value: object) -> str:
    """A shared field's value as the question page shows it."""
    if value is None or value == "":
        return "–"
    if isinstance(value, dt.date):
        return value.strftime("%d-%m-%Y")
    if name == "status":
        status = status_of(str(value))
        return _(status.label) if status else str(value)
    return str(value)


async def news_of(viewer: Viewer, question_ids: Sequence[int]) -> dict[int, int]:
    """How many changes of these questions (read through their scope) are new to the viewer."""
    return await unread_of(viewer, inbox.RECORD, question_ids)


async def take_news(viewer: Viewer, question: QuestionView) -> frozenset[int]:
    """The changes of the question the viewer now looks at that were new to them; read now."""
    return await take(viewer, inbox.RECORD, question.id)


# Writing ---------------------------------------------------------------------------------------


async def _told(question: QuestionView, actor: Viewer) -> set[int]:
    """Who hears of a change: the other side. For a change by the VDAB side, the asker and the
    client's file holder; for one by the OCMW, the mediator who claimed it (before a claim, the
    queue shows it to the whole team)."""
    if actor.org_id == question.team:
        with unscoped("questions: whom to tell of a change, a person id that is never shown"):
            holder = await (
                Client.select(Client.file_holder).where(Client.id == question.client).first()
            )
        people = {question.asker, holder["file_holder"] if holder else None}
    else:
        people = {question.assignee}
    return {person for person in people if person is not None} - {actor.person_id}


async def _record(question: QuestionView, actor: Viewer, change: QuestionChange, code: str) -> None:
    """One change: its row, a notice to the other side, an event on the timeline (inside the
    caller's unit of work)."""
    inserted = await QuestionChange.insert(change).returning(QuestionChange.id)
    change_id = int(inserted[0]["id"])
    await notify(
        await _told(question, actor),
        inbox.KIND_OF_CHANGE.get(code, inbox.CHANGED),
        question.id,
        detail=change_id,
        at=change.at,
    )
    payload = {"question": question.id, "type": question.type.code, "team": question.team_name}
    if code == events.ANSWERED:
        payload["answer"] = change.answer
    await append(question.client, code, actor=actor, payload=payload, occurred_at=change.at)


_EVENT_OF = {
    "claim": events.CLAIMED,
    "answer": events.ANSWERED,
    "close": events.CLOSED,
    "reopen": events.REOPENED,
}


async def move(
    actor: Viewer,
    question_id: int,
    code: str,
    fields: Mapping[str, str],
    *,
    now: dt.datetime | None = None,
) -> None:
    """A move of ``workflow.TRANSITIONS``: ``claim``; ``answer`` with ``answer``, ``reason`` and
    an optional ``next_step`` (``interview`` with ``interview_at`` and ``interview_place``);
    ``close``; ``reopen`` with ``reason``. ``NotAllowed`` for who may not make it now."""
    question = await find_question(actor, question_id)
    transition = TRANSITION_BY_CODE.get(code)
    if transition is None or transition not in moves(
        question.state.code, await actors_of(actor, question)
    ):
        raise NotAllowed("this move is not open to this person now")
    moment = now or dt.datetime.now(dt.UTC)
    errors: dict[str, str] = {}
    reason = _text(fields, "reason") if "reason" in transition.needs else ""
    if "reason" in transition.needs:
        if not reason:
            errors["reason"] = (
                _("Give the reason for the answer.")
                if code == "answer"
                else _("Say why the question is reopened.")
            )
        elif len(reason) > TEXT_MAX:
            errors["reason"] = _("At most 4000 characters.")
    answer = _text(fields, "answer")
    next_step = _text(fields, "next_step") if code == "answer" else ""
    if "answer" in transition.needs and answer not in ANSWER_BY_CODE:
        errors["answer"] = _("Choose yes, no or conditional.")
    if next_step not in NEXT_STEPS:
        errors["next_step"] = _("Choose a next step.")
    if next_step and answer == "no":
        errors["next_step"] = _("An interview goes with a yes or a conditional answer.")
    if errors:
        raise Invalid(errors)
    values: dict = {Question.state: transition.target}
    if code in ("claim", "answer") and question.assignee is None:
        values[Question.assignee] = actor.person_id
    if code == "answer":
        values |= {
            Question.answer: answer,
            Question.reason: reason,
            Question.next_step: next_step,
            Question.interview_at: None,
            Question.interview_place: "",
            Question.answered_at: moment,
            Question.assignee: question.assignee or actor.person_id,
        }
        if question.first_answered_at is None:
            values[Question.first_answered_at] = moment
    if code == "close":
        values[Question.closed_at] = moment
    if code == "reopen":
        deadline = (await deadlines())[question.type.code]
        values |= {Question.due_on: due_on(moment, deadline), Question.closed_at: None}
    async with unit_of_work():
        with unscoped("questions: a move of a question read through its scope above"):
            moved = await (
                Question.update(values)
                .where((Question.id == question.id) & (Question.state == question.state.code))
                .returning(Question.id)
            )
        if not moved:
            raise Invalid({"form": _("Someone changed this question meanwhile. Look again.")})
        await _record(
            question,
            actor,
            QuestionChange(
                question=question.id,
                kind="answer" if code == "answer" else "state",
                from_state=question.state.code,
                to_state=transition.target,
                answer=answer if code == "answer" else "",
                text=reason,
                person=actor.person_id,
                person_org=actor.org_id,
                at=moment,
            ),
            _EVENT_OF[code],
        )
        if next_step == "interview":
            await _invite(actor, question, fields, moment)


async def _invite(
    actor: Viewer, question: QuestionView, fields: Mapping[str, str], moment: dt.datetime
) -> None:
    """The answer's next step: an interview invitation of the trajectory, in the same unit of
    work (its errors come back under the answer form's names)."""
    asked = {"at": _text(fields, "interview_at"), "place": _text(fields, "interview_place")}
    try:
        await invitations.invite(actor, question.client, asked, now=moment)
    except Invalid as invalid:
        raise Invalid(
            {f"interview_{name}": text for name, text in invalid.errors.items()}
        ) from None
    with unscoped("questions: the interview of an answer just written through its scope"):
        await Question.update(
            {
                Question.interview_at: trajectory_forms.moment(asked, "at"),
                Question.interview_place: asked["place"],
            }
        ).where(Question.id == question.id)


async def _still_in(question: QuestionView) -> None:
    """Inside the unit of work: the question is still in the state it was read in (the row is
    locked until the commit, so a close cannot slip in between); ``Invalid`` otherwise."""
    code = question.state.code
    with unscoped("questions: the state of a question read through its scope above"):
        same = await (
            Question.update({Question.state: code})
            .where((Question.id == question.id) & (Question.state == code))
            .returning(Question.id)
        )
    if not same:
        raise Invalid({"form": _("Someone changed this question meanwhile. Look again.")})


async def write_message(
    actor: Viewer, question_id: int, text: str, *, now: dt.datetime | None = None
) -> None:
    """A message in the thread, by the asking OCMW or the VDAB team, while it is not closed."""
    question = await find_question(actor, question_id)
    if not may_write(question.state.code, await actors_of(actor, question)):
        raise NotAllowed("only the asking OCMW and the VDAB team write, before it is closed")
    text = text.strip()
    if not text:
        raise Invalid({"text": _("Write the message.")})
    if len(text) > TEXT_MAX:
        raise Invalid({"text": _("At most 4000 characters.")})
    moment = now or dt.datetime.now(dt.UTC)
    async with unit_of_work():
        await _still_in(question)
        await _record(
            question,
            actor,
            QuestionChange(
                question=question.id,
                kind="message",
                text=text,
                person=actor.person_id,
                person_org=actor.org_id,
                at=moment,
            ),
            events.MESSAGE,
        )


# Deadlines as data ------------------------------------------------------------------------------


async def set_deadlines(values: Mapping[str, int]) -> None:
    """A platform administrator's deadlines per type (the admin log is written by the caller)."""
    async with unit_of_work():
        for code, days in values.items():
            await QuestionDeadline.delete().where(QuestionDeadline.type == code)
            await QuestionDeadline.insert(QuestionDeadline(type=code, working_days=days))


# The client file's panel ------------------------------------------------------------------------


@dataclass(frozen=True)
class Panel:
    client: int
    questions: list[QuestionView]
    may_ask: bool


@prepared(values={})
def _question_rows(viewer: Viewer, client: ClientView) -> Any:
    return (
        visible_to(viewer, Question, client=client)
        .select(*COLUMNS)
        .order_by(Question.created_at, ascending=False)
    )


def panel_reads(viewer: Viewer, client: ClientView) -> list[Bound]:
    """The read of ``client_questions``, for running with the page's others."""
    if QuestionPolicy().rows_for(viewer, client.relation) is None:
        return []
    return [_question_rows.bind(viewer, client)]


async def client_questions(viewer: Viewer, client: ClientView) -> Panel | None:
    """The client's questions the viewer reads, newest first, and whether they may ask one (no
    statement for a viewer who can read none)."""
    questions: list[QuestionView] = []
    if QuestionPolicy().rows_for(viewer, client.relation) is not None:
        rows = await _question_rows(viewer, client)
        questions = visible_to(viewer, Question, client=client).project_all(rows)
    asking = await may_ask(viewer, client)
    if not questions and not asking:
        return None
    return Panel(client.id, questions, asking)


async def inbox_targets(viewer: Viewer, ids: Sequence[int]) -> dict[int, Target]:
    """The questions an inbox points at, as the reader may see them now."""
    return await resolve_about_clients(
        viewer,
        Question,
        ids,
        COLUMNS,
        lambda question: _(question.type.label),
        lambda question: f"/questions/{question.id}",
    )

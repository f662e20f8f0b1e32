"""Signals: capture (routed to an OCMW, with a deadline and the personal-data check of a
structural signal), the follow-up moves, assignment and comments, and reading them as a viewer
may. Every write is one unit of work with a change row; a signal about a client also lands on
the client's timeline."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from litestar.exceptions import NotFoundException

from portal.accounts.people import active_holding
from portal.accounts.tables import OrgKind, Partnership, Person
from portal.clients.changes import Invalid
from portal.clients.inbox import resolve_about_clients
from portal.clients.services import NotAllowed, find_client, team_to_tell
from portal.clients.tables import Client
from portal.clients.visibility import ClientView
from portal.core.db import unit_of_work
from portal.core.i18n import gettext_ as _
from portal.core.params import record_id
from portal.core.templating import local_time
from portal.core.text import fold
from portal.core.workdays import BELGIUM
from portal.notifications.kinds import Target
from portal.notifications.services import notify, take, unread_of
from portal.signals import events, inbox, themes
from portal.signals.privacy import KINDS, Finding, findings
from portal.signals.tables import Signal, SignalChange, SignalRoute
from portal.signals.visibility import SignalView
from portal.signals.workflow import (
    FIRST_STATE,
    RESPONDED,
    TRANSITION_BY_CODE,
    URGENCIES,
    Actor,
    may_assign,
    moves,
)
from portal.timeline.services import append
from portal.visibility.policy import Role, Sensitivity
from portal.visibility.records import visible_to
from portal.visibility.scoping import unscoped
from portal.visibility.viewer import Viewer

TITLE_MAX, TEXT_MAX, PLACE_MAX = 150, 4000, 100
HANDLING_ROLES = frozenset({Role.social_worker, Role.coordinator})


class PersonalData(Invalid):
    """A structural signal whose text looks like personal data: shown, not saved, unless the
    reporter confirms."""

    def __init__(self, errors: Mapping[str, str], found: list[Finding]) -> None:
        super().__init__(errors)
        self.found = found


async def route_for(reporter: Viewer, municipality: str) -> int | None:
    """The OCMW that follows up signals about ``municipality``: the route kept as data, else the
    reporter's own OCMW, else the OCMW of the reporter's organisation's one partnership."""
    route = (
        await SignalRoute.select(SignalRoute.ocmw)
        .where(SignalRoute.municipality == fold(municipality))
        .first()
    )
    if route is not None:
        return int(route["ocmw"])
    if reporter.org_kind == OrgKind.ocmw:
        return reporter.org_id
    rows = await Partnership.select(Partnership.ocmw).where(
        (Partnership.partner == reporter.org_id) | (Partnership.vdab == reporter.org_id)
    )
    ocmws = {row["ocmw"] for row in rows}
    return ocmws.pop() if len(ocmws) == 1 else None


async def _client_names(viewer: Viewer) -> list[tuple[str, str]]:
    scope = visible_to(viewer, Client)
    rows = await scope.select(Client.id, Client.first_name, Client.last_name)
    return [
        (view.values.get("first_name", ""), view.values.get("last_name", ""))
        for view in scope.project_all(rows)
    ]


def _text(fields: Mapping[str, str], name: str) -> str:
    return (fields.get(name) or "").strip()


async def capture(
    actor: Viewer, fields: Mapping[str, str], *, now: dt.datetime | None = None
) -> int:
    """A new signal from the capture form (``theme``, ``title``, ``description``,
    ``municipality``, ``urgency``, optional ``client``, ``confirm_no_personal_data``)."""
    errors: dict[str, str] = {}
    theme = await themes.find(_text(fields, "theme"))
    if theme is None or not theme.active:
        errors["theme"] = _("Choose a theme.")
    title = " ".join(_text(fields, "title").split())
    if not title:
        errors["title"] = _("Give the signal a short title.")
    elif len(title) > TITLE_MAX:
        errors["title"] = _("A title can be at most 150 characters long.")
    description = _text(fields, "description")
    if not description:
        errors["description"] = _("Describe what you noticed.")
    elif len(description) > TEXT_MAX:
        errors["description"] = _("A description can be at most 4000 characters long.")
    municipality = " ".join(_text(fields, "municipality").split())
    if not municipality or len(municipality) > PLACE_MAX:
        errors["municipality"] = _("Name the municipality.")
    urgency = _text(fields, "urgency") or "normal"
    if urgency not in URGENCIES:
        errors["urgency"] = _("Choose normal or urgent.")
    client_id: int | None = None
    if _text(fields, "client"):
        try:
            client_id = (await find_client(actor, record_id(_text(fields, "client")))).id
        except (ValueError, NotFoundException):
            errors["client"] = _("Choose one of your clients, or leave it empty.")
    ocmw = await route_for(actor, municipality) if municipality else None
    if municipality and "municipality" not in errors and ocmw is None:
        errors["municipality"] = _("No OCMW follows up signals for this municipality yet.")
    if errors:
        raise Invalid(errors)
    assert theme is not None and ocmw is not None
    if client_id is None and fields.get("confirm_no_personal_data") != "1":
        found = findings(f"{title}\n{description}", await _client_names(actor))
        if found:
            kinds = ", ".join(dict.fromkeys(_(KINDS[f.kind]) for f in found))
            message = _(
                "This looks like personal data (%(kinds)s). A signal without a client is shared"
                " with the partnership: rephrase it, or confirm that it holds no personal data."
            ) % {"kinds": kinds}
            raise PersonalData({"description": message}, found)
    moment = now or dt.datetime.now(dt.UTC)
    structural = client_id is None
    async with unit_of_work():
        with unscoped("signals: writing a new row"):
            inserted = await Signal.insert(
                Signal(
                    reporter=actor.person_id,
                    reporter_org=actor.org_id,
                    ocmw=ocmw,
                    client=client_id,
                    theme=theme.code,
                    title=title,
                    description=description,
                    municipality=municipality,
                    urgency=urgency,
                    sensitivity=(Sensitivity.basic if structural else Sensitivity.trajectory).value,
                    state=FIRST_STATE,
                    created_at=moment,
                    due_on=BELGIUM.add_working_days(local_time(moment).date(), theme.deadline),
                )
            ).returning(Signal.id)
        signal_id = int(inserted[0]["id"])
        told = await _assigners(ocmw) if structural else await _holder_of(client_id)
        await notify(told - {actor.person_id}, inbox.NEW, signal_id, at=moment)
        await SignalChange.insert(
            SignalChange(
                signal=signal_id,
                kind="state",
                to_state=FIRST_STATE,
                person=actor.person_id,
                at=moment,
            )
        )
        if client_id is not None:
            await append(
                client_id,
                events.REPORTED,
                actor=actor,
                payload={
                    "signal": signal_id,
                    "theme": theme.code if theme.standard else theme.label,
                    "title": title,
                },
                text=description,
                occurred_at=moment,
            )
    return signal_id


COLUMNS = (
    *Signal.all_columns(),
    Signal.reporter.display_name,
    Signal.reporter_org.name,
    Signal.handler.display_name,
)


async def _holder_of(client_id: int | None) -> set[int]:
    """A signal about a client waits for its file holder: the OCMW's coordinator does not see
    it (its class is the client's trajectory)."""
    holder = (await team_to_tell(client_id)).holder if client_id is not None else None
    return {holder} if holder is not None else set()


async def _assigners(ocmw: int) -> set[int]:
    """Who hands out the OCMW's new structural signals: its coordinators."""
    return await active_holding((Role.coordinator,), organisation=ocmw)


async def _record(signal: SignalView, change: SignalChange) -> None:
    """Write one change of ``signal`` and an inbox item of it to its reporter and its handler
    (a new handler is told it is theirs), except to whoever made it (inside the caller's unit of
    work)."""
    inserted = await SignalChange.insert(change).returning(SignalChange.id)
    change_id = int(inserted[0]["id"])
    handed = {change.handler} - {None, change.person, signal.handler}
    told = {signal.reporter, signal.handler, change.handler} - {None, change.person} - handed
    await notify(handed, inbox.ASSIGNED, signal.id, detail=change_id, at=change.at)
    await notify(told, inbox.CHANGED, signal.id, detail=change_id, at=change.at)


async def find_signal(viewer: Viewer, signal_id: int) -> SignalView:
    scope = visible_to(viewer, Signal)
    row = await scope.get(signal_id, *COLUMNS)
    view = scope.project(row) if row is not None else None
    if view is None:
        raise NotFoundException()
    return (await themes.named([view]))[0]


async def reads_signal(viewer: Viewer, signal_id: int) -> bool:
    """Whether the viewer may open the signal: a partner's or VDAB team's coordinator reports
    structural signals but counts them in figures only."""
    try:
        await find_signal(viewer, signal_id)
    except NotFoundException:
        return False
    return True


def actors_of(viewer: Viewer, signal: SignalView) -> frozenset[Actor]:
    actors = set()
    if signal.reporter == viewer.person_id:
        actors.add(Actor.reporter)
    if signal.handler == viewer.person_id:
        actors.add(Actor.handler)
    if viewer.org_id == signal.ocmw and viewer.roles & HANDLING_ROLES:
        actors.add(Actor.ocmw)
    return frozenset(actors)


@dataclass(frozen=True)
class ChangeView:
    id: int
    kind: str
    from_state: str
    to_state: str
    text: str
    person_name: str
    handler_name: str
    at: dt.datetime


async def changes_of(signal: SignalView) -> list[ChangeView]:
    """The history of a signal the caller has read through its scope."""
    rows = await (
        SignalChange.select(
            *SignalChange.all_columns(),
            SignalChange.person.display_name,
            SignalChange.handler.display_name,
        )
        .where(SignalChange.signal == signal.id)
        .order_by(SignalChange.id)
    )
    return [
        ChangeView(
            id=row["id"],
            kind=row["kind"],
            from_state=row["from_state"],
            to_state=row["to_state"],
            text=row["text"],
            person_name=row.get("person.display_name") or "",
            handler_name=row.get("handler.display_name") or "",
            at=row["at"],
        )
        for row in rows
    ]


async def move(
    actor: Viewer,
    signal_id: int,
    code: str,
    fields: Mapping[str, str],
    *,
    now: dt.datetime | None = None,
) -> None:
    """A move of the follow-up (``take_up``, ``follow_up`` with ``outcome``, ``close``, ``reopen``
    with ``reason``): ``NotAllowed`` for who may not make it from the signal's state."""
    signal = await find_signal(actor, signal_id)
    transition = TRANSITION_BY_CODE.get(code)
    if transition is None or transition not in moves(signal.state.code, actors_of(actor, signal)):
        raise NotAllowed("this move is not open to this person now")
    text = _text(fields, transition.needs) if transition.needs else ""
    if transition.needs and not text:
        message = (
            _("Say what was done with the signal.")
            if transition.needs == "outcome"
            else _("Say why the signal is reopened.")
        )
        raise Invalid({transition.needs: message})
    if len(text) > TEXT_MAX:
        raise Invalid({transition.needs or "text": _("At most 4000 characters.")})
    moment = now or dt.datetime.now(dt.UTC)
    values: dict = {Signal.state: transition.target}
    if transition.target in RESPONDED and signal.first_response_at is None:
        values[Signal.first_response_at] = moment
    if transition.target == "followed_up":
        values |= {Signal.followed_up_at: moment, Signal.outcome: text}
    if transition.target == "closed":
        values[Signal.closed_at] = moment
    async with unit_of_work():
        moved = await (
            Signal.update(values)
            .where((Signal.id == signal.id) & (Signal.state == signal.state.code))
            .returning(Signal.id)
        )
        if not moved:
            raise Invalid({"form": _("Someone changed this signal meanwhile. Look again.")})
        await _record(
            signal,
            SignalChange(
                signal=signal.id,
                kind="state",
                from_state=signal.state.code,
                to_state=transition.target,
                text=text,
                person=actor.person_id,
                at=moment,
            ),
        )
        if signal.client is not None:
            await append(
                signal.client,
                events.MOVED,
                actor=actor,
                payload={"signal": signal.id, "title": signal.title, "state": transition.target},
                text=text,
                occurred_at=moment,
            )


async def news_of(viewer: Viewer, signal_ids: list[int]) -> dict[int, int]:
    """How many changes of these signals (read through their scope) are new to the viewer."""
    return await unread_of(viewer, inbox.RECORD, signal_ids)


async def take_news(viewer: Viewer, signal: SignalView) -> frozenset[int]:
    """The changes of a signal the viewer is now looking at that are new to them; their inbox
    items are read."""
    return await take(viewer, inbox.RECORD, signal.id)


async def handlers_for(signal: SignalView) -> list[tuple[int, str]]:
    """Who may be assigned: the social workers and coordinators of the OCMW the signal is routed
    to (active accounts)."""
    rows = await (
        Person.select(Person.id, Person.display_name, Person.roles)
        .where((Person.organisation == signal.ocmw) & (Person.active == True))  # noqa: E712
        .order_by(Person.display_name)
    )
    wanted = {role.value for role in HANDLING_ROLES}
    return [(row["id"], row["display_name"]) for row in rows if wanted & set(row["roles"] or [])]


async def assign(
    actor: Viewer, signal_id: int, handler_id: int, *, now: dt.datetime | None = None
) -> None:
    signal = await find_signal(actor, signal_id)
    if not may_assign(signal.state.code, actors_of(actor, signal)):
        raise NotAllowed("only the OCMW assigns a handler, while the signal is open")
    if handler_id not in {person for person, _name in await handlers_for(signal)}:
        raise Invalid({"handler": _("Choose a social worker or coordinator of the OCMW.")})
    moment = now or dt.datetime.now(dt.UTC)
    async with unit_of_work():
        await Signal.update({Signal.handler: handler_id}).where(Signal.id == signal.id)
        await _record(
            signal,
            SignalChange(
                signal=signal.id,
                kind="assign",
                handler=handler_id,
                person=actor.person_id,
                at=moment,
            ),
        )


async def comment(
    actor: Viewer, signal_id: int, text: str, *, now: dt.datetime | None = None
) -> None:
    """A comment by the reporter, the handler or the OCMW's people."""
    signal = await find_signal(actor, signal_id)
    if not actors_of(actor, signal):
        raise NotAllowed("only the reporter and the OCMW's people comment")
    text = text.strip()
    if not text:
        raise Invalid({"text": _("Write the comment.")})
    if len(text) > TEXT_MAX:
        raise Invalid({"text": _("At most 4000 characters.")})
    async with unit_of_work():
        await _record(
            signal,
            SignalChange(
                signal=signal.id,
                kind="comment",
                text=text,
                person=actor.person_id,
                at=now or dt.datetime.now(dt.UTC),
            ),
        )


async def readable_signals(viewer: Viewer) -> list[SignalView]:
    """Every signal the viewer may read, newest first (the lists come later)."""
    scope = visible_to(viewer, Signal)
    rows = await scope.select(*COLUMNS).order_by(Signal.created_at, ascending=False)
    return await themes.named(scope.project_all(rows))


async def signals_about(viewer: Viewer, client: ClientView) -> list[SignalView]:
    """Every signal about one client the viewer may read, oldest first (the subject-access
    export)."""
    scope = visible_to(viewer, Signal, client=client)
    rows = await scope.select(*COLUMNS).order_by(Signal.created_at, Signal.id)
    return await themes.named(scope.project_all(rows))


REPORTING_ROLES = frozenset({Role.social_worker, Role.coordinator, Role.toeleider, Role.mediator})


def may_report(viewer: Viewer) -> bool:
    return bool(viewer.roles & REPORTING_ROLES)


def handles_signals(viewer: Viewer) -> bool:
    return viewer.org_kind == OrgKind.ocmw and bool(viewer.roles & HANDLING_ROLES)


def overdue(signal: SignalView, today: dt.date | None = None) -> bool:
    """Still waiting for a first response after its deadline."""
    day = today or local_time(dt.datetime.now(dt.UTC)).date()
    return signal.first_response_at is None and signal.state.open and day > signal.due_on


async def client_choices(viewer: Viewer) -> list[tuple[int, str]]:
    """The clients a signal can be about: those the reporter may see, by name."""
    scope = visible_to(viewer, Client)
    rows = await scope.select(Client.id, Client.first_name, Client.last_name).order_by(
        Client.last_name
    )
    return [(view.id, view.full_name) for view in scope.project_all(rows)]


async def municipalities() -> list[str]:
    rows = await SignalRoute.select(SignalRoute.name).order_by(SignalRoute.name)
    return [row["name"] for row in rows]


async def inbox_targets(viewer: Viewer, ids: Sequence[int]) -> dict[int, Target]:
    """The signals an inbox points at, as the reader may see them now."""
    return await resolve_about_clients(
        viewer,
        Signal,
        ids,
        (*COLUMNS, Signal.client.first_name, Signal.client.last_name),
        lambda signal: signal.title,
        lambda signal: f"/signals/{signal.id}",
    )

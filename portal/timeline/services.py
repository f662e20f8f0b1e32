"""Writing events (``append``, the only writer) and reading screens of a client's timeline."""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, Protocol

from litestar.exceptions import HTTPException
from piccolo.querystring import QueryString

from portal.clients.tables import Client
from portal.clients.visibility import ClientView
from portal.core import db
from portal.core.db import current_unit_of_work
from portal.core.prepared import Bound, prepared
from portal.timeline import kinds
from portal.timeline.tables import TimelineEvent
from portal.timeline.visibility import EventView
from portal.visibility.policy import Audience, Sensitivity
from portal.visibility.records import visible_to
from portal.visibility.viewer import Viewer

TIMELINE_PAGE_SIZE = 20


class Author(Protocol):
    @property
    def person_id(self) -> int: ...

    @property
    def org_id(self) -> int: ...


@dataclass(frozen=True)
class Appended:
    """What the after-commit listeners learn of a new event: its id and client, no content."""

    event_id: int
    client_id: int


Listener = Callable[[Appended], Awaitable[None] | None]
_listeners: list[Listener] = []


def on_appended(listener: Listener) -> None:
    """Register a side effect (notifications, live updates) run after the event's commit."""
    _listeners.append(listener)


class FileReadOnly(HTTPException):
    """The file changed state (closed, reopened or moved to another OCMW) between reading it and
    writing to it."""

    status_code = 409


Guard = Callable[[int, Author, int], Awaitable[None]]
"""Called with the client, the author and the OCMW now holding the file, inside the writing unit of
work once the client's row is locked; raises ``FileReadOnly`` to refuse the write."""
_guards: list[Guard] = []


def before_append(guard: Guard) -> None:
    """Register a check every write on a client passes (a domain refusing writes it must not let
    land, such as those of an OCMW that handed the file over)."""
    _guards.append(guard)


_TOUCH = (
    'UPDATE "client" SET "last_activity_at" = CASE WHEN "last_activity_at" IS NULL'
    ' OR "last_activity_at" < {} THEN {} ELSE "last_activity_at" END'
    ' WHERE "id" = {} RETURNING "ocmw", "closed_at"'
)
"""The first statement of every write on a client: it locks the client's row (so a transfer or a
closing and a write land one after the other, never interleaved), keeps ``last_activity_at``, and
says who holds the file now and whether it is closed."""


class ClassNotChosen(ValueError):
    """A class other than its kind's was given to an event whose text nobody typed."""


async def append(
    client_id: int,
    code: str,
    *,
    actor: Author,
    audience: Audience = Audience.care_team,
    sensitivity: Sensitivity | None = None,
    payload: dict[str, Any] | None = None,
    text: str = "",
    occurred_at: dt.datetime | None = None,
) -> int:
    """Write one event on a client's timeline, inside the caller's unit of work.

    The class comes from the code, except for kinds whose text a person writes, where the author
    chooses it (a note about debts is ``social``). Listeners run only after the commit.
    """
    unit = current_unit_of_work()
    kind = kinds.kind(code)
    if sensitivity is not None and sensitivity is not kind.sensitivity and not kind.free_text:
        raise ClassNotChosen(f"{code} events are {kind.sensitivity.value}")
    moment = occurred_at or dt.datetime.now(dt.UTC)
    held = await db.DB.run_querystring(QueryString(_TOUCH, moment, moment, client_id))
    if not held:
        raise LookupError(f"no client {client_id}")
    if held[0]["closed_at"] is not None and not kind.on_closed_file:
        raise FileReadOnly(detail="the file is closed")
    for guard in _guards:
        await guard(client_id, actor, held[0]["ocmw"])
    row = TimelineEvent(
        client=client_id,
        kind=code,
        occurred_at=moment,
        author=actor.person_id,
        author_org=actor.org_id,
        audience=audience.value,
        sensitivity=(sensitivity or kind.sensitivity).value,
        text=text,
        payload=payload or {},
    )
    await row.save()
    appended = Appended(event_id=int(row.id), client_id=client_id)
    for listener in _listeners:
        unit.after_commit(functools.partial(listener, appended))
    return appended.event_id


# Reading ---------------------------------------------------------------------------------


MAX_ID = 2**31 - 1
MAX_SKIP = 10_000
_EARLIEST = dt.datetime(1900, 1, 1, tzinfo=dt.UTC)
_LATEST = dt.datetime(2200, 1, 1, tzinfo=dt.UTC)


class BadCursor(ValueError):
    """A "load more" cursor the portal did not make (400)."""


@dataclass(frozen=True)
class Cursor:
    """Where the next screen starts: after the last entry the viewer could read (its moment and id
    are theirs to know), skipping the placeholders already shown after it. A withheld entry's exact
    time or id never goes into a cursor."""

    occurred_at: dt.datetime | None
    event_id: int | None
    skip: int = 0

    def encode(self) -> str:
        anchor = f"{self.occurred_at.isoformat()}_{self.event_id}" if self.occurred_at else "top"
        return f"{anchor}~{self.skip}"

    @classmethod
    def decode(cls, raw: str | None) -> Cursor | None:
        """``None`` for no cursor; ``BadCursor`` for one out of bounds or not of this form."""
        if not raw:
            return None
        anchor, _, skip_text = raw.partition("~")
        try:
            skip = int(skip_text or "0")
            if not 0 <= skip <= MAX_SKIP:
                raise BadCursor(raw)
            if anchor == "top":
                return cls(None, None, skip)
            stamp, _, event_text = anchor.rpartition("_")
            event_id = int(event_text)
            when = dt.datetime.fromisoformat(stamp)
            when = when if when.tzinfo else when.replace(tzinfo=dt.UTC)
            if not (1 <= event_id <= MAX_ID and _EARLIEST <= when <= _LATEST):
                raise BadCursor(raw)
            return cls(when.astimezone(dt.UTC), event_id, skip)
        except (ValueError, OverflowError):
            raise BadCursor(raw) from None


@dataclass(frozen=True)
class TimelinePage:
    events: list[EventView]
    next_cursor: str | None
    kind: str | None


EVENT_COLUMNS = (
    TimelineEvent.id,
    TimelineEvent.kind,
    TimelineEvent.occurred_at,
    TimelineEvent.audience,
    TimelineEvent.sensitivity,
    TimelineEvent.author_org,
    TimelineEvent.text,
    TimelineEvent.payload,
    TimelineEvent.left_behind,
    TimelineEvent.author,
    TimelineEvent.author.display_name,
    TimelineEvent.author_org.name,
)


@prepared(values={"before": ("occurred_at", "event_id")})
def _screen_query(
    viewer: Viewer,
    client: ClientView,
    alike: tuple[str, ...] | None,
    before: Cursor | None,
    limit: int,
) -> Any:
    scope = visible_to(viewer, TimelineEvent, client=client, readable_only=alike is not None)
    query = scope.select(*EVENT_COLUMNS)
    if alike is not None:
        query = query.where(TimelineEvent.kind.is_in(list(alike)))
    if before is not None and before.occurred_at is not None:
        query = query.where(
            (TimelineEvent.occurred_at < before.occurred_at)
            | (
                (TimelineEvent.occurred_at == before.occurred_at)
                & (TimelineEvent.id < before.event_id)
            )
        )
    return (
        query.order_by(TimelineEvent.occurred_at, TimelineEvent.id, ascending=False)
        .offset(before.skip if before else 0)
        .limit(limit + 1)
        .output(load_json=True)
    )


def screen_read(
    viewer: Viewer,
    client: ClientView,
    *,
    kind: str | None = None,
    before: Cursor | None = None,
    limit: int = TIMELINE_PAGE_SIZE,
) -> Bound:
    """The read ``screen`` makes, for running with others."""
    return _screen_query.bind(viewer, client, _alike(kind), before, limit)


def _alike(kind: str | None) -> tuple[str, ...] | None:
    return kinds.alike(kind) if kind else None


async def screen(
    viewer: Viewer,
    client: ClientView,
    *,
    kind: str | None = None,
    before: Cursor | None = None,
    limit: int = TIMELINE_PAGE_SIZE,
) -> TimelinePage:
    """One screen of a client's timeline, newest first, in one query whatever its length.

    A kind filters by its name: every kind of that name (``kinds.alike``). Filtering only returns
    readable events, so a placeholder never reveals its kind.
    """
    alike = _alike(kind)
    rows = await _screen_query(viewer, client, alike, before, limit)
    more = len(rows) > limit
    scope = visible_to(viewer, TimelineEvent, client=client, readable_only=alike is not None)
    events = scope.project_all(rows[:limit])
    return TimelinePage(
        events, _next(before, events) if more else None, alike[0] if alike else None
    )


async def entry(viewer: Viewer, client: ClientView, event_id: int) -> EventView | None:
    """One event of a client's timeline as ``screen`` would show it to the viewer now (a
    placeholder for a care-team member who may not read it); ``None`` when they would not see it
    at all, or when it is not this client's."""
    scope = visible_to(viewer, TimelineEvent, client=client)
    row = (
        await scope.select(*EVENT_COLUMNS)
        .where(TimelineEvent.id == event_id)
        .first()
        .output(load_json=True)
    )
    return scope.project(row) if row is not None else None


def _next(before: Cursor | None, events: list[EventView]) -> str:
    """The cursor after ``events``: anchored on the last readable one, or, when a screen holds
    only placeholders, on the previous anchor with more to skip."""
    readable = [index for index, event in enumerate(events) if not event.withheld]
    if not readable:
        skip = (before.skip if before else 0) + len(events)
        anchor = before or Cursor(None, None)
        return Cursor(anchor.occurred_at, anchor.event_id, skip).encode()
    last = events[readable[-1]]
    return Cursor(last.occurred_at, last.id, len(events) - 1 - readable[-1]).encode()


@dataclass(frozen=True)
class Activity:
    client_id: int
    client_name: str
    event: EventView


@dataclass(frozen=True)
class ActivityPage:
    items: list[Activity]
    next_cursor: str | None


_GROWTH = 4
"""How much a batch of clients, or a window of time, grows when its events do not fill a page."""
_FIRST_BATCH = 3
"""Clients per event shown in the first batch: each of them adds at least its latest event,
which the viewer can usually read, so one batch is usually enough."""
_FIRST_WINDOW = dt.timedelta(days=2)
_WIDEST_WINDOW = dt.timedelta(days=3 * 366)


@prepared(values={"lower": ()})
def _active_clients(viewer: Viewer, lower: dt.datetime | None, limit: int) -> Any:
    """The clients with the latest activity, newest first (after ``lower``, when given)."""
    query = (
        visible_to(viewer, Client)
        .select(Client.id, Client.first_name, Client.last_name, Client.last_activity_at)
        .where(Client.last_activity_at.is_not_null())
    )
    if lower is not None:
        query = query.where(Client.last_activity_at > lower)
    return query.order_by(Client.last_activity_at, Client.id, ascending=False).limit(limit)


async def recent_activity(
    viewer: Viewer, *, limit: int = 10, before: Cursor | None = None
) -> ActivityPage:
    """The latest events the viewer may read in full, across every client they may see, newest
    first, ``limit`` at a time after ``before``.

    The cost follows what is shown, not the history. The clients are taken in order of their
    last activity (``Client.last_activity_at``, which ``append`` keeps), a batch at a time: an
    event newer than the last activity of the first client left out can only be on a client of
    the batch, so the page is complete once the batch holds ``limit`` of those. An older page
    also looks back a window of time that grows until it holds a page. Each try reads the events
    of known clients (their relations from their own scope) through the index on (client,
    occurred_at).
    """
    cursor = before if before is not None and before.occurred_at is not None else None
    window: dt.timedelta | None = _FIRST_WINDOW if cursor is not None else None
    clients_scope = visible_to(viewer, Client)
    batch = _FIRST_BATCH * limit
    while True:
        lower = cursor.occurred_at - window if cursor and cursor.occurred_at and window else None
        rows = await _active_clients(viewer, lower, batch + 1)
        boundary = rows[batch]["last_activity_at"] if len(rows) > batch else None
        clients = clients_scope.project_all(rows[:batch])
        floor = boundary if boundary is not None else lower
        items = await _activity_of(viewer, clients, limit + 1, cursor, floor)
        if len(items) > limit:
            break
        if boundary is not None:
            batch *= _GROWTH
        elif window is not None:
            window = window * _GROWTH if window < _WIDEST_WINDOW else None
        else:
            break
    shown = items[:limit]
    last = shown[-1].event if len(items) > limit else None
    return ActivityPage(shown, Cursor(last.occurred_at, last.id).encode() if last else None)


async def _activity_of(
    viewer: Viewer,
    clients: list[ClientView],
    limit: int,
    before: Cursor | None,
    newer_than: dt.datetime | None,
) -> list[Activity]:
    if not clients:
        return []
    scope = visible_to(viewer, TimelineEvent, readable_only=True, clients=clients)
    query = scope.select(TimelineEvent.client, *EVENT_COLUMNS)
    if newer_than is not None:
        query = query.where(TimelineEvent.occurred_at > newer_than)
    if before is not None and before.occurred_at is not None:
        query = query.where(
            (TimelineEvent.occurred_at < before.occurred_at)
            | (
                (TimelineEvent.occurred_at == before.occurred_at)
                & (TimelineEvent.id < before.event_id)
            )
        )
    rows = (
        await query.order_by(TimelineEvent.occurred_at, TimelineEvent.id, ascending=False)
        .limit(limit)
        .output(load_json=True)
    )
    names = {client.id: client.full_name for client in clients}
    activity = []
    for row in rows:
        event = scope.project(row)
        if event is not None and not event.withheld:
            activity.append(Activity(row["client"], names[row["client"]], event))
    return activity


# A file that moves to another OCMW ------------------------------------------------------------


async def leave_behind(client_id: int, former_ocmw: int, handed_over: list[int]) -> None:
    """When a file moves (``transfers``): the former OCMW's own entries (``own_org``,
    ``file_holder_only``) stay with it, read by no one through the file; those its file holder
    handed over move, for the new file holder only. Inside the transfer's unit of work."""
    private = [Audience.own_org.value, Audience.file_holder_only.value]
    if handed_over:
        await TimelineEvent.update({TimelineEvent.audience: Audience.file_holder_only.value}).where(
            (TimelineEvent.client == client_id) & TimelineEvent.id.is_in(handed_over)
        )
    query = TimelineEvent.update({TimelineEvent.left_behind: True}).where(
        (TimelineEvent.client == client_id)
        & (TimelineEvent.author_org == former_ocmw)
        & TimelineEvent.audience.is_in(private)
    )
    if handed_over:
        query = query.where(TimelineEvent.id.not_in(handed_over))
    await query

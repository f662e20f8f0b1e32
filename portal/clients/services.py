"""Reading clients and their joint timeline, always through the visibility scope and projection."""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass
from typing import Any

from litestar.exceptions import NotFoundException

from portal.audit.services import record_access
from portal.clients.tables import CareTeamMember, Client, TimelineEvent
from portal.core.db import icontains
from portal.visibility.projection import (
    ClientView,
    EventView,
    Viewer,
    project_client,
    project_event,
)
from portal.visibility.scope import (
    client_with_relation,
    relation_facts,
    timeline_condition,
    visible_clients_condition,
)

CLIENT_PAGE_SIZE = 20
TIMELINE_PAGE_SIZE = 20
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
)


@dataclass(frozen=True)
class ClientPage:
    items: list[ClientView]
    total: int
    page: int
    pages: int
    query: str


async def _project_rows(viewer: Viewer, rows: list[dict[str, Any]]) -> list[ClientView]:
    relations = await relation_facts(viewer, rows)
    views = (project_client(viewer, relations[row["id"]], row) for row in rows)
    return [view for view in views if view is not None]


def _name_condition(query: str) -> Any:
    condition: Any = None
    for term in query.split()[:5]:
        term_condition = icontains(Client.first_name, term) | icontains(Client.last_name, term)
        condition = term_condition if condition is None else condition & term_condition
    return condition


async def list_clients(viewer: Viewer, *, query: str = "", page: int = 1) -> ClientPage:
    """One page of the clients this viewer may see, optionally filtered by name."""
    scope = visible_clients_condition(viewer)
    query = query.strip()[:100]
    if scope is None:
        return ClientPage([], 0, 1, 1, query)
    condition = scope
    if name := _name_condition(query):
        condition = condition & name
    total = await Client.count().where(condition)
    pages = max(1, math.ceil(total / CLIENT_PAGE_SIZE))
    page = min(max(1, page), pages)
    rows = (
        await Client.select(*_LIST_COLUMNS)
        .where(condition)
        .order_by(Client.last_name, Client.first_name, Client.id)
        .limit(CLIENT_PAGE_SIZE)
        .offset((page - 1) * CLIENT_PAGE_SIZE)
    )
    return ClientPage(await _project_rows(viewer, rows), total, page, pages, query)


async def my_clients(viewer: Viewer, *, limit: int = 10) -> list[ClientView]:
    """The visible clients whose care team the viewer is in."""
    scope = visible_clients_condition(viewer)
    if scope is None:
        return []
    mine = Client.id.is_in(
        CareTeamMember.select(CareTeamMember.client).where(
            CareTeamMember.person == viewer.person_id
        )
    )
    rows = (
        await Client.select(*_LIST_COLUMNS)
        .where(scope & mine)
        .order_by(Client.last_name, Client.first_name)
        .limit(limit)
    )
    return await _project_rows(viewer, rows)


async def open_client(
    viewer: Viewer, client_id: int, *, action: str = "client.opened"
) -> ClientView:
    """One client as the viewer may see it, written to the access log; 404 if not theirs to see."""
    found = await client_with_relation(viewer, client_id)
    if found is None:
        raise NotFoundException()
    row, relation = found
    view = project_client(viewer, relation, row)
    if view is None:
        raise NotFoundException()
    await record_access(viewer, client_id, action, view.revealed)
    return view


@dataclass(frozen=True)
class Cursor:
    occurred_at: dt.datetime
    event_id: int

    def encode(self) -> str:
        return f"{self.occurred_at.isoformat()}_{self.event_id}"

    @classmethod
    def decode(cls, raw: str | None) -> Cursor | None:
        if not raw:
            return None
        stamp, _, event_id = raw.rpartition("_")
        try:
            when = dt.datetime.fromisoformat(stamp)
            return cls(when if when.tzinfo else when.replace(tzinfo=dt.UTC), int(event_id))
        except ValueError:
            return None


@dataclass(frozen=True)
class TimelinePage:
    events: list[EventView]
    next_cursor: str | None
    kind: str | None


_EVENT_COLUMNS = (
    TimelineEvent.id,
    TimelineEvent.kind,
    TimelineEvent.occurred_at,
    TimelineEvent.audience,
    TimelineEvent.sensitivity,
    TimelineEvent.author_org,
    TimelineEvent.title,
    TimelineEvent.body,
    TimelineEvent.payload,
    TimelineEvent.author.display_name,
    TimelineEvent.author_org.name,
)


async def timeline(
    viewer: Viewer,
    client: ClientView,
    *,
    kind: str | None = None,
    before: Cursor | None = None,
    limit: int = TIMELINE_PAGE_SIZE,
) -> TimelinePage:
    """One screen of a client's timeline, newest first, in one query whatever its length."""
    allowed = timeline_condition(viewer, client.relation, kind=kind)
    if allowed is None:
        return TimelinePage([], None, kind)
    condition: Any = TimelineEvent.client == client.id
    if allowed is not True:
        condition = condition & allowed
    if kind:
        condition = condition & (TimelineEvent.kind == kind)
    if before is not None:
        condition = condition & (
            (TimelineEvent.occurred_at < before.occurred_at)
            | (
                (TimelineEvent.occurred_at == before.occurred_at)
                & (TimelineEvent.id < before.event_id)
            )
        )
    rows = (
        await TimelineEvent.select(*_EVENT_COLUMNS)
        .where(condition)
        .order_by(TimelineEvent.occurred_at, TimelineEvent.id, ascending=False)
        .limit(limit + 1)
        .output(load_json=True)
    )
    more = len(rows) > limit
    rows = rows[:limit]
    events = [e for e in (project_event(viewer, client.relation, r) for r in rows) if e]
    next_cursor = (
        Cursor(rows[-1]["occurred_at"], rows[-1]["id"]).encode() if more and rows else None
    )
    return TimelinePage(events, next_cursor, kind)


@dataclass(frozen=True)
class Activity:
    client: ClientView
    event: EventView


async def recent_activity(
    viewer: Viewer, clients: list[ClientView], *, limit: int = 10
) -> list[Activity]:
    """The latest readable events on the given (already projected) clients, in one query."""
    if not clients:
        return []
    by_id = {c.id: c for c in clients}
    rows = (
        await TimelineEvent.select(TimelineEvent.client, *_EVENT_COLUMNS)
        .where(TimelineEvent.client.is_in(list(by_id)))
        .order_by(TimelineEvent.occurred_at, TimelineEvent.id, ascending=False)
        .limit(limit * 5)
        .output(load_json=True)
    )
    activity = []
    for row in rows:
        client = by_id[row["client"]]
        event = project_event(viewer, client.relation, row)
        if event is not None and not event.withheld:
            activity.append(Activity(client, event))
        if len(activity) == limit:
            break
    return activity

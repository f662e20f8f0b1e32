"""Reading the access log: a file's log for its file holder and their coordinator ("Wie heeft dit
dossier bekeken?"), filtered by person, organisation, kind and period, newest first, a page at a
time; and a person's own recent accesses."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from litestar.exceptions import NotFoundException

from portal.accounts.tables import Organisation, Person
from portal.audit.services import LISTED, REASON_STATED, REFUSED
from portal.audit.tables import AccessLogEntry
from portal.audit.visibility import AccessView, reads_file_log
from portal.clients.tables import Client
from portal.clients.visibility import ClientView
from portal.core.i18n import N_
from portal.core.periods import today_in_belgium
from portal.core.templating import LOCAL_TIME
from portal.timeline.services import Cursor
from portal.visibility.records import visible_to
from portal.visibility.viewer import Viewer

PAGE_SIZE = 50
OWN_DAYS = 90
"""A person's own accesses: the last three months."""

BREAK_THE_GLASS = REASON_STATED

KINDS: dict[str, tuple[str, tuple[str, ...]]] = {
    "opened": (
        N_("Opened the file"),
        ("client.opened", "client.timeline_read", "client.live_entry"),
    ),
    "sensitive": (N_("Read a sensitive section"), ("client.section_read",)),
    "reason": (N_("Stated a reason to see more"), (BREAK_THE_GLASS,)),
    "documents": (N_("Documents"), ("document.download", "document.upload")),
    "records": (
        N_("Read an intake, review, question or signal"),
        ("intake.read", "review.read", "question.read", "signal.read"),
    ),
    "exported": (N_("Exported the file"), ("client.exported",)),
    "listed": (N_("Saw the client in a list or search"), (LISTED,)),
    "refused": (N_("Was refused"), (REFUSED,)),
}
"""The kinds the page filters by, each with the actions it covers."""

ACTION_LABELS = {
    "client.opened": N_("opened the file"),
    "client.timeline_read": N_("read more of the timeline"),
    "client.live_entry": N_("saw a new entry appear on the open file"),
    "client.section_read": N_("read a sensitive section"),
    BREAK_THE_GLASS: N_("stated a reason to see more"),
    "document.download": N_("downloaded a document"),
    "document.upload": N_("added a document"),
    "intake.read": N_("read the intake"),
    "review.read": N_("read the activation review"),
    "question.read": N_("read a referral question"),
    "signal.read": N_("read a signal about the client"),
    "client.exported": N_("exported the file (GDPR subject access)"),
    LISTED: N_("saw the client in a list or search"),
    REFUSED: N_("asked for the file and was refused"),
}


@dataclass(frozen=True)
class Filters:
    person: int | None = None
    organisation: int | None = None
    kind: str | None = None
    since: dt.date | None = None
    until: dt.date | None = None

    def query(self) -> dict[str, str]:
        values = {
            "person": self.person,
            "organisation": self.organisation,
            "kind": self.kind,
            "from": self.since.isoformat() if self.since else None,
            "to": self.until.isoformat() if self.until else None,
        }
        return {key: str(value) for key, value in values.items() if value is not None}


REPEATED = frozenset({LISTED, "client.opened", "client.timeline_read", "client.live_entry"})
"""Actions a person repeats all day (every list they open names the client): one after the other
on the same day, they read as one line with a count."""


@dataclass(frozen=True)
class Run:
    """One line of the log: an entry, or the newest of entries that say the same thing."""

    entry: AccessView
    count: int = 1
    since: dt.datetime | None = None
    """The time of the oldest entry of the run, when it has more than one."""


def _same(entry: AccessView) -> tuple[Any, ...] | None:
    if entry.action not in REPEATED:
        return None
    day = entry.at.astimezone(LOCAL_TIME).date()
    return (entry.person, entry.action, entry.revealed, entry.client_id, entry.cross_site, day)


def runs_of(entries: list[AccessView]) -> list[Run]:
    """The entries, newest first, with each stretch of the same repeated action by the same person
    on the same day folded into one ``Run``; nothing is left out, only counted."""
    lines: list[Run] = []
    last_key: tuple[Any, ...] | None = None
    for entry in entries:
        key = _same(entry)
        if key is not None and key == last_key:
            run = lines[-1]
            lines[-1] = Run(run.entry, run.count + 1, entry.at)
            continue
        lines.append(Run(entry))
        last_key = key
    return lines


@dataclass
class LogPage:
    entries: list[AccessView]
    next_cursor: str | None
    organisations: dict[int, str] = field(default_factory=dict)
    people: list[tuple[int, str]] = field(default_factory=list)
    """Who appears in the file's log, to filter by."""
    client_names: dict[int, str] = field(default_factory=dict)
    """Own accesses: the clients the viewer may still see, by id."""
    filters: Filters = field(default_factory=Filters)

    @property
    def runs(self) -> list[Run]:
        return runs_of(self.entries)


_COLUMNS = (
    AccessLogEntry.id,
    AccessLogEntry.at,
    AccessLogEntry.person,
    AccessLogEntry.person.display_name,
    AccessLogEntry.client_id,
    AccessLogEntry.action,
    AccessLogEntry.revealed,
    AccessLogEntry.subject,
    AccessLogEntry.reason,
    AccessLogEntry.organisation,
    AccessLogEntry.roles,
    AccessLogEntry.cross_site,
)


def _start_of(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(), tzinfo=LOCAL_TIME).astimezone(dt.UTC)


def _older_than(cursor: Cursor) -> Any:
    assert cursor.occurred_at is not None
    return (AccessLogEntry.at < cursor.occurred_at) | (
        (AccessLogEntry.at == cursor.occurred_at) & (AccessLogEntry.id < cursor.event_id)
    )


async def _page(
    scope: Any, query: Any, before: Cursor | None
) -> tuple[list[AccessView], str | None]:
    if before is not None and before.occurred_at is not None:
        query = query.where(_older_than(before))
    rows = await query.order_by(AccessLogEntry.at, AccessLogEntry.id, ascending=False).limit(
        PAGE_SIZE + 1
    )
    entries = scope.project_all(rows[:PAGE_SIZE])
    more = len(rows) > PAGE_SIZE and entries
    last = entries[-1] if more else None
    return entries, Cursor(last.at, last.id).encode() if last else None


async def _person_names(ids: set[int]) -> dict[int, str]:
    """Who appears in a file's log, by name: read apart from the log itself, whose distinct
    readers an index gives without touching its rows."""
    if not ids:
        return {}
    rows = await Person.select(Person.id, Person.display_name).where(Person.id.is_in(sorted(ids)))
    return {row["id"]: row["display_name"] for row in rows}


async def _organisation_names(ids: set[int]) -> dict[int, str]:
    if not ids:
        return {}
    rows = await Organisation.select(Organisation.id, Organisation.name).where(
        Organisation.id.is_in(sorted(ids))
    )
    return {row["id"]: row["name"] for row in rows}


async def file_log(
    viewer: Viewer, client: ClientView, filters: Filters, before: Cursor | None
) -> LogPage:
    """One page of a file's log; 404 for anyone but its file holder and their coordinator."""
    if not reads_file_log(viewer, client.relation):
        raise NotFoundException()
    scope = visible_to(viewer, AccessLogEntry, client=client)
    query = scope.select(*_COLUMNS)
    if filters.person is not None:
        query = query.where(AccessLogEntry.person == filters.person)
    if filters.organisation is not None:
        query = query.where(AccessLogEntry.organisation == filters.organisation)
    if filters.kind in KINDS:
        query = query.where(AccessLogEntry.action.is_in(list(KINDS[filters.kind][1])))
    if filters.since is not None:
        query = query.where(AccessLogEntry.at >= _start_of(filters.since))
    if filters.until is not None:
        query = query.where(AccessLogEntry.at < _start_of(filters.until + dt.timedelta(days=1)))
    entries, cursor = await _page(scope, query, before)
    who = await scope.select(AccessLogEntry.person, AccessLogEntry.organisation).distinct()
    names = await _person_names({row["person"] for row in who if row["person"]})
    people = sorted(names.items(), key=lambda person: (person[1], person[0]))
    orgs = {row["organisation"] for row in who if row["organisation"]}
    return LogPage(entries, cursor, await _organisation_names(orgs), people, filters=filters)


async def own_log(viewer: Viewer, before: Cursor | None) -> LogPage:
    """The viewer's own accesses of the last ``OWN_DAYS`` days."""
    scope = visible_to(viewer, AccessLogEntry, own=True)
    since = _start_of(today_in_belgium() - dt.timedelta(days=OWN_DAYS))
    query = scope.select(*_COLUMNS).where(AccessLogEntry.at >= since)
    entries, cursor = await _page(scope, query, before)
    shown = {entry.client_id for entry in entries if entry.client_shown and entry.client_id}
    clients = visible_to(viewer, Client)
    rows = (
        await clients.select(Client.id, Client.first_name, Client.last_name).where(
            Client.id.is_in(sorted(shown))
        )
        if shown
        else []
    )
    names = {view.id: view.full_name for view in clients.project_all(rows)}
    page = LogPage(entries, cursor, await _organisation_names({viewer.org_id}))
    page.client_names = names
    return page

"""The inbox: items written inside the unit of work of what caused them, read back for their
person through each record's own scope (``kinds.py``), marked read one by one, all at once, or
when the person opens the record itself."""

from __future__ import annotations

import datetime as dt
import functools
from collections import defaultdict
from collections.abc import Awaitable, Callable, Collection, Iterable, Sequence
from dataclasses import dataclass

from piccolo.query.functions.aggregate import Count
from piccolo.querystring import QueryString

from portal.core.db import current_unit_of_work, unit_of_work
from portal.core.i18n import gettext_ as _
from portal.notifications import kinds
from portal.notifications.tables import DigestChoice, InboxItem
from portal.visibility.viewer import Viewer

PAGE_SIZE = 25
MAX_PAGE = 1_000

UNREAD_SQL = QueryString(
    "(SELECT COUNT(*) FROM inbox_item WHERE inbox_item.person = person.id"
    " AND inbox_item.read_at IS NULL)"
)
"""The unread count as a column of the person's own row: the header shows it without a query."""


Listener = Callable[[int], Awaitable[None] | None]
_listeners: list[Listener] = []


def on_notified(listener: Listener) -> None:
    """Register a side effect run, after the commit, for each person who got an item (the start
    page's live stream)."""
    _listeners.append(listener)


async def notify(
    people: Iterable[int | None],
    code: str,
    record_id: int,
    *,
    detail: int | None = None,
    organisation: int | None = None,
    at: dt.datetime | None = None,
) -> None:
    """One item of kind ``code`` for each person (inside the caller's unit of work)."""
    unit = current_unit_of_work()
    kind = kinds.kind(code)
    persons = sorted({p for p in people if p is not None})
    if not persons:
        return
    moment = at or dt.datetime.now(dt.UTC)
    await InboxItem.insert(
        *(
            InboxItem(
                person=person,
                kind=code,
                record=kind.record,
                record_id=record_id,
                detail=detail,
                organisation=organisation,
                created_at=moment,
            )
            for person in persons
        )
    )
    for listener in _listeners:
        for person in persons:
            unit.after_commit(functools.partial(listener, person))


# Reading by record -----------------------------------------------------------------------------


def _of(viewer: Viewer, record: str) -> QueryString:
    return (InboxItem.person == viewer.person_id) & (InboxItem.record == record)  # type: ignore[return-value]


async def unread_of(viewer: Viewer, record: str, record_ids: Sequence[int]) -> dict[int, int]:
    """How many unread items each of these records (already read through their scope) has."""
    if not record_ids:
        return {}
    rows = await (
        InboxItem.select(InboxItem.record_id, Count(InboxItem.id, alias="news"))
        .where(_of(viewer, record))
        .where(InboxItem.record_id.is_in(list(record_ids)) & InboxItem.read_at.is_null())
        .group_by(InboxItem.record_id)
    )
    return {row["record_id"]: row["news"] for row in rows}


async def take(viewer: Viewer, record: str, record_id: int) -> frozenset[int]:
    """The viewer now looks at this record: its unread items are read; the parts they pointed at
    (``detail``) come back, so the page can mark what is new."""
    rows = await (
        InboxItem.update({InboxItem.read_at: dt.datetime.now(dt.UTC)})
        .where(_of(viewer, record))
        .where((InboxItem.record_id == record_id) & InboxItem.read_at.is_null())
        .returning(InboxItem.detail)
    )
    return frozenset(row["detail"] for row in rows if row["detail"] is not None)


# The inbox page --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Line:
    id: int
    text: str
    href: str | None
    created_at: dt.datetime
    read: bool


@dataclass(frozen=True)
class Inbox:
    lines: list[Line]
    page: int
    more: bool
    unread: int
    only_unread: bool


async def inbox(viewer: Viewer, *, page: int = 1, only_unread: bool = False) -> Inbox:
    """One page of the viewer's items, newest first, each projected for them now: one query for
    the items and one per kind of record on the page."""
    page = min(max(page, 1), MAX_PAGE)
    query = InboxItem.select(
        InboxItem.id,
        InboxItem.kind,
        InboxItem.record,
        InboxItem.record_id,
        InboxItem.created_at,
        InboxItem.read_at,
        InboxItem.organisation.name,
    ).where(InboxItem.person == viewer.person_id)
    if only_unread:
        query = query.where(InboxItem.read_at.is_null())
    rows = await (
        query.order_by(InboxItem.created_at, InboxItem.id, ascending=False)
        .offset((page - 1) * PAGE_SIZE)
        .limit(PAGE_SIZE + 1)
    )
    more = len(rows) > PAGE_SIZE
    rows = rows[:PAGE_SIZE]
    wanted: dict[str, set[int]] = defaultdict(set)
    for row in rows:
        wanted[row["record"]].add(row["record_id"])
    targets = {
        record: await kinds.source(record).resolve(viewer, sorted(ids))
        for record, ids in wanted.items()
    }
    lines = [_line(row, targets[row["record"]].get(row["record_id"])) for row in rows]
    return Inbox(lines, page, more, viewer.unread, only_unread)


def _line(row: dict, target: kinds.Target | None) -> Line:
    kind = kinds.kind(row["kind"])
    organisation = row["organisation.name"] or ""
    if target is None:
        text = _(kind.line if not kind.named else kind.gone) % {
            "record": "",
            "organisation": organisation,
        }
    else:
        text = _(kind.line) % {"record": target.title, "organisation": organisation}
    return Line(
        id=row["id"],
        text=text,
        href=target.href if target else None,
        created_at=row["created_at"],
        read=row["read_at"] is not None,
    )


async def unread_count(viewer: Viewer) -> int:
    """The count as it is now (the viewer's own may be a few seconds old): for a live refresh."""
    return int(
        await InboxItem.count().where(
            (InboxItem.person == viewer.person_id) & InboxItem.read_at.is_null()
        )
    )


class NoSuchItem(LookupError):
    """Not an item of this person (404)."""


async def mark_read(viewer: Viewer, item_id: int) -> None:
    rows = await (
        InboxItem.update({InboxItem.read_at: dt.datetime.now(dt.UTC)})
        .where((InboxItem.id == item_id) & (InboxItem.person == viewer.person_id))
        .returning(InboxItem.id)
    )
    if not rows:
        raise NoSuchItem(item_id)


async def mark_all_read(viewer: Viewer, *, only: Collection[int] | None = None) -> int:
    """Every unread item of the viewer, or those of ``only`` among them."""
    if only is not None and not only:
        return 0
    query = InboxItem.update({InboxItem.read_at: dt.datetime.now(dt.UTC)}).where(
        (InboxItem.person == viewer.person_id) & InboxItem.read_at.is_null()
    )
    if only is not None:
        query = query.where(InboxItem.id.is_in(list(only)))
    return len(await query.returning(InboxItem.id))


# The e-mail digest choice ----------------------------------------------------------------------

FREQUENCIES = ("daily", "off")


async def digest_frequency(viewer: Viewer) -> str:
    row = (
        await DigestChoice.select(DigestChoice.frequency)
        .where(DigestChoice.person == viewer.person_id)
        .first()
    )
    return row["frequency"] if row else "off"


class BadFrequency(ValueError):
    pass


async def choose_digest(viewer: Viewer, frequency: str) -> None:
    if frequency not in FREQUENCIES:
        raise BadFrequency(frequency)
    async with unit_of_work():
        updated = await (
            DigestChoice.update({DigestChoice.frequency: frequency})
            .where(DigestChoice.person == viewer.person_id)
            .returning(DigestChoice.id)
        )
        if not updated:
            await DigestChoice(person=viewer.person_id, frequency=frequency).save()

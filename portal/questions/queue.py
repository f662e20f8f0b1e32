"""The lists of ``GET /questions``: the mediators' queue of their VDAB team, ordered by waiting time
with filters, and the questions a social worker asked or holds the file of.

Every read goes through ``visible_to(viewer, Question)``, so a question whose client withdrew
consent for the team leaves the queue at once. A filter value that is not understood is ignored.
A page takes the same statements whatever the number of questions (``READS``).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from piccolo.querystring import QueryString

from portal.accounts.tables import OrgKind, Partnership
from portal.core.params import MAX_ID
from portal.core.periods import today_in_belgium
from portal.core.prepared import Bound, fetch, prepared, sharing
from portal.questions.services import COLUMNS, asks_questions
from portal.questions.tables import Question
from portal.questions.visibility import QuestionView
from portal.questions.workflow import STATE_BY_CODE, TYPE_BY_CODE, WAITING
from portal.visibility.policy import Role
from portal.visibility.records import visible_to
from portal.visibility.viewer import Viewer

PAGE_SIZE = 25
MAX_PAGE = 10_000
ALL_STATES = "all"
READS = 5
"""A queue page: the OCMW choices, the count, the rows; the asker's list: the count, the rows (on
PostgreSQL in one statement)."""


def answers_questions(viewer: Viewer) -> bool:
    """A mediator of a VDAB team: the team's queue."""
    return viewer.org_kind == OrgKind.vdab and Role.mediator in viewer.roles


@dataclass(frozen=True)
class QueueFilters:
    type: str = ""
    ocmw: int | None = None
    state: str = ""
    """A state code, ``all``, or empty for the waiting ones (the default)."""
    overdue: bool = False
    mine: bool = False
    """Claimed by the viewer."""
    page: int = 1

    def params(self, **changes: Any) -> dict[str, str]:
        values = dataclasses.replace(self, **changes) if changes else self
        params = {
            "type": values.type,
            "ocmw": str(values.ocmw) if values.ocmw else "",
            "state": values.state,
            "overdue": "1" if values.overdue else "",
            "mine": "1" if values.mine else "",
            "page": str(values.page) if values.page > 1 else "",
        }
        return {key: value for key, value in params.items() if value}

    def url(self, **changes: Any) -> str:
        query = urlencode(self.params(**changes))
        return f"/questions?{query}" if query else "/questions"

    @property
    def active(self) -> bool:
        return bool(self.params(page=1))


def _number(value: str, highest: int) -> int | None:
    value = value.strip()
    if not value.isdigit() or len(value) > 10:
        return None
    number = int(value)
    return number if 1 <= number <= highest else None


def parse(params: Mapping[str, str]) -> QueueFilters:
    kind = (params.get("type") or "").strip()
    state = (params.get("state") or "").strip()
    return QueueFilters(
        type=kind if kind in TYPE_BY_CODE else "",
        ocmw=_number(params.get("ocmw") or "", MAX_ID),
        state=state if state in STATE_BY_CODE or state == ALL_STATES else "",
        overdue=params.get("overdue") == "1",
        mine=params.get("mine") == "1",
        page=_number(params.get("page") or "", MAX_PAGE) or 1,
    )


@dataclass(frozen=True)
class Listing:
    questions: list[QuestionView]
    total: int
    page: int
    pages: int
    previous_url: str = ""
    next_url: str = ""


@dataclass(frozen=True)
class Queue:
    team_name: str
    filters: QueueFilters
    listing: Listing
    ocmws: list[tuple[int, str]]


@dataclass(frozen=True)
class QuestionsPage:
    queue: Queue | None = None
    asked: Listing | None = None
    today: dt.date = dt.date.min


def _overdue_sql(today: dt.date) -> QueryString:
    states = ", ".join(f"'{code}'" for code in WAITING)
    return QueryString(f'("question"."state" IN ({states}) AND "question"."due_on" < {{}})', today)


@dataclass(frozen=True)
class Wanted:
    """Which questions a listing holds: each condition that is set, by its value."""

    team: int | None = None
    state: str | None = None
    waiting: bool = False
    """One of the states that wait for the team (``WAITING``)."""
    type: str | None = None
    ocmw: int | None = None
    overdue_on: dt.date | None = None
    """Past their deadline on this day."""
    assignee: int | None = None
    asked_or_held_by: int | None = None
    """Asked by this person, or about a client whose file they hold."""

    def conditions(self) -> list[QueryString]:
        found = []
        if self.team is not None:
            found.append(QueryString('"question"."team" = {}', self.team))
        if self.state is not None:
            found.append(QueryString('"question"."state" = {}', self.state))
        if self.waiting:
            listed = ", ".join("{}" for _ in WAITING)
            found.append(QueryString(f'"question"."state" IN ({listed})', *WAITING))
        if self.type is not None:
            found.append(QueryString('"question"."type" = {}', self.type))
        if self.ocmw is not None:
            found.append(QueryString('"question"."ocmw" = {}', self.ocmw))
        if self.overdue_on is not None:
            found.append(_overdue_sql(self.overdue_on))
        if self.assignee is not None:
            found.append(QueryString('"question"."assignee" = {}', self.assignee))
        if self.asked_or_held_by is not None:
            found.append(
                QueryString(
                    '("question"."asker" = {} OR "question"."client" IN'
                    ' (SELECT "client"."id" FROM "client" WHERE "client"."file_holder" = {}))',
                    self.asked_or_held_by,
                    self.asked_or_held_by,
                )
            )
        return found


_VALUES = {
    "wanted": ("team", "state", "type", "ocmw", "overdue_on", "assignee", "asked_or_held_by")
}


@prepared(values=_VALUES)
def _count(viewer: Viewer, wanted: Wanted) -> Any:
    # The scope's count, not a COUNT beside the select's relation column: PostgreSQL refuses
    # an aggregate next to the relation's subqueries on the outer row (GroupingError).
    counting = visible_to(viewer, Question).count()
    for condition in wanted.conditions():
        counting = counting.where(condition)
    return counting


@prepared(values=_VALUES)
def _page(viewer: Viewer, wanted: Wanted, page: int, oldest_first: bool) -> Any:
    reading = visible_to(viewer, Question).select(*COLUMNS)
    for condition in wanted.conditions():
        reading = reading.where(condition)
    return (
        reading.order_by(Question.created_at, ascending=oldest_first)
        .order_by(Question.id, ascending=oldest_first)
        .limit(PAGE_SIZE)
        .offset((page - 1) * PAGE_SIZE)
    )


def _listing_reads(viewer: Viewer, wanted: Wanted, page: int, oldest_first: bool) -> list[Bound]:
    return [_count.bind(viewer, wanted), _page.bind(viewer, wanted, page, oldest_first)]


async def _listing(
    viewer: Viewer, wanted: Wanted, page: int, *, oldest_first: bool, url: Any
) -> Listing:
    total = int(await _count(viewer, wanted))
    pages = max(1, math.ceil(total / PAGE_SIZE))
    page = min(page, pages)
    rows = await _page(viewer, wanted, page, oldest_first)
    return Listing(
        questions=visible_to(viewer, Question).project_all(rows),
        total=total,
        page=page,
        pages=pages,
        previous_url=url(page - 1) if page > 1 else "",
        next_url=url(page + 1) if page < pages else "",
    )


@prepared(values={})
def _ocmw_choices(viewer: Viewer) -> Any:
    return (
        Partnership.select(Partnership.ocmw, Partnership.ocmw.name)
        .where(Partnership.vdab == viewer.org_id)
        .order_by(Partnership.ocmw.name)
    )


def _team_wanted(viewer: Viewer, filters: QueueFilters, today: dt.date) -> Wanted:
    return Wanted(
        team=viewer.org_id,
        state=filters.state if filters.state not in ("", ALL_STATES) else None,
        waiting=not filters.state,
        type=filters.type or None,
        ocmw=filters.ocmw,
        overdue_on=today if filters.overdue else None,
        assignee=viewer.person_id if filters.mine else None,
    )


def _queue_reads(viewer: Viewer, filters: QueueFilters, today: dt.date) -> list[Bound]:
    wanted = _team_wanted(viewer, filters, today)
    oldest_first = filters.state in ("", *WAITING)
    return [_ocmw_choices.bind(viewer), *_listing_reads(viewer, wanted, filters.page, oldest_first)]


async def _queue(viewer: Viewer, filters: QueueFilters, today: dt.date) -> Queue:
    ocmw_rows = await _ocmw_choices(viewer)
    ocmws = list(dict.fromkeys((row["ocmw"], row["ocmw.name"]) for row in ocmw_rows))
    listing = await _listing(
        viewer,
        _team_wanted(viewer, filters, today),
        filters.page,
        oldest_first=filters.state in ("", *WAITING),
        url=lambda page: filters.url(page=page),
    )
    return Queue(viewer.org_name, filters, listing, ocmws)


def _asked_page(params: Mapping[str, str]) -> int:
    return _number(params.get("asked_page") or "", MAX_PAGE) or 1


async def _asked(viewer: Viewer, params: Mapping[str, str]) -> Listing:
    """The questions the viewer asked, or about a client whose file they hold, newest first."""

    def url(number: int) -> str:
        return f"/questions?asked_page={number}" if number > 1 else "/questions"

    wanted = Wanted(asked_or_held_by=viewer.person_id)
    return await _listing(viewer, wanted, _asked_page(params), oldest_first=False, url=url)


def _waiting_of_asker(viewer: Viewer) -> Wanted:
    return Wanted(waiting=True, asked_or_held_by=viewer.person_id)


async def waiting(viewer: Viewer, today: dt.date) -> Listing | None:
    """The start page's share: a mediator's team queue as it opens (waiting, oldest first), or
    the questions a social worker asked or holds the file of that still wait, oldest first."""
    if answers_questions(viewer):
        return (await _queue(viewer, QueueFilters(), today)).listing
    if not asks_questions(viewer):
        return None
    wanted = _waiting_of_asker(viewer)
    return await _listing(viewer, wanted, 1, oldest_first=True, url=lambda _page: "/questions")


async def questions_page(viewer: Viewer, params: Mapping[str, str]) -> QuestionsPage:
    today = today_in_belgium()
    filters = parse(params)
    with sharing():
        reads = _queue_reads(viewer, filters, today) if answers_questions(viewer) else []
        if asks_questions(viewer):
            wanted = Wanted(asked_or_held_by=viewer.person_id)
            reads += _listing_reads(viewer, wanted, _asked_page(params), False)
        await fetch(*reads)
        queue = await _queue(viewer, filters, today) if answers_questions(viewer) else None
        asked = await _asked(viewer, params) if asks_questions(viewer) else None
    return QuestionsPage(queue=queue, asked=asked, today=today)

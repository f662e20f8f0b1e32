"""The lists of ``GET /questions``: the mediators' queue of their VDAB team, ordered by waiting time
with filters, and the questions a social worker asked or holds the file of.

Every read goes through ``visible_to(viewer, Question)``, so a question whose client withdrew
consent for the team leaves the queue at once. A filter value that is not understood is ignored.
A page takes the same statements whatever the number of questions (``STATEMENTS``).
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
from portal.questions.services import COLUMNS, asks_questions
from portal.questions.tables import Question
from portal.questions.visibility import QuestionView
from portal.questions.workflow import STATE_BY_CODE, TYPE_BY_CODE, WAITING
from portal.visibility.policy import Role
from portal.visibility.records import Scope, visible_to
from portal.visibility.viewer import Viewer

PAGE_SIZE = 25
MAX_PAGE = 10_000
ALL_STATES = "all"
STATEMENTS = 5
"""A queue page: the OCMW choices, the count, the rows; the asker's list: the count, the rows."""


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


async def _listing(
    scope: Scope,
    conditions: list[QueryString],
    page: int,
    *,
    oldest_first: bool,
    url: Any,
) -> Listing:
    # The scope's count, not a COUNT beside the select's relation column: PostgreSQL refuses
    # an aggregate next to the relation's subqueries on the outer row (GroupingError).
    counting = scope.count()
    reading = scope.select(*COLUMNS)
    for condition in conditions:
        counting = counting.where(condition)
        reading = reading.where(condition)
    total = int(await counting)
    pages = max(1, math.ceil(total / PAGE_SIZE))
    page = min(page, pages)
    rows = await (
        reading.order_by(Question.created_at, ascending=oldest_first)
        .order_by(Question.id, ascending=oldest_first)
        .limit(PAGE_SIZE)
        .offset((page - 1) * PAGE_SIZE)
    )
    return Listing(
        questions=scope.project_all(rows),
        total=total,
        page=page,
        pages=pages,
        previous_url=url(page - 1) if page > 1 else "",
        next_url=url(page + 1) if page < pages else "",
    )


async def _queue(viewer: Viewer, params: Mapping[str, str], today: dt.date) -> Queue:
    filters = parse(params)
    ocmw_rows = await (
        Partnership.select(Partnership.ocmw, Partnership.ocmw.name)
        .where(Partnership.vdab == viewer.org_id)
        .order_by(Partnership.ocmw.name)
    )
    ocmws = list(dict.fromkeys((row["ocmw"], row["ocmw.name"]) for row in ocmw_rows))
    conditions = [QueryString('"question"."team" = {}', viewer.org_id)]
    if filters.state == ALL_STATES:
        pass
    elif filters.state:
        conditions.append(QueryString('"question"."state" = {}', filters.state))
    else:
        conditions.append(
            QueryString(
                '"question"."state" IN (' + ", ".join("{}" for _ in WAITING) + ")", *WAITING
            )
        )
    if filters.type:
        conditions.append(QueryString('"question"."type" = {}', filters.type))
    if filters.ocmw:
        conditions.append(QueryString('"question"."ocmw" = {}', filters.ocmw))
    if filters.overdue:
        conditions.append(_overdue_sql(today))
    if filters.mine:
        conditions.append(QueryString('"question"."assignee" = {}', viewer.person_id))
    waiting = filters.state in ("", *WAITING)
    listing = await _listing(
        visible_to(viewer, Question),
        conditions,
        filters.page,
        oldest_first=waiting,
        url=lambda page: filters.url(page=page),
    )
    return Queue(viewer.org_name, filters, listing, ocmws)


async def _asked(viewer: Viewer, params: Mapping[str, str]) -> Listing:
    """The questions the viewer asked, or about a client whose file they hold, newest first."""
    page = _number(params.get("asked_page") or "", MAX_PAGE) or 1
    mine = QueryString(
        '("question"."asker" = {} OR "question"."client" IN'
        ' (SELECT "client"."id" FROM "client" WHERE "client"."file_holder" = {}))',
        viewer.person_id,
        viewer.person_id,
    )

    def url(number: int) -> str:
        return f"/questions?asked_page={number}" if number > 1 else "/questions"

    return await _listing(visible_to(viewer, Question), [mine], page, oldest_first=False, url=url)


async def waiting(viewer: Viewer, today: dt.date) -> Listing | None:
    """The start page's share: a mediator's team queue as it opens (waiting, oldest first), or
    the questions a social worker asked or holds the file of that still wait, oldest first."""
    if answers_questions(viewer):
        return (await _queue(viewer, {}, today)).listing
    if not asks_questions(viewer):
        return None
    states = ", ".join("{}" for _ in WAITING)
    mine = QueryString(
        '("question"."asker" = {} OR "question"."client" IN'  # noqa: S608  # nosec B608  # placeholders only
        ' (SELECT "client"."id" FROM "client" WHERE "client"."file_holder" = {}))'
        f' AND "question"."state" IN ({states})',
        viewer.person_id,
        viewer.person_id,
        *WAITING,
    )
    return await _listing(
        visible_to(viewer, Question), [mine], 1, oldest_first=True, url=lambda _page: "/questions"
    )


async def questions_page(viewer: Viewer, params: Mapping[str, str]) -> QuestionsPage:
    today = today_in_belgium()
    queue = await _queue(viewer, params, today) if answers_questions(viewer) else None
    asked = await _asked(viewer, params) if asks_questions(viewer) else None
    return QuestionsPage(queue=queue, asked=asked, today=today)

"""The quarterly activation review: reading a round as the viewer may, opening a round, marking a
client.

Who takes part is decided once (``part_of``): the OCMW's social workers are the team that marks;
its coordinator follows the progress as suppressed counts; for everyone else the review does not
exist (404). Items are read through ``visible_to(viewer, ReviewItem)`` and clients through
``visible_to(viewer, Client)``; every mark is one unit of work with its timeline event.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from litestar.exceptions import NotFoundException

from portal.accounts.tables import OrgKind
from portal.audit.services import LOGGED_CLASSES, record_access
from portal.clients.changes import Invalid
from portal.clients.services import NotAllowed
from portal.clients.tables import Client
from portal.clients.visibility import ClientView
from portal.clients.workflow import LADDER, STATUS_BY_CODE, Status
from portal.core.db import unit_of_work
from portal.core.i18n import N_
from portal.core.i18n import gettext_ as _
from portal.core.prepared import Bound, prepared
from portal.core.templating import local_time
from portal.review import events
from portal.review.tables import ReviewItem, ReviewRound
from portal.review.visibility import ItemView, reads_reason
from portal.review.workflow import (
    DECISION_BY_CODE,
    HEALTH_KIND,
    NOT_YET,
    READY,
    REASON_BY_CODE,
    Quarter,
    is_on_list,
    reminds,
)
from portal.timeline.services import append
from portal.visibility.aggregates import suppress
from portal.visibility.policy import Audience, Role, Sensitivity
from portal.visibility.records import visible_to
from portal.visibility.scoping import unscoped
from portal.visibility.viewer import Viewer

REASON_MIN, REASON_MAX = 3, 2000
REVIEW_READ = "review.read"
"""The access-log action of reading a review item whose health reason the reader is shown."""


class Part(StrEnum):
    team = "team"
    """A social worker of an OCMW: opens rounds, marks clients, imports the first list."""
    progress = "progress"
    """The OCMW's coordinator: the progress of its rounds, as counts."""


def part_of(viewer: Viewer | None) -> Part | None:
    if viewer is None or viewer.org_kind != OrgKind.ocmw:
        return None
    if Role.social_worker in viewer.roles:
        return Part.team
    if Role.coordinator in viewer.roles:
        return Part.progress
    return None


def taking_part(viewer: Viewer) -> Part:
    part = part_of(viewer)
    if part is None:
        raise NotFoundException()
    return part


def _team(viewer: Viewer) -> None:
    if taking_part(viewer) is not Part.team:
        raise NotAllowed("only the OCMW's social workers work on the review list")


def today_in_belgium() -> dt.date:
    return local_time(dt.datetime.now(dt.UTC)).date()


# Progress ------------------------------------------------------------------------------------

COLUMNS = (READY, NOT_YET, "")


@dataclass(frozen=True)
class Progress:
    total: str
    counts: tuple[tuple[str, str], ...]
    """(decision code, ``''`` for not marked; the count as shown)."""
    marked: str | None = None
    """"x of y marked", for the team (exact counts); ``None`` where counts are suppressed."""
    percent: int | None = None
    unmarked: int = 0


def _exact(counts: Counter[str]) -> Progress:
    total = sum(counts.values())
    marked = total - counts[""]
    return Progress(
        total=str(total),
        counts=tuple((code, str(counts[code])) for code in COLUMNS),
        marked=_("%(marked)s of %(total)s marked") % {"marked": marked, "total": total},
        percent=round(100 * marked / total) if total else 100,
        unmarked=counts[""],
    )


def _suppressed(counts: Counter[str]) -> Progress:
    table = suppress(["round"], list(COLUMNS), [[counts[code] for code in COLUMNS]])
    return Progress(
        total=table.total.label,
        counts=tuple(
            (code, cell.label) for code, cell in zip(COLUMNS, table.cells[0], strict=True)
        ),
    )


async def _decisions(viewer: Viewer, part: Part, round_ids: list[int]) -> dict[int, Counter[str]]:
    """Per round, how many items carry each decision: through the team's scope, or as bare
    counts for the coordinator (no item leaves this function)."""
    found: dict[int, Counter[str]] = {round_id: Counter() for round_id in round_ids}
    if not round_ids:
        return found
    if part is Part.team:
        rows = (
            await visible_to(viewer, ReviewItem)
            .select(ReviewItem.round, ReviewItem.decision)
            .where(ReviewItem.round.is_in(round_ids))
        )
    else:
        with unscoped("review progress for the OCMW's coordinator: decisions counted, no row"):
            rows = await ReviewItem.select(ReviewItem.round, ReviewItem.decision).where(
                ReviewItem.round.is_in(round_ids)
            )
    for row in rows:
        found[row["round"]][row["decision"]] += 1
    return found


# Rounds ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RoundSummary:
    id: int
    period: str
    opened_at: dt.datetime
    opened_by_name: str
    due_on: dt.date
    source: str
    progress: Progress


@dataclass(frozen=True)
class Reminder:
    period: str
    due_on: dt.date
    missing: bool
    """No round for the quarter yet (else: clients are still not marked)."""
    unmarked: int = 0


@dataclass(frozen=True)
class Overview:
    part: Part
    quarter: str
    current: RoundSummary | None
    earlier: list[RoundSummary]
    reminder: Reminder | None


_ROUND_COLUMNS = (
    ReviewRound.id,
    ReviewRound.period,
    ReviewRound.opened_at,
    ReviewRound.due_on,
    ReviewRound.source,
    ReviewRound.opened_by.display_name,
)


async def _summaries(viewer: Viewer, part: Part, rows: list[dict]) -> list[RoundSummary]:
    counts = await _decisions(viewer, part, [row["id"] for row in rows])
    progress = _exact if part is Part.team else _suppressed
    return [
        RoundSummary(
            id=row["id"],
            period=row["period"],
            opened_at=row["opened_at"],
            opened_by_name=row["opened_by.display_name"] or "",
            due_on=row["due_on"],
            source=row["source"],
            progress=progress(counts[row["id"]]),
        )
        for row in rows
    ]


async def overview(viewer: Viewer, *, today: dt.date | None = None) -> Overview:
    """The review page: this quarter's round (or the reminder to open it) and the earlier ones."""
    part = taking_part(viewer)
    day = today or today_in_belgium()
    quarter = Quarter.of(day)
    rows = (
        await ReviewRound.select(*_ROUND_COLUMNS)
        .where(ReviewRound.ocmw == viewer.org_id)
        .order_by(ReviewRound.period, ascending=False)
    )
    rounds = await _summaries(viewer, part, rows)
    current = next((item for item in rounds if item.period == quarter.code), None)
    unmarked = current.progress.unmarked if current and part is Part.team else 0
    reminder = None
    if reminds(quarter, day, has_round=current is not None, unmarked=unmarked):
        reminder = Reminder(quarter.code, quarter.last_day, current is None, unmarked)
    return Overview(
        part, quarter.code, current, [item for item in rounds if item is not current], reminder
    )


@dataclass(frozen=True)
class Row:
    item: ItemView
    client: ClientView
    status: Status | None
    ladder_step: int | None
    ladder_name: str | None
    since_agreement: int | None
    """Months since the agreement note; ``None`` when there is none."""
    may_mark: bool


@dataclass(frozen=True)
class RoundPage:
    part: Part
    round: RoundSummary
    rows: list[Row]
    show: str
    filters: tuple[tuple[str, str, int], ...]
    """(filter code, message id, number of rows)."""


FILTERS = (
    ("all", N_("All clients")),
    ("unmarked", N_("Not marked yet")),
    (NOT_YET, N_("Not yet")),
    (READY, N_("Ready for activation")),
)
_FILTER_DECISION = {"unmarked": "", NOT_YET: NOT_YET, READY: READY}

_CLIENT_COLUMNS = (
    Client.id,
    Client.ocmw,
    Client.file_holder,
    Client.first_name,
    Client.last_name,
    Client.status,
    Client.ladder_step,
    Client.agreement_note_on,
    Client.living_wage_start,
)
_ITEM_COLUMNS = (
    ReviewItem.id,
    ReviewItem.round,
    ReviewItem.client,
    ReviewItem.decision,
    ReviewItem.reason_kind,
    ReviewItem.reason,
    ReviewItem.sensitivity,
    ReviewItem.decided_at,
    ReviewItem.decided_by.display_name,
    ReviewItem.round.ocmw,
)


def months_between(start: dt.date, end: dt.date) -> int:
    months = (end.year - start.year) * 12 + end.month - start.month
    return max(0, months - (1 if end.day < start.day else 0))


def since_agreement(client: ClientView, today: dt.date) -> int | None:
    """Whole months since the agreement note, ``None`` without one (or not shown)."""
    made = client.values.get("agreement_note_on")
    return months_between(made, today) if isinstance(made, dt.date) else None


async def _round_row(viewer: Viewer, round_id: int) -> dict:
    row = (
        await ReviewRound.select(*_ROUND_COLUMNS, ReviewRound.ocmw)
        .where(ReviewRound.id == round_id)
        .first()
    )
    if row is None or row["ocmw"] != viewer.org_id:
        raise NotFoundException()
    return row


async def _client_views(viewer: Viewer, ids: list[int]) -> dict[int, ClientView]:
    if not ids:
        return {}
    scope = visible_to(viewer, Client)
    rows = await scope.select(*_CLIENT_COLUMNS).where(Client.id.is_in(ids))
    return {view.id: view for view in scope.project_all(rows)}


async def round_page(
    viewer: Viewer, round_id: int, *, show: str = "all", today: dt.date | None = None
) -> RoundPage:
    """One round: for the team its list (with a filter on the decision), for the coordinator its
    progress only. 404 for a round of another OCMW."""
    part = taking_part(viewer)
    row = await _round_row(viewer, round_id)
    summary = (await _summaries(viewer, part, [row]))[0]
    show = show if show in dict(FILTERS) else "all"
    if part is not Part.team:
        return RoundPage(part, summary, [], show, ())
    day = today or today_in_belgium()
    scope = visible_to(viewer, ReviewItem)
    items = scope.project_all(
        await scope.select(*_ITEM_COLUMNS).where(ReviewItem.round == round_id)
    )
    clients = await _client_views(viewer, [item.client for item in items])
    rows = []
    for item in items:
        client = clients.get(item.client)
        if client is None:
            continue
        step = client.values.get("ladder_step")
        rows.append(
            Row(
                item=item,
                client=client,
                status=STATUS_BY_CODE.get(client.values.get("status") or ""),
                ladder_step=step,
                ladder_name=LADDER.get(step) if isinstance(step, int) else None,
                since_agreement=since_agreement(client, day),
                may_mark=not item.withheld,
            )
        )
    for logged in (r for r in rows if r.item.revealed & LOGGED_CLASSES):
        await record_access(viewer, logged.client.id, REVIEW_READ, logged.item.revealed)
    rows.sort(key=lambda r: (r.client.values.get("last_name", ""), r.client.full_name, r.item.id))
    counts = Counter(r.item.decision for r in rows)
    filters = tuple(
        (code, label, len(rows) if code == "all" else counts[_FILTER_DECISION[code]])
        for code, label in FILTERS
    )
    if show != "all":
        rows = [r for r in rows if r.item.decision == _FILTER_DECISION[show]]
    return RoundPage(part, summary, rows, show, filters)


# Writing ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Mark:
    decision: str
    reason_kind: str = ""
    reason: str = ""

    @property
    def sensitivity(self) -> Sensitivity:
        kind = REASON_BY_CODE.get(self.reason_kind)
        return kind.sensitivity if kind else Sensitivity.trajectory


def mark_from(fields: Mapping[str, str]) -> Mark:
    """A mark as its form (or a spreadsheet row) gives it; ``Invalid`` names what is wrong."""
    decision = fields.get("decision", "").strip()
    if decision not in DECISION_BY_CODE:
        raise Invalid({"decision": _("Choose “ready for activation” or “not yet”.")})
    if not DECISION_BY_CODE[decision].needs_reason:
        return Mark(decision)
    errors: dict[str, str] = {}
    kind = fields.get("reason_kind", "").strip()
    if kind not in REASON_BY_CODE:
        errors["reason_kind"] = _(
            "Choose why not yet: Dutch classes, preconditions, health or other."
        )
    reason = " ".join(fields.get("reason", "").split())
    if len(reason) < REASON_MIN:
        errors["reason"] = _("Say in a few words why the client is not ready yet.")
    elif len(reason) > REASON_MAX:
        errors["reason"] = _("A reason can be at most 2000 characters long.")
    if errors:
        raise Invalid(errors)
    return Mark(decision, kind, reason)


def may_give(viewer: Viewer, item: ItemView, mark: Mark) -> None:
    """A health reason only from who may read it back for this client."""
    if mark.reason_kind == HEALTH_KIND and not reads_reason(
        viewer, item.relation, Sensitivity.health
    ):
        raise Invalid(
            {
                "reason_kind": _(
                    "Only who may see this client's health information (the file holder, or a "
                    "colleague after stating a reason) records a health or addiction reason."
                )
            }
        )


async def find_item(viewer: Viewer, item_id: int) -> ItemView:
    """One item as a member of the team sees it; 404 for anyone else."""
    taking_part(viewer)
    scope = visible_to(viewer, ReviewItem)
    row = await scope.get(item_id, *_ITEM_COLUMNS)
    view = scope.project(row) if row is not None else None
    if view is None:
        raise NotFoundException()
    return view


async def _write_mark(
    actor: Viewer, item_id: int, client_id: int, period: str, mark: Mark, at: dt.datetime
) -> None:
    await ReviewItem.update(
        {
            ReviewItem.decision: mark.decision,
            ReviewItem.reason_kind: mark.reason_kind,
            ReviewItem.reason: mark.reason,
            ReviewItem.sensitivity: mark.sensitivity.value,
            ReviewItem.decided_by: actor.person_id,
            ReviewItem.decided_at: at,
        }
    ).where(ReviewItem.id == item_id)
    if mark.decision == READY:
        code, payload = events.READY, {"period": period}
    elif mark.sensitivity is Sensitivity.health:
        code, payload = events.NOT_YET_HEALTH, {"period": period}
    else:
        code, payload = events.NOT_YET, {"period": period, "reason_kind": mark.reason_kind}
    await append(
        client_id,
        code,
        actor=actor,
        audience=Audience.own_org,
        payload=payload,
        text=mark.reason,
        occurred_at=at,
    )


async def mark_item(
    actor: Viewer, item_id: int, fields: Mapping[str, str], *, at: dt.datetime | None = None
) -> ItemView:
    """A social worker of the team marks one client "ready for activation" or "not yet" with a
    reason. An item whose reason is withheld from them is not theirs to change (403)."""
    item = await find_item(actor, item_id)
    _team(actor)
    if item.withheld:
        raise NotAllowed("the current reason is withheld from this person")
    mark = mark_from(fields)
    may_give(actor, item, mark)
    period = (await _round_row(actor, item.round))["period"]
    async with unit_of_work():
        await _write_mark(actor, item.id, item.client, period, mark, at or dt.datetime.now(dt.UTC))
    return await find_item(actor, item_id)


async def eligible_clients(actor: Viewer) -> list[ClientView]:
    """The OCMW's living-wage clients whose file is open, as the actor sees them."""
    scope = visible_to(actor, Client)
    rows = await scope.select(*_CLIENT_COLUMNS).where(
        (Client.ocmw == actor.org_id) & Client.living_wage_start.is_not_null()
    )
    return [
        view
        for view in scope.project_all(rows)
        if is_on_list(view.values.get("living_wage_start"), view.values.get("status"))
    ]


class RoundExists(Invalid):
    """The quarter has its round already."""


async def _existing_round(actor: Viewer, quarter: Quarter) -> int | None:
    row = (
        await ReviewRound.select(ReviewRound.id)
        .where((ReviewRound.ocmw == actor.org_id) & (ReviewRound.period == quarter.code))
        .first()
    )
    return int(row["id"]) if row else None


async def refuse_second_round(actor: Viewer, quarter: Quarter) -> None:
    existing = await _existing_round(actor, quarter)
    if existing is not None:
        message = _("The review for %(period)s exists already: mark the clients in its list.")
        raise RoundExists({"period": message % {"period": quarter.code}}, existing=existing)


async def open_round(
    actor: Viewer,
    *,
    today: dt.date | None = None,
    marks: Mapping[int, Mark] | None = None,
    source: str = "opened",
    at: dt.datetime | None = None,
) -> int:
    """A social worker opens this quarter's review of their OCMW: its list is the living-wage
    clients at this moment (and, from an import, the clients the sheet marked, with their marks).
    One round per quarter per OCMW."""
    _team(actor)
    quarter = Quarter.of(today or today_in_belgium())
    moment = at or dt.datetime.now(dt.UTC)
    marks = marks or {}
    async with unit_of_work():
        await refuse_second_round(actor, quarter)
        row = ReviewRound(
            ocmw=actor.org_id,
            period=quarter.code,
            slot=f"{actor.org_id}/{quarter.code}",
            opened_at=moment,
            opened_by=actor.person_id,
            due_on=quarter.last_day,
            source=source,
        )
        await row.save()
        round_id = int(row.id)
        client_ids = sorted({view.id for view in await eligible_clients(actor)} | set(marks))
        for client_id in client_ids:
            item = ReviewItem(round=round_id, client=client_id, slot=f"{round_id}/{client_id}")
            await item.save()
            if client_id in marks:
                await _write_mark(
                    actor, int(item.id), client_id, quarter.code, marks[client_id], moment
                )
    return round_id


@dataclass(frozen=True)
class FileReview:
    """The client's latest review decision, for the file's header."""

    period: str
    round: int
    item: ItemView


@prepared(values={})
def _latest_item_row(viewer: Viewer, client: ClientView) -> Any:
    return (
        visible_to(viewer, ReviewItem, client=client)
        .select(*_ITEM_COLUMNS, ReviewItem.round.period)
        .order_by(ReviewItem.round.period, ascending=False)
        .first()
    )


def latest_read(viewer: Viewer, client: ClientView) -> Bound:
    """The read of ``latest_for``, for running with the page's others."""
    return _latest_item_row.bind(viewer, client)


async def latest_for(viewer: Viewer, client: ClientView) -> FileReview | None:
    """The newest round's item about this client, for the team; nothing for anyone else."""
    row = await _latest_item_row(viewer, client)
    item = visible_to(viewer, ReviewItem, client=client).project(row) if row is not None else None
    if item is not None and item.revealed & LOGGED_CLASSES:
        await record_access(viewer, client.id, REVIEW_READ, item.revealed)
    return FileReview(row["round.period"], item.round, item) if item is not None else None


async def items_about(viewer: Viewer, client: ClientView) -> list[tuple[str, ItemView]]:
    """Every review item about one client the viewer reads, with its round's period, oldest
    first (the subject-access export; the caller writes the access log)."""
    scope = visible_to(viewer, ReviewItem, client=client)
    rows = await scope.select(*_ITEM_COLUMNS, ReviewItem.round.period).order_by(
        ReviewItem.round.period, ReviewItem.id
    )
    found = []
    for row in rows:
        item = scope.project(row)
        if item is not None:
            found.append((row["round.period"], item))
    return found

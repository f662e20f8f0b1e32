"""The lists of ``GET /signals``: the OCMW's queue with its filters and their counts, the handler's
own overdue signals, and the signals the viewer reported.

The queue is the signals routed to the viewer's OCMW, for the people who follow signals up there
(``services.handles_signals``). Filters come from the query string (``parse``); a value that is
not understood is ignored, as if it were not set. Every read goes through
``visible_to(viewer, Signal)``, so what a list shows and what its counts count is what the record
policy lets the viewer read.

Counts per filter value are facet counts: each is counted with every *other* filter applied, so
"Housing (12)" is what choosing Housing would show. They are read in one statement however many
signals or values there are. The signals of the past are closed: where a count would have to read
all of them (closed, and all states, in the state filter) it stops at ``COUNT_CAP`` and reads
"1000+".
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from piccolo.querystring import QueryString

from portal.core.i18n import gettext_ as _
from portal.core.params import MAX_ID
from portal.core.templating import LOCAL_TIME, local_time
from portal.signals import themes
from portal.signals.services import handles_signals
from portal.signals.tables import Signal
from portal.signals.visibility import SignalView
from portal.signals.workflow import STATE_BY_CODE, STATES, Theme
from portal.visibility.records import visible_to
from portal.visibility.viewer import Viewer

PAGE_SIZE = 25
MINE_PAGE_SIZE = 10
OVERDUE_SHOWN = 10
"""The handler's own overdue signals listed above the queue; a link shows them all."""
COUNT_CAP = 1000
MAX_PAGE = 10_000
ALL_STATES = "all"
ASSIGNED = ("yes", "no")
OPEN_STATES = tuple(state.code for state in STATES if state.open)
CLOSED_STATES = tuple(state.code for state in STATES if not state.open)
MUNICIPALITY_MAX = 100
EARLIEST, LATEST = dt.date(2000, 1, 1), dt.date(2999, 12, 31)

_COLUMNS = (
    *Signal.all_columns(),
    Signal.reporter.display_name,
    Signal.reporter_org.name,
    Signal.handler.display_name,
)


# --- the filters -------------------------------------------------------------------------------


@dataclass(frozen=True)
class QueueFilters:
    """The queue's filters as read from the query string; empty or ``None`` is "not set"."""

    theme: str = ""
    state: str = ""
    """A state code, ``all``, or empty for the open states (the default)."""
    assigned: str = ""
    """``yes``, ``no`` or empty."""
    handler: str = ""
    """``me``, a person id, or empty."""
    overdue: bool = False
    created_from: dt.date | None = None
    """Reported on or after this day (Belgian time)."""
    created_to: dt.date | None = None
    """Reported on or before this day (Belgian time)."""
    municipality: str = ""
    page: int = 1
    mine_page: int = 1

    def params(self, **changes: Any) -> dict[str, str]:
        """The filters as query parameters, those not set left out; ``changes`` first."""
        values = dataclasses.replace(self, **changes) if changes else self
        params = {
            "theme": values.theme,
            "state": values.state,
            "assigned": values.assigned,
            "handler": values.handler,
            "overdue": "1" if values.overdue else "",
            "from": values.created_from.isoformat() if values.created_from else "",
            "to": values.created_to.isoformat() if values.created_to else "",
            "municipality": values.municipality,
            "page": str(values.page) if values.page > 1 else "",
            "mine_page": str(values.mine_page) if values.mine_page > 1 else "",
        }
        return {key: value for key, value in params.items() if value}

    def url(self, **changes: Any) -> str:
        query = urlencode(self.params(**changes))
        return f"/signals?{query}" if query else "/signals"

    @property
    def active(self) -> bool:
        """Whether any filter of the queue is set (the pages aside)."""
        return bool(self.params(page=1, mine_page=1))


def _word(value: str, longest: int = 32) -> str:
    value = value.strip()
    ok = 0 < len(value) <= longest and all(c.isascii() and (c.isalnum() or c == "_") for c in value)
    return value if ok else ""


def _day(value: str) -> dt.date | None:
    try:
        day = dt.date.fromisoformat(value.strip())
    except ValueError:
        return None
    return day if EARLIEST <= day <= LATEST else None


def _number(value: str, highest: int) -> int | None:
    value = value.strip()
    if not value.isascii() or not value.isdigit() or len(value) > 10:
        return None
    number = int(value)
    return number if 1 <= number <= highest else None


def parse(params: Mapping[str, str]) -> QueueFilters:
    """The filters of a query string. A value that is not understood is left out (never an
    error): an unknown state, a handler that is not ``me`` or an id, a date that is no date."""

    def value(name: str) -> str:
        return str(params.get(name) or "")

    state = value("state").strip()
    assigned = value("assigned").strip()
    handler = value("handler").strip()
    municipality = " ".join(value("municipality").split())
    return QueueFilters(
        theme=_word(value("theme")),
        state=state if state in STATE_BY_CODE or state == ALL_STATES else "",
        assigned=assigned if assigned in ASSIGNED else "",
        handler="me" if handler == "me" else str(_number(handler, MAX_ID) or ""),
        overdue=value("overdue").strip() in ("1", "yes", "on", "true"),
        created_from=_day(value("from")),
        created_to=_day(value("to")),
        municipality=municipality if len(municipality) <= MUNICIPALITY_MAX else "",
        page=_number(value("page"), MAX_PAGE) or 1,
        mine_page=_number(value("mine_page"), MAX_PAGE) or 1,
    )


# --- conditions, as SQL on the signal table ----------------------------------------------------


SIGNAL = '"signal"'


def _col(name: str, table: str = SIGNAL) -> str:
    return f'{table}."{name}"'


def _listed(values: Sequence[str]) -> str:
    """Codes of the workflow (never input) as an SQL list."""
    return ", ".join(f"'{value}'" for value in values)


def today() -> dt.date:
    """The day in Belgium: deadlines are Belgian working days."""
    return local_time(dt.datetime.now(dt.UTC)).date()


def overdue_sql(day: dt.date, table: str = SIGNAL) -> QueryString:
    """``services.overdue`` in SQL: no first response yet, open, and past its deadline (the
    predicate of the index ``signal_waiting``, written alike)."""
    return QueryString(
        f"({_col('first_response_at', table)} IS NULL"
        f" AND {_col('state', table)} IN ({_listed(OPEN_STATES)})"
        f" AND {_col('due_on', table)} < {{}})",
        day,
    )


def _start_of(day: dt.date) -> dt.datetime:
    """The first moment of a Belgian day, in UTC (as moments are stored)."""
    return dt.datetime.combine(day, dt.time.min, tzinfo=LOCAL_TIME).astimezone(dt.UTC)


def _period(filters: QueueFilters, table: str = SIGNAL) -> list[QueryString]:
    """Reported within the period (Belgian days)."""
    period = []
    if filters.created_from:
        start = _start_of(filters.created_from)
        period.append(QueryString(f"{_col('created_at', table)} >= {{}}", start))
    if filters.created_to:
        end = _start_of(filters.created_to + dt.timedelta(days=1))
        period.append(QueryString(f"{_col('created_at', table)} < {{}}", end))
    return period


def _facets(
    viewer: Viewer, filters: QueueFilters, day: dt.date, table: str = SIGNAL
) -> dict[str, QueryString]:
    """One condition per filter that is set, by the name of its count: on the signal table, or
    on the rows the counts are made of (``table``), which carry overdue as ``late``."""
    facets: dict[str, QueryString] = {}
    if filters.theme:
        facets["theme"] = QueryString(f"{_col('theme', table)} = {{}}", filters.theme)
    if filters.state == "":
        facets["state"] = QueryString(f"{_col('state', table)} IN ({_listed(OPEN_STATES)})")
    elif filters.state != ALL_STATES:
        facets["state"] = QueryString(f"{_col('state', table)} = {{}}", filters.state)
    if filters.assigned:
        negation = "NOT " if filters.assigned == "yes" else ""
        facets["assigned"] = QueryString(f"{_col('handler', table)} IS {negation}NULL")
    if filters.handler:
        handler = viewer.person_id if filters.handler == "me" else int(filters.handler)
        facets["handler"] = QueryString(f"{_col('handler', table)} = {{}}", handler)
    if filters.overdue:
        late = overdue_sql(day) if table == SIGNAL else QueryString(f'{table}."late" = 1')
        facets["overdue"] = late
    if filters.municipality:
        facets["municipality"] = QueryString(
            f"{_col('municipality', table)} = {{}}", filters.municipality
        )
    return facets


def _all(conditions: Sequence[QueryString]) -> QueryString:
    if not conditions:
        return QueryString("1 = 1")
    return QueryString("(" + " AND ".join("{}" for _ in conditions) + ")", *conditions)


def _but(facets: dict[str, QueryString], facet: str) -> list[QueryString]:
    return [sql for name, sql in facets.items() if name != facet]


# --- the counts --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Count:
    value: int
    capped: bool = False
    """More than ``COUNT_CAP``: ``value`` is the cap."""

    def __str__(self) -> str:
        return f"{COUNT_CAP}+" if self.capped else str(self.value)

    def __add__(self, other: Count) -> Count:
        total = self.value + other.value
        return Count(min(total, COUNT_CAP), self.capped or other.capped or total > COUNT_CAP)


NONE = Count(0)


@dataclass
class Counts:
    theme: dict[str, int]
    state: dict[str, Count]
    assigned: dict[str, int]
    handler: dict[int, int]
    handler_names: dict[int, str]
    municipality: dict[str, int]
    overdue: int
    page: list[int]
    """The ids of the page's signals, in the queue's order."""
    mine: list[int]
    """The ids of the viewer's own overdue signals (one more than are listed, if there are)."""


_LAST_PAGE = f"((p.total - 1) / {PAGE_SIZE}) * {PAGE_SIZE}"
_PAGE = (
    "SELECT 'page', CAST(p.\"id\" AS TEXT), p.rn, CAST(NULL AS TEXT) FROM"  # noqa: S608  # nosec B608  # numbers from the code; values bound
    ' (SELECT q."id", ROW_NUMBER() OVER (ORDER BY q."late" DESC, q."due_on", q."id") AS rn,'
    " COUNT(*) OVER () AS total FROM q WHERE {}) AS p"
    f" WHERE p.rn > CASE WHEN {{}} < p.total THEN {{}} ELSE {_LAST_PAGE} END"
    f" AND p.rn <= CASE WHEN {{}} < p.total THEN {{}} ELSE {_LAST_PAGE} END + {PAGE_SIZE}"
)
"""The ids of one page of the queue, overdue first and then by due date: the rows past the
offset (the last page's when the offset is past the end), numbered in that order."""
_MINE = (
    "SELECT 'mine', CAST(m.\"id\" AS TEXT), 0, CAST(NULL AS TEXT) FROM"  # noqa: S608  # nosec B608  # numbers from the code; values bound
    ' (SELECT s."id" FROM s WHERE s."handler" = {} AND {}'
    f' ORDER BY s."due_on", s."id" LIMIT {OVERDUE_SHOWN + 1}) AS m'
)


def _facets_sql(
    viewer: Viewer, filters: QueueFilters, day: dt.date, handler: int | None
) -> QueryString:
    """The counts of every filter value, the page's signals and the viewer's own overdue ones,
    in one statement.

    ``s`` is the OCMW's signals the viewer may read (the scope, built once); ``q`` those of them
    any count needs: in the period, open (or any state, in the views of the closed and of all
    states), meeting every filter but at most one. One ``GROUP BY`` per filter over ``q`` with
    the other filters applied; the closed ones counted from ``s`` up to the cap; the page's ids
    from ``q`` in the queue's order (a page past the end: the last one); the viewer's overdue
    ones from ``s`` (index ``signal_waiting``). The rows: ``(facet, value, n, label)``."""
    late = QueryString("CASE WHEN {} THEN 1 ELSE 0 END", overdue_sql(day)).as_alias("late")
    scoped = visible_to(viewer, Signal).select(
        Signal.id,
        Signal.theme,
        Signal.state,
        Signal.handler,
        Signal.municipality,
        Signal.created_at,
        Signal.due_on,
        Signal.first_response_at,
        late,
    )
    scoped = scoped.where(QueryString(f"{_col('ocmw')} = {{}}", viewer.org_id))
    on_s, on_q = _facets(viewer, filters, day, "s"), _facets(viewer, filters, day, "q")
    archive = filters.state in (ALL_STATES, *CLOSED_STATES)
    kept = _period(filters, "s")
    if not archive:
        kept.append(QueryString(f's."state" IN ({_listed(OPEN_STATES)})'))
    needed = [_all(_but(on_s, facet)) for facet in on_s]
    if len(needed) > 1:
        kept.append(QueryString("(" + " OR ".join("{}" for _ in needed) + ")", *needed))
    offset = (filters.page - 1) * PAGE_SIZE
    parts = [
        QueryString(
            "SELECT 'theme' AS facet, q.\"theme\" AS value, COUNT(*) AS n,"
            ' CAST(NULL AS TEXT) AS label FROM q WHERE {} GROUP BY q."theme"',
            _all(_but(on_q, "theme")),
        ),
        QueryString(
            "SELECT 'state', q.\"state\", COUNT(*), CAST(NULL AS TEXT) FROM q WHERE {}"
            ' GROUP BY q."state"',
            _all(_but(on_q, "state")),
        ),
        QueryString(
            "SELECT 'assigned', CASE WHEN q.\"handler\" IS NULL THEN 'no' ELSE 'yes' END,"
            " COUNT(*), CAST(NULL AS TEXT) FROM q WHERE {}"
            " GROUP BY CASE WHEN q.\"handler\" IS NULL THEN 'no' ELSE 'yes' END",
            _all(_but(on_q, "assigned")),
        ),
        QueryString(
            'SELECT \'handler\', CAST(q."handler" AS TEXT), COUNT(*), MAX(p."display_name")'
            ' FROM q LEFT JOIN "person" AS p ON p."id" = q."handler"'
            ' WHERE q."handler" IS NOT NULL AND {} GROUP BY q."handler"',
            _all(_but(on_q, "handler")),
        ),
        QueryString(
            "SELECT 'municipality', q.\"municipality\", COUNT(*), CAST(NULL AS TEXT) FROM q"
            ' WHERE {} GROUP BY q."municipality"',
            _all(_but(on_q, "municipality")),
        ),
        QueryString(
            "SELECT 'overdue', 'yes', COUNT(*), CAST(NULL AS TEXT) FROM q"
            ' WHERE q."late" = 1 AND {}',
            _all(_but(on_q, "overdue")),
        ),
        QueryString(_PAGE, _all(list(on_q.values())), offset, offset, offset, offset),
        QueryString(_MINE, viewer.person_id, overdue_sql(day, "s")),
    ]
    if not archive:
        # The past: most signals are closed. Counted up to the cap, the other filters applied.
        closed = (
            "SELECT 'state', 'closed', COUNT(*), CAST(NULL AS TEXT) FROM"  # noqa: S608  # nosec B608  # workflow codes; values bound
            f' (SELECT 1 AS one FROM s WHERE s."state" IN ({_listed(CLOSED_STATES)})'
            f" AND {{}} LIMIT {COUNT_CAP + 1}) AS c"
        )
        parts.append(QueryString(closed, _all([*_period(filters, "s"), *_but(on_s, "state")])))
    if handler is not None:
        # The name of the chosen handler, for when no signal of theirs meets the other filters.
        parts.append(
            QueryString(
                'SELECT \'person\', CAST("id" AS TEXT), 0, "display_name" FROM "person"'
                ' WHERE "id" = {}',
                handler,
            )
        )
    statement = (
        'WITH s AS NOT MATERIALIZED ({}), q AS MATERIALIZED (SELECT s."id", s."theme",'  # noqa: S608  # nosec B608  # placeholders only
        ' s."state", s."handler", s."municipality", s."due_on", s."late" FROM s WHERE {}) '
        + " UNION ALL ".join("{}" for _ in parts)
    )
    return QueryString(statement, scoped.querystrings[0], _all(kept), *parts)


async def _counts(
    viewer: Viewer, filters: QueueFilters, day: dt.date, handler: int | None
) -> Counts:
    rows = await Signal._meta.db.run_querystring(_facets_sql(viewer, filters, day, handler))
    counts = Counts({}, {}, {}, {}, {}, {}, 0, [], [])
    page: list[tuple[int, int]] = []
    for row in rows:
        facet, value, number = row["facet"], row["value"], int(row["n"])
        if facet == "theme":
            counts.theme[value] = number
        elif facet == "state":
            capped = value in CLOSED_STATES and number > COUNT_CAP
            counts.state[value] = Count(COUNT_CAP if capped else number, capped)
        elif facet == "assigned":
            counts.assigned[value] = number
        elif facet in ("handler", "person"):
            person = int(value)
            if facet == "handler":
                counts.handler[person] = number
            counts.handler_names[person] = row["label"] or ""
        elif facet == "municipality":
            counts.municipality[value] = number
        elif facet == "overdue":
            counts.overdue = number
        elif facet == "page":
            page.append((number, int(value)))
        elif facet == "mine":
            counts.mine.append(int(value))
    counts.page = [signal_id for _position, signal_id in sorted(page)]
    return counts


# --- the options of the filter form ------------------------------------------------------------


@dataclass(frozen=True)
class Option:
    value: str
    label: str
    """Translated, with its count where there is one: "Housing (12)"."""
    selected: bool


@dataclass(frozen=True)
class FilterForm:
    theme: list[Option]
    state: list[Option]
    assigned: list[Option]
    handler: list[Option]
    municipality: list[Option]
    overdue: str
    """The overdue count, for the checkbox's label."""


def _option(value: str, label: str, count: Count | int | None, chosen: str) -> Option:
    text = label if count is None else f"{label} ({count})"
    return Option(value, text, value == chosen)


def _form(
    viewer: Viewer, filters: QueueFilters, counts: Counts, catalog: list[Theme]
) -> FilterForm:
    theme = [_option("", _("All themes"), None, filters.theme)]
    known = {t.code for t in catalog}
    for item in catalog:
        label = _(item.label) if item.standard else item.label
        theme.append(_option(item.code, label, counts.theme.get(item.code, 0), filters.theme))
    theme += [
        _option(code, code, number, filters.theme)
        for code, number in sorted(counts.theme.items())
        if code not in known
    ]

    open_count = sum((counts.state.get(code, NONE) for code in OPEN_STATES), NONE)
    every = sum((counts.state.get(s.code, NONE) for s in STATES), NONE)
    state = [_option("", _("Open (not closed)"), open_count, filters.state)]
    state += [
        _option(s.code, _(s.label), counts.state.get(s.code, NONE), filters.state) for s in STATES
    ]
    state.append(_option(ALL_STATES, _("All states"), every, filters.state))

    assigned = [
        _option("", _("Assigned or not"), None, filters.assigned),
        _option("no", _("Not assigned"), counts.assigned.get("no", 0), filters.assigned),
        _option("yes", _("Assigned"), counts.assigned.get("yes", 0), filters.assigned),
    ]

    handler = [
        _option("", _("Any handler"), None, filters.handler),
        _option("me", _("Me"), counts.handler.get(viewer.person_id, 0), filters.handler),
    ]
    people = sorted(
        (name.casefold(), person, name)
        for person, name in counts.handler_names.items()
        if person != viewer.person_id
    )
    handler += [
        _option(str(person), name, counts.handler.get(person, 0), filters.handler)
        for _key, person, name in people
    ]

    places = dict(counts.municipality)
    if filters.municipality:
        places.setdefault(filters.municipality, 0)
    municipality = [_option("", _("All municipalities"), None, filters.municipality)]
    municipality += [
        _option(place, place, number, filters.municipality)
        for place, number in sorted(places.items(), key=lambda item: item[0].casefold())
    ]
    return FilterForm(theme, state, assigned, handler, municipality, str(counts.overdue))


# --- the page ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Queue:
    filters: QueueFilters
    signals: list[SignalView]
    total: int
    page: int
    pages: int
    form: FilterForm
    overdue_mine: list[SignalView]
    more_overdue: bool
    """More of the handler's own overdue signals than are listed."""

    @property
    def first(self) -> int:
        return (self.page - 1) * PAGE_SIZE + 1 if self.signals else 0

    @property
    def last(self) -> int:
        return (self.page - 1) * PAGE_SIZE + len(self.signals)

    @property
    def previous_url(self) -> str | None:
        return self.filters.url(page=self.page - 1) if self.page > 1 else None

    @property
    def next_url(self) -> str | None:
        return self.filters.url(page=self.page + 1) if self.page < self.pages else None


@dataclass(frozen=True)
class Reported:
    signals: list[SignalView]
    page: int
    previous_url: str | None
    next_url: str | None


@dataclass(frozen=True)
class SignalPage:
    queue: Queue | None
    """``None`` for who does not follow signals up."""
    reported: Reported | None


async def load_queue(viewer: Viewer, filters: QueueFilters, *, day: dt.date | None = None) -> Queue:
    """One page of the queue of the viewer's OCMW, its counts and the viewer's own overdue
    signals; only for who handles signals (``services.handles_signals``)."""
    if not handles_signals(viewer):
        raise PermissionError("only the OCMW's social workers and coordinators have a queue")
    day = day or today()
    catalog = await themes.catalog()
    if filters.theme and filters.theme not in {t.code for t in catalog}:
        filters = dataclasses.replace(filters, theme="")
    chosen = int(filters.handler) if filters.handler.isdigit() else None
    counts = await _counts(viewer, filters, day, chosen)
    total = counts.theme.get(filters.theme, 0) if filters.theme else sum(counts.theme.values())
    pages = max(1, math.ceil(total / PAGE_SIZE))
    page = min(filters.page, pages)
    filters = dataclasses.replace(filters, page=page)
    scope = visible_to(viewer, Signal)
    wanted = counts.page + counts.mine
    rows = await scope.select(*_COLUMNS).where(Signal.id.is_in(wanted)) if wanted else []
    by_id = {row["id"]: row for row in rows}
    listed = scope.project_all([by_id[i] for i in counts.page if i in by_id])
    own = scope.project_all([by_id[i] for i in counts.mine if i in by_id])
    own.sort(key=lambda view: (view.due_on, view.id))
    named = await themes.named(listed + own)
    return Queue(
        filters=filters,
        signals=named[: len(listed)],
        total=total,
        page=page,
        pages=pages,
        form=_form(viewer, filters, counts, catalog),
        overdue_mine=named[len(listed) :][:OVERDUE_SHOWN],
        more_overdue=len(own) > OVERDUE_SHOWN,
    )


async def reported_by(viewer: Viewer, filters: QueueFilters) -> Reported:
    """A page of the signals the viewer reported (and may still read), newest first."""
    page = filters.mine_page
    scope = visible_to(viewer, Signal)
    rows = await (
        scope.select(*_COLUMNS)
        .where(Signal.reporter == viewer.person_id)
        .order_by(Signal.created_at, Signal.id, ascending=False)
        .limit(MINE_PAGE_SIZE + 1)
        .offset((page - 1) * MINE_PAGE_SIZE)
    )
    views = await themes.named(scope.project_all(rows[:MINE_PAGE_SIZE]))
    more = len(rows) > MINE_PAGE_SIZE
    return Reported(
        signals=views,
        page=page,
        previous_url=filters.url(mine_page=page - 1) if page > 1 else None,
        next_url=filters.url(mine_page=page + 1) if more else None,
    )


async def signal_page(
    viewer: Viewer, params: Mapping[str, str], *, reported: bool = True
) -> SignalPage:
    """Everything ``GET /signals`` shows: the queue for who handles signals, and what the viewer
    reported (left out with ``reported=False``: an update of the queue alone)."""
    filters = parse(params)
    queue = await load_queue(viewer, filters) if handles_signals(viewer) else None
    if queue is not None:
        filters = queue.filters
    mine = await reported_by(viewer, filters) if reported else None
    return SignalPage(queue=queue, reported=mine)

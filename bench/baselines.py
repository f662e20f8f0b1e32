"""The baselines of ``bench.pages``: a bare Litestar app that renders what a social worker's start
page, their OCMW's signal queue and a VDAB mediator's question queue show, each with ONE query.

The same kind of baseline as ``bench.baseline`` (whose pool and template environment this reuses):
one handler per page, one plain asyncpg statement reading the rows the portal's page shows for
that person (its sections as branches of one ``UNION ALL``, each with the portal's conditions,
order and limit as a hand-written page would write them for that role: no visibility policy),
a plain Jinja2 template; no session, no login, no access log. The person is in the path, as the
client is in ``bench.baseline``'s. Served by uvicorn like the portal (``bench.pages``):

    BENCH_DATABASE_URL=postgresql://postgres@127.0.0.1:5432/brug_bench_pages \
        .venv/bin/uvicorn bench.baselines:app --port 8001
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from typing import Annotated, Any
from zoneinfo import ZoneInfo

from litestar import Litestar, Response, get
from litestar.enums import MediaType
from litestar.params import FromPath, QueryParameter

from bench import baseline

BRUSSELS = ZoneInfo("Europe/Brussels")
PER_SOURCE = 10
"""Items of each source of "to do", as the portal's ``home.todo.PER_SOURCE``."""
RECENT = 10
ACTIVE_FILES = 30
QUEUE_PAGE = 25
MINE_PAGE = 10
OVERDUE_SHOWN = 10
COUNT_CAP = 1000
OPEN = ("new", "in_progress", "followed_up")
WAITING = ("open", "claimed")
AHEAD = dt.timedelta(days=14)

_NAME = "c.first_name || ' ' || c.last_name"

START = f"""
WITH me AS (
  SELECT p.id, p.organisation AS org, p.display_name, o.name AS org_name
  FROM person AS p JOIN organisation AS o ON o.id = p.organisation WHERE p.id = $1
)
SELECT 'me' AS section, me.id, me.display_name AS title, me.org_name AS name,
       CAST(NULL AS TIMESTAMPTZ) AS at, CAST(NULL AS DATE) AS day, CAST(NULL AS TEXT) AS state,
       0 AS n
FROM me
UNION ALL (
  SELECT 'training', t.id, t.course, {_NAME}, t.changed_at, NULL, t.state, 0
  FROM training_request AS t JOIN client AS c ON c.id = t.client
  WHERE c.file_holder = $1 AND c.ocmw = (SELECT org FROM me) AND t.state = 'requested'
  ORDER BY t.requested_at LIMIT {PER_SOURCE}
)
UNION ALL (
  SELECT 'agreement', c.id, NULL, {_NAME}, NULL, c.living_wage_start, NULL, 0
  FROM client AS c
  WHERE c.file_holder = $1 AND c.ocmw = (SELECT org FROM me) AND c.agreement_note_on IS NULL
    AND c.living_wage_start + INTERVAL '3 months' < $2
  ORDER BY c.living_wage_start LIMIT {PER_SOURCE}
)
UNION ALL (
  SELECT 'question', q.id, q.type, {_NAME}, q.created_at, q.due_on, q.state,
         CAST(COUNT(*) OVER () AS INTEGER)
  FROM question AS q JOIN client AS c ON c.id = q.client
  WHERE q.state IN ('open', 'claimed') AND q.ocmw = (SELECT org FROM me)
    AND (q.asker = $1 OR q.client IN (SELECT id FROM client WHERE file_holder = $1))
  ORDER BY q.created_at, q.id LIMIT {PER_SOURCE}
)
UNION ALL (
  SELECT 'signal', s.id, s.title, NULL, s.created_at, s.due_on, s.state,
         CASE WHEN s.handler IS NULL THEN 1 ELSE 0 END
  FROM signal AS s
  WHERE s.ocmw = (SELECT org FROM me) AND s.state IN ('new', 'in_progress', 'followed_up')
    AND ((s.handler = $1 AND s.first_response_at IS NULL)
      OR (s.handler IS NULL AND s.client IN (SELECT id FROM client WHERE file_holder = $1)))
  ORDER BY s.due_on, s.id LIMIT {PER_SOURCE}
)
UNION ALL
SELECT 'review', NULL, $5, NULL, NULL, NULL, NULL, CAST(COUNT(r.id) AS INTEGER)
FROM me LEFT JOIN review_round AS r ON r.ocmw = me.org AND r.period = $5
UNION ALL (
  SELECT 'invitation', c.id, NULL, {_NAME}, i.at, NULL, NULL, 0
  FROM care_team_member AS m JOIN invitation AS i ON i.client = m.client
  JOIN client AS c ON c.id = i.client
  WHERE m.person = $1 AND i.at >= $3 AND i.at <= $4
  ORDER BY i.at LIMIT {PER_SOURCE}
)
UNION ALL
SELECT 'survey', e.id, pa.name, NULL, e.survey_sent_at, NULL, e.period, 0
FROM evaluation_invitation AS v JOIN evaluation AS e ON e.id = v.evaluation
JOIN partnership AS pa ON pa.id = e.partnership
WHERE v.person = $1 AND NOT v.answered AND e.state = 'survey_open'
UNION ALL (
  SELECT 'client', c.id, c.municipality, {_NAME}, NULL, NULL, NULL, COALESCE(c.ladder_step, 0)
  FROM care_team_member AS m JOIN client AS c ON c.id = m.client
  WHERE m.person = $1 AND c.closed_at IS NULL
  ORDER BY c.last_name, c.first_name LIMIT {PER_SOURCE}
)
UNION ALL (
  SELECT 'activity', c.id, e.headline, {_NAME}, e.occurred_at, NULL, e.kind, 0
  FROM (
    SELECT c.id, c.ocmw, c.file_holder, c.first_name, c.last_name FROM client AS c
    WHERE c.ocmw = (SELECT org FROM me) AND c.last_activity_at IS NOT NULL
    ORDER BY c.last_activity_at DESC, c.id DESC LIMIT {ACTIVE_FILES}
  ) AS c
  CROSS JOIN LATERAL (
    SELECT e.id, e.kind, e.occurred_at, e.payload ->> 'subject' AS headline
    FROM timeline_event AS e
    WHERE e.client = c.id AND NOT e.left_behind
      AND ((c.file_holder = $1 AND (e.audience <> 'own_org' OR e.author_org = c.ocmw))
        OR (c.file_holder IS DISTINCT FROM $1 AND e.sensitivity IN ('basic', 'trajectory')
          AND (e.audience = 'care_team'
            OR (e.audience IN ('own_org', 'addressed_org') AND e.author_org = c.ocmw))))
    ORDER BY e.occurred_at DESC, e.id DESC LIMIT {RECENT + 1}
  ) AS e
  ORDER BY e.occurred_at DESC, e.id DESC LIMIT {RECENT + 1}
)
"""  # noqa: S608  # nosec B608  # this module's constants only; values bound
"""A social worker's start page: who they are; "to do" (training requests waiting for the file
holder, agreement notes past three months, the questions they asked or hold the file of that
wait, the signals they handle without a first response and the unassigned ones on their files,
this quarter's activation review, invitations of their clients in the coming two weeks, surveys
to answer); their clients (care team, not closed, by name); the ten newest events they may read
in full across their OCMW's files (the file holder everything but another organisation's
``own_org``; a colleague ``care_team``, and their organisation's ``own_org`` and
``addressed_org``, of the classes ``basic`` and ``trajectory``) among the 30 files most recently
active, each file's newest read from the index on ``(client, occurred_at)``: the portal's first
batch (``timeline.services.recent_activity``), which holds them here (``bench.pages`` checks).
"""

_SIGNAL_ROW = (
    "x.id, x.title, x.theme, x.state, x.urgency, x.municipality, x.due_on,"
    " x.client IS NULL, r.display_name, o.name, h.display_name"
)
_NAMES = (
    "JOIN person AS r ON r.id = x.reporter JOIN organisation AS o ON o.id = x.reporter_org"
    " LEFT JOIN person AS h ON h.id = x.handler"
)
_NO_SIGNAL = (
    "CAST(NULL AS INTEGER), NULL, NULL, NULL, NULL, NULL, CAST(NULL AS DATE),"
    " CAST(NULL AS BOOLEAN), NULL, NULL, NULL, CAST(NULL AS BOOLEAN)"
)
_SIGNAL_COLUMNS = (
    "CAST(NULL AS INTEGER) AS id, CAST(NULL AS TEXT) AS title, CAST(NULL AS TEXT) AS theme,"
    " CAST(NULL AS TEXT) AS state, CAST(NULL AS TEXT) AS urgency,"
    " CAST(NULL AS TEXT) AS municipality, CAST(NULL AS DATE) AS due_on,"
    " CAST(NULL AS BOOLEAN) AS structural, CAST(NULL AS TEXT) AS reporter_name,"
    " CAST(NULL AS TEXT) AS reporter_org_name, CAST(NULL AS TEXT) AS handler_name,"
    " CAST(NULL AS BOOLEAN) AS late"
)
"""The first branch's row: it names the columns of every branch."""
_LATE = (
    "(x.first_response_at IS NULL AND x.state IN ('new', 'in_progress', 'followed_up')"
    " AND x.due_on < $4)"
)
_FILTERS = "($2 = '' OR q.theme = $2) AND ($3 = '' OR q.state = $3)"
"""The two filters the bench uses: a theme ('' for all) and an open state ('' for all open)."""

SIGNALS = f"""
WITH s AS NOT MATERIALIZED (
  SELECT x.id, x.theme, x.state, x.handler, x.municipality, x.due_on, {_LATE} AS late
  FROM signal AS x WHERE x.ocmw = (SELECT organisation FROM person WHERE id = $1)
),
q AS MATERIALIZED (SELECT * FROM s WHERE s.state IN ('new', 'in_progress', 'followed_up'))
SELECT 'theme' AS section, q.theme AS value, CAST(COUNT(*) AS INTEGER) AS n,
       CAST(NULL AS TEXT) AS label, {_SIGNAL_COLUMNS}
FROM q WHERE $3 = '' OR q.state = $3 GROUP BY q.theme
UNION ALL
SELECT 'state', q.state, COUNT(*), NULL, {_NO_SIGNAL}
FROM q WHERE $2 = '' OR q.theme = $2 GROUP BY q.state
UNION ALL
SELECT 'state', 'closed', COUNT(*), NULL, {_NO_SIGNAL}
FROM (SELECT 1 FROM s WHERE s.state NOT IN ('new', 'in_progress', 'followed_up')
      AND ($2 = '' OR s.theme = $2) LIMIT {COUNT_CAP + 1}) AS c
UNION ALL
SELECT 'assigned', CASE WHEN q.handler IS NULL THEN 'no' ELSE 'yes' END, COUNT(*), NULL,
       {_NO_SIGNAL}
FROM q WHERE {_FILTERS} GROUP BY CASE WHEN q.handler IS NULL THEN 'no' ELSE 'yes' END
UNION ALL
SELECT 'handler', CAST(q.handler AS TEXT), COUNT(*), MAX(h.display_name), {_NO_SIGNAL}
FROM q JOIN person AS h ON h.id = q.handler WHERE {_FILTERS} GROUP BY q.handler
UNION ALL
SELECT 'municipality', q.municipality, COUNT(*), NULL, {_NO_SIGNAL}
FROM q WHERE {_FILTERS} GROUP BY q.municipality
UNION ALL
SELECT 'overdue', 'yes', COUNT(*), NULL, {_NO_SIGNAL} FROM q WHERE q.late AND {_FILTERS}
UNION ALL
SELECT 'catalog', t.code, t.position, t.name, {_NO_SIGNAL} FROM signal_theme AS t
UNION ALL (
  SELECT 'page', NULL, 0, NULL, {_SIGNAL_ROW}, p.late
  FROM (SELECT q.id, q.late, q.due_on FROM q WHERE {_FILTERS}
        ORDER BY q.late DESC, q.due_on, q.id LIMIT {QUEUE_PAGE}) AS p
  JOIN signal AS x ON x.id = p.id {_NAMES}
  ORDER BY p.late DESC, p.due_on, p.id
)
UNION ALL (
  SELECT 'mine', NULL, 0, NULL, {_SIGNAL_ROW}, TRUE
  FROM signal AS x {_NAMES}
  WHERE x.handler = $1 AND {_LATE}
  ORDER BY x.due_on, x.id LIMIT {OVERDUE_SHOWN + 1}
)
UNION ALL (
  SELECT 'reported', NULL, 0, NULL, {_SIGNAL_ROW}, {_LATE}
  FROM signal AS x {_NAMES}
  WHERE x.reporter = $1
  ORDER BY x.created_at DESC, x.id DESC LIMIT {MINE_PAGE + 1}
)
"""  # noqa: S608  # nosec B608  # this module's constants only; values bound
"""An OCMW's signal queue as its social worker sees it, filtered by theme and state: the counts
of every filter value with the other filters applied (the closed ones up to the cap), the
overdue count, the theme catalogue, a page of 25 (overdue first, then by due date) with the
reporter's, their organisation's and the handler's names, the viewer's own overdue signals and
the newest signals they reported. The signals are the OCMW's (``ocmw``)."""

QUESTIONS = """
WITH me AS (
  SELECT p.id, p.organisation AS org, o.name AS org_name
  FROM person AS p JOIN organisation AS o ON o.id = p.organisation WHERE p.id = $1
)
SELECT 'team' AS section, me.org AS id, me.org_name AS title, CAST(NULL AS TEXT) AS state,
       CAST(NULL AS TIMESTAMPTZ) AS created_at, CAST(NULL AS DATE) AS due_on,
       CAST(NULL AS TEXT) AS client_name, CAST(NULL AS TEXT) AS asker_name,
       CAST(NULL AS TEXT) AS assignee_name, CAST(NULL AS TEXT) AS ocmw_name,
       CAST(NULL AS TEXT) AS answer, 0 AS total
FROM me
UNION ALL (
  SELECT 'ocmw', o.id, o.name, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, 0
  FROM organisation AS o
  WHERE o.id IN (SELECT pa.ocmw FROM partnership AS pa WHERE pa.vdab = (SELECT org FROM me))
  ORDER BY o.name
)
UNION ALL (
  SELECT 'question', q.id, q.type, q.state, q.created_at, q.due_on,
         c.first_name || ' ' || c.last_name, a.display_name, m.display_name, o.name, q.answer,
         CAST(COUNT(*) OVER () AS INTEGER)
  FROM question AS q JOIN client AS c ON c.id = q.client
  JOIN person AS a ON a.id = q.asker LEFT JOIN person AS m ON m.id = q.assignee
  JOIN organisation AS o ON o.id = q.ocmw
  WHERE q.team = (SELECT org FROM me) AND q.state IN ('open', 'claimed')
  ORDER BY q.created_at, q.id LIMIT 25
)
"""
"""A VDAB mediator's queue as it opens: their team, the OCMWs of its partnerships (the OCMW
filter), and the first page of the questions addressed to the team that wait for an answer,
oldest first, with the client's, asking OCMW's, asker's and assignee's names and their number."""


def _today() -> tuple[dt.datetime, dt.date]:
    now = dt.datetime.now(dt.UTC)
    return now, now.astimezone(BRUSSELS).date()


def _quarter(day: dt.date) -> tuple[str, dt.date]:
    number = (day.month - 1) // 3 + 1
    following = dt.date(day.year + (number == 4), 1 if number == 4 else 3 * number + 1, 1)
    return f"{day.year}-Q{number}", following - dt.timedelta(days=1)


def _sections(rows: list[Any]) -> dict[str, list[Any]]:
    found: dict[str, list[Any]] = defaultdict(list)
    for row in rows:
        found[row["section"]].append(row)
    return found


def _html(template: str, **context: Any) -> Response[str]:
    body = baseline._env.get_template(template).render(**context)
    return Response(body, media_type=MediaType.HTML)


@get("/start/{person_id:int}")
async def start(person_id: FromPath[int]) -> Response[str]:
    assert baseline._pool is not None
    now, today = _today()
    quarter, last_day = _quarter(today)
    rows = await baseline._pool.fetch(START, person_id, today, now, now + AHEAD, quarter)
    found = _sections(rows)
    tasks = sorted(
        (
            row
            for name in ("training", "question", "signal", "invitation", "survey")
            for row in found[name]
        ),
        key=lambda row: row["at"],
    )
    activity = found["activity"]
    return _html(
        "baseline_start.html",
        me=found["me"][0],
        tasks=tasks,
        agreements=found["agreement"],
        review=found["review"][0] if not found["review"][0]["n"] else None,
        quarter=quarter,
        last_day=last_day,
        questions_total=found["question"][0]["n"] if found["question"] else 0,
        clients=found["client"],
        activity=activity[:RECENT],
        more_activity=len(activity) > RECENT,
        today=today,
        per_source=PER_SOURCE,
    )


@get("/signals/{person_id:int}")
async def signals(
    person_id: FromPath[int],
    theme: str = "",
    state_code: Annotated[str, QueryParameter(name="state")] = "",
) -> Response[str]:
    assert baseline._pool is not None
    state = state_code if state_code in OPEN else ""
    _now, today = _today()
    rows = await baseline._pool.fetch(SIGNALS, person_id, theme, state, today)
    found = _sections(rows)
    counts: dict[str, dict[str, int]] = defaultdict(dict)
    labels: dict[str, str] = {}
    for facet in ("theme", "state", "assigned", "handler", "municipality", "overdue"):
        for row in found[facet]:
            counts[facet][row["value"]] = row["n"]
            if row["label"]:
                labels[row["value"]] = row["label"]
    themes = sorted(found["catalog"], key=lambda row: row["n"])
    total = counts["theme"].get(theme, 0) if theme else sum(counts["theme"].values())
    mine = found["mine"]
    reported = found["reported"]
    return _html(
        "baseline_signals.html",
        theme=theme,
        state=state,
        counts=counts,
        handler_names=labels,
        themes=themes,
        total=total,
        pages=max(1, -(-total // QUEUE_PAGE)),
        signals=found["page"],
        overdue_mine=mine[:OVERDUE_SHOWN],
        more_overdue=len(mine) > OVERDUE_SHOWN,
        reported=reported[:MINE_PAGE],
        more_reported=len(reported) > MINE_PAGE,
        open_states=OPEN,
        cap=COUNT_CAP,
    )


@get("/questions/{person_id:int}")
async def questions(person_id: FromPath[int]) -> Response[str]:
    assert baseline._pool is not None
    _now, today = _today()
    rows = await baseline._pool.fetch(QUESTIONS, person_id)
    found = _sections(rows)
    listed = found["question"]
    total = listed[0]["total"] if listed else 0
    return _html(
        "baseline_questions.html",
        team=found["team"][0],
        ocmws=found["ocmw"],
        questions=listed,
        total=total,
        pages=max(1, -(-total // QUEUE_PAGE)),
        today=today,
    )


app = Litestar(
    route_handlers=[start, signals, questions],
    lifespan=[baseline.lifespan],
    openapi_config=None,
)

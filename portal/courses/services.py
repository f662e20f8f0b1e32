"""Group courses: reading them as a viewer may, and the writes of their organiser and of the
enrolled clients' file holders.

Reads go through ``visible_to``: a course the viewer may not see does not exist for them (404);
the roster and the attendance are read through the client-bound scopes of ``Enrolment`` and
``Attendance``, in a fixed number of queries whatever the number of enrolled clients. Writes run
in one unit of work with their timeline events; a change that is not the viewer's to make raises
``NotAllowed`` (403), input that is not valid ``Invalid`` (422, a message per field).
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from litestar.exceptions import NotFoundException

from portal.accounts.tables import Organisation, OrgKind, Partnership
from portal.clients.changes import Invalid
from portal.clients.services import NotAllowed
from portal.clients.tables import Client
from portal.clients.visibility import ClientView
from portal.core.db import unit_of_work
from portal.core.i18n import gettext_ as _
from portal.core.prepared import Bound, prepared
from portal.core.templating import local_time
from portal.courses import events
from portal.courses.tables import Attendance, Course, CourseSession, Enrolment
from portal.courses.visibility import AttendanceView, CourseView, EnrolmentView
from portal.courses.workflow import PRESENCE_BY_CODE, Presence
from portal.timeline.services import append
from portal.visibility.policy import Relation, Role
from portal.visibility.records import visible_to
from portal.visibility.scoping import unscoped
from portal.visibility.viewer import Viewer

__all__ = ["Invalid", "NotAllowed"]

TITLE_MAX, PLACE_MAX, TOPIC_MAX, DESCRIPTION_MAX = 200, 200, 200, 2000
PRESENCE_FIELD = "presence-"
"""An attendance form sends one field per client: ``presence-<client id>``."""

_COURSE_COLUMNS = (
    Course.id,
    Course.ocmw,
    Course.organiser,
    Course.organiser_org,
    Course.title,
    Course.place,
    Course.description,
    Course.created_at,
    Course.ocmw.name,
    Course.organiser.display_name,
    Course.organiser_org.name,
)


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _day(value: dt.date) -> str:
    return value.strftime("%d-%m-%Y")


# Who may do what ------------------------------------------------------------------------------


def organises_courses(viewer: Viewer) -> bool:
    """A social worker of an OCMW, or a toeleider of a partner organisation."""
    return (Role.social_worker in viewer.roles and viewer.org_kind == OrgKind.ocmw) or (
        Role.toeleider in viewer.roles and viewer.org_kind == OrgKind.partner
    )


@dataclass(frozen=True)
class OrgChoice:
    id: int
    name: str


async def organisable_ocmws(viewer: Viewer) -> list[OrgChoice]:
    """The OCMWs a person may organise a course for: a social worker their own; a toeleider
    those their organisation has a partnership with."""
    ids: set[int] = set()
    if Role.social_worker in viewer.roles and viewer.org_kind == OrgKind.ocmw:
        ids.add(viewer.org_id)
    if Role.toeleider in viewer.roles and viewer.org_kind == OrgKind.partner:
        rows = await Partnership.select(Partnership.ocmw).where(
            Partnership.partner == viewer.org_id
        )
        ids.update(row["ocmw"] for row in rows)
    if not ids:
        return []
    rows = (
        await Organisation.select(Organisation.id, Organisation.name)
        .where(Organisation.id.is_in(sorted(ids)))
        .order_by(Organisation.name)
    )
    return [OrgChoice(row["id"], row["name"]) for row in rows]


def enrols_for(viewer: Viewer, course: CourseView) -> bool:
    """File holders enrol their clients: social workers of the OCMW the course runs for."""
    return Role.social_worker in viewer.roles and viewer.org_id == course.ocmw


def is_organiser(viewer: Viewer, course: CourseView) -> bool:
    return course.organiser == viewer.person_id


def may_record(viewer: Viewer, course: CourseView, enrolment: EnrolmentView) -> bool:
    """The organiser records attendance of the clients named on their roster; the file holder
    records or corrects that of their own clients."""
    named = enrolment.name is not None
    return (is_organiser(viewer, course) and named) or enrolment.relation is Relation.file_holder


# Reading --------------------------------------------------------------------------------------


async def find_course(viewer: Viewer, course_id: int) -> CourseView:
    """One course as the viewer may see it; 404 when it does not exist for them."""
    scope = visible_to(viewer, Course)
    row = await scope.get(course_id, *_COURSE_COLUMNS)
    view = scope.project(row) if row is not None else None
    if view is None:
        raise NotFoundException()
    return view


@dataclass(frozen=True)
class SessionView:
    id: int
    course: int
    date: dt.date
    starts_at: dt.time
    topic: str

    @property
    def label(self) -> str:
        return f"{_day(self.date)} {self.starts_at:%H:%M}"


async def _sessions(course_ids: list[int]) -> list[SessionView]:
    """The sessions of courses already read through the viewer's scope (or their enrolments)."""
    if not course_ids:
        return []
    rows = (
        await CourseSession.select(
            CourseSession.id,
            CourseSession.course,
            CourseSession.date,
            CourseSession.starts_at,
            CourseSession.topic,
        )
        .where(CourseSession.course.is_in(sorted(set(course_ids))))
        .order_by(CourseSession.date)
        .order_by(CourseSession.starts_at)
        .order_by(CourseSession.id)
    )
    return [
        SessionView(r["id"], r["course"], r["date"], r["starts_at"], r["topic"] or "") for r in rows
    ]


def today() -> dt.date:
    """Today in Belgium."""
    return local_time(_now()).date()


@dataclass(frozen=True)
class CourseItem:
    course: CourseView
    sessions: int
    first: dt.date | None
    last: dt.date | None
    next: SessionView | None


async def list_courses(viewer: Viewer) -> list[CourseItem]:
    """The courses the viewer may see: those with sessions to come first (soonest first), then
    the others, latest first."""
    scope = visible_to(viewer, Course)
    courses = scope.project_all(await scope.select(*_COURSE_COLUMNS))
    sessions = await _sessions([course.id for course in courses])
    now = today()
    items = []
    for course in courses:
        own = [s for s in sessions if s.course == course.id]
        items.append(
            CourseItem(
                course=course,
                sessions=len(own),
                first=own[0].date if own else None,
                last=own[-1].date if own else None,
                next=next((s for s in own if s.date >= now), None),
            )
        )
    upcoming = sorted(
        (i for i in items if i.next is not None),
        key=lambda i: (i.next.date if i.next else dt.date.max, i.course.title),
    )
    past = sorted(
        (i for i in items if not i.next),
        key=lambda i: (i.last or dt.date.min, i.course.id),
        reverse=True,
    )
    return upcoming + past


@dataclass(frozen=True)
class Mark:
    """One cell of the attendance grid."""

    session: int
    presence: Presence | None


@dataclass(frozen=True)
class RosterLine:
    client: int
    name: str
    marks: tuple[Mark, ...]
    may_record: bool
    holds_file: bool


@dataclass(frozen=True)
class HeldClient:
    id: int
    name: str


@dataclass(frozen=True)
class CoursePage:
    course: CourseView
    sessions: list[SessionView]
    roster: list[RosterLine]
    others: int
    """Enrolled clients this viewer may not see on the roster: a number, no names."""
    enrolled: int
    organiser: bool
    records_attendance: bool
    may_enrol: bool
    enrollable: list[HeldClient] = field(default_factory=list)
    today: dt.date = dt.date.min
    """Sessions up to today take attendance."""


def _latest(attendance: list[AttendanceView]) -> dict[tuple[int, int], AttendanceView]:
    latest: dict[tuple[int, int], AttendanceView] = {}
    for row in sorted(attendance, key=lambda a: a.id):
        latest[(row.session, row.client)] = row
    return latest


async def _roster(viewer: Viewer, course: CourseView) -> tuple[list[EnrolmentView], int]:
    """The enrolments of a course the viewer may read, and how many there are in all."""
    scope = visible_to(viewer, Enrolment)
    rows = await scope.select(
        Enrolment.id,
        Enrolment.course,
        Enrolment.client,
        Enrolment.enrolled_at,
        Enrolment.client.first_name,
        Enrolment.client.last_name,
        Enrolment.client.ocmw,
    ).where(Enrolment.course == course.id)
    with unscoped("a course's roster size for who sees the course: a number, no one named"):
        total = await Enrolment.count().where(Enrolment.course == course.id)
    return scope.project_all(rows), int(total)


async def _attendance(viewer: Viewer, course_id: int) -> list[AttendanceView]:
    scope = visible_to(viewer, Attendance)
    rows = await scope.select(
        Attendance.id,
        Attendance.session,
        Attendance.client,
        Attendance.presence,
        Attendance.recorded_at,
    ).where(Attendance.session._.course == course_id)
    return scope.project_all(rows)


async def held_clients(viewer: Viewer, course: CourseView) -> list[HeldClient]:
    """The files the viewer holds at the course's OCMW."""
    if not enrols_for(viewer, course):
        return []
    scope = visible_to(viewer, Client)
    rows = (
        await scope.select(Client.id, Client.ocmw, Client.first_name, Client.last_name)
        .where((Client.file_holder == viewer.person_id) & (Client.ocmw == course.ocmw))
        .order_by(Client.last_name, Client.first_name, Client.id)
    )
    views: list[ClientView] = scope.project_all(rows)
    return [
        HeldClient(view.id, view.full_name)
        for view in views
        if view.relation is Relation.file_holder
    ]


async def course_page(viewer: Viewer, course_id: int) -> CoursePage:
    """A course with its sessions, the roster as the viewer may see it and the attendance grid."""
    course = await find_course(viewer, course_id)
    sessions = await _sessions([course.id])
    enrolments, total = await _roster(viewer, course)
    named = [e for e in enrolments if e.name is not None]
    latest = _latest(await _attendance(viewer, course.id))
    held = await held_clients(viewer, course)
    enrolled_ids = {e.client for e in enrolments}
    roster = [
        RosterLine(
            client=e.client,
            name=e.name or "",
            marks=tuple(
                Mark(
                    s.id,
                    PRESENCE_BY_CODE.get(latest[(s.id, e.client)].presence)
                    if (s.id, e.client) in latest
                    else None,
                )
                for s in sessions
            ),
            may_record=may_record(viewer, course, e),
            holds_file=e.relation is Relation.file_holder,
        )
        for e in sorted(named, key=lambda e: ((e.name or "").casefold(), e.client))
    ]
    return CoursePage(
        course=course,
        sessions=sessions,
        roster=roster,
        others=total - len(named),
        enrolled=total,
        organiser=is_organiser(viewer, course),
        records_attendance=any(line.may_record for line in roster),
        may_enrol=enrols_for(viewer, course),
        enrollable=[client for client in held if client.id not in enrolled_ids],
        today=today(),
    )


@dataclass(frozen=True)
class SessionPage:
    page: CoursePage
    session: SessionView
    index: int
    """The session's position in the grid's marks."""
    lines: list[RosterLine]
    """The roster lines whose attendance the viewer may record."""


async def session_page(viewer: Viewer, course_id: int, session_id: int) -> SessionPage:
    """One session's attendance form: 404 for a session of another course."""
    page = await course_page(viewer, course_id)
    index = next((i for i, s in enumerate(page.sessions) if s.id == session_id), None)
    if index is None:
        raise NotFoundException()
    lines = [line for line in page.roster if line.may_record]
    if not lines:
        raise NotAllowed("only the organiser and the file holders record attendance")
    return SessionPage(page, page.sessions[index], index, lines)


# The client file's panel ----------------------------------------------------------------------


@dataclass(frozen=True)
class ClientCourse:
    id: int
    title: str
    place: str
    opens: bool
    """Whether the viewer may open the course itself (its page)."""
    next: SessionView | None
    sessions: int
    past: int
    counts: tuple[tuple[Presence, int], ...]
    unrecorded: int


@dataclass(frozen=True)
class CoursesPanel:
    courses: list[ClientCourse]


@prepared(values={})
def _enrolment_rows(viewer: Viewer, client: ClientView) -> Any:
    return visible_to(viewer, Enrolment, client=client).select(
        Enrolment.id,
        Enrolment.course,
        Enrolment.client,
        Enrolment.enrolled_at,
        Enrolment.course.title,
        Enrolment.course.place,
    )


def enrolments_read(viewer: Viewer, client: ClientView) -> Bound:
    """The first read of ``client_courses``, for running with the page's others."""
    return _enrolment_rows.bind(viewer, client)


async def client_courses(viewer: Viewer, client: ClientView) -> CoursesPanel | None:
    """The client's courses, for who may read the client's trajectory: the next session and the
    attendance so far. The course's title, place and dates are part of the client's trajectory
    here, whether or not the viewer may open the course itself."""
    enrolments: list[EnrolmentView] = visible_to(viewer, Enrolment, client=client).project_all(
        await _enrolment_rows(viewer, client)
    )
    if not enrolments:
        return None
    ids = [e.course for e in enrolments]
    sessions = await _sessions(ids)
    attendance = visible_to(viewer, Attendance, client=client)
    marks = _latest(
        attendance.project_all(
            await attendance.select(
                Attendance.id,
                Attendance.session,
                Attendance.client,
                Attendance.presence,
                Attendance.recorded_at,
            ).where(Attendance.session._.course.is_in(ids))
        )
    )
    courses = visible_to(viewer, Course)
    opens = {row["id"] for row in await courses.select(Course.id).where(Course.id.is_in(ids))}
    now = today()
    items = []
    for enrolment in sorted(enrolments, key=lambda e: (e.course_title, e.course)):
        own = [s for s in sessions if s.course == enrolment.course]
        past = [s for s in own if s.date < now]
        seen = Counter(
            marks[(s.id, client.id)].presence for s in past if (s.id, client.id) in marks
        )
        items.append(
            ClientCourse(
                id=enrolment.course,
                title=enrolment.course_title,
                place=enrolment.course_place,
                opens=enrolment.course in opens,
                next=next((s for s in own if s.date >= now), None),
                sessions=len(own),
                past=len(past),
                counts=tuple((p, seen[p.code]) for p in PRESENCE_BY_CODE.values()),
                unrecorded=len(past) - sum(seen.values()),
            )
        )
    return CoursesPanel(items)


# Writing --------------------------------------------------------------------------------------


def _text(fields: Mapping[str, str], name: str) -> str:
    return " ".join(fields.get(name, "").split())


async def create_course(
    actor: Viewer, fields: Mapping[str, str], *, at: dt.datetime | None = None
) -> int:
    """A social worker creates a course for their OCMW, a toeleider for an OCMW their
    organisation has a partnership with; the creator is its organiser."""
    if not organises_courses(actor):
        raise NotAllowed("only social workers of an OCMW and toeleiders organise courses")
    choices = {str(choice.id): choice for choice in await organisable_ocmws(actor)}
    errors: dict[str, str] = {}
    ocmw = choices.get(fields.get("ocmw", ""))
    if ocmw is None:
        errors["ocmw"] = _("Choose the OCMW the course runs for.")
    title = _text(fields, "title")
    if not title:
        errors["title"] = _("Enter the title of the course.")
    elif len(title) > TITLE_MAX:
        errors["title"] = _("A title can be at most 200 characters long.")
    place = _text(fields, "place")
    if len(place) > PLACE_MAX:
        errors["place"] = _("A place can be at most 200 characters long.")
    description = fields.get("description", "").strip()
    if len(description) > DESCRIPTION_MAX:
        errors["description"] = _("A description can be at most 2000 characters long.")
    if errors:
        raise Invalid(errors)
    assert ocmw is not None
    async with unit_of_work():
        row = Course(
            ocmw=ocmw.id,
            organiser=actor.person_id,
            organiser_org=actor.org_id,
            title=title,
            place=place,
            description=description,
            created_at=at or _now(),
        )
        await row.save()
    return int(row.id)


def _session_input(fields: Mapping[str, str]) -> tuple[dt.date, dt.time, str]:
    errors: dict[str, str] = {}
    day: dt.date | None = None
    start: dt.time | None = None
    try:
        day = dt.date.fromisoformat(fields.get("date", "").strip())
    except ValueError:
        errors["date"] = _("Enter the date of the session, for example 2026-09-08.")
    else:
        if not dt.date(2000, 1, 1) <= day <= dt.date(2100, 12, 31):
            errors["date"] = _("Enter a date between 2000 and 2100.")
    raw = fields.get("starts_at", "").strip()
    try:
        if len(raw) != 5:
            raise ValueError(raw)
        start = dt.time.fromisoformat(raw)
    except ValueError:
        errors["starts_at"] = _("Enter the start time as hours and minutes, for example 09:30.")
    topic = _text(fields, "topic")
    if len(topic) > TOPIC_MAX:
        errors["topic"] = _("A topic can be at most 200 characters long.")
    if errors:
        raise Invalid(errors)
    assert day is not None and start is not None
    return day, start, topic


async def add_session(actor: Viewer, course_id: int, fields: Mapping[str, str]) -> int:
    """The organiser adds a dated session (date, start time in Belgian time, topic)."""
    course = await find_course(actor, course_id)
    if not is_organiser(actor, course):
        raise NotAllowed("only the organiser plans sessions")
    day, start, topic = _session_input(fields)
    async with unit_of_work():
        if any(s.date == day and s.starts_at == start for s in await _sessions([course.id])):
            raise Invalid({"date": _("This course already has a session at that moment.")})
        row = CourseSession(course=course.id, date=day, starts_at=start, topic=topic)
        await row.save()
    return int(row.id)


async def enrol(
    actor: Viewer, course_id: int, fields: Mapping[str, str], *, at: dt.datetime | None = None
) -> int:
    """A file holder enrols one of their clients (``client``: its id); the enrolment lands on
    the client's timeline. Only clients of the OCMW the course runs for can be enrolled."""
    course = await find_course(actor, course_id)
    if not enrols_for(actor, course):
        raise NotAllowed("only file holders of the course's OCMW enrol clients")
    held = {str(client.id): client for client in await held_clients(actor, course)}
    chosen = held.get(fields.get("client", "").strip())
    if chosen is None:
        raise Invalid({"client": _("Choose a client whose file you hold.")})
    moment = at or _now()
    async with unit_of_work():
        enrolments, _total = await _roster(actor, course)
        if any(e.client == chosen.id for e in enrolments):
            raise Invalid({"client": _("This client is already enrolled in this course.")})
        row = Enrolment(
            course=course.id, client=chosen.id, enrolled_by=actor.person_id, enrolled_at=moment
        )
        await row.save()
        await append(
            chosen.id,
            events.ENROLLED,
            actor=actor,
            payload={"course": course.title},
            occurred_at=moment,
        )
    return int(row.id)


def _check_attendance(
    session: SessionView,
    lines: Mapping[int, RosterLine],
    wanted: Mapping[int, str],
    moment: dt.datetime,
) -> None:
    if session.date > local_time(moment).date():
        raise Invalid({"presence": _("This session has not taken place yet.")})
    if not wanted:
        message = _("Choose present, absent or excused for at least one person.")
        raise Invalid({"presence": message})
    errors: dict[str, str] = {}
    for client_id, code in wanted.items():
        name = f"{PRESENCE_FIELD}{client_id}"
        if client_id not in lines:
            errors[name] = _("You cannot record attendance for this person.")
        elif code not in PRESENCE_BY_CODE:
            errors[name] = _("Choose present, absent or excused.")
    if errors:
        raise Invalid(errors)


def presences_from(fields: Mapping[str, str]) -> dict[int, str]:
    """The attendance form's ``presence-<client id>`` fields that were filled in."""
    found: dict[int, str] = {}
    for name, value in fields.items():
        if not name.startswith(PRESENCE_FIELD) or not value:
            continue
        suffix = name.removeprefix(PRESENCE_FIELD)
        if not suffix.isdigit() or len(suffix) > 10:
            raise Invalid({"presence": _("This form does not belong to this session.")})
        found[int(suffix)] = value
    return found


async def record_attendance(
    actor: Viewer,
    course_id: int,
    session_id: int,
    fields: Mapping[str, str],
    *,
    at: dt.datetime | None = None,
) -> int:
    """Attendance of one session for the clients the actor may record it for (``may_record``);
    each change is a row and an event on that client's timeline. Returns how many changed."""
    moment = at or _now()
    changed = 0
    async with unit_of_work():
        found = await session_page(actor, course_id, session_id)
        course, session = found.page.course, found.session
        lines = {line.client: line for line in found.lines}
        _check_attendance(session, lines, presences_from(fields), moment)
        wanted = presences_from(fields)
        for client_id, code in sorted(wanted.items()):
            current = lines[client_id].marks[found.index].presence
            if current is not None and current.code == code:
                continue
            await Attendance(
                session=session.id,
                client=client_id,
                presence=code,
                recorded_by=actor.person_id,
                recorded_at=moment,
            ).save()
            await append(
                client_id,
                events.ATTENDANCE_CORRECTED if current else events.ATTENDED,
                actor=actor,
                payload={"course": course.title, "day": _day(session.date), "presence": code},
                occurred_at=moment,
            )
            changed += 1
    return changed

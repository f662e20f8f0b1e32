"""Test factories: rows with sensible defaults, and a small world with a secret in every class.

Organisations, people, clients, care teams and consent are plain rows (tests need states no single
service makes, such as a care-team member without consent); timeline events go through
``timeline.append``, the only writer of events.
"""

from __future__ import annotations

import datetime as dt
import itertools
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from portal.accounts.tables import Organisation, Partnership, Person
from portal.clients.tables import CareTeamMember, Client, Consent
from portal.clients.visibility import CLIENT_FIELDS
from portal.core.db import unit_of_work
from portal.core.text import fold
from portal.courses.tables import Attendance, Course, CourseSession, Enrolment
from portal.timeline.events import NOTE
from portal.timeline.services import append
from portal.trajectory.tables import Intake, IntakeAnswer, Invitation, Placement, TrainingRequest
from portal.visibility.policy import Audience, Sensitivity
from portal.visibility.scoping import unscoped

if TYPE_CHECKING:
    from tests.support.documents import SeededDocument

_seq = itertools.count(1)
NOW = dt.datetime(2026, 11, 20, 9, 0, tzinfo=dt.UTC)


async def make_org(code: str, kind: str, name: str | None = None) -> int:
    row = Organisation(code=code, name=name or code.replace("-", " ").title(), kind=kind)
    await row.save()
    return int(row.id)


async def make_person(username: str, org_id: int, *roles: str, active: bool = True) -> int:
    row = Person(
        username=username,
        display_name=username.replace(".", " ").title(),
        email=f"{username}@example.org",
        organisation=org_id,
        roles=list(roles),
        active=active,
    )
    await row.save()
    return int(row.id)


async def make_partnership(ocmw: int, partner: int | None, vdab: int | None) -> int:
    row = Partnership(name="partnership", ocmw=ocmw, partner=partner, vdab=vdab)
    await row.save()
    return int(row.id)


def secret(tag: str, field_name: str) -> str:
    return f"S3CRET-{tag}-{field_name}"


async def _first_social_worker(ocmw: int) -> int | None:
    for row in (
        await Person.select(Person.id, Person.roles)
        .where(Person.organisation == ocmw)
        .order_by(Person.id)
    ):
        if "social_worker" in (row["roles"] or []):
            return int(row["id"])
    return None


async def make_client(ocmw: int, tag: str | None = None, **values: Any) -> int:
    """A client whose every text field holds a distinctive value containing ``tag``; its file holder
    is the OCMW's first social worker unless ``file_holder`` says otherwise."""
    tag = tag or f"c{next(_seq)}"
    number = next(_seq)
    defaults: dict[str, Any] = {
        spec.name: secret(tag, spec.name)
        for spec in CLIENT_FIELDS
        if spec.name not in ("birth_date", "ladder_step", "living_wage_start", "agreement_note_on")
    }
    defaults.update(
        first_name=f"First{tag}",
        last_name=f"Last{tag}",
        national_number=f"85.07.{number % 28 + 1:02d}-{number % 1000:03d}.{(number * 7) % 100:02d}",
        birth_date=dt.date(1985, 7, number % 28 + 1),
        living_wage_start=dt.date(2011, 2, number % 28 + 1),
        agreement_note_on=dt.date(2011, 4, number % 28 + 1),
        ladder_step=3,
        status=f"status{tag}",
        created_at=NOW,
    )
    defaults.update(values)
    defaults.setdefault("search_name", fold(f"{defaults['first_name']} {defaults['last_name']}"))
    if "file_holder" not in values:
        defaults["file_holder"] = await _first_social_worker(ocmw)
    row = Client(ocmw=ocmw, **defaults)
    await row.save()
    return int(row.id)


async def add_to_team(client_id: int, person_id: int) -> None:
    await CareTeamMember(client=client_id, person=person_id, added_at=NOW).save()


async def set_consent(client_id: int, org_id: int, given: bool) -> None:
    await Consent(client=client_id, organisation=org_id, given=given, decided_on=NOW.date()).save()


@dataclass(frozen=True)
class Author:
    person_id: int
    org_id: int


async def add_event(
    client_id: int,
    *,
    author: int,
    author_org: int,
    audience: Audience = Audience.care_team,
    sensitivity: Sensitivity | None = None,
    kind: str = NOTE,
    subject: str = "event",
    text: str = "",
    payload: dict[str, Any] | None = None,
    occurred_at: dt.datetime | None = None,
) -> int:
    async with unit_of_work():
        return await append(
            client_id,
            kind,
            actor=Author(author, author_org),
            audience=audience,
            sensitivity=sensitivity,
            payload={"subject": subject, **(payload or {})},
            text=text,
            occurred_at=occurred_at or NOW,
        )


async def add_events(client_id: int, count: int, *, author: int, author_org: int) -> None:
    """``count`` plain care-team notes, one minute apart, in one unit of work."""
    actor = Author(author, author_org)
    async with unit_of_work():
        for i in range(count):
            await append(
                client_id,
                NOTE,
                actor=actor,
                payload={"subject": f"note {i}"},
                occurred_at=NOW - dt.timedelta(minutes=i),
            )


async def make_course(ocmw: int, organiser: int, organiser_org: int, title: str = "Course") -> int:
    row = Course(
        ocmw=ocmw,
        organiser=organiser,
        organiser_org=organiser_org,
        title=title,
        place=f"{title} place",
        description=f"{title} description",
        created_at=NOW,
    )
    await row.save()
    return int(row.id)


async def make_session(
    course: int, day: dt.date, start: dt.time = dt.time(9, 30), topic: str = "Topic"
) -> int:
    row = CourseSession(course=course, date=day, starts_at=start, topic=topic)
    await row.save()
    return int(row.id)


async def enrol_client(course: int, client: int, by: int) -> int:
    row = Enrolment(course=course, client=client, enrolled_by=by, enrolled_at=NOW)
    await row.save()
    return int(row.id)


async def mark_attendance(session: int, client: int, presence: str, by: int) -> int:
    row = Attendance(
        session=session, client=client, presence=presence, recorded_by=by, recorded_at=NOW
    )
    await row.save()
    return int(row.id)


@dataclass
class World:
    orgs: dict[str, int] = field(default_factory=dict)
    people: dict[str, int] = field(default_factory=dict)
    clients: dict[str, int] = field(default_factory=dict)
    events: dict[str, list[tuple[Audience, Sensitivity, str, str]]] = field(default_factory=dict)
    review_rounds: dict[str, int] = field(default_factory=dict)
    """By OCMW code, once ``add_review_rounds`` made them."""
    review_items: dict[str, int] = field(default_factory=dict)
    """By client tag."""
    requests: dict[str, int] = field(default_factory=dict)
    """A training request on each client, by tag."""
    records: list[tuple[str, Sensitivity, str]] = field(default_factory=list)
    """Distinctive values of records about a client (tag, class, value)."""
    courses: dict[str, int] = field(default_factory=dict)
    """Course A: OCMW A's, organised by the partner's toeleider, X and Y enrolled; course B:
    OCMW B's, organised by sw.b, Z enrolled."""
    sessions: dict[str, int] = field(default_factory=dict)
    """A1 and A2 held (two and one week ago), A3 to come (next week); B1 held a week ago."""
    documents: list[SeededDocument] = field(default_factory=list)
    """Once ``tests.support.documents.add_documents`` seeded them."""
    signals: list[Any] = field(default_factory=list)
    """``tests.support.signals.SeededSignal``, once ``add_signals`` seeded them."""
    signal_setup: dict[str, int] = field(default_factory=dict)
    """The ids of a theme (``theme``) and a route (``route``), once ``add_signals`` ran."""
    questions: list[Any] = field(default_factory=list)
    """``tests.support.questions.SeededQuestion``, once ``add_questions`` seeded them."""
    transfers: list[Any] = field(default_factory=list)
    """``tests.support.transfers.SeededTransfer``, once ``add_transfer`` seeded one."""
    evaluations: list[Any] = field(default_factory=list)
    """``tests.support.evaluations.SeededEvaluation``, once ``add_evaluations`` seeded them."""


PEOPLE = {
    "sw.a": ("ocmw-a", "social_worker"),
    "sw.a2": ("ocmw-a", "social_worker"),
    "sw.b": ("ocmw-b", "social_worker"),
    "toeleider": ("partner", "toeleider"),
    "toeleider.out": ("partner", "toeleider"),
    "mediator": ("vdab", "mediator"),
    "mediator.out": ("vdab", "mediator"),
    "coordinator.a": ("ocmw-a", "coordinator"),
    "coordinator.p": ("partner", "coordinator"),
    "admin": ("ocmw-a", "admin"),
    "platform": ("ocmw-b", "platform_admin"),
}


async def build_world() -> World:
    """Two OCMWs, a partner and VDAB; clients X (consent given), Y (consent withdrawn) of OCMW A
    and Z of OCMW B; on X and Z an event for every audience, sensitivity class and author org."""
    world = World()
    world.orgs = {
        "ocmw-a": await make_org("ocmw-a", "ocmw"),
        "ocmw-b": await make_org("ocmw-b", "ocmw"),
        "partner": await make_org("partner", "partner"),
        "vdab": await make_org("vdab", "vdab"),
    }
    await make_partnership(world.orgs["ocmw-a"], world.orgs["partner"], world.orgs["vdab"])
    await make_partnership(world.orgs["ocmw-b"], None, world.orgs["vdab"])
    for username, (org, role) in PEOPLE.items():
        world.people[username] = await make_person(username, world.orgs[org], role)

    team = {
        "X": ["sw.a", "toeleider", "mediator"],
        "Y": ["sw.a", "toeleider", "mediator"],
        "Z": ["sw.b", "mediator"],
    }
    for tag, ocmw in (("X", "ocmw-a"), ("Y", "ocmw-a"), ("Z", "ocmw-b")):
        client_id = await make_client(world.orgs[ocmw], tag)
        world.clients[tag] = client_id
        for username in team[tag]:
            await add_to_team(client_id, world.people[username])
    await set_consent(world.clients["X"], world.orgs["partner"], True)
    await set_consent(world.clients["X"], world.orgs["vdab"], True)
    await set_consent(world.clients["Y"], world.orgs["partner"], False)
    await set_consent(world.clients["Y"], world.orgs["vdab"], False)
    await set_consent(world.clients["Z"], world.orgs["vdab"], True)

    authors = {
        "X": [("sw.a", "ocmw-a"), ("mediator", "vdab"), ("toeleider", "partner")],
        "Z": [("sw.b", "ocmw-b"), ("mediator", "vdab")],
    }
    for tag, author_list in authors.items():
        world.events[tag] = []
        minute = 0
        for username, org in author_list:
            for audience in Audience:
                for cls in Sensitivity:
                    minute += 1
                    label = f"EVT-{tag}-{username}-{audience.value}-{cls.value}"
                    await add_event(
                        world.clients[tag],
                        author=world.people[username],
                        author_org=world.orgs[org],
                        audience=audience,
                        sensitivity=cls,
                        subject=f"{label}-title",
                        text=f"{label}-body",
                        occurred_at=NOW - dt.timedelta(minutes=minute),
                    )
                    world.events[tag].append((audience, cls, org, label))
    for tag in world.clients:
        await seed_trajectory(world, tag)
    await _add_courses(world)
    return world


REVIEW_REASONS = {
    "X": ("dutch", "trajectory", "REVIEW-X-dutch-reason"),
    "Y": ("health", "health", "REVIEW-Y-health-reason"),
    "Z": ("other", "trajectory", "REVIEW-Z-other-reason"),
}
"""The world's review items: each client "not yet", Y for a health reason."""


async def add_review_rounds(world: World, period: str) -> dict[str, int]:
    """A review round of ``period`` for each OCMW of the world, X and Y on A's list and Z on B's,
    each marked "not yet" with a distinctive reason; returns the item ids by client tag."""
    from portal.review.tables import ReviewItem, ReviewRound

    rounds: dict[str, int] = {}
    for ocmw, person in (("ocmw-a", "sw.a"), ("ocmw-b", "sw.b")):
        row = ReviewRound(
            ocmw=world.orgs[ocmw],
            period=period,
            slot=f"{world.orgs[ocmw]}/{period}",
            opened_at=NOW,
            opened_by=world.people[person],
            due_on=NOW.date(),
        )
        await row.save()
        rounds[ocmw] = int(row.id)
    items: dict[str, int] = {}
    for tag, ocmw, person in (
        ("X", "ocmw-a", "sw.a"),
        ("Y", "ocmw-a", "sw.a"),
        ("Z", "ocmw-b", "sw.b"),
    ):
        kind, cls, reason = REVIEW_REASONS[tag]
        item = ReviewItem(
            round=rounds[ocmw],
            client=world.clients[tag],
            slot=f"{rounds[ocmw]}/{world.clients[tag]}",
            decision="not_yet",
            reason_kind=kind,
            reason=reason,
            sensitivity=cls,
            decided_by=world.people[person],
            decided_at=NOW,
        )
        await item.save()
        items[tag] = int(item.id)
    world.review_rounds, world.review_items = rounds, items
    return items


async def seed_trajectory(world: World, tag: str) -> None:
    """A training request, an invitation, an intake (one ``trajectory`` and one ``health``
    answer) and a placement on a client, each with a distinctive value."""
    client_id = world.clients[tag]
    with unscoped("test world: the file holder writes the records"):
        holder = await Client.select(Client.file_holder).where(Client.id == client_id).first()
    person = holder["file_holder"]
    T, H = Sensitivity.trajectory, Sensitivity.health
    values = {name: f"TRJ-{tag}-{name}" for name in ("course", "place", "wishes", "health", "site")}
    request = TrainingRequest(
        client=client_id,
        course=values["course"],
        provider="Provider",
        requested_by=person,
        requested_at=NOW,
        changed_at=NOW,
    )
    await request.save()
    world.requests[tag] = int(request.id)
    vdab = await Organisation.select(Organisation.id).where(Organisation.kind == "vdab").first()
    await Invitation(
        client=client_id,
        at=NOW + dt.timedelta(days=3650),
        place=values["place"],
        invited_by=person,
        organisation=vdab["id"],
        created_at=NOW,
    ).save()
    intake = Intake(client=client_id, held_on=NOW.date(), held_by=person, created_at=NOW)
    await intake.save()
    for topic, cls in (("wishes", T), ("preconditions_health", H)):
        text = values["wishes" if cls is T else "health"]
        await IntakeAnswer(
            intake=intake.id, client=client_id, topic=topic, text=text, sensitivity=cls.value
        ).save()
    await Placement(
        client=client_id,
        work_site=values["site"],
        start=NOW.date(),
        recorded_by=person,
        recorded_at=NOW,
        changed_at=NOW,
    ).save()
    world.records += [(tag, H if name == "health" else T, value) for name, value in values.items()]


async def _add_courses(world: World) -> None:
    """Rows only (no timeline events): the world's events stay one per audience and class."""
    people, orgs, clients = world.people, world.orgs, world.clients
    today = dt.date.today()
    world.courses["A"] = await make_course(
        orgs["ocmw-a"], people["toeleider"], orgs["partner"], "COURSE-A"
    )
    world.courses["B"] = await make_course(
        orgs["ocmw-b"], people["sw.b"], orgs["ocmw-b"], "COURSE-B"
    )
    for name, course, days in (("A1", "A", -14), ("A2", "A", -7), ("A3", "A", 7), ("B1", "B", -7)):
        world.sessions[name] = await make_session(
            world.courses[course], today + dt.timedelta(days=days), topic=f"TOPIC-{name}"
        )
    for course, tag, holder in (("A", "X", "sw.a"), ("A", "Y", "sw.a"), ("B", "Z", "sw.b")):
        await enrol_client(world.courses[course], clients[tag], people[holder])
    for session, tag, presence, by in (
        ("A1", "X", "present", "toeleider"),
        ("A1", "Y", "absent", "sw.a"),
        ("B1", "Z", "excused", "sw.b"),
    ):
        await mark_attendance(world.sessions[session], clients[tag], presence, people[by])


async def make_intake(client_id: int, person: int) -> int:
    row = Intake(client=client_id, held_on=NOW.date(), held_by=person, created_at=NOW)
    await row.save()
    return int(row.id)


async def add_trajectory_rows(client_id: int, person: int, org: int) -> None:
    """One row in each trajectory table, with plain values."""
    await TrainingRequest(
        client=client_id,
        course="course",
        provider="provider",
        requested_by=person,
        requested_at=NOW,
        changed_by=person,
        changed_at=NOW,
    ).save()
    await Invitation(
        client=client_id, at=NOW, place="place", invited_by=person, organisation=org, created_at=NOW
    ).save()
    intake = await make_intake(client_id, person)
    await IntakeAnswer(
        intake=intake, client=client_id, topic="wishes", text="text", sensitivity="trajectory"
    ).save()
    await Placement(
        client=client_id,
        work_site="site",
        start=NOW.date(),
        recorded_by=person,
        recorded_at=NOW,
        changed_at=NOW,
    ).save()


async def make_review_round(ocmw: int, person: int, period: str = "2026-Q4") -> int:
    from portal.review.tables import ReviewRound

    row = ReviewRound(
        ocmw=ocmw,
        period=period,
        slot=f"{ocmw}/{period}",
        opened_at=NOW,
        opened_by=person,
        due_on=NOW.date(),
    )
    await row.save()
    return int(row.id)


async def make_review_item(round_id: int, client_id: int, person: int) -> int:
    from portal.review.tables import ReviewItem

    row = ReviewItem(
        round=round_id,
        client=client_id,
        slot=f"{round_id}/{client_id}",
        decision="ready",
        decided_by=person,
        decided_at=NOW,
    )
    await row.save()
    return int(row.id)

"""Every route of the app, for every person of the world: the expected status, and no hidden value.

``MATRIX`` holds one entry per (method, route) of the app; a route without an entry fails
``test_every_route_is_in_the_matrix``, so a new page cannot skip this check. For each person the
test then requests every URL of every route (GET pages, htmx fragments, POST actions with a valid
CSRF token) and asserts the status the policy implies and that no value hidden from that person —
any client field of a class they are not shown, any event or document they may not read (a
document's name and its content) — appears in any response or log line. What is hidden is computed from the policy and the relation oracle.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest
from litestar import Litestar

from portal.accounts.services import load_viewer
from portal.accounts.tables import Partnership
from portal.clients.services import SECTIONS
from portal.clients.tables import Client
from portal.clients.visibility import CLIENT_FIELDS
from portal.documents.tables import Document
from portal.notifications.tables import InboxItem
from portal.review.workflow import Quarter
from portal.signals.services import HANDLING_ROLES, REPORTING_ROLES
from portal.visibility.policy import (
    Access,
    Audience,
    Relation,
    Role,
    Sensitivity,
    access,
    may_read_audience,
    sees_record,
    shown_classes,
)
from portal.visibility.scoping import unscoped
from portal.visibility.viewer import Viewer
from tests.conftest import csrf_from, login
from tests.support.documents import (
    SeededDocument,
    add_documents,
    add_signal_attachments,
    may_change,
    may_give,
    may_read,
)
from tests.support.evaluations import INVITED, SeededEvaluation, add_evaluations, reads_evaluation
from tests.support.factories import PEOPLE, REVIEW_REASONS, World, add_review_rounds, build_world
from tests.support.oracle import (
    CourseFacts,
    course_facts_for,
    course_relation,
    facts_for,
    relation_of,
)
from tests.support.questions import SeededQuestion, add_questions, reads_question
from tests.support.signals import SeededSignal, add_signals, counts_figures, reads_signal
from tests.support.transfers import add_transfer, reads_transfer

HTMX = {"HX-Request": "true"}
MISSING = 999_999


@dataclass
class Facts:
    """What the matrix needs to know about the world and one person in it."""

    world: World
    username: str
    relations: dict[int, Relation]
    partnership: int
    viewer: Viewer
    courses: dict[int, tuple[CourseFacts, Relation]] = field(default_factory=dict)
    inbox: dict[int, int] = field(default_factory=dict)
    """Every inbox item of the world and the person it is for."""

    @property
    def roles(self) -> frozenset[Role]:
        return frozenset({Role(PEOPLE[self.username][1])})

    @property
    def admin(self) -> bool:
        """Administers people (their organisation's, or everyone's) and reads the admin log."""
        return bool({Role.admin, Role.platform_admin} & self.roles)

    @property
    def platform_admin(self) -> bool:
        """Manages organisations and partnerships."""
        return Role.platform_admin in self.roles

    def sees(self, client_id: int) -> bool:
        relation = self.relations.get(client_id, Relation.none)
        return sees_record(self.roles, relation)

    def sees_course(self, course_id: int) -> bool:
        found = self.courses.get(course_id)
        return found is not None and sees_record(self.roles, found[1])

    @property
    def person_id(self) -> int:
        return self.world.people[self.username]


Urls = Callable[[Facts], list[str]]
Allowed = Callable[[Facts, str], bool]


def _always(_facts: Facts, _url: str) -> bool:
    return True


def _admin(facts: Facts, _url: str) -> bool:
    return facts.admin


def _platform(facts: Facts, _url: str) -> bool:
    return facts.platform_admin


PEOPLE_ACTED_ON = ("sw.a2", "toeleider.out")
"""One person of the admin's own organisation (OCMW A), one of another organisation."""


def _people_action_urls(action: str) -> Urls:
    return lambda f: [f"/admin/people/{f.world.people[name]}/{action}" for name in PEOPLE_ACTED_ON]


def _administers_person(facts: Facts, url: str) -> int:
    """A platform admin acts on anyone; an admin on their own organisation's people only (another
    organisation's person is 404, as for anyone else)."""
    person_id = int(url.split("/")[3])
    name = next(name for name, pid in facts.world.people.items() if pid == person_id)
    own = PEOPLE[name][0] == PEOPLE[facts.username][0]
    return 303 if facts.platform_admin or (facts.admin and own) else 404


def _people_list(facts: Facts, url: str) -> bool:
    """An admin lists their own organisation's people; asking for another one's is 404."""
    if "organisation=" in url and not facts.platform_admin:
        return facts.admin and url.endswith(f"={facts.world.orgs[PEOPLE[facts.username][0]]}")
    return facts.admin


def _client_of(url: str) -> int:
    return int(url.split("/")[2].split("?")[0])


def _sees_client(facts: Facts, url: str) -> bool:
    return facts.sees(_client_of(url))


LOCKED_OUT = {("toeleider", "Y"), ("mediator", "Y")}
"""Care-team members of Y, whose organisations have no consent for Y."""


def _client_page(facts: Facts, url: str) -> int:
    """200 for who sees the client; 403 (a page naming the file holder) for a care-team member
    whose organisation has no consent; 404 for anyone else."""
    client_id = _client_of(url)
    if facts.sees(client_id):
        return 200
    tag = next((t for t, cid in facts.world.clients.items() if cid == client_id), None)
    return 403 if (facts.username, tag) in LOCKED_OUT else 404


def _client_urls(suffix: str) -> Urls:
    def urls(facts: Facts) -> list[str]:
        ids = [*facts.world.clients.values(), MISSING]
        return [f"/clients/{client_id}{suffix}" for client_id in ids]

    return urls


@dataclass(frozen=True)
class Case:
    urls: Urls
    allowed: Allowed = _always
    ok: int = 200
    """The status of an allowed request; a refused one answers 404."""
    public: bool = False
    htmx: bool = False
    """Also request each URL as htmx (a fragment)."""
    form: Callable[[Facts], dict[str, str]] = field(default=lambda _facts: {})
    order: int = 0
    """Requests that change the world for the rest (a deletion, the logout) come last."""
    expect: Callable[[Facts, str], int] | None = None
    """The status, where more than allowed/404 is possible (403: sees the record, may not act)."""
    guarded: bool = False
    """The route answers 404 to who may not use it (``allowed``) before the CSRF check: a router
    guard, or a streamed upload that finds its record before it reads the token from the body."""
    files: Callable[[Facts], dict[str, Any]] | None = None
    """A multipart POST: the file parts, sent after the form's fields."""


def _colleague_states_reason(facts: Facts, url: str) -> int:
    client_id = _client_of(url)
    if not facts.sees(client_id):
        return 404
    relation = facts.relations[client_id]
    colleague = relation in (Relation.same_org, Relation.care_team, Relation.same_org_reason)
    own = PEOPLE[facts.username][0] == "ocmw-a" and client_id != facts.world.clients["Z"]
    return 303 if Role.social_worker in facts.roles and colleague and own else 403


def _coordinator_assigns(facts: Facts, url: str) -> int:
    client_id = _client_of(url)
    if not facts.sees(client_id):
        return 404
    return 303 if facts.username == "coordinator.a" else 403


def _registers(facts: Facts, _url: str) -> int:
    """Social workers of an OCMW register clients; anyone else may not (403)."""
    ocmw = PEOPLE[facts.username][0].startswith("ocmw")
    return 0 if Role.social_worker in facts.roles and ocmw else 403


def _register_page(facts: Facts, url: str) -> int:
    return _registers(facts, url) or 200


def _register(facts: Facts, url: str) -> int:
    return _registers(facts, url) or 303


def _opens_section(facts: Facts, url: str) -> int:
    client_id = _client_of(url)
    cls = SECTIONS[url.rsplit("/", 1)[1]][0]
    relation = facts.relations.get(client_id, Relation.none)
    shown = facts.sees(client_id) and access(facts.roles, relation, cls) is Access.shown
    return 200 if shown else 404


def _section_urls(facts: Facts) -> list[str]:
    return [url + f"/{name}" for url in _client_urls("/sensitive")(facts) for name in SECTIONS]


def _holder_refuses_input(facts: Facts, url: str) -> int:
    """A change only the file holder makes, sent with input it refuses (422), so the world stays
    as the matrix knows it; 403 for who sees the file, 404 for who does not."""
    client_id = _client_of(url)
    if not facts.sees(client_id):
        return 404
    return 422 if facts.relations[client_id] is Relation.file_holder else 403


def _holder_reopens_an_open_file(facts: Facts, url: str) -> int:
    """Reopening a file that is open: 409 for its holder (the file's state is not what the form
    was shown for), 403 for who sees the file, 404 otherwise."""
    status = _holder_refuses_input(facts, url)
    return 409 if status == 422 else status


def _holder_edits(facts: Facts, url: str) -> int:
    """The change forms: the file holder's (200); 403 for who sees the file, 404 otherwise."""
    status = _holder_refuses_input(facts, url)
    return 200 if status == 422 else status


def _writes_note(facts: Facts, url: str) -> int:
    client_id = _client_of(url)
    if not facts.sees(client_id):
        return 404
    relation = facts.relations[client_id]
    writes = relation in (Relation.file_holder, Relation.care_team)
    return 303 if writes and Sensitivity.trajectory in shown_classes(facts.roles, relation) else 403


# Group courses -----------------------------------------------------------------------------------


def _course_of(url: str) -> int:
    return int(url.split("/")[2].split("?")[0])


def _course_urls(suffix: str) -> Urls:
    def urls(facts: Facts) -> list[str]:
        return [
            f"/courses/{course_id}{suffix}"
            for course_id in (*facts.world.courses.values(), MISSING)
        ]

    return urls


def _organises(facts: Facts) -> bool:
    org, role = PEOPLE[facts.username]
    return (role == "social_worker" and org.startswith("ocmw")) or role == "toeleider"


def _sees_courses(facts: Facts, _url: str) -> bool:
    return any(facts.sees_course(course_id) for course_id in facts.courses)


def _course_form_status(facts: Facts, _url: str) -> int:
    return 200 if _organises(facts) else 403


def _creates_course(facts: Facts, _url: str) -> int:
    """Sent without a title: 422 for who may organise a course, 403 for anyone else."""
    return 422 if _organises(facts) else 403


def _sees_course(facts: Facts, url: str) -> bool:
    return facts.sees_course(_course_of(url))


def _organiser_refuses_input(facts: Facts, url: str) -> int:
    course_id = _course_of(url)
    if not facts.sees_course(course_id):
        return 404
    return 422 if facts.courses[course_id][0].organiser_id == facts.person_id else 403


def _holder_enrols(facts: Facts, url: str) -> int:
    """Social workers of the course's OCMW enrol the clients they hold (sent without one: 422)."""
    course_id = _course_of(url)
    if not facts.sees_course(course_id):
        return 404
    org, role = PEOPLE[facts.username]
    own = facts.world.orgs[org] == facts.courses[course_id][0].ocmw_id
    return 422 if role == "social_worker" and own else 403


COURSE_OF_SESSION = {"A1": "A", "A2": "A", "A3": "A", "B1": "B"}
ROSTER = {"A": ("X", "Y"), "B": ("Z",)}


def _session_urls(facts: Facts) -> list[str]:
    courses, sessions = facts.world.courses, facts.world.sessions
    pairs = [(courses["A"], sessions["A1"]), (courses["B"], sessions["B1"])]
    pairs += [(courses["A"], sessions["B1"]), (MISSING, sessions["A1"])]
    return [f"/courses/{course}/sessions/{session}" for course, session in pairs]


def _named_on_roster(facts: Facts, tag: str, course_ocmw: int) -> bool:
    relation = facts.relations.get(facts.world.clients[tag], Relation.none)
    if access(facts.roles, relation, Sensitivity.trajectory) is not Access.shown:
        return False
    return facts.world.orgs[PEOPLE[facts.username][0]] == course_ocmw or (
        relation is Relation.care_team
    )


def _records_attendance(facts: Facts, url: str) -> int:
    """The organiser (for the clients named on their roster) and the enrolled clients' file
    holders; 403 for who sees the course; 404 for who does not, or a session of another course."""
    parts = url.split("/")
    course_id, session_id = int(parts[2]), int(parts[4])
    if not facts.sees_course(course_id):
        return 404
    session = next(name for name, sid in facts.world.sessions.items() if sid == session_id)
    tag = next(tag for tag, cid in facts.world.courses.items() if cid == course_id)
    if COURSE_OF_SESSION[session] != tag:
        return 404
    course = facts.courses[course_id][0]
    roster = ROSTER[tag]
    organiser = course.organiser_id == facts.person_id and any(
        _named_on_roster(facts, client, course.ocmw_id) for client in roster
    )
    holder = any(
        facts.relations.get(facts.world.clients[client]) is Relation.file_holder
        for client in roster
    )
    return 200 if organiser or holder else 403


def _attendance_refused(facts: Facts, url: str) -> int:
    status = _records_attendance(facts, url.removesuffix("/attendance"))
    return 422 if status == 200 else status


def _reads_file_log(facts: Facts, url: str) -> bool:
    """The file holder, and the coordinator of the OCMW that holds the file."""
    client_id = _client_of(url)
    if not facts.sees(client_id):
        return False
    relation = facts.relations[client_id]
    return relation is Relation.file_holder or (
        Role.coordinator in facts.roles and relation is Relation.same_org
    )


def _reads_files(facts: Facts, _url: str) -> bool:
    """Client files can exist for: the roles that work on files, and an OCMW's coordinator."""
    working = {Role.social_worker, Role.toeleider, Role.mediator} & facts.roles
    return bool(working) or (
        Role.coordinator in facts.roles and PEOPLE[facts.username][0].startswith("ocmw")
    )


def _fixed(*urls: str) -> Urls:
    return lambda _facts: list(urls)


def _org_form(facts: Facts) -> dict[str, str]:
    return {"name": "Partner Renamed", "code": "partner", "kind": "partner"}


def _partnership_form(facts: Facts) -> dict[str, str]:
    orgs = facts.world.orgs
    return {
        "name": "Renamed partnership",
        "ocmw": str(orgs["ocmw-a"]),
        "partner": str(orgs["partner"]),
        "vdab": str(orgs["vdab"]),
    }


def _new_org_form(facts: Facts) -> dict[str, str]:
    return {
        "name": "Another partner",
        "code": f"new-{facts.username}".replace(".", "-"),
        "kind": "partner",
    }


def _review_part(facts: Facts) -> str | None:
    """The review's people: an OCMW's social workers (the team) and its coordinator (progress)."""
    org = PEOPLE[facts.username][0]
    if not org.startswith("ocmw"):
        return None
    if Role.social_worker in facts.roles:
        return "team"
    return "progress" if Role.coordinator in facts.roles else None


def _review_team_or(status: int) -> Callable[[Facts, str], int]:
    """``status`` for the team, 403 for the coordinator (sees the review, may not act), else 404."""

    def expect(facts: Facts, _url: str) -> int:
        part = _review_part(facts)
        return status if part == "team" else 403 if part == "progress" else 404

    return expect


def _seeing(shown: Callable[[Facts, int], bool], ok: int) -> Callable[[Facts, str], int]:
    """``ok`` for who may, 403 (a GET) or 422 (a POST) for who sees the client but may not,
    404 for who does not see it."""

    def expect(facts: Facts, url: str) -> int:
        client_id = _client_of(url)
        if not facts.sees(client_id):
            return 404
        return ok if shown(facts, client_id) else (403 if ok == 200 else 422)

    return expect


def _review_round_urls(facts: Facts) -> list[str]:
    return [f"/review/rounds/{rid}" for rid in (*facts.world.review_rounds.values(), MISSING)]


def _review_round(facts: Facts, url: str) -> int:
    """A round exists for its OCMW's team and coordinator only."""
    round_id = int(url.rsplit("/", 1)[1])
    own = facts.world.review_rounds.get(PEOPLE[facts.username][0])
    return 200 if _review_part(facts) and round_id == own else 404


def _review_item_urls(facts: Facts) -> list[str]:
    return [f"/review/items/{iid}" for iid in (*facts.world.review_items.values(), MISSING)]


def _review_marks(facts: Facts, url: str) -> int:
    """A member of the client's OCMW's team marks (here: refused input, 422); one from whom the
    item's health reason is withheld may not change it (403); anyone else: 404."""
    item_id = int(url.rsplit("/", 1)[1])
    tag = next((t for t, iid in facts.world.review_items.items() if iid == item_id), None)
    if tag is None or _review_part(facts) != "team":
        return 404
    client_id = facts.world.clients[tag]
    if PEOPLE[facts.username][0] != ("ocmw-b" if tag == "Z" else "ocmw-a"):
        return 404
    cls = Sensitivity(REVIEW_REASONS[tag][1])
    shown = access(facts.roles, facts.relations[client_id], cls) is Access.shown
    return 422 if shown else 403


def _follows(facts: Facts, client_id: int) -> bool:
    """Shown the client's trajectory: its training requests, invitations, intakes, placements."""
    relation = facts.relations.get(client_id, Relation.none)
    return facts.sees(client_id) and access(facts.roles, relation, Sensitivity.trajectory) is S


def _requests_training(facts: Facts, client_id: int) -> bool:
    relation = facts.relations[client_id]
    partner = relation is Relation.care_team and bool({Role.toeleider, Role.mediator} & facts.roles)
    return _follows(facts, client_id) and (relation is Relation.file_holder or partner)


def _vdab_mediator(facts: Facts, client_id: int) -> bool:
    """Both partnerships of the world have the VDAB team, so any mediator who sees the client."""
    relation = facts.relations[client_id]
    return Role.mediator in facts.roles and relation in (Relation.care_team, Relation.partner_org)


def _holds(facts: Facts, client_id: int) -> bool:
    return facts.relations[client_id] is Relation.file_holder


def _any(_facts: Facts, _client_id: int) -> bool:
    return True


def _request_urls(suffix: str) -> Urls:
    return lambda f: [
        f"/training-requests/{rid}{suffix}" for rid in [*f.world.requests.values(), MISSING]
    ]


def _sees_request(ok: int) -> Callable[[Facts, str], int]:
    def expect(facts: Facts, url: str) -> int:
        request_id = int(url.split("/")[2])
        tag = next((t for t, rid in facts.world.requests.items() if rid == request_id), None)
        client_id = facts.world.clients.get(tag or "", MISSING)
        return ok if _follows(facts, client_id) else 404

    return expect


# Documents ---------------------------------------------------------------------------------------


def _document(facts: Facts, url: str) -> SeededDocument | None:
    document_id = int(url.split("/")[2])
    return next((d for d in facts.world.documents if d.id == document_id), None)


def _relation_to(facts: Facts, document: SeededDocument) -> Relation:
    """The person's relation to the document's client, or to its course or signal (the
    oracles')."""
    if document.signal is not None:
        signal = next(s for s in facts.world.signals if s.id == document.signal)
        return _signal_relation(facts, signal)
    if document.client is not None:
        return facts.relations[facts.world.clients[document.client]]
    assert document.course is not None
    return facts.courses[facts.world.courses[document.course]][1]


def _reads(facts: Facts, document: SeededDocument) -> bool:
    return may_read(facts.viewer, document, _relation_to(facts, document))


def _attaches(facts: Facts, course_id: int) -> bool:
    """Who may attach to a course they see: its organiser, the organiser's organisation and the
    people of the OCMW it runs for."""
    course, relation = facts.courses[course_id]
    mine = course.organiser_id == facts.person_id
    return mine or relation in (Relation.same_org, Relation.author_org)


def _changes(facts: Facts, document: SeededDocument) -> bool:
    """Adds a version or removes: a client's document its uploader or the file holder; an
    attachment whoever may attach to its course."""
    if document.signal is not None:
        return _attaches_signal(facts, f"/signals/{document.signal}")
    if document.client is None:
        assert document.course is not None
        return _attaches(facts, facts.world.courses[document.course])
    return may_change(facts.viewer, document, _relation_to(facts, document))


def _matrix_documents(world: World) -> list[SeededDocument]:
    """One document for each different input of the rule (client or course, uploader, audience,
    class): the other categories of a class would only repeat these requests. Every seeded
    document's name and content are still checked against every response."""
    picked: dict[tuple[Any, ...], SeededDocument] = {}
    for d in world.documents:
        picked.setdefault((d.client, d.course, d.signal, d.uploader, d.audience, d.sensitivity), d)
    return list(picked.values())


def _document_urls(suffix: str) -> Urls:
    def urls(facts: Facts) -> list[str]:
        ids = [d.id for d in _matrix_documents(facts.world)] + [MISSING]
        return [f"/documents/{document_id}{suffix}" for document_id in ids]

    return urls


def _reads_document(facts: Facts, url: str) -> bool:
    document = _document(facts, url)
    return document is not None and _reads(facts, document)


def _document_refuses_input(facts: Facts, url: str) -> int:
    """A new version or a removal sent with input it refuses (422: the world stays as the matrix
    knows it) for who may change the document; 403 for another reader; 404 for anyone else."""
    document = _document(facts, url)
    if document is None or not _reads(facts, document):
        return 404
    return 422 if _changes(facts, document) else 403


def _uploads(facts: Facts, client_id: int) -> bool:
    """The file holder and the care team upload, what their classes and audiences allow."""
    return bool(may_give(facts.viewer, facts.relations[client_id]))


def _upload_refused(facts: Facts, url: str) -> int:
    """An upload with a category that does not exist: 422 for who may upload here, 403 for who
    sees the client, 404 for who does not."""
    client_id = _client_of(url)
    if not facts.sees(client_id):
        return 404
    return 422 if _uploads(facts, client_id) else 403


def _attachment_urls(facts: Facts) -> list[str]:
    courses = facts.world.courses
    return [
        *(f"/attachments/course/{course_id}" for course_id in (*courses.values(), MISSING)),
        *(f"/attachments/signal/{s.id}" for s in facts.world.signals),
        f"/attachments/signal/{MISSING}",
        f"/attachments/nothing/{courses['A']}",
        *(f"/attachments/evaluation/{e.id}" for e in facts.world.evaluations),
        f"/attachments/evaluation/{MISSING}",
    ]


def _sees_host(facts: Facts, url: str) -> bool:
    _, _, kind, host_id = url.split("/")
    if kind == "signal":
        return _reads_signal(facts, f"/signals/{host_id}")
    if kind == "evaluation":
        return _reads_evaluation_url(facts, f"/evaluations/{host_id}")
    return kind == "course" and facts.sees_course(int(host_id))


def _attachment_refused(facts: Facts, url: str) -> int:
    if not _sees_host(facts, url):
        return 404
    _, _, kind, host_id = url.split("/")
    if kind == "signal":
        return 422 if _attaches_signal(facts, f"/signals/{host_id}") else 403
    if kind == "evaluation":
        return 422
    return 422 if _attaches(facts, int(host_id)) else 403


# Referral questions ------------------------------------------------------------------------------


def _asks(facts: Facts, client_id: int) -> bool:
    """A social worker of the client's OCMW who holds the file or is in the care team."""
    relation = facts.relations[client_id]
    tag = next(t for t, cid in facts.world.clients.items() if cid == client_id)
    own = PEOPLE[facts.username][0] == ("ocmw-b" if tag == "Z" else "ocmw-a")
    social_worker = Role.social_worker in facts.roles
    return social_worker and own and relation in (Relation.file_holder, Relation.care_team)


def _asks_or(ok: int) -> Callable[[Facts, str], int]:
    """``ok`` for who may ask about the client (the form, or a question sent without text: 422);
    403 for who sees the client; 404 for who does not."""

    def expect(facts: Facts, url: str) -> int:
        client_id = _client_of(url)
        if not facts.sees(client_id):
            return 404
        return ok if _asks(facts, client_id) else 403

    return expect


def _question_of(facts: Facts, url: str) -> SeededQuestion | None:
    question_id = int(url.split("/")[2].split("?")[0])
    return next((q for q in facts.world.questions if q.id == question_id), None)


def _reads_question(facts: Facts, url: str) -> bool:
    question = _question_of(facts, url)
    if question is None:
        return False
    relation = facts.relations[facts.world.clients[question.client]]
    return reads_question(facts.viewer, question, relation)


def _asking_side(facts: Facts, question: SeededQuestion) -> bool:
    """The asker, the file holder, a social worker of the asking OCMW in the care team."""
    relation = facts.relations[facts.world.clients[question.client]]
    return (
        Role.social_worker in facts.roles
        and facts.viewer.org_id == question.ocmw
        and (
            question.asker == facts.username
            or relation in (Relation.file_holder, Relation.care_team)
        )
    )


def _answering_side(facts: Facts, question: SeededQuestion) -> bool:
    return Role.mediator in facts.roles and facts.viewer.org_id == question.team


def _question_move(
    ok: int, may: Callable[[Facts, SeededQuestion], bool]
) -> Callable[[Facts, str], int]:
    """404 for who may not read the question; ``ok`` for who may make the move in the seeded
    state; 403 for another reader."""

    def expect(facts: Facts, url: str) -> int:
        question = _question_of(facts, url)
        if question is None or not _reads_question(facts, url):
            return 404
        return ok if may(facts, question) else 403

    return expect


def _claims(facts: Facts, question: SeededQuestion) -> bool:
    return _answering_side(facts, question) and question.state == "open"


def _answers(facts: Facts, question: SeededQuestion) -> bool:
    return _answering_side(facts, question) and question.state in ("open", "claimed")


def _closes(facts: Facts, question: SeededQuestion) -> bool:
    return _asking_side(facts, question) and question.state == "answered"


def _reopens(facts: Facts, question: SeededQuestion) -> bool:
    return _asking_side(facts, question) and question.state in ("answered", "closed")


def _writes_message(facts: Facts, question: SeededQuestion) -> bool:
    either = _asking_side(facts, question) or _answering_side(facts, question)
    return either and question.state != "closed"


def _question_urls(suffix: str) -> Urls:
    return lambda f: (
        [f"/questions/{q.id}{suffix}" for q in f.world.questions]
        + [f"/questions/{MISSING}{suffix}"]
    )


# Signals ---------------------------------------------------------------------------------------


def _signal_of(facts: Facts, url: str) -> SeededSignal | None:
    signal_id = int(url.split("/")[2])
    return next((s for s in facts.world.signals if s.id == signal_id), None)


def _signal_relation(facts: Facts, signal: SeededSignal) -> Relation:
    """The person's relation to a signal: to its client, or for a structural one the OCMW it is
    routed to, then the reporter's organisation."""
    if signal.client is not None:
        return facts.relations[facts.world.clients[signal.client]]
    org = PEOPLE[facts.username][0]
    if org == signal.ocmw:
        return Relation.same_org
    return Relation.author_org if org == signal.reporter_org else Relation.none


def _reads_signal(facts: Facts, url: str) -> bool:
    signal = _signal_of(facts, url)
    if signal is None:
        return False
    relation = (
        facts.relations[facts.world.clients[signal.client]] if signal.client else Relation.none
    )
    return reads_signal(facts.viewer, PEOPLE[facts.username][0], signal, relation)


def _attaches_signal(facts: Facts, url: str) -> bool:
    """The reporter and the OCMW's people attach to a signal they read (every seeded one is open
    and has no handler)."""
    return _reads_signal(facts, url) and (_is_reporter(facts, url) or _follows_up(facts, url))


def _signal_urls(suffix: str) -> Urls:
    return lambda f: (
        [f"/signals/{s.id}{suffix}" for s in f.world.signals] + [f"/signals/{MISSING}{suffix}"]
    )


def _reports(facts: Facts) -> bool:
    return bool(facts.roles & REPORTING_ROLES)


def _follows_up(facts: Facts, url: str) -> bool:
    """A coordinator or social worker of the OCMW the signal is routed to."""
    signal = _signal_of(facts, url)
    org = PEOPLE[facts.username][0]
    return signal is not None and org == signal.ocmw and bool(facts.roles & HANDLING_ROLES)


def _is_reporter(facts: Facts, url: str) -> bool:
    signal = _signal_of(facts, url)
    return signal is not None and signal.reporter == facts.username


def _counts_figures(facts: Facts, _url: str) -> bool:
    """The OCMW's handlers and coordinator, a partner's or VDAB team's coordinator; the figures
    carry no signal's text (the matrix checks every person's hidden values on them too)."""
    return counts_figures(*PEOPLE[facts.username])


def _counts_questions(facts: Facts, _url: str) -> bool:
    """By issue 13: an OCMW's social workers and coordinator, a VDAB team's mediators and
    coordinator, a partner's coordinator; the figures carry no question's text."""
    org, role = PEOPLE[facts.username]
    if org.startswith("ocmw"):
        return role in ("social_worker", "coordinator")
    return role in (("mediator", "coordinator") if org == "vdab" else ("coordinator",))


def _signal_refuses(acts: Callable[[Facts, str], bool]) -> Callable[[Facts, str], int]:
    """404 for who may not read the signal; 422 (the form's message) for who may act; 403 else."""

    def expect(facts: Facts, url: str) -> int:
        if not _reads_signal(facts, url):
            return 404
        return 422 if acts(facts, url) else 403

    return expect


def _inbox_item_urls(facts: Facts) -> list[str]:
    """One item of the person's own, one of someone else's, and one that does not exist."""
    own = [item for item, person in facts.inbox.items() if person == facts.person_id]
    other = [item for item, person in facts.inbox.items() if person != facts.person_id]
    assert other, "the world's inbox items are not all this person's"
    return [f"/inbox/{item}/read" for item in [*own[:1], other[0], MISSING]]


def _marks_own_item(facts: Facts, url: str) -> int:
    item = int(url.split("/")[2])
    return 303 if facts.inbox.get(item) == facts.person_id else 404


def _setting_urls(kind: str, *, missing: bool = True) -> Urls:
    """A theme's or route's page, and one that does not exist (not for a POST: the CSRF check
    answers a platform administrator first)."""
    return lambda f: [
        f"/admin/signals/{kind}s/{f.world.signal_setup[kind]}",
        *([f"/admin/signals/{kind}s/{MISSING}"] if missing else []),
    ]


def _bad_setting(_facts: Facts) -> dict[str, str]:
    """Refused by the form (422), so the world stays as the matrix knows it."""
    return {"deadline": "0", "municipality": "", "code": "?"}


def _setting_exists(facts: Facts, url: str) -> bool:
    return facts.platform_admin and not url.endswith(f"/{MISSING}")


def _reads_transfers(facts: Facts, _url: str) -> bool:
    return reads_transfer(facts.username)


def _transfer_urls(suffix: str) -> Urls:
    return lambda f: (
        [f"/transfers/{t.id}{suffix}" for t in f.world.transfers]
        + [f"/transfers/{MISSING}{suffix}"]
    )


def _reads_transfer_url(facts: Facts, url: str) -> bool:
    return not url.startswith(f"/transfers/{MISSING}") and reads_transfer(facts.username)


def _transfer_side(*, receiving: int = 403, holder: int = 403) -> Callable[[Facts, str], int]:
    """404 for who may not read the transfer; the receiving OCMW's social worker (sw.b) and the
    proposing file holder (sw.a) get their answer; anyone else of the two OCMWs 403."""

    def expect(facts: Facts, url: str) -> int:
        if not _reads_transfer_url(facts, url):
            return 404
        if facts.username == "sw.b":
            return receiving
        return holder if facts.username == "sw.a" else 403

    return expect


# Evaluations -------------------------------------------------------------------------------------


def _evaluation_urls(suffix: str, *, finalised_only: bool = False) -> Urls:
    return lambda f: [
        *(
            f"/evaluations/{e.id}{suffix}"
            for e in f.world.evaluations
            if e.finalised or not finalised_only
        ),
        f"/evaluations/{MISSING}{suffix}",
    ]


def _evaluation_of(facts: Facts, url: str) -> SeededEvaluation | None:
    evaluation_id = int(url.split("/")[2])
    return next((e for e in facts.world.evaluations if e.id == evaluation_id), None)


def _reads_evaluation_url(facts: Facts, url: str) -> bool:
    return _evaluation_of(facts, url) is not None and reads_evaluation(facts.username)


def _runs_evaluations(facts: Facts, _url: str) -> bool:
    return reads_evaluation(facts.username)


def _exports(facts: Facts, url: str) -> bool:
    evaluation = _evaluation_of(facts, url)
    return evaluation is not None and evaluation.finalised and reads_evaluation(facts.username)


def _evaluation_write(draft: int) -> Callable[[Facts, str], int]:
    """404 for who may not read it; a coordinator's write on the finalised one is refused (409),
    on the draft it answers ``draft`` (422: the form sent is refused)."""

    def expect(facts: Facts, url: str) -> int:
        evaluation = _evaluation_of(facts, url)
        if evaluation is None or not reads_evaluation(facts.username):
            return 404
        return 409 if evaluation.finalised else draft

    return expect


def _evaluation_part_urls(part: str, suffix: str) -> Urls:
    """An action point's or a survey question's URL, on each seeded evaluation."""
    return lambda f: [
        *(
            f"/evaluations/{e.id}/{part}/{e.action if part == 'actions' else e.question}{suffix}"
            for e in f.world.evaluations
        ),
        f"/evaluations/{MISSING}/{part}/{MISSING}{suffix}",
    ]


def _invited(facts: Facts, url: str) -> bool:
    evaluation = _evaluation_of(facts, url)
    return evaluation is not None and evaluation.finalised and facts.username in INVITED


def _answers_closed_survey(facts: Facts, url: str) -> int:
    return 409 if _invited(facts, url) else 404


MATRIX_PDF = b"%PDF-1.4\n% matrix\n%%EOF\n"
NOT_ACCEPTED = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00"
"""A Windows program: refused whatever its name, and nothing is stored."""


def _a_pdf(_facts: Facts) -> dict[str, Any]:
    return {"file": ("matrix.pdf", MATRIX_PDF, "application/pdf")}


def _not_accepted(_facts: Facts) -> dict[str, Any]:
    return {"file": ("matrix.pdf", NOT_ACCEPTED, "application/pdf")}


S = Access.shown
G, P = "GET", "POST"
MATRIX: dict[tuple[str, str], Case] = {
    (G, "/"): Case(_fixed("/"), htmx=True),
    (G, "/activity"): Case(_fixed("/activity", "/activity?before=top~0"), allowed=_reads_files),
    (P, "/language"): Case(
        _fixed("/language"), ok=303, public=True, form=lambda f: {"lang": "nl", "next": "/"}
    ),
    (G, "/health"): Case(_fixed("/health"), public=True),
    (G, "/privacy"): Case(_fixed("/privacy"), public=True),
    (G, "/accessibility"): Case(_fixed("/accessibility"), public=True),
    (G, "/auth/login"): Case(_fixed("/auth/login", "/auth/login?next=/clients"), public=True),
    (G, "/auth/callback"): Case(_fixed("/auth/callback?state=x&code=y"), ok=400, public=True),
    (G, "/auth/logged-out"): Case(_fixed("/auth/logged-out"), public=True),
    (G, "/auth/dev-login"): Case(_fixed("/auth/dev-login"), public=True),
    (P, "/auth/dev-login"): Case(
        _fixed("/auth/dev-login"), ok=303, public=True, form=lambda f: {"username": f.username}
    ),
    (P, "/auth/logout"): Case(_fixed("/auth/logout"), ok=303, order=2),
    (G, "/clients"): Case(_fixed("/clients", "/clients?q=Last", "/clients?page=2"), htmx=True),
    (G, "/clients/{client_id:int}"): Case(_client_urls(""), expect=_client_page),
    (G, "/clients/{client_id:int}/timeline"): Case(
        _client_urls("/timeline?kind=note.added"), _sees_client, htmx=True
    ),
    # Live streams never end in-process (the transport buffers them), so the matrix runs with the
    # hub stopped: a reader who passes the checks gets 503. Their content: tests/timeline.
    (G, "/clients/{client_id:int}/access-log"): Case(
        lambda f: [
            *_client_urls("/access-log")(f),
            f"/clients/{f.world.clients['X']}/access-log?kind=reason&from=2026-01-01",
        ],
        _reads_file_log,
    ),
    # The subject-access export (GDPR art. 15): a ZIP for the file holder only. Its body is
    # compressed; tests/subject_access unpacks it and checks it for hidden values.
    (G, "/clients/{client_id:int}/export"): Case(
        _client_urls("/export"), expect=_seeing(_holds, 200)
    ),
    (G, "/access-log"): Case(_fixed("/access-log", "/access-log?before=top~0")),
    (G, "/clients/{client_id:int}/live"): Case(_client_urls("/live"), _sees_client, ok=503),
    (G, "/live"): Case(_fixed("/live"), ok=503),
    (P, "/clients/{client_id:int}/reason"): Case(
        _client_urls("/reason"),
        expect=_colleague_states_reason,
        form=lambda f: {"reason": "De dossierhouder is met verlof"},
    ),
    (P, "/clients/{client_id:int}/file-holder"): Case(
        _client_urls("/file-holder"),
        expect=_coordinator_assigns,
        form=lambda f: {"username": "sw.a2"},
    ),
    (G, "/clients/new"): Case(_fixed("/clients/new"), expect=_register_page),
    (P, "/clients"): Case(
        _fixed("/clients"),
        expect=_register,
        form=lambda f: {
            "first_name": "Nieuwe",
            "last_name": "Cliënt",
            "birth_date": "1985-07-30",
            "national_number": "85.07.30-033.28",
        },
    ),
    (G, "/clients/{client_id:int}/sensitive/{section:str}"): Case(
        _section_urls, expect=_opens_section, htmx=True
    ),
    (G, "/clients/{client_id:int}/edit"): Case(
        _client_urls("/edit"), expect=_holder_edits, htmx=True
    ),
    (P, "/clients/{client_id:int}/notes"): Case(
        _client_urls("/notes"),
        expect=_writes_note,
        form=lambda f: {"text": "Matrixnotitie", "audience": "care_team"},
    ),
    (P, "/clients/{client_id:int}/team"): Case(
        _client_urls("/team"),
        expect=_holder_refuses_input,
        form=lambda f: {"username": "sw.b", "action": "add"},
    ),
    (P, "/clients/{client_id:int}/consent"): Case(
        _client_urls("/consent"),
        expect=_holder_refuses_input,
        form=lambda f: {"organisation": "no-such-organisation", "given": "yes"},
    ),
    (P, "/clients/{client_id:int}/ladder"): Case(
        _client_urls("/ladder"), expect=_holder_refuses_input, form=lambda f: {"step": "9"}
    ),
    (P, "/clients/{client_id:int}/status"): Case(
        _client_urls("/status"), expect=_holder_refuses_input, form=lambda f: {"status": "x"}
    ),
    (P, "/clients/{client_id:int}/agreement"): Case(
        _client_urls("/agreement"),
        expect=_holder_refuses_input,
        form=lambda f: {"living_wage_start": "not a date"},
    ),
    (P, "/clients/{client_id:int}/close"): Case(
        _client_urls("/close"), expect=_holder_refuses_input, form=lambda f: {"reason": "gone"}
    ),
    (P, "/clients/{client_id:int}/reopen"): Case(
        _client_urls("/reopen"),
        expect=_holder_reopens_an_open_file,
        form=lambda f: {"reason": "open"},
    ),
    (G, "/clients/{client_id:int}/transfer"): Case(_client_urls("/transfer"), expect=_holder_edits),
    (P, "/clients/{client_id:int}/transfer"): Case(
        _client_urls("/transfer"), expect=_holder_refuses_input, form=lambda f: {"to": ""}
    ),
    (G, "/evaluations"): Case(_fixed("/evaluations"), _runs_evaluations),
    (P, "/evaluations"): Case(
        _fixed("/evaluations"),
        expect=lambda f, _url: 422 if reads_evaluation(f.username) else 404,
        form=lambda f: {"partnership": "", "period": ""},
    ),
    (G, "/evaluations/{evaluation_id:int}"): Case(_evaluation_urls(""), _reads_evaluation_url),
    (G, "/evaluations/{evaluation_id:int}/export.pdf"): Case(
        _evaluation_urls("/export.pdf"), _exports
    ),
    (G, "/evaluations/{evaluation_id:int}/export.csv"): Case(
        _evaluation_urls("/export.csv"), _exports
    ),
    (P, "/evaluations/{evaluation_id:int}/conclusions"): Case(
        _evaluation_urls("/conclusions"),
        expect=_evaluation_write(422),
        form=lambda f: {"strengths": "x" * 4001, "adjustments": ""},
    ),
    (P, "/evaluations/{evaluation_id:int}/actions"): Case(
        _evaluation_urls("/actions"),
        expect=_evaluation_write(422),
        form=lambda f: {"action": "", "owner": "", "due_on": ""},
    ),
    (P, "/evaluations/{evaluation_id:int}/questions"): Case(
        _evaluation_urls("/questions"),
        expect=_evaluation_write(422),
        form=lambda f: {"text": "", "kind": "open"},
    ),
    (P, "/evaluations/{evaluation_id:int}/questions/{question_id:int}"): Case(
        _evaluation_part_urls("questions", ""),
        expect=_evaluation_write(422),
        form=lambda f: {"text": ""},
    ),
    (P, "/evaluations/{evaluation_id:int}/actions/{action_id:int}/remove"): Case(
        _evaluation_part_urls("actions", "/remove"), expect=_evaluation_write(303), order=1
    ),
    (P, "/evaluations/{evaluation_id:int}/questions/{question_id:int}/remove"): Case(
        _evaluation_part_urls("questions", "/remove"), expect=_evaluation_write(303), order=1
    ),
    (P, "/evaluations/{evaluation_id:int}/send-survey"): Case(
        _evaluation_urls("/send-survey", finalised_only=True), expect=_evaluation_write(0)
    ),
    (P, "/evaluations/{evaluation_id:int}/close-survey"): Case(
        _evaluation_urls("/close-survey"), expect=_evaluation_write(409)
    ),
    (P, "/evaluations/{evaluation_id:int}/review"): Case(
        _evaluation_urls("/review", finalised_only=True), expect=_evaluation_write(0)
    ),
    (P, "/evaluations/{evaluation_id:int}/finalise"): Case(
        _evaluation_urls("/finalise", finalised_only=True), expect=_evaluation_write(0)
    ),
    (G, "/evaluations/{evaluation_id:int}/survey"): Case(_evaluation_urls("/survey"), _invited),
    (P, "/evaluations/{evaluation_id:int}/survey"): Case(
        _evaluation_urls("/survey"), expect=_answers_closed_survey
    ),
    (G, "/transfers"): Case(_fixed("/transfers"), _reads_transfers),
    (G, "/transfers/{transfer_id:int}"): Case(_transfer_urls(""), _reads_transfer_url),
    (P, "/transfers/{transfer_id:int}/refuse"): Case(
        _transfer_urls("/refuse"), expect=_transfer_side(receiving=422), form=lambda f: {}
    ),
    (G, "/clients/{client_id:int}/training-requests/new"): Case(
        _client_urls("/training-requests/new"), expect=_seeing(_requests_training, 200)
    ),
    (P, "/clients/{client_id:int}/training-requests"): Case(
        _client_urls("/training-requests"), expect=_seeing(_any, 422), form=lambda f: {"course": ""}
    ),
    (G, "/training-requests/{request_id:int}"): Case(_request_urls(""), expect=_sees_request(200)),
    (P, "/training-requests/{request_id:int}/transition"): Case(
        _request_urls("/transition"), expect=_sees_request(422), form=lambda f: {"to": "nowhere"}
    ),
    (G, "/clients/{client_id:int}/invitations/new"): Case(
        _client_urls("/invitations/new"), expect=_seeing(_vdab_mediator, 200)
    ),
    (P, "/clients/{client_id:int}/invitations"): Case(
        _client_urls("/invitations"), expect=_seeing(_any, 422), form=lambda f: {"at": "soon"}
    ),
    (G, "/clients/{client_id:int}/intake"): Case(
        _client_urls("/intake"), expect=_seeing(_follows, 200)
    ),
    (P, "/clients/{client_id:int}/intake"): Case(
        _client_urls("/intake"), expect=_seeing(_any, 422), form=lambda f: {"held_on": "x"}
    ),
    (P, "/clients/{client_id:int}/intake/confirm"): Case(
        _client_urls("/intake/confirm"), expect=_seeing(_any, 422), form=lambda f: {"intake": "0"}
    ),
    (G, "/clients/{client_id:int}/placement"): Case(
        _client_urls("/placement"), expect=_seeing(_holds, 200)
    ),
    (P, "/clients/{client_id:int}/placement"): Case(
        _client_urls("/placement"), expect=_seeing(_any, 422), form=lambda f: {"start": "x"}
    ),
    (G, "/team/files"): Case(_fixed("/team/files"), lambda f, _url: f.username == "coordinator.a"),
    (G, "/who-sees-what"): Case(_fixed("/who-sees-what")),
    (G, "/review"): Case(_fixed("/review"), lambda f, _url: _review_part(f) is not None),
    (P, "/review/rounds"): Case(_fixed("/review/rounds"), expect=_review_team_or(303), order=1),
    (G, "/review/rounds/{round_id:int}"): Case(_review_round_urls, expect=_review_round, htmx=True),
    (P, "/review/items/{item_id:int}"): Case(
        _review_item_urls, expect=_review_marks, form=lambda f: {"decision": "maybe"}
    ),
    (G, "/review/import"): Case(_fixed("/review/import"), expect=_review_team_or(200)),
    (P, "/review/import"): Case(_fixed("/review/import"), expect=_review_team_or(422)),
    (P, "/review/import/confirm"): Case(
        _fixed("/review/import/confirm"),
        expect=_review_team_or(422),
        form=lambda f: {"rows": "not-a-signed-preview"},
    ),
    (G, "/admin/organisations"): Case(_fixed("/admin/organisations"), _platform),
    (G, "/admin/organisations/new"): Case(_fixed("/admin/organisations/new"), _platform),
    (P, "/admin/organisations/new"): Case(
        _fixed("/admin/organisations/new"), _platform, guarded=True, ok=303, form=_new_org_form
    ),
    (G, "/admin/organisations/{org_id:int}"): Case(
        lambda f: [f"/admin/organisations/{f.world.orgs['partner']}"], _platform
    ),
    (P, "/admin/organisations/{org_id:int}"): Case(
        lambda f: [f"/admin/organisations/{f.world.orgs['partner']}"],
        _platform,
        guarded=True,
        ok=303,
        form=_org_form,
    ),
    (G, "/admin/partnerships"): Case(_fixed("/admin/partnerships"), _platform),
    (G, "/admin/partnerships/new"): Case(_fixed("/admin/partnerships/new"), _platform),
    (P, "/admin/partnerships/new"): Case(
        _fixed("/admin/partnerships/new"), _platform, guarded=True, ok=303, form=_partnership_form
    ),
    (G, "/admin/partnerships/{partnership_id:int}"): Case(
        lambda f: [f"/admin/partnerships/{f.partnership}"], _platform
    ),
    (P, "/admin/partnerships/{partnership_id:int}"): Case(
        lambda f: [f"/admin/partnerships/{f.partnership}"],
        _platform,
        guarded=True,
        ok=303,
        form=_partnership_form,
    ),
    (G, "/admin/partnerships/{partnership_id:int}/delete"): Case(
        lambda f: [f"/admin/partnerships/{f.partnership}/delete"], _platform
    ),
    (P, "/admin/partnerships/{partnership_id:int}/delete"): Case(
        lambda f: [f"/admin/partnerships/{f.partnership}/delete"],
        _platform,
        guarded=True,
        ok=409,  # the world's partnership has evaluations: it is not deleted
        order=1,
    ),
    (G, "/admin/people"): Case(
        lambda f: [
            "/admin/people",
            f"/admin/people?organisation={f.world.orgs['ocmw-a']}",
            f"/admin/people?organisation={f.world.orgs['partner']}",
        ],
        _people_list,
    ),
    (P, "/admin/people/{person_id:int}/deactivate"): Case(
        _people_action_urls("deactivate"), _admin, guarded=True, expect=_administers_person
    ),
    (P, "/admin/people/{person_id:int}/reactivate"): Case(
        _people_action_urls("reactivate"), _admin, guarded=True, expect=_administers_person
    ),
    (G, "/admin/log"): Case(_fixed("/admin/log", "/admin/log?before=999999"), _admin),
    (G, "/courses"): Case(_fixed("/courses"), _sees_courses),
    (G, "/courses/new"): Case(_fixed("/courses/new"), expect=_course_form_status),
    (P, "/courses"): Case(
        _fixed("/courses"), expect=_creates_course, form=lambda f: {"ocmw": "", "title": ""}
    ),
    (G, "/courses/{course_id:int}"): Case(_course_urls(""), _sees_course),
    (P, "/courses/{course_id:int}/sessions"): Case(
        _course_urls("/sessions"),
        expect=_organiser_refuses_input,
        form=lambda f: {"date": "not a date", "starts_at": "9"},
    ),
    (P, "/courses/{course_id:int}/enrolments"): Case(
        _course_urls("/enrolments"), expect=_holder_enrols, form=lambda f: {"client": ""}
    ),
    (G, "/courses/{course_id:int}/sessions/{session_id:int}"): Case(
        _session_urls, expect=_records_attendance
    ),
    (P, "/courses/{course_id:int}/sessions/{session_id:int}/attendance"): Case(
        lambda f: [url + "/attendance" for url in _session_urls(f)],
        expect=_attendance_refused,
        form=lambda f: {f"presence-{f.world.clients['X']}": "maybe"},
    ),
    (G, "/signals/new"): Case(
        _fixed("/signals/new"), expect=lambda f, _u: 200 if _reports(f) else 403
    ),
    (P, "/signals"): Case(
        _fixed("/signals"),
        expect=lambda f, _u: 422 if _reports(f) else 403,
        form=lambda f: {"theme": "", "title": ""},
    ),
    (G, "/signals"): Case(_fixed("/signals")),
    (G, "/signals/figures"): Case(
        _fixed("/signals/figures", "/signals/figures?year=2019"), _counts_figures
    ),
    (G, "/signals/figures.csv"): Case(
        _fixed("/signals/figures.csv", "/signals/figures.csv?year=2019"), _counts_figures
    ),
    (G, "/signals/{signal_id:int}"): Case(_signal_urls(""), _reads_signal),
    (P, "/signals/{signal_id:int}/moves"): Case(
        _signal_urls("/moves"),
        expect=_signal_refuses(lambda _f, _u: False),
        form=lambda f: {"move": "nonsense"},
    ),
    (P, "/signals/{signal_id:int}/assign"): Case(
        _signal_urls("/assign"), expect=_signal_refuses(_follows_up), form=lambda f: {"handler": ""}
    ),
    (P, "/signals/{signal_id:int}/comments"): Case(
        _signal_urls("/comments"),
        expect=_signal_refuses(lambda f, u: _follows_up(f, u) or _is_reporter(f, u)),
        form=lambda f: {"text": " "},
    ),
    (G, "/admin/signals"): Case(_fixed("/admin/signals"), _platform),
    (G, "/admin/signals/themes/new"): Case(_fixed("/admin/signals/themes/new"), _platform),
    (P, "/admin/signals/themes/new"): Case(
        _fixed("/admin/signals/themes/new"), _platform, guarded=True, ok=422, form=_bad_setting
    ),
    (G, "/admin/signals/themes/{theme_id:int}"): Case(_setting_urls("theme"), _setting_exists),
    (P, "/admin/signals/themes/{theme_id:int}"): Case(
        _setting_urls("theme", missing=False),
        _setting_exists,
        guarded=True,
        ok=422,
        form=_bad_setting,
    ),
    (G, "/admin/signals/routes/new"): Case(_fixed("/admin/signals/routes/new"), _platform),
    (P, "/admin/signals/routes/new"): Case(
        _fixed("/admin/signals/routes/new"), _platform, guarded=True, ok=422, form=_bad_setting
    ),
    (G, "/admin/signals/routes/{route_id:int}"): Case(_setting_urls("route"), _setting_exists),
    (P, "/admin/signals/routes/{route_id:int}"): Case(
        _setting_urls("route", missing=False),
        _setting_exists,
        guarded=True,
        ok=422,
        form=_bad_setting,
    ),
    (P, "/admin/signals/routes/{route_id:int}/delete"): Case(
        lambda f: [f"/admin/signals/routes/{f.world.signal_setup['route']}/delete"],
        _platform,
        guarded=True,
        ok=303,
        order=1,
    ),
    # Referral-question figures (issue 13).
    (G, "/questions/figures"): Case(
        _fixed("/questions/figures", "/questions/figures?year=2019"), _counts_questions
    ),
    (G, "/questions/figures.csv"): Case(
        _fixed("/questions/figures.csv", "/questions/figures.csv?year=2019"), _counts_questions
    ),
    # Referral-question settings (issue 13): platform administrators only; a bad form is 422.
    (G, "/admin/questions"): Case(_fixed("/admin/questions"), _platform),
    (P, "/admin/questions"): Case(
        _fixed("/admin/questions"),
        _platform,
        guarded=True,
        ok=422,
        form=lambda _facts: {"deadline_trajectory": "0"},
    ),
    (G, "/clients/{client_id:int}/questions/new"): Case(
        _client_urls("/questions/new"), expect=_asks_or(200)
    ),
    (P, "/clients/{client_id:int}/questions"): Case(
        _client_urls("/questions"),
        expect=_asks_or(422),
        form=lambda f: {"type": "trajectory", "text": " "},
    ),
    (G, "/questions"): Case(
        _fixed("/questions", "/questions?state=all", "/questions?state=all&mine=1&overdue=1"),
        htmx=True,
    ),
    (G, "/questions/{question_id:int}"): Case(_question_urls(""), _reads_question, htmx=True),
    (P, "/questions/{question_id:int}/claim"): Case(
        _question_urls("/claim"), expect=_question_move(303, _claims)
    ),
    (P, "/questions/{question_id:int}/answer"): Case(
        _question_urls("/answer"),
        expect=_question_move(422, _answers),
        form=lambda f: {"answer": "maybe", "reason": ""},
    ),
    (P, "/questions/{question_id:int}/messages"): Case(
        _question_urls("/messages"),
        expect=_question_move(422, _writes_message),
        form=lambda f: {"text": " "},
    ),
    (P, "/questions/{question_id:int}/reopen"): Case(
        _question_urls("/reopen"),
        expect=_question_move(422, _reopens),
        form=lambda f: {"reason": " "},
    ),
    (P, "/questions/{question_id:int}/close"): Case(
        _question_urls("/close"), expect=_question_move(303, _closes), order=1
    ),
    # The inbox (issue 14): each person's own; an item of someone else does not exist for them.
    (G, "/inbox"): Case(_fixed("/inbox", "/inbox?unread=1", "/inbox?page=2")),
    (P, "/inbox/{item_id:int}/read"): Case(_inbox_item_urls, expect=_marks_own_item),
    (P, "/inbox/read"): Case(_fixed("/inbox/read"), ok=303, order=1),
    (P, "/inbox/digest"): Case(_fixed("/inbox/digest"), ok=422, form=lambda f: {"frequency": "x"}),
    (G, "/clients/{client_id:int}/documents"): Case(_client_urls("/documents"), _sees_client),
    (G, "/clients/{client_id:int}/documents/new"): Case(
        _client_urls("/documents/new"), expect=_seeing(_uploads, 200)
    ),
    (P, "/clients/{client_id:int}/documents"): Case(
        _client_urls("/documents"),
        _sees_client,
        expect=_upload_refused,
        guarded=True,
        form=lambda f: {"audience": "care_team", "category": "no-such-category"},
        files=_a_pdf,
    ),
    (P, "/attachments/{kind:str}/{host_id:int}"): Case(
        _attachment_urls,
        _sees_host,
        expect=_attachment_refused,
        guarded=True,
        form=lambda f: {"category": "no-such-category"},
        files=_a_pdf,
    ),
    (G, "/documents/{document_id:int}"): Case(_document_urls(""), _reads_document),
    (G, "/documents/{document_id:int}/versions"): Case(
        _document_urls("/versions"), _reads_document
    ),
    (P, "/documents/{document_id:int}/versions"): Case(
        _document_urls("/versions"),
        _reads_document,
        expect=_document_refuses_input,
        guarded=True,
        files=_not_accepted,
    ),
    (P, "/documents/{document_id:int}/remove"): Case(
        _document_urls("/remove"), expect=_document_refuses_input, form=lambda f: {"reason": " "}
    ),
    # Accepting and withdrawing end the transfer: after every other
    # POST of their order (the matrix keeps this dict's order), for the one person who may each.
    (P, "/transfers/{transfer_id:int}/accept"): Case(
        _transfer_urls("/accept"), expect=_transfer_side(receiving=303), order=1
    ),
    (P, "/transfers/{transfer_id:int}/withdraw"): Case(
        _transfer_urls("/withdraw"), expect=_transfer_side(holder=303), order=1
    ),
}


def _routes(app: Litestar) -> dict[tuple[str, str], bool]:
    """(method, path) of every route but static files, with whether it is public."""
    found: dict[tuple[str, str], bool] = {}
    for route in app.routes:
        if route.path.startswith("/static"):
            continue
        for method, handler in getattr(route, "route_handler_map", {}).items():
            if method in ("OPTIONS", "HEAD"):
                continue
            found[(method, route.path)] = bool(handler[0].opt.get("public"))
    return found


def test_every_route_is_in_the_matrix(app: Litestar) -> None:
    routes = _routes(app)
    missing = sorted(set(routes) - set(MATRIX))
    assert not missing, f"add these routes to the leak matrix (tests/contract): {missing}"
    assert sorted(set(MATRIX) - set(routes)) == [], "the matrix names routes the app lacks"
    for key, public in routes.items():
        assert MATRIX[key].public is public, f"{key} is public={public} in the app"


# What each person must never receive ------------------------------------------------------------


def _as_written(name: str, value: Any) -> list[str]:
    if name in ("birth_date", "living_wage_start", "agreement_note_on") and value is not None:
        return [value.strftime("%d-%m-%Y"), value.isoformat()]
    return [str(value)] if value not in (None, "") else []


async def _hidden_values(facts: Facts) -> list[str]:
    """Every stored value this person may not see in full."""
    with unscoped("test: the stored values a person must never receive"):
        clients = await Client.select()
    hidden: list[str] = []
    for row in clients:
        relation = facts.relations[row["id"]]
        for spec in CLIENT_FIELDS:
            if spec.name == "ladder_step" or spec.sensitivity is None:
                continue
            if access(facts.roles, relation, spec.sensitivity) is not Access.shown:
                hidden += _as_written(spec.name, row[spec.name])
    org_of_viewer = PEOPLE[facts.username][0]
    for tag, events in facts.world.events.items():
        relation = facts.relations[facts.world.clients[tag]]
        for audience, cls, author_org, label in events:
            readable = (
                may_read_audience(
                    relation, audience, same_org_as_author=author_org == org_of_viewer
                )
                and access(facts.roles, relation, cls) is Access.shown
            )
            if not readable:
                hidden.append(label)
    part = _review_part(facts)
    for tag, (_kind, cls, reason) in REVIEW_REASONS.items():
        relation = facts.relations[facts.world.clients[tag]]
        own = org_of_viewer == ("ocmw-b" if tag == "Z" else "ocmw-a")
        shown = access(facts.roles, relation, Sensitivity(cls)) is Access.shown
        if not (part == "team" and own and shown):
            hidden.append(reason)
    for tag, cls, value in facts.world.records:
        relation = facts.relations[facts.world.clients[tag]]
        if access(facts.roles, relation, cls) is not Access.shown:
            hidden.append(value)
    for document in facts.world.documents:
        if not _reads(facts, document):
            hidden += document.secrets
    for signal in facts.world.signals:
        if not _reads_signal(facts, f"/signals/{signal.id}"):
            hidden += signal.secrets
    for question in facts.world.questions:
        if not _reads_question(facts, f"/questions/{question.id}"):
            hidden += question.secrets
    for transfer in facts.world.transfers:
        if not reads_transfer(facts.username):
            hidden += transfer.secrets
    for evaluation in facts.world.evaluations:
        if not reads_evaluation(facts.username):
            hidden += evaluation.secrets
    return hidden


async def _facts(world: World, username: str) -> Facts:
    viewer = await load_viewer(world.people[username])
    assert viewer is not None
    relations = {
        client_id: relation_of(viewer, client_facts)
        for client_id, client_facts in (await facts_for(viewer)).items()
    }
    partnership = await Partnership.select(Partnership.id).order_by(Partnership.id).first()
    courses = {
        course_id: (course, course_relation(viewer, course))
        for course_id, course in (await course_facts_for(viewer)).items()
    }
    items = await InboxItem.select(InboxItem.id, InboxItem.person).order_by(InboxItem.id)
    inbox = {row["id"]: row["person"] for row in items}
    return Facts(world, username, relations, partnership["id"], viewer, courses, inbox)


@pytest.fixture
async def streams_stopped(app: Litestar) -> AsyncIterator[None]:
    """The app's live hub stopping, as in a shutdown: live routes answer 503 after their checks."""
    app.state.live.end_streams()
    try:
        yield
    finally:
        await app.state.live.start()


@pytest.mark.parametrize("username", list(PEOPLE))
@pytest.mark.usefixtures("streams_stopped")
async def test_every_route_for_every_person(
    app: Litestar, client: httpx.AsyncClient, username: str, caplog: pytest.LogCaptureFixture
) -> None:
    world = await build_world()
    now = Quarter.of(dt.date.today())
    await add_review_rounds(world, f"{now.year - 1}-Q{now.number}")
    await add_documents(world, app.state.storage)
    await add_signals(world)
    await add_signal_attachments(world, app.state.storage)
    await add_questions(world)
    await add_transfer(world)
    await add_evaluations(world)
    facts = await _facts(world, username)
    hidden = await _hidden_values(facts)
    assert hidden, "every person has something hidden from them in this world"
    shapes = {(audience, cls) for events in world.events.values() for audience, cls, _, _ in events}
    assert shapes == {(a, c) for a in Audience for c in Sensitivity}
    assert not all(_reads(facts, document) for document in world.documents)
    caplog.set_level(logging.INFO)
    token = await login(client, username)
    bodies: list[str] = []

    async def request(method: str, url: str, case: Case, headers: dict[str, str]) -> int:
        nonlocal token
        if method == G:
            response = await client.get(url, headers=headers)
        else:
            files = case.files(facts) if case.files else None
            refused = await client.post(url, data=case.form(facts), files=files)
            without_token = 404 if case.guarded and not case.allowed(facts, url) else 403
            assert refused.status_code == without_token, (url, "a POST without CSRF token")
            data = {"csrf_token": token, **case.form(facts)}
            response = await client.post(url, data=data, files=files)
        if case.expect is not None:
            expected = case.expect(facts, url)
        else:
            expected = case.ok if case.allowed(facts, url) else 404
        assert response.status_code == expected, (username, method, url, response.status_code)
        bodies.append(response.text)
        if "csrf_token" in response.text:
            token = csrf_from(response.text)
        return response.status_code

    ordered = sorted(MATRIX.items(), key=lambda item: (item[1].order, item[0][0] != G))
    for (method, _path), case in ordered:
        for url in case.urls(facts):
            status = await request(method, url, case, {})
            if case.htmx:
                await request(method, url, case, HTMX)
            if method == P and case.order < 2 and status < 400:
                # What a POST changed (a language, a stated reason) goes with a new session; a
                # refused one changed nothing.
                token = await login(client, username)

    with unscoped("test: the refused uploads kept nothing"):
        assert await Document.count() == len(world.documents)
    assert len(list(app.state.storage.objects())) == len(world.documents)

    logged = "\n".join(record.getMessage() for record in caplog.records)
    for value in hidden:
        assert value not in logged, (username, "log", value)
        for body in bodies:
            assert value not in body, (username, value)

"""Who sees a course, and what each person sees of its roster and attendance.

A course is not client data, but it is not everyone's either. The viewer's relation to a course
is written once, as ``COURSE_RELATION``: the people of the OCMW it runs for (``same_org``), of the
organiser's organisation (``author_org``) and of the organisations in a partnership with that
OCMW (``partner_org``); the policy table then says which roles of each may see it.

Enrolments and attendance are records about a client, classed ``trajectory``: they follow the
client's relation (``WholeRecordPolicy``). On a roster, the OCMW's own people read the enrolled
clients' full names; someone of another organisation reads only the first names of the clients
whose care team they are in (and who consented to share with their organisation); everyone else
is counted, never named (``roster_name``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from piccolo.querystring import QueryString

from portal.accounts.tables import OrgKind
from portal.clients.visibility import PARTNERED, WholeRecordPolicy
from portal.courses.tables import Attendance, Course, Enrolment
from portal.visibility.fields import FieldSpec, Structural
from portal.visibility.policy import (
    Relation,
    Sensitivity,
    relations_granting_sight,
    sees_record,
)
from portal.visibility.records import RecordPolicy, relation_of_row
from portal.visibility.relations import Fact, RecordRef, RelationRules, Rule, ViewerFact
from portal.visibility.viewer import Viewer

_B, _T = Sensitivity.basic, Sensitivity.trajectory
KEY, POLICY = Structural.key, Structural.policy


def _runs_for_viewer_org(viewer: Viewer, ref: RecordRef) -> QueryString:
    return QueryString(f"{ref['ocmw']} = {{}}", viewer.org_id)


def _organised_by_viewer_org(viewer: Viewer, ref: RecordRef) -> QueryString:
    return QueryString(f"{ref['organiser_org']} = {{}}", viewer.org_id)


AT_AN_OCMW = ViewerFact("the viewer works for an OCMW", lambda v: v.org_kind == OrgKind.ocmw)
RUNS_FOR_VIEWER_ORG = Fact("the course runs for the viewer's OCMW", _runs_for_viewer_org)
ORGANISED_BY_VIEWER_ORG = Fact(
    "the course's organiser works for the viewer's organisation", _organised_by_viewer_org
)

COURSE_RELATION = RelationRules(
    Rule(Relation.same_org, (AT_AN_OCMW, RUNS_FOR_VIEWER_ORG)),
    Rule(Relation.author_org, (ORGANISED_BY_VIEWER_ORG,)),
    Rule(Relation.partner_org, (PARTNERED,)),
)
"""The OCMW the course runs for; the organiser's organisation; a partner of that OCMW."""


def sees_courses(viewer: Viewer) -> bool:
    """Whether any course can exist for this viewer (the menu, the list)."""
    return bool(COURSE_RELATION.possible(viewer) & relations_granting_sight(viewer.roles))


@dataclass(frozen=True)
class CourseView:
    id: int
    relation: Relation
    ocmw: int
    organiser: int
    organiser_org: int
    title: str
    place: str
    description: str
    created_at: dt.datetime | None = None
    ocmw_name: str = ""
    organiser_name: str = ""
    organiser_org_name: str = ""


class CoursePolicy(RecordPolicy):
    table = Course
    fields = (
        FieldSpec("id", KEY),
        FieldSpec("ocmw", POLICY),
        FieldSpec("organiser", _B),
        FieldSpec("organiser_org", POLICY),
        FieldSpec("title", _B),
        FieldSpec("place", _B),
        FieldSpec("description", _B),
        FieldSpec("created_at", _B),
    )

    def ref(self) -> RecordRef:
        return {"ocmw": self.column("ocmw"), "organiser_org": self.column("organiser_org")}

    def relation(self, viewer: Viewer, **context: Any) -> QueryString:
        return COURSE_RELATION.sql(viewer, self.ref())

    def scope(self, viewer: Viewer, **context: Any) -> QueryString | None:
        return COURSE_RELATION.is_in(viewer, self.ref(), relations_granting_sight(viewer.roles))

    def project(self, viewer: Viewer, row: Mapping[str, Any]) -> CourseView | None:
        relation = relation_of_row(row)
        if not sees_record(viewer.roles, relation):
            return None
        return CourseView(
            id=row["id"],
            relation=relation,
            ocmw=row["ocmw"],
            organiser=row["organiser"],
            organiser_org=row["organiser_org"],
            title=row["title"],
            place=row.get("place") or "",
            description=row.get("description") or "",
            created_at=row.get("created_at"),
            ocmw_name=row.get("ocmw.name") or "",
            organiser_name=row.get("organiser.display_name") or "",
            organiser_org_name=row.get("organiser_org.name") or "",
        )


# Records about a client ------------------------------------------------------------------------


def roster_name(
    viewer: Viewer, relation: Relation, client_ocmw: int | None, first: str, last: str
) -> str | None:
    """How an enrolled client the viewer may see reads on a course's roster: the full name for
    the people of the client's OCMW, the first name for a member of the care team from another
    organisation; anyone else counts the client without a name (``None``)."""
    if not sees_record(viewer.roles, relation):
        return None
    if client_ocmw == viewer.org_id:
        return f"{first} {last}".strip()
    if relation is Relation.care_team:
        return first
    return None


@dataclass(frozen=True)
class EnrolmentView:
    id: int
    course: int
    client: int
    relation: Relation
    enrolled_at: dt.datetime | None = None
    name: str | None = None
    """The client as the roster shows them to this viewer; ``None``: counted, not named."""
    course_title: str = ""
    course_place: str = ""


class EnrolmentPolicy(WholeRecordPolicy):
    table = Enrolment
    record_class = _T
    fields = (
        FieldSpec("id", KEY),
        FieldSpec("course", KEY),
        FieldSpec("client", KEY),
        FieldSpec("enrolled_by", _T),
        FieldSpec("enrolled_at", _T),
    )

    def project(self, viewer: Viewer, row: Mapping[str, Any]) -> EnrolmentView | None:
        relation = relation_of_row(row)
        if not self._sees(viewer, relation):
            return None
        name = None
        if "client.first_name" in row:
            name = roster_name(
                viewer,
                relation,
                row.get("client.ocmw"),
                row.get("client.first_name") or "",
                row.get("client.last_name") or "",
            )
        return EnrolmentView(
            id=row["id"],
            course=row["course"],
            client=row["client"],
            relation=relation,
            enrolled_at=row.get("enrolled_at"),
            name=name,
            course_title=row.get("course.title") or "",
            course_place=row.get("course.place") or "",
        )


@dataclass(frozen=True)
class AttendanceView:
    id: int
    session: int
    client: int
    presence: str
    recorded_at: dt.datetime | None = None


class AttendancePolicy(WholeRecordPolicy):
    table = Attendance
    record_class = _T
    fields = (
        FieldSpec("id", KEY),
        FieldSpec("session", KEY),
        FieldSpec("client", KEY),
        FieldSpec("presence", _T),
        FieldSpec("recorded_by", _T),
        FieldSpec("recorded_at", _T),
    )

    def view(self, row: Mapping[str, Any]) -> AttendanceView:
        return AttendanceView(
            id=row["id"],
            session=row["session"],
            client=row["client"],
            presence=row["presence"],
            recorded_at=row.get("recorded_at"),
        )


RECORD_POLICIES = (CoursePolicy(), EnrolmentPolicy(), AttendancePolicy())

"""A course as a record documents attach to: its programme, a leaflet, the attendance sheet."""

from __future__ import annotations

from portal.courses.services import find_course
from portal.courses.tables import Course
from portal.courses.visibility import CourseView
from portal.documents.hosts import AttachmentHost
from portal.visibility.policy import Relation, Sensitivity
from portal.visibility.viewer import Viewer

ATTACHMENT_KIND = "course"
_ATTACHERS = frozenset({Relation.same_org, Relation.author_org})


def may_attach(viewer: Viewer, course: CourseView) -> bool:
    """The organiser, their colleagues and the people of the OCMW the course runs for."""
    return course.organiser == viewer.person_id or course.relation in _ATTACHERS


COURSE_HOST = AttachmentHost(
    kind=ATTACHMENT_KIND,
    table=Course,
    sensitivity=Sensitivity.basic,
    categories=("programme", "other"),
    find=find_course,
    may_attach=may_attach,
    url=lambda course_id: f"/courses/{course_id}",
    title=lambda course: course.title,
)

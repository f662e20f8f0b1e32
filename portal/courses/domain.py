from typing import Any

from portal.core.domain import Domain, MenuItem
from portal.core.i18n import N_
from portal.courses import events, routes, visibility
from portal.courses.attachments import COURSE_HOST
from portal.courses.panels import COURSES_PANEL
from portal.courses.tables import Attendance, Course, CourseSession, Enrolment


def _sees_courses(viewer: Any) -> bool:
    return viewer is not None and visibility.sees_courses(viewer)


DOMAIN = Domain(
    name="courses",
    routes=lambda _settings: routes.route_handlers,
    piccolo_app="portal.courses.piccolo_app",
    tables=(Attendance, Enrolment, CourseSession, Course),
    menu=(MenuItem("/courses", N_("Courses"), _sees_courses, order=30),),
    event_kinds=events.KINDS,
    record_policies=visibility.RECORD_POLICIES,
    file_panels=(COURSES_PANEL,),
    attachment_hosts=(COURSE_HOST,),
)

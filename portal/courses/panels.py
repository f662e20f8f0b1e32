"""The courses panel in a client file's header."""

from portal.clients.panels import FilePanel
from portal.courses.services import client_courses, enrolments_read

COURSES_PANEL = FilePanel(
    name="courses",
    template="courses/_panel.html",
    load=client_courses,
    reads=lambda viewer, client: [enrolments_read(viewer, client)],
)

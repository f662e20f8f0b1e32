"""The courses panel in a client file's header."""

from portal.clients.panels import FilePanel
from portal.courses.services import client_courses

COURSES_PANEL = FilePanel(name="courses", template="courses/_panel.html", load=client_courses)

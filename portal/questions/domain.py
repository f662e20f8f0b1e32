from typing import Any

from portal.admin.permissions import manages_organisations
from portal.clients.panels import FilePanel
from portal.core.domain import Domain, MenuItem
from portal.core.i18n import N_
from portal.notifications.kinds import RecordSource
from portal.questions import admin, events, inbox, queue, routes, services, visibility
from portal.questions.tables import Question, QuestionChange, QuestionDeadline


def _shows_questions(viewer: Any) -> bool:
    """Who asks, who answers, and who counts the questions (a coordinator reaches the figures
    from the questions page)."""
    return viewer is not None and (
        services.asks_questions(viewer)
        or queue.answers_questions(viewer)
        or visibility.figures_scope(viewer) is not None
    )


DOMAIN = Domain(
    name="questions",
    routes=lambda _settings: [*routes.route_handlers, admin.router],
    piccolo_app="portal.questions.piccolo_app",
    menu=(
        MenuItem("/questions", N_("Referral questions"), _shows_questions, order=36),
        MenuItem(
            "/admin/questions",
            N_("Referral question settings"),
            manages_organisations,
            order=65,
        ),
    ),
    tables=(QuestionChange, Question, QuestionDeadline),
    event_kinds=events.KINDS,
    record_policies=visibility.RECORD_POLICIES,
    file_panels=(
        FilePanel(
            name="questions",
            template="questions/_panel.html",
            load=services.client_questions,
            order=40,
            reads=services.panel_reads,
        ),
    ),
    inbox_kinds=inbox.KINDS,
    inbox_records=(RecordSource(inbox.RECORD, services.inbox_targets),),
)

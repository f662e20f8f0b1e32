from portal.core.domain import Domain, MenuItem
from portal.core.i18n import N_
from portal.evaluations import attachments, inbox, routes, visibility
from portal.evaluations.tables import (
    ActionPoint,
    Evaluation,
    SurveyAnswer,
    SurveyInvitation,
    SurveyQuestion,
)

DOMAIN = Domain(
    name="evaluations",
    routes=lambda _settings: routes.route_handlers,
    piccolo_app="portal.evaluations.piccolo_app",
    tables=(SurveyAnswer, SurveyInvitation, SurveyQuestion, ActionPoint, Evaluation),
    menu=(MenuItem("/evaluations", N_("Evaluations"), visibility.runs_evaluations, order=40),),
    record_policies=visibility.RECORD_POLICIES,
    attachment_hosts=(attachments.EVALUATION_HOST,),
    inbox_kinds=inbox.KINDS,
    inbox_records=inbox.SOURCES,
)

from portal.core.domain import Domain
from portal.notifications.kinds import RecordSource
from portal.trajectory import events, inbox, routes, services, visibility
from portal.trajectory.panel import PANEL
from portal.trajectory.tables import Intake, IntakeAnswer, Invitation, Placement, TrainingRequest

DOMAIN = Domain(
    name="trajectory",
    routes=lambda _settings: routes.route_handlers,
    piccolo_app="portal.trajectory.piccolo_app",
    tables=(IntakeAnswer, Intake, Invitation, Placement, TrainingRequest),
    event_kinds=events.KINDS,
    record_policies=visibility.RECORD_POLICIES,
    file_panels=(PANEL,),
    inbox_kinds=inbox.KINDS,
    inbox_records=(RecordSource(inbox.RECORD, services.inbox_targets),),
)

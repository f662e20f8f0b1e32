from portal.core.domain import Domain
from portal.documents import events, routes, visibility
from portal.documents.panel import PANEL
from portal.documents.tables import Document

DOMAIN = Domain(
    name="documents",
    routes=routes.route_handlers,
    piccolo_app="portal.documents.piccolo_app",
    tables=(Document,),
    event_kinds=events.KINDS,
    record_policies=visibility.RECORD_POLICIES,
    file_panels=(PANEL,),
)

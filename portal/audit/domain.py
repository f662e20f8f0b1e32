from portal.audit import routes, visibility
from portal.audit.tables import AccessLogEntry, AuditChain, AuditCheckpoint
from portal.core.domain import Domain

DOMAIN = Domain(
    name="audit",
    routes=lambda _settings: routes.route_handlers,
    piccolo_app="portal.audit.piccolo_app",
    tables=(AccessLogEntry, AuditChain, AuditCheckpoint),
    record_policies=visibility.RECORD_POLICIES,
)

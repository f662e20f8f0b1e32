from portal.audit import visibility
from portal.audit.tables import AccessLogEntry, AuditChain
from portal.core.domain import Domain

DOMAIN = Domain(
    name="audit",
    piccolo_app="portal.audit.piccolo_app",
    tables=(AccessLogEntry, AuditChain),
    record_policies=visibility.RECORD_POLICIES,
)

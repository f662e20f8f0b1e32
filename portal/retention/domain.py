from portal.core.domain import Domain
from portal.retention.tables import RetentionDeletion, RetentionObject

DOMAIN = Domain(
    name="retention",
    piccolo_app="portal.retention.piccolo_app",
    tables=(RetentionObject, RetentionDeletion),
)

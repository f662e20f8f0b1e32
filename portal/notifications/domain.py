from portal.core.domain import Domain
from portal.notifications import routes
from portal.notifications.tables import DigestChoice, InboxItem

DOMAIN = Domain(
    name="notifications",
    routes=lambda _settings: routes.route_handlers,
    piccolo_app="portal.notifications.piccolo_app",
    tables=(InboxItem, DigestChoice),
)

from portal.core.domain import Domain
from portal.subject_access import routes

DOMAIN = Domain(name="subject_access", routes=lambda _settings: routes.route_handlers)

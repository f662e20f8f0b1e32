from portal.core.domain import Domain
from portal.statements import routes

DOMAIN = Domain(name="statements", routes=lambda _settings: routes.route_handlers)

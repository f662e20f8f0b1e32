from typing import Any

from portal.accounts import live, routes
from portal.accounts.tables import Organisation, Partnership, Person
from portal.core.domain import Domain


def _routes(settings: Any) -> list[Any]:
    return [routes.router(dev_login_enabled=not settings.is_production), live.own_stream]


DOMAIN = Domain(
    name="accounts",
    routes=_routes,
    piccolo_app="portal.accounts.piccolo_app",
    tables=(Partnership, Person, Organisation),
)

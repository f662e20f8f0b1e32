from portal.core.domain import Domain, MenuItem
from portal.core.i18n import N_
from portal.home import routes

DOMAIN = Domain(
    name="home",
    routes=lambda _settings: routes.route_handlers,
    menu=(MenuItem("/", N_("Home"), lambda viewer: viewer is not None, order=0),),
)

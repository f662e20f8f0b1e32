from portal.admin import routes
from portal.admin.permissions import may_administer
from portal.core.domain import Domain, MenuItem
from portal.core.i18n import N_

DOMAIN = Domain(
    name="admin",
    routes=lambda _settings: routes.route_handlers,
    menu=(
        MenuItem("/admin/organisations", N_("Organisations"), may_administer, order=60),
        MenuItem("/admin/partnerships", N_("Partnerships"), may_administer, order=61),
        MenuItem("/admin/people", N_("People"), may_administer, order=62),
    ),
)

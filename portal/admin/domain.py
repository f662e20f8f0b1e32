from portal.accounts import inbox as accounts_inbox
from portal.admin import inbox, routes
from portal.admin.permissions import administers_people, manages_organisations
from portal.admin.tables import AdminAction
from portal.core.domain import Domain, MenuItem
from portal.core.i18n import N_

DOMAIN = Domain(
    name="admin",
    routes=lambda _settings: routes.route_handlers,
    piccolo_app="portal.admin.piccolo_app",
    tables=(AdminAction,),
    menu=(
        MenuItem("/admin/organisations", N_("Organisations"), manages_organisations, order=60),
        MenuItem("/admin/partnerships", N_("Partnerships"), manages_organisations, order=61),
        MenuItem("/admin/people", N_("People"), administers_people, order=62),
        MenuItem("/admin/log", N_("Admin log"), administers_people, order=63),
    ),
    inbox_kinds=accounts_inbox.KINDS,
    inbox_records=inbox.SOURCES,
)

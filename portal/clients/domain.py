from typing import Any

from portal.clients import events, inbox, routes, services, visibility
from portal.clients.tables import CareTeamMember, Client, Consent
from portal.core.domain import Domain, MenuItem
from portal.core.i18n import N_


def _sees_clients(viewer: Any) -> bool:
    """Not for a partner's or VDAB's coordinator: they count figures, no file exists for them."""
    return viewer is not None and services.reads_client_files(viewer)


DOMAIN = Domain(
    name="clients",
    routes=lambda _settings: routes.route_handlers,
    piccolo_app="portal.clients.piccolo_app",
    tables=(Consent, CareTeamMember, Client),
    menu=(
        MenuItem("/clients", N_("Clients"), _sees_clients, order=10),
        MenuItem(
            "/team/files",
            N_("File holders"),
            lambda viewer: viewer is not None and services.assigns_file_holders(viewer),
            order=20,
        ),
    ),
    event_kinds=events.KINDS,
    record_policies=visibility.RECORD_POLICIES,
    inbox_kinds=inbox.KINDS,
    inbox_records=inbox.SOURCES,
)

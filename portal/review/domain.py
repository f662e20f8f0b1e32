from portal.clients.panels import FilePanel
from portal.core.domain import Domain, MenuItem
from portal.core.i18n import N_
from portal.review import events, routes, services, visibility
from portal.review.tables import ReviewItem, ReviewRound

DOMAIN = Domain(
    name="review",
    routes=lambda _settings: routes.route_handlers,
    piccolo_app="portal.review.piccolo_app",
    tables=(ReviewItem, ReviewRound),
    menu=(
        MenuItem(
            "/review",
            N_("Activation review"),
            lambda viewer: services.part_of(viewer) is not None,
            order=30,
        ),
    ),
    event_kinds=events.KINDS,
    record_policies=visibility.RECORD_POLICIES,
    file_panels=(
        FilePanel(
            "review",
            "review/_panel.html",
            services.latest_for,
            order=60,
            reads=lambda viewer, client: [services.latest_read(viewer, client)],
        ),
    ),
)

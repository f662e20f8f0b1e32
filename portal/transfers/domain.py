from portal.clients.panels import FilePanel
from portal.core.domain import Domain, MenuItem
from portal.core.i18n import N_
from portal.timeline.services import before_append
from portal.transfers import events, inbox, routes, services, visibility
from portal.transfers.tables import HandedOver, Transfer

before_append(services.refuse_former_ocmw)

DOMAIN = Domain(
    name="transfers",
    routes=lambda _settings: routes.route_handlers,
    piccolo_app="portal.transfers.piccolo_app",
    tables=(HandedOver, Transfer),
    menu=(MenuItem("/transfers", N_("Transfers"), services.reads_transfers, order=25),),
    event_kinds=events.KINDS,
    record_policies=visibility.RECORD_POLICIES,
    file_panels=(
        FilePanel(
            "transfer",
            "transfers/_panel.html",
            services.panel_for,
            order=90,
            reads=services.panel_reads,
            notices={
                "transfer": N_(
                    "The transfer is proposed. The receiving OCMW sees the basic fields, your"
                    " handover note and what will move, until it answers."
                ),
                "transfer-withdrawn": N_("The transfer was withdrawn."),
            },
        ),
    ),
    inbox_kinds=inbox.KINDS,
    inbox_records=inbox.SOURCES,
)

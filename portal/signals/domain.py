from typing import Any

from portal.admin.permissions import manages_organisations
from portal.core.domain import Domain, MenuItem
from portal.core.i18n import N_
from portal.notifications.kinds import RecordSource
from portal.signals import admin, events, inbox, routes, services, visibility
from portal.signals.attachments import SIGNAL_HOST
from portal.signals.tables import Signal, SignalChange, SignalRoute, SignalTheme


def _shows_signals(viewer: Any) -> bool:
    return viewer is not None and (services.may_report(viewer) or services.handles_signals(viewer))


DOMAIN = Domain(
    name="signals",
    routes=lambda _settings: [*routes.route_handlers, admin.router],
    piccolo_app="portal.signals.piccolo_app",
    menu=(
        MenuItem("/signals", N_("Signals"), _shows_signals, order=35),
        MenuItem("/admin/signals", N_("Signal settings"), manages_organisations, order=64),
    ),
    tables=(SignalChange, Signal, SignalRoute, SignalTheme),
    event_kinds=events.KINDS,
    record_policies=visibility.RECORD_POLICIES,
    attachment_hosts=(SIGNAL_HOST,),
    inbox_kinds=inbox.KINDS,
    inbox_records=(RecordSource(inbox.RECORD, services.inbox_targets),),
)

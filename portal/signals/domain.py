from typing import Any

from portal.core.domain import Domain, MenuItem
from portal.core.i18n import N_
from portal.signals import events, routes, services, visibility
from portal.signals.tables import Signal, SignalChange, SignalNotice, SignalRoute, SignalTheme


def _shows_signals(viewer: Any) -> bool:
    return viewer is not None and (services.may_report(viewer) or services.handles_signals(viewer))


DOMAIN = Domain(
    name="signals",
    routes=lambda _settings: routes.route_handlers,
    piccolo_app="portal.signals.piccolo_app",
    menu=(MenuItem("/signals", N_("Signals"), _shows_signals, order=35),),
    tables=(SignalNotice, SignalChange, Signal, SignalRoute, SignalTheme),
    event_kinds=events.KINDS,
    record_policies=visibility.RECORD_POLICIES,
)

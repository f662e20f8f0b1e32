from portal.core.domain import Domain
from portal.signals import events, visibility
from portal.signals.tables import Signal, SignalChange, SignalRoute

DOMAIN = Domain(
    name="signals",
    piccolo_app="portal.signals.piccolo_app",
    tables=(SignalChange, Signal, SignalRoute),
    event_kinds=events.KINDS,
    record_policies=visibility.RECORD_POLICIES,
)

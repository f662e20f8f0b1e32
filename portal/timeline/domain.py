from typing import Any

from portal.core.domain import Domain
from portal.timeline import events, inbox, live, services, visibility
from portal.timeline.tables import TimelineEvent


def _routes(_settings: Any) -> list[Any]:
    return [live.client_stream]


services.on_appended(live.publish_appended)

DOMAIN = Domain(
    name="timeline",
    routes=_routes,
    tables=(TimelineEvent,),
    event_kinds=events.KINDS,
    record_policies=visibility.RECORD_POLICIES,
    inbox_kinds=inbox.KINDS,
    inbox_records=inbox.SOURCES,
)
"""The timeline's table has its migrations in the ``clients`` Piccolo app, where it was created."""

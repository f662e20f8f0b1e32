from portal.core.domain import Domain
from portal.timeline import events, inbox, visibility
from portal.timeline.tables import TimelineEvent

DOMAIN = Domain(
    name="timeline",
    tables=(TimelineEvent,),
    event_kinds=events.KINDS,
    record_policies=visibility.RECORD_POLICIES,
    inbox_kinds=inbox.KINDS,
    inbox_records=inbox.SOURCES,
)
"""The timeline's table has its migrations in the ``clients`` Piccolo app, where it was created."""

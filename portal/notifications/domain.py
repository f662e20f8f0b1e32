from portal.accounts.live import INBOX_EVENT, person_topic
from portal.core import live
from portal.core.domain import Domain
from portal.notifications import routes, services
from portal.notifications.tables import DigestChoice, InboxItem


async def _tell_stream(person: int) -> None:
    """The person's open start page refreshes what waits for them."""
    await live.publish(person_topic(person), INBOX_EVENT)


services.on_notified(_tell_stream)

DOMAIN = Domain(
    name="notifications",
    routes=lambda _settings: routes.route_handlers,
    piccolo_app="portal.notifications.piccolo_app",
    tables=(InboxItem, DigestChoice),
)

"""What a person's arrival sends to an inbox: their organisation's coordinators and administrators,
and the platform administrators, learn that a new colleague logged in (to check their roles)."""

from __future__ import annotations

from portal.accounts.people import active_holding
from portal.core.i18n import N_
from portal.notifications.kinds import InboxKind
from portal.notifications.services import notify
from portal.visibility.policy import Role

RECORD = "person"
JOINED = "person.joined"

KINDS = (InboxKind(JOINED, RECORD, N_("A new colleague logged in to Brug: %(record)s")),)

_TOLD_IN_ORG = (Role.admin, Role.coordinator)


async def tell_arrival(person_id: int, organisation_id: int) -> None:
    """Inside the caller's unit of work."""
    told = await active_holding(_TOLD_IN_ORG, organisation=organisation_id)
    told |= await active_holding((Role.platform_admin,))
    await notify(told - {person_id}, JOINED, person_id)

"""What a person's arrival sends to an inbox: their organisation's coordinators and administrators,
and the platform administrators, learn that a new colleague logged in (to check their roles)."""

from __future__ import annotations

from portal.accounts.tables import Person
from portal.core.i18n import N_
from portal.notifications.kinds import InboxKind
from portal.notifications.services import notify
from portal.visibility.policy import Role

RECORD = "person"
JOINED = "person.joined"

KINDS = (InboxKind(JOINED, RECORD, N_("A new colleague logged in to Brug: %(record)s")),)

_TOLD_IN_ORG = frozenset({Role.admin.value, Role.coordinator.value})


async def tell_arrival(person_id: int, organisation_id: int) -> None:
    """Inside the caller's unit of work."""
    rows = await Person.select(Person.id, Person.organisation, Person.roles).where(
        (Person.active == True) & (Person.id != person_id)  # noqa: E712
    )
    told = {
        row["id"]
        for row in rows
        if Role.platform_admin.value in (row["roles"] or [])
        or (row["organisation"] == organisation_id and _TOLD_IN_ORG & set(row["roles"] or []))
    }
    await notify(told, JOINED, person_id)

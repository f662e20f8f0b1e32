"""How a reader resolves a person an inbox item points at: administrators of that person reach the
people page; a coordinator of the same organisation reads the name only."""

from __future__ import annotations

from collections.abc import Sequence

from portal.accounts.inbox import RECORD
from portal.accounts.tables import Person
from portal.admin.permissions import administers_all_people, administers_people
from portal.notifications.kinds import RecordSource, Target
from portal.visibility.policy import Role
from portal.visibility.viewer import Viewer


async def _people(viewer: Viewer, ids: Sequence[int]) -> dict[int, Target]:
    rows = await Person.select(
        Person.id, Person.display_name, Person.organisation, Person.organisation.name
    ).where(Person.id.is_in(list(ids)))
    targets = {}
    for row in rows:
        own = row["organisation"] == viewer.org_id
        if administers_people(viewer) and (own or administers_all_people(viewer)):
            title = f"{row['display_name']} · {row['organisation.name']}"
            targets[row["id"]] = Target(title, "/admin/people")
        elif own and Role.coordinator in viewer.roles:
            targets[row["id"]] = Target(row["display_name"], None)
    return targets


SOURCES = (RecordSource(RECORD, _people),)

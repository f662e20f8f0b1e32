"""People and their sessions: who is logged in, and the development login."""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

from portal.accounts.tables import Person
from portal.visibility.policy import Role
from portal.visibility.projection import Viewer

log = logging.getLogger("portal.accounts")


def _viewer(row: dict[str, Any]) -> Viewer:
    return Viewer(
        person_id=row["id"],
        username=row["username"],
        display_name=row["display_name"],
        org_id=row["organisation"],
        org_name=row["organisation.name"],
        org_kind=row["organisation.kind"],
        roles=frozenset(Role(r) for r in row["roles"] if r in Role.__members__),
    )


_VIEWER_COLUMNS = (
    Person.id,
    Person.username,
    Person.display_name,
    Person.organisation,
    Person.roles,
    Person.organisation.name,
    Person.organisation.kind,
)


async def load_viewer(person_id: int) -> Viewer | None:
    """The active person behind a session, in one query; ``None`` if gone or deactivated."""
    row = (
        await Person.select(*_VIEWER_COLUMNS)
        .where((Person.id == person_id) & (Person.active == True))  # noqa: E712
        .first()
    )
    return _viewer(row) if row else None


async def demo_people() -> list[dict[str, Any]]:
    return (
        await Person.select(
            Person.username,
            Person.display_name,
            Person.roles,
            Person.organisation.name,
        )
        .where(Person.active == True)  # noqa: E712
        .order_by(Person.organisation.name)
        .order_by(Person.username)
    )


async def development_login(username: str) -> int | None:
    """The id of the active person with this username (development login only), or ``None``."""
    row = (
        await Person.select(Person.id)
        .where((Person.username == username) & (Person.active == True))  # noqa: E712
        .first()
    )
    if row is None:
        log.warning("development login refused for unknown or inactive username %r", username)
        return None
    await Person.update({Person.last_login: dt.datetime.now(dt.UTC)}).where(Person.id == row["id"])
    log.info("development login for person %s", row["id"])
    return int(row["id"])

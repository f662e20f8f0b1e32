"""Who holds a role, asked in SQL (``Person.roles`` is an array on PostgreSQL, JSON text on
SQLite), so that finding the few people to tell never reads everyone."""

from __future__ import annotations

from collections.abc import Iterable

from piccolo.columns.combination import Or, WhereRaw

from portal.accounts.tables import Person
from portal.core.db import is_sqlite
from portal.visibility.policy import Role


def holds(role: Role) -> WhereRaw:
    if is_sqlite():
        return WhereRaw(
            'EXISTS (SELECT 1 FROM json_each("person"."roles") WHERE value = {})', role.value
        )
    return WhereRaw('{} = ANY("person"."roles")', role.value)


def holds_any(roles: Iterable[Role]) -> WhereRaw | Or:
    conditions = [holds(role) for role in sorted(roles)]
    combined: WhereRaw | Or = conditions[0]
    for condition in conditions[1:]:
        combined = Or(combined, condition)
    return combined


async def active_holding(roles: Iterable[Role], *, organisation: int | None = None) -> set[int]:
    """The active people holding any of ``roles``, of one organisation or of all."""
    query = Person.select(Person.id).where(
        (Person.active == True) & holds_any(roles)  # noqa: E712
    )
    if organisation is not None:
        query = query.where(Person.organisation == organisation)
    return {int(row["id"]) for row in await query}

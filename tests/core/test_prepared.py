"""Reads built once per shape and bound per call (``portal.core.prepared``), on a plain table."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import pytest
from piccolo.querystring import QueryString

from portal.accounts.tables import Person
from portal.core import db, prepared
from tests.support.factories import make_org, make_person


@prepared.prepared(values={"org": (), "since": ()})
def people_of(org: int, since: dt.datetime | None, active_only: bool) -> Any:
    query = Person.select(Person.username, Person.last_login).where(Person.organisation == org)
    if since is not None:
        query = query.where(Person.last_login >= since)
    if active_only:
        query = query.where(Person.active == True)  # noqa: E712
    return query.order_by(Person.username)


@prepared.prepared(values={"username": ()})
def one_person(username: str) -> Any:
    return Person.select(Person.username, Person.active).where(Person.username == username).first()


@prepared.prepared(values={"username": ()})
def roles_of(username: str) -> Any:
    return Person.select(Person.roles).where(Person.username == username).first()


@prepared.prepared(values={"username": ()})
def scores_of(username: str) -> Any:
    """A column of an array type the pool's connections have not met (``db.KNOWN_ARRAYS``)."""
    scores = QueryString("ARRAY[1.5, 2.5]::float8[]").as_alias("scores")
    return Person.select(Person.username, scores).where(Person.username == username).first()


@dataclass(frozen=True)
class Window:
    org: int
    limit: int


@prepared.prepared(values={"window": ("org",)})
def first_people(window: Window) -> Any:
    return (
        Person.select(Person.username)
        .where(Person.organisation == window.org)
        .order_by(Person.username)
        .limit(window.limit)
    )


async def _world() -> tuple[int, int]:
    north, south = await make_org("north", "ocmw"), await make_org("south", "partner")
    for name in ("b.north", "a.north", "c.north"):
        await make_person(name, north, "social_worker")
    await make_person("z.south", south, "toeleider", active=False)
    await Person.update({Person.last_login: dt.datetime(2026, 12, 1, tzinfo=dt.UTC)}).where(
        Person.username == "a.north"
    )
    return north, south


def _statements(read: prepared.Prepared[Any]) -> int:
    return len(read._cache)


async def test_one_statement_per_shape_bound_to_each_calls_values() -> None:
    north, south = await _world()
    before = _statements(people_of)
    north_rows = await people_of(north, None, False)
    south_rows = await people_of(south, None, False)
    assert [row["username"] for row in north_rows] == ["a.north", "b.north", "c.north"]
    assert [row["username"] for row in south_rows] == ["z.south"]
    assert _statements(people_of) == before + 1
    assert await people_of(south, None, True) == []
    since = dt.datetime(2026, 11, 30, tzinfo=dt.UTC)
    assert [row["username"] for row in await people_of(north, since, False)] == ["a.north"]
    assert _statements(people_of) == before + 3


async def test_a_dataclass_argument_keeps_its_other_fields_as_shape() -> None:
    north, _south = await _world()
    assert [r["username"] for r in await first_people(Window(north, 2))] == ["a.north", "b.north"]
    assert [r["username"] for r in await first_people(Window(north, 1))] == ["a.north"]


async def test_first_gives_one_row_or_none() -> None:
    await _world()
    assert await one_person("z.south") == {"username": "z.south", "active": False}
    assert await one_person("nobody") is None


def test_a_builder_that_uses_a_value_in_python_fails_at_once() -> None:
    @prepared.prepared(values={"org": ()})
    def branching(org: int) -> Any:
        if org > 10:
            return Person.select(Person.id)
        return Person.select(Person.id).where(Person.organisation == org)

    @prepared.prepared(values={"username": ()})
    def formatting(username: str) -> Any:
        return Person.select(Person.id).where(Person.username == f"{username}")

    with pytest.raises(prepared.PlaceholderUsed, match="org is a value"):
        branching.bind(3)
    with pytest.raises(prepared.PlaceholderUsed, match="username is a value"):
        formatting.bind("x")


def test_sql_that_depends_on_something_outside_the_shape_is_caught() -> None:
    prepared.configure(verify=True)
    hidden = {"limit": 5}

    @prepared.prepared(values={})
    def leaky() -> Any:
        return Person.select(Person.id).limit(hidden["limit"])

    leaky.bind()
    hidden["limit"] = 6
    with pytest.raises(prepared.ShapeMismatch, match="differs from the cached one"):
        leaky.bind()


async def test_reads_run_together_in_one_statement_on_postgresql() -> None:
    north, south = await _world()
    alone = [await people_of(north, None, False), await people_of(south, None, False)]
    with prepared.sharing():
        reads = [people_of.bind(north, None, False), people_of.bind(south, None, False)]
        with db.count_queries() as counted:
            reads += [one_person.bind("z.south"), roles_of.bind("z.south")]
            if not db.is_sqlite():
                reads.append(scores_of.bind("z.south"))
            await prepared.fetch(*reads)
            together = [await people_of(north, None, False), await people_of(south, None, False)]
            single = await one_person("z.south")
            roles = await roles_of("z.south")
            if not db.is_sqlite():
                assert await scores_of("z.south") == {"username": "z.south", "scores": [1.5, 2.5]}
            again = await people_of(north, None, False)
    assert together == alone
    assert single == {"username": "z.south", "active": False}
    assert roles == {"roles": ["toeleider"]}
    assert again == alone[0]
    # PostgreSQL: one statement for four of them (the roles are an array every pooled connection
    # knows); the scores (an array type it may not know) and the repeated read (a result is
    # handed out once) on their own. SQLite: every read on its own.
    assert counted[0] == (3 if not db.is_sqlite() else 5)


async def test_fetch_outside_a_sharing_block_runs_nothing() -> None:
    north, _south = await _world()
    with db.count_queries() as counted:
        await prepared.fetch(people_of.bind(north, None, False), one_person.bind("a.north"))
    assert counted[0] == 0

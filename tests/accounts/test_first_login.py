"""Two first logins of the same new person at the same moment give one person and no error.

People are keyed by issuer and subject (a unique index) and usernames are unique. The first
login looks the person up and then inserts them; a second login that looked in between meets the
unique index. These tests run on the suite's database (SQLite or PostgreSQL): once truly
concurrently, and once with the other insert placed exactly between look-up and insert, since
SQLite serialises writers and the race may not show there on its own.
"""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from portal.accounts import services
from portal.accounts.oidc import Identity
from portal.accounts.tables import Person
from portal.settings import OidcSettings
from tests.support.factories import make_org, make_person

ISSUER = "https://login.example.be/realms/brug"
SETTINGS = OidcSettings(
    issuer=ISSUER,
    client_id="brug",
    client_secret="s3cret",
    redirect_uri="http://testserver/auth/callback",
    post_logout_redirect_uri="http://testserver",
)


def identity(subject: str, username: str = "nieuwe.mw") -> Identity:
    claims = {
        "sub": subject,
        "preferred_username": username,
        "name": "Nieuwe Maatschappelijk Werker",
        "org": "ocmw-eerste",
        "roles": ["social_worker"],
    }
    return Identity(issuer=ISSUER, subject=subject, claims=claims, id_token="unused")


@pytest.fixture
async def ocmw() -> int:
    return await make_org("ocmw-eerste", "ocmw", "OCMW Eerste")


async def people_of(subject: str) -> list[dict[str, Any]]:
    return await Person.select(Person.id, Person.username, Person.roles).where(
        (Person.oidc_issuer == ISSUER) & (Person.oidc_subject == subject)
    )


async def test_two_simultaneous_first_logins_give_one_person(ocmw: int) -> None:
    first, second = await asyncio.gather(
        services.provider_sign_in(identity("sub-race"), SETTINGS),
        services.provider_sign_in(identity("sub-race"), SETTINGS),
    )
    people = await people_of("sub-race")
    assert len(people) == 1
    assert first == second == people[0]["id"]


async def test_a_person_created_between_look_up_and_insert_is_refreshed(
    ocmw: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The other login inserts the person right after this one looked and found nobody."""
    look_up = services._person_by_subject
    other: list[int | services.Refusal] = []

    async def late_look_up(who: Identity) -> dict[str, Any] | None:
        monkeypatch.setattr(services, "_person_by_subject", look_up)
        other.append(await services.provider_sign_in(identity("sub-late"), SETTINGS))
        return None

    monkeypatch.setattr(services, "_person_by_subject", late_look_up)
    changed = identity("sub-late")
    changed.claims["name"] = "Nieuwe Naam"
    outcome = await services.provider_sign_in(changed, SETTINGS)

    people = await people_of("sub-late")
    assert len(people) == 1
    assert other == [people[0]["id"]] and outcome == people[0]["id"]
    row = await Person.select(Person.display_name).where(Person.id == outcome).first()
    assert row is not None and row["display_name"] == "Nieuwe Naam"


async def test_a_username_taken_between_look_up_and_insert_gets_the_next_free_one(
    ocmw: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Someone else (another subject) takes the username after this login chose it."""
    free_username = services._free_username

    async def taken_meanwhile(who: Identity) -> str:
        username = await free_username(who)
        monkeypatch.setattr(services, "_free_username", free_username)
        await make_person(username, ocmw, "social_worker")
        return username

    monkeypatch.setattr(services, "_free_username", taken_meanwhile)
    outcome = await services.provider_sign_in(identity("sub-clash", "gedeeld"), SETTINGS)

    people = await people_of("sub-clash")
    assert len(people) == 1 and outcome == people[0]["id"]
    assert people[0]["username"].startswith("gedeeld-")
    assert await Person.count().where(Person.username == "gedeeld") == 1

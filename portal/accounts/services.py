"""People and their sessions: who is logged in, the provider login and the development login."""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import sqlite3
from dataclasses import dataclass
from typing import Any

import asyncpg
from piccolo.querystring import QueryString

from portal.accounts import claims as claim_rules
from portal.accounts.inbox import tell_arrival
from portal.accounts.oidc import Identity
from portal.accounts.tables import Organisation, Person
from portal.core.db import unit_of_work
from portal.settings import OidcSettings
from portal.visibility.policy import Role
from portal.visibility.viewer import Viewer

log = logging.getLogger("portal.accounts")


def _viewer(row: dict[str, Any]) -> Viewer:
    """Stored roles that do not fit the organisation's kind (say, after its kind changed) count
    for nothing."""
    return Viewer(
        person_id=row["id"],
        username=row["username"],
        display_name=row["display_name"],
        org_id=row["organisation"],
        org_name=row["organisation.name"],
        org_kind=row["organisation.kind"],
        unread=row.get("unread") or 0,
        roles=frozenset(
            claim_rules.roles_fitting(
                (Role(r) for r in row["roles"] if r in Role.__members__),
                row["organisation.kind"],
            )
        ),
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


_HEADER_COUNTS: list[QueryString] = []


def count_in_header(column: QueryString) -> None:
    """A domain adds a number the header shows (the inbox's unread count) as a column of the
    viewer's own query, aliased ``unread``: no page pays a statement for it."""
    _HEADER_COUNTS[:] = [column]


async def load_viewer(person_id: int) -> Viewer | None:
    """The active person behind a session, in one query; ``None`` if gone or deactivated."""
    row = (
        await Person.select(*_VIEWER_COLUMNS, *(c.as_alias("unread") for c in _HEADER_COUNTS))
        .where((Person.id == person_id) & (Person.active == True))  # noqa: E712
        .first()
    )
    return _viewer(row) if row else None


async def add_person(
    username: str,
    display_name: str,
    email: str,
    organisation_id: int,
    roles: list[Role],
    *,
    active: bool = True,
) -> int:
    """A person known before their first login (the demo world, a new installation's tests)."""
    async with unit_of_work():
        row = Person(
            username=username,
            display_name=display_name,
            email=email,
            organisation=organisation_id,
            roles=[role.value for role in roles],
            active=active,
        )
        await row.save()
        await tell_arrival(int(row.id), organisation_id)
    return int(row.id)


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


@dataclass(frozen=True)
class Refusal:
    """Why a person the provider vouched for still gets no access: ``no_role``, ``unknown_org``
    or ``inactive``; at a re-validation also ``moved`` (another organisation) or ``subject``
    (the provider's answer is about somebody else)."""

    reason: str
    organisation: str | None = None


def _display_name(claims: dict[str, Any]) -> str:
    given = " ".join(str(claims.get(k) or "") for k in ("given_name", "family_name")).strip()
    for candidate in (claims.get("name"), given, claims.get("preferred_username")):
        if isinstance(candidate, str) and candidate.strip():
            return candidate.strip()[:200]
    return str(claims.get("email") or claims["sub"])[:200]


async def _free_username(identity: Identity) -> str:
    claims = identity.claims
    base = str(claims.get("preferred_username") or claims.get("email") or identity.subject)[:140]
    if not await Person.exists().where(Person.username == base):
        return base
    digest = hashlib.sha256(f"{identity.issuer} {identity.subject}".encode()).hexdigest()[:8]
    return f"{base}-{digest}"


async def _person_values(
    identity: Identity, settings: OidcSettings, *, outcome: str
) -> dict[Any, Any] | Refusal:
    """The rules of every login and re-validation: the person's name, e-mail, organisation and
    roles from the provider's claims, or why they get no access (``unknown_org``, ``no_role``).

    Roles come from these claims only, so a role withdrawn at the provider is gone now; a role
    that does not fit the organisation's kind (DESIGN §2) is ignored. ``outcome`` starts the log
    line of a refusal (``login refused``, ``session ended``).
    """
    claims = identity.claims
    org_code = claim_rules.organisation_code(claim_rules.claim_at(claims, settings.org_claim))
    provider_roles = claim_rules.provider_values(claim_rules.claim_at(claims, settings.role_claim))
    subject = f"subject {identity.subject!r} of {identity.issuer}"
    org = (
        await Organisation.select(Organisation.id, Organisation.kind, Organisation.name)
        .where(Organisation.code == org_code)
        .first()
        if org_code
        else None
    )
    if org is None:
        log.warning("%s for %s: unknown organisation %r", outcome, subject, org_code)
        return Refusal("unknown_org")
    mapped = claim_rules.portal_roles(provider_roles, settings.role_map)
    roles = claim_rules.roles_fitting(mapped, org["kind"])
    if len(roles) < len(mapped):
        log.warning(
            "roles %s do not fit organisation kind %s for %s; ignored",
            sorted(set(mapped) - set(roles)),
            org["kind"],
            subject,
        )
    if not roles:
        log.warning(
            "%s for %s: no portal role in %r (claim %s)",
            outcome,
            subject,
            provider_roles,
            settings.role_claim,
        )
        return Refusal("no_role", org["name"])
    return {
        "display_name": _display_name(claims),
        "email": str(claims.get("email") or "")[:254],
        "organisation": org["id"],
        "roles": [role.value for role in roles],
    }


async def _withdraw_roles(person_id: int) -> None:
    """The provider gives this person no access: their stored roles go, so that every session of
    theirs loses its sight at the next re-read of the viewer."""
    await Person.update({Person.roles: []}).where(Person.id == person_id)


async def provider_sign_in(identity: Identity, settings: OidcSettings) -> int | Refusal:
    """Create or refresh the person the provider vouched for; their id, or why they get no access.

    People are keyed by issuer and subject; name, e-mail, organisation and roles come from this
    login's claims (``_person_values``). An existing person refused for want of a role or of a
    known organisation has their stored roles emptied.
    """
    subject = f"subject {identity.subject!r} of {identity.issuer}"
    person = await _person_by_subject(identity)
    if person is not None and not person.get("active"):
        log.warning("login refused for %s: person %s is deactivated", subject, person["id"])
        return Refusal("inactive")
    values = await _person_values(identity, settings, outcome="login refused")
    if isinstance(values, Refusal):
        if person is not None:
            await _withdraw_roles(person["id"])
        return values
    values["last_login"] = dt.datetime.now(dt.UTC)
    roles = values["roles"]
    if person is None:
        created = await _create_person(identity, values)
        if created is not None:
            async with unit_of_work():
                await tell_arrival(created, values["organisation"])
            log.info("provider login for new person %s (%s) with roles %s", created, subject, roles)
            return created
        # A login of the same subject at the same moment created the person first: refresh it.
        person = await _person_by_subject(identity)
        if person is None:
            raise RuntimeError(f"{subject} was created meanwhile but cannot be read back")
        if not person.get("active"):
            log.warning("login refused for %s: person %s is deactivated", subject, person["id"])
            return Refusal("inactive")
    await Person.update(values).where(Person.id == person["id"])
    person_id = int(person["id"])
    log.info("provider login for person %s (%s) with roles %s", person_id, subject, roles)
    return person_id


async def provider_recheck(
    person_id: int, identity: Identity, settings: OidcSettings
) -> Refusal | None:
    """Apply what the provider says about a logged-in person now (a re-validation of their
    session); ``None`` if the session may go on, else why it must end.

    The person is updated by the rules of a login (``_person_values``), except that this is no
    login (``last_login`` stays). The session ends when the provider's answer is about another
    subject, when the person is deactivated, has no portal role or no known organisation any more
    (stored roles emptied), or belongs to another organisation now (stored as at a login: they
    start again in the new organisation by logging in).
    """
    person = (
        await Person.select(
            Person.id, Person.active, Person.organisation, Person.oidc_issuer, Person.oidc_subject
        )
        .where(Person.id == person_id)
        .first()
    )
    subject = f"subject {identity.subject!r} of {identity.issuer}"
    if (
        person is None
        or person["oidc_issuer"] != identity.issuer
        or person["oidc_subject"] != identity.subject
    ):
        log.warning(
            "session ended for person %s: the provider answered about %s", person_id, subject
        )
        return Refusal("subject")
    if not person["active"]:
        log.warning("session ended for %s: person %s is deactivated", subject, person_id)
        return Refusal("inactive")
    values = await _person_values(identity, settings, outcome="session ended")
    if isinstance(values, Refusal):
        await _withdraw_roles(person_id)
        return values
    await Person.update(values).where(Person.id == person_id)
    if values["organisation"] != person["organisation"]:
        log.warning(
            "session ended for %s: person %s moved from organisation %s to %s",
            subject,
            person_id,
            person["organisation"],
            values["organisation"],
        )
        return Refusal("moved")
    log.debug(
        "provider re-validated person %s (%s) with roles %s", person_id, subject, values["roles"]
    )
    return None


_UNIQUE_VIOLATION = (sqlite3.IntegrityError, asyncpg.exceptions.UniqueViolationError)
"""What a unique index raises on SQLite and on PostgreSQL (Piccolo passes both through)."""
_CREATE_ATTEMPTS = 3


async def _person_by_subject(identity: Identity) -> dict[str, Any] | None:
    """The person the provider knows by this issuer and subject (their id and whether active)."""
    return await (
        Person.select(Person.id, Person.active)
        .where((Person.oidc_issuer == identity.issuer) & (Person.oidc_subject == identity.subject))
        .first()
    )


async def _create_person(identity: Identity, values: dict[Any, Any]) -> int | None:
    """The id of the person inserted for this first login, or ``None`` when a login of the same
    subject inserted them first (the unique index on issuer and subject refused this one).

    A username taken meanwhile by someone else is chosen again (``_free_username`` then adds the
    subject's digest); only when that keeps clashing does the error go up.
    """
    attempt = 1
    while True:
        row = Person(
            username=await _free_username(identity),
            oidc_issuer=identity.issuer,
            oidc_subject=identity.subject,
            active=True,
            **values,
        )
        try:
            await row.save()
        except _UNIQUE_VIOLATION:
            # PostgreSQL may name the username index first even when the subject is the clash.
            if await _person_by_subject(identity) is not None:
                return None
            if attempt == _CREATE_ATTEMPTS:
                raise
            log.info("username %r was taken meanwhile; choosing another", row.username)
            attempt += 1
        else:
            return int(row.id)

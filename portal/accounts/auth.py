"""Every route needs a logged-in, active person unless its handler says ``opt={"public": True}``.

**Leavers.** A session that logged in through the identity provider is re-validated with it once
its last check is ``OidcClient.recheck_every`` seconds old (5 minutes): at the person's next
request the guard refreshes the provider's refresh token and applies the current claims by the
rules of a login (``services.provider_recheck``). The session ends, and the person gets the login
page, when the provider refuses the refresh token (``invalid_grant``: the person or their provider
session is gone), when its answer does not verify, or when the person has no portal role, no known
organisation or another organisation now; in the last three cases every session of theirs ends.

When the provider cannot be reached (or answers with another error), the session goes on and no
session asks again for ``OidcClient.retry_after`` seconds (1 minute); a session whose last
successful check is older than ``OidcClient.recheck_limit`` (default: the idle timeout) ends, so
an unreachable provider keeps nobody in for longer than that. A provider login that brought no
refresh token cannot be re-validated and ends the same way, that long after the login.

Only sessions due for a check pay for it, and one check runs at a time per session in this process
(``_Check.lock``): parallel requests of one browser wait for it and take over its outcome, also
when their copy of the session was read before the check (the middleware writes whole sessions).
Several processes may each check a session once per interval; the portal runs one (``portal
serve``). Development-login sessions have no provider check at all.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import time
from dataclasses import dataclass, field
from enum import Enum

from litestar import Request
from litestar.connection import ASGIConnection
from litestar.exceptions import NotAuthorizedException
from litestar.handlers.base import BaseRouteHandler

from portal.accounts import services
from portal.accounts.oidc import RECHECK_EVERY, Identity, LoginFailed, OidcClient
from portal.accounts.services import load_viewer
from portal.core.sessions import Session, session_of, store_key
from portal.visibility.viewer import Viewer

log = logging.getLogger("portal.accounts.auth")

VIEWER_TTL = 5.0
_MAX_CACHED = 2048
_recent: dict[int, tuple[float, Viewer | None]] = {}


async def viewer_for(person_id: int) -> Viewer | None:
    """The person behind a session, re-read from the database at most every ``VIEWER_TTL`` s.

    A deactivation or role change therefore reaches every process within five seconds; the cache
    is a per-process shortcut that no other process needs.
    """
    now = time.monotonic()
    cached = _recent.get(person_id)
    if cached is not None and now - cached[0] < VIEWER_TTL:
        return cached[1]
    viewer = await load_viewer(person_id)
    if len(_recent) >= _MAX_CACHED:
        _recent.clear()
    _recent[person_id] = (now, viewer)
    return viewer


def forget_viewer(person_id: int) -> None:
    _recent.pop(person_id, None)


def forget_all_viewers() -> None:
    _recent.clear()


# Re-validation with the identity provider ------------------------------------------------------


class Recheck(Enum):
    NOT_DUE = "not due"
    VOUCHED = "vouched for"
    """The provider vouched for the person again (now, or in a parallel request): re-read them."""
    ENDED = "ended"


@dataclass
class _Check:
    """One session's re-validation as this process knows it, under its store key."""

    lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    checked: int = 0
    """When the provider last vouched for the session in this process (0: not yet)."""
    refresh_token: str | None = None
    """The refresh token to use next (the provider's newest)."""
    ended: bool = False


_MAX_CHECKS = 4096
_checks: dict[str, _Check] = {}


def _check_of(session: Session) -> _Check:
    assert session.token is not None
    key = store_key(session.token)
    check = _checks.get(key)
    if check is None:
        if len(_checks) >= _MAX_CHECKS:  # forget finished checks; a running one stays
            for stale in [k for k, c in _checks.items() if not c.lock.locked()]:
                del _checks[stale]
        check = _checks[key] = _Check()
    return check


async def _end_all_sessions_of(connection: ASGIConnection, person_id: int) -> None:
    store = getattr(connection.app.state, "session_store", None)
    if store is not None:
        ended = await store.end_sessions_of(person_id)
        log.info("ended %s session(s) of person %s", ended, person_id)


async def revalidate(connection: ASGIConnection, session: Session, person_id: int) -> Recheck:
    """Re-validate a provider login with the provider when its last check is due (module doc)."""
    checked = session.provider_checked
    if checked is None:
        return Recheck.NOT_DUE
    oidc: OidcClient | None = connection.app.state.oidc
    every = oidc.recheck_every if oidc is not None else RECHECK_EVERY
    if time.time() - checked < every:
        return Recheck.NOT_DUE
    check = _check_of(session)
    async with check.lock:
        if check.ended:
            return Recheck.ENDED
        if check.checked > checked:  # a parallel request of this session checked meanwhile
            session.record_provider_check(check.checked, check.refresh_token)
            checked = check.checked
            if time.time() - checked < every:
                return Recheck.VOUCHED
        outcome = await _ask_provider(connection, session, person_id, oidc, check, checked)
        if outcome is Recheck.ENDED:
            check.ended = True
        return outcome


async def _ask_provider(
    connection: ASGIConnection,
    session: Session,
    person_id: int,
    oidc: OidcClient | None,
    check: _Check,
    checked: int,
) -> Recheck:
    limit = (
        oidc.recheck_limit
        if oidc is not None and oidc.recheck_limit is not None
        else connection.app.state.settings.session.idle_timeout
    )
    refresh_token = session.refresh_token
    unchecked_for = time.time() - checked
    if oidc is None or refresh_token is None or oidc.backing_off:
        if unchecked_for <= limit:
            return Recheck.NOT_DUE
        log.warning(
            "session of person %s ended: the provider could not vouch for it for %d s (%s)",
            person_id,
            unchecked_for,
            "no refresh token" if oidc and refresh_token is None else "provider not reachable",
        )
        return Recheck.ENDED
    try:
        refreshed = await oidc.refresh(refresh_token)
    except LoginFailed as error:
        if error.reason != "unreachable":
            log.warning("session of person %s ended: %s", person_id, error)
            return Recheck.ENDED
        if unchecked_for <= limit:
            log.warning(
                "session of person %s kept without a check (%d s since the last one): %s",
                person_id,
                unchecked_for,
                error,
            )
            return Recheck.NOT_DUE
        log.warning(
            "session of person %s ended: no check for %d s: %s", person_id, unchecked_for, error
        )
        return Recheck.ENDED
    identity = Identity(
        issuer=oidc.settings.issuer,
        subject=str(refreshed.claims.get("sub")),
        claims=refreshed.claims,
        id_token="",
    )
    refusal = await services.provider_recheck(person_id, identity, oidc.settings)
    forget_viewer(person_id)
    if refusal is not None:
        if refusal.reason in ("no_role", "unknown_org", "moved", "inactive"):
            await _end_all_sessions_of(connection, person_id)
        return Recheck.ENDED
    now = int(time.time())
    session.record_provider_check(now, refreshed.refresh_token)
    check.checked = now
    check.refresh_token = refreshed.refresh_token or refresh_token
    return Recheck.VOUCHED


# The guard -------------------------------------------------------------------------------------


async def require_login(connection: ASGIConnection, handler: BaseRouteHandler) -> None:
    if handler.opt.get("public"):
        return
    session = session_of(connection.scope)
    person_id = session.person_id
    viewer = await viewer_for(person_id) if person_id is not None else None
    if viewer is not None and person_id is not None:
        recheck = await revalidate(connection, session, person_id)
        if recheck is Recheck.ENDED:
            viewer = None
        elif recheck is Recheck.VOUCHED:
            viewer = await viewer_for(person_id)
    if viewer is None:
        if person_id is not None:
            session.logout()
        raise NotAuthorizedException("login required")
    unlocked = session.unlocked
    connection.state.viewer = dataclasses.replace(viewer, unlocked=unlocked) if unlocked else viewer


def provide_viewer(request: Request) -> Viewer:
    """The ``viewer`` dependency: the person ``require_login`` loaded for this request."""
    viewer = getattr(request.state, "viewer", None)
    if viewer is None:
        raise NotAuthorizedException("login required")
    return viewer

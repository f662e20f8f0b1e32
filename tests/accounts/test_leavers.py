"""Leavers: what the identity provider withdraws ends access within minutes, not at the next login.

A provider login keeps the provider's refresh token (sealed) in the session; once the last check
is ``recheck_every`` seconds old, the person's next request refreshes it and applies the current
claims by the rules of a login. The real ``oidc-provider-mock`` runs in a thread (it answers a
refresh without an ID token, so the claims come from its ``userinfo`` endpoint unless the harness
adds one), the portal under uvicorn; the timing is shortened on the portal's OIDC client.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from portal.accounts.oidc import OidcClient
from portal.accounts.tables import Person
from portal.core.sessions import SessionData, SessionKeys, store_key
from tests.accounts.provider import Portal, Provider, portal, provider
from tests.conftest import login
from tests.support.factories import make_org, make_person

EVERY = 2.0
"""Seconds between two checks in these tests (session times are whole seconds: at least 2)."""
AFTER_AN_INTERVAL = EVERY + 0.2
ZOTTEGEM = {"name": "Jan Leaver", "email": "jan@example.org", "org": "ocmw-zottegem"}
SOCIAL_WORKER = {**ZOTTEGEM, "roles": ["social_worker"]}


@pytest.fixture(scope="module")
def shared_idp() -> Iterator[Provider]:
    with provider() as running:
        yield running


@pytest.fixture
def idp(shared_idp: Provider) -> Provider:
    shared_idp.faults.reset()
    return shared_idp


@pytest.fixture
async def orgs() -> dict[str, int]:
    return {
        "ocmw-zottegem": await make_org("ocmw-zottegem", "ocmw", "OCMW Zottegem"),
        "pin-vzw": await make_org("pin-vzw", "partner", "PIN vzw"),
    }


def oidc_of(site: Portal) -> OidcClient:
    assert site.app is not None
    oidc = site.app.state.oidc
    assert isinstance(oidc, OidcClient)
    return oidc


def shorten(site: Portal, *, retry_after: float = 1.0, limit: float | None = None) -> None:
    """The knobs of the portal's OIDC client: seconds between checks, back-off, limit."""
    oidc = oidc_of(site)
    oidc.recheck_every = EVERY
    oidc.retry_after = retry_after
    oidc.recheck_limit = limit


@pytest.fixture
async def site(tmp_path: Path, idp: Provider, orgs: dict[str, int]) -> AsyncIterator[Portal]:
    async with portal(tmp_path, idp.issuer) as running:
        shorten(running)
        yield running


async def person_of(sub: str) -> dict[str, Any]:
    row = (
        await Person.select(Person.id, Person.roles, Person.organisation.code, Person.last_login)
        .where(Person.oidc_subject == sub)
        .first()
    )
    assert row is not None
    return row


async def logs_in(site: Portal, idp: Provider, sub: str, claims: dict[str, Any]) -> None:
    await idp.set_user(sub, claims)
    landed = await site.log_in(idp, sub)
    assert landed.status_code == 303, landed.text
    assert (await site.http.get("/")).status_code == 200


def refused(response: httpx.Response, path: str = "/clients") -> bool:
    """The guard sent the person to the login page (their session is gone)."""
    return response.status_code == 303 and response.headers["location"] == (
        f"/auth/login?next={path}" if path != "/" else "/auth/login"
    )


async def still_in(http: httpx.AsyncClient) -> bool:
    response = await http.get("/clients")
    assert response.status_code in (200, 303), response.text
    return response.status_code == 200


# Withdrawn at the provider -> the session ends at the next check --------------------------------


async def test_a_withdrawn_role_ends_the_session_at_the_next_check(
    site: Portal, idp: Provider, caplog: pytest.LogCaptureFixture
) -> None:
    await logs_in(site, idp, "sub-leaver", SOCIAL_WORKER)
    logins = idp.faults.token_requests
    await idp.set_user("sub-leaver", {**ZOTTEGEM, "roles": ["ex-employee"]})
    assert await still_in(site.http), "not due yet: no check, no network"
    assert idp.faults.token_requests == logins

    await asyncio.sleep(AFTER_AN_INTERVAL)
    with caplog.at_level(logging.WARNING, logger="portal.accounts"):
        response = await site.http.get("/clients")
    assert refused(response)
    assert idp.faults.token_requests == logins + 1
    assert idp.faults.userinfo_requests == 1, "the mock's refresh has no ID token: userinfo"
    assert (await person_of("sub-leaver"))["roles"] == []
    assert any(
        "session ended" in record.getMessage() and "no portal role" in record.getMessage()
        for record in caplog.records
    )
    assert refused(await site.http.get("/"), "/"), "the session is gone, not just this request"


async def test_a_withdrawn_role_ends_every_session_of_the_person(
    site: Portal, idp: Provider
) -> None:
    await logs_in(site, idp, "sub-two-browsers", SOCIAL_WORKER)
    async with httpx.AsyncClient(base_url=site.url) as other_browser:
        other = Portal(url=site.url, http=other_browser, app=site.app)
        await logs_in(other, idp, "sub-two-browsers", SOCIAL_WORKER)
        await idp.set_user("sub-two-browsers", {**ZOTTEGEM, "roles": []})
        await asyncio.sleep(AFTER_AN_INTERVAL)
        assert refused(await site.http.get("/clients"))
        before = idp.faults.token_requests
        assert refused(await other_browser.get("/clients"))
        assert idp.faults.token_requests == before, "ended with the first, without its own check"


async def test_an_organisation_changed_to_an_unknown_one_ends_the_session(
    site: Portal, idp: Provider, caplog: pytest.LogCaptureFixture
) -> None:
    await logs_in(site, idp, "sub-elsewhere", SOCIAL_WORKER)
    await idp.set_user("sub-elsewhere", {**SOCIAL_WORKER, "org": "ocmw-elders"})
    await asyncio.sleep(AFTER_AN_INTERVAL)
    with caplog.at_level(logging.WARNING, logger="portal.accounts"):
        assert refused(await site.http.get("/clients"))
    person = await person_of("sub-elsewhere")
    assert person["roles"] == []
    assert person["organisation.code"] == "ocmw-zottegem"
    assert any("unknown organisation 'ocmw-elders'" in r.getMessage() for r in caplog.records)


async def test_a_move_to_another_organisation_ends_the_session(site: Portal, idp: Provider) -> None:
    await logs_in(site, idp, "sub-mover", SOCIAL_WORKER)
    last_login = (await person_of("sub-mover"))["last_login"]
    await idp.set_user("sub-mover", {**ZOTTEGEM, "org": "pin-vzw", "roles": ["toeleider"]})
    await asyncio.sleep(AFTER_AN_INTERVAL)
    assert refused(await site.http.get("/clients"))
    person = await person_of("sub-mover")
    assert person["organisation.code"] == "pin-vzw", "stored as at a login"
    assert person["roles"] == ["toeleider"]
    assert person["last_login"] == last_login, "a check is no login"

    assert (await site.log_in(idp, "sub-mover")).status_code == 303
    assert await still_in(site.http), "they start again in the new organisation"


async def test_fewer_roles_in_the_same_organisation_apply_without_ending_the_session(
    site: Portal, idp: Provider
) -> None:
    await logs_in(site, idp, "sub-less", {**ZOTTEGEM, "roles": ["social_worker", "coordinator"]})
    await idp.set_user("sub-less", SOCIAL_WORKER)
    await asyncio.sleep(AFTER_AN_INTERVAL)
    assert await still_in(site.http)
    assert (await person_of("sub-less"))["roles"] == ["social_worker"]


async def test_a_revoked_refresh_token_logs_the_person_out(
    site: Portal, idp: Provider, caplog: pytest.LogCaptureFixture
) -> None:
    await logs_in(site, idp, "sub-revoked", SOCIAL_WORKER)
    await idp.revoke_tokens("sub-revoked")
    await asyncio.sleep(AFTER_AN_INTERVAL)
    with caplog.at_level(logging.WARNING, logger="portal.accounts"):
        assert refused(await site.http.get("/clients"))
    assert any("invalid_grant" in record.getMessage() for record in caplog.records)
    assert (await person_of("sub-revoked"))["roles"] == ["social_worker"], "nothing else changed"
    assert refused(await site.http.get("/"), "/")


async def test_a_refresh_token_the_provider_never_issued_logs_the_person_out(
    site: Portal, idp: Provider
) -> None:
    """The session's sealed refresh token is replaced by a made-up one the provider refuses."""
    await logs_in(site, idp, "sub-forged", SOCIAL_WORKER)
    assert site.app is not None
    store = site.app.state.session_store
    key = store_key(site.http.cookies["brug_session"])
    data = SessionData.from_json(await store.get(key))
    assert data is not None and data.sealed_refresh_token and data.person_id is not None
    keys = SessionKeys(site.app.state.settings.secret_key)
    data.sealed_refresh_token = keys.seal("made-up-refresh-token", data.person_id)
    await store.set(key, data.to_json(), expires_in=600)
    await asyncio.sleep(AFTER_AN_INTERVAL)
    assert refused(await site.http.get("/clients"))


# Unchanged -> one refresh per interval ---------------------------------------------------------


@pytest.mark.parametrize("rotating", [False, True], ids=["same-refresh-token", "rotating"])
async def test_an_unchanged_person_keeps_working_with_one_refresh_per_interval(
    site: Portal, idp: Provider, rotating: bool
) -> None:
    """Six parallel requests of one browser at each due check: one refresh, all served. With a
    provider that rotates refresh tokens (a used one is refused), the session must go on with the
    newest one every time, whichever request's copy of the session was written last."""
    idp.faults.rotate_refresh_tokens = rotating
    await logs_in(site, idp, "sub-stays", SOCIAL_WORKER)
    logins = idp.faults.token_requests
    for interval in range(1, 4):
        await asyncio.sleep(AFTER_AN_INTERVAL)
        pages = await asyncio.gather(*(site.http.get("/clients") for _ in range(6)))
        assert [page.status_code for page in pages] == [200] * 6
        assert await still_in(site.http)
        assert idp.faults.token_requests == logins + interval, f"one refresh in interval {interval}"
    assert (await person_of("sub-stays"))["roles"] == ["social_worker"]


async def test_the_store_keeps_the_refresh_token_sealed(site: Portal, idp: Provider) -> None:
    await logs_in(site, idp, "sub-sealed", SOCIAL_WORKER)
    assert site.app is not None
    raw = await site.app.state.session_store.get(store_key(site.http.cookies["brug_session"]))
    data = SessionData.from_json(raw)
    assert data is not None and data.provider_checked is not None
    assert data.sealed_refresh_token and data.sealed_refresh_token.startswith("v1.")
    keys = SessionKeys(site.app.state.settings.secret_key)
    assert keys.unseal(data.sealed_refresh_token, data.person_id)
    assert keys.unseal(data.sealed_refresh_token, (data.person_id or 0) + 1) is None


# A new ID token in the refresh's answer --------------------------------------------------------


async def test_the_claims_of_a_refreshed_id_token_count(site: Portal, idp: Provider) -> None:
    await logs_in(site, idp, "sub-id-token", SOCIAL_WORKER)
    idp.faults.refresh_id_token = {}
    await asyncio.sleep(AFTER_AN_INTERVAL)
    assert await still_in(site.http)
    assert idp.faults.userinfo_requests == 0, "the ID token's claims, no userinfo"
    idp.faults.refresh_id_token = {"roles": ["ex-employee"]}
    await asyncio.sleep(AFTER_AN_INTERVAL)
    assert refused(await site.http.get("/clients"))
    assert idp.faults.userinfo_requests == 0
    assert (await person_of("sub-id-token"))["roles"] == []


@pytest.mark.parametrize(
    ("bad_claims", "log_text"),
    [
        ({"aud": "another-portal"}, "'aud'"),
        ({"iss": "https://evil.example"}, "'iss'"),
        ({"exp": 1_000_000}, "expired"),
        ({"sub": "somebody-else"}, "answered about subject 'somebody-else'"),
    ],
    ids=["audience", "issuer", "expired", "subject"],
)
async def test_a_refreshed_id_token_that_does_not_verify_ends_the_session(
    site: Portal,
    idp: Provider,
    caplog: pytest.LogCaptureFixture,
    bad_claims: dict[str, Any],
    log_text: str,
) -> None:
    await logs_in(site, idp, "sub-bad-token", SOCIAL_WORKER)
    idp.faults.refresh_id_token = bad_claims
    await asyncio.sleep(AFTER_AN_INTERVAL)
    with caplog.at_level(logging.WARNING, logger="portal.accounts"):
        assert refused(await site.http.get("/clients"))
    assert any(log_text in record.getMessage() for record in caplog.records)
    assert (await person_of("sub-bad-token"))["roles"] == ["social_worker"]


# The provider has a hiccup or is gone ----------------------------------------------------------


async def test_a_provider_hiccup_keeps_the_session_and_backs_off(
    site: Portal, idp: Provider, caplog: pytest.LogCaptureFixture
) -> None:
    shorten(site, retry_after=3.0)
    await logs_in(site, idp, "sub-hiccup", SOCIAL_WORKER)
    logins = idp.faults.token_requests
    idp.faults.token_status = 502
    await asyncio.sleep(AFTER_AN_INTERVAL)
    with caplog.at_level(logging.WARNING, logger="portal.accounts"):
        for _ in range(4):
            assert await still_in(site.http)
    assert idp.faults.token_requests == logins + 1, "one try, then the back-off"
    assert any("kept without a check" in record.getMessage() for record in caplog.records)

    await idp.set_user("sub-hiccup", {**ZOTTEGEM, "roles": ["ex-employee"]})
    idp.faults.token_status = None
    assert await still_in(site.http), "still backing off"
    await asyncio.sleep(3.2)
    assert refused(await site.http.get("/clients")), "asked again once the back-off is over"
    assert idp.faults.token_requests == logins + 2


@pytest.fixture
async def lonely_site(
    tmp_path: Path, orgs: dict[str, int]
) -> AsyncIterator[tuple[Portal, Provider]]:
    """A provider of its own, which the test can stop."""
    with provider() as own:
        async with portal(tmp_path, own.issuer) as running:
            shorten(running, retry_after=1.0, limit=6.0)
            yield running, own


async def test_an_unreachable_provider_keeps_the_session_until_the_limit(
    lonely_site: tuple[Portal, Provider], caplog: pytest.LogCaptureFixture
) -> None:
    site, idp = lonely_site
    await logs_in(site, idp, "sub-far", SOCIAL_WORKER)
    idp.stop()
    await asyncio.sleep(AFTER_AN_INTERVAL)
    with caplog.at_level(logging.WARNING, logger="portal.accounts"):
        assert await still_in(site.http), "a check failed, the session goes on"
        await asyncio.sleep(1.5)
        assert await still_in(site.http), "tried again after the back-off, still within the limit"
        await asyncio.sleep(3.0)
        assert refused(await site.http.get("/clients")), "no successful check for > 6 s"
    messages = " ".join(record.getMessage() for record in caplog.records)
    assert "kept without a check" in messages and "no check for" in messages
    assert (await person_of("sub-far"))["roles"] == ["social_worker"]


# Sessions the provider cannot or need not vouch for --------------------------------------------


async def test_development_login_sessions_are_not_rechecked(
    site: Portal, idp: Provider, orgs: dict[str, int]
) -> None:
    await make_person("sw.dev", orgs["ocmw-zottegem"], "social_worker")
    await login(site.http, "sw.dev")
    await asyncio.sleep(AFTER_AN_INTERVAL)
    assert await still_in(site.http)
    assert idp.faults.token_requests == 0


@pytest.fixture
async def site_without_refresh(
    tmp_path: Path, orgs: dict[str, int]
) -> AsyncIterator[tuple[Portal, Provider]]:
    """A provider that issues no refresh tokens (uvicorn sets logging up: start it in a fixture,
    before ``caplog`` is in place)."""
    with provider(issue_refresh_token=False) as own:
        async with portal(tmp_path, own.issuer) as running:
            shorten(running, limit=4.0)
            yield running, own


async def test_a_login_without_refresh_token_lasts_until_the_limit(
    site_without_refresh: tuple[Portal, Provider], caplog: pytest.LogCaptureFixture
) -> None:
    site, idp = site_without_refresh
    with caplog.at_level(logging.WARNING, logger="portal.accounts"):
        await logs_in(site, idp, "sub-no-refresh", SOCIAL_WORKER)
    assert any("no refresh token" in record.getMessage() for record in caplog.records)
    logins = idp.faults.token_requests
    await asyncio.sleep(AFTER_AN_INTERVAL)
    assert await still_in(site.http)
    await asyncio.sleep(2.5)
    assert refused(await site.http.get("/clients"))
    assert idp.faults.token_requests == logins, "nothing to refresh with"

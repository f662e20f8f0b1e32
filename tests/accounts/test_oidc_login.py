"""Logging in through a real OpenID Connect provider, with the portal served over real HTTP."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Iterator
from datetime import timedelta
from pathlib import Path

import pytest

from portal.accounts.tables import Person
from tests.accounts.provider import (
    CLIENT_ID,
    CLIENT_SECRET,
    Portal,
    Provider,
    free_port,
    portal,
    provider,
    query_of,
    stranger_key_set,
    with_query,
)
from tests.conftest import csrf_from
from tests.support.factories import make_org

ZOTTEGEM = {"org": "ocmw-zottegem"}


@pytest.fixture(scope="module")
def shared_idp() -> Iterator[Provider]:
    """One provider for the tests of this module; each test starts it well-behaved."""
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
        "vdab": await make_org("vdab", "vdab", "VDAB"),
        "pin-vzw": await make_org("pin-vzw", "partner", "PIN vzw"),
    }


@pytest.fixture
async def site(tmp_path: Path, idp: Provider, orgs: dict[str, int]) -> AsyncIterator[Portal]:
    async with portal(tmp_path, idp.issuer) as running:
        yield running


async def person_of(sub: str) -> dict | None:
    return (
        await Person.select(
            Person.id,
            Person.display_name,
            Person.email,
            Person.roles,
            Person.organisation.code,
            Person.oidc_issuer,
            Person.last_login,
        )
        .where(Person.oidc_subject == sub)
        .first()
    )


ROLE_CASES = [
    ("social_worker", "ocmw-zottegem", "/clients"),
    ("mediator", "vdab", "/clients"),
    ("toeleider", "pin-vzw", "/clients"),
    ("coordinator", "ocmw-zottegem", "/who-sees-what"),
    ("admin", "ocmw-zottegem", "/who-sees-what"),
]


@pytest.mark.parametrize(("role", "org", "reachable"), ROLE_CASES)
async def test_each_role_logs_in_and_lands_where_it_asked(
    site: Portal, idp: Provider, role: str, org: str, reachable: str
) -> None:
    await idp.set_user(
        f"sub-{role}",
        {"name": f"Test {role}", "email": f"{role}@example.org", "roles": [role], "org": org},
    )
    authorize_url = await site.start_login(next_path=reachable)
    params = query_of(authorize_url)
    assert params["code_challenge_method"] == "S256"
    assert params["client_id"] == CLIENT_ID
    assert params["redirect_uri"] == f"{site.url}/auth/callback"
    assert {"state", "nonce", "code_challenge"} <= params.keys()
    assert params["scope"] == "openid profile email"

    landed = await site.http.get(await idp.authorize(authorize_url, f"sub-{role}"))
    assert landed.status_code == 303, landed.text
    assert landed.headers["location"] == reachable
    page = await site.http.get(reachable)
    assert page.status_code == 200
    assert f"Test {role}" in page.text

    person = await person_of(f"sub-{role}")
    assert person is not None
    assert person["roles"] == [role]
    assert person["organisation.code"] == org
    assert person["oidc_issuer"] == idp.issuer
    assert person["email"] == f"{role}@example.org"
    assert person["last_login"] is not None


async def log_in_as(site: Portal, idp: Provider, sub: str, claims: dict) -> object:
    await idp.set_user(sub, claims)
    return await site.log_in(idp, sub)


async def logged_in(site: Portal) -> bool:
    home = await site.http.get("/")
    return home.status_code == 200


MAPPING_CASES = [
    pytest.param({}, {"roles": ["social_worker"], **ZOTTEGEM}, ["social_worker"], id="list"),
    pytest.param(
        {},
        {"roles": "social_worker coordinator", **ZOTTEGEM},
        ["social_worker", "coordinator"],
        id="string",
    ),
    pytest.param(
        {
            "PORTAL_OIDC_ROLE_CLAIM": "realm_access.roles",
            "PORTAL_OIDC_ROLE_MAP": "ocmw-mw=social_worker,ocmw-coord=coordinator",
        },
        {"realm_access": {"roles": ["offline_access", "ocmw-coord", "ocmw-mw"]}, **ZOTTEGEM},
        ["coordinator", "social_worker"],
        id="dotted-path-and-map",
    ),
    pytest.param(
        {"PORTAL_OIDC_ROLE_MAP": "ocmw-mw=social_worker"},
        {"roles": ["admin", "ocmw-mw"], **ZOTTEGEM},
        ["social_worker"],
        id="map-ignores-unmapped-code-names",
    ),
    pytest.param(
        {"PORTAL_OIDC_ORG_CLAIM": "https://brug.example/org"},
        {"roles": ["mediator"], "https://brug.example/org": "vdab"},
        ["mediator"],
        id="org-claim-with-dots-in-its-name",
    ),
    pytest.param(
        {},
        {"roles": ["social_worker", "mediator", "toeleider"], **ZOTTEGEM},
        ["social_worker"],
        id="roles-must-fit-org-kind",
    ),
]


@pytest.mark.parametrize(("env", "claims", "expected"), MAPPING_CASES)
async def test_roles_and_organisation_come_from_the_claims(
    tmp_path: Path,
    idp: Provider,
    orgs: dict[str, int],
    env: dict,
    claims: dict,
    expected: list[str],
) -> None:
    async with portal(tmp_path, idp.issuer, **env) as site:
        landed = await log_in_as(site, idp, "sub-mapped", {"name": "Mapped", **claims})
        assert landed.status_code == 303, landed.text
        assert await logged_in(site)
    person = await person_of("sub-mapped")
    assert person is not None
    assert person["roles"] == expected


async def test_the_same_person_is_refreshed_at_every_login(site: Portal, idp: Provider) -> None:
    claims = {"name": "Els Vermeulen", "email": "els@example.org", **ZOTTEGEM}
    await log_in_as(site, idp, "sub-els", {**claims, "roles": ["social_worker", "coordinator"]})
    first = await person_of("sub-els")
    assert first is not None and first["roles"] == ["social_worker", "coordinator"]

    site.http.cookies.clear()
    landed = await log_in_as(
        site,
        idp,
        "sub-els",
        {**claims, "name": "Els Vermeulen-De Smet", "roles": ["social_worker"]},
    )
    assert landed.status_code == 303
    second = await person_of("sub-els")
    assert second is not None
    assert second["id"] == first["id"]
    assert second["roles"] == ["social_worker"]
    assert second["display_name"] == "Els Vermeulen-De Smet"
    assert await Person.count().where(Person.oidc_subject == "sub-els") == 1


async def test_a_role_withdrawn_at_the_provider_is_gone_at_the_next_login(
    site: Portal, idp: Provider, caplog: pytest.LogCaptureFixture
) -> None:
    claims = {"name": "Jan", **ZOTTEGEM}
    await log_in_as(site, idp, "sub-jan", {**claims, "roles": ["social_worker"]})
    site.http.cookies.clear()
    with caplog.at_level(logging.WARNING, logger="portal.accounts"):
        refused = await log_in_as(site, idp, "sub-jan", {**claims, "roles": ["ex-employee"]})
    assert refused.status_code == 403
    assert "Geen toegang" in refused.text
    assert "geen rol in Brug" in refused.text
    assert not await logged_in(site)
    person = await person_of("sub-jan")
    assert person is not None and person["roles"] == []
    assert any("no portal role" in record.getMessage() for record in caplog.records)


@pytest.mark.parametrize(
    ("claims", "text", "log_text"),
    [
        ({"roles": ["nonsense"], **ZOTTEGEM}, "geen rol in Brug", "no portal role"),
        ({"roles": []}, "organisatie is niet gekend", "unknown organisation"),
        (
            {"roles": ["social_worker"], "org": "ocmw-elders"},
            "organisatie is niet gekend",
            "unknown organisation",
        ),
    ],
    ids=["no-known-role", "no-org-claim", "unknown-org"],
)
async def test_a_person_without_role_or_known_organisation_gets_no_access(
    site: Portal,
    idp: Provider,
    caplog: pytest.LogCaptureFixture,
    claims: dict,
    text: str,
    log_text: str,
) -> None:
    with caplog.at_level(logging.WARNING, logger="portal.accounts"):
        refused = await log_in_as(site, idp, "sub-stranger", {"name": "Stranger", **claims})
    assert refused.status_code == 403
    assert "Geen toegang" in refused.text
    assert text in refused.text
    assert "Traceback" not in refused.text
    assert not await logged_in(site)
    assert await person_of("sub-stranger") is None
    assert any(log_text in record.getMessage() for record in caplog.records)


async def test_a_deactivated_person_gets_no_access(
    site: Portal, idp: Provider, caplog: pytest.LogCaptureFixture
) -> None:
    claims = {"name": "Former", "roles": ["social_worker"], **ZOTTEGEM}
    assert (await log_in_as(site, idp, "sub-former", claims)).status_code == 303
    await Person.update({Person.active: False}).where(Person.oidc_subject == "sub-former")
    site.http.cookies.clear()
    with caplog.at_level(logging.WARNING, logger="portal.accounts"):
        refused = await log_in_as(site, idp, "sub-former", claims)
    assert refused.status_code == 403
    assert "uitgeschakeld" in refused.text
    assert not await logged_in(site)
    assert any("deactivated" in record.getMessage() for record in caplog.records)


async def test_the_session_id_changes_at_login(site: Portal, idp: Provider) -> None:
    await idp.set_user("sub-rot", {"name": "Rot", "roles": ["social_worker"], **ZOTTEGEM})
    authorize_url = await site.start_login()
    before = site.http.cookies.get("brug_session")
    assert before, "the pending login lives in a server-side session"
    landed = await site.http.get(await idp.authorize(authorize_url, "sub-rot"))
    assert landed.status_code == 303
    after = site.http.cookies.get("brug_session")
    assert after and after != before
    assert await logged_in(site)

    site.http.cookies.clear()
    site.http.cookies.set("brug_session", before)
    assert not await logged_in(site), "the pre-login session id must not carry the login"


async def test_logout_ends_the_session_here_and_at_the_provider(
    site: Portal, idp: Provider
) -> None:
    await log_in_as(site, idp, "sub-out", {"name": "Out", "roles": ["social_worker"], **ZOTTEGEM})
    home = await site.http.get("/")
    assert f"form-action 'self' {idp.issuer};" in home.headers["content-security-policy"]
    response = await site.http.post("/auth/logout", data={"csrf_token": csrf_from(home.text)})
    assert response.status_code == 303
    end_session = response.headers["location"]
    assert end_session.startswith(f"{idp.issuer}/oauth2/end_session?")
    params = query_of(end_session)
    assert params["post_logout_redirect_uri"] == site.url
    assert params["client_id"] == CLIENT_ID
    assert params["id_token_hint"].count(".") == 2
    assert not await logged_in(site)
    assert await idp.end_session(end_session) == site.url


async def test_logout_needs_the_csrf_token(site: Portal, idp: Provider) -> None:
    await log_in_as(site, idp, "sub-csrf", {"name": "Csrf", "roles": ["social_worker"], **ZOTTEGEM})
    assert (await site.http.post("/auth/logout")).status_code == 403
    assert await logged_in(site)


# Refusals: each answered with a clear page, logged, and no session.


async def test_a_callback_without_state_is_refused(site: Portal) -> None:
    response = await site.http.get("/auth/callback", params={"code": "anything"})
    assert response.status_code == 400
    assert "niet meer geldig" in response.text


async def test_a_forged_state_is_refused(site: Portal, idp: Provider) -> None:
    await idp.set_user("sub-forge", {"roles": ["social_worker"], **ZOTTEGEM})
    callback = await idp.authorize(await site.start_login(), "sub-forge")
    forged = await site.http.get(with_query(callback, state="made-up-by-an-attacker"))
    assert forged.status_code == 400
    assert not await logged_in(site)


async def test_a_replayed_callback_is_refused(site: Portal, idp: Provider) -> None:
    await idp.set_user("sub-replay", {"roles": ["social_worker"], **ZOTTEGEM})
    callback = await idp.authorize(await site.start_login(), "sub-replay")
    assert (await site.http.get(callback)).status_code == 303
    site.http.cookies.clear()
    assert (await site.http.get(callback)).status_code == 400
    assert not await logged_in(site)


async def test_a_callback_from_another_browser_is_refused(site: Portal, idp: Provider) -> None:
    """A login started in one browser cannot be finished in another (login CSRF)."""
    await idp.set_user("sub-victim", {"roles": ["social_worker"], **ZOTTEGEM})
    callback = await idp.authorize(await site.start_login(), "sub-victim")
    site.http.cookies.clear()
    assert (await site.http.get(callback)).status_code == 400
    assert not await logged_in(site)


async def test_a_callback_naming_another_issuer_is_refused(site: Portal, idp: Provider) -> None:
    """RFC 9207: a provider may name itself in the callback; another name means a mix-up."""
    await idp.set_user("sub-mixup", {"roles": ["social_worker"], **ZOTTEGEM})
    callback = await idp.authorize(await site.start_login(), "sub-mixup")
    response = await site.http.get(with_query(callback, iss="https://evil.example"))
    assert response.status_code == 400
    assert idp.faults.token_requests == 0, "the code was not even exchanged"
    assert not await logged_in(site)


async def test_access_denied_at_the_provider_is_explained(
    site: Portal, idp: Provider, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING, logger="portal.accounts"):
        callback = await idp.deny(await site.start_login())
        response = await site.http.get(callback)
    assert response.status_code == 403
    assert "geannuleerd" in response.text
    assert not await logged_in(site)
    assert any("access_denied" in record.getMessage() for record in caplog.records)


async def test_a_code_injected_into_another_login_fails_the_nonce(
    site: Portal, idp: Provider, caplog: pytest.LogCaptureFixture
) -> None:
    """An attacker finishes their own login with a code issued for the victim's login.

    This provider does not enforce PKCE, so the code exchange succeeds; the ID token then carries
    the victim's nonce and is refused.
    """
    await idp.set_user("sub-victim", {"roles": ["social_worker"], **ZOTTEGEM})
    victim_code = query_of(await idp.authorize(await site.start_login(), "sub-victim"))["code"]
    site.http.cookies.clear()
    attacker_callback = await idp.authorize(await site.start_login(), "sub-victim")
    with caplog.at_level(logging.WARNING, logger="portal.accounts"):
        response = await site.http.get(with_query(attacker_callback, code=victim_code))
    assert response.status_code == 400
    assert "kon niet worden gecontroleerd" in response.text
    assert not await logged_in(site)
    assert any("nonce" in record.getMessage() for record in caplog.records)


async def rejected_login(site: Portal, idp: Provider, caplog: pytest.LogCaptureFixture) -> str:
    await idp.set_user("sub-bad", {"roles": ["social_worker"], **ZOTTEGEM})
    with caplog.at_level(logging.WARNING, logger="portal.accounts"):
        response = await site.log_in(idp, "sub-bad")
    assert response.status_code == 400, response.text
    assert "kon niet worden gecontroleerd" in response.text
    assert not await logged_in(site)
    assert await person_of("sub-bad") is None
    return " ".join(record.getMessage() for record in caplog.records)


async def test_an_id_token_from_another_issuer_is_refused(
    site: Portal, idp: Provider, caplog: pytest.LogCaptureFixture
) -> None:
    idp.faults.token_host = idp.issuer.removeprefix("http://").replace("localhost", "127.0.0.1")
    assert "'iss'" in await rejected_login(site, idp, caplog)


async def test_an_id_token_for_another_client_is_refused(
    site: Portal, idp: Provider, caplog: pytest.LogCaptureFixture
) -> None:
    idp.faults.token_client = "some-other-portal"
    assert "'aud'" in await rejected_login(site, idp, caplog)


@pytest.fixture
async def stale_site(
    tmp_path: Path, orgs: dict[str, int]
) -> AsyncIterator[tuple[Portal, Provider]]:
    """A provider whose ID tokens expired five minutes before they were issued."""
    with provider(token_max_age=timedelta(minutes=-5)) as stale:
        async with portal(tmp_path, stale.issuer) as site:
            yield site, stale


async def test_an_expired_id_token_is_refused(
    stale_site: tuple[Portal, Provider], caplog: pytest.LogCaptureFixture
) -> None:
    assert "expired" in await rejected_login(*stale_site, caplog)


async def test_an_id_token_signed_with_an_unknown_key_is_refused(
    site: Portal, idp: Provider, caplog: pytest.LogCaptureFixture
) -> None:
    idp.faults.jwks_answers = [stranger_key_set(), stranger_key_set()]
    assert "not signed with a key the provider publishes" in await rejected_login(site, idp, caplog)
    assert idp.faults.jwks_requests == 2, "one fetch, then exactly one refetch for the unknown key"


async def test_a_rotated_signing_key_is_fetched_once(site: Portal, idp: Provider) -> None:
    """The cached key set lacks the provider's new key: the portal fetches the set again, once."""
    idp.faults.jwks_answers = [stranger_key_set()]
    landed = await log_in_as(site, idp, "sub-rotated", {"roles": ["social_worker"], **ZOTTEGEM})
    assert landed.status_code == 303
    assert idp.faults.jwks_requests == 2
    site.http.cookies.clear()
    assert (await site.log_in(idp, "sub-rotated")).status_code == 303
    assert idp.faults.jwks_requests == 2, "the key set is cached between logins"


@pytest.fixture
async def site_without_provider(tmp_path: Path) -> AsyncIterator[Portal]:
    async with portal(tmp_path, f"http://127.0.0.1:{free_port()}") as site:
        yield site


async def test_an_unreachable_provider_gets_a_friendly_page(
    site_without_provider: Portal, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.ERROR, logger="portal.accounts"):
        response = await site_without_provider.http.get("/auth/login", params={"via": "oidc"})
    assert response.status_code == 503
    assert "Aanmelden lukt nu niet" in response.text
    assert "Traceback" not in response.text
    assert any("could not start" in record.getMessage() for record in caplog.records)


async def test_development_offers_both_logins(site: Portal) -> None:
    page = await site.http.get("/auth/login", params={"next": "/clients"})
    assert page.status_code == 200
    assert 'href="/auth/login?via=oidc&amp;next=/clients"' in page.text
    assert 'href="/auth/dev-login?next=/clients"' in page.text
    assert "Aanmelden met het account van je organisatie" in page.text


async def test_only_local_paths_are_followed_after_login(site: Portal, idp: Provider) -> None:
    await idp.set_user("sub-next", {"roles": ["social_worker"], **ZOTTEGEM})
    authorize_url = await site.start_login(next_path="https://evil.example/steal")
    landed = await site.http.get(await idp.authorize(authorize_url, "sub-next"))
    assert landed.status_code == 303
    assert landed.headers["location"] == "/"


async def test_portal_check_reaches_the_provider(tmp_path: Path, idp: Provider) -> None:
    from portal.cli import _check
    from portal.settings import ConfigError
    from tests.conftest import make_settings

    oidc = {"PORTAL_OIDC_CLIENT_ID": CLIENT_ID, "PORTAL_OIDC_CLIENT_SECRET": CLIENT_SECRET}
    (tmp_path / "var" / "documents").mkdir(parents=True)
    await _check(make_settings(tmp_path, PORTAL_OIDC_ISSUER=idp.issuer, **oidc))
    assert idp.faults.jwks_requests == 1
    dead = make_settings(tmp_path, PORTAL_OIDC_ISSUER=f"http://127.0.0.1:{free_port()}", **oidc)
    with pytest.raises(ConfigError) as raised:
        await _check(dead)
    assert raised.value.variable == "PORTAL_OIDC_ISSUER"


async def test_admins_see_how_the_provider_decides_roles(tmp_path: Path, idp: Provider) -> None:
    from tests.conftest import login
    from tests.support.factories import make_person

    org = await make_org("ocmw-zottegem", "ocmw", "OCMW Zottegem")
    await make_person("admin", org, "admin")
    env = {
        "PORTAL_OIDC_ROLE_CLAIM": "realm_access.roles",
        "PORTAL_OIDC_ROLE_MAP": "ocmw-mw=social_worker,brug-beheer=admin",
    }
    async with portal(tmp_path, idp.issuer, **env) as site:
        await login(site.http, "admin")
        page = await site.http.get("/admin/people")
    assert page.status_code == 200
    assert f"<code>{idp.issuer}</code>" in page.text
    assert "<code>realm_access.roles</code>" in page.text and "<code>org</code>" in page.text
    assert "<tr><td><code>ocmw-mw</code></td><td>maatschappelijk werker</td></tr>" in page.text
    assert CLIENT_SECRET not in page.text

"""PKCE, against a provider that enforces it (the npm package ``oidc-provider``, see node_provider)."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from portal.accounts.tables import Person
from tests.accounts.node_provider import NodeProvider, complete_authorization, node_provider
from tests.accounts.provider import (
    CLIENT_ID,
    CLIENT_SECRET,
    Portal,
    free_port,
    portal,
    query_of,
    with_query,
)
from tests.support.factories import make_org

pytestmark = pytest.mark.slow  # starts a Node process


@pytest.fixture
async def pkce_site(tmp_path: Path) -> AsyncIterator[tuple[NodeProvider, Portal]]:
    await make_org("ocmw-zottegem", "ocmw", "OCMW Zottegem")
    port = free_port()
    base_url = f"http://127.0.0.1:{port}"
    with node_provider(
        client_id=CLIENT_ID,
        client_secret=CLIENT_SECRET,
        redirect_uri=f"{base_url}/auth/callback",
        post_logout_redirect_uri=base_url,
    ) as idp:
        async with portal(tmp_path, idp.issuer, port=port) as site:
            yield idp, site


async def test_a_stolen_code_fails_pkce_in_another_login(
    pkce_site: tuple[NodeProvider, Portal], caplog: pytest.LogCaptureFixture
) -> None:
    """An attacker finishes their own login with a code issued for the victim's login.

    The provider refuses to exchange it: the code was bound to the victim's PKCE challenge, and the
    portal sends the verifier of the attacker's login. A normal login through the same provider
    shows the portal's own challenge and verifier are right.
    """
    idp, site = pkce_site
    idp.set_user(
        "sub-victim", {"name": "Victim", "roles": ["social_worker"], "org": "ocmw-zottegem"}
    )
    idp.next_login("sub-victim")
    async with httpx.AsyncClient() as victim_at_idp:
        fine = await complete_authorization(victim_at_idp, await site.start_login())
        assert (await site.http.get(fine)).status_code == 303
        assert (await site.http.get("/")).status_code == 200

        site.http.cookies.clear()
        stolen = query_of(await complete_authorization(victim_at_idp, await site.start_login()))[
            "code"
        ]

    async with httpx.AsyncClient(base_url=site.url) as attacker:
        started = await attacker.get("/auth/login", params={"via": "oidc"})
        async with httpx.AsyncClient() as attacker_at_idp:
            own = await complete_authorization(attacker_at_idp, started.headers["location"])
        with caplog.at_level(logging.WARNING, logger="portal.accounts"):
            response = await attacker.get(with_query(own, code=stolen))
        assert response.status_code == 400
        assert "kon niet worden gecontroleerd" in response.text
        assert (await attacker.get("/")).status_code == 303

    idp.wait_for_output("code_verifier does not match code_challenge")
    assert "invalid_grant" in " ".join(record.getMessage() for record in caplog.records)
    assert await Person.count().where(Person.oidc_subject == "sub-victim") == 1

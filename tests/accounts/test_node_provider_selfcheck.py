"""The Node OpenID Provider (tests/accounts/node_provider.py) on its own, without the portal.

It must really enforce PKCE: a code exchanged with the right ``code_verifier`` gives an ID token
carrying the account's claims, a code exchanged with a wrong one is refused with ``invalid_grant``.
"""

from __future__ import annotations

import secrets
import warnings
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import httpx
import pytest
from authlib.deprecate import AuthlibDeprecationWarning
from joserfc import jwt
from joserfc.jwk import KeySet

from tests.accounts.node_provider import (
    NodeProvider,
    complete_authorization,
    complete_logout,
    installed,
    node_provider,
    not_installed_message,
)

# Authlib 1.9 warns at import of its httpx integration when the ``httpx2`` package is missing
# (it then falls back to plain httpx). That notice is about packaging, not about this check.
with warnings.catch_warnings():
    warnings.filterwarnings("ignore", category=AuthlibDeprecationWarning)
    from authlib.integrations.base_client import OAuthError
    from authlib.integrations.httpx_client import AsyncOAuth2Client

pytestmark = pytest.mark.slow  # starts a Node process

CLIENT_ID = "portal-selfcheck"
CLIENT_SECRET = "selfcheck-secret"
# Nothing listens there: the flow stops at the redirect to it.
REDIRECT_URI = "http://127.0.0.1:9/auth/callback"
POST_LOGOUT_REDIRECT_URI = "http://127.0.0.1:9/logged-out"
SCOPE = "openid profile email"
ALICE = "alice-0001"
ALICE_CLAIMS = {
    "name": "Test",
    "email": "t@example.org",
    "roles": ["ocmw-mw"],
    "org": "ocmw-zottegem",
}


@dataclass
class Session:
    """A running provider, its metadata and key set, and a browser-like client with cookies."""

    op: NodeProvider
    metadata: dict[str, Any]
    keys: KeySet
    browser: httpx.AsyncClient

    def oauth(self) -> AsyncOAuth2Client:
        return AsyncOAuth2Client(
            client_id=CLIENT_ID,
            client_secret=CLIENT_SECRET,
            token_endpoint_auth_method="client_secret_basic",
            scope=SCOPE,
            redirect_uri=REDIRECT_URI,
            # Authlib derives code_challenge from code_verifier only when the client says S256.
            code_challenge_method="S256",
            trust_env=False,
            timeout=10,
        )

    async def authorize(self, oauth: AsyncOAuth2Client, **extra: str) -> Authorization:
        verifier = secrets.token_urlsafe(48)
        nonce = secrets.token_urlsafe(16)
        state = secrets.token_urlsafe(16)
        url, _ = oauth.create_authorization_url(
            self.metadata["authorization_endpoint"],
            state=state,
            code_verifier=verifier,
            nonce=nonce,
            **extra,
        )
        assert "code_challenge=" in url and "code_challenge_method=S256" in url
        callback = await complete_authorization(self.browser, url)
        assert callback.startswith(REDIRECT_URI + "?"), callback
        params = {key: values[0] for key, values in parse_qs(urlsplit(callback).query).items()}
        assert "error" not in params, params
        assert params["state"] == state
        assert params["iss"] == self.op.issuer
        return Authorization(callback, params["code"], state, verifier, nonce)

    async def exchange(
        self, oauth: AsyncOAuth2Client, authorization: Authorization, verifier: str
    ) -> dict[str, Any]:
        return await oauth.fetch_token(
            self.metadata["token_endpoint"],
            authorization_response=authorization.callback,
            state=authorization.state,
            code_verifier=verifier,
        )

    def id_token_claims(self, token: dict[str, Any], nonce: str) -> dict[str, Any]:
        decoded = jwt.decode(token["id_token"], self.keys, algorithms=["RS256"])
        jwt.JWTClaimsRegistry(
            iss={"essential": True, "value": self.op.issuer},
            aud={"essential": True, "value": CLIENT_ID},
            nonce={"essential": True, "value": nonce},
            exp={"essential": True},
        ).validate(decoded.claims)
        return decoded.claims


@dataclass
class Authorization:
    callback: str
    code: str
    state: str
    verifier: str
    nonce: str


@pytest.fixture(scope="module")
def shared_op() -> Iterator[NodeProvider]:
    """One Node provider process for this module's checks."""
    if not installed():
        pytest.fail(not_installed_message(), pytrace=False)
    with node_provider(
        client_id=CLIENT_ID,
        client_secret=CLIENT_SECRET,
        redirect_uri=REDIRECT_URI,
        post_logout_redirect_uri=POST_LOGOUT_REDIRECT_URI,
    ) as op:
        yield op


@pytest.fixture
def op(shared_op: NodeProvider) -> NodeProvider:
    shared_op.forget_output()
    return shared_op


@asynccontextmanager
async def provider_session(op: NodeProvider) -> AsyncIterator[Session]:
    op.set_user(ALICE, ALICE_CLAIMS)
    op.next_login(ALICE)
    async with httpx.AsyncClient(follow_redirects=False, trust_env=False, timeout=10) as http:
        metadata = (await http.get(op.discovery_url)).raise_for_status().json()
        assert metadata["issuer"] == op.issuer
        assert metadata["code_challenge_methods_supported"] == ["S256"]
        jwks = (await http.get(metadata["jwks_uri"])).raise_for_status().json()
        yield Session(op, metadata, KeySet.import_key_set(jwks), http)


async def test_code_with_the_right_verifier_gives_an_id_token_with_the_claims(
    op: NodeProvider,
) -> None:
    async with provider_session(op) as session, session.oauth() as oauth:
        authorization = await session.authorize(oauth)
        token = await session.exchange(oauth, authorization, authorization.verifier)

        claims = session.id_token_claims(token, authorization.nonce)
        assert claims["sub"] == ALICE
        assert claims["name"] == "Test"
        assert claims["email"] == "t@example.org"
        assert claims["roles"] == ["ocmw-mw"]
        assert claims["org"] == "ocmw-zottegem"
        assert claims["nonce"] == authorization.nonce


async def test_code_with_a_wrong_verifier_is_refused(op: NodeProvider) -> None:
    async with provider_session(op) as session, session.oauth() as oauth:
        first = await session.authorize(oauth)
        await session.exchange(oauth, first, first.verifier)

        # A second authorization (the provider session is reused: no login prompt).
        second = await session.authorize(oauth)
        wrong = secrets.token_urlsafe(48)
        assert wrong != second.verifier
        with pytest.raises(OAuthError) as refused:
            await session.exchange(oauth, second, wrong)
        assert refused.value.error == "invalid_grant"
        # ... and for that reason, not another one (the provider logs why it refused).
        session.op.wait_for_output("invalid_grant: code_verifier does not match code_challenge")


async def test_an_authorization_request_without_pkce_is_refused(op: NodeProvider) -> None:
    async with provider_session(op) as session:
        query = urlencode(
            {
                "client_id": CLIENT_ID,
                "response_type": "code",
                "redirect_uri": REDIRECT_URI,
                "scope": SCOPE,
                "state": "no-pkce",
            }
        )
        callback = await complete_authorization(
            session.browser, f"{session.metadata['authorization_endpoint']}?{query}"
        )
        params = parse_qs(urlsplit(callback).query)
        assert params["error"] == ["invalid_request"]
        assert "PKCE" in params["error_description"][0]
        assert params["state"] == ["no-pkce"]


async def test_a_second_login_with_prompt_login_and_consent_signs_in_the_next_subject(
    op: NodeProvider,
) -> None:
    async with provider_session(op) as session, session.oauth() as oauth:
        first = await session.authorize(oauth)
        first_claims = session.id_token_claims(
            await session.exchange(oauth, first, first.verifier), first.nonce
        )
        assert first_claims["sub"] == ALICE

        session.op.set_user("bob-0002", {"name": "Bob", "roles": [], "org": "ocmw-gent"})
        session.op.next_login("bob-0002")
        second = await session.authorize(oauth, prompt="login consent")
        claims = session.id_token_claims(
            await session.exchange(oauth, second, second.verifier), second.nonce
        )
        assert claims["sub"] == "bob-0002"
        assert claims["org"] == "ocmw-gent"
        assert claims["roles"] == []


async def test_logout_returns_to_the_post_logout_redirect_uri(op: NodeProvider) -> None:
    async with provider_session(op) as session, session.oauth() as oauth:
        authorization = await session.authorize(oauth)
        token = await session.exchange(oauth, authorization, authorization.verifier)
        query = urlencode(
            {
                "id_token_hint": token["id_token"],
                "post_logout_redirect_uri": POST_LOGOUT_REDIRECT_URI,
                "state": "bye",
            }
        )
        url = await complete_logout(
            session.browser, f"{session.metadata['end_session_endpoint']}?{query}"
        )
        assert url == f"{POST_LOGOUT_REDIRECT_URI}?state=bye"

        # The provider session is gone: the next authorization needs a login again.
        await session.authorize(oauth)
        session.op.wait_for_output(f"login {ALICE} (", count=2)
        assert session.op.output.count(f"login {ALICE} (") == 2

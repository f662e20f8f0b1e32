"""A real OpenID Connect provider for the login tests, and the portal served over real HTTP.

The provider is ``oidc-provider-mock`` (discovery, JWKS, authorize, token, end session), served by
werkzeug on a loopback port in a thread of its own. ``Faults`` sits in front of it as WSGI middleware
and can make the provider misbehave the way a broken or hostile one would: name another issuer,
issue the token for another client, publish a key set that lacks its signing key, answer the token
endpoint with an error page, or (what the mock never does) put an ID token into the answer to a
refresh or rotate refresh tokens. The portal's side (Authlib, joserfc, the session) is never touched.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import dataclasses
import json
import secrets
import threading
import time
import warnings
from collections.abc import AsyncIterator, Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit, urlunsplit

import flask
import httpx
import uvicorn
import werkzeug.serving
from authlib.deprecate import AuthlibDeprecationWarning
from joserfc import jwt
from joserfc.jwk import KeySet, RSAKey
from litestar import Litestar

from portal.app import create_app
from portal.testing.processes import free_port
from tests.conftest import make_settings

with warnings.catch_warnings():
    warnings.filterwarnings(
        "ignore", "authlib.jose module is deprecated", AuthlibDeprecationWarning
    )
    import oidc_provider_mock

CLIENT_ID = "brug-portal"
CLIENT_SECRET = "brug-secret-for-tests"


def stranger_key_set() -> dict[str, Any]:
    """The public half of a key the provider never signs with."""
    key = RSAKey.generate_key(2048, auto_kid=True)
    return KeySet([key]).as_dict(private=False)


@dataclass
class Faults:
    """How the provider misbehaves; the defaults make it behave."""

    token_host: str | None = None
    token_client: str | None = None
    jwks_answers: list[dict[str, Any]] = field(default_factory=list)
    token_status: int | None = None
    """Answer every token request with this HTTP status and an HTML page (a gateway's error)."""
    refresh_id_token: dict[str, Any] | None = None
    """Put an ID token into each answer to a refresh, with these claims over the right ones."""
    rotate_refresh_tokens: bool = False
    """Answer each refresh with a new refresh token and forget the one used."""
    jwks_requests: int = 0
    token_requests: int = 0
    userinfo_requests: int = 0

    def reset(self) -> None:
        """Behave again (a provider shared by several tests starts each test well-behaved)."""
        self.token_host = self.token_client = None
        self.jwks_answers.clear()
        self.token_status = self.refresh_id_token = None
        self.rotate_refresh_tokens = False
        self.jwks_requests = self.token_requests = self.userinfo_requests = 0

    def wrap(self, app: Callable[..., Iterable[bytes]]) -> Callable[..., Iterable[bytes]]:
        def middleware(environ: dict[str, Any], start_response: Callable[..., Any]):
            path = environ.get("PATH_INFO", "")
            if path == "/jwks":
                self.jwks_requests += 1
                if self.jwks_answers:
                    return _json(start_response, self.jwks_answers.pop(0))
            if path == "/oauth2/authorize" and self.token_client:
                environ["QUERY_STRING"] = _replace_query(
                    environ.get("QUERY_STRING", ""), client_id=self.token_client
                )
            if path == "/userinfo":
                self.userinfo_requests += 1
            if path == "/oauth2/token":
                self.token_requests += 1
                if self.token_status:
                    start_response(
                        f"{self.token_status} Unavailable", [("Content-Type", "text/html")]
                    )
                    return [b"<html><body>Bad gateway</body></html>"]
                if self.token_host:
                    environ["HTTP_HOST"] = self.token_host
                if self.token_client:
                    credentials = f"{self.token_client}:{CLIENT_SECRET}".encode()
                    environ["HTTP_AUTHORIZATION"] = (
                        "Basic " + base64.b64encode(credentials).decode()
                    )
            return app(environ, start_response)

        return middleware

    def after_refresh(self, response: flask.Response) -> flask.Response:
        """(Flask ``after_request``) what the mock never does in the answer to a refresh: add an
        ID token (``refresh_id_token``), signed with its own key, for the person the refresh token
        belongs to; rotate the refresh token (``rotate_refresh_tokens``): a new one in the answer,
        and the one used is forgotten, so that using it again is ``invalid_grant``."""
        request = flask.request
        if (
            (self.refresh_id_token is None and not self.rotate_refresh_tokens)
            or request.path != "/oauth2/token"
            or request.form.get("grant_type") != "refresh_token"
            or response.status_code != 200
        ):
            return response
        storage = flask.g.oidc_provider_mock_storage
        refresh = storage.get_refresh_token(request.form["refresh_token"])
        answer = response.get_json()
        if self.rotate_refresh_tokens:
            storage.remove_refresh_token(refresh.token)
            rotated = dataclasses.replace(
                refresh, token=secrets.token_urlsafe(32), access_token=answer["access_token"]
            )
            storage.store_refresh_token(rotated)
            answer["refresh_token"] = rotated.token
        if self.refresh_id_token is not None:
            user = storage.get_user(refresh.user_id)
            now = int(time.time())
            claims = {
                **user.claims,
                "iss": request.host_url.rstrip("/"),
                "sub": user.sub,
                "aud": refresh.client_id,
                "iat": now,
                "exp": now + 300,
                **self.refresh_id_token,
            }
            private = storage.jwk.as_dict(is_private=True)
            header = {"alg": "RS256", **({"kid": private["kid"]} if private.get("kid") else {})}
            answer["id_token"] = jwt.encode(header, claims, RSAKey.import_key(private))
        response.set_data(json.dumps(answer))
        return response


def _json(start_response: Callable[..., Any], document: dict[str, Any]) -> list[bytes]:
    body = json.dumps(document).encode()
    start_response("200 OK", [("Content-Type", "application/json")])
    return [body]


def _replace_query(query: str, **values: str) -> str:
    params = parse_qs(query, keep_blank_values=True)
    for key, value in values.items():
        params[key] = [value]
    return urlencode(params, doseq=True)


@dataclass
class Provider:
    issuer: str
    faults: Faults
    server: werkzeug.serving.BaseWSGIServer | None = None

    async def set_user(self, sub: str, claims: dict[str, Any]) -> None:
        async with httpx.AsyncClient() as http:
            response = await http.put(f"{self.issuer}/users/{sub}", json=claims)
            assert response.status_code == 204, response.text

    async def authorize(self, authorize_url: str, sub: str) -> str:
        """The person ``sub`` logs in at the provider; returns where it sends the browser back."""
        return await self._answer(authorize_url, {"sub": sub})

    async def deny(self, authorize_url: str) -> str:
        return await self._answer(authorize_url, {"action": "deny"})

    async def _answer(self, authorize_url: str, form: dict[str, str]) -> str:
        assert authorize_url.startswith(self.issuer + "/oauth2/authorize?"), authorize_url
        async with httpx.AsyncClient() as http:
            response = await http.post(authorize_url, data=form)
        assert response.status_code == 302, response.text
        return response.headers["location"]

    async def revoke_tokens(self, sub: str) -> None:
        """The provider forgets every token of ``sub`` (their session there is gone)."""
        async with httpx.AsyncClient() as http:
            response = await http.post(f"{self.issuer}/users/{sub}/revoke-tokens")
            assert response.status_code == 204, response.text

    def stop(self) -> None:
        """The provider goes away: its port refuses connections from now on."""
        assert self.server is not None
        self.server.shutdown()
        self.server.server_close()

    async def end_session(self, end_session_url: str) -> str:
        """Confirm the logout at the provider; returns where it sends the browser back."""
        async with httpx.AsyncClient() as http:
            page = await http.get(end_session_url)
            assert page.status_code == 200
            query = parse_qs(urlsplit(end_session_url).query)
            confirm = await http.post(
                f"{self.issuer}/oauth2/end_session/confirm",
                data={"redirect_uri": query["post_logout_redirect_uri"][0]},
            )
        assert confirm.status_code == 302
        return confirm.headers["location"]


@contextlib.contextmanager
def provider(
    *, token_max_age: timedelta = timedelta(hours=1), issue_refresh_token: bool = True
) -> Iterator[Provider]:
    """A provider on ``localhost`` (its issuer follows the Host header: one host name everywhere)."""
    faults = Faults()
    app = oidc_provider_mock.app(
        require_nonce=True,
        access_token_max_age=token_max_age,
        issue_refresh_token=issue_refresh_token,
    )
    app.after_request(faults.after_refresh)
    app.wsgi_app = faults.wrap(app.wsgi_app)  # type: ignore[method-assign]
    server = werkzeug.serving.make_server("localhost", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
    thread.start()
    try:
        yield Provider(
            issuer=f"http://localhost:{server.server_port}", faults=faults, server=server
        )
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


@dataclass
class Portal:
    url: str
    http: httpx.AsyncClient
    app: Litestar | None = None
    """The served app (its ``state.oidc`` carries the re-validation timing)."""

    async def start_login(self, next_path: str | None = None) -> str:
        """``GET /auth/login``: the portal sends the browser to the provider; returns that URL."""
        params = {"via": "oidc", **({"next": next_path} if next_path else {})}
        response = await self.http.get("/auth/login", params=params)
        assert response.status_code == 302, response.text
        return response.headers["location"]

    async def log_in(self, provider: Provider, sub: str) -> httpx.Response:
        authorize_url = await self.start_login()
        callback = await provider.authorize(authorize_url, sub)
        return await self.http.get(callback)


@contextlib.asynccontextmanager
async def portal(
    tmp_path: Path, issuer: str, *, port: int | None = None, **env: str
) -> AsyncIterator[Portal]:
    """The portal served by uvicorn in this event loop, on the test database, over real HTTP."""
    port = port or free_port()
    url = f"http://127.0.0.1:{port}"
    settings = make_settings(
        tmp_path,
        PORTAL_BASE_URL=url,
        PORTAL_OIDC_ISSUER=issuer,
        PORTAL_OIDC_CLIENT_ID=CLIENT_ID,
        PORTAL_OIDC_CLIENT_SECRET=CLIENT_SECRET,
        **env,
    )
    app = create_app(settings)
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="on")
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve())
    while not server.started:
        if task.done():
            task.result()
            raise RuntimeError("the portal stopped before it started")
        await asyncio.sleep(0.01)
    try:
        async with httpx.AsyncClient(base_url=url) as http:
            yield Portal(url=url, http=http, app=app)
    finally:
        server.should_exit = True
        await task


def query_of(url: str) -> dict[str, str]:
    return {key: values[0] for key, values in parse_qs(urlsplit(url).query).items()}


def with_query(url: str, **values: str) -> str:
    parts = urlsplit(url)
    return urlunsplit(parts._replace(query=_replace_query(parts.query, **values)))

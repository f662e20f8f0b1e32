"""The OpenID Connect relying party: authorization code flow with PKCE, ID-token validation.

Authlib's async OAuth 2 client builds the authorization URL (S256 challenge) and exchanges the code;
``joserfc`` checks the ID token's signature against the provider's key set and its claims
(``iss``, ``aud``/``azp``, ``exp``, ``iat``, ``nonce``). The discovery document and the key set are
cached per process; a token naming a key id the cached set lacks makes one fresh fetch.

After the login, ``refresh`` asks the provider about the person again with the refresh token
grant: the claims of the new ID token, or of the ``userinfo`` endpoint when the answer has none.
The login guard (``portal.accounts.auth``) decides when; the timing lives on the client
(``recheck_every``, ``retry_after``, ``recheck_limit``) so that tests can shorten it.
"""

from __future__ import annotations

import logging
import secrets
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

import httpx2
from authlib.integrations.base_client import OAuthError
from authlib.integrations.httpx_client import AsyncOAuth2Client
from joserfc import jws, jwt
from joserfc.errors import (
    BadSignatureError,
    InvalidKeyIdError,
    JoseError,
    UnsupportedAlgorithmError,
    UnsupportedKeyUseError,
)
from joserfc.jwk import KeySet
from joserfc.jwt import ClaimsOption

from portal.settings import OidcSettings

log = logging.getLogger("portal.accounts.oidc")

HTTP_TIMEOUT = 10.0
REFRESH_TIMEOUT = 5.0
"""A re-validation runs inside somebody's request: it waits less for the provider than a login."""
RECHECK_EVERY = 300.0
"""Seconds after which a provider login is re-validated at the person's next request."""
RETRY_AFTER = 60.0
"""Seconds without any re-validation after the provider could not be reached (for every session)."""
METADATA_TTL = 3600.0
CLOCK_LEEWAY = 60
ID_TOKEN_ALGORITHMS = ("RS256", "RS384", "RS512", "PS256", "ES256", "ES384", "EdDSA")


class LoginFailed(Exception):
    """The login cannot go on; ``reason`` picks the page shown, the message goes to the log.

    A re-validation (``OidcClient.refresh``) fails with ``revoked`` (the provider refused the
    refresh token, or the access token it had just issued: the person or their provider session is
    gone), ``rejected`` (its answer does not verify) or ``unreachable`` (no usable answer now).
    """

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason


def unreachable(message: str) -> LoginFailed:
    return LoginFailed("unreachable", message)


def rejected(message: str) -> LoginFailed:
    return LoginFailed("rejected", message)


@dataclass(frozen=True)
class ProviderMetadata:
    issuer: str
    authorization_endpoint: str
    token_endpoint: str
    jwks_uri: str
    end_session_endpoint: str | None
    token_auth_method: str
    userinfo_endpoint: str | None = None


@dataclass(frozen=True)
class PendingLogin:
    """What the callback must match: kept in the visitor's server-side session, used once."""

    state: str
    nonce: str
    code_verifier: str
    next: str

    def to_session(self) -> dict[str, str]:
        return {"nonce": self.nonce, "verifier": self.code_verifier, "next": self.next}

    @classmethod
    def from_session(cls, state: str, values: Mapping[str, str]) -> PendingLogin:
        return cls(state, values["nonce"], values["verifier"], values["next"])


@dataclass(frozen=True)
class Identity:
    issuer: str
    subject: str
    claims: dict[str, Any]
    id_token: str
    refresh_token: str | None = None


@dataclass(frozen=True)
class Refreshed:
    """What the provider says about a person now: their current claims, and the refresh token to
    use next time if it issued a new one (``None``: keep using the old one)."""

    claims: dict[str, Any]
    refresh_token: str | None


def _metadata(document: dict[str, Any], issuer: str) -> ProviderMetadata:
    if document.get("issuer") != issuer:
        raise unreachable(f"discovery names issuer {document.get('issuer')!r}, expected {issuer!r}")
    try:
        methods = document.get("token_endpoint_auth_methods_supported") or ["client_secret_basic"]
        return ProviderMetadata(
            issuer=issuer,
            authorization_endpoint=str(document["authorization_endpoint"]),
            token_endpoint=str(document["token_endpoint"]),
            jwks_uri=str(document["jwks_uri"]),
            end_session_endpoint=document.get("end_session_endpoint") or None,
            userinfo_endpoint=document.get("userinfo_endpoint") or None,
            token_auth_method=(
                "client_secret_basic" if "client_secret_basic" in methods else "client_secret_post"
            ),
        )
    except KeyError as missing:
        raise unreachable(f"discovery document lacks {missing}") from None


def _verify(id_token: str, keys: KeySet) -> jwt.Token:
    """Check the signature with the key the token names, or with each key if it names none."""
    header = jws.extract_compact(id_token.encode()).headers()
    if header.get("kid"):
        return jwt.decode(id_token, keys, algorithms=list(ID_TOKEN_ALGORITHMS))
    for key in keys.keys:
        try:
            return jwt.decode(id_token, key, algorithms=list(ID_TOKEN_ALGORITHMS))
        except (BadSignatureError, UnsupportedKeyUseError, UnsupportedAlgorithmError):
            continue
    raise BadSignatureError()


class OidcClient:
    recheck_every: float = RECHECK_EVERY
    retry_after: float = RETRY_AFTER
    recheck_limit: float | None = None
    """Seconds after the last successful check at which a session ends when the provider cannot be
    asked; ``None``: the session idle timeout."""

    def __init__(self, settings: OidcSettings) -> None:
        self.settings = settings
        self._metadata: tuple[float, ProviderMetadata] | None = None
        self._keys: KeySet | None = None
        self._unreachable_until = 0.0

    async def _get_json(self, url: str) -> dict[str, Any]:
        try:
            async with httpx2.AsyncClient(timeout=HTTP_TIMEOUT) as http:
                response = await http.get(url, headers={"Accept": "application/json"})
                response.raise_for_status()
                document = response.json()
        except (httpx2.HTTPError, ValueError) as error:
            raise unreachable(f"GET {url} failed: {error!r}") from error
        if not isinstance(document, dict):
            raise unreachable(f"GET {url} did not answer a JSON object")
        return document

    async def metadata(self, *, fresh: bool = False) -> ProviderMetadata:
        """The provider's discovery document, cached for ``METADATA_TTL`` unless ``fresh``."""
        now = time.monotonic()
        if not fresh and self._metadata is not None and now - self._metadata[0] < METADATA_TTL:
            return self._metadata[1]
        url = self.settings.issuer.rstrip("/") + "/.well-known/openid-configuration"
        metadata = _metadata(await self._get_json(url), self.settings.issuer)
        self._metadata = (now, metadata)
        return metadata

    async def check(self) -> None:
        """Reach the discovery document and the key set (``portal check``)."""
        await self.metadata()
        await self._key_set(refresh=True)

    async def _key_set(self, *, refresh: bool) -> KeySet:
        if self._keys is None or refresh:
            document = await self._get_json((await self.metadata()).jwks_uri)
            try:
                self._keys = KeySet.import_key_set(document)  # type: ignore[arg-type]
            except (JoseError, ValueError, TypeError) as error:
                raise unreachable(f"unusable key set: {error!r}") from error
        return self._keys

    def _oauth(self, metadata: ProviderMetadata, *, for_login: bool = True) -> AsyncOAuth2Client:
        """Authlib's client; a refresh names no scope (it keeps the one granted at the login)."""
        return AsyncOAuth2Client(
            client_id=self.settings.client_id,
            client_secret=self.settings.client_secret,
            token_endpoint_auth_method=metadata.token_auth_method,
            scope=self.settings.scopes if for_login else None,
            redirect_uri=self.settings.redirect_uri if for_login else None,
            code_challenge_method="S256" if for_login else None,
            timeout=HTTP_TIMEOUT if for_login else REFRESH_TIMEOUT,
        )

    async def begin(self, next_path: str) -> tuple[str, PendingLogin]:
        """The provider's authorization URL, and what the callback will have to match.

        The discovery document is fetched afresh for every login: a provider that cannot be
        reached then gets the portal's own page ("logging in is not possible right now") rather
        than a browser error at the provider's address."""
        metadata = await self.metadata(fresh=True)
        pending = PendingLogin(
            state=secrets.token_urlsafe(32),
            nonce=secrets.token_urlsafe(32),
            code_verifier=secrets.token_urlsafe(64),
            next=next_path,
        )
        async with self._oauth(metadata) as oauth:
            url, _ = oauth.create_authorization_url(
                metadata.authorization_endpoint,
                state=pending.state,
                code_verifier=pending.code_verifier,
                nonce=pending.nonce,
            )
        return url, pending

    async def complete(self, params: Mapping[str, str], pending: PendingLogin | None) -> Identity:
        """The callback's query, checked in order: the provider's error, our ``state`` (the
        pending login it names, or ``None``), the issuer it names (RFC 9207), the code."""
        if error := params.get("error"):
            reason = "denied" if error == "access_denied" else "rejected"
            description = params.get("error_description")
            raise LoginFailed(reason, f"provider answered {error[:100]!r} ({description!r})")
        if pending is None:
            raise LoginFailed("state", "missing, unknown, expired or used state")
        issuer = params.get("iss")
        if issuer is not None and issuer != self.settings.issuer:
            raise rejected(f"callback names issuer {issuer[:200]!r} (RFC 9207 mix-up)")
        code = params.get("code")
        if not code:
            raise rejected("callback without code")
        return await self.finish(pending, code)

    async def finish(self, pending: PendingLogin, code: str) -> Identity:
        """Exchange the code (with the PKCE verifier) and validate the ID token it brings."""
        metadata = await self.metadata()
        try:
            async with self._oauth(metadata) as oauth:
                token = await oauth.fetch_token(
                    metadata.token_endpoint,
                    grant_type="authorization_code",
                    code=code,
                    code_verifier=pending.code_verifier,
                )
        except OAuthError as error:
            raise rejected(f"token endpoint refused the code: {error}") from error
        except (httpx2.HTTPError, ValueError) as error:
            raise unreachable(f"token endpoint failed: {error!r}") from error
        id_token = token.get("id_token")
        if not isinstance(id_token, str):
            raise rejected("token response has no ID token")
        claims = await self.validate_id_token(id_token, nonce=pending.nonce)
        refresh_token = token.get("refresh_token")
        return Identity(
            issuer=claims["iss"],
            subject=claims["sub"],
            claims=claims,
            id_token=id_token,
            refresh_token=refresh_token if isinstance(refresh_token, str) else None,
        )

    @property
    def backing_off(self) -> bool:
        """Whether the provider failed a moment ago, so no re-validation should ask it now."""
        return time.monotonic() < self._unreachable_until

    async def refresh(self, refresh_token: str) -> Refreshed:
        """Ask the provider about the person again: ``grant_type=refresh_token``, then the claims
        of the new ID token (validated as at the login, without a nonce) or, without one, of the
        ``userinfo`` endpoint. Raises ``LoginFailed`` (``revoked``, ``rejected``, ``unreachable``).

        Only ``invalid_grant`` counts as the provider refusing this person; any other failure says
        nothing about them and makes every re-validation wait ``retry_after`` seconds.
        """
        if self.backing_off:
            raise unreachable("the provider failed a moment ago; not asking it again yet")
        try:
            refreshed = await self._refresh(refresh_token)
        except LoginFailed as error:
            if error.reason == "unreachable":
                self._unreachable_until = time.monotonic() + self.retry_after
            raise
        self._unreachable_until = 0.0
        return refreshed

    async def _refresh(self, refresh_token: str) -> Refreshed:
        metadata = await self.metadata()
        async with self._oauth(metadata, for_login=False) as oauth:
            try:
                token = await oauth.refresh_token(
                    metadata.token_endpoint, refresh_token=refresh_token
                )
            except OAuthError as error:
                if error.error == "invalid_grant":
                    raise LoginFailed("revoked", f"refresh token refused: {error}") from error
                raise unreachable(f"token endpoint refused the refresh: {error}") from error
            except (httpx2.HTTPError, ValueError) as error:
                raise unreachable(f"token endpoint failed: {error!r}") from error
            new_refresh = token.get("refresh_token")
            new_refresh = new_refresh if isinstance(new_refresh, str) else None
            if new_refresh == refresh_token:
                new_refresh = None
            id_token = token.get("id_token")
            if isinstance(id_token, str):
                return Refreshed(await self.validate_id_token(id_token, nonce=None), new_refresh)
            access_token = token.get("access_token")
            if not isinstance(access_token, str) or not metadata.userinfo_endpoint:
                raise unreachable("refresh brought no ID token, and userinfo cannot be asked")
            claims = await self._userinfo(oauth, metadata.userinfo_endpoint, access_token)
        return Refreshed(claims, new_refresh)

    async def _userinfo(
        self, oauth: AsyncOAuth2Client, endpoint: str, access_token: str
    ) -> dict[str, Any]:
        try:
            response = await oauth.request(
                "GET",
                endpoint,
                withhold_token=True,
                headers={"Authorization": f"Bearer {access_token}", "Accept": "application/json"},
            )
        except httpx2.HTTPError as error:
            raise unreachable(f"userinfo failed: {error!r}") from error
        if response.status_code in (401, 403):
            raise LoginFailed("revoked", f"userinfo refused the new access token ({response})")
        try:
            response.raise_for_status()
            claims = response.json()
        except (httpx2.HTTPError, ValueError) as error:
            raise unreachable(f"userinfo answered {response}: {error!r}") from error
        if not isinstance(claims, dict) or not isinstance(claims.get("sub"), str):
            raise unreachable("userinfo did not answer a JSON object with a subject")
        return claims

    async def _decode(self, id_token: str) -> jwt.Token:
        for refresh in (False, True):
            keys = await self._key_set(refresh=refresh)
            try:
                return _verify(id_token, keys)
            except (InvalidKeyIdError, BadSignatureError):
                if refresh:
                    raise rejected(
                        "ID token is not signed with a key the provider publishes"
                    ) from None
            except (JoseError, ValueError) as error:
                raise rejected(f"ID token signature or format invalid: {error!r}") from error
        raise AssertionError("unreachable")

    async def validate_id_token(self, id_token: str, *, nonce: str | None) -> dict[str, Any]:
        """The claims of a valid ID token; ``nonce=None`` for one from a refresh (OIDC Core 12.2:
        it need not repeat the login's nonce)."""
        token = await self._decode(id_token)
        options: dict[str, ClaimsOption] = {
            "iss": {"essential": True, "value": self.settings.issuer},
            "sub": {"essential": True},
            "aud": {"essential": True, "value": self.settings.client_id},
            "exp": {"essential": True},
            "iat": {"essential": True},
        }
        if nonce is not None:
            options["nonce"] = {"essential": True, "value": nonce}
        registry = jwt.JWTClaimsRegistry(None, CLOCK_LEEWAY, **options)
        claims = dict(token.claims)
        try:
            registry.validate(claims)
        except JoseError as error:
            raise rejected(f"ID token claims invalid: {error!r}") from error
        audiences = claims["aud"] if isinstance(claims["aud"], list) else [claims["aud"]]
        if len(audiences) > 1 and claims.get("azp") != self.settings.client_id:
            raise rejected("ID token has several audiences and another authorized party")
        return claims

    async def logout_url(self, id_token: str | None) -> str | None:
        """The provider's end-session URL (RP-initiated logout), if it offers one.

        Only one on the issuer's own origin: the page's ``form-action`` lets the logout form lead
        there and nowhere else.
        """
        try:
            metadata = await self.metadata()
        except LoginFailed as error:
            log.warning("logout without the provider: %s", error)
            return None
        endpoint = metadata.end_session_endpoint
        if not endpoint or not endpoint.startswith(self.settings.origin + "/"):
            return None
        query = {
            "client_id": self.settings.client_id,
            "post_logout_redirect_uri": self.settings.post_logout_redirect_uri,
        }
        if id_token:
            query["id_token_hint"] = id_token
        return endpoint + ("&" if "?" in endpoint else "?") + urlencode(query)

"""The identity provider of the fault and topology runs: ``oidc-provider-mock`` (as in the login
tests) over TLS on a loopback port, served by werkzeug in a thread of the run; and a login through
it as a browser makes one.

Production wants an ``https`` issuer, so the provider has a certificate of its own, made here for
127.0.0.1; the portal trusts it through ``SSL_CERT_FILE``. ``stop`` closes the port (connections
are refused, as from a provider that is down); ``start`` opens it again with the same app, so
the accounts and the tokens it issued are still there, as at a provider that keeps them in a
database across a restart.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import ipaddress
import logging
import ssl
import threading
import warnings
from http.cookies import SimpleCookie
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import asyncpg
import httpx
import werkzeug.serving
from authlib.deprecate import AuthlibDeprecationWarning
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from bench.loadtest.world import Person, RunFailed, people
from portal.testing.processes import free_port

with warnings.catch_warnings():
    warnings.filterwarnings(
        "ignore", "authlib.jose module is deprecated", AuthlibDeprecationWarning
    )
    import oidc_provider_mock

CLIENT_ID = "brug-faults"
CLIENT_SECRET = "brug-faults-client-secret"  # noqa: S105 (the throwaway provider's own)


def certificate(folder: Path) -> tuple[Path, Path]:
    """A self-signed certificate for 127.0.0.1 and its key, as PEM files in ``folder``."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "brug-faults-provider")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_file, key_file = folder / "provider.crt", folder / "provider.key"
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    key_file.chmod(0o600)
    return cert_file, key_file


class Provider:
    """The provider at ``issuer`` (``https://127.0.0.1:<port>``); ``cert_file`` is what to trust."""

    def __init__(self, folder: Path) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        self.cert_file, self.key_file = certificate(folder)
        self.port = free_port()
        self.issuer = f"https://127.0.0.1:{self.port}"
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # the mock's use of Authlib's older modules
            self.app = oidc_provider_mock.app(
                require_nonce=True,
                issue_refresh_token=True,
                access_token_max_age=dt.timedelta(hours=2),
            )
        logging.getLogger("werkzeug").setLevel(logging.WARNING)
        self._server: werkzeug.serving.BaseWSGIServer | None = None
        self._thread: threading.Thread | None = None

    @property
    def running(self) -> bool:
        return self._server is not None

    def start(self) -> Provider:
        if self._server is not None:
            return self
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(self.cert_file, self.key_file)
        self._server = werkzeug.serving.make_server(
            "127.0.0.1", self.port, self.app, threaded=True, ssl_context=context
        )
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        """The provider goes away: its port refuses connections until ``start``."""
        if self._server is None:
            return
        self._server.shutdown()
        self._server.server_close()
        if self._thread is not None:
            self._thread.join(10)
        self._server = self._thread = None

    def http(self) -> httpx.Client:
        return httpx.Client(base_url=self.issuer, verify=str(self.cert_file), timeout=10)

    def portal_env(self) -> dict[str, str]:
        """What the portal needs to log in through this provider and trust its certificate."""
        return {
            "PORTAL_OIDC_ISSUER": self.issuer,
            "PORTAL_OIDC_CLIENT_ID": CLIENT_ID,
            "PORTAL_OIDC_CLIENT_SECRET": CLIENT_SECRET,
            "SSL_CERT_FILE": str(self.cert_file),
        }

    def set_user(self, sub: str, claims: dict[str, Any]) -> None:
        with self.http() as http:
            answer = http.put(f"/users/{sub}", json=claims)
        if answer.status_code != 204:
            raise RuntimeError(f"provider refused user {sub}: {answer.status_code} {answer.text}")

    def authorize(self, authorize_url: str, sub: str) -> str:
        """``sub`` logs in at the provider; where it sends the browser back (the callback)."""
        if not authorize_url.startswith(self.issuer + "/"):
            raise RuntimeError(f"not this provider's authorize URL: {authorize_url}")
        with self.http() as http:
            answer = http.post(authorize_url, data={"sub": sub})
        if answer.status_code != 302:
            raise RuntimeError(f"provider did not log {sub} in: {answer.status_code}")
        return answer.headers["location"]


def cookie_from(answer: httpx.Response, name: str = "brug_session") -> str | None:
    """The value a ``Set-Cookie`` of the answer gives ``name`` (the portal's cookies are
    ``Secure``; the run speaks plain HTTP to the processes and sends them by hand)."""
    for header in answer.headers.get_list("set-cookie"):
        jar: SimpleCookie = SimpleCookie()
        jar.load(header)
        if name in jar:
            return jar[name].value
    return None


def log_in(base: str, provider: Provider, sub: str) -> str:
    """A login through the provider, as a browser makes it; the session's cookie token."""
    with httpx.Client(base_url=base, timeout=30) as http:
        start = http.get("/auth/login", params={"via": "oidc"})
        pending = cookie_from(start)
        if start.status_code != 302 or pending is None:
            raise RunFailed(f"login of {sub} did not start: {start.status_code}")
        callback = urlsplit(provider.authorize(start.headers["location"], sub))
        done = http.get(
            f"{callback.path}?{callback.query}", headers={"Cookie": f"brug_session={pending}"}
        )
        token = cookie_from(done)
        if done.status_code != 303 or not token:
            raise RunFailed(f"login of {sub} did not finish: {done.status_code} {done.text[:300]}")
    return token


def enrol(provider: Provider, database_url: str) -> list[Person]:
    """The demo world's people as the provider's subjects, with their names, e-mail addresses,
    roles and organisations as claims; the people (``loadtest.world.people``)."""
    everyone = asyncio.run(people(database_url))
    asyncio.run(link_to_provider(database_url, provider.issuer, [p.username for p in everyone]))
    names = asyncio.run(display_names(database_url))
    for person in everyone:
        name, email = names[person.username]
        provider.set_user(
            person.username,
            {"name": name, "email": email, "roles": [person.role], "org": person.organisation},
        )
    return everyone


async def link_to_provider(database_url: str, issuer: str, usernames: list[str]) -> None:
    """The demo people are the provider's subjects (their usernames): as an installation whose
    people were known before their first login through the provider."""
    connection = await asyncpg.connect(database_url)
    try:
        await connection.execute(
            "UPDATE person SET oidc_issuer = $1, oidc_subject = username"
            " WHERE username = ANY($2::text[])",
            issuer,
            usernames,
        )
    finally:
        await connection.close()


async def display_names(database_url: str) -> dict[str, tuple[str, str]]:
    connection = await asyncpg.connect(database_url)
    try:
        rows = await connection.fetch("SELECT username, display_name, email FROM person")
    finally:
        await connection.close()
    return {row["username"]: (row["display_name"], row["email"]) for row in rows}

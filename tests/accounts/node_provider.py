"""A real OpenID Provider that enforces PKCE, for tests: the npm package ``oidc-provider``.

The Python mock provider does not check PKCE. This one (``node_provider/provider.mjs``, run by
Node in a subprocess on a loopback port) requires S256 PKCE for every authorization request and
refuses a code exchanged with the wrong ``code_verifier`` (``invalid_grant``).

Its npm dependencies are installed, from the committed lock file, with::

    npm ci --prefix tests/accounts/node_provider --no-audit --no-fund

Usage::

    with node_provider(client_id=..., client_secret=..., redirect_uri=...,
                       post_logout_redirect_uri=...) as op:
        op.set_user("u1", {"name": "Test", "email": "t@example.org", "roles": [...], "org": "..."})
        op.next_login("u1")
        # build the authorize URL against op.issuer (discovery at op.discovery_url), then:
        callback_url = await complete_authorization(http, authorize_url)

Logins are automatic: at a login prompt the provider signs in the subject named by
``next_login`` (it stays in force until changed), at a consent prompt it grants every requested
scope and claim. The scopes are ``openid`` (sub), ``profile`` (name, given_name, family_name,
preferred_username, roles, org) and ``email`` (email, email_verified); the claims of the granted
scopes are in the ID token as well as in the userinfo response. The callback URL carries
``iss`` besides ``code`` and ``state`` (RFC 9207). When another subject signs in over an existing
provider session (``prompt=login`` after ``next_login`` of someone else), the provider first
signs the previous one out; :func:`complete_authorization` goes through that as a browser would.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from html.parser import HTMLParser
from pathlib import Path
from typing import Any
from urllib.parse import quote, urljoin, urlsplit

import httpx

NODE_PROVIDER_DIR = Path(__file__).resolve().parent / "node_provider"
INSTALL_COMMAND = "npm ci --prefix tests/accounts/node_provider --no-audit --no-fund"
START_TIMEOUT = 60.0  # only there so that a broken start cannot hang CI
STOP_TIMEOUT = 10.0
MAX_REDIRECTS = 20


class NodeProviderError(RuntimeError):
    """The Node provider could not be used: not installed, did not start, or answered oddly."""


def installed() -> bool:
    """Whether ``npm ci`` has installed the provider's dependencies."""
    return (NODE_PROVIDER_DIR / "node_modules" / "oidc-provider" / "package.json").is_file()


def not_installed_message() -> str:
    return (
        f"the npm package oidc-provider is not installed in {NODE_PROVIDER_DIR}; "
        f"run `{INSTALL_COMMAND}` from the repository root"
    )


class NodeProvider:
    """A running provider; made by :func:`node_provider`."""

    def __init__(
        self,
        process: subprocess.Popen[str],
        *,
        client_id: str,
        client_secret: str,
        redirect_uri: str,
        post_logout_redirect_uri: str,
    ) -> None:
        self.process = process
        self.client_id = client_id
        self.client_secret = client_secret
        self.redirect_uri = redirect_uri
        self.post_logout_redirect_uri = post_logout_redirect_uri
        self.port = 0
        self._lines: list[str] = []
        self._changed = threading.Condition()
        self._ended = False
        self._reader = threading.Thread(target=self._read, name="node-provider-output", daemon=True)
        self._reader.start()

    # -- addresses ---------------------------------------------------------------------------

    @property
    def issuer(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def discovery_url(self) -> str:
        return f"{self.issuer}/.well-known/openid-configuration"

    # -- what the test controls ---------------------------------------------------------------

    def set_user(self, sub: str, claims: dict[str, Any]) -> None:
        """Create or replace the account ``sub`` with these claims (``sub`` itself is implied)."""
        self._admin("PUT", f"/users/{quote(sub, safe='')}", json=claims)

    def next_login(self, sub: str) -> None:
        """Sign in ``sub`` at the following login prompts (an existing provider session is kept
        unless the authorization request asks ``prompt=login`` or the client's cookies are new)."""
        self._admin("POST", f"/next-login/{quote(sub, safe='')}")

    def _admin(self, method: str, path: str, **kwargs: Any) -> None:
        with httpx.Client(base_url=self.issuer, timeout=10, trust_env=False) as http:
            response = http.request(method, path, **kwargs)
        if response.status_code != 204:
            raise NodeProviderError(
                f"{method} {path} answered {response.status_code}: {response.text}"
                f"\nprovider output:\n{self.output}"
            )

    # -- process -----------------------------------------------------------------------------

    @property
    def output(self) -> str:
        """Everything the provider printed so far (stdout and stderr)."""
        with self._changed:
            return "\n".join(self._lines)

    def forget_output(self) -> None:
        """Start counting output afresh (a provider shared by several tests)."""
        with self._changed:
            self._lines.clear()

    def wait_for_output(self, text: str, *, count: int = 1, timeout: float = 10.0) -> None:
        """Wait until ``text`` has been printed ``count`` times (the provider logs each automatic
        login and consent, and why the token endpoint refused a request). The output is read in
        a thread, so a line written before an HTTP answer may arrive here just after it."""
        with self._changed:
            self._changed.wait_for(
                lambda: "\n".join(self._lines).count(text) >= count or self._ended, timeout
            )
            seen = "\n".join(self._lines).count(text)
        if seen < count:
            raise NodeProviderError(
                f"expected {text!r} {count} time(s) in the provider output, saw it {seen} "
                f"time(s):\n{self.output}"
            )

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            with self._changed:
                self._lines.append(line.rstrip("\n"))
                self._changed.notify_all()
        with self._changed:
            self._ended = True
            self._changed.notify_all()

    def _wait_ready(self, timeout: float) -> None:
        def ready_port() -> int | None:
            for line in self._lines:
                found = re.fullmatch(r"READY (\d+)", line.strip())
                if found:
                    return int(found.group(1))
            return None

        with self._changed:
            self._changed.wait_for(lambda: ready_port() is not None or self._ended, timeout)
            port = ready_port()
        if port is None:
            code = self.process.poll()
            state = "did not start" if code is None else f"exited with {code}"
            reason = f"within {timeout:.0f} s" if code is None else "before it was ready"
            raise NodeProviderError(
                f"node provider.mjs {state} {reason}; its output:\n{self.output}"
            )
        self.port = port

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=STOP_TIMEOUT)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        if self.process.stdin is not None:
            self.process.stdin.close()
        self._reader.join(timeout=STOP_TIMEOUT)
        if self.process.stdout is not None:
            self.process.stdout.close()


@contextmanager
def node_provider(
    *,
    client_id: str,
    client_secret: str,
    redirect_uri: str,
    post_logout_redirect_uri: str,
    start_timeout: float = START_TIMEOUT,
) -> Iterator[NodeProvider]:
    """Run the provider with one confidential client until the block ends.

    The provider listens on a free loopback port that the system picks (port 0, so no other
    process can take it between choosing and listening); ``.issuer`` names it.
    """
    if not installed():
        raise NodeProviderError(not_installed_message())
    node = shutil.which("node")
    if node is None:
        raise NodeProviderError("the `node` executable is not on PATH (Node.js 20 or later)")
    process = subprocess.Popen(
        [
            node,
            "provider.mjs",
            "--port=0",
            f"--client-id={client_id}",
            f"--client-secret={client_secret}",
            f"--redirect-uri={redirect_uri}",
            f"--post-logout-redirect-uri={post_logout_redirect_uri}",
            "--exit-with-stdin",
        ],
        cwd=NODE_PROVIDER_DIR,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        bufsize=1,
    )
    provider = NodeProvider(
        process,
        client_id=client_id,
        client_secret=client_secret,
        redirect_uri=redirect_uri,
        post_logout_redirect_uri=post_logout_redirect_uri,
    )
    try:
        provider._wait_ready(start_timeout)
        yield provider
    finally:
        provider.stop()


def _origin(url: str) -> tuple[str, str]:
    parts = urlsplit(url)
    return parts.scheme, parts.netloc


class _FormParser(HTMLParser):
    """The first ``<form>`` of a page: its method, action and hidden fields."""

    def __init__(self) -> None:
        super().__init__()
        self.method: str | None = None
        self.action: str | None = None
        self.fields: dict[str, str] = {}
        self._in_form = False
        self._done = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {name: value or "" for name, value in attrs}
        if tag == "form" and not self._done and self.action is None:
            self.method = values.get("method", "get").lower()
            self.action = values.get("action", "")
            self._in_form = True
        elif tag == "input" and self._in_form and values.get("type") == "hidden":
            self.fields[values.get("name", "")] = values.get("value", "")

    def handle_endtag(self, tag: str) -> None:
        if tag == "form" and self._in_form:
            self._in_form = False
            self._done = True


def _form(response: httpx.Response) -> tuple[str, dict[str, str]] | None:
    """The POST form of a provider page as (absolute action URL, hidden fields), if any."""
    if response.status_code != 200 or "html" not in response.headers.get("content-type", ""):
        return None
    parser = _FormParser()
    parser.feed(response.text)
    parser.close()
    if parser.method != "post" or parser.action is None:
        return None
    return urljoin(str(response.url), parser.action), parser.fields


async def complete_authorization(http: httpx.AsyncClient, authorize_url: str) -> str:
    """Follow the provider from ``authorize_url`` as a browser would and return the URL it finally
    sends the browser to, on the relying party (``redirect_uri?code=...&state=...&iss=...``, or
    ``?error=...`` there), without requesting that URL.

    Redirects on the provider are followed; a provider page that posts itself (the automatic
    sign-out of the previous account when another one signs in) is submitted, as its script would.
    ``http`` must not follow redirects itself, and keeps the provider's cookies: a second call
    with the same client reuses the provider session (no login prompt unless ``prompt=login``).
    """
    provider = _origin(authorize_url)
    response = await http.get(authorize_url)
    for _ in range(MAX_REDIRECTS):
        location = response.headers.get("location")
        if response.is_redirect and location is not None:
            url = urljoin(str(response.url), str(location))
            if _origin(url) != provider:
                return url
            response = await http.get(url)
            continue
        form = _form(response)
        if form is not None and _origin(form[0]) == provider:
            response = await http.post(form[0], data=form[1])
            continue
        raise NodeProviderError(
            f"{response.request.method} {response.url} answered {response.status_code}, "
            f"neither a redirect nor a form to submit: {response.text}"
        )
    raise NodeProviderError(f"more than {MAX_REDIRECTS} steps from {authorize_url}")


async def complete_logout(http: httpx.AsyncClient, end_session_url: str) -> str:
    """Confirm an RP-initiated logout started at ``end_session_url`` and return the URL the
    provider then redirects to (the ``post_logout_redirect_uri`` with its ``state``), or the
    provider's own "signed out" page when none was given. Same client rules as above."""
    response = await http.get(end_session_url)
    form = _form(response)
    if form is None:
        raise NodeProviderError(
            f"GET {end_session_url} answered {response.status_code} without a logout form: "
            f"{response.text}"
        )
    action, fields = form
    confirm = await http.post(action, data={**fields, "logout": "yes"})
    location = confirm.headers.get("location")
    if not confirm.is_redirect or location is None:
        raise NodeProviderError(
            f"logout confirmation answered {confirm.status_code} instead of a redirect: "
            f"{confirm.text}"
        )
    return urljoin(str(confirm.url), str(location))

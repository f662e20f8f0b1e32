"""Typed settings read from ``PORTAL_*`` environment variables.

Every value is validated when the settings are built; a bad value raises ``ConfigError`` naming the
variable, and the command line turns that into one line on stderr and a non-zero exit.
"""

from __future__ import annotations

import ipaddress
import os
import re
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlparse

from portal.visibility.policy import Role

DEFAULT_DATABASE_URL = "sqlite:///var/portal.sqlite3"
ENVIRONMENTS = ("development", "production")


class ConfigError(Exception):
    """A configuration value is missing or wrong; the message names the variable."""

    def __init__(self, variable: str, problem: str) -> None:
        super().__init__(f"{variable}: {problem}")
        self.variable = variable


@dataclass(frozen=True)
class DatabaseSettings:
    url: str

    @property
    def is_sqlite(self) -> bool:
        return self.url.startswith("sqlite:")

    @property
    def sqlite_path(self) -> Path:
        return Path(self.url.removeprefix("sqlite://").removeprefix("/") or "portal.sqlite3")


@dataclass(frozen=True)
class SessionSettings:
    redis_url: str | None
    idle_timeout: int = 30 * 60
    absolute_timeout: int = 8 * 60 * 60  # a working day
    cookie_name: str = "brug_session"


@dataclass(frozen=True)
class OidcSettings:
    """The identity provider this portal is registered at as a confidential client."""

    issuer: str
    client_id: str
    client_secret: str
    redirect_uri: str
    post_logout_redirect_uri: str
    scopes: str = "openid profile email"
    role_claim: str = "roles"
    org_claim: str = "org"
    role_map: Mapping[str, str] = field(default_factory=dict)

    @property
    def origin(self) -> str:
        """Scheme, host and port of the issuer: where the logout form may lead."""
        parsed = urlparse(self.issuer)
        return f"{parsed.scheme}://{parsed.netloc}"


@dataclass(frozen=True)
class Settings:
    env: str
    database: DatabaseSettings
    documents_dir: Path
    secret_key: str
    base_url: str
    session: SessionSettings
    var_dir: Path = field(default=Path("var"))
    oidc: OidcSettings | None = None
    support_contact: str = ""
    trusted_proxies: tuple[str, ...] = ()
    """Addresses and networks (``10.0.0.0/8``) of the proxies whose ``X-Forwarded-*`` count."""

    @property
    def is_production(self) -> bool:
        return self.env == "production"

    @property
    def secure_cookies(self) -> bool:
        return self.is_production or self.base_url.startswith("https://")


def _parse_database_url(value: str) -> DatabaseSettings:
    variable = "PORTAL_DATABASE_URL"
    if value.startswith("sqlite:///"):
        if value == "sqlite:///":
            raise ConfigError(
                variable, "a SQLite URL needs a file path, e.g. sqlite:///var/portal.sqlite3"
            )
        return DatabaseSettings(value)
    parsed = urlparse(value)
    if parsed.scheme in ("postgresql", "postgres"):
        if not parsed.hostname or not parsed.path.strip("/"):
            raise ConfigError(variable, "a PostgreSQL URL needs a host and a database name")
        return DatabaseSettings(value)
    raise ConfigError(
        variable, f"must start with sqlite:/// or postgresql:// (got scheme {parsed.scheme!r})"
    )


def _parse_seconds(env: Mapping[str, str], variable: str, default: int) -> int:
    raw = env.get(variable)
    if raw is None or raw == "":
        return default
    try:
        seconds = int(raw)
    except ValueError:
        raise ConfigError(variable, f"must be a whole number of seconds (got {raw!r})") from None
    if seconds <= 0:
        raise ConfigError(variable, "must be greater than zero")
    return seconds


def _parse_trusted_proxies(raw: str) -> tuple[str, ...]:
    """``10.0.0.5, 10.1.0.0/16, fd00::/8``: each an IP address or a CIDR range, as networks."""
    networks: list[str] = []
    for item in raw.split(","):
        if not item.strip():
            continue
        try:
            network = ipaddress.ip_network(item.strip())
        except ValueError as error:
            raise ConfigError(
                "PORTAL_TRUSTED_PROXIES",
                f"expected IP addresses or CIDR ranges separated by commas: {error}",
            ) from None
        networks.append(str(network))
    return tuple(networks)


OIDC_REQUIRED = ("PORTAL_OIDC_ISSUER", "PORTAL_OIDC_CLIENT_ID", "PORTAL_OIDC_CLIENT_SECRET")
ROLE_CODES = tuple(role.value for role in Role)
_CLAIM_PATH = re.compile(r"[A-Za-z0-9_:/.-]+")


def _parse_role_map(raw: str) -> dict[str, str]:
    """``provider-value=role,other=role``: each right-hand side must be a portal role code name."""
    variable = "PORTAL_OIDC_ROLE_MAP"
    mapping: dict[str, str] = {}
    for item in raw.split(","):
        if not item.strip():
            continue
        provider_value, sep, role = (part.strip() for part in item.partition("="))
        if not sep or not provider_value or not role:
            raise ConfigError(
                variable, f"expected provider-value=role pairs (got {item.strip()!r})"
            )
        if role not in ROLE_CODES:
            raise ConfigError(
                variable, f"{role!r} is not a portal role (use one of {', '.join(ROLE_CODES)})"
            )
        mapping[provider_value] = role
    return mapping


def _parse_oidc(env: Mapping[str, str], mode: str, base_url: str) -> OidcSettings | None:
    values = {name: (env.get(name) or "").strip() for name in OIDC_REQUIRED}
    if not any(values.values()):
        if mode == "production":
            raise ConfigError("PORTAL_OIDC_ISSUER", "is required in production")
        return None
    for name, value in values.items():
        if not value:
            raise ConfigError(name, "is required when OpenID Connect login is configured")
    issuer = values["PORTAL_OIDC_ISSUER"]
    parsed = urlparse(issuer)
    if parsed.scheme not in ("http", "https") or not parsed.netloc:
        raise ConfigError("PORTAL_OIDC_ISSUER", f"must be an http(s) URL (got {issuer!r})")
    if mode == "production" and parsed.scheme != "https":
        raise ConfigError("PORTAL_OIDC_ISSUER", "must use https in production")
    scopes = " ".join((env.get("PORTAL_OIDC_SCOPES") or "openid profile email").split())
    if "openid" not in scopes.split():
        raise ConfigError("PORTAL_OIDC_SCOPES", "must include openid")
    claims = {}
    for name, default in (("PORTAL_OIDC_ROLE_CLAIM", "roles"), ("PORTAL_OIDC_ORG_CLAIM", "org")):
        claim = (env.get(name) or default).strip()
        if not _CLAIM_PATH.fullmatch(claim):
            raise ConfigError(name, f"must be a claim name or dotted path (got {claim!r})")
        claims[name] = claim
    return OidcSettings(
        issuer=issuer,
        client_id=values["PORTAL_OIDC_CLIENT_ID"],
        client_secret=values["PORTAL_OIDC_CLIENT_SECRET"],
        redirect_uri=f"{base_url}/auth/callback",
        post_logout_redirect_uri=base_url,
        scopes=scopes,
        role_claim=claims["PORTAL_OIDC_ROLE_CLAIM"],
        org_claim=claims["PORTAL_OIDC_ORG_CLAIM"],
        role_map=_parse_role_map(env.get("PORTAL_OIDC_ROLE_MAP") or ""),
    )


def _development_secret(var_dir: Path) -> str:
    """Reuse one generated key per checkout, so sessions survive a restart in development."""
    path = var_dir / "secret_key"
    if path.exists():
        return path.read_text().strip()
    var_dir.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(48)
    path.write_text(key)
    path.chmod(0o600)
    return key


def load_settings(env: Mapping[str, str] | None = None) -> Settings:
    """Build and validate the settings from an environment mapping (default: ``os.environ``)."""
    env = os.environ if env is None else env
    mode = env.get("PORTAL_ENV", "development") or "development"
    if mode not in ENVIRONMENTS:
        raise ConfigError("PORTAL_ENV", f"must be development or production (got {mode!r})")

    database = _parse_database_url(env.get("PORTAL_DATABASE_URL") or DEFAULT_DATABASE_URL)
    var_dir = Path(env.get("PORTAL_VAR_DIR") or "var")
    documents_dir = Path(env.get("PORTAL_DOCUMENTS_DIR") or var_dir / "documents")

    base_url = (env.get("PORTAL_BASE_URL") or "http://127.0.0.1:8000").rstrip("/")
    parsed = urlparse(base_url)
    if parsed.scheme not in ("http", "https") or not parsed.netloc:
        raise ConfigError("PORTAL_BASE_URL", f"must be an http(s) URL (got {base_url!r})")
    if mode == "production" and parsed.scheme != "https":
        raise ConfigError("PORTAL_BASE_URL", "must use https in production")

    secret_key = env.get("PORTAL_SECRET_KEY") or ""
    if mode == "production":
        if not secret_key:
            raise ConfigError("PORTAL_SECRET_KEY", "is required in production")
        if len(secret_key) < 32:
            raise ConfigError("PORTAL_SECRET_KEY", "must be at least 32 characters long")
    elif not secret_key:
        secret_key = _development_secret(var_dir)

    redis_url = env.get("PORTAL_REDIS_URL") or None
    if redis_url and urlparse(redis_url).scheme not in ("redis", "rediss", "unix"):
        raise ConfigError("PORTAL_REDIS_URL", "must start with redis://, rediss:// or unix://")

    session = SessionSettings(
        redis_url=redis_url,
        idle_timeout=_parse_seconds(env, "PORTAL_SESSION_IDLE_TIMEOUT", 30 * 60),
        absolute_timeout=_parse_seconds(env, "PORTAL_SESSION_ABSOLUTE_TIMEOUT", 8 * 60 * 60),
    )
    return Settings(
        oidc=_parse_oidc(env, mode, base_url),
        support_contact=(env.get("PORTAL_SUPPORT_CONTACT") or "").strip(),
        trusted_proxies=_parse_trusted_proxies(env.get("PORTAL_TRUSTED_PROXIES") or ""),
        env=mode,
        database=database,
        documents_dir=documents_dir,
        secret_key=secret_key,
        base_url=base_url,
        session=session,
        var_dir=var_dir,
    )

"""Typed settings read from ``PORTAL_*`` environment variables.

Every value is validated when the settings are built; a bad value raises ``ConfigError`` naming the
variable, and the command line turns that into one line on stderr and a non-zero exit.
"""

from __future__ import annotations

import datetime as dt
import hashlib
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
class S3Settings:
    """The S3-compatible bucket (MinIO in production) that holds the documents."""

    endpoint: str
    """``host:port``, no scheme: ``secure`` chooses https or http."""
    access_key: str
    secret_key: str = field(repr=False)
    bucket: str
    secure: bool = True
    region: str | None = None


@dataclass(frozen=True)
class SmtpSettings:
    """Where the e-mail digest goes out (``portal digest send``)."""

    host: str
    port: int
    sender: str
    user: str | None = None
    password: str | None = field(default=None, repr=False)
    starttls: bool = True


AUDIT_RETENTION_DAYS = 3653
"""Ten years: the social-security sector keeps the logging of who consulted personal data for
ten years, so that an access can still be traced when a client or an inspector asks late."""

RETENTION_CLOSED_YEARS = 10
"""Ten years after it closed, a file is anonymised (``portal retention run``). An OCMW's
individual social file is kept as long as it can still be needed against or for the client: the
recovery of living wage paid wrongly prescribes after five years (law of 26 May 2002 on the right
to social integration, art. 29), but a recovery decided late or paid off in instalments runs on
for years after the file closed; and the archive selection lists for OCMWs keep individual social
files about ten years after they close before they may be destroyed. Ten years is also how long
the access log keeps who read the file (``AUDIT_RETENTION_DAYS``). Set it by the selection list
your archive applies and on your data protection officer's advice."""


@dataclass(frozen=True)
class RetentionSettings:
    """When closed files are anonymised (``PORTAL_RETENTION_CLOSED_YEARS``)."""

    closed_years: int = RETENTION_CLOSED_YEARS
    """Whole years after a file closed; at least one."""


@dataclass(frozen=True)
class StatementSettings:
    """Who answers for this installation, as the privacy and accessibility statements name them
    (``/privacy``, ``/accessibility``). GDPR art. 13 asks a privacy statement for the
    controller's identity and contact and the data protection officer's contact, and the Web
    Accessibility Directive a contact to report a barrier: production requires those
    (``STATEMENTS_REQUIRED``); development shows each missing one as "not configured"."""

    controller_name: str = ""
    controller_address: str = ""
    dpo_name: str = ""
    dpo_email: str = ""
    dpo_phone: str = ""
    accessibility_email: str = ""
    accessibility_reviewed: dt.date | None = None
    """When the operating organisation last reviewed the accessibility statement."""


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
    s3: S3Settings | None = None
    """Where documents live when not in ``documents_dir``."""
    upload_max_mb: int = 25
    smtp: SmtpSettings | None = None
    live_heartbeat: int = 15
    """Seconds between two heartbeats of a live stream; each re-checks the reader's session."""
    audit_retention_days: int = AUDIT_RETENTION_DAYS
    audit_key: str = ""
    """Signs the access log's prune checkpoints (``PORTAL_AUDIT_KEY``, else derived from the
    secret key)."""
    retention: RetentionSettings = field(default_factory=RetentionSettings)
    statements: StatementSettings = field(default_factory=StatementSettings)

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


def _parse_positive(env: Mapping[str, str], variable: str, default: int) -> int:
    raw = (env.get(variable) or "").strip()
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ConfigError(variable, f"must be a whole number (got {raw!r})") from None
    if value <= 0:
        raise ConfigError(variable, "must be greater than zero")
    return value


S3_REQUIRED = ("PORTAL_S3_ACCESS_KEY", "PORTAL_S3_SECRET_KEY", "PORTAL_S3_BUCKET")
_HOST_NAME = re.compile(
    r"[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*"
)
_BUCKET = re.compile(r"[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]")


def _parse_s3_endpoint(raw: str) -> str:
    """``host:port`` (``[::1]:9000`` for an IPv6 address): the scheme comes from
    ``PORTAL_S3_SECURE``, and the bucket is not part of it."""
    variable = "PORTAL_S3_ENDPOINT"
    if "://" in raw:
        raise ConfigError(
            variable, f"must be host:port without a scheme; use PORTAL_S3_SECURE (got {raw!r})"
        )
    host, sep, port = raw.rpartition(":")
    if not sep or not host:
        raise ConfigError(variable, f"must be host:port, e.g. minio.internal:9000 (got {raw!r})")
    if not port.isdigit() or not 0 < int(port) < 65536:
        raise ConfigError(variable, f"the port must be a number from 1 to 65535 (got {port!r})")
    if host.startswith("[") and host.endswith("]"):
        try:
            ipaddress.IPv6Address(host[1:-1])
        except ValueError:
            raise ConfigError(variable, f"not an IPv6 address: {host!r}") from None
    elif not _HOST_NAME.fullmatch(host):
        raise ConfigError(variable, f"must be host:port, e.g. minio.internal:9000 (got {raw!r})")
    return raw


def _parse_s3_bucket(raw: str) -> str:
    """A bucket name S3 accepts everywhere: 3-63 lowercase letters, digits, dots and hyphens,
    a letter or digit at each end, no ``..`` and not shaped like an IP address."""
    variable = "PORTAL_S3_BUCKET"
    if not _BUCKET.fullmatch(raw) or ".." in raw or ".-" in raw or "-." in raw:
        raise ConfigError(
            variable,
            "must be 3 to 63 lowercase letters, digits, dots and hyphens, starting and ending"
            f" with a letter or digit (got {raw!r})",
        )
    try:
        ipaddress.IPv4Address(raw)
    except ValueError:
        return raw
    raise ConfigError(variable, f"must not be shaped like an IP address (got {raw!r})")


def _parse_s3(env: Mapping[str, str]) -> S3Settings | None:
    endpoint = (env.get("PORTAL_S3_ENDPOINT") or "").strip()
    if not endpoint:
        return None
    values = {name: (env.get(name) or "").strip() for name in S3_REQUIRED}
    for name, value in values.items():
        if not value:
            raise ConfigError(name, "is required when PORTAL_S3_ENDPOINT is set")
    secure = (env.get("PORTAL_S3_SECURE") or "true").strip().lower()
    if secure not in ("true", "false"):
        raise ConfigError("PORTAL_S3_SECURE", f"must be true or false (got {secure!r})")
    return S3Settings(
        endpoint=_parse_s3_endpoint(endpoint),
        access_key=values["PORTAL_S3_ACCESS_KEY"],
        secret_key=values["PORTAL_S3_SECRET_KEY"],
        bucket=_parse_s3_bucket(values["PORTAL_S3_BUCKET"]),
        secure=secure == "true",
        region=(env.get("PORTAL_S3_REGION") or "").strip() or None,
    )


_ADDRESS = re.compile(r"[^@\s<>]+@[^@\s<>]+\.[^@\s<>]+")


def _parse_smtp(env: Mapping[str, str]) -> SmtpSettings | None:
    """No ``PORTAL_SMTP_HOST``: no e-mail at all. STARTTLS is on unless said otherwise, and the
    port follows it (587, or 25 without STARTTLS)."""
    host = (env.get("PORTAL_SMTP_HOST") or "").strip()
    if not host:
        return None
    starttls = (env.get("PORTAL_SMTP_STARTTLS") or "true").strip().lower()
    if starttls not in ("true", "false"):
        raise ConfigError("PORTAL_SMTP_STARTTLS", f"must be true or false (got {starttls!r})")
    sender = (env.get("PORTAL_SMTP_FROM") or "").strip()
    if not sender:
        raise ConfigError("PORTAL_SMTP_FROM", "is required when PORTAL_SMTP_HOST is set")
    if not _ADDRESS.fullmatch(sender):
        raise ConfigError("PORTAL_SMTP_FROM", f"must be an e-mail address (got {sender!r})")
    user = (env.get("PORTAL_SMTP_USER") or "").strip() or None
    password = env.get("PORTAL_SMTP_PASSWORD") or None
    if bool(user) != bool(password):
        variable = "PORTAL_SMTP_PASSWORD" if user else "PORTAL_SMTP_USER"
        raise ConfigError(variable, "PORTAL_SMTP_USER and PORTAL_SMTP_PASSWORD go together")
    default_port = 587 if starttls == "true" else 25
    port = _parse_positive(env, "PORTAL_SMTP_PORT", default_port)
    if port > 65535:
        raise ConfigError("PORTAL_SMTP_PORT", f"must be a port from 1 to 65535 (got {port})")
    return SmtpSettings(host, port, sender, user, password, starttls == "true")


STATEMENTS_REQUIRED = (
    "PORTAL_CONTROLLER_NAME",
    "PORTAL_CONTROLLER_ADDRESS",
    "PORTAL_DPO_EMAIL",
    "PORTAL_ACCESSIBILITY_EMAIL",
)
_PHONE = re.compile(r"\+?[0-9][0-9 ./()-]{5,24}")


def _parse_statements(env: Mapping[str, str], mode: str) -> StatementSettings:
    values = {
        name: " ".join((env.get(name) or "").split())
        for name in (
            *STATEMENTS_REQUIRED,
            "PORTAL_DPO_NAME",
            "PORTAL_DPO_PHONE",
            "PORTAL_ACCESSIBILITY_REVIEWED",
        )
    }
    if mode == "production":
        for name in STATEMENTS_REQUIRED:
            if not values[name]:
                raise ConfigError(
                    name,
                    "is required in production: the privacy and accessibility statements name it",
                )
    for name in ("PORTAL_DPO_EMAIL", "PORTAL_ACCESSIBILITY_EMAIL"):
        if values[name] and not _ADDRESS.fullmatch(values[name]):
            raise ConfigError(name, f"must be an e-mail address (got {values[name]!r})")
    phone = values["PORTAL_DPO_PHONE"]
    if phone and not _PHONE.fullmatch(phone):
        raise ConfigError(
            "PORTAL_DPO_PHONE", f"must be a phone number, e.g. +32 9 123 45 67 (got {phone!r})"
        )
    reviewed = values["PORTAL_ACCESSIBILITY_REVIEWED"]
    try:
        reviewed_on = dt.date.fromisoformat(reviewed) if reviewed else None
    except ValueError:
        raise ConfigError(
            "PORTAL_ACCESSIBILITY_REVIEWED", f"must be a date as YYYY-MM-DD (got {reviewed!r})"
        ) from None
    return StatementSettings(
        controller_name=values["PORTAL_CONTROLLER_NAME"],
        controller_address=values["PORTAL_CONTROLLER_ADDRESS"],
        dpo_name=values["PORTAL_DPO_NAME"],
        dpo_email=values["PORTAL_DPO_EMAIL"],
        dpo_phone=phone,
        accessibility_email=values["PORTAL_ACCESSIBILITY_EMAIL"],
        accessibility_reviewed=reviewed_on,
    )


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


def _audit_key(value: str, secret_key: str) -> str:
    """Its own key if given (kept when the secret key is rotated), else one derived from it."""
    if value and len(value) < 32:
        raise ConfigError("PORTAL_AUDIT_KEY", "must be at least 32 characters long")
    if value:
        return value
    return hashlib.sha256(f"brug audit checkpoints\n{secret_key}".encode()).hexdigest()


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
        statements=_parse_statements(env, mode),
        support_contact=(env.get("PORTAL_SUPPORT_CONTACT") or "").strip(),
        trusted_proxies=_parse_trusted_proxies(env.get("PORTAL_TRUSTED_PROXIES") or ""),
        s3=_parse_s3(env),
        upload_max_mb=_parse_positive(env, "PORTAL_UPLOAD_MAX_MB", 25),
        smtp=_parse_smtp(env),
        live_heartbeat=_parse_seconds(env, "PORTAL_LIVE_HEARTBEAT", 15),
        audit_retention_days=_parse_positive(
            env, "PORTAL_AUDIT_RETENTION_DAYS", AUDIT_RETENTION_DAYS
        ),
        audit_key=_audit_key(env.get("PORTAL_AUDIT_KEY") or "", secret_key),
        retention=RetentionSettings(
            closed_years=_parse_positive(
                env, "PORTAL_RETENTION_CLOSED_YEARS", RETENTION_CLOSED_YEARS
            )
        ),
        env=mode,
        database=database,
        documents_dir=documents_dir,
        secret_key=secret_key,
        base_url=base_url,
        session=session,
        var_dir=var_dir,
    )

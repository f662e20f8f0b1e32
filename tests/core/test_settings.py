from __future__ import annotations

from pathlib import Path

import pytest

from portal.core.db import engine_for
from portal.settings import ConfigError, S3Settings, SessionSettings, load_settings
from tests.support.statements import STATEMENTS

OIDC = {
    "PORTAL_OIDC_ISSUER": "https://login.example.be/realms/brug",
    "PORTAL_OIDC_CLIENT_ID": "brug",
    "PORTAL_OIDC_CLIENT_SECRET": "s3cret",
}
S3 = {
    "PORTAL_S3_ENDPOINT": "minio.internal:9000",
    "PORTAL_S3_ACCESS_KEY": "brug",
    "PORTAL_S3_SECRET_KEY": "s3cret-s3cret",
    "PORTAL_S3_BUCKET": "brug-documents",
}
PRODUCTION = {
    "PORTAL_ENV": "production",
    "PORTAL_SECRET_KEY": "k" * 40,
    "PORTAL_BASE_URL": "https://brug.example",
}


SMTP = {"PORTAL_SMTP_HOST": "mail.example.be", "PORTAL_SMTP_FROM": "brug@example.be"}


@pytest.mark.parametrize(
    ("env", "variable"),
    [
        ({"PORTAL_ENV": "staging"}, "PORTAL_ENV"),
        ({"PORTAL_DATABASE_URL": "mysql://db/x"}, "PORTAL_DATABASE_URL"),
        ({"PORTAL_DATABASE_URL": "postgresql://"}, "PORTAL_DATABASE_URL"),
        ({"PORTAL_BASE_URL": "ftp://x"}, "PORTAL_BASE_URL"),
        ({"PORTAL_ENV": "production", "PORTAL_BASE_URL": "https://b.example"}, "PORTAL_SECRET_KEY"),
        (
            {
                "PORTAL_ENV": "production",
                "PORTAL_SECRET_KEY": "short",
                "PORTAL_BASE_URL": "https://b.example",
            },
            "PORTAL_SECRET_KEY",
        ),
        ({"PORTAL_ENV": "production", "PORTAL_SECRET_KEY": "k" * 40}, "PORTAL_BASE_URL"),
        ({"PORTAL_REDIS_URL": "http://redis"}, "PORTAL_REDIS_URL"),
        ({"PORTAL_SESSION_IDLE_TIMEOUT": "soon"}, "PORTAL_SESSION_IDLE_TIMEOUT"),
        ({"PORTAL_SESSION_ABSOLUTE_TIMEOUT": "0"}, "PORTAL_SESSION_ABSOLUTE_TIMEOUT"),
        (PRODUCTION, "PORTAL_OIDC_ISSUER"),
        ({**OIDC, "PORTAL_OIDC_CLIENT_SECRET": ""}, "PORTAL_OIDC_CLIENT_SECRET"),
        ({"PORTAL_OIDC_CLIENT_ID": "brug"}, "PORTAL_OIDC_ISSUER"),
        ({**OIDC, "PORTAL_OIDC_ISSUER": "login.example.be"}, "PORTAL_OIDC_ISSUER"),
        ({**PRODUCTION, **OIDC, "PORTAL_OIDC_ISSUER": "http://idp"}, "PORTAL_OIDC_ISSUER"),
        ({**OIDC, "PORTAL_OIDC_SCOPES": "profile email"}, "PORTAL_OIDC_SCOPES"),
        ({**OIDC, "PORTAL_OIDC_ROLE_CLAIM": "roles[0]"}, "PORTAL_OIDC_ROLE_CLAIM"),
        ({**OIDC, "PORTAL_OIDC_ORG_CLAIM": "org code"}, "PORTAL_OIDC_ORG_CLAIM"),
        ({**OIDC, "PORTAL_OIDC_ROLE_MAP": "ocmw-mw"}, "PORTAL_OIDC_ROLE_MAP"),
        ({**OIDC, "PORTAL_OIDC_ROLE_MAP": "ocmw-mw=boss"}, "PORTAL_OIDC_ROLE_MAP"),
        ({"PORTAL_TRUSTED_PROXIES": "*"}, "PORTAL_TRUSTED_PROXIES"),
        ({"PORTAL_TRUSTED_PROXIES": "lb.example.be"}, "PORTAL_TRUSTED_PROXIES"),
        ({"PORTAL_TRUSTED_PROXIES": "10.0.0.5 10.0.0.6"}, "PORTAL_TRUSTED_PROXIES"),
        ({"PORTAL_TRUSTED_PROXIES": "10.0.0.0/33"}, "PORTAL_TRUSTED_PROXIES"),
        ({"PORTAL_TRUSTED_PROXIES": "10.0.0.5/8"}, "PORTAL_TRUSTED_PROXIES"),
        ({"PORTAL_TRUSTED_PROXIES": "10.0.0.5,\n10.0.0.6x"}, "PORTAL_TRUSTED_PROXIES"),
        ({**S3, "PORTAL_S3_ACCESS_KEY": ""}, "PORTAL_S3_ACCESS_KEY"),
        ({**S3, "PORTAL_S3_SECRET_KEY": " "}, "PORTAL_S3_SECRET_KEY"),
        ({"PORTAL_S3_ENDPOINT": "minio.internal:9000"}, "PORTAL_S3_ACCESS_KEY"),
        ({**S3, "PORTAL_S3_BUCKET": ""}, "PORTAL_S3_BUCKET"),
        ({**S3, "PORTAL_S3_ENDPOINT": "https://minio.internal:9000"}, "PORTAL_S3_ENDPOINT"),
        ({**S3, "PORTAL_S3_ENDPOINT": "minio.internal"}, "PORTAL_S3_ENDPOINT"),
        ({**S3, "PORTAL_S3_ENDPOINT": "minio.internal:"}, "PORTAL_S3_ENDPOINT"),
        ({**S3, "PORTAL_S3_ENDPOINT": ":9000"}, "PORTAL_S3_ENDPOINT"),
        ({**S3, "PORTAL_S3_ENDPOINT": "minio.internal:http"}, "PORTAL_S3_ENDPOINT"),
        ({**S3, "PORTAL_S3_ENDPOINT": "minio.internal:70000"}, "PORTAL_S3_ENDPOINT"),
        ({**S3, "PORTAL_S3_ENDPOINT": "minio.internal:9000/brug"}, "PORTAL_S3_ENDPOINT"),
        ({**S3, "PORTAL_S3_ENDPOINT": "user@minio.internal:9000"}, "PORTAL_S3_ENDPOINT"),
        ({**S3, "PORTAL_S3_ENDPOINT": "[::g]:9000"}, "PORTAL_S3_ENDPOINT"),
        ({**S3, "PORTAL_S3_BUCKET": "ab"}, "PORTAL_S3_BUCKET"),
        ({**S3, "PORTAL_S3_BUCKET": "b" * 64}, "PORTAL_S3_BUCKET"),
        ({**S3, "PORTAL_S3_BUCKET": "Brug-Documents"}, "PORTAL_S3_BUCKET"),
        ({**S3, "PORTAL_S3_BUCKET": "brug_documents"}, "PORTAL_S3_BUCKET"),
        ({**S3, "PORTAL_S3_BUCKET": "-brug"}, "PORTAL_S3_BUCKET"),
        ({**S3, "PORTAL_S3_BUCKET": "brug."}, "PORTAL_S3_BUCKET"),
        ({**S3, "PORTAL_S3_BUCKET": "brug..docs"}, "PORTAL_S3_BUCKET"),
        ({**S3, "PORTAL_S3_BUCKET": "192.168.1.4"}, "PORTAL_S3_BUCKET"),
        ({**S3, "PORTAL_S3_SECURE": "yes"}, "PORTAL_S3_SECURE"),
        ({**S3, "PORTAL_S3_SECURE": "0"}, "PORTAL_S3_SECURE"),
        ({"PORTAL_UPLOAD_MAX_MB": "0"}, "PORTAL_UPLOAD_MAX_MB"),
        ({"PORTAL_UPLOAD_MAX_MB": "-5"}, "PORTAL_UPLOAD_MAX_MB"),
        ({"PORTAL_UPLOAD_MAX_MB": "2.5"}, "PORTAL_UPLOAD_MAX_MB"),
        ({"PORTAL_UPLOAD_MAX_MB": "lots"}, "PORTAL_UPLOAD_MAX_MB"),
        ({"PORTAL_SMTP_HOST": "mail"}, "PORTAL_SMTP_FROM"),
        ({"PORTAL_SMTP_HOST": "mail", "PORTAL_SMTP_FROM": "brug"}, "PORTAL_SMTP_FROM"),
        ({**SMTP, "PORTAL_SMTP_STARTTLS": "yes"}, "PORTAL_SMTP_STARTTLS"),
        ({**SMTP, "PORTAL_SMTP_PORT": "0"}, "PORTAL_SMTP_PORT"),
        ({**SMTP, "PORTAL_SMTP_PORT": "70000"}, "PORTAL_SMTP_PORT"),
        ({**SMTP, "PORTAL_SMTP_USER": "brug"}, "PORTAL_SMTP_PASSWORD"),
        ({**SMTP, "PORTAL_SMTP_PASSWORD": "secret"}, "PORTAL_SMTP_USER"),
        ({"PORTAL_LIVE_HEARTBEAT": "0"}, "PORTAL_LIVE_HEARTBEAT"),
        ({"PORTAL_LIVE_HEARTBEAT": "often"}, "PORTAL_LIVE_HEARTBEAT"),
        ({"PORTAL_AUDIT_RETENTION_DAYS": "0"}, "PORTAL_AUDIT_RETENTION_DAYS"),
        ({"PORTAL_AUDIT_RETENTION_DAYS": "ten years"}, "PORTAL_AUDIT_RETENTION_DAYS"),
        ({"PORTAL_AUDIT_KEY": "short"}, "PORTAL_AUDIT_KEY"),
    ],
)
def test_bad_values_name_their_variable_in_one_line(
    env: dict[str, str], variable: str, tmp_path: Path
) -> None:
    with pytest.raises(ConfigError) as raised:
        load_settings({"PORTAL_VAR_DIR": str(tmp_path), **env})
    assert raised.value.variable == variable
    assert str(raised.value).startswith(variable + ":")
    assert "\n" not in str(raised.value)


def test_defaults_are_the_embedded_portal(tmp_path: Path) -> None:
    settings = load_settings({"PORTAL_VAR_DIR": str(tmp_path)})
    assert settings.env == "development"
    assert settings.database.url == "sqlite:///var/portal.sqlite3"
    assert settings.documents_dir == tmp_path / "documents"
    assert settings.base_url == "http://127.0.0.1:8000"
    assert settings.session.redis_url is None
    assert (settings.session.idle_timeout, settings.session.absolute_timeout) == (1800, 28800)
    assert settings.trusted_proxies == ()
    again = load_settings({"PORTAL_VAR_DIR": str(tmp_path)})
    assert settings.secret_key == again.secret_key and len(settings.secret_key) >= 32


def test_production_settings(tmp_path: Path) -> None:
    settings = load_settings(
        {
            "PORTAL_ENV": "production",
            "PORTAL_SECRET_KEY": "k" * 40,
            "PORTAL_BASE_URL": "https://brug.example/",
            "PORTAL_DATABASE_URL": "postgresql://u:p@db:5432/brug",
            "PORTAL_REDIS_URL": "redis://cache:6379/0",
            "PORTAL_DOCUMENTS_DIR": str(tmp_path / "docs"),
            **OIDC,
            **STATEMENTS,
        }
    )
    assert settings.is_production and settings.secure_cookies
    assert settings.base_url == "https://brug.example"
    assert settings.session.redis_url == "redis://cache:6379/0"


def test_a_database_url_may_name_the_primary_and_its_standby(tmp_path: Path) -> None:
    """Production's failover pair: each new connection goes to whichever is the primary."""
    url = "postgresql://u:p@db-a:5432,db-b:5432/brug?target_session_attrs=read-write"
    settings = load_settings({"PORTAL_VAR_DIR": str(tmp_path), "PORTAL_DATABASE_URL": url})
    assert settings.database.url == url
    assert engine_for(url).config["dsn"] == url


def test_oidc_settings(tmp_path: Path) -> None:
    settings = load_settings(
        {
            "PORTAL_VAR_DIR": str(tmp_path),
            "PORTAL_BASE_URL": "https://brug.example/",
            **OIDC,
            "PORTAL_OIDC_SCOPES": "openid  profile email groups",
            "PORTAL_OIDC_ROLE_CLAIM": "realm_access.roles",
            "PORTAL_OIDC_ORG_CLAIM": "organisation",
            "PORTAL_OIDC_ROLE_MAP": "ocmw-mw=social_worker, vdab-bemiddelaar=mediator,",
        }
    )
    oidc = settings.oidc
    assert oidc is not None
    assert oidc.issuer == "https://login.example.be/realms/brug"
    assert oidc.redirect_uri == "https://brug.example/auth/callback"
    assert oidc.post_logout_redirect_uri == "https://brug.example"
    assert oidc.scopes == "openid profile email groups"
    assert (oidc.role_claim, oidc.org_claim) == ("realm_access.roles", "organisation")
    assert oidc.role_map == {"ocmw-mw": "social_worker", "vdab-bemiddelaar": "mediator"}


def test_oidc_defaults_and_development_without_it(tmp_path: Path) -> None:
    assert load_settings({"PORTAL_VAR_DIR": str(tmp_path)}).oidc is None
    oidc = load_settings({"PORTAL_VAR_DIR": str(tmp_path), **OIDC}).oidc
    assert oidc is not None
    assert (oidc.scopes, oidc.role_claim, oidc.org_claim) == (
        "openid profile email",
        "roles",
        "org",
    )
    assert oidc.role_map == {}


def test_the_absolute_session_timeout_is_a_working_day_unless_set(tmp_path: Path) -> None:
    assert SessionSettings(redis_url=None).absolute_timeout == 8 * 60 * 60
    settings = load_settings(
        {"PORTAL_VAR_DIR": str(tmp_path), "PORTAL_SESSION_ABSOLUTE_TIMEOUT": "36000"}
    )
    assert settings.session.absolute_timeout == 36000


@pytest.mark.parametrize(
    ("raw", "proxies"),
    [
        ("", ()),
        (" , ", ()),
        ("127.0.0.1", ("127.0.0.1/32",)),
        ("10.0.0.5, 10.1.0.0/16,fd00::/8", ("10.0.0.5/32", "10.1.0.0/16", "fd00::/8")),
        ("::1,", ("::1/128",)),
    ],
)
def test_trusted_proxies_are_addresses_or_networks(
    raw: str, proxies: tuple[str, ...], tmp_path: Path
) -> None:
    settings = load_settings({"PORTAL_VAR_DIR": str(tmp_path), "PORTAL_TRUSTED_PROXIES": raw})
    assert settings.trusted_proxies == proxies


def test_documents_stay_local_unless_an_s3_endpoint_is_set(tmp_path: Path) -> None:
    settings = load_settings({"PORTAL_VAR_DIR": str(tmp_path)})
    assert settings.s3 is None
    assert settings.upload_max_mb == 25
    without_endpoint = {**S3, "PORTAL_S3_ENDPOINT": ""}
    assert load_settings({"PORTAL_VAR_DIR": str(tmp_path), **without_endpoint}).s3 is None


def test_s3_settings(tmp_path: Path) -> None:
    settings = load_settings({"PORTAL_VAR_DIR": str(tmp_path), **S3})
    assert settings.s3 == S3Settings(
        endpoint="minio.internal:9000",
        access_key="brug",
        secret_key="s3cret-s3cret",
        bucket="brug-documents",
        secure=True,
        region=None,
    )
    assert "s3cret-s3cret" not in repr(settings.s3)
    plain = load_settings(
        {
            "PORTAL_VAR_DIR": str(tmp_path),
            **S3,
            "PORTAL_S3_ENDPOINT": "[fd00::5]:9000",
            "PORTAL_S3_BUCKET": "brug.docs-2",
            "PORTAL_S3_SECURE": "False",
            "PORTAL_S3_REGION": "eu-west-1",
        }
    ).s3
    assert plain is not None
    assert (plain.endpoint, plain.bucket) == ("[fd00::5]:9000", "brug.docs-2")
    assert (plain.secure, plain.region) == (False, "eu-west-1")
    for endpoint in ("127.0.0.1:9000", "minio:443", "s3.eu-west-1.amazonaws.com:443"):
        env = {"PORTAL_VAR_DIR": str(tmp_path), **S3, "PORTAL_S3_ENDPOINT": endpoint}
        assert load_settings(env).s3 is not None


@pytest.mark.parametrize("bucket", ["abc", "b" * 63, "brug-docs.2026", "0-brug"])
def test_bucket_names_of_three_to_sixty_three_characters(bucket: str, tmp_path: Path) -> None:
    settings = load_settings({"PORTAL_VAR_DIR": str(tmp_path), **S3, "PORTAL_S3_BUCKET": bucket})
    assert settings.s3 is not None and settings.s3.bucket == bucket


def test_smtp_settings(tmp_path: Path) -> None:
    assert load_settings({"PORTAL_VAR_DIR": str(tmp_path)}).smtp is None, "no host: no e-mail"
    smtp = load_settings({"PORTAL_VAR_DIR": str(tmp_path), **SMTP}).smtp
    assert smtp is not None
    assert (smtp.host, smtp.port, smtp.starttls, smtp.sender) == (
        "mail.example.be",
        587,
        True,
        "brug@example.be",
    )
    relay = load_settings(
        {
            "PORTAL_VAR_DIR": str(tmp_path),
            **SMTP,
            "PORTAL_SMTP_STARTTLS": "false",
            "PORTAL_SMTP_USER": "brug",
            "PORTAL_SMTP_PASSWORD": "s3cret-password",
        }
    ).smtp
    assert relay is not None
    assert (relay.port, relay.starttls, relay.user) == (25, False, "brug")
    assert "s3cret-password" not in repr(relay), "the password stays out of logs"


def test_live_heartbeat(tmp_path: Path) -> None:
    assert load_settings({"PORTAL_VAR_DIR": str(tmp_path)}).live_heartbeat == 15
    env = {"PORTAL_VAR_DIR": str(tmp_path), "PORTAL_LIVE_HEARTBEAT": "5"}
    assert load_settings(env).live_heartbeat == 5


def test_audit_retention_and_key(tmp_path: Path) -> None:
    base = {"PORTAL_VAR_DIR": str(tmp_path), "PORTAL_SECRET_KEY": "s" * 40}
    settings = load_settings(base)
    assert settings.audit_retention_days == 3653, "ten years by default"
    assert settings.audit_key and "s" * 40 not in settings.audit_key, "derived, not the secret"
    rotated = load_settings({**base, "PORTAL_SECRET_KEY": "t" * 40})
    assert rotated.audit_key != settings.audit_key
    own = {"PORTAL_AUDIT_KEY": "a" * 40, "PORTAL_AUDIT_RETENTION_DAYS": "730"}
    kept = load_settings({**base, **own})
    assert (kept.audit_key, kept.audit_retention_days) == ("a" * 40, 730)
    assert load_settings({**base, "PORTAL_SECRET_KEY": "t" * 40, **own}).audit_key == "a" * 40


def test_upload_limit(tmp_path: Path) -> None:
    env = {"PORTAL_VAR_DIR": str(tmp_path), "PORTAL_UPLOAD_MAX_MB": "100"}
    assert load_settings(env).upload_max_mb == 100

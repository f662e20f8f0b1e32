from __future__ import annotations

from pathlib import Path

import pytest

from portal.settings import ConfigError, load_settings


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
    assert (settings.session.idle_timeout, settings.session.absolute_timeout) == (1800, 43200)
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
        }
    )
    assert settings.is_production and settings.secure_cookies
    assert settings.base_url == "https://brug.example"
    assert settings.session.redis_url == "redis://cache:6379/0"

"""``portal retention run`` end to end in a subprocess, on the test database and the S3 store:
``--dry-run`` reports and changes nothing, a run anonymises and reports per file id (never a
name); a bad ``PORTAL_RETENTION_CLOSED_YEARS`` refuses to start, naming the variable."""

from __future__ import annotations

import asyncio
import subprocess
import sys
from pathlib import Path

import pytest

from portal.retention.services import cutoff_for
from portal.settings import RETENTION_CLOSED_YEARS, ConfigError, load_settings
from portal.testing.processes import clean_env
from tests.conftest import TEST_DATABASE_URL
from tests.retention.seeding import add_file, mentions, retention_world, sql
from tests.retention.test_run import NOW, OLD
from tests.support.s3 import S3Bucket

PORTAL = str(Path(sys.executable).with_name("portal"))


def _run(argv: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(argv, env=env, capture_output=True, text=True, timeout=120, check=False)


async def test_portal_retention_run(s3_bucket: S3Bucket, tmp_path: Path) -> None:
    world = await retention_world()
    old = await add_file(world, s3_bucket.store(), OLD, closed=cutoff_for(NOW, 11))
    await add_file(world, s3_bucket.store(), "RTNINEYEARS", closed=cutoff_for(NOW, 9))
    env = clean_env(
        PORTAL_DATABASE_URL=TEST_DATABASE_URL,
        PORTAL_VAR_DIR=str(tmp_path / "var"),
        PORTAL_RETENTION_CLOSED_YEARS="10",
        **s3_bucket.env,
    )
    dry = await asyncio.to_thread(_run, [PORTAL, "retention", "run", "--dry-run"], env)
    assert dry.returncode == 0, dry.stderr
    assert "would anonymise 1 file(s)" in dry.stdout and f"file {old} " in dry.stdout
    assert await mentions(OLD), "a dry run changes nothing"

    done = await asyncio.to_thread(_run, [PORTAL, "retention", "run"], env)
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert "closed more than 10 years ago" in lines[0]
    assert lines[1].startswith(f"file {old} (closed ")
    assert "11 field(s) cleared" in lines[1] and "3 document version(s) deleted" in lines[1]
    assert lines[-1] == "portal: anonymised 1 file(s)"
    assert OLD.lower() not in done.stdout.lower(), "the report names no one"
    assert await mentions(OLD) == []
    assert len(await sql("SELECT id FROM retention_deletion")) == 1

    again = await asyncio.to_thread(_run, [PORTAL, "retention", "run"], env)
    assert again.returncode == 0 and again.stdout.splitlines()[-1] == "portal: anonymised 0 file(s)"


@pytest.mark.parametrize("value", ["0", "-3", "ten", "2.5"])
async def test_a_bad_period_refuses_to_start(tmp_path: Path, value: str) -> None:
    env = clean_env(
        PORTAL_DATABASE_URL=TEST_DATABASE_URL,
        PORTAL_VAR_DIR=str(tmp_path / "var"),
        PORTAL_RETENTION_CLOSED_YEARS=value,
    )
    refused = await asyncio.to_thread(_run, [PORTAL, "retention", "run"], env)
    assert refused.returncode == 2
    assert "PORTAL_RETENTION_CLOSED_YEARS" in refused.stderr
    with pytest.raises(ConfigError) as error:
        load_settings({"PORTAL_VAR_DIR": str(tmp_path), "PORTAL_RETENTION_CLOSED_YEARS": value})
    assert error.value.variable == "PORTAL_RETENTION_CLOSED_YEARS"


def test_the_period_is_ten_years_unless_set(tmp_path: Path) -> None:
    assert RETENTION_CLOSED_YEARS == 10
    env = {"PORTAL_VAR_DIR": str(tmp_path)}
    assert load_settings(env).retention.closed_years == 10
    later = load_settings({**env, "PORTAL_RETENTION_CLOSED_YEARS": " 12 "})
    assert later.retention.closed_years == 12

"""The migration that stopped storing ready-made Dutch lines keeps what people typed.

It runs in a process of its own on a database of its own (the engine is chosen at import): the
schema as it was before, rows as the old code wrote them, then every migration.
"""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
import textwrap
from pathlib import Path
from urllib.parse import urlparse

import asyncpg

from tests.conftest import TEST_DATABASE_URL, WORKER

BEFORE = "2026-11-23T11:59:00:000000"
SCRIPT = textwrap.dedent(
    f"""
    import asyncio, json
    from piccolo.apps.migrations.commands.forwards import run_forwards
    from portal.core import db

    ROWS = [
        ("registration", "Dossier geopend bij team activering", "Aangemeld na het leefloon.",
         '{{"channel": "onthaal"}}'),
        ("note", "Huisbezoek", "Brieven samen overlopen.", '{{}}'),
        ("ladder.changed", "Trede 1 → 2: praatgroep", "Besproken met de cliënt.",
         '{{"step_from": 1, "step_to": 2}}'),
        ("health.noted", "Gezondheid", "Rugklachten.", '{{}}'),
        ("invitation", "Uitnodiging gesprek VDAB op 26 november", "Per brief en sms.", '{{}}'),
    ]

    async def main():
        await db.start()
        for app in ("accounts", "audit"):
            assert (await run_forwards(app_name=app)).success
        assert (await run_forwards(app_name="clients", migration_id="{BEFORE}")).success
        run = db.DB.run_querystring
        from piccolo.querystring import QueryString as Q
        await run(Q("INSERT INTO organisation (code, name, kind) VALUES ('o', 'O', 'ocmw')"))
        await run(Q("INSERT INTO client (ocmw, first_name, last_name, created_at) "
                    "VALUES (1, 'A', 'B', CURRENT_TIMESTAMP)"))
        for kind, title, body, payload in ROWS:
            await run(Q(
                "INSERT INTO timeline_event (client, kind, occurred_at, author_org, audience, "
                "sensitivity, title, body, payload) VALUES (1, {{}}, CURRENT_TIMESTAMP, 1, "
                "'care_team', 'trajectory', {{}}, {{}}, {{}})", kind, title, body, payload))
        assert (await run_forwards(app_name="all")).success
        rows = await run(Q("SELECT kind, text, payload FROM timeline_event ORDER BY id"))
        print(json.dumps([dict(r) for r in rows], default=str))
        await db.stop()

    asyncio.run(main())
    """
)


def _fresh_url(tmp_path: Path) -> str:
    if TEST_DATABASE_URL.startswith("sqlite"):
        return f"sqlite:///{tmp_path}/migration.sqlite3"
    parsed = urlparse(TEST_DATABASE_URL)
    return parsed._replace(path=f"/brug_migration_{WORKER}").geturl()


async def _recreate(url: str) -> None:
    if url.startswith("sqlite"):
        return
    name = urlparse(url).path.lstrip("/")
    admin = await asyncpg.connect(urlparse(url)._replace(path="/postgres").geturl())
    try:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.execute(f'CREATE DATABASE "{name}"')
    finally:
        await admin.close()


async def test_titles_and_bodies_become_codes_payloads_and_typed_text(tmp_path: Path) -> None:
    url = _fresh_url(tmp_path)
    await _recreate(url)
    env = {"PORTAL_DATABASE_URL": url, "PICCOLO_CONF": "portal.piccolo_conf", "PATH": ""}
    done = await asyncio.to_thread(
        subprocess.run,
        [sys.executable, "-c", SCRIPT],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    rows = json.loads(done.stdout.strip().splitlines()[-1])
    payloads = [
        json.loads(r["payload"]) if isinstance(r["payload"], str) else r["payload"] for r in rows
    ]
    assert [r["kind"] for r in rows] == [
        "client.registered",
        "note.added",
        "ladder.changed",
        "note.added",
        "invitation",
    ]
    assert [r["text"] for r in rows] == [
        "Aangemeld na het leefloon.",
        "Brieven samen overlopen.",
        "Besproken met de cliënt.",
        "Rugklachten.",
        "Per brief en sms.",
    ]
    assert payloads[0] == {"channel": "onthaal", "subject": "Dossier geopend bij team activering"}
    assert payloads[1] == {"subject": "Huisbezoek"}
    assert payloads[2]["step_to"] == 2 and payloads[2]["subject"].startswith("Trede 1")
    assert payloads[4] == {"subject": "Uitnodiging gesprek VDAB op 26 november"}

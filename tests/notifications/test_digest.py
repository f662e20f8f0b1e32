"""The e-mail digest against a real SMTP server process (aiosmtpd, writing a Maildir): who gets
one, what it says (a number and a link, never a name), and once a day at most."""

from __future__ import annotations

import asyncio
import datetime as dt
import mailbox
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from email.message import Message
from pathlib import Path

import pytest

from portal.accounts.tables import Person
from portal.notifications.digest import send
from portal.notifications.tables import DigestChoice, InboxItem
from portal.settings import SmtpSettings
from portal.testing.processes import clean_env, free_port
from tests.conftest import TEST_DATABASE_URL
from tests.support.factories import World, build_world

BASE_URL = "https://brug.example.org"
SENDER = "brug@example.org"


class SmtpServer:
    def __init__(self, port: int, maildir: Path) -> None:
        self.port = port
        self.maildir = maildir

    def messages(self) -> list[Message]:
        return list(mailbox.Maildir(self.maildir, create=False))

    def settings(self) -> SmtpSettings:
        return SmtpSettings("127.0.0.1", self.port, SENDER, starttls=False)


@pytest.fixture
def smtp(tmp_path: Path) -> Iterator[SmtpServer]:
    """A real SMTP server in its own process, delivering to a Maildir."""
    port, maildir = free_port(), tmp_path / "maildir"
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "aiosmtpd",
            "-n",
            "-l",
            f"127.0.0.1:{port}",
            "-c",
            "aiosmtpd.handlers.Mailbox",
            str(maildir),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    output = process.stdout.read().decode() if process.stdout else ""
                    raise RuntimeError(f"aiosmtpd did not start: {output}") from None
                time.sleep(0.05)
        yield SmtpServer(port, maildir)
    finally:
        process.terminate()
        process.wait(timeout=10)
        if process.stdout:
            process.stdout.close()


def _run(argv: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(argv, env=env, capture_output=True, text=True, timeout=120, check=False)


async def _items(world: World, username: str, count: int, *, at: dt.datetime) -> None:
    await InboxItem.insert(
        *(
            InboxItem(
                person=world.people[username],
                kind="file.left_team",
                record="client",
                record_id=world.clients["X"],
                created_at=at,
            )
            for _ in range(count)
        )
    )


async def _choose(world: World, username: str, frequency: str = "daily") -> None:
    await DigestChoice(person=world.people[username], frequency=frequency).save()


async def test_the_digest_says_how_many_items_wait_and_nothing_else(smtp: SmtpServer) -> None:
    world = await build_world()
    now = dt.datetime.now(dt.UTC)
    await _items(world, "sw.a", 3, at=now - dt.timedelta(hours=1))
    await _items(world, "toeleider", 1, at=now - dt.timedelta(hours=1))
    await _items(world, "mediator", 2, at=now - dt.timedelta(hours=1))
    await _items(world, "sw.b", 2, at=now - dt.timedelta(hours=1))
    for username in ("sw.a", "toeleider", "sw.a2"):
        await _choose(world, username)
    await _choose(world, "mediator", "off")
    await _choose(world, "sw.b")
    await Person.update({Person.active: False}).where(Person.id == world.people["sw.b"])

    report = await send(smtp.settings(), BASE_URL, now=now)

    assert (report.sent, report.nothing_new, report.sent_today) == (2, 1, 0)
    mails = {mail["To"]: mail for mail in smtp.messages()}
    assert set(mails) == {"sw.a@example.org", "toeleider@example.org"}
    body = mails["sw.a@example.org"].get_payload(decode=True).decode()
    assert "3 nieuwe meldingen" in body and "3 new items" in body
    assert f"{BASE_URL}/inbox" in body
    assert "1 nieuwe melding " in mails["toeleider@example.org"].get_payload(decode=True).decode()
    everything = "\n".join(mail.as_string() for mail in mails.values())
    for name in ("FirstX", "LastX", "S3CRET", "TRJ-"):
        assert name not in everything, "an e-mail names no client and no record"
    assert mails["sw.a@example.org"]["From"] == SENDER


async def test_the_digest_goes_once_a_day_and_only_for_what_came_since(smtp: SmtpServer) -> None:
    world = await build_world()
    now = dt.datetime.now(dt.UTC)
    await _items(world, "sw.a", 2, at=now - dt.timedelta(days=2))
    await _choose(world, "sw.a")
    assert (await send(smtp.settings(), BASE_URL, now=now)).sent == 1
    again = await send(smtp.settings(), BASE_URL, now=now + dt.timedelta(minutes=5))
    assert (again.sent, again.sent_today) == (0, 1), "not twice on one day"
    assert len(smtp.messages()) == 1
    await DigestChoice.update({DigestChoice.last_sent_at: now - dt.timedelta(days=1)}).where(
        DigestChoice.person == world.people["sw.a"]
    )
    quiet = await send(smtp.settings(), BASE_URL, now=now)
    assert (quiet.sent, quiet.nothing_new) == (0, 1), "nothing arrived since the last digest"
    await _items(world, "sw.a", 1, at=now)
    later = await send(smtp.settings(), BASE_URL, now=now + dt.timedelta(seconds=1))
    assert later.sent == 1
    newest = max(smtp.messages(), key=lambda mail: "1 nieuwe melding " in mail.as_string())
    assert "1 nieuwe melding " in newest.get_payload(decode=True).decode()


async def test_portal_digest_send_runs_from_the_command_line(
    smtp: SmtpServer, tmp_path: Path
) -> None:
    world = await build_world()
    await _items(world, "sw.a", 4, at=dt.datetime.now(dt.UTC))
    await _choose(world, "sw.a")
    env = clean_env(
        PORTAL_DATABASE_URL=TEST_DATABASE_URL,
        PORTAL_VAR_DIR=str(tmp_path / "var"),
        PORTAL_BASE_URL=BASE_URL,
        PORTAL_SMTP_HOST="127.0.0.1",
        PORTAL_SMTP_PORT=str(smtp.port),
        PORTAL_SMTP_FROM=SENDER,
        PORTAL_SMTP_STARTTLS="false",
    )
    portal = Path(sys.executable).with_name("portal")
    done = await asyncio.to_thread(_run, [str(portal), "digest", "send"], env)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "digest sent to 1 person" in done.stdout
    assert [mail["To"] for mail in smtp.messages()] == ["sw.a@example.org"]
    unset = {k: v for k, v in env.items() if k != "PORTAL_SMTP_HOST"}
    without = await asyncio.to_thread(_run, [str(portal), "digest", "send"], unset)
    assert without.returncode == 2 and "PORTAL_SMTP_HOST" in without.stderr

"""A live stream's reader is checked again at every message and heartbeat, in-process on SQLite and
PostgreSQL: a logout, an expired session or a deactivation ends the stream (``EndStream``); a
provider login due for its re-validation makes the browser reconnect through the login guard."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from portal.accounts.live import Reader
from portal.accounts.services import load_viewer
from portal.accounts.tables import Person
from portal.core import live
from portal.core.sessions import FileSessionStore, SessionData
from portal.settings import SessionSettings
from tests.support.factories import make_org, make_person

SETTINGS = SessionSettings(redis_url=None, idle_timeout=600, absolute_timeout=3600)
TOKEN = "a-session-token"


async def _reader(tmp_path: Path, **session: int) -> tuple[Reader, FileSessionStore, int]:
    org = await make_org("ocmw-live", "ocmw")
    person = await make_person("sw.live", org, "social_worker")
    store = FileSessionStore(tmp_path / "sessions")
    data = SessionData.fresh(person)
    for name, value in session.items():
        setattr(data, name, value)
    await store.save(TOKEN, data, 600, new=True)
    viewer = await load_viewer(person)
    assert viewer is not None
    return Reader(store, SETTINGS, TOKEN, viewer, recheck_every=300), store, person


async def test_a_live_session_goes_on_with_the_person_as_they_are_now(tmp_path: Path) -> None:
    reader, _store, person = await _reader(tmp_path)
    await Person.update({Person.display_name: "Renamed Reader"}).where(Person.id == person)
    await reader.check()
    assert reader.viewer.display_name == "Renamed Reader"


async def test_a_logout_ends_the_stream(tmp_path: Path) -> None:
    reader, store, person = await _reader(tmp_path)
    await store.end(TOKEN, person)
    with pytest.raises(live.EndStream):
        await reader.check()


async def test_a_deactivation_ends_the_stream(tmp_path: Path) -> None:
    reader, _store, person = await _reader(tmp_path)
    await Person.update({Person.active: False}).where(Person.id == person)
    with pytest.raises(live.EndStream):
        await reader.check()


async def test_ending_all_sessions_of_the_person_ends_the_stream(tmp_path: Path) -> None:
    reader, store, person = await _reader(tmp_path)
    await store.end_sessions_of(person)
    with pytest.raises(live.EndStream):
        await reader.check()


@pytest.mark.parametrize("field", ["seen", "created"])
async def test_an_expired_session_ends_the_stream(tmp_path: Path, field: str) -> None:
    reader, _store, _person = await _reader(tmp_path, **{field: int(time.time()) - 4000})
    with pytest.raises(live.EndStream):
        await reader.check()


async def test_a_session_of_another_person_under_the_token_ends_the_stream(
    tmp_path: Path,
) -> None:
    reader, store, person = await _reader(tmp_path)
    await store.save(TOKEN, SessionData.fresh(person + 1000), 600, new=True)
    with pytest.raises(live.EndStream):
        await reader.check()


async def test_a_provider_login_checked_recently_goes_on(tmp_path: Path) -> None:
    reader, _store, _person = await _reader(tmp_path, provider_checked=int(time.time()))
    await reader.check()


async def test_a_provider_login_due_for_its_check_reconnects(tmp_path: Path) -> None:
    reader, _store, _person = await _reader(tmp_path, provider_checked=int(time.time()) - 301)
    with pytest.raises(live.Reconnect):
        await reader.check()

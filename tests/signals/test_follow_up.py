"""What surrounds the follow-up: the themes as the database holds them (deadline, active, added
ones), the notices that tell the reporter and the handler of each change, and photos or documents
attached to a signal."""

from __future__ import annotations

import datetime as dt

import httpx
import pytest

from portal.clients.changes import Invalid
from portal.notifications.tables import InboxItem
from portal.signals import services, themes
from portal.signals.tables import Signal, SignalChange, SignalTheme
from portal.visibility.scoping import unscoped
from tests.courses.conftest import login_en
from tests.support.documents import pdf
from tests.support.factories import build_world
from tests.support.trajectory import viewer_of

MONDAY = dt.datetime(2026, 12, 7, 9, 0, tzinfo=dt.UTC)


def _form(**values: str) -> dict[str, str]:
    return {
        "theme": "housing",
        "title": "Huurwaarborg via het OCMW duurt maanden",
        "description": "Verhuurders haken af omdat de waarborg zo lang uitblijft.",
        "municipality": "Zottegem",
        "urgency": "normal",
        **values,
    }


async def test_the_deadline_and_the_offer_come_from_the_database() -> None:
    world = await build_world()
    toeleider = await viewer_of(world, "toeleider")
    await SignalTheme.update({SignalTheme.deadline: 3}).where(SignalTheme.code == "housing")
    await SignalTheme.update({SignalTheme.active: False}).where(SignalTheme.code == "money")
    signal_id = await services.capture(toeleider, _form(), now=MONDAY)
    with unscoped("test: the row as written"):
        row = await Signal.select(Signal.due_on).where(Signal.id == signal_id).first()
    assert row is not None and row["due_on"] == dt.date(2026, 12, 10), "3 working days"
    with pytest.raises(Invalid) as refused:
        await services.capture(toeleider, _form(theme="money"))
    assert set(refused.value.errors) == {"theme"}, "an inactive theme is no longer offered"
    offered = [theme.code for theme in await themes.catalog(active_only=True)]
    assert "money" not in offered and offered[0] == "civil_affairs" and len(offered) == 9


async def test_an_added_theme_carries_its_name(client: httpx.AsyncClient) -> None:
    world = await build_world()
    await SignalTheme(code="energy", name="Energiearmoede", deadline=5, position=20).save()
    toeleider = await viewer_of(world, "toeleider")
    signal_id = await services.capture(toeleider, _form(theme="energy"), now=MONDAY)
    view = await services.find_signal(toeleider, signal_id)
    assert (view.theme.code, view.theme.label, view.theme.standard) == (
        "energy",
        "Energiearmoede",
        False,
    )
    assert view.due_on == dt.date(2026, 12, 14), "its own deadline of 5 working days"
    await login_en(client, "toeleider")
    assert "Energiearmoede" in (await client.get(f"/signals/{signal_id}")).text
    assert "Energiearmoede" in (await client.get("/signals/new")).text


async def test_every_change_is_a_notice_to_the_reporter_and_the_handler() -> None:
    world = await build_world()
    toeleider = await viewer_of(world, "toeleider")
    sw_a = await viewer_of(world, "sw.a")
    signal_id = await services.capture(toeleider, _form(), now=MONDAY)
    await services.assign(sw_a, signal_id, sw_a.person_id)
    await services.move(sw_a, signal_id, "take_up", {})
    await services.comment(toeleider, signal_id, "Nog een voorbeeld uit Erwetegem.")
    assert await services.news_of(toeleider, [signal_id]) == {signal_id: 2}
    assert await services.news_of(sw_a, [signal_id]) == {signal_id: 1}, "the reporter's comment"
    signal = await services.find_signal(toeleider, signal_id)
    new = await services.take_news(toeleider, signal)
    changes = await SignalChange.select(SignalChange.id, SignalChange.kind).where(
        SignalChange.signal == signal_id
    )
    assert new == {c["id"] for c in changes if c["kind"] in ("assign", "state")} - {
        min(c["id"] for c in changes)
    }, "the assignment and the move, not the report itself"
    assert await services.news_of(toeleider, [signal_id]) == {}
    assert await services.news_of(sw_a, [signal_id]) == {signal_id: 1}, "each reader their own"


async def test_the_signal_page_marks_what_is_new_once(client: httpx.AsyncClient) -> None:
    world = await build_world()
    toeleider = await viewer_of(world, "toeleider")
    sw_a = await viewer_of(world, "sw.a")
    signal_id = await services.capture(toeleider, _form(), now=MONDAY)
    await services.move(sw_a, signal_id, "take_up", {})
    await login_en(client, "toeleider")
    first = (await client.get(f"/signals/{signal_id}")).text
    assert first.count('<span class="tag tag-active">new</span>') == 1
    again = (await client.get(f"/signals/{signal_id}")).text
    assert '<span class="tag tag-active">new</span>' not in again
    unread = InboxItem.count().where(
        (InboxItem.person == toeleider.person_id) & InboxItem.read_at.is_null()
    )
    assert await unread == 0, "looking at the signal read the reporter's inbox items"


async def test_a_photo_on_a_structural_signal_is_for_the_ocmw_only(
    client: httpx.AsyncClient,
) -> None:
    world = await build_world()
    toeleider = await viewer_of(world, "toeleider")
    signal_id = await services.capture(toeleider, _form(), now=MONDAY)
    token = await login_en(client, "toeleider")
    page = (await client.get(f"/signals/{signal_id}")).text
    assert f'action="/attachments/signal/{signal_id}"' in page
    assert "social workers see what is attached" in page
    sent = await client.post(
        f"/attachments/signal/{signal_id}",
        data={"csrf_token": token, "category": "photo"},
        files={"file": ("brief-S3CRET.pdf", pdf("S3CRET-LETTER"), "application/pdf")},
    )
    assert sent.status_code == 303
    assert sent.headers["location"] == f"/signals/{signal_id}?done=document#documents"
    after = (await client.get(sent.headers["location"])).text
    assert "The document has been added." in after
    assert "brief-S3CRET.pdf" not in after, "the reporter's organisation does not see it"
    await login_en(client, "sw.a")
    ocmw = (await client.get(f"/signals/{signal_id}")).text
    assert "brief-S3CRET.pdf" in ocmw
    await login_en(client, "coordinator.a")
    assert "brief-S3CRET.pdf" not in (await client.get(f"/signals/{signal_id}")).text


async def test_the_lists_say_how_much_is_new(client: httpx.AsyncClient) -> None:
    world = await build_world()
    toeleider = await viewer_of(world, "toeleider")
    sw_a = await viewer_of(world, "sw.a")
    signal_id = await services.capture(toeleider, _form(), now=MONDAY)
    await services.assign(sw_a, signal_id, sw_a.person_id)
    await services.move(sw_a, signal_id, "take_up", {})
    await login_en(client, "toeleider")
    assert "2 new changes" in (await client.get("/signals")).text
    await client.get(f"/signals/{signal_id}")
    assert "new change" not in (await client.get("/signals")).text
    await services.comment(toeleider, signal_id, "Ook in Strijpen.")
    await login_en(client, "sw.a")
    assert "1 new change<" in (await client.get("/signals")).text, "the handler, in the queue"

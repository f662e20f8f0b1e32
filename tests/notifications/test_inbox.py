"""Who gets an inbox item for what, what it says once they lose sight of the record, the header's
count, marking read, and the cost of the inbox page."""

from __future__ import annotations

import datetime as dt

import httpx

from portal.clients import changes
from portal.core.db import count_queries
from portal.notifications import services as inbox
from portal.notifications.tables import InboxItem
from portal.trajectory import invitations, training
from tests.conftest import csrf_from, login
from tests.support.factories import build_world
from tests.support.trajectory import english, viewer_of

LATER = dt.datetime.now(dt.UTC) + dt.timedelta(days=7)


async def _items(person: int) -> list[dict]:
    return list(
        await InboxItem.select(InboxItem.kind, InboxItem.record, InboxItem.record_id)
        .where(InboxItem.person == person)
        .order_by(InboxItem.id)
    )


async def test_a_training_request_waits_for_the_file_holder_and_tells_the_rest_of_the_team() -> (
    None
):
    world = await build_world()
    toeleider = await viewer_of(world, "toeleider")
    request_id = await training.request_training(
        toeleider, world.clients["X"], {"course": "Heftruck", "provider": "Syntra"}
    )
    holder, mediator = world.people["sw.a"], world.people["mediator"]
    assert ("training_request.waiting", "training_request", request_id) in [
        tuple(item.values()) for item in await _items(holder)
    ]
    assert [tuple(i.values()) for i in await _items(mediator)] == [
        ("training_request.changed", "training_request", request_id)
    ]
    assert await _items(toeleider.person_id) == [], "the one who asked is not told"
    assert await _items(world.people["sw.b"]) == [], "no one outside the care team"

    sw_a = await viewer_of(world, "sw.a")
    await training.move_training(sw_a, request_id, {"to": "ocmw_agreed"})
    kinds = [item["kind"] for item in await _items(mediator)]
    assert kinds[-1] == "training_request.waiting", "the VDAB approval waits for the mediator"


async def test_an_invitation_tells_the_care_team_and_names_the_client_only_to_who_sees_it(
    client: httpx.AsyncClient,
) -> None:
    world = await build_world()
    mediator = await viewer_of(world, "mediator")
    await invitations.invite(
        mediator, world.clients["X"], {"at": LATER.strftime("%Y-%m-%dT10:00"), "place": "Gent"}
    )
    for username in ("sw.a", "toeleider"):
        assert [i["kind"] for i in await _items(world.people[username])] == ["invitation.new"]
    await login(client, "toeleider")
    page = (await client.get("/inbox")).text
    assert "FirstX LastX" in page and f"/clients/{world.clients['X']}#event-" in page


async def test_after_a_withdrawal_the_item_names_the_organisation_not_the_client(
    client: httpx.AsyncClient,
) -> None:
    world = await build_world()
    sw_a = await viewer_of(world, "sw.a")
    await training.request_training(
        sw_a, world.clients["X"], {"course": "TRAINING-SECRET", "provider": "Syntra"}
    )
    await changes.record_consent(sw_a, world.clients["X"], "partner", given=False)
    kinds = [i["kind"] for i in await _items(world.people["toeleider"])]
    assert kinds == ["training_request.changed", "file.unshared"]
    await login(client, "toeleider")
    with english():
        page = (await client.get("/inbox")).text
    assert "FirstX" not in page and "LastX" not in page
    assert "TRAINING-SECRET" not in page
    assert f"/clients/{world.clients['X']}" not in page
    assert "no longer shared with partner" in page.lower() or "niet langer gedeeld met" in page


async def test_a_removed_member_learns_it_without_the_name_once_they_no_longer_see_the_file(
    client: httpx.AsyncClient,
) -> None:
    world = await build_world()
    sw_a = await viewer_of(world, "sw.a")
    await changes.change_care_team(sw_a, world.clients["X"], "toeleider", "remove")
    await changes.record_consent(sw_a, world.clients["X"], "partner", given=False)
    assert [i["kind"] for i in await _items(world.people["toeleider"])] == ["file.left_team"]
    await login(client, "toeleider")
    with english():
        page = (await client.get("/inbox")).text
    assert "FirstX" not in page and "LastX" not in page
    assert page.count('class="unread"') == 1
    assert (
        "no longer in the care team of a file you accompanied" in page
        or "zorgteam van een dossier dat je begeleidde" in page
    )


async def test_the_header_counts_unread_items_and_marking_read_lowers_it(
    client: httpx.AsyncClient,
) -> None:
    world = await build_world()
    mediator = await viewer_of(world, "mediator")
    for day in (7, 8):
        moment = dt.datetime.now(dt.UTC) + dt.timedelta(days=day)
        await invitations.invite(
            mediator, world.clients["X"], {"at": moment.strftime("%Y-%m-%dT10:00"), "place": "G"}
        )
    await login(client, "sw.a")
    page = (await client.get("/")).text
    assert '<span class="count">2</span>' in page
    first = (await InboxItem.select(InboxItem.id).where(InboxItem.person == world.people["sw.a"]))[
        0
    ]
    done = await client.post(f"/inbox/{first['id']}/read", data={"csrf_token": csrf_from(page)})
    assert done.status_code == 303
    page = (await client.get("/inbox")).text
    assert '<span class="count">1</span>' in page
    other = (
        await InboxItem.select(InboxItem.id).where(InboxItem.person == world.people["toeleider"])
    )[0]
    refused = await client.post(f"/inbox/{other['id']}/read", data={"csrf_token": csrf_from(page)})
    assert refused.status_code == 404, "someone else's item does not exist for this person"
    done = await client.post("/inbox/read", data={"csrf_token": csrf_from(page)})
    assert done.status_code == 303
    page = (await client.get("/inbox")).text
    assert 'class="count"' not in page and 'class="unread"' not in page
    assert (
        await InboxItem.count().where(
            InboxItem.read_at.is_null() & (InboxItem.person == world.people["toeleider"])
        )
    ) == 2


async def test_the_inbox_page_reads_one_query_per_kind_of_record_whatever_the_items() -> None:
    world = await build_world()
    sw_a = await viewer_of(world, "sw.a")
    person = world.people["sw.a"]
    for count in (3, 20):
        await InboxItem.delete(force=True)
        now = dt.datetime.now(dt.UTC)
        await InboxItem.insert(
            *(
                InboxItem(
                    person=person,
                    kind=kind,
                    record=record,
                    record_id=record_id,
                    created_at=now,
                )
                for _ in range(count)
                for kind, record, record_id in (
                    ("file.left_team", "client", world.clients["X"]),
                    ("training_request.changed", "training_request", world.requests["X"]),
                )
            )
        )
        with count_queries() as queries:
            page = await inbox.inbox(sw_a)
        assert len(page.lines) == min(2 * count, inbox.PAGE_SIZE)
        assert queries[0] == 3, (count, queries[0])


async def test_the_digest_choice_is_kept_and_a_wrong_one_is_refused_in_the_page(
    client: httpx.AsyncClient,
) -> None:
    await build_world()
    token = await login(client, "sw.a")
    refused = await client.post("/inbox/digest", data={"csrf_token": token, "frequency": "weekly"})
    assert refused.status_code == 422
    assert 'class="error-summary"' in refused.text and 'href="#f-frequency"' in refused.text
    saved = await client.post(
        "/inbox/digest", data={"csrf_token": csrf_from(refused.text), "frequency": "daily"}
    )
    assert saved.status_code == 303
    page = (await client.get("/inbox")).text
    assert 'value="daily" checked' in page

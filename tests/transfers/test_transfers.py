"""Transfers between OCMWs, through the pages: who may propose, read, accept, refuse and withdraw;
what the receiving OCMW sees before and after; what the former OCMW and each partner see after;
the former OCMW's own entries never reach the new one unless handed over.

The world (``tests.support.factories.build_world``): X of OCMW A (file holder sw.a, care team
toeleider and mediator, consent for the partner and VDAB), with an entry of every audience and
class by sw.a, the mediator and the toeleider; OCMW B's social worker sw.b receives.
"""

from __future__ import annotations

import httpx
import pytest
from litestar import Litestar

from portal.accounts.services import load_viewer
from portal.clients.tables import CareTeamMember, Consent
from portal.core.db import unit_of_work
from portal.timeline.events import NOTE
from portal.timeline.services import FileReadOnly, append
from portal.timeline.tables import TimelineEvent
from portal.transfers.tables import Transfer
from portal.visibility.policy import Audience, Sensitivity
from portal.visibility.scoping import unscoped
from tests.conftest import login
from tests.support.factories import PEOPLE, World, build_world, secret

NOTE_TEXT = "Verhuist naar Gent op 1 december; afsprakennota loopt, NT2 in januari."
PROPOSERS = {"sw.a"}
PROPOSING_SIDE = {"sw.a", "sw.a2", "coordinator.a"}
RECEIVING_SIDE = {"sw.b"}


def _label(world: World, username: str, audience: Audience, cls: Sensitivity) -> str:
    org = PEOPLE[username][0]
    match = [
        label
        for a, c, o, label in world.events["X"]
        if a is audience and c is cls and o == org and f"-{username}-" in label
    ]
    assert len(match) == 1
    return match[0]


async def _propose(
    client: httpx.AsyncClient, world: World, hand_over: list[str] | None = None
) -> int:
    token = await login(client, "sw.a")
    x = world.clients["X"]
    response = await client.post(
        f"/clients/{x}/transfer",
        data={"csrf_token": token, "to": "ocmw-b", "note": NOTE_TEXT, "hand_over": hand_over or []},
    )
    assert response.status_code == 303, response.text
    with unscoped("test: the transfer just proposed"):
        row = await Transfer.select(Transfer.id).where(Transfer.client == x).first()
    return int(row["id"])


async def _event_id(label: str) -> int:
    with unscoped("test: an entry's id by its text"):
        row = (
            await TimelineEvent.select(TimelineEvent.id)
            .where(TimelineEvent.text == f"{label}-body")
            .first()
        )
    return int(row["id"])


async def test_only_the_file_holder_proposes(client: httpx.AsyncClient) -> None:
    world = await build_world()
    x = world.clients["X"]
    for username in PEOPLE:
        token = await login(client, username)
        response = await client.post(
            f"/clients/{x}/transfer", data={"csrf_token": token, "to": "", "note": ""}
        )
        sees = (await client.get(f"/clients/{x}")).status_code == 200
        expected = 422 if username in PROPOSERS else 403 if sees else 404
        assert response.status_code == expected, (username, response.status_code)
    token = await login(client, "sw.a")
    refused = await client.post(
        f"/clients/{x}/transfer", data={"csrf_token": token, "to": "ocmw-b", "note": "kort"}
    )
    assert refused.status_code == 422
    assert "handover note" in refused.text or "overdrachtsnota" in refused.text.lower()
    assert 'value="ocmw-b" selected' in refused.text, "the choice is kept"


async def test_before_acceptance_the_receiving_ocmw_sees_the_basics_the_note_and_counts(
    client: httpx.AsyncClient,
) -> None:
    world = await build_world()
    transfer_id = await _propose(client, world)
    x = world.clients["X"]
    for username in PEOPLE:
        await login(client, username)
        page = await client.get(f"/transfers/{transfer_id}")
        allowed = username in PROPOSING_SIDE | RECEIVING_SIDE
        assert page.status_code == (200 if allowed else 404), username
        listing = await client.get("/transfers")
        assert listing.status_code == (200 if allowed else 404), username
        if allowed:
            assert "FirstX" in listing.text
    await login(client, "sw.b")
    page = (await client.get(f"/transfers/{transfer_id}")).text
    assert NOTE_TEXT in page and "FirstX LastX" in page
    for field in ("language", "municipality", "phone"):
        assert secret("X", field) in page
    for field in ("national_number", "address", "social_report", "finances", "health_notes"):
        assert secret("X", field) not in page
    assert "EVT-" not in page
    assert f'action="/transfers/{transfer_id}/accept"' in page
    assert (await client.get(f"/clients/{x}")).status_code == 404, "the file is not yet B's"


async def test_who_may_accept_refuse_and_withdraw(client: httpx.AsyncClient) -> None:
    world = await build_world()
    transfer_id = await _propose(client, world)
    for username in PEOPLE:
        token = await login(client, username)
        for action, data in (("refuse", {"reason": ""}), ("withdraw", {"reason": ""})):
            if action == "withdraw" and username == "sw.a":
                continue  # withdrawing would end the transfer: see the test of withdrawing
            response = await client.post(
                f"/transfers/{transfer_id}/{action}", data={"csrf_token": token, **data}
            )
            if username not in PROPOSING_SIDE | RECEIVING_SIDE:
                expected = 404
            elif action == "refuse":
                expected = 422 if username in RECEIVING_SIDE else 403
            else:
                expected = 403
            assert response.status_code == expected, (username, action, response.status_code)
        if username not in RECEIVING_SIDE:
            response = await client.post(
                f"/transfers/{transfer_id}/accept", data={"csrf_token": token}
            )
            expected = 403 if username in PROPOSING_SIDE else 404
            assert response.status_code == expected, (username, "accept")
    token = await login(client, "sw.b")
    refused = await client.post(
        f"/transfers/{transfer_id}/refuse",
        data={
            "csrf_token": token,
            "reason": "Cliënt woont nog in Zottegem volgens het rijksregister",
        },
    )
    assert refused.status_code == 303
    again = await client.post(f"/transfers/{transfer_id}/accept", data={"csrf_token": token})
    assert again.status_code == 422, "a refused transfer is not accepted afterwards"
    for username in ("sw.a", "sw.b"):
        await login(client, username)
        listing = (await client.get("/transfers")).text
        assert "rijksregister" in listing, username
    await login(client, "sw.a")
    page = (await client.get(f"/clients/{world.clients['X']}")).text
    assert "weigerde" in page or "refused" in page


async def test_acceptance_moves_the_file_and_keeps_the_former_ocmw_s_own_entries(
    client: httpx.AsyncClient,
) -> None:
    world = await build_world()
    x = world.clients["X"]
    handed_own = _label(world, "sw.a", Audience.own_org, Sensitivity.basic)
    handed_holder = _label(world, "sw.a", Audience.file_holder_only, Sensitivity.social)
    transfer_id = await _propose(
        client,
        world,
        [f"event:{await _event_id(handed_own)}", f"event:{await _event_id(handed_holder)}"],
    )
    token = await login(client, "sw.b")
    accepted = await client.post(f"/transfers/{transfer_id}/accept", data={"csrf_token": token})
    assert accepted.status_code == 303
    assert accepted.headers["location"].startswith(f"/clients/{x}")
    page = (await client.get(f"/clients/{x}?kind=")).text
    assert "FirstX" in page and secret("X", "social_report") not in page
    events = (await client.get(f"/clients/{x}/timeline")).text
    timeline = page + events
    private = [
        label
        for audience, _cls, org, label in world.events["X"]
        if org == "ocmw-a" and audience in (Audience.own_org, Audience.file_holder_only)
    ]
    assert private
    screen_pages = [page]
    before = None
    while True:
        url = f"/clients/{x}/timeline" + (f"?before={before}" if before else "")
        fragment = (await client.get(url)).text
        screen_pages.append(fragment)
        marker = "before="
        if marker not in fragment:
            break
        before = fragment.split(marker, 1)[1].split('"', 1)[0].split("&", 1)[0]
    everything = "\n".join(screen_pages)
    for label in private:
        if label in (handed_own, handed_holder):
            assert f"{label}-body" in everything, ("handed over", label)
        else:
            assert label not in everything, ("stayed with OCMW A", label)
    assert timeline
    with unscoped("test: the care team and consents after the move"):
        team = {
            row["person"]
            for row in await CareTeamMember.select(CareTeamMember.person).where(
                CareTeamMember.client == x
            )
        }
        consents = await Consent.count().where(Consent.client == x)
    assert team == {world.people["sw.b"]} and consents == 0
    for username in PEOPLE:
        await login(client, username)
        status = (await client.get(f"/clients/{x}")).status_code
        assert status == (200 if username == "sw.b" else 404), username
    await login(client, "sw.a")
    summary = (await client.get(f"/transfers/{transfer_id}")).text
    assert "FirstX LastX" in summary
    for field in ("national_number", "address", "social_report", "health_notes", "phone"):
        assert secret("X", field) not in summary
    assert "EVT-" not in summary


async def test_a_former_ocmw_s_late_write_is_refused(client: httpx.AsyncClient) -> None:
    world = await build_world()
    x = world.clients["X"]
    transfer_id = await _propose(client, world)
    token = await login(client, "sw.b")
    await client.post(f"/transfers/{transfer_id}/accept", data={"csrf_token": token})
    former = await load_viewer(world.people["sw.a"])
    assert former is not None
    with pytest.raises(FileReadOnly):
        async with unit_of_work():
            await append(x, NOTE, actor=former, audience=Audience.file_holder_only, text="laat")


async def test_questions_and_signals_move_and_partners_lose_sight_until_consent(
    client: httpx.AsyncClient,
) -> None:
    from portal.questions.tables import Question
    from portal.signals.tables import Signal
    from tests.support.questions import add_questions
    from tests.support.signals import add_signals

    world = await build_world()
    await add_signals(world)
    await add_questions(world)
    x = world.clients["X"]
    with unscoped("test: X's questions and signals"):
        questions = [
            row["id"] for row in await Question.select(Question.id).where(Question.client == x)
        ]
        signals = [row["id"] for row in await Signal.select(Signal.id).where(Signal.client == x)]
    assert questions
    transfer_id = await _propose(client, world)
    token = await login(client, "sw.b")
    await client.post(f"/transfers/{transfer_id}/accept", data={"csrf_token": token})
    with unscoped("test: where X's questions and signals are now"):
        assert {
            row["ocmw"] for row in await Question.select(Question.ocmw).where(Question.client == x)
        } == {world.orgs["ocmw-b"]}
        if signals:
            assert {
                row["ocmw"] for row in await Signal.select(Signal.ocmw).where(Signal.client == x)
            } == {world.orgs["ocmw-b"]}
    for question_id in questions:
        assert (await client.get(f"/questions/{question_id}")).status_code == 200
    for username in ("sw.a", "mediator", "toeleider", "mediator.out"):
        await login(client, username)
        for question_id in questions:
            status = (await client.get(f"/questions/{question_id}")).status_code
            assert status == 404, (username, question_id)
    token = await login(client, "sw.b")
    given = await client.post(
        f"/clients/{x}/consent", data={"csrf_token": token, "organisation": "vdab", "given": "yes"}
    )
    assert given.status_code == 303
    await login(client, "mediator.out")
    assert (await client.get(f"/clients/{x}")).status_code == 200, (
        "VDAB partnered with OCMW B sees the file again once the client consents"
    )


async def test_a_document_handed_over_moves_with_its_entries_the_others_stay(
    app: Litestar, client: httpx.AsyncClient
) -> None:
    from tests.support.documents import add_documents

    world = await build_world()
    await add_documents(world, app.state.storage)
    own = [
        document
        for document in world.documents
        if document.client == "X"
        and document.uploader == "sw.a"
        and document.audience in (Audience.own_org, Audience.file_holder_only)
    ]
    assert len(own) >= 2, "the world has private documents of OCMW A on X"
    handed, kept = own[0], own[1:]
    transfer_id = await _propose(client, world, [f"document:{handed.id}"])
    token = await login(client, "sw.b")
    await client.post(f"/transfers/{transfer_id}/accept", data={"csrf_token": token})
    x = world.clients["X"]
    page = (await client.get(f"/clients/{x}")).text
    download = await client.get(f"/documents/{handed.id}")
    assert download.status_code == 200 and handed.marker.encode() in download.content
    for document in kept:
        assert document.name not in page, document.name
        assert (await client.get(f"/documents/{document.id}")).status_code == 404
    with unscoped("test: the entry about the document handed over moved with it"):
        rows = (
            await TimelineEvent.select(TimelineEvent.left_behind, TimelineEvent.payload)
            .where((TimelineEvent.client == x) & TimelineEvent.kind.like("document.%"))
            .output(load_json=True)
        )
    about = [row for row in rows if row["payload"].get("document") == handed.id]
    assert about and not any(row["left_behind"] for row in about)

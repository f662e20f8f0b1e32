"""Signals through their services: routing, the deadline, the personal-data check, a signal about
a client on its timeline, the follow-up moves, and who reads which signal (the SQL scope against
the policy, for every person of the world)."""

from __future__ import annotations

import datetime as dt

import pytest

from portal.accounts.services import load_viewer
from portal.clients.changes import Invalid
from portal.clients.services import NotAllowed
from portal.signals import services
from portal.signals.services import PersonalData
from portal.signals.tables import Signal, SignalChange, SignalRoute
from portal.timeline.tables import TimelineEvent
from portal.visibility.policy import Access, Relation, Sensitivity, access, sees_record
from portal.visibility.records import visible_to
from portal.visibility.scoping import unscoped
from portal.visibility.viewer import Viewer
from tests.support.factories import PEOPLE, World, build_world
from tests.support.oracle import facts_for, relation_of

MONDAY = dt.datetime(2026, 12, 7, 9, 0, tzinfo=dt.UTC)


async def _viewer(world: World, username: str) -> Viewer:
    viewer = await load_viewer(world.people[username])
    assert viewer is not None
    return viewer


def _form(**values: str) -> dict[str, str]:
    return {
        "theme": "civil_affairs",
        "title": "Afspraken burgerzaken pas na vijf weken",
        "description": "Wie een nieuwe identiteitskaart nodig heeft, wacht vijf weken.",
        "municipality": "Zottegem",
        "urgency": "normal",
        **values,
    }


async def _row(signal_id: int) -> dict:
    with unscoped("test: the row as written"):
        row = await Signal.select().where(Signal.id == signal_id).first()
    assert row is not None
    return row


async def test_a_structural_signal_is_routed_and_gets_its_deadline() -> None:
    world = await build_world()
    toeleider = await _viewer(world, "toeleider")
    signal_id = await services.capture(toeleider, _form(), now=MONDAY)
    row = await _row(signal_id)
    assert row["ocmw"] == world.orgs["ocmw-a"], "the partner's one partnership decides"
    assert (row["client"], row["sensitivity"], row["state"]) == (None, "basic", "new")
    assert row["due_on"] == dt.date(2026, 12, 21), "10 working days after Monday 7 December"
    changes = await SignalChange.select().where(SignalChange.signal == signal_id)
    assert [(c["kind"], c["to_state"]) for c in changes] == [("state", "new")]


async def test_a_route_kept_as_data_comes_first_and_unrouted_places_are_refused() -> None:
    world = await build_world()
    await SignalRoute(municipality="gent", name="Gent", ocmw=world.orgs["ocmw-b"]).save()
    sw_a = await _viewer(world, "sw.a")
    signal_id = await services.capture(sw_a, _form(municipality=" GENT "))
    assert (await _row(signal_id))["ocmw"] == world.orgs["ocmw-b"]
    mediator = await _viewer(world, "mediator")
    with pytest.raises(Invalid) as refused:
        await services.capture(mediator, _form(municipality="Aalst"))
    assert set(refused.value.errors) == {"municipality"}, "VDAB works with two OCMWs"


@pytest.mark.parametrize(
    "text",
    [
        "Mevrouw belde vanop 0470 12 34 56",
        "rijksregisternummer 85.07.30-033.28",
        "mail jan@example.be",
        "LastX kreeg geen afspraak",
    ],
)
async def test_personal_data_in_a_structural_signal_needs_a_confirmation(text: str) -> None:
    world = await build_world()
    toeleider = await _viewer(world, "toeleider")
    with pytest.raises(PersonalData) as warned:
        await services.capture(toeleider, _form(description=text))
    assert set(warned.value.errors) == {"description"}
    with unscoped("test: nothing written"):
        assert await Signal.count() == 0
    signal_id = await services.capture(
        toeleider, _form(description=text, confirm_no_personal_data="1")
    )
    assert (await _row(signal_id))["description"] == text


async def test_a_signal_about_a_client_is_trajectory_and_on_the_timeline() -> None:
    world = await build_world()
    toeleider = await _viewer(world, "toeleider")
    x = world.clients["X"]
    signal_id = await services.capture(
        toeleider, _form(client=str(x), description="LastX wacht al vijf weken.")
    )
    row = await _row(signal_id)
    assert (row["client"], row["sensitivity"]) == (x, "trajectory")
    with unscoped("test: the timeline as written"):
        events = await TimelineEvent.select().where(TimelineEvent.client == x)
    assert [e["kind"] for e in events if e["kind"].startswith("signal.")] == ["signal.reported"]


async def test_an_unknown_client_and_one_out_of_sight_get_the_same_refusal() -> None:
    world = await build_world()
    toeleider = await _viewer(world, "toeleider")
    messages = []
    for client in (str(world.clients["Z"]), "999999", "not a number", str(world.clients["Y"])):
        with pytest.raises(Invalid) as refused:
            await services.capture(toeleider, _form(client=client))
        messages.append(refused.value.errors)
    assert all(m == messages[0] for m in messages) and set(messages[0]) == {"client"}


async def test_the_follow_up_moves() -> None:
    world = await build_world()
    toeleider, sw_a, sw_a2, sw_b = [
        await _viewer(world, name) for name in ("toeleider", "sw.a", "sw.a2", "sw.b")
    ]
    signal_id = await services.capture(toeleider, _form(), now=MONDAY)
    with pytest.raises(NotAllowed):
        await services.move(toeleider, signal_id, "take_up", {})
    with pytest.raises(Exception) as hidden:
        await services.move(sw_b, signal_id, "take_up", {})
    assert "404" in str(hidden.value)
    await services.move(sw_a, signal_id, "take_up", {}, now=MONDAY + dt.timedelta(days=1))
    assert (await _row(signal_id))["first_response_at"] == MONDAY + dt.timedelta(days=1)
    with pytest.raises(NotAllowed):
        await services.move(sw_a, signal_id, "follow_up", {"outcome": "done"})
    await services.assign(sw_a, signal_id, world.people["sw.a2"])
    with pytest.raises(Invalid) as needs:
        await services.move(sw_a2, signal_id, "follow_up", {"outcome": " "})
    assert set(needs.value.errors) == {"outcome"}
    await services.move(sw_a2, signal_id, "follow_up", {"outcome": "Overleg met burgerzaken."})
    await services.comment(toeleider, signal_id, "Dank je!")
    await services.move(sw_a, signal_id, "close", {})
    with pytest.raises(Invalid):
        await services.move(toeleider, signal_id, "reopen", {"reason": ""})
    await services.move(toeleider, signal_id, "reopen", {"reason": "Nog steeds vijf weken."})
    row = await _row(signal_id)
    assert (row["state"], row["handler"], row["outcome"]) == (
        "in_progress",
        world.people["sw.a2"],
        "Overleg met burgerzaken.",
    )
    changes = (
        await SignalChange.select()
        .where(SignalChange.signal == signal_id)
        .order_by(SignalChange.id)
    )
    assert [(c["kind"], c["from_state"], c["to_state"]) for c in changes] == [
        ("state", "", "new"),
        ("state", "new", "in_progress"),
        ("assign", "", ""),
        ("state", "in_progress", "followed_up"),
        ("comment", "", ""),
        ("state", "followed_up", "closed"),
        ("state", "closed", "in_progress"),
    ]
    with pytest.raises(Invalid):
        await services.assign(sw_a, signal_id, world.people["toeleider"])


def _expected(viewer: Viewer, row: dict, relations: dict[int, Relation]) -> bool:
    if row["client"] is None:
        if viewer.org_id == row["ocmw"]:
            relation = Relation.same_org
        elif viewer.org_id == row["reporter_org"]:
            relation = Relation.author_org
        else:
            return False
        return sees_record(viewer.roles, relation)
    relation = relations[row["client"]]
    return sees_record(viewer.roles, relation) and (
        access(viewer.roles, relation, Sensitivity.trajectory) is Access.shown
    )


async def test_who_reads_which_signal_sql_and_rule_agree_for_everyone() -> None:
    world = await build_world()
    await SignalRoute(municipality="gent", name="Gent", ocmw=world.orgs["ocmw-b"]).save()
    await SignalRoute(municipality="zottegem", name="Zottegem", ocmw=world.orgs["ocmw-a"]).save()
    reported = []
    for username, values in (
        ("toeleider", {}),
        ("toeleider", {"client": str(world.clients["X"])}),
        ("sw.a", {"municipality": "Gent"}),
        ("sw.a", {"client": str(world.clients["Y"])}),
        ("sw.b", {"client": str(world.clients["Z"]), "municipality": "Gent"}),
        ("mediator", {"client": str(world.clients["X"])}),
        ("coordinator.a", {}),
    ):
        reported.append(await services.capture(await _viewer(world, username), _form(**values)))
    with unscoped("test: every signal"):
        rows = await Signal.select()
    for username in PEOPLE:
        viewer = await _viewer(world, username)
        facts = await facts_for(viewer)
        relations = {client: relation_of(viewer, f) for client, f in facts.items()}
        expected = {row["id"] for row in rows if _expected(viewer, row, relations)}
        assert {s.id for s in await services.readable_signals(viewer)} == expected, username
        scope = visible_to(viewer, Signal)
        for row in rows:
            got = await scope.get(row["id"], *Signal.all_columns())
            seen = got is not None and scope.project(got) is not None
            assert seen == (row["id"] in expected), (username, row["id"])

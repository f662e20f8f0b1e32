"""Interview invitations, the intake and its confirmation, and art. 60 placements, through their
services (issue 10, capabilities 2–4): who may write each, what is refused and why (nothing
written then), and the rows and timeline events a write leaves."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from litestar.exceptions import NotFoundException

from portal.clients.changes import Invalid
from portal.clients.services import find_client
from portal.trajectory import intake, invitations, placements, services
from portal.trajectory.tables import Intake, IntakeAnswer, Invitation, Placement
from portal.visibility.scoping import unscoped
from tests.support.factories import NOW, World
from tests.support.trajectory import (
    PEOPLE,
    VDAB,
    Someone,
    case,
    client_row,
    english,
    events_of,
    rows_of,
    trajectory_rows,
    trajectory_world,
    viewer_of,
)

# Invitations -----------------------------------------------------------------------------------

WINTER = {"at": "2026-12-14T09:30", "place": "  VDAB Aalst,   Hopmarkt 1 "}


def invites(person: Someone) -> str:
    """Only a mediator of the partnership's VDAB team invites (issue 10: "by a mediator")."""
    if not person.sees_client:
        return "404"
    return "ok" if VDAB in person.capacities else "form"


async def _invite_as(world: World, person: Someone) -> None:
    x = world.clients["X"]
    viewer = await viewer_of(world, person)
    before, events_before = await trajectory_rows(), await events_of(x)
    outcome = invites(person)
    if outcome == "ok":
        invitation_id = await invitations.invite(viewer, x, WINTER, now=NOW)
        with unscoped("test: the invitation as stored"):
            row = await Invitation.select().where(Invitation.id == invitation_id).first()
        assert row is not None
        # 09:30 in Brussels in December is 08:30 UTC (CET, UTC+1)
        assert row["at"] == dt.datetime(2026, 12, 14, 8, 30, tzinfo=dt.UTC)
        assert row["place"] == "VDAB Aalst, Hopmarkt 1" and row["client"] == x
        assert row["invited_by"] == world.people[person.username]
        assert row["organisation"] == world.orgs["vdab"] and row["created_at"] == NOW
        new = (await events_of(x))[len(events_before) :]
        assert [(e["kind"], e["sensitivity"], e["payload"]) for e in new] == [
            (
                "invitation.sent",
                "trajectory",
                {"when": "14-12-2026 09:30", "place": "VDAB Aalst, Hopmarkt 1"},
            )
        ]
        return
    if outcome == "404":
        with pytest.raises(NotFoundException):
            await invitations.invite(viewer, x, WINTER, now=NOW)
    else:
        with english(), pytest.raises(Invalid) as refused:
            await invitations.invite(viewer, x, WINTER, now=NOW)
        assert refused.value.errors == {
            "form": "Only a mediator of the partnership's VDAB team sends invitations."
        }
    assert await trajectory_rows() == before
    assert await events_of(x) == events_before


async def test_who_invites() -> None:
    """Every person of the world tries to invite X's client to an interview."""
    world = await trajectory_world()
    for person in PEOPLE:
        with case(person.label):
            await _invite_as(world, person)


async def test_an_invitation_is_read_in_belgian_time() -> None:
    world = await trajectory_world()
    mediator = await viewer_of(world, "mediator")
    x = world.clients["X"]
    for typed, utc in (
        ("2027-07-01T09:30", dt.datetime(2027, 7, 1, 7, 30, tzinfo=dt.UTC)),  # CEST, UTC+2
        ("2027-03-28T03:30", dt.datetime(2027, 3, 28, 1, 30, tzinfo=dt.UTC)),  # after the change
        ("2026-11-20T10:01", dt.datetime(2026, 11, 20, 9, 1, tzinfo=dt.UTC)),  # a minute ahead
        ("2026-12-14T09:30:59", dt.datetime(2026, 12, 14, 8, 30, tzinfo=dt.UTC)),
    ):
        invitation_id = await invitations.invite(
            mediator, x, {"at": typed, "place": "https://meet.example/abc"}, now=NOW
        )
        with unscoped("test: the invitation as stored"):
            row = await Invitation.select(Invitation.at).where(Invitation.id == invitation_id)
        assert row[0]["at"] == utc, typed


BAD_INVITATIONS: list[tuple[dict[str, str], dict[str, str]]] = [
    (
        {},
        {
            "at": "Enter when the interview takes place.",
            "place": "Enter the address or the link of the video call.",
        },
    ),
    (
        {"at": "14/12/2026 09:30", "place": "Aalst"},
        {"at": "Enter the date and time, for example 2026-12-14T09:30."},
    ),
    (
        {"at": "2026-12-14", "place": "Aalst"},
        {"at": "Enter the date and time, for example 2026-12-14T09:30."},
    ),
    (
        {"at": "2026-12-14T25:00", "place": "Aalst"},
        {"at": "Enter the date and time, for example 2026-12-14T09:30."},
    ),
    # NOW is 20-11-2026 09:00 UTC, 10:00 in Brussels: 10:00 is not in the future any more
    (
        {"at": "2026-11-20T10:00", "place": "Aalst"},
        {"at": "The interview must lie in the coming year."},
    ),
    (
        {"at": "2026-11-19T15:00", "place": "Aalst"},
        {"at": "The interview must lie in the coming year."},
    ),
    (
        {"at": "2027-11-22T09:00", "place": "Aalst"},
        {"at": "The interview must lie in the coming year."},
    ),
    (
        {"at": "2026-12-14T09:30", "place": "p" * 301},
        {"place": "This can be at most 300 characters long."},
    ),
]


async def test_an_invitation_checks_its_fields() -> None:
    world = await trajectory_world()
    x = world.clients["X"]
    mediator = await viewer_of(world, "mediator.out")
    before, events_before = await trajectory_rows(), await events_of(x)
    for fields, errors in BAD_INVITATIONS:
        with case(repr(fields)):
            with english(), pytest.raises(Invalid) as refused:
                await invitations.invite(mediator, x, fields, now=NOW)
            assert refused.value.errors == errors
    assert await trajectory_rows() == before
    assert await events_of(x) == events_before


async def test_upcoming_invitations_leave_once_passed() -> None:
    world = await trajectory_world()
    x = world.clients["X"]
    mediator = await viewer_of(world, "mediator")
    soon = await invitations.invite(mediator, x, {"at": "2026-11-27T09:00", "place": "A"}, now=NOW)
    later = await invitations.invite(mediator, x, {"at": "2026-12-01T09:00", "place": "B"}, now=NOW)
    holder = await viewer_of(world, "sw.a")
    client = await find_client(holder, x)

    async def upcoming(at: dt.datetime) -> list[str]:
        return [i.place for i in await services.upcoming_invitations(holder, client, now=at)]

    assert await upcoming(NOW) == ["A", "B", "TRJ-X-place"]
    assert await upcoming(dt.datetime(2026, 11, 27, 8, 0, tzinfo=dt.UTC)) == [
        "A",
        "B",
        "TRJ-X-place",
    ]
    assert await upcoming(dt.datetime(2026, 11, 27, 8, 1, tzinfo=dt.UTC)) == ["B", "TRJ-X-place"]
    assert soon != later
    # who does not follow the trajectory gets none, whatever the moment
    coordinator = await viewer_of(world, "coordinator.a")
    seen_by_coordinator = await services.upcoming_invitations(
        coordinator, await find_client(coordinator, x), now=NOW
    )
    assert seen_by_coordinator == []


# Intake ----------------------------------------------------------------------------------------

ANSWERS = {
    "held_on": "2026-11-20",
    "past_work": "Magazijnier bij Colruyt",
    "wishes": "Werken in de zorg",
    "proposed_step": "4",
}
HEALTH = {"preconditions_health": "Rugklachten", "preconditions_addiction": "Geen"}


def holds_intakes(person: Someone) -> str:
    """A social worker of the client's OCMW who follows the trajectory (the activation team)."""
    if not person.sees_client:
        return "404"
    return "ok" if person.username in ("sw.a", "sw.a2") else "form"


def writes_health(person: Someone) -> bool:
    """Shown this client's ``health`` class: the file holder, a colleague after a reason."""
    return person.username == "sw.a" or person.reason_stated


async def _intake_as(world: World, person: Someone) -> None:
    x = world.clients["X"]
    viewer = await viewer_of(world, person)
    before, events_before = await trajectory_rows(), await events_of(x)
    outcome = holds_intakes(person)
    if outcome == "404":
        with pytest.raises(NotFoundException):
            await intake.record_intake(viewer, x, ANSWERS, at=NOW)
    elif outcome == "form":
        with english(), pytest.raises(Invalid) as refused:
            await intake.record_intake(viewer, x, ANSWERS, at=NOW)
        assert refused.value.errors == {
            "form": "The intake is held by a social worker of the client's OCMW."
        }
    else:
        fields = ANSWERS | HEALTH if writes_health(person) else ANSWERS
        intake_id = await intake.record_intake(viewer, x, fields, at=NOW)
        with unscoped("test: the intake as stored"):
            row = await Intake.select().where(Intake.id == intake_id).first()
            answers = await IntakeAnswer.select(
                IntakeAnswer.topic, IntakeAnswer.text, IntakeAnswer.sensitivity
            ).where(IntakeAnswer.intake == intake_id)
        assert row is not None
        assert (row["client"], row["held_on"], row["proposed_step"]) == (
            x,
            dt.date(2026, 11, 20),
            4,
        )
        assert row["held_by"] == world.people[person.username] and row["confirmed_at"] is None
        stored = {a["topic"]: (a["text"], a["sensitivity"]) for a in answers}
        expected = {
            "past_work": ("Magazijnier bij Colruyt", "trajectory"),
            "wishes": ("Werken in de zorg", "trajectory"),
        }
        if writes_health(person):
            expected |= {
                "preconditions_health": ("Rugklachten", "health"),
                "preconditions_addiction": ("Geen", "health"),
            }
        assert stored == expected
        new = (await events_of(x))[len(events_before) :]
        assert [(e["kind"], e["sensitivity"], e["payload"], e["text"]) for e in new] == [
            ("intake.recorded", "trajectory", {"day": "20-11-2026", "step": 4}, "")
        ]
        return
    assert await trajectory_rows() == before
    assert await events_of(x) == events_before


async def test_who_records_an_intake() -> None:
    """Every person of the world tries to record an intake of X."""
    world = await trajectory_world()
    for person in PEOPLE:
        with case(person.label):
            await _intake_as(world, person)


async def test_health_answers_only_from_who_is_shown_health() -> None:
    world = await trajectory_world()
    x = world.clients["X"]
    colleague = await viewer_of(world, "sw.a2")
    before, events_before = await trajectory_rows(), await events_of(x)
    for health in ({"preconditions_health": "Rugklachten"}, {"preconditions_addiction": "Alcohol"}):
        with english(), pytest.raises(Invalid) as refused:
            await intake.record_intake(colleague, x, ANSWERS | health, at=NOW)
        assert refused.value.errors == {
            "form": "Only who may see this client's health data records those answers."
        }
    assert await trajectory_rows() == before
    assert await events_of(x) == events_before
    # an empty health field is no answer: the colleague's intake without it is recorded
    await intake.record_intake(colleague, x, ANSWERS | {"preconditions_health": "  "}, at=NOW)
    unlocked = await viewer_of(world, "sw.a2", unlocked="X")
    await intake.record_intake(unlocked, x, ANSWERS | HEALTH, at=NOW)


BAD_INTAKES: list[tuple[dict[str, str], dict[str, str]]] = [
    ({}, {"held_on": "Enter the day of the intake."}),
    (
        {"held_on": "18-11-2026", "wishes": "Zorg"},
        {"held_on": "Enter the date as a date, for example 2026-11-12."},
    ),
    (
        {"held_on": "2026-11-21", "wishes": "Zorg"},
        {"held_on": "An intake cannot be held in the future."},
    ),
    (
        {"held_on": "2026-11-18"},
        {"past_work": "Write down at least one answer or propose a step."},
    ),
    (
        {"held_on": "2026-11-18", "proposed_step": "7"},
        {"proposed_step": "Choose a step from 1 to 6."},
    ),
    (
        {"held_on": "2026-11-18", "proposed_step": "twee"},
        {"proposed_step": "Choose a step from 1 to 6."},
    ),
    (
        {"held_on": "2026-11-18", "wishes": "w" * 4001},
        {"wishes": "This can be at most 4000 characters long."},
    ),
]


async def test_an_intake_checks_its_fields() -> None:
    world = await trajectory_world()
    x = world.clients["X"]
    holder = await viewer_of(world, "sw.a")
    before, events_before = await trajectory_rows(), await events_of(x)
    for fields, errors in BAD_INTAKES:
        with case(repr(fields)):
            with english(), pytest.raises(Invalid) as refused:
                await intake.record_intake(holder, x, fields, at=NOW)
            assert refused.value.errors == errors
    assert await trajectory_rows() == before
    assert await events_of(x) == events_before


async def _answers_as(world: Any, username: str, *, unlocked: str | None = None) -> set[str]:
    viewer = await viewer_of(world, username, unlocked=unlocked)
    client = await find_client(viewer, world.clients["X"])
    latest = await services.latest_intake(viewer, client)
    if latest is None:
        return set()
    return {answer.text for answer in await services.answers_of(viewer, client, latest.id)}


async def test_health_answers_are_read_only_by_who_is_shown_health() -> None:
    world = await trajectory_world()
    holder = await viewer_of(world, "sw.a")
    await intake.record_intake(holder, world.clients["X"], ANSWERS | HEALTH, at=NOW)
    everything = {"Magazijnier bij Colruyt", "Werken in de zorg", "Rugklachten", "Geen"}
    work = {"Magazijnier bij Colruyt", "Werken in de zorg"}
    assert await _answers_as(world, "sw.a") == everything
    assert await _answers_as(world, "sw.a2", unlocked="X") == everything
    for username in ("sw.a2", "toeleider", "mediator", "mediator.out", "mediator.other.team"):
        assert await _answers_as(world, username) == work, username
    assert await _answers_as(world, "coordinator.a") == set()


async def _confirmable(world: Any, step: str = "5") -> int:
    holder = await viewer_of(world, "sw.a")
    return await intake.record_intake(
        holder, world.clients["X"], ANSWERS | {"proposed_step": step}, at=NOW
    )


async def test_the_file_holder_confirms_the_proposed_step() -> None:
    world = await trajectory_world()
    x = world.clients["X"]
    intake_id = await _confirmable(world)
    assert (await client_row(x))["ladder_step"] == 3
    events_before = await events_of(x)
    holder = await viewer_of(world, "sw.a")
    moment = NOW + dt.timedelta(hours=1)
    await intake.confirm_intake(holder, x, {"intake": str(intake_id)}, at=moment)
    assert (await client_row(x))["ladder_step"] == 5
    with unscoped("test: the intake as stored"):
        row = await Intake.select().where(Intake.id == intake_id).first()
    assert row is not None
    assert row["confirmed_at"] == moment and row["confirmed_by"] == world.people["sw.a"]
    new = (await events_of(x))[len(events_before) :]
    assert [e["kind"] for e in new] == ["ladder.changed", "intake.confirmed"]
    assert new[0]["payload"] == {"step_from": 3, "step_to": 5}
    assert "20-11-2026" in new[0]["text"]
    assert new[1]["payload"] == {"day": "20-11-2026", "step": 5}
    # once confirmed, there is nothing left to confirm
    with english(), pytest.raises(Invalid) as again:
        await intake.confirm_intake(holder, x, {"intake": str(intake_id)}, at=moment)
    assert again.value.errors == {"intake": "This intake has no step left to confirm."}


async def test_confirming_the_step_the_client_is_on_marks_it_confirmed_only() -> None:
    world = await trajectory_world()
    x = world.clients["X"]
    intake_id = await _confirmable(world, step="3")
    events_before = await events_of(x)
    holder = await viewer_of(world, "sw.a")
    await intake.confirm_intake(holder, x, {"intake": str(intake_id)}, at=NOW)
    assert (await client_row(x))["ladder_step"] == 3
    new = (await events_of(x))[len(events_before) :]
    assert [e["kind"] for e in new] == ["intake.confirmed"]


async def test_confirming_is_one_unit_of_work(monkeypatch: pytest.MonkeyPatch) -> None:
    """When the confirmation's own event cannot be written, the ladder step does not move."""
    world = await trajectory_world()
    x = world.clients["X"]
    intake_id = await _confirmable(world)
    before, events_before = await trajectory_rows(), await events_of(x)
    written = intake.append

    async def fails_for_the_confirmation(client_id: int, code: str, **kwargs: Any) -> int:
        if code == "intake.confirmed":
            raise RuntimeError("the database went away")
        return await written(client_id, code, **kwargs)

    monkeypatch.setattr(intake, "append", fails_for_the_confirmation)
    holder = await viewer_of(world, "sw.a")
    with pytest.raises(RuntimeError):
        await intake.confirm_intake(holder, x, {"intake": str(intake_id)}, at=NOW)
    assert (await client_row(x))["ladder_step"] == 3
    assert await trajectory_rows() == before
    assert await events_of(x) == events_before


async def test_who_confirms_and_what() -> None:
    world = await trajectory_world()
    x = world.clients["X"]
    intake_id = await _confirmable(world)
    fields = {"intake": str(intake_id)}
    before, events_before = await trajectory_rows(), await events_of(x)
    for person in PEOPLE:
        viewer = await viewer_of(world, person)
        if person.username == "sw.a":
            continue
        if not person.sees_client:
            with pytest.raises(NotFoundException):
                await intake.confirm_intake(viewer, x, fields)
            continue
        with english(), pytest.raises(Invalid) as refused:
            await intake.confirm_intake(viewer, x, fields)
        assert refused.value.errors == {
            "form": "Only the file holder confirms the proposed step."
        }, person.label
    holder = await viewer_of(world, "sw.a")
    with unscoped("test: the seeded intake"):
        older = (await Intake.select(Intake.id).where(Intake.client == x).order_by(Intake.id))[0]
    for sent in ({}, {"intake": "abc"}, {"intake": str(older["id"])}):
        with english(), pytest.raises(Invalid) as refused:
            await intake.confirm_intake(holder, x, sent)
        assert refused.value.errors == {"intake": "Confirm the step of the latest intake."}, sent
    assert await trajectory_rows() == before
    assert await events_of(x) == events_before
    assert (await client_row(x))["ladder_step"] == 3


async def test_an_intake_without_a_proposal_has_nothing_to_confirm() -> None:
    world = await trajectory_world()
    x = world.clients["X"]
    holder = await viewer_of(world, "sw.a")
    without = {key: value for key, value in ANSWERS.items() if key != "proposed_step"}
    intake_id = await intake.record_intake(holder, x, without, at=NOW)
    with english(), pytest.raises(Invalid) as refused:
        await intake.confirm_intake(holder, x, {"intake": str(intake_id)})
    assert refused.value.errors == {"intake": "This intake has no step left to confirm."}


# Art. 60 placement -----------------------------------------------------------------------------

PLACEMENT = {
    "pre_kind": "internship",
    "pre_days_per_week": "3",
    "pre_start": "2026-09-01",
    "pre_end": "2026-10-31",
    "work_site": "  Kringwinkel   Zottegem ",
    "start": "2026-11-02",
    "hours_per_week": "19",
    "follow_up": "",
    "outflow": "",
}


async def _placements(client_id: int) -> list[dict[str, Any]]:
    return [row for row in await rows_of(Placement) if row["client"] == client_id]


async def _placement_as(world: World, person: Someone) -> None:
    x = world.clients["X"]
    viewer = await viewer_of(world, person)
    before, events_before = await trajectory_rows(), await events_of(x)
    if person.username == "sw.a":
        await placements.record_placement(viewer, x, PLACEMENT, at=NOW)
        # X's placement (seeded) still runs: the file holder's form updates it
        assert [r["work_site"] for r in await _placements(x)] == ["Kringwinkel Zottegem"]
        new = (await events_of(x))[len(events_before) :]
        assert [(e["kind"], e["payload"]) for e in new] == [
            ("placement.changed", {"site": "Kringwinkel Zottegem"})
        ]
        return
    if not person.sees_client:
        with pytest.raises(NotFoundException):
            await placements.record_placement(viewer, x, PLACEMENT, at=NOW)
    else:
        with english(), pytest.raises(Invalid) as refused:
            await placements.record_placement(viewer, x, PLACEMENT, at=NOW)
        assert refused.value.errors == {
            "form": "Only the file holder records an art. 60 placement."
        }
    assert await trajectory_rows() == before
    assert await events_of(x) == events_before


async def test_who_records_a_placement() -> None:
    """Every person of the world tries to record X's art. 60 placement."""
    world = await trajectory_world()
    for person in PEOPLE:
        with case(person.label):
            await _placement_as(world, person)


async def test_a_placement_is_recorded_updated_and_ended() -> None:
    world = await trajectory_world()
    y = world.clients["Y"]
    holder = await viewer_of(world, "sw.a")
    with unscoped("test: Y starts without a placement"):
        await Placement.delete().where(Placement.client == y)
    events_before = await events_of(y)
    await placements.record_placement(holder, y, PLACEMENT, at=NOW)
    [row] = await _placements(y)
    assert (row["pre_kind"], row["pre_days_per_week"]) == ("internship", 3)
    assert (row["pre_start"], row["pre_end"]) == (dt.date(2026, 9, 1), dt.date(2026, 10, 31))
    assert (row["work_site"], row["start"], row["end"]) == (
        "Kringwinkel Zottegem",
        dt.date(2026, 11, 2),
        None,
    )
    assert (row["hours_per_week"], row["outflow"], row["recorded_by"]) == (
        19,
        "",
        world.people["sw.a"],
    )

    later = NOW + dt.timedelta(days=30)
    update = PLACEMENT | {"hours_per_week": "25", "follow_up": "Sollicitatietraining"}
    await placements.record_placement(holder, y, update, at=later)
    [row] = await _placements(y)
    assert (row["hours_per_week"], row["follow_up"], row["changed_at"]) == (
        25,
        "Sollicitatietraining",
        later,
    )
    assert row["recorded_at"] == NOW

    ended = update | {"end": "2027-10-31", "outflow": "regular_job"}
    await placements.record_placement(holder, y, ended, at=later)
    [row] = await _placements(y)
    assert (row["end"], row["outflow"]) == (dt.date(2027, 10, 31), "regular_job")

    # a placement after the one that ended is a new record; the old one keeps its outflow
    again = {"work_site": "Stad Zottegem", "start": "2028-01-08"}
    await placements.record_placement(holder, y, again, at=later)
    rows = await _placements(y)
    assert [(r["work_site"], r["outflow"]) for r in rows] == [
        ("Kringwinkel Zottegem", "regular_job"),
        ("Stad Zottegem", ""),
    ]
    assert rows[1]["pre_kind"] == "" and rows[1]["pre_days_per_week"] is None

    new = (await events_of(y))[len(events_before) :]
    assert [(e["kind"], e["payload"]) for e in new] == [
        ("placement.recorded", {"site": "Kringwinkel Zottegem", "start": "02-11-2026"}),
        ("placement.changed", {"site": "Kringwinkel Zottegem"}),
        ("placement.ended", {"site": "Kringwinkel Zottegem", "outflow": "regular_job"}),
        ("placement.recorded", {"site": "Stad Zottegem", "start": "08-01-2028"}),
    ]
    assert {e["sensitivity"] for e in new} == {"trajectory"}


async def test_the_running_placement_is_updated_even_when_an_ended_one_started_later() -> None:
    world = await trajectory_world()
    y = world.clients["Y"]
    holder = await viewer_of(world, "sw.a")
    with unscoped("test: Y starts without a placement"):
        await Placement.delete().where(Placement.client == y)
    ended = {"work_site": "Later site", "start": "2027-03-01", "end": "2027-06-30"}
    await placements.record_placement(holder, y, ended | {"outflow": "none"}, at=NOW)
    earlier = {"work_site": "Earlier site", "start": "2026-12-01"}
    await placements.record_placement(holder, y, earlier, at=NOW)
    await placements.record_placement(holder, y, earlier | {"hours_per_week": "20"}, at=NOW)
    rows = await _placements(y)
    assert [(r["work_site"], r["hours_per_week"]) for r in rows] == [
        ("Later site", None),
        ("Earlier site", 20),
    ]
    client = await find_client(holder, y)
    current = await services.current_placement(holder, client)
    assert current is not None and current.work_site == "Earlier site" and current.running


async def test_without_a_pre_trajectory_its_fields_are_not_kept() -> None:
    world = await trajectory_world()
    y = world.clients["Y"]
    holder = await viewer_of(world, "sw.a")
    with unscoped("test: Y starts without a placement"):
        await Placement.delete().where(Placement.client == y)
    await placements.record_placement(holder, y, PLACEMENT | {"pre_kind": ""}, at=NOW)
    [row] = await _placements(y)
    assert (row["pre_kind"], row["pre_days_per_week"], row["pre_start"], row["pre_end"]) == (
        "",
        None,
        None,
        None,
    )


BAD_PLACEMENTS: list[tuple[dict[str, str], dict[str, str]]] = [
    (
        {"work_site": " ", "start": ""},
        {"work_site": "Enter the work site.", "start": "Enter the day the placement starts."},
    ),
    ({"start": "02/11/2026"}, {"start": "Enter the date as a date, for example 2026-09-01."}),
    ({"end": "2026-11-01"}, {"end": "The end lies before the start."}),
    ({"pre_end": "2026-08-31"}, {"pre_end": "The end lies before the start."}),
    (
        {"pre_kind": "holiday"},
        {"pre_kind": "Choose an internship, volunteering or no pre-trajectory."},
    ),
    (
        {"pre_days_per_week": ""},
        {"pre_days_per_week": "Enter how many days a week the pre-trajectory takes."},
    ),
    ({"pre_days_per_week": "6"}, {"pre_days_per_week": "Enter a number of days from 1 to 5."}),
    ({"hours_per_week": "39"}, {"hours_per_week": "Enter a number of hours from 1 to 38."}),
    ({"hours_per_week": "0"}, {"hours_per_week": "Enter a number of hours from 1 to 38."}),
    ({"hours_per_week": "veel"}, {"hours_per_week": "Enter a number of hours from 1 to 38."}),
    ({"outflow": "regular_job"}, {"end": "Enter the day the placement ended."}),
    (
        {"outflow": "pension", "end": "2027-01-01"},
        {"outflow": "Choose a regular job, a training or no outflow."},
    ),
    ({"work_site": "w" * 201}, {"work_site": "This can be at most 200 characters long."}),
    ({"follow_up": "f" * 4001}, {"follow_up": "This can be at most 4000 characters long."}),
]


async def test_a_placement_checks_its_fields() -> None:
    world = await trajectory_world()
    x = world.clients["X"]
    holder = await viewer_of(world, "sw.a")
    before, events_before = await trajectory_rows(), await events_of(x)
    for changed, errors in BAD_PLACEMENTS:
        with case(repr(changed)):
            with english(), pytest.raises(Invalid) as refused:
                await placements.record_placement(holder, x, PLACEMENT | changed, at=NOW)
            assert refused.value.errors == errors
    assert await trajectory_rows() == before
    assert await events_of(x) == events_before

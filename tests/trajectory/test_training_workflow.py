"""Training requests as a workflow (issue 10, capability 1): every state × every person of the
world × every target, allowed or refused with its reason; the fields a move needs; a change made
meanwhile; and asking for a training. The expectation is written out here from the issue, not
read from ``portal.trajectory.workflow``.

requested → OCMW agreed (the file holder only) → VDAB approved (a mediator of the partnership's
VDAB team) → scheduled (a start date) → started → completed / stopped (a reason); refused at either
approval with a reason. Scheduling, starting, completing and stopping are for those who follow
the request up: the file holder or the partnership's VDAB mediator.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from litestar.exceptions import NotFoundException

from portal.clients.changes import Invalid
from portal.trajectory import training
from portal.trajectory.tables import TrainingRequest
from portal.visibility.scoping import unscoped
from portal.visibility.viewer import Viewer
from tests.support.factories import NOW, World
from tests.support.trajectory import (
    HOLDER,
    PEOPLE,
    REQUESTER,
    START,
    VDAB,
    Someone,
    case,
    english,
    events_of,
    request_in,
    request_row,
    rows_of,
    trajectory_rows,
    trajectory_world,
    viewer_of,
)

STATES = (
    "requested",
    "ocmw_agreed",
    "vdab_approved",
    "scheduled",
    "started",
    "completed",
    "stopped",
    "refused",
)
TARGETS = (
    "ocmw_agreed",
    "vdab_approved",
    "scheduled",
    "started",
    "completed",
    "stopped",
    "refused",
)
LABELS = {
    "requested": "Requested",
    "ocmw_agreed": "OCMW agreed",
    "vdab_approved": "VDAB approved",
    "scheduled": "Scheduled",
    "started": "Started",
    "completed": "Completed",
    "stopped": "Stopped",
    "refused": "Refused",
}
FOLLOWERS = frozenset({HOLDER, VDAB})
MOVES: dict[tuple[str, str], frozenset[str]] = {
    ("requested", "ocmw_agreed"): frozenset({HOLDER}),
    ("requested", "refused"): frozenset({HOLDER}),
    ("ocmw_agreed", "vdab_approved"): frozenset({VDAB}),
    ("ocmw_agreed", "refused"): frozenset({VDAB}),
    ("vdab_approved", "scheduled"): FOLLOWERS,
    ("scheduled", "started"): FOLLOWERS,
    ("scheduled", "stopped"): FOLLOWERS,
    ("started", "completed"): FOLLOWERS,
    ("started", "stopped"): FOLLOWERS,
}
"""Every possible move and who may make it; any other (state, target) is impossible."""
WHY_NOT = {
    frozenset({HOLDER}): "Only the file holder agrees for the OCMW.",
    frozenset({VDAB}): "Only a mediator of the partnership's VDAB team approves for VDAB.",
    FOLLOWERS: "Only the file holder or a mediator of the partnership's VDAB team does this.",
}
REASON = "Wachtlijst bij de opleider"
COURSE = "Heftruckchauffeur"
MOMENT = dt.datetime(2027, 1, 12, 10, 0, tzinfo=dt.UTC)
"""When the moves are made: after the start date, so a scheduled training may start."""


def expected(person: Someone, state: str, target: str) -> str:
    """``ok``, ``404`` (the request does not exist for them), ``to`` (impossible from this state)
    or ``form`` (not this person's move)."""
    if not person.sees_trajectory:
        return "404"
    movers = MOVES.get((state, target))
    if movers is None:
        return "to"
    return "ok" if movers & person.capacities else "form"


def fields_for(target: str) -> dict[str, str]:
    """What a move to ``target`` is sent with when everything it needs is there."""
    fields = {"to": target}
    if target in ("stopped", "refused"):
        fields["reason"] = REASON
    if target == "scheduled":
        fields["start_date"] = START.isoformat()
    return fields


def test_the_expectation_covers_every_move_of_the_issue() -> None:
    """The table above is the issue's: each open state has a way on, closed states none."""
    assert {source for source, _ in MOVES} == set(STATES[:5])
    assert {target for _, target in MOVES} == set(TARGETS)
    assert not {source for source, _ in MOVES} & {"completed", "stopped", "refused"}

    def who(state: str, target: str) -> list[str]:
        return [person.label for person in PEOPLE if expected(person, state, target) == "ok"]

    assert who("requested", "ocmw_agreed") == who("requested", "refused") == ["file holder"]
    assert who("ocmw_agreed", "vdab_approved") == [
        "VDAB mediator in the care team",
        "VDAB mediator with the client's consent",
    ]
    assert who("started", "stopped") == ["file holder", *who("ocmw_agreed", "refused")]


async def _try(
    world: World, person: Someone, viewer: Viewer, state: str, target: str, shared: int
) -> list[str]:
    """One move by one person from one state; what differs from the expectation."""
    case = f"{person.label}: {state} → {target}"
    x = world.clients["X"]
    outcome = expected(person, state, target)
    # a move that is refused writes nothing, so the refused ones share one request per state
    request_id = await request_in(world, state) if outcome == "ok" else shared
    before, events_before = await rows_of(TrainingRequest), await events_of(x)
    if outcome == "ok":
        with english():
            client_id = await training.move_training(
                viewer, request_id, fields_for(target), at=MOMENT
            )
        row = await request_row(request_id)
        new = (await events_of(x))[len(events_before) :]
        got: dict[str, Any] = {
            "client": client_id,
            "state": row["state"],
            "changed_by": row["changed_by"],
            "changed_at": row["changed_at"],
            "events": [(e["kind"], e["author"], e["sensitivity"], e["payload"]) for e in new],
        }
        person_id = world.people[person.username]
        want: dict[str, Any] = {
            "client": x,
            "state": target,
            "changed_by": person_id,
            "changed_at": MOMENT,
            "events": [
                (
                    "training.scheduled",
                    person_id,
                    "trajectory",
                    {"course": COURSE, "start": "11-01-2027"},
                )
                if target == "scheduled"
                else (
                    "training.moved",
                    person_id,
                    "trajectory",
                    {"course": COURSE, "state": target},
                )
            ],
        }
        if target == "scheduled":
            got["start_date"], want["start_date"] = row["start_date"], START
        if target in ("stopped", "refused"):
            got["reason"], want["reason"] = (
                (row["reason"], new[-1]["text"] if new else None),
                (REASON, REASON),
            )
        return [f"{case}: {got} != {want}"] if got != want else []
    try:
        with english():
            await training.move_training(viewer, request_id, fields_for(target), at=MOMENT)
    except NotFoundException:
        got_outcome, message = "404", ""
    except Invalid as refused:
        got_outcome = ",".join(sorted(refused.errors))
        message = refused.errors.get(got_outcome, "")
    else:
        got_outcome, message = "ok", ""
    problems = []
    if got_outcome != outcome:
        problems.append(f"{case}: expected {outcome}, got {got_outcome} {message!r}")
    elif outcome == "to" and not (
        f"“{LABELS[state]}”" in message and f"“{LABELS[target]}”" in message
    ):
        problems.append(f"{case}: the message does not name both states: {message!r}")
    elif outcome == "form" and message != WHY_NOT[MOVES[(state, target)]]:
        problems.append(f"{case}: the message does not say who may: {message!r}")
    if await rows_of(TrainingRequest) != before or await events_of(x) != events_before:
        problems.append(f"{case}: a refused move wrote something")
    return problems


@pytest.mark.parametrize("state", STATES)
async def test_every_person_and_target_from_each_state(state: str) -> None:
    """One world per state; every person of it tries every target, each on a request in
    ``state`` (a fresh one for each move that is expected to succeed)."""
    world = await trajectory_world()
    shared = await request_in(world, state)
    problems: list[str] = []
    outcomes: dict[str, int] = {}
    for person in PEOPLE:
        viewer = await viewer_of(world, person)
        for target in TARGETS:
            problems += await _try(world, person, viewer, state, target, shared)
            outcome = expected(person, state, target)
            outcomes[outcome] = outcomes.get(outcome, 0) + 1
    assert not problems, "\n".join(problems)
    moves = sum(1 for source, _ in MOVES if source == state)
    seeing = sum(1 for person in PEOPLE if person.sees_trajectory)
    assert outcomes.get("to", 0) == seeing * (len(TARGETS) - moves)
    assert outcomes.get("404", 0) == (len(PEOPLE) - seeing) * len(TARGETS)
    # every open state has someone who may move it on, and someone who may not
    assert bool(outcomes.get("ok")) is (moves > 0) and bool(outcomes.get("form")) is (moves > 0)


async def test_a_request_goes_the_whole_way_through_the_services() -> None:
    world = await trajectory_world()
    x = world.clients["X"]
    toeleider = await viewer_of(world, "toeleider")
    holder = await viewer_of(world, "sw.a")
    mediator = await viewer_of(world, "mediator.out")
    request_id = await training.request_training(
        toeleider, x, {"course": "Magazijnier", "provider": "VDAB Gent"}, at=NOW
    )
    for actor, fields in (
        (holder, {"to": "ocmw_agreed"}),
        (mediator, {"to": "vdab_approved"}),
        (mediator, {"to": "scheduled", "start_date": "2027-01-11"}),
        (holder, {"to": "started"}),
        (mediator, {"to": "completed"}),
    ):
        assert await training.move_training(actor, request_id, fields, at=MOMENT) == x
        assert (await request_row(request_id))["state"] == fields["to"]
    row = await request_row(request_id)
    assert row["start_date"] == START and row["requested_by"] == world.people["toeleider"]
    trail = [e for e in await events_of(x) if e["kind"].startswith("training.")]
    assert [e["kind"] for e in trail] == [
        "training.requested",
        "training.moved",
        "training.moved",
        "training.scheduled",
        "training.moved",
        "training.moved",
    ]
    assert [e["payload"].get("state") for e in trail] == [
        None,
        "ocmw_agreed",
        "vdab_approved",
        None,
        "started",
        "completed",
    ]
    assert [e["author"] for e in trail] == [
        world.people[name]
        for name in ("toeleider", "sw.a", "mediator.out", "mediator.out", "sw.a", "mediator.out")
    ]


@pytest.mark.parametrize(
    ("path", "mover"),
    [
        (("requested",), "sw.a"),
        (("requested", "ocmw_agreed"), "mediator"),
        (("requested", "ocmw_agreed", "vdab_approved", "scheduled"), "sw.a"),
        (("requested", "ocmw_agreed", "vdab_approved", "scheduled", "started"), "mediator.out"),
    ],
    ids=["refused by the OCMW", "refused by VDAB", "stopped before it starts", "stopped"],
)
async def test_a_request_ends_early_with_its_reason(path: tuple[str, ...], mover: str) -> None:
    world = await trajectory_world()
    x = world.clients["X"]
    request_id = await request_in(world, path[-1])
    target = "refused" if path[-1] in ("requested", "ocmw_agreed") else "stopped"
    actor = await viewer_of(world, mover)
    await training.move_training(actor, request_id, {"to": target, "reason": "  Verhuisd  "})
    row = await request_row(request_id)
    assert row["state"] == target and row["reason"] == "Verhuisd"
    last = (await events_of(x))[-1]
    assert last["kind"] == "training.moved" and last["payload"]["state"] == target
    assert last["text"] == "Verhuisd"
    with english(), pytest.raises(Invalid) as closed:
        await training.move_training(actor, request_id, {"to": "started"})
    assert set(closed.value.errors) == {"to"}


async def test_refusing_or_stopping_needs_a_reason() -> None:
    world = await trajectory_world()
    x = world.clients["X"]
    for state, target, mover in (
        ("requested", "refused", "sw.a"),
        ("ocmw_agreed", "refused", "mediator"),
        ("scheduled", "stopped", "sw.a"),
        ("started", "stopped", "mediator.out"),
    ):
        actor = await viewer_of(world, mover)
        request_id = await request_in(world, state)
        before, events_before = await trajectory_rows(), await events_of(x)
        for reason, message in (
            (None, "Say in a few words why."),
            ("", "Say in a few words why."),
            ("   \n ", "Say in a few words why."),
            ("ok", "Say in a few words why."),
            ("x" * 2001, "This can be at most 2000 characters long."),
        ):
            fields = {"to": target} if reason is None else {"to": target, "reason": reason}
            with case(f"{state} → {target}, {reason!r:.20}"), english():
                with pytest.raises(Invalid) as refused:
                    await training.move_training(actor, request_id, fields)
                assert refused.value.errors == {"reason": message}
        assert await trajectory_rows() == before
        assert await events_of(x) == events_before
        await training.move_training(actor, request_id, {"to": target, "reason": "x" * 2000})
        assert (await request_row(request_id))["state"] == target


async def test_scheduling_needs_a_start_date_from_the_request_on() -> None:
    world = await trajectory_world()
    x = world.clients["X"]
    holder = await viewer_of(world, "sw.a")
    request_id = await request_in(world, "vdab_approved")  # asked on NOW, 20-11-2026
    before, events_before = await trajectory_rows(), await events_of(x)
    for start, message in (
        (None, "Enter the date the training starts."),
        ("", "Enter the date the training starts."),
        ("11/01/2027", "Enter the start date as a date, for example 2027-01-11."),
        ("2027-02-30", "Enter the start date as a date, for example 2027-01-11."),
        ("morgen", "Enter the start date as a date, for example 2027-01-11."),
        ("2026-11-19", "The start date lies before the request or too far ahead."),
        ("2030-01-01", "The start date lies before the request or too far ahead."),
    ):
        fields = {"to": "scheduled"} if start is None else {"to": "scheduled", "start_date": start}
        with english(), pytest.raises(Invalid) as refused:
            await training.move_training(holder, request_id, fields)
        assert refused.value.errors == {"start_date": message}, start
    assert await trajectory_rows() == before
    assert await events_of(x) == events_before
    await training.move_training(
        holder, request_id, {"to": "scheduled", "start_date": "2026-11-20"}
    )
    assert (await request_row(request_id))["start_date"] == NOW.date()


async def test_other_fields_do_not_change_what_a_move_writes() -> None:
    """A start date sent with another move, or a reason with an agreement, is not stored."""
    world = await trajectory_world()
    holder = await viewer_of(world, "sw.a")
    request_id = await request_in(world, "requested")
    await training.move_training(
        holder, request_id, {"to": "ocmw_agreed", "start_date": "2027-03-01", "reason": "Prima"}
    )
    row = await request_row(request_id)
    assert row["state"] == "ocmw_agreed" and row["start_date"] is None and row["reason"] == ""


async def test_an_unknown_target_is_refused() -> None:
    world = await trajectory_world()
    holder = await viewer_of(world, "sw.a")
    request_id = await request_in(world, "requested")
    before = await trajectory_rows()
    for target in ("", "approved", "requested", "REFUSED", "ocmw_agreed "):
        with case(repr(target)), english(), pytest.raises(Invalid) as refused:
            await training.move_training(holder, request_id, {"to": target})
        assert refused.value.errors == {"to": "Choose what happens to the request."}, target
    with english(), pytest.raises(Invalid) as missing:
        await training.move_training(holder, request_id, {})
    assert missing.value.errors == {"to": "Choose what happens to the request."}
    assert await trajectory_rows() == before


async def test_a_request_changed_meanwhile_is_not_moved(monkeypatch: pytest.MonkeyPatch) -> None:
    """The file holder reads the request as ``requested``; before the write, a colleague's tab
    (here: the row) refuses it. The agreement must not overwrite the refusal."""
    world = await trajectory_world()
    x = world.clients["X"]
    holder = await viewer_of(world, "sw.a")
    request_id = await request_in(world, "requested")
    read = training.find_request

    async def read_then_changed(viewer: Any, found_id: int) -> Any:
        found = await read(viewer, found_id)
        await TrainingRequest.update(
            {TrainingRequest.state: "refused", TrainingRequest.reason: "Dubbel"}
        ).where(TrainingRequest.id == found_id)
        return found

    monkeypatch.setattr(training, "find_request", read_then_changed)
    before, events_before = await trajectory_rows(), await events_of(x)
    with english(), pytest.raises(Invalid) as refused:
        await training.move_training(holder, request_id, {"to": "ocmw_agreed"})
    assert refused.value.errors == {"to": "Someone changed this request meanwhile. Look again."}
    row = await request_row(request_id)
    assert row["state"] == "refused" and row["reason"] == "Dubbel"
    assert row["changed_by"] == world.people["sw.a"] and row["changed_at"] == NOW
    assert await events_of(x) == events_before
    with unscoped("test: no other request changed"):
        others = await TrainingRequest.select().where(TrainingRequest.id != request_id)
    assert others == [r for r in before["training_request"] if r["id"] != request_id]


async def test_a_request_on_a_client_out_of_sight_is_not_found() -> None:
    world = await trajectory_world()
    z_request = world.requests["Z"]  # OCMW B's client, VDAB has consent, the partner has not
    for username in ("sw.a", "toeleider", "coordinator.a", "mediator.other.team"):
        viewer = await viewer_of(world, username)
        with pytest.raises(NotFoundException):
            await training.move_training(viewer, z_request, {"to": "ocmw_agreed"})
    missing = max(world.requests.values()) + 1000
    with pytest.raises(NotFoundException):
        await training.move_training(await viewer_of(world, "sw.a"), missing, {"to": "refused"})
    # Y withdrew its consent for the partner and VDAB: their care-team members lose the request
    for username in ("toeleider", "mediator"):
        viewer = await viewer_of(world, username)
        with pytest.raises(NotFoundException):
            await training.move_training(viewer, world.requests["Y"], {"to": "ocmw_agreed"})
    assert (await request_row(world.requests["Y"]))["state"] == "requested"


# Asking for a training -------------------------------------------------------------------------

ASKED = {"course": "  Heftruck   rijden ", "provider": "Syntra  West", "note": " Wil graag.\n"}


def may_ask(person: Someone) -> str:
    if not person.sees_client:
        return "404"
    return "ok" if REQUESTER in person.capacities else "form"


async def _ask_as(world: World, person: Someone) -> None:
    x = world.clients["X"]
    viewer = await viewer_of(world, person)
    before, events_before = await trajectory_rows(), await events_of(x)
    outcome = may_ask(person)
    if outcome == "404":
        with pytest.raises(NotFoundException):
            await training.request_training(viewer, x, ASKED, at=MOMENT)
    elif outcome == "form":
        with english(), pytest.raises(Invalid) as refused:
            await training.request_training(viewer, x, ASKED, at=MOMENT)
        assert refused.value.errors == {
            "form": "Only the file holder or a toeleider or mediator of the care team "
            "asks for a training."
        }
    else:
        request_id = await training.request_training(viewer, x, ASKED, at=MOMENT)
        row = await request_row(request_id)
        assert (row["client"], row["course"], row["provider"], row["note"]) == (
            x,
            "Heftruck rijden",
            "Syntra West",
            "Wil graag.",
        )
        assert row["state"] == "requested" and row["start_date"] is None and row["reason"] == ""
        person_id = world.people[person.username]
        assert row["requested_by"] == person_id and row["requested_at"] == MOMENT
        new = (await events_of(x))[len(events_before) :]
        assert [(e["kind"], e["author"], e["sensitivity"]) for e in new] == [
            ("training.requested", person_id, "trajectory")
        ]
        assert new[0]["payload"] == {"course": "Heftruck rijden", "provider": "Syntra West"}
        assert new[0]["text"] == "Wil graag." and new[0]["occurred_at"] == MOMENT
        return
    assert await trajectory_rows() == before
    assert await events_of(x) == events_before


async def test_who_asks_for_a_training() -> None:
    """Every person of the world tries to ask for a training for X."""
    world = await trajectory_world()
    for person in PEOPLE:
        with case(person.label):
            await _ask_as(world, person)


async def test_without_consent_the_care_team_cannot_ask() -> None:
    world = await trajectory_world()
    for username in ("toeleider", "mediator"):
        viewer = await viewer_of(world, username)
        with pytest.raises(NotFoundException):
            await training.request_training(viewer, world.clients["Y"], ASKED)
    # and the file holder of Y still can
    holder = await viewer_of(world, "sw.a")
    assert await training.request_training(holder, world.clients["Y"], ASKED)


BAD_REQUESTS: list[tuple[dict[str, str], dict[str, str]]] = [
    (
        {"course": "", "provider": " "},
        {
            "course": "Enter the title of the training.",
            "provider": "Enter who provides the training.",
        },
    ),
    ({"provider": "Syntra"}, {"course": "Enter the title of the training."}),
    (
        {"course": "c" * 201, "provider": "p" * 201},
        {
            "course": "This can be at most 200 characters long.",
            "provider": "This can be at most 200 characters long.",
        },
    ),
    (
        {"course": "Lassen", "provider": "Syntra", "note": "n" * 2001},
        {"note": "This can be at most 2000 characters long."},
    ),
]


async def test_asking_checks_the_fields() -> None:
    world = await trajectory_world()
    x = world.clients["X"]
    toeleider = await viewer_of(world, "toeleider")
    before, events_before = await trajectory_rows(), await events_of(x)
    for fields, errors in BAD_REQUESTS:
        with case(repr(fields)):
            with english(), pytest.raises(Invalid) as refused:
                await training.request_training(toeleider, x, fields)
            assert refused.value.errors == errors
    assert await trajectory_rows() == before
    assert await events_of(x) == events_before


async def test_the_longest_fields_are_kept_whole() -> None:
    world = await trajectory_world()
    holder = await viewer_of(world, "sw.a")
    fields = {"course": "c" * 200, "provider": "p" * 200, "note": "n" * 2000}
    row = await request_row(await training.request_training(holder, world.clients["X"], fields))
    assert (row["course"], row["provider"], row["note"]) == (
        fields["course"],
        fields["provider"],
        fields["note"],
    )


async def test_a_training_is_not_started_before_its_start_date() -> None:
    world = await trajectory_world()
    holder = await viewer_of(world, "sw.a")
    request_id = await request_in(world, "scheduled")
    day_before = dt.datetime.combine(START - dt.timedelta(days=1), dt.time(12), tzinfo=dt.UTC)
    with english(), pytest.raises(Invalid) as refused:
        await training.move_training(holder, request_id, {"to": "started"}, at=day_before)
    assert refused.value.errors == {
        "to": "The training starts on 11-01-2027: mark it started from that day on."
    }
    assert (await request_row(request_id))["state"] == "scheduled"
    on_the_day = dt.datetime.combine(START, dt.time(8), tzinfo=dt.UTC)
    await training.move_training(holder, request_id, {"to": "started"}, at=on_the_day)
    assert (await request_row(request_id))["state"] == "started"

"""The trajectory through its fixed routes (issue 10, "Fixed contract") and in the file's header:
303 back to the file when done, 422 with the message and the typed input when refused, 404 for
who cannot see the client; the header and the timeline of every person of the world show only
what that person is shown; the client page's statements do not grow with the trajectory."""

from __future__ import annotations

import datetime as dt
import html
import re

import httpx

from portal.accounts.auth import forget_viewer
from portal.core.db import count_queries, unit_of_work
from portal.core.templating import LOCAL_TIME
from portal.trajectory import intake, invitations, training
from portal.trajectory.tables import Intake, IntakeAnswer, Invitation, Placement, TrainingRequest
from portal.visibility.policy import Sensitivity, shown_classes
from tests.conftest import login
from tests.support.factories import NOW, World, add_to_team, make_client, set_consent
from tests.support.oracle import facts_for, relation_of
from tests.support.trajectory import (
    case,
    request_in,
    request_row,
    rows_of,
    trajectory_world,
    viewer_of,
)

T, H = Sensitivity.trajectory, Sensitivity.health


async def in_english(http: httpx.AsyncClient, username: str) -> str:
    """Log in as ``username`` and read the pages in English (message ids: the Dutch catalog does
    not have the trajectory's messages yet); returns the CSRF token."""
    token = await login(http, username)
    language = await http.post("/language", data={"lang": "en", "next": "/", "csrf_token": token})
    assert language.status_code == 303
    return token


def text_of(response: httpx.Response) -> str:
    return html.unescape(response.text)


def local(moment: dt.datetime) -> str:
    """What a datetime-local field sends for ``moment``."""
    return moment.astimezone(LOCAL_TIME).strftime("%Y-%m-%dT%H:%M")


def invalid(page: str, name: str) -> bool:
    """The field ``name`` is marked as wrong and has its message."""
    return (
        f'id="f-{name}-error"' in page
        and re.search(rf'id="f-{name}"[^>]*aria-invalid="true"', page) is not None
    )


# POST /clients/{id}/training-requests ----------------------------------------------------------


async def test_asking_for_a_training(client: httpx.AsyncClient) -> None:
    world = await trajectory_world()
    x = world.clients["X"]
    url = f"/clients/{x}/training-requests"
    token = await in_english(client, "toeleider")
    form = {"csrf_token": token, "course": "Lassen TIG", "provider": "Syntra", "note": "Graag"}
    done = await client.post(url, data=form)
    assert done.status_code == 303
    assert done.headers["location"] == f"/clients/{x}?done=training#trajectory"
    asked = [r for r in await rows_of(TrainingRequest) if r["course"] == "Lassen TIG"]
    assert [(r["client"], r["state"], r["requested_by"]) for r in asked] == [
        (x, "requested", world.people["toeleider"])
    ]
    page = text_of(await client.get(done.headers["location"]))
    assert "The training request is on the timeline." in page
    assert "Lassen TIG" in page and "Training requested: Lassen TIG at Syntra" in page

    refused = await client.post(
        url,
        data={
            "csrf_token": token,
            "course": " ",
            "provider": "Typed-Provider",
            "note": "Typed-Note",
        },
    )
    assert refused.status_code == 422
    page = text_of(refused)
    assert invalid(page, "course") and "Enter the title of the training." in page
    assert not invalid(page, "provider")
    assert 'value="Typed-Provider"' in page and ">Typed-Note</textarea>" in page

    token = await in_english(client, "sw.a2")  # sees X, but does not ask for trainings
    not_theirs = await client.post(url, data={**form, "csrf_token": token, "course": "Typed-C"})
    assert not_theirs.status_code == 422
    page = text_of(not_theirs)
    assert "Only the file holder or a toeleider or mediator of the care team" in page
    assert 'value="Typed-C"' in page
    assert 'id="f-form"' in page  # the error summary's link leads to the message
    for username in ("toeleider.out", "sw.b", "mediator.other", "coordinator.p"):
        token = await login(client, username)
        response = await client.post(url, data={**form, "csrf_token": token})
        assert response.status_code == 404, username
        assert "Typed" not in response.text and "FirstX" not in response.text
    assert len([r for r in await rows_of(TrainingRequest) if r["client"] == x]) == 2


# POST /training-requests/{id}/transition -------------------------------------------------------


async def test_moving_a_request_through_the_route(client: httpx.AsyncClient) -> None:
    world = await trajectory_world()
    x = world.clients["X"]
    request_id = world.requests["X"]  # TRJ-X-course, requested
    move = f"/training-requests/{request_id}/transition"
    back = f"/clients/{x}?done=training-moved#trajectory"

    token = await in_english(client, "sw.a")
    header = text_of(await client.get(f"/clients/{x}"))
    assert "TRJ-X-course" in header and "waiting for your agreement" in header
    impossible = await client.post(move, data={"csrf_token": token, "to": "started"})
    assert impossible.status_code == 422
    assert 'id="f-to"' in impossible.text
    assert "A request that is “Requested” cannot become “Started”." in text_of(impossible)
    short = await client.post(move, data={"csrf_token": token, "to": "refused", "reason": "ne"})
    assert short.status_code == 422
    assert 'id="f-reason"' in short.text and 'value="ne"' in short.text
    assert (await request_row(request_id))["state"] == "requested"
    agreed = await client.post(move, data={"csrf_token": token, "to": "ocmw_agreed"})
    assert agreed.status_code == 303 and agreed.headers["location"] == back
    header = text_of(await client.get(back))
    assert "The training request has been updated." in header
    assert "waiting for your agreement" not in header and "OCMW agreed" in header

    token = await in_english(client, "toeleider")
    not_theirs = await client.post(move, data={"csrf_token": token, "to": "vdab_approved"})
    assert not_theirs.status_code == 422
    assert "Only a mediator of the partnership's VDAB team approves for VDAB." in text_of(
        not_theirs
    )

    token = await in_english(client, "mediator.out")
    header = text_of(await client.get(f"/clients/{x}"))
    assert "waiting for your approval" in header
    approved = await client.post(move, data={"csrf_token": token, "to": "vdab_approved"})
    assert approved.status_code == 303 and approved.headers["location"] == back
    for start in ("", "2027-13-01", "2020-01-01"):
        wrong = await client.post(
            move, data={"csrf_token": token, "to": "scheduled", "start_date": start}
        )
        assert wrong.status_code == 422, start
        assert 'id="f-start_date"' in wrong.text and f'value="{start}"' in wrong.text
    scheduled = await client.post(
        move, data={"csrf_token": token, "to": "scheduled", "start_date": "2027-01-11"}
    )
    assert scheduled.status_code == 303

    await in_english(client, "sw.a")
    header = text_of(await client.get(f"/clients/{x}"))
    assert "Scheduled" in header and "starts 11-01-2027" in header
    assert "TRJ-X-course scheduled: it starts on 11-01-2027" in header  # the timeline
    request_page = text_of(await client.get(f"/training-requests/{request_id}"))
    assert "11-01-2027" in request_page and "Mark as started" in request_page

    for username in ("sw.b", "toeleider.out", "coordinator.a", "mediator.other", "admin"):
        token = await login(client, username)
        response = await client.post(move, data={"csrf_token": token, "to": "started"})
        assert response.status_code == 404, username
        assert "TRJ-X-course" not in response.text
    assert (await request_row(request_id))["state"] == "scheduled"


# POST /clients/{id}/invitations ----------------------------------------------------------------


async def test_inviting_through_the_route(client: httpx.AsyncClient) -> None:
    world = await trajectory_world()
    x = world.clients["X"]
    url = f"/clients/{x}/invitations"
    when = dt.datetime.now(dt.UTC).replace(second=0, microsecond=0) + dt.timedelta(days=7)
    token = await in_english(client, "mediator")
    form = {"csrf_token": token, "at": local(when), "place": "VDAB-Aalst-Hopmarkt"}
    done = await client.post(url, data=form)
    assert done.status_code == 303
    assert done.headers["location"] == f"/clients/{x}?done=invitation#trajectory"
    [row] = [r for r in await rows_of(Invitation) if r["place"] == "VDAB-Aalst-Hopmarkt"]
    assert row["at"] == when and row["invited_by"] == world.people["mediator"]
    assert row["organisation"] == world.orgs["vdab"]

    past = dt.datetime.now(dt.UTC) - dt.timedelta(hours=1)
    for at, message in (
        (local(past), "The interview must lie in the coming year."),
        ("volgende dinsdag", "Enter the date and time, for example 2026-12-14T09:30."),
    ):
        refused = await client.post(url, data={**form, "at": at, "place": "Typed-Place"})
        assert refused.status_code == 422, at
        page = text_of(refused)
        assert invalid(page, "at") and message in page
        assert f'value="{at}"' in page and 'value="Typed-Place"' in page
    empty = await client.post(url, data={**form, "place": ""})
    assert empty.status_code == 422 and invalid(empty.text, "place")

    token = await in_english(client, "sw.a")  # the file holder sees the invitation, at once
    page = text_of(await client.get(f"/clients/{x}"))
    assert "VDAB-Aalst-Hopmarkt" in page
    assert when.astimezone(LOCAL_TIME).strftime("%d-%m-%Y %H:%M") in page
    not_theirs = await client.post(url, data={**form, "csrf_token": token, "place": "Typed-P"})
    assert not_theirs.status_code == 422
    page = text_of(not_theirs)
    assert "Only a mediator of the partnership's VDAB team sends invitations." in page
    assert 'value="Typed-P"' in page and 'id="f-form"' in page
    for username in ("sw.b", "toeleider.out", "mediator.other", "coordinator.p"):
        token = await login(client, username)
        response = await client.post(url, data={**form, "csrf_token": token})
        assert response.status_code == 404, username
    assert len([r for r in await rows_of(Invitation) if r["client"] == x]) == 2


# The header ------------------------------------------------------------------------------------

OPEN = ("requested", "ocmw_agreed", "vdab_approved", "scheduled", "started")
CLOSED = ("completed", "stopped", "refused")
LABELS = {
    "requested": "Requested",
    "ocmw_agreed": "OCMW agreed",
    "vdab_approved": "VDAB approved",
    "scheduled": "Scheduled",
    "started": "Started",
}


async def _file_of_sw_a(world: World, tag: str) -> int:
    """A client of OCMW A held by sw.a, with the VDAB mediator in the care team and consent."""
    client_id = await make_client(world.orgs["ocmw-a"], tag, file_holder=world.people["sw.a"])
    world.clients[tag] = client_id
    await add_to_team(client_id, world.people["mediator"])
    await set_consent(client_id, world.orgs["vdab"], True)
    return client_id


def _request_items(page: str) -> dict[str, str]:
    """The header's training requests: course → the text of its line."""
    found = re.search(r'<ul class="items requests">(.*?)</ul>\s*(?:<h4|<ul|</div)', page, re.S)
    assert found, "no training requests in the header"
    items = re.findall(r"<li>(.*?)</li>", found.group(1), re.S)
    lines = {}
    for item in items:
        course = re.search(r'<a href="/training-requests/\d+">([^<]*)</a>', item)
        assert course
        lines[course.group(1)] = " ".join(re.sub(r"<[^>]+>", " ", item).split())
    return lines


async def test_the_header_shows_the_trajectory(client: httpx.AsyncClient) -> None:
    world = await trajectory_world()
    h = await _file_of_sw_a(world, "H")
    for state in (*OPEN, *CLOSED):
        await request_in(world, state, tag="H", course=f"Course-{state}")
    now = dt.datetime.now(dt.UTC)
    holder = world.people["sw.a"]
    for place, at in (
        ("Place-coming", now + dt.timedelta(days=2)),
        ("Place-passed", now - dt.timedelta(minutes=5)),
    ):
        await Invitation(
            client=h,
            at=at,
            place=place,
            invited_by=world.people["mediator"],
            organisation=world.orgs["vdab"],
            created_at=now - dt.timedelta(days=1),
        ).save()
    await Intake(
        client=h, held_on=dt.date(2026, 11, 18), held_by=holder, proposed_step=4, created_at=NOW
    ).save()
    await Placement(
        client=h,
        work_site="Kringwinkel-Zottegem",
        start=dt.date(2026, 11, 2),
        hours_per_week=19,
        pre_kind="internship",
        pre_days_per_week=3,
        recorded_by=holder,
        recorded_at=NOW,
        changed_at=NOW,
    ).save()

    await in_english(client, "sw.a")
    page = text_of(await client.get(f"/clients/{h}"))
    lines = _request_items(page)
    assert set(lines) == {f"Course-{state}" for state in OPEN}  # closed ones leave the header
    for state in OPEN:
        line = lines[f"Course-{state}"]
        assert LABELS[state] in line, line
        assert ("starts 11-01-2027" in line) is (state in ("scheduled", "started")), line
        assert ("waiting for your agreement" in line) is (state == "requested"), line
        assert "waiting for your approval" not in line
    assert "1 training request waits for you." in page
    assert "Place-coming" in page and "Place-passed" not in page
    assert "Intake of 18-11-2026" in page and "proposes step 4" in page
    assert "Confirm step 4" in page
    assert "Kringwinkel-Zottegem" in page and "from 02-11-2026" in page
    assert "19 hours a week" in page and "Internship, 3 days a week" in page

    await in_english(client, "mediator")
    lines = _request_items(text_of(await client.get(f"/clients/{h}")))
    assert set(lines) == {f"Course-{state}" for state in OPEN}
    for state in OPEN:
        line = lines[f"Course-{state}"]
        assert ("waiting for your approval" in line) is (state == "ocmw_agreed"), line
        assert "waiting for your agreement" not in line


async def test_a_file_without_a_trajectory_says_so(client: httpx.AsyncClient) -> None:
    world = await trajectory_world()
    e = await _file_of_sw_a(world, "E")
    await in_english(client, "sw.a")
    page = text_of(await client.get(f"/clients/{e}"))
    assert 'id="trajectory"' in page
    assert "No open training requests, invitations, intake or placement yet." in page
    assert "Ask for a training" in page and "Record an art. 60 placement" in page


# What every person of the world sees -----------------------------------------------------------


async def _timeline_values(world: World) -> list[tuple[str, Sensitivity, str]]:
    """Trajectory events with distinctive values on X and Z, written through the services, and
    an intake on each with a ``health`` answer (never on the timeline)."""
    records: list[tuple[str, Sensitivity, str]] = []
    for tag, holder, mediator in (("X", "sw.a", "mediator"), ("Z", "sw.b", "mediator")):
        client_id = world.clients[tag]
        holder_viewer = await viewer_of(world, holder)
        values = {name: f"TLX-{tag}-{name}" for name in ("course", "note", "place", "health")}
        await training.request_training(
            holder_viewer,
            client_id,
            {"course": values["course"], "provider": "Syntra", "note": values["note"]},
        )
        await invitations.invite(
            await viewer_of(world, mediator),
            client_id,
            {
                "at": local(dt.datetime.now(dt.UTC) + dt.timedelta(days=5)),
                "place": values["place"],
            },
        )
        await intake.record_intake(  # the latest intake: the same day as the seeded one
            holder_viewer,
            client_id,
            {
                "held_on": NOW.date().isoformat(),
                "wishes": f"TLX-{tag}-wishes",
                "preconditions_addiction": values["health"],
            },
            at=NOW,
        )
        records += [(tag, H if name == "health" else T, value) for name, value in values.items()]
        records.append((tag, T, f"TLX-{tag}-wishes"))
    return records


HEADER_NAMES = ("course", "place", "site")
"""The seeded values the header shows (``seed_trajectory``): an open request, an invitation still
to come, the placement."""


async def test_every_person_sees_only_what_they_are_shown(client: httpx.AsyncClient) -> None:
    world = await trajectory_world()
    records = [*world.records, *await _timeline_values(world)]
    problems: list[str] = []
    people: list[tuple[str, str, bool]] = [(name, name, False) for name in world.people]
    people.append(("sw.a2 after a reason", "sw.a2", True))
    for label, username, reason in people:
        token = await login(client, username)
        if reason:
            stated = await client.post(
                f"/clients/{world.clients['X']}/reason",
                data={"csrf_token": token, "reason": "Afwezigheid van de dossierhouder"},
            )
            assert stated.status_code == 303
        viewer = await viewer_of(world, username, unlocked="X" if reason else None)
        facts = await facts_for(viewer)
        for tag, client_id in world.clients.items():
            shown = shown_classes(viewer.roles, relation_of(viewer, facts[client_id]))
            latest = f"TLX-{tag}" if tag in ("X", "Z") else f"TRJ-{tag}"  # the intake page's
            pages = {
                path: await client.get(f"/clients/{client_id}{path}")
                for path in ("", "/timeline", "/intake")
            }
            for path, response in pages.items():
                where = f"{label} on {tag}{path} ({response.status_code})"
                for record_tag, cls, value in records:
                    if value in response.text and (record_tag != tag or cls not in shown):
                        problems.append(f"{where}: {value} ({cls.value}) leaked")
            if T in shown:
                header = pages[""].text
                for name in HEADER_NAMES:
                    if f"TRJ-{tag}-{name}" not in header:
                        problems.append(f"{label} on {tag}: TRJ-{tag}-{name} missing")
                wishes = pages["/intake"].text
                if pages["/intake"].status_code != 200 or f"{latest}-wishes" not in wishes:
                    problems.append(f"{label} on {tag}: the intake's answers are missing")
            if H in shown and f"{latest}-health" not in pages["/intake"].text:
                problems.append(f"{label} on {tag}: the health answer is missing")
            if tag in ("X", "Z") and {T, H} <= shown:
                timeline = pages["/timeline"].text
                if f"TLX-{tag}-course" not in timeline or f"TLX-{tag}-place" not in timeline:
                    problems.append(f"{label} on {tag}: the trajectory events are missing")
    assert not problems, "\n".join(problems)
    # the expectation is not empty: the file holders and the care team follow trajectories
    assert any(v.startswith("TLX-") for _, _, v in records)


# Statements ------------------------------------------------------------------------------------


async def _queries(http: httpx.AsyncClient, url: str, person_id: int) -> int:
    forget_viewer(person_id)
    with count_queries() as counter:
        response = await http.get(url)
    assert response.status_code == 200, url
    assert 'id="trajectory"' in response.text
    return counter[0]


async def test_the_client_page_does_not_grow_with_the_trajectory(client: httpx.AsyncClient) -> None:
    world = await trajectory_world()
    q = await _file_of_sw_a(world, "Q")
    url = f"/clients/{q}"
    await login(client, "sw.a")
    # The file's first opening starts its access-log chain; every later one writes one entry.
    assert (await client.get(url)).status_code == 200
    counted: dict[str, int] = {}
    for username in ("sw.a", "mediator"):
        await login(client, username)
        counted[username] = await _queries(client, url, world.people[username])
    holder = world.people["sw.a"]
    later = dt.datetime.now(dt.UTC) + dt.timedelta(days=3)
    for number in range(12):
        await request_in(world, OPEN[number % len(OPEN)], tag="Q", course=f"Q-course-{number}")
    async with unit_of_work():
        for number in range(8):
            await Invitation(
                client=q,
                at=later + dt.timedelta(hours=number),
                place=f"Q-place-{number}",
                invited_by=world.people["mediator"],
                organisation=world.orgs["vdab"],
                created_at=NOW,
            ).save()
        for number in range(3):
            row = Intake(client=q, held_on=NOW.date(), held_by=holder, created_at=NOW)
            await row.save()
            await IntakeAnswer(
                intake=row.id, client=q, topic="wishes", text=f"w{number}", sensitivity="trajectory"
            ).save()
            await Placement(
                client=q,
                work_site=f"Q-site-{number}",
                start=NOW.date() - dt.timedelta(days=number),
                recorded_by=holder,
                recorded_at=NOW,
                changed_at=NOW,
            ).save()
    for username in ("sw.a", "mediator"):
        await login(client, username)
        with case(username):
            assert await _queries(client, url, world.people[username]) == counted[username]
    page = (await client.get(url)).text
    assert "Q-course-11" in page and "Q-place-7" in page and "Q-site-0" in page

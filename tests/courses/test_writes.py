"""Creating a course, planning its sessions, enrolling clients and recording attendance: who may
do each, what a refusal looks like (a message next to the field, nothing written) and what lands
on the client's timeline."""

from __future__ import annotations

import datetime as dt

import httpx

from portal.courses.tables import Attendance, Course, CourseSession, Enrolment
from portal.timeline.tables import TimelineEvent
from portal.visibility.scoping import unscoped
from tests.courses.conftest import login_en
from tests.support.factories import build_world, make_client


async def _events(client_id: int) -> list[dict]:
    with unscoped("test: the timeline as written"):
        return list(
            await TimelineEvent.select()
            .where(TimelineEvent.client == client_id)
            .where(TimelineEvent.kind.like("course.%"))
            .order_by(TimelineEvent.id)
            .output(load_json=True)
        )


async def _count(table) -> int:
    with unscoped("test: counting rows"):
        return await table.count()


async def test_who_creates_a_course_and_for_which_ocmw(client: httpx.AsyncClient) -> None:
    world = await build_world()
    a, b = str(world.orgs["ocmw-a"]), str(world.orgs["ocmw-b"])
    for username, ocmw, status in (
        ("sw.a", a, 303),
        ("toeleider", a, 303),
        ("toeleider", b, 422),
        ("sw.a", b, 422),
        ("mediator", a, 403),
        ("coordinator.a", a, 403),
    ):
        token = await login_en(client, username)
        form = {"csrf_token": token, "ocmw": ocmw, "title": f"New by {username}", "place": "Hall"}
        response = await client.post("/courses", data=form)
        assert response.status_code == status, (username, ocmw)
        if status == 422:
            assert 'id="f-ocmw-error"' in response.text
            assert f'value="New by {username}"' in response.text, "what was typed comes back"
        if status == 303:
            course_id = int(response.headers["location"].split("/")[2].split("?")[0])
            with unscoped("test: the stored course"):
                row = await Course.select().where(Course.id == course_id).first()
            assert row["organiser"] == world.people[username] and row["ocmw"] == int(ocmw)
    token = await login_en(client, "sw.a")
    empty = await client.post("/courses", data={"csrf_token": token, "ocmw": a, "title": " "})
    assert empty.status_code == 422 and "Enter the title of the course." in empty.text


async def test_the_organiser_plans_sessions(client: httpx.AsyncClient) -> None:
    world = await build_world()
    url = f"/courses/{world.courses['A']}/sessions"
    before = await _count(CourseSession)
    token = await login_en(client, "toeleider")
    for form, field in (
        ({"date": "08/09/2026", "starts_at": "09:30"}, "date"),
        ({"date": "2026-09-08", "starts_at": "half ten"}, "starts_at"),
        ({"date": "2026-09-08", "starts_at": "09:30", "topic": "x" * 201}, "topic"),
    ):
        response = await client.post(url, data={"csrf_token": token, **form})
        assert response.status_code == 422, form
        assert f'id="f-{field}-error"' in response.text
    assert await _count(CourseSession) == before
    form = {"csrf_token": token, "date": "2026-09-08", "starts_at": "09:30", "topic": "CV"}
    assert (await client.post(url, data=form)).status_code == 303
    again = await client.post(url, data=form)
    assert again.status_code == 422 and "already has a session at that moment" in again.text
    page = (await client.get(f"/courses/{world.courses['A']}")).text
    assert "08-09-2026 09:30" in page
    for username in ("sw.a", "toeleider.out", "mediator"):
        token = await login_en(client, username)
        form["csrf_token"] = token
        assert (await client.post(url, data=form)).status_code == 403, username


async def test_the_file_holder_enrols_their_clients(client: httpx.AsyncClient) -> None:
    world = await build_world()
    course = world.courses["A"]
    new = await make_client(world.orgs["ocmw-a"], "N", file_holder=world.people["sw.a"])
    token = await login_en(client, "sw.a")
    page = (await client.get(f"/courses/{course}")).text
    assert f'<option value="{new}"' in page
    assert f'<option value="{world.clients["X"]}"' not in page, "already enrolled"
    response = await client.post(
        f"/courses/{course}/enrolments", data={"csrf_token": token, "client": str(new)}
    )
    assert response.status_code == 303
    events = await _events(new)
    assert [e["kind"] for e in events] == ["course.enrolled"]
    assert events[0]["payload"] == {"course": "COURSE-A"}
    timeline = (await client.get(f"/clients/{new}")).text
    assert "Enrolled in the group course COURSE-A" in timeline
    for value, message in (
        (str(new), "already enrolled"),
        (str(world.clients["Z"]), "Choose a client whose file you hold."),
        ("nonsense", "Choose a client whose file you hold."),
    ):
        response = await client.post(
            f"/courses/{course}/enrolments", data={"csrf_token": token, "client": value}
        )
        assert response.status_code == 422 and message in response.text, value
    assert len(await _events(new)) == 1
    # A colleague holds none of these files; outsiders may not enrol at all.
    token = await login_en(client, "sw.a2")
    response = await client.post(
        f"/courses/{course}/enrolments", data={"csrf_token": token, "client": str(new)}
    )
    assert response.status_code == 422
    for username in ("toeleider", "mediator", "coordinator.a"):
        token = await login_en(client, username)
        response = await client.post(
            f"/courses/{course}/enrolments", data={"csrf_token": token, "client": str(new)}
        )
        assert response.status_code == 403, username
    with unscoped("test: counting enrolments"):
        assert await Enrolment.count().where(Enrolment.client == new) == 1


async def test_attendance_by_the_organiser_and_the_file_holder(client: httpx.AsyncClient) -> None:
    world = await build_world()
    course, x, y = world.courses["A"], world.clients["X"], world.clients["Y"]
    a2 = f"/courses/{course}/sessions/{world.sessions['A2']}"
    token = await login_en(client, "toeleider")
    form = (await client.get(a2)).text
    assert "FirstX" in form and "LastX" not in form and "FirstY" not in form
    refused = await client.post(
        a2 + "/attendance", data={"csrf_token": token, f"presence-{y}": "present"}
    )
    assert refused.status_code == 422 and "cannot record attendance for this person" in refused.text
    bad = await client.post(a2 + "/attendance", data={"csrf_token": token, f"presence-{x}": "late"})
    assert bad.status_code == 422 and "Choose present, absent or excused." in bad.text
    empty = await client.post(a2 + "/attendance", data={"csrf_token": token})
    assert empty.status_code == 422 and "at least one person" in empty.text
    assert await _events(x) == []

    saved = await client.post(
        a2 + "/attendance", data={"csrf_token": token, f"presence-{x}": "absent"}
    )
    assert saved.status_code == 303 and saved.headers["location"].endswith(
        "done=attendance#attendance"
    )
    events = await _events(x)
    assert [e["kind"] for e in events] == ["course.attendance"]
    day = (dt.date.today() - dt.timedelta(days=7)).strftime("%d-%m-%Y")
    assert events[0]["payload"] == {"course": "COURSE-A", "day": day, "presence": "absent"}
    assert events[0]["author"] == world.people["toeleider"]
    same = await client.post(
        a2 + "/attendance", data={"csrf_token": token, f"presence-{x}": "absent"}
    )
    assert same.headers["location"].endswith("done=unchanged#attendance")
    assert len(await _events(x)) == 1

    future = f"/courses/{course}/sessions/{world.sessions['A3']}/attendance"
    response = await client.post(future, data={"csrf_token": token, f"presence-{x}": "present"})
    assert response.status_code == 422 and "has not taken place yet" in response.text

    # The file holder corrects their own client's attendance, and records Y's.
    token = await login_en(client, "sw.a")
    response = await client.post(
        a2 + "/attendance",
        data={"csrf_token": token, f"presence-{x}": "excused", f"presence-{y}": "present"},
    )
    assert response.status_code == 303
    assert [e["kind"] for e in await _events(x)] == [
        "course.attendance",
        "course.attendance_corrected",
    ]
    timeline = (await client.get(f"/clients/{x}")).text
    assert f"COURSE-A, session of {day}: corrected to excused" in timeline
    assert [e["payload"]["presence"] for e in await _events(y)] == ["present"]
    with unscoped("test: attendance rows"):
        assert await Attendance.count().where(Attendance.client == x) == 3

    for username in ("sw.a2", "toeleider.out", "mediator", "coordinator.a"):
        token = await login_en(client, username)
        assert (await client.get(a2)).status_code == 403, username
        response = await client.post(
            a2 + "/attendance", data={"csrf_token": token, f"presence-{x}": "present"}
        )
        assert response.status_code == 403, username
    for username in ("sw.b", "coordinator.p"):
        await login_en(client, username)
        assert (await client.get(a2)).status_code == 404, username

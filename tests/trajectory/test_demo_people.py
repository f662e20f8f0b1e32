"""The demo world as each of its people sees it: every training request, invitation, intake answer
and placement of the demo appears on a file's pages exactly for the people the policy shows its class
to, and never for anyone else."""

from __future__ import annotations

import datetime as dt
import html

import httpx
from litestar import Litestar

from portal.accounts.services import load_viewer
from portal.accounts.tables import Person
from portal.courses.tables import Course, Enrolment
from portal.demo import load_demo
from portal.trajectory.tables import IntakeAnswer, Invitation, Placement, TrainingRequest
from portal.trajectory.workflow import OPEN_STATES
from portal.visibility.policy import Access, Relation, Sensitivity, access, sees_record
from portal.visibility.scoping import unscoped
from tests.conftest import login
from tests.support.oracle import facts_for, relation_of

T, H = Sensitivity.trajectory, Sensitivity.health


async def _records() -> dict[int, list[tuple[Sensitivity, str, bool]]]:
    """Per client: (class, distinctive value, whether the file's header must show it when shown)."""
    now = dt.datetime.now(dt.UTC)
    found: dict[int, list[tuple[Sensitivity, str, bool]]] = {}
    with unscoped("test: the demo's trajectory values and where they must appear"):
        for row in await TrainingRequest.select():
            found.setdefault(row["client"], []).append(
                (T, row["course"], row["state"] in OPEN_STATES)
            )
        for row in await Invitation.select():
            found.setdefault(row["client"], []).append((T, row["place"], row["at"] >= now))
        for row in await Placement.select():
            found.setdefault(row["client"], []).append((T, row["work_site"], True))
        for row in await IntakeAnswer.select():
            found.setdefault(row["client"], []).append(
                (Sensitivity(row["sensitivity"]), row["text"], False)
            )
    return found


async def test_every_demo_person_sees_what_the_policy_shows_them(
    app: Litestar, client: httpx.AsyncClient
) -> None:
    """One demo world (loading it takes seconds), read by each of its people."""
    await load_demo(app.state.storage)
    await _trajectory_as_each_person(client)
    await _course_roster_as_each_person(client)


async def _trajectory_as_each_person(client: httpx.AsyncClient) -> None:
    records = await _records()
    assert {cls for values in records.values() for cls, _, _ in values} == {T, H}
    people = await Person.select(Person.id, Person.username).where(Person.active == True)  # noqa: E712
    checked = shown_somewhere = hidden_somewhere = 0
    for person in people:
        viewer = await load_viewer(person["id"])
        assert viewer is not None
        relations = {cid: relation_of(viewer, f) for cid, f in (await facts_for(viewer)).items()}
        await login(client, person["username"])
        for client_id, values in records.items():
            relation = relations.get(client_id, Relation.none)
            sees = sees_record(viewer.roles, relation)
            page = await client.get(f"/clients/{client_id}")
            intake = await client.get(f"/clients/{client_id}/intake")
            if not sees:
                assert page.status_code in (403, 404), (person["username"], client_id)
                assert intake.status_code in (403, 404)
            text = html.unescape(page.text + intake.text)
            for cls, value, in_header in values:
                shown = sees and access(viewer.roles, relation, cls) is Access.shown
                checked += 1
                if not shown:
                    hidden_somewhere += 1
                    assert value not in text, (person["username"], client_id, value)
                elif in_header:
                    shown_somewhere += 1
                    assert value in html.unescape(page.text), (person["username"], client_id, value)
                elif cls is H:
                    shown_somewhere += 1
                    assert value in html.unescape(intake.text), (person["username"], value)
    assert checked and shown_somewhere and hidden_somewhere


async def _course_roster_as_each_person(client: httpx.AsyncClient) -> None:
    """The OCMW's own people read an enrolled client's full name, a care-team member of another
    organisation the first name only, everyone else no name at all."""
    with unscoped("test: the demo course's enrolled clients"):
        [course] = await Course.select(Course.id)
        enrolled = await Enrolment.select(
            Enrolment.client,
            Enrolment.client.first_name,
            Enrolment.client.last_name,
            Enrolment.client.ocmw,
        ).where(Enrolment.course == course["id"])
    assert enrolled
    people = await Person.select(Person.id, Person.username).where(Person.active == True)  # noqa: E712
    named = {"full": 0, "first": 0, "none": 0}
    for person in people:
        viewer = await load_viewer(person["id"])
        assert viewer is not None
        relations = {cid: relation_of(viewer, f) for cid, f in (await facts_for(viewer)).items()}
        await login(client, person["username"])
        page = await client.get(f"/courses/{course['id']}")
        assert page.status_code in (200, 404)
        text = html.unescape(page.text)
        for row in enrolled:
            relation = relations.get(row["client"], Relation.none)
            follows = access(viewer.roles, relation, T) is Access.shown
            first, last = row["client.first_name"], row["client.last_name"]
            if follows and viewer.org_id == row["client.ocmw"]:
                named["full"] += 1
                assert f"{first} {last}" in text or f"{last}, {first}" in text, person["username"]
            elif follows and relation is Relation.care_team:
                named["first"] += 1
                assert first in text and last not in text, (person["username"], first)
            else:
                named["none"] += 1
                assert last not in text, (person["username"], last)
    assert all(named.values()), named

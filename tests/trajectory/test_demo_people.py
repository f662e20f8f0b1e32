"""The demo world as each of its people sees it: every training request, invitation, intake answer
and placement of the demo appears on a file's pages exactly for the people the policy shows its class
to, and never for anyone else."""

from __future__ import annotations

import datetime as dt
import html

import httpx

from portal.accounts.services import load_viewer
from portal.accounts.tables import Person
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


async def test_every_demo_person_sees_the_trajectory_the_policy_shows(
    client: httpx.AsyncClient,
) -> None:
    await load_demo()
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

"""The demo world as each of its people sees it: every training request, invitation, intake answer
and placement of the demo appears on a file's pages exactly for the people the policy shows its class
to, and never for anyone else; every demo signal is read exactly by the people its policy lets read
it, and the demo's signals hold what issue 12 asks of them; the demo's referral questions hold what
issue 13 asks of them, and each opens exactly for the asking OCMW and the VDAB team it is addressed
to; each person's start page and inbox hold the known answers of ``tests/home/demo_answers``."""

from __future__ import annotations

import datetime as dt
import html

import httpx
from litestar import Litestar

from portal.accounts.services import load_viewer
from portal.accounts.tables import Organisation, Partnership, Person
from portal.clients.tables import Client
from portal.courses.tables import Course, Enrolment
from portal.demo import load_demo
from portal.questions import services as questions
from portal.questions.tables import Question, QuestionChange
from portal.signals.privacy import findings
from portal.signals.services import overdue, readable_signals
from portal.signals.tables import Signal, SignalChange
from portal.signals.visibility import SignalView
from portal.signals.workflow import STATES, THEMES
from portal.trajectory.tables import IntakeAnswer, Invitation, Placement, TrainingRequest
from portal.trajectory.workflow import OPEN_STATES
from portal.visibility.policy import Access, Relation, Role, Sensitivity, access, sees_record
from portal.visibility.records import visible_to
from portal.visibility.scoping import unscoped
from portal.visibility.viewer import Viewer
from tests.audit.demo_access import check_access_logs
from tests.conftest import login
from tests.home.demo_answers import check_start_pages
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
    summary = await load_demo(app.state.storage)
    await check_start_pages(client)  # first: opening a signal or question reads its inbox items
    await check_access_logs(client)
    await _trajectory_as_each_person(client)
    await _course_roster_as_each_person(client)
    await _demo_signals_hold_what_the_issue_asks()
    await _signals_as_each_person(client)
    await _demo_questions_hold_what_the_issue_asks()
    await _questions_as_each_person(client)
    assert await load_demo(app.state.storage) == summary, "loading again adds nothing"
    assert summary.endswith(f"{len(await _signal_rows())} signals"), summary


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


# Signals -----------------------------------------------------------------------------------


async def _signal_rows() -> list[dict]:
    with unscoped("test: the demo's signals as written"):
        return await Signal.select().order_by(Signal.id)


async def _active_viewers() -> list[tuple[str, Viewer]]:
    people = await Person.select(Person.id, Person.username).where(Person.active == True)  # noqa: E712
    viewers = []
    for person in people:
        viewer = await load_viewer(person["id"])
        assert viewer is not None
        viewers.append((person["username"], viewer))
    return viewers


async def _demo_signals_hold_what_the_issue_asks() -> None:
    """A few dozen signals over the last year in every state and theme, structural and about a
    client, some urgent, some overdue, some still fresh, one reopened; no personal data in a
    structural one; a signal about a client reported by someone in the client's care team."""
    rows = await _signal_rows()
    now = dt.datetime.now(dt.UTC)
    assert 30 <= len(rows) <= 40
    assert len({row["title"] for row in rows}) == len(rows), "titles tell the signals apart"
    assert {row["theme"] for row in rows} == {theme.code for theme in THEMES}
    assert {row["state"] for row in rows} == {state.code for state in STATES}
    assert all(now - dt.timedelta(days=366) < row["created_at"] < now for row in rows)
    structural = [row for row in rows if row["client"] is None]
    about_clients = [row for row in rows if row["client"] is not None]
    assert len(structural) >= 10 and len(about_clients) >= 5
    assert sum(row["urgency"] == "urgent" for row in rows) >= 3
    with unscoped("test: every client's name, to look for in structural signals"):
        names = [(c["first_name"], c["last_name"]) for c in await Client.select()]
    for row in structural:
        assert not findings(f"{row['title']}\n{row['description']}", names), row["title"]

    views: dict[int, SignalView] = {}
    for username, viewer in await _active_viewers():
        views |= {view.id: view for view in await readable_signals(viewer)}
        facts = await facts_for(viewer)
        for row in about_clients:
            if row["reporter"] == viewer.person_id:
                relation = relation_of(viewer, facts[row["client"]])
                assert relation in (Relation.file_holder, Relation.care_team), (username, row)
    assert set(views) == {row["id"] for row in rows}, "each signal is read by its OCMW"
    new = [view for view in views.values() if view.state.code == "new"]
    assert sum(overdue(view) for view in new) >= 3, "some are overdue"
    assert sum(not overdue(view) for view in new) >= 3, "some are still in time"
    assert all(view.outcome for view in views.values() if view.followed_up_at is not None)
    with unscoped("test: the demo's signal changes"):
        changes = await SignalChange.select(SignalChange.kind, SignalChange.from_state)
    assert any(c["from_state"] in ("followed_up", "closed") for c in changes), "one reopened"
    assert any(c["kind"] == "comment" for c in changes)


def _reads(viewer: Viewer, row: dict, client_relation: Relation) -> bool:
    """The policy's answer, stated apart from the portal's scope: a structural signal for the
    OCMW it is routed to and the reporter's organisation; one about a client as the client's
    trajectory."""
    if row["client"] is None:
        if viewer.org_id == row["ocmw"]:
            relation = Relation.same_org
        elif viewer.org_id == row["reporter_org"]:
            relation = Relation.author_org
        else:
            return False
        return sees_record(viewer.roles, relation) and (
            access(viewer.roles, relation, Sensitivity.basic) is Access.shown
        )
    return sees_record(viewer.roles, client_relation) and (
        access(viewer.roles, client_relation, T) is Access.shown
    )


async def _signals_as_each_person(client: httpx.AsyncClient) -> None:
    """``readable_signals`` agrees with the policy for every demo person; the signal list shows
    none of the others, and a signal's page opens exactly for those who read it."""
    rows = await _signal_rows()
    read_by_someone = hidden_from_someone = 0
    for username, viewer in await _active_viewers():
        facts = await facts_for(viewer)
        relations = {cid: relation_of(viewer, f) for cid, f in facts.items()}
        expected = {
            row["id"]
            for row in rows
            if _reads(viewer, row, relations.get(row["client"], Relation.none))
        }
        readable = {view.id for view in await readable_signals(viewer)}
        assert readable == expected, username
        read_by_someone += bool(readable)
        hidden_from_someone += len(readable) < len(rows)

        await login(client, username)
        listing = await client.get("/signals")
        assert listing.status_code in (200, 403, 404), username
        if listing.status_code != 200:
            assert not readable, username
        text = html.unescape(listing.text)
        for row in rows:
            if row["id"] not in readable:
                assert row["title"] not in text, (username, row["title"])
                assert row["description"] not in text, (username, row["title"])
        if readable:
            assert any(row["title"] in text for row in rows), username
        for row in rows:
            page = await client.get(f"/signals/{row['id']}")
            wanted = 200 if row["id"] in readable else 404
            assert page.status_code == wanted, (username, row["title"], page.status_code)
    assert read_by_someone and hidden_from_someone


# Referral questions ------------------------------------------------------------------------


async def _question_rows() -> list[dict]:
    with unscoped("test: the demo's questions as written"):
        return await Question.select().order_by(Question.id)


async def _demo_questions_hold_what_the_issue_asks() -> None:
    """Per OCMW, questions to its own VDAB team in every state and with every answer, some
    overdue and some in time, one reopened, messages both ways; one answer invites to an interview
    still to come; each asked by the file holder or a social worker of the care team; Amina's
    forklift question asked after her social worker's note and answered by VDAB Zottegem."""
    rows = await _question_rows()
    now = dt.datetime.now(dt.UTC)
    with unscoped("test: the demo's organisations, partnerships and question changes"):
        codes = {row["id"]: row["code"] for row in await Organisation.select()}
        team_of = {row["ocmw"]: row["vdab"] for row in await Partnership.select() if row["vdab"]}
        changes = await QuestionChange.select().order_by(QuestionChange.id)
        invitations = await Invitation.select()
    assert {codes[row["team"]] for row in rows} == {"vdab", "vdab-gent"}
    viewers = dict(await _active_viewers())
    views = {}
    for ocmw in {row["ocmw"] for row in rows}:
        mine = [row for row in rows if row["ocmw"] == ocmw]
        assert {row["team"] for row in mine} == {team_of[ocmw]}, codes[ocmw]
        assert {row["state"] for row in mine} == {"open", "claimed", "answered", "closed"}
        assert {row["answer"] for row in mine} >= {"yes", "no", "conditional"}, codes[ocmw]
        mediator = next(
            v for v in viewers.values() if v.org_id == team_of[ocmw] and v.roles & {Role.mediator}
        )
        queued = {view.id: view for view in await questions_readable(mediator)}
        assert {row["id"] for row in mine} <= set(queued), codes[ocmw]
        waiting = [queued[row["id"]] for row in mine if queued[row["id"]].state.waiting]
        assert any(questions.overdue(view) for view in waiting), codes[ocmw]
        assert any(not questions.overdue(view) for view in waiting), codes[ocmw]
        ids = {row["id"] for row in mine}
        mine_changes = [c for c in changes if c["question"] in ids]
        assert any(c["from_state"] in ("answered", "closed") for c in mine_changes), "reopened"
        messages = [c for c in mine_changes if c["kind"] == "message"]
        assert {c["person_org"] == team_of[ocmw] for c in messages} == {True, False}
        views |= queued
    for row in rows:
        asker = next(v for v in viewers.values() if v.person_id == row["asker"])
        facts = await facts_for(asker)
        relation = relation_of(asker, facts[row["client"]])
        assert relation in (Relation.file_holder, Relation.care_team), row["text"]
        assert row["created_at"] < now
    assert all(c["at"] < now for c in changes)
    interviews = [row for row in rows if row["next_step"] == "interview"]
    assert interviews
    for row in interviews:
        assert any(i["client"] == row["client"] and i["at"] > now for i in invitations)
    [amina] = [view for view in views.values() if view.client_name == "Amina Haidari"]
    assert amina.type.code == "training_advice" and amina.state.code == "closed"
    assert amina.answer is not None and amina.answer.code in ("yes", "conditional")
    assert amina.asker_name == "Sofie Van den Bossche" and amina.assignee_name == "Koen Willems"
    assert dt.date(2026, 4, 14) < amina.created_at.date() < dt.date(2026, 5, 1)
    assert "heftruck" in amina.reason


async def questions_readable(viewer: Viewer) -> list:
    """The questions ``viewer`` reads through the portal's scope."""
    scope = visible_to(viewer, Question)
    return scope.project_all(await scope.select(*questions.COLUMNS))


def _reads_question(viewer: Viewer, row: dict, client_relation: Relation) -> bool:
    """The policy's answer, stated apart from the portal's scope: the asking OCMW and the VDAB
    team it is addressed to, as far as their relation shows them the client's trajectory."""
    return (
        viewer.org_id in (row["ocmw"], row["team"])
        and sees_record(viewer.roles, client_relation)
        and access(viewer.roles, client_relation, T) is Access.shown
    )


async def _questions_as_each_person(client: httpx.AsyncClient) -> None:
    """A question's page opens exactly for those the policy lets read it (404 for the others:
    a mediator of the other VDAB team never reads it), and the question list names no other."""
    rows = await _question_rows()
    read_by = {row["id"]: set() for row in rows}
    for username, viewer in await _active_viewers():
        facts = await facts_for(viewer)
        relations = {cid: relation_of(viewer, f) for cid, f in facts.items()}
        expected = {
            row["id"]
            for row in rows
            if _reads_question(viewer, row, relations.get(row["client"], Relation.none))
        }
        assert {view.id for view in await questions_readable(viewer)} == expected, username
        await login(client, username)
        for row in rows[::3]:  # every third: pages are slow to render, the scope is checked above
            page = await client.get(f"/questions/{row['id']}")
            wanted = 200 if row["id"] in expected else 404
            assert page.status_code == wanted, (username, row["id"], page.status_code)
            if wanted == 200:
                assert row["text"] in html.unescape(page.text), (username, row["id"])
                read_by[row["id"]].add(username)
    for row in rows[::3]:
        assert ("mediator.vdab" in read_by[row["id"]]) != (
            "mediator.vdab-gent" in read_by[row["id"]]
        ), row["text"]

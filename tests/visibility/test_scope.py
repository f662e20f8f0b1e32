"""The SQL the record policies run says the same as the hand-written oracle and the Python rules."""

from __future__ import annotations

import dataclasses

import pytest

from portal.accounts.services import load_viewer
from portal.audit.services import record_access
from portal.audit.tables import AccessLogEntry
from portal.clients.tables import CareTeamMember, Client, Consent
from portal.timeline.tables import TimelineEvent
from portal.visibility.policy import (
    Access,
    Audience,
    Relation,
    Role,
    Sensitivity,
    access,
    sees_record,
    sees_withheld_placeholders,
)
from portal.visibility.records import policy_for, readable, visible_to
from portal.visibility.scoping import unscoped
from portal.visibility.viewer import Viewer
from tests.support.factories import (
    PEOPLE,
    add_to_team,
    build_world,
    make_client,
    make_org,
    make_partnership,
    make_person,
    set_consent,
)
from tests.support.oracle import facts_for, relation_of


async def _viewer(person_id: int) -> Viewer:
    viewer = await load_viewer(person_id)
    assert viewer is not None
    return viewer


async def _sql_relations(viewer: Viewer) -> dict[int, Relation]:
    """The relation column the portal computes, for every client (scope left out on purpose)."""
    relation = policy_for(Client).relation(viewer).as_alias("relation")
    with unscoped("test: the relation of every client, visible or not"):
        rows = await Client.select(Client.id, relation)
    return {row["id"]: Relation(row["relation"]) for row in rows}


async def _oracle(viewer: Viewer) -> dict[int, Relation]:
    return {cid: relation_of(viewer, facts) for cid, facts in (await facts_for(viewer)).items()}


@pytest.mark.parametrize("username", list(PEOPLE))
async def test_relation_and_client_scope_match_the_oracle(username: str) -> None:
    world = await build_world()
    viewer = await _viewer(world.people[username])
    expected = await _oracle(viewer)
    assert await _sql_relations(viewer) == expected

    scope = visible_to(viewer, Client)
    listed = {row["id"]: row["relation"] for row in await scope.select(Client.id)}
    assert listed == {cid: rel for cid, rel in expected.items() if sees_record(viewer.roles, rel)}
    assert await scope.count() == len(listed)


async def _all_events() -> list[dict]:
    with unscoped("test: every event, to compare the scope with the Python rule"):
        return await TimelineEvent.select()


def _readable(viewer: Viewer, relation: Relation, event: dict) -> bool:
    return readable(
        viewer,
        relation,
        audience=Audience(event["audience"]),
        sensitivity=Sensitivity(event["sensitivity"]),
        author_org=event["author_org"],
    )


@pytest.mark.parametrize("username", list(PEOPLE))
async def test_event_scope_matches_the_python_rule(username: str) -> None:
    world = await build_world()
    viewer = await _viewer(world.people[username])
    relations = await _oracle(viewer)
    events = await _all_events()
    clients = {
        view.id: view
        for view in visible_to(viewer, Client).project_all(
            await visible_to(viewer, Client).select(*Client.all_columns())
        )
    }

    for client_id, client in clients.items():
        of_client = [e for e in events if e["client"] == client_id]
        readable_ids = {e["id"] for e in of_client if _readable(viewer, client.relation, e)}
        only = visible_to(viewer, TimelineEvent, client=client, readable_only=True)
        assert {r["id"] for r in await only.select(TimelineEvent.id)} == readable_ids
        every = visible_to(viewer, TimelineEvent, client=client)
        rows = await every.select(*TimelineEvent.all_columns())
        views = every.project_all(rows)
        assert {v.id for v in views if not v.withheld} == readable_ids
        placeholders = [v for v in views if v.withheld]
        assert all(v.id is None and v.occurred_at is None for v in placeholders)
        if sees_withheld_placeholders(client.relation):
            assert len(placeholders) == len(of_client) - len(readable_ids)
        else:
            assert placeholders == []

    across = visible_to(viewer, TimelineEvent, readable_only=True)
    expected = {
        e["id"]
        for e in events
        if sees_record(viewer.roles, relations[e["client"]])
        and _readable(viewer, relations[e["client"]], e)
    }
    rows = await across.select(TimelineEvent.id, TimelineEvent.client)
    assert {r["id"] for r in rows} == expected
    assert all(Relation(r["relation"]) is relations[r["client"]] for r in rows)


@pytest.mark.parametrize("username", list(PEOPLE))
async def test_care_team_consent_and_access_log_scopes(username: str) -> None:
    world = await build_world()
    viewer = await _viewer(world.people[username])
    relations = await _oracle(viewer)
    for client_id in world.clients.values():
        await record_access(viewer, client_id, "test", [Sensitivity.identity])

    def reads_log(relation: Relation) -> bool:
        """The file holder, and the coordinator of the OCMW that holds the file."""
        coordinator = Role.coordinator in viewer.roles and relation is Relation.same_org
        return relation is Relation.file_holder or coordinator

    def sees(client_id: int, cls: Sensitivity) -> bool:
        relation = relations[client_id]
        return (
            sees_record(viewer.roles, relation)
            and access(viewer.roles, relation, cls) is Access.shown
        )

    with unscoped("test: every row, to compare with the scope"):
        team = await CareTeamMember.select(CareTeamMember.id, CareTeamMember.client)
        consent = await Consent.select(Consent.id, Consent.client)
        log = await AccessLogEntry.select(AccessLogEntry.id, AccessLogEntry.client_id)
    cases = [
        (CareTeamMember, team, "client", lambda cid: sees(cid, Sensitivity.basic)),
        (Consent, consent, "client", lambda cid: sees(cid, Sensitivity.trajectory)),
        (AccessLogEntry, log, "client_id", lambda cid: reads_log(relations[cid])),
    ]
    for table, rows, column, expected in cases:
        found = {r["id"] for r in await visible_to(viewer, table).select(table.id)}
        assert found == {r["id"] for r in rows if expected(r[column])}, table.__name__


MISSING = 999_999


async def _one(viewer_org: str, viewer_role: str, **facts: bool) -> tuple[Relation, Relation]:
    """A client of OCMW "home" and one viewer; returns (SQL relation, oracle relation)."""
    home = await make_org("home", "ocmw")
    kind = {"social_worker": "ocmw", "mediator": "vdab", "toeleider": "partner"}.get(
        viewer_role, "ocmw"
    )
    org = home if viewer_org == "home" else await make_org(viewer_org, kind)
    person = await make_person("viewer", org, viewer_role)
    client_id = await make_client(home, file_holder=person if facts.get("holder") else None)
    if facts.get("team"):
        await add_to_team(client_id, person)
    if facts.get("consent"):
        await set_consent(client_id, org, True)
    if facts.get("partnered"):
        await make_partnership(
            home, org if kind == "partner" else None, org if kind == "vdab" else None
        )
    viewer = await _viewer(person)
    if facts.get("unlocked"):
        viewer = dataclasses.replace(viewer, unlocked=frozenset({client_id, MISSING}))
    return (await _sql_relations(viewer))[client_id], (await _oracle(viewer))[client_id]


@pytest.mark.parametrize(
    ("org", "role", "facts", "expected"),
    [
        ("home", "social_worker", {"holder": True}, Relation.file_holder),
        ("home", "social_worker", {}, Relation.same_org),
        ("home", "social_worker", {"team": True}, Relation.care_team),
        ("home", "social_worker", {"team": True, "unlocked": True}, Relation.same_org_reason),
        ("home", "social_worker", {"holder": True, "unlocked": True}, Relation.file_holder),
        ("home", "coordinator", {"unlocked": True}, Relation.same_org),
        ("home", "coordinator", {}, Relation.same_org),
        ("home", "coordinator", {"team": True}, Relation.care_team),
        ("pin", "toeleider", {"team": True, "consent": True}, Relation.care_team),
        ("pin", "toeleider", {"team": True}, Relation.none),
        ("vdab", "mediator", {"consent": True, "partnered": True}, Relation.partner_org),
        ("vdab", "mediator", {"partnered": True}, Relation.none),
        ("vdab", "mediator", {"consent": True}, Relation.none),
        ("other", "social_worker", {"consent": True}, Relation.none),
        ("other", "social_worker", {"consent": True, "team": True}, Relation.care_team),
    ],
)
async def test_relation_follows_organisation_team_and_consent(
    org: str, role: str, facts: dict[str, bool], expected: Relation
) -> None:
    assert await _one(org, role, **facts) == (expected, expected)

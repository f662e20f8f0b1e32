"""The relation rule machinery on its own: viewer facts decided in Python, record facts in SQL.

A record without a client (a structural signal, an evaluation) relates to the viewer through the
partnership it belongs to; this rule, written against the partnership table, shows the machinery
expresses that: the OCMW's people are ``same_org``, the partner organisation (which writes such
records) ``author_org``, the VDAB team ``partner_org``, everyone else ``none``.
"""

from __future__ import annotations

import pytest
from piccolo.querystring import QueryString

from portal.accounts.services import load_viewer
from portal.accounts.tables import Partnership
from portal.visibility.policy import Relation, Role, relations_granting_sight
from portal.visibility.relations import Fact, RelationRules, Rule, ViewerFact
from portal.visibility.viewer import Viewer
from tests.support.factories import make_org, make_partnership, make_person


def _side(column: str) -> Fact:
    return Fact(
        f"the viewer's organisation is the partnership's {column}",
        lambda viewer, ref: QueryString(f'{ref["partnership"]}."{column}" = {{}}', viewer.org_id),
    )


NOT_ADMIN = ViewerFact("the viewer is no administrator", lambda v: Role.admin not in v.roles)
PARTNERSHIP_RELATION = RelationRules(
    Rule(Relation.none, (~NOT_ADMIN,)),
    Rule(Relation.same_org, (_side("ocmw"),)),
    Rule(Relation.author_org, (_side("partner"),)),
    Rule(Relation.partner_org, (_side("vdab"),)),
)
REF = {"partnership": '"partnership"'}


async def _relations(viewer: Viewer) -> dict[int, Relation]:
    column = PARTNERSHIP_RELATION.sql(viewer, REF).as_alias("relation")
    rows = await Partnership.select(Partnership.id, column)
    return {row["id"]: Relation(row["relation"]) for row in rows}


@pytest.mark.parametrize(
    ("org", "role", "expected"),
    [
        ("ocmw", "social_worker", Relation.same_org),
        ("ocmw", "coordinator", Relation.same_org),
        ("pin", "toeleider", Relation.author_org),
        ("pin", "coordinator", Relation.author_org),
        ("vdab", "mediator", Relation.partner_org),
        ("elsewhere", "social_worker", Relation.none),
        ("ocmw", "admin", Relation.none),
    ],
)
async def test_a_record_without_a_client_relates_through_its_partnership(
    org: str, role: str, expected: Relation
) -> None:
    orgs = {
        "ocmw": await make_org("ocmw", "ocmw"),
        "pin": await make_org("pin", "partner"),
        "vdab": await make_org("vdab", "vdab"),
        "elsewhere": await make_org("elsewhere", "ocmw"),
    }
    partnership = await make_partnership(orgs["ocmw"], orgs["pin"], orgs["vdab"])
    other = await make_partnership(orgs["elsewhere"], None, orgs["vdab"])
    viewer = await load_viewer(await make_person("viewer", orgs[org], role))
    assert viewer is not None

    relations = await _relations(viewer)
    assert relations[partnership] is expected
    assert expected in PARTNERSHIP_RELATION.possible(viewer)

    sight = relations_granting_sight(viewer.roles)
    condition = PARTNERSHIP_RELATION.is_in(viewer, REF, sight)
    if condition is None:
        assert not ({relations[partnership], relations[other]} & sight)
    else:
        found = {row["id"] for row in await Partnership.select(Partnership.id).where(condition)}
        assert found == {pid for pid, rel in relations.items() if rel in sight}


def test_viewer_facts_are_decided_before_any_sql() -> None:
    admin = Viewer(1, "a", "A", 1, "O", "ocmw", frozenset({Role.admin}))
    assert PARTNERSHIP_RELATION.possible(admin) == {Relation.none}
    assert str(PARTNERSHIP_RELATION.sql(admin, REF)) == "'none'"
    assert PARTNERSHIP_RELATION.is_in(admin, REF, frozenset({Relation.same_org})) is None
    worker = Viewer(2, "w", "W", 1, "O", "ocmw", frozenset({Role.social_worker}))
    assert PARTNERSHIP_RELATION.possible(worker) == {
        Relation.same_org,
        Relation.author_org,
        Relation.partner_org,
        Relation.none,
    }

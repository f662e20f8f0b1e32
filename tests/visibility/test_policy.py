"""The policy table against DESIGN.md §4, cell by cell, and the relation rules with consent."""

from __future__ import annotations

import itertools

import pytest

from portal.visibility.policy import (
    Access,
    Audience,
    Relation,
    Role,
    Sensitivity,
    access,
    may_read_audience,
    sees_client,
)
from portal.visibility.projection import RelationFacts, Viewer, relation_of

S, M, H = Access.shown, Access.masked, Access.hidden
CLASSES = list(Sensitivity)

# DESIGN.md §4, written out independently of the policy module; pairs not listed see nothing.
EXPECTED: dict[tuple[Role, Relation], tuple[Access, ...]] = {
    (Role.social_worker, Relation.file_holder): (S, S, S, S, S),
    (Role.social_worker, Relation.care_team): (S, S, S, H, H),
    (Role.mediator, Relation.care_team): (S, S, S, H, H),
    (Role.mediator, Relation.partner_org): (S, M, S, H, H),
    (Role.toeleider, Relation.care_team): (S, M, S, H, H),
}


@pytest.mark.parametrize(
    ("role", "relation", "cls"), list(itertools.product(Role, Relation, Sensitivity))
)
def test_every_cell_of_the_matrix(role: Role, relation: Relation, cls: Sensitivity) -> None:
    expected = EXPECTED.get((role, relation), (H,) * 5)[CLASSES.index(cls)]
    assert access(frozenset({role}), relation, cls) is expected


@pytest.mark.parametrize("role", list(Role))
def test_no_relation_sees_nothing(role: Role) -> None:
    assert not sees_client(frozenset({role}), Relation.none)


@pytest.mark.parametrize("role", [Role.coordinator, Role.admin])
@pytest.mark.parametrize("relation", list(Relation))
def test_coordinators_and_admins_never_see_client_content(role: Role, relation: Relation) -> None:
    assert all(access(frozenset({role}), relation, cls) is H for cls in Sensitivity)


def test_several_roles_get_the_most_generous() -> None:
    roles = frozenset({Role.toeleider, Role.mediator})
    assert access(roles, Relation.care_team, Sensitivity.identity) is S
    assert access(roles, Relation.care_team, Sensitivity.social) is H
    assert access(frozenset(), Relation.care_team, Sensitivity.basic) is H


def _viewer(org_id: int, *roles: Role) -> Viewer:
    return Viewer(1, "u", "U", org_id, "Org", "ocmw", frozenset(roles))


OCMW, PARTNER = 10, 20


def _facts(*, team: bool = False, consent: bool = False, partnered: bool = False) -> RelationFacts:
    return RelationFacts(
        client_ocmw_id=OCMW,
        in_care_team=team,
        consent_for_viewer_org=consent,
        partnered_with_ocmw=partnered,
    )


@pytest.mark.parametrize(
    ("viewer", "facts", "expected"),
    [
        (_viewer(OCMW, Role.social_worker), _facts(), Relation.file_holder),
        (_viewer(OCMW, Role.coordinator), _facts(), Relation.same_org),
        (_viewer(OCMW, Role.coordinator), _facts(team=True), Relation.care_team),
        (_viewer(PARTNER, Role.toeleider), _facts(team=True, consent=True), Relation.care_team),
        (_viewer(PARTNER, Role.toeleider), _facts(team=True, consent=False), Relation.none),
        (
            _viewer(PARTNER, Role.mediator),
            _facts(consent=True, partnered=True),
            Relation.partner_org,
        ),
        (_viewer(PARTNER, Role.mediator), _facts(consent=False, partnered=True), Relation.none),
        (_viewer(PARTNER, Role.mediator), _facts(consent=True, partnered=False), Relation.none),
        (_viewer(PARTNER, Role.social_worker), _facts(consent=True), Relation.none),
    ],
)
def test_relation_follows_organisation_team_and_consent(viewer, facts, expected) -> None:
    assert relation_of(viewer, facts) is expected


@pytest.mark.parametrize(
    ("relation", "audience", "same_org", "expected"),
    [
        (Relation.file_holder, Audience.care_team, False, True),
        (Relation.file_holder, Audience.file_holder_only, False, True),
        (Relation.file_holder, Audience.own_org, True, True),
        (Relation.file_holder, Audience.own_org, False, False),
        (Relation.care_team, Audience.care_team, False, True),
        (Relation.care_team, Audience.own_org, True, True),
        (Relation.care_team, Audience.own_org, False, False),
        (Relation.care_team, Audience.file_holder_only, True, False),
        (Relation.partner_org, Audience.care_team, False, False),
        (Relation.partner_org, Audience.own_org, True, False),
        (Relation.same_org, Audience.own_org, True, True),
        (Relation.none, Audience.care_team, True, False),
    ],
)
def test_audiences(relation, audience, same_org, expected) -> None:
    assert may_read_audience(relation, audience, same_org_as_author=same_org) is expected

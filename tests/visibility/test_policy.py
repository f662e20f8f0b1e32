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
    sees_record,
)

S, M, A, H = Access.shown, Access.masked, Access.aggregate, Access.hidden
CLASSES = list(Sensitivity)

# DESIGN.md §4, written out independently of the policy module; pairs not listed see nothing.
# Coordinators: the OCMW team lead sees basic fields of their own OCMW's clients and counts the
# trajectories; a partner coordinator counts only (figures, never rows). Records without a client
# (structural signals) are read by the organisation that wrote them.
EXPECTED: dict[tuple[Role, Relation], tuple[Access, ...]] = {
    (Role.social_worker, Relation.file_holder): (S, S, S, S, S),
    (Role.social_worker, Relation.care_team): (S, S, S, H, H),
    # a colleague of the same OCMW covers an absence with basic and trajectory data (issue 8);
    # stating a reason (break the glass, logged) opens the rest for that session
    (Role.social_worker, Relation.same_org): (S, H, S, H, H),
    (Role.social_worker, Relation.same_org_reason): (S, S, S, S, S),
    (Role.mediator, Relation.care_team): (S, S, S, H, H),
    (Role.mediator, Relation.partner_org): (S, M, S, H, H),
    (Role.social_worker, Relation.author_org): (S, H, H, H, H),
    (Role.mediator, Relation.author_org): (S, H, H, H, H),
    (Role.toeleider, Relation.care_team): (S, M, S, H, H),
    (Role.toeleider, Relation.author_org): (S, H, H, H, H),
    (Role.coordinator, Relation.same_org): (S, H, A, H, H),
    (Role.coordinator, Relation.partner_org): (A, H, A, H, H),
    (Role.coordinator, Relation.author_org): (A, H, A, H, H),
}


@pytest.mark.parametrize(
    ("role", "relation", "cls"), list(itertools.product(Role, Relation, Sensitivity))
)
def test_every_cell_of_the_matrix(role: Role, relation: Relation, cls: Sensitivity) -> None:
    expected = EXPECTED.get((role, relation), (H,) * 5)[CLASSES.index(cls)]
    assert access(frozenset({role}), relation, cls) is expected


@pytest.mark.parametrize("role", list(Role))
def test_no_relation_sees_nothing(role: Role) -> None:
    assert not sees_record(frozenset({role}), Relation.none)


@pytest.mark.parametrize("relation", list(Relation))
def test_admins_never_see_client_content(relation: Relation) -> None:
    assert all(access(frozenset({Role.admin}), relation, cls) is H for cls in Sensitivity)


@pytest.mark.parametrize("relation", list(Relation))
def test_coordinators_never_see_identity_social_or_health(relation: Relation) -> None:
    for cls in (Sensitivity.identity, Sensitivity.social, Sensitivity.health):
        assert access(frozenset({Role.coordinator}), relation, cls) is H


def test_several_roles_get_the_most_generous() -> None:
    roles = frozenset({Role.toeleider, Role.mediator})
    assert access(roles, Relation.care_team, Sensitivity.identity) is S
    assert access(roles, Relation.care_team, Sensitivity.social) is H
    assert access(frozenset(), Relation.care_team, Sensitivity.basic) is H


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
        (Relation.same_org, Audience.own_org, False, False),
        (Relation.same_org, Audience.care_team, False, True),
        (Relation.same_org, Audience.file_holder_only, True, False),
        (Relation.same_org_reason, Audience.care_team, False, True),
        (Relation.same_org_reason, Audience.file_holder_only, True, False),
        (Relation.none, Audience.care_team, True, False),
        (Relation.file_holder, Audience.addressed_org, False, True),
        (Relation.partner_org, Audience.addressed_org, True, True),
        (Relation.partner_org, Audience.addressed_org, False, False),
        (Relation.none, Audience.addressed_org, True, False),
    ],
)
def test_audiences(relation, audience, same_org, expected) -> None:
    assert may_read_audience(relation, audience, same_org_as_author=same_org) is expected


@pytest.mark.parametrize(
    ("relation", "expected"),
    [
        (Relation.partner_org, True),
        (Relation.care_team, True),
        (Relation.same_org, True),
        (Relation.none, False),
    ],
)
def test_a_record_addressed_to_the_viewers_organisation(relation, expected) -> None:
    admitted = may_read_audience(
        relation, Audience.addressed_org, same_org_as_author=False, addressed_to_viewer_org=True
    )
    assert admitted is expected

"""The visibility policy: for each (role, relation to the client, sensitivity class), what is seen.

This table is the single source of truth. Pages, fragments, exports, JSON and logs only ever see
values that went through ``portal.visibility.projection``, which reads this table. The
"who sees what" page renders ``POLICY`` itself, so the documentation cannot drift from the code.
"""

from __future__ import annotations

from enum import IntEnum, StrEnum


class Role(StrEnum):
    toeleider = "toeleider"
    social_worker = "social_worker"
    mediator = "mediator"
    coordinator = "coordinator"
    admin = "admin"


class Relation(StrEnum):
    file_holder = "file_holder"
    care_team = "care_team"
    same_org = "same_org"
    partner_org = "partner_org"
    none = "none"


class Sensitivity(StrEnum):
    basic = "basic"
    identity = "identity"
    trajectory = "trajectory"
    social = "social"
    health = "health"


class Access(IntEnum):
    """Ordered so that the most generous of several roles wins (``max``)."""

    hidden = 0
    masked = 1
    shown = 2


class Audience(StrEnum):
    care_team = "care_team"
    own_org = "own_org"
    file_holder_only = "file_holder_only"


H, M, S = Access.hidden, Access.masked, Access.shown
_CLASSES = tuple(Sensitivity)


def _row(*accesses: Access) -> dict[Sensitivity, Access]:
    return dict(zip(_CLASSES, accesses, strict=True))


NOTHING = _row(H, H, H, H, H)

#                                         basic identity trajectory social health
POLICY: dict[tuple[Role, Relation], dict[Sensitivity, Access]] = {
    (Role.social_worker, Relation.file_holder): _row(S, S, S, S, S),
    (Role.social_worker, Relation.care_team): _row(S, S, S, H, H),
    (Role.social_worker, Relation.same_org): NOTHING,
    (Role.social_worker, Relation.partner_org): NOTHING,
    (Role.mediator, Relation.care_team): _row(S, S, S, H, H),
    (Role.mediator, Relation.partner_org): _row(S, M, S, H, H),
    (Role.mediator, Relation.same_org): NOTHING,
    (Role.toeleider, Relation.care_team): _row(S, M, S, H, H),
    (Role.toeleider, Relation.partner_org): NOTHING,
    (Role.toeleider, Relation.same_org): NOTHING,
    (Role.coordinator, Relation.care_team): NOTHING,
    (Role.coordinator, Relation.same_org): NOTHING,
    (Role.coordinator, Relation.partner_org): NOTHING,
    (Role.admin, Relation.care_team): NOTHING,
    (Role.admin, Relation.same_org): NOTHING,
    (Role.admin, Relation.partner_org): NOTHING,
}
"""Pairs not listed (including every ``Relation.none``) see nothing."""


def access(roles: frozenset[Role], relation: Relation, sensitivity: Sensitivity) -> Access:
    """What a person holding ``roles`` sees of one class; several roles give the most generous."""
    if relation is Relation.none:
        return Access.hidden
    return max(
        (POLICY.get((role, relation), NOTHING)[sensitivity] for role in roles),
        default=Access.hidden,
    )


def sees_client(roles: frozenset[Role], relation: Relation) -> bool:
    """A client exists for a person only when its basic fields are shown to them; otherwise 404."""
    return access(roles, relation, Sensitivity.basic) is Access.shown


def relations_granting_sight(roles: frozenset[Role]) -> frozenset[Relation]:
    return frozenset(rel for rel in Relation if sees_client(roles, rel))


def may_read_audience(relation: Relation, audience: Audience, *, same_org_as_author: bool) -> bool:
    """Whether an event's audience admits the viewer (before its sensitivity class is applied)."""
    if relation is Relation.file_holder:
        return audience is not Audience.own_org or same_org_as_author
    if audience is Audience.care_team:
        return relation is Relation.care_team
    if audience is Audience.own_org:
        return same_org_as_author and relation in (Relation.care_team, Relation.same_org)
    return False


def sees_withheld_placeholders(relation: Relation) -> bool:
    """Care-team members see that something was withheld ("afgeschermd"); others see nothing."""
    return relation in (Relation.file_holder, Relation.care_team)

"""The visibility policy: for each (role, relation to the record, sensitivity class), what is seen.

This table is the single source of truth. Pages, fragments, exports, JSON and logs only ever see
values that went through a record policy (``portal.visibility.records``), which reads this table.
The "who sees what" page renders ``POLICY`` itself, so the documentation cannot drift from the code.
"""

from __future__ import annotations

from collections.abc import Iterable
from enum import IntEnum, StrEnum


class Role(StrEnum):
    toeleider = "toeleider"
    social_worker = "social_worker"
    mediator = "mediator"
    coordinator = "coordinator"
    admin = "admin"
    """Functional administrator of their own organisation: its people and the admin log."""
    platform_admin = "platform_admin"
    """Administrator of the platform: organisations (what the login's organisation claim maps to)
    and partnerships. Like ``admin``, no access to client content."""


class Relation(StrEnum):
    """How a viewer stands to a record: to its client, or, for a record without a client, to the
    partnership it belongs to (``same_org`` for the OCMW that handles it, ``author_org`` for the
    organisation that wrote it, ``partner_org`` for the other organisations of the partnership)."""

    file_holder = "file_holder"
    care_team = "care_team"
    same_org = "same_org"
    same_org_reason = "same_org_reason"
    """A colleague of the file-holding OCMW who stated a reason to see more, for this session
    ("break the glass"); logged and shown to the file holder."""
    partner_org = "partner_org"
    author_org = "author_org"
    none = "none"


class Sensitivity(StrEnum):
    basic = "basic"
    identity = "identity"
    trajectory = "trajectory"
    social = "social"
    health = "health"


class Access(IntEnum):
    """Ordered so that the most generous of several roles wins (``max``).

    ``aggregate`` means "counted in figures, never shown as a row": a value at this level only ever
    reaches a page as part of a suppressed count (``portal.visibility.aggregates``).
    """

    hidden = 0
    aggregate = 1
    masked = 2
    shown = 3


class Audience(StrEnum):
    care_team = "care_team"
    own_org = "own_org"
    file_holder_only = "file_holder_only"
    addressed_org = "addressed_org"
    """The author's organisation and the one organisation (a VDAB team) the record is sent to."""


H, A, M, S = Access.hidden, Access.aggregate, Access.masked, Access.shown
_CLASSES = tuple(Sensitivity)


def _row(*accesses: Access) -> dict[Sensitivity, Access]:
    return dict(zip(_CLASSES, accesses, strict=True))


NOTHING = _row(H, H, H, H, H)
FIGURES = _row(A, H, A, H, H)
"""Coordinators count clients and their trajectories for the evaluation; identity, social and
health data are never counted."""

#                                         basic identity trajectory social health
POLICY: dict[tuple[Role, Relation], dict[Sensitivity, Access]] = {
    (Role.social_worker, Relation.file_holder): _row(S, S, S, S, S),
    (Role.social_worker, Relation.care_team): _row(S, S, S, H, H),
    (Role.social_worker, Relation.same_org): _row(S, H, S, H, H),
    (Role.social_worker, Relation.same_org_reason): _row(S, S, S, S, S),
    (Role.social_worker, Relation.partner_org): NOTHING,
    (Role.social_worker, Relation.author_org): _row(S, H, H, H, H),
    (Role.mediator, Relation.care_team): _row(S, S, S, H, H),
    (Role.mediator, Relation.partner_org): _row(S, M, S, H, H),
    (Role.mediator, Relation.same_org): NOTHING,
    (Role.mediator, Relation.author_org): _row(S, H, H, H, H),
    (Role.toeleider, Relation.care_team): _row(S, M, S, H, H),
    (Role.toeleider, Relation.partner_org): NOTHING,
    (Role.toeleider, Relation.same_org): NOTHING,
    (Role.toeleider, Relation.author_org): _row(S, H, H, H, H),
    (Role.coordinator, Relation.care_team): NOTHING,
    (Role.coordinator, Relation.same_org): _row(S, H, A, H, H),
    (Role.coordinator, Relation.partner_org): FIGURES,
    (Role.coordinator, Relation.author_org): FIGURES,
    (Role.admin, Relation.care_team): NOTHING,
    (Role.admin, Relation.same_org): NOTHING,
    (Role.admin, Relation.partner_org): NOTHING,
}
"""Pairs not listed (including every ``Relation.none``) see nothing.

The file holder is one named social worker; the other social workers of that OCMW see the basic and
trajectory fields (to cover an absence) and the rest only after stating a reason. The OCMW
coordinator (team lead) sees the basic fields of their own OCMW's clients, enough to manage
the team (assign file holders, read access logs, hand out signals); a partner coordinator sees
figures only."""


def access(roles: Iterable[Role], relation: Relation, sensitivity: Sensitivity) -> Access:
    """What a person holding ``roles`` sees of one class; several roles give the most generous."""
    if relation is Relation.none:
        return Access.hidden
    return max(
        (POLICY.get((role, relation), NOTHING)[sensitivity] for role in roles),
        default=Access.hidden,
    )


def sees_record(roles: Iterable[Role], relation: Relation) -> bool:
    """A record (a client, or one without a client) exists for a person only when its basic fields
    are shown to them; otherwise it answers 404."""
    return access(roles, relation, Sensitivity.basic) is Access.shown


def relations_granting_sight(roles: Iterable[Role]) -> frozenset[Relation]:
    roles = tuple(roles)
    return frozenset(rel for rel in Relation if sees_record(roles, rel))


def shown_classes(roles: Iterable[Role], relation: Relation) -> frozenset[Sensitivity]:
    roles = tuple(roles)
    return frozenset(cls for cls in Sensitivity if access(roles, relation, cls) is Access.shown)


def relations_showing(roles: Iterable[Role], sensitivity: Sensitivity) -> frozenset[Relation]:
    """The relations in which a person holding ``roles`` is shown ``sensitivity`` in full."""
    roles = tuple(roles)
    return frozenset(rel for rel in Relation if access(roles, rel, sensitivity) is Access.shown)


def may_read_audience(
    relation: Relation,
    audience: Audience,
    *,
    same_org_as_author: bool,
    addressed_to_viewer_org: bool = False,
) -> bool:
    """Whether a record's audience admits the viewer (before its sensitivity class is applied)."""
    if relation is Relation.none:
        return False
    if relation is Relation.file_holder:
        return audience is not Audience.own_org or same_org_as_author
    colleague = relation in (Relation.same_org, Relation.same_org_reason)
    if audience is Audience.care_team:
        return relation is Relation.care_team or colleague
    if audience is Audience.own_org:
        return same_org_as_author and (relation is Relation.care_team or colleague)
    if audience is Audience.addressed_org:
        return same_org_as_author or addressed_to_viewer_org
    return False


def sees_withheld_placeholders(relation: Relation) -> bool:
    """The file holder, the care team and a colleague who stated a reason see that something was
    withheld ("afgeschermd"); others see nothing."""
    return relation in (Relation.file_holder, Relation.care_team, Relation.same_org_reason)

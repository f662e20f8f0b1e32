"""Review items: a record about a client, read by the activation team of the client's OCMW.

The team (the OCMW's social workers who see the client) reads every item of their OCMW's rounds:
the decision is ``trajectory``; the reason is of the class the item names, so a health or
addiction reason reaches only who is shown ``health`` for the client (the file holder, or a
colleague after stating a reason). The others read "not yet" with the reason withheld. A
coordinator reads no item: the round's progress reaches them as suppressed counts.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from piccolo.querystring import QueryString

from portal.clients.visibility import ClientBoundPolicy
from portal.review.tables import ReviewItem, ReviewRound
from portal.visibility.fields import FieldSpec, Structural
from portal.visibility.policy import Access, Relation, Role, Sensitivity, access
from portal.visibility.records import relation_of_row
from portal.visibility.viewer import Viewer

KEY, POLICY, ROW = Structural.key, Structural.policy, Structural.row
_T = Sensitivity.trajectory
TEAM_RELATIONS = frozenset(
    {Relation.file_holder, Relation.care_team, Relation.same_org, Relation.same_org_reason}
)
ROUND_OCMW = "round.ocmw"
"""Read with every item: whether the round is the viewer's OCMW's."""


@dataclass(frozen=True)
class ItemView:
    id: int
    client: int
    round: int
    decision: str
    reason_kind: str
    reason: str
    withheld: bool
    """The reason exists but is of a class not shown to the viewer."""
    relation: Relation
    decided_by_name: str = ""
    decided_at: dt.datetime | None = None
    revealed: frozenset[Sensitivity] = frozenset()
    """The sensitive class of the reason, when the viewer is shown it (for the access log)."""


def in_team(viewer: Viewer, relation: Relation) -> bool:
    """A social worker who sees the client's trajectory as one of its OCMW's team."""
    return (
        Role.social_worker in viewer.roles
        and relation in TEAM_RELATIONS
        and access(viewer.roles, relation, _T) is Access.shown
    )


def reads_reason(viewer: Viewer, relation: Relation, sensitivity: str) -> bool:
    return access(viewer.roles, relation, Sensitivity(sensitivity)) is Access.shown


class ReviewItemPolicy(ClientBoundPolicy):
    table = ReviewItem
    fields = (
        FieldSpec("id", KEY),
        FieldSpec("round", KEY),
        FieldSpec("client", KEY),
        FieldSpec("slot", KEY),
        FieldSpec("decision", _T),
        FieldSpec("reason_kind", ROW),
        FieldSpec("reason", ROW),
        FieldSpec("sensitivity", POLICY),
        FieldSpec("decided_by", _T),
        FieldSpec("decided_at", _T),
    )

    def rows_for(self, viewer: Viewer, relation: Relation, **context: Any) -> QueryString | None:
        if not in_team(viewer, relation):
            return None
        rounds = ReviewRound._meta.tablename
        return QueryString(
            f'{self.column("round")} IN (SELECT "id" FROM "{rounds}" WHERE "ocmw" = {{}})',  # nosec B608  # names from the code; the org bound
            viewer.org_id,
        )

    def project(self, viewer: Viewer, row: Mapping[str, Any]) -> ItemView | None:
        relation = relation_of_row(row)
        if not in_team(viewer, relation) or row.get(ROUND_OCMW) != viewer.org_id:
            return None
        shown = reads_reason(viewer, relation, row["sensitivity"])
        return ItemView(
            id=row["id"],
            client=row["client"],
            round=row["round"],
            decision=row["decision"],
            reason_kind=row["reason_kind"] if shown else "",
            reason=row["reason"] if shown else "",
            withheld=not shown and bool(row["reason_kind"] or row["reason"]),
            relation=relation,
            decided_by_name=row.get("decided_by.display_name") or "",
            decided_at=row.get("decided_at"),
            revealed=frozenset(
                {Sensitivity(row["sensitivity"])} if shown and row["reason"] else ()
            ),
        )


RECORD_POLICIES = (ReviewItemPolicy(),)

"""Who reads a transfer: the two OCMWs it is between, nobody else.

A transfer belongs to the OCMW that proposes it (``author_org``: the file's former OCMW) and to the
OCMW asked to take the file (``same_org``: it handles the request). Its social workers and its
coordinator read the transfer: the client's basic fields, the handover note, what moves, the
outcome, and, once the file moved, the closing summary the former OCMW keeps. That is all of it
``basic``: a transfer never carries identity, social or health data (what moves is counted, not
shown), so the receiving OCMW learns nothing else about the client before it accepts.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from piccolo.querystring import QueryString

from portal.transfers.tables import Transfer
from portal.transfers.workflow import STATE_BY_CODE, State
from portal.visibility.fields import FieldSpec, Structural
from portal.visibility.policy import Relation, Role, Sensitivity
from portal.visibility.records import RecordPolicy, relation_of_row
from portal.visibility.relations import Fact, RecordRef, RelationRules, Rule, ViewerFact
from portal.visibility.viewer import Viewer

_B = Sensitivity.basic
KEY = Structural.key

READERS = frozenset({Role.social_worker, Role.coordinator})
"""Who of either OCMW reads its transfers."""
SIDES = frozenset({Relation.author_org, Relation.same_org})


def _proposing(viewer: Viewer, ref: RecordRef) -> QueryString:
    return QueryString(f"{ref['from']} = {{}}", viewer.org_id)


def _receiving(viewer: Viewer, ref: RecordRef) -> QueryString:
    return QueryString(f"{ref['to']} = {{}}", viewer.org_id)


OF_AN_OCMW = ViewerFact(
    "the viewer works for an OCMW as a social worker or coordinator",
    lambda viewer: viewer.org_kind == "ocmw" and bool(READERS & viewer.roles),
)
TRANSFER_RELATION = RelationRules(
    Rule(Relation.author_org, (OF_AN_OCMW, Fact("proposed by the viewer's OCMW", _proposing))),
    Rule(Relation.same_org, (OF_AN_OCMW, Fact("addressed to the viewer's OCMW", _receiving))),
)


@dataclass(frozen=True)
class TransferView:
    id: int
    relation: Relation
    client: int
    client_name: str
    from_ocmw: int
    from_name: str
    to_ocmw: int
    to_name: str
    state: State
    proposed_at: dt.datetime
    proposed_by_name: str
    note: str
    basics: dict[str, str] = field(default_factory=dict)
    """The client's basic fields other than the name (language, municipality, phone)."""
    decided_at: dt.datetime | None = None
    decided_by_name: str = ""
    reason: str = ""
    summary: Mapping[str, Any] = field(default_factory=dict)

    @property
    def proposing(self) -> bool:
        """Whether the viewer is of the OCMW that proposed it."""
        return self.relation is Relation.author_org


BASICS = ("language", "municipality", "phone")


class TransferPolicy(RecordPolicy):
    table = Transfer
    fields = (
        FieldSpec("id", KEY),
        FieldSpec("client", KEY),
        FieldSpec("from_ocmw", KEY),
        FieldSpec("to_ocmw", KEY),
        FieldSpec("proposed_by", _B),
        FieldSpec("proposed_at", _B),
        FieldSpec("note", _B),
        FieldSpec("state", _B),
        FieldSpec("decided_by", _B),
        FieldSpec("decided_at", _B),
        FieldSpec("reason", _B),
        FieldSpec("summary", _B),
    )

    def ref(self) -> RecordRef:
        return {"from": self.column("from_ocmw"), "to": self.column("to_ocmw")}

    def relation(self, viewer: Viewer, **context: Any) -> QueryString:
        return TRANSFER_RELATION.sql(viewer, self.ref())

    def scope(self, viewer: Viewer, **context: Any) -> QueryString | None:
        return TRANSFER_RELATION.is_in(viewer, self.ref(), SIDES)

    def project(self, viewer: Viewer, row: Mapping[str, Any]) -> TransferView | None:
        relation = relation_of_row(row)
        if relation not in SIDES or not READERS & viewer.roles:
            return None
        summary = row.get("summary") or {}
        if isinstance(summary, str):
            summary = json.loads(summary)
        return TransferView(
            id=row["id"],
            relation=relation,
            client=row["client"],
            client_name=str(summary.get("name", "")),
            from_ocmw=row["from_ocmw"],
            from_name=row.get("from_ocmw.name") or "",
            to_ocmw=row["to_ocmw"],
            to_name=row.get("to_ocmw.name") or "",
            state=STATE_BY_CODE[row["state"]],
            proposed_at=row["proposed_at"],
            proposed_by_name=row.get("proposed_by.display_name") or "",
            note=row.get("note") or "",
            basics={name: str(summary.get(name) or "") for name in BASICS},
            decided_at=row.get("decided_at"),
            decided_by_name=row.get("decided_by.display_name") or "",
            reason=row.get("reason") or "",
            summary=summary,
        )


RECORD_POLICIES = (TransferPolicy(),)

"""Who reads an evaluation: the coordinators of its partnership's three organisations.

An evaluation is the partnership's own record, run jointly by the OCMW's team lead and the partner
organisation's and VDAB team's coordinators: each of them stands to it as ``same_org`` (the
organisation that handles it). Its conclusions, action points and survey questions are ``basic``;
its figures are ``trajectory``, which a coordinator sees as ``aggregate``: counts of clients and
their trajectories, suppressed, never a row (``visibility.aggregates``). No one else reads it:
the colleagues answer its survey through their own invitation (``survey.py``), without reading
the evaluation, and an administrator sees nothing.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from piccolo.querystring import QueryString

from portal.core.periods import Period
from portal.evaluations.tables import Evaluation
from portal.evaluations.workflow import STATE_BY_CODE, State
from portal.visibility.fields import FieldSpec, Structural
from portal.visibility.policy import Access, Relation, Role, Sensitivity, access
from portal.visibility.records import RecordPolicy, relation_of_row
from portal.visibility.relations import Fact, RecordRef, RelationRules, Rule, ViewerFact
from portal.visibility.viewer import Viewer

_B, _T = Sensitivity.basic, Sensitivity.trajectory
KEY, POLICY = Structural.key, Structural.policy

COORDINATING = ViewerFact(
    "the viewer is a coordinator", lambda viewer: Role.coordinator in viewer.roles
)


def _of_the_partnership(viewer: Viewer, ref: RecordRef) -> QueryString:
    return QueryString(
        "EXISTS (SELECT 1 FROM partnership AS ep WHERE ep.id = "  # nosec B608  # a column from the code; the org bound
        + ref["partnership"]
        + " AND {} IN (ep.ocmw, ep.partner, ep.vdab))",
        viewer.org_id,
    )


EVALUATION_RELATION = RelationRules(
    Rule(
        Relation.same_org,
        (
            COORDINATING,
            Fact("the viewer's organisation is in the partnership", _of_the_partnership),
        ),
    ),
)
READERS = frozenset({Relation.same_org})


def runs_evaluations(viewer: Viewer) -> bool:
    """Whether the viewer is someone who runs evaluations (the menu and the list)."""
    return Relation.same_org in EVALUATION_RELATION.possible(viewer) and counts_figures(viewer)


def counts_figures(viewer: Viewer) -> bool:
    """The figures are about clients' trajectories: shown only to who may count them."""
    return access(viewer.roles, Relation.same_org, _T) >= Access.aggregate


@dataclass(frozen=True)
class EvaluationView:
    id: int
    relation: Relation
    partnership: int
    partnership_name: str
    period: Period
    state: State
    opened_at: dt.datetime
    opened_by_name: str
    strengths: str
    adjustments: str
    invited: int
    survey_sent_at: dt.datetime | None
    survey_closed_at: dt.datetime | None
    finalised_at: dt.datetime | None
    finalised_by_name: str
    changed_at: dt.datetime
    figures: Mapping[str, Any] = field(default_factory=dict)
    """The frozen figures of a finalised evaluation (``{}`` before): aggregates only."""

    @property
    def finalised(self) -> bool:
        return not self.state.editable

    @property
    def title(self) -> str:
        return f"{self.partnership_name} · {self.period.label()}"


class EvaluationPolicy(RecordPolicy):
    table = Evaluation
    fields = (
        FieldSpec("id", KEY),
        FieldSpec("partnership", KEY),
        FieldSpec("period", POLICY),
        FieldSpec("slot", KEY),
        FieldSpec("state", POLICY),
        FieldSpec("opened_by", _B),
        FieldSpec("opened_at", _B),
        FieldSpec("strengths", _B),
        FieldSpec("adjustments", _B),
        FieldSpec("survey_sent_at", _B),
        FieldSpec("survey_closed_at", _B),
        FieldSpec("invited", _B),
        FieldSpec("figures", _T),
        FieldSpec("finalised_by", _B),
        FieldSpec("finalised_at", _B),
        FieldSpec("changed_at", _B),
    )

    def ref(self) -> RecordRef:
        return {"partnership": self.column("partnership")}

    def relation(self, viewer: Viewer, **context: Any) -> QueryString:
        return EVALUATION_RELATION.sql(viewer, self.ref())

    def scope(self, viewer: Viewer, **context: Any) -> QueryString | None:
        return EVALUATION_RELATION.is_in(viewer, self.ref(), READERS)

    def project(self, viewer: Viewer, row: Mapping[str, Any]) -> EvaluationView | None:
        relation = relation_of_row(row)
        if relation not in READERS or access(viewer.roles, relation, _B) < Access.shown:
            return None
        period = Period.parse(row["period"])
        if period is None:
            return None
        figures = row.get("figures") or {}
        if isinstance(figures, str):
            figures = json.loads(figures)
        if access(viewer.roles, relation, _T) < Access.aggregate:
            figures = {}
        return EvaluationView(
            id=row["id"],
            relation=relation,
            partnership=row["partnership"],
            partnership_name=row.get("partnership.name") or "",
            period=period,
            state=STATE_BY_CODE[row["state"]],
            opened_at=row["opened_at"],
            opened_by_name=row.get("opened_by.display_name") or "",
            strengths=row.get("strengths") or "",
            adjustments=row.get("adjustments") or "",
            invited=row.get("invited") or 0,
            survey_sent_at=row.get("survey_sent_at"),
            survey_closed_at=row.get("survey_closed_at"),
            finalised_at=row.get("finalised_at"),
            finalised_by_name=row.get("finalised_by.display_name") or "",
            changed_at=row["changed_at"],
            figures=figures,
        )


RECORD_POLICIES = (EvaluationPolicy(),)

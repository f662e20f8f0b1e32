"""Who reads a referral question.

A question is a record about its client, classed ``trajectory``, with the audience
``addressed_org``: the asking OCMW and the VDAB team it is addressed to, each as far as their
relation to the client (and the client's consent) lets them see the client's trajectory. A toeleider
of the care team sees on the timeline that a question was asked and answered, not the exchange;
a mediator of another team does not see it at all, and a withdrawn consent takes it from the
team at once (the relation is computed per query).

What the asker shares with the question narrows what the team sees of the client on the
question's page; it never widens the policy (``shared_view``).
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from piccolo.querystring import QueryString

from portal.accounts.tables import OrgKind, Partnership
from portal.clients.visibility import CLIENT_FIELDS, ClientBoundPolicy, ClientView
from portal.questions.tables import Question
from portal.questions.workflow import (
    ANSWER_BY_CODE,
    STATE_BY_CODE,
    TYPE_BY_CODE,
    Answer,
    QuestionType,
    State,
)
from portal.visibility.fields import FieldSpec, Structural
from portal.visibility.policy import Access, Audience, Relation, Role, Sensitivity, access
from portal.visibility.records import readable, readable_sql, relation_of_row
from portal.visibility.relations import Fact, RecordRef, RelationRules, Rule
from portal.visibility.viewer import Viewer

_T = Sensitivity.trajectory
KEY, POLICY = Structural.key, Structural.policy
AUDIENCE = Audience.addressed_org

SHAREABLE = frozenset({Sensitivity.basic, Sensitivity.identity, Sensitivity.trajectory})
"""The classes an asker may share with a question: never ``social`` or ``health``."""
SHAREABLE_FIELDS: tuple[FieldSpec, ...] = tuple(
    spec for spec in CLIENT_FIELDS if spec.sensitivity in SHAREABLE
)
ALWAYS_SHARED = ("first_name", "last_name")
"""A question names its client to whoever may read it."""


@dataclass(frozen=True)
class QuestionView:
    id: int
    relation: Relation
    client: int
    ocmw: int
    team: int
    asker: int
    type: QuestionType
    text: str
    state: State
    created_at: dt.datetime
    due_on: dt.date
    first_due_on: dt.date
    shared_fields: tuple[str, ...] = ()
    shared_documents: tuple[int, ...] = ()
    assignee: int | None = None
    first_answered_at: dt.datetime | None = None
    answered_at: dt.datetime | None = None
    closed_at: dt.datetime | None = None
    answer: Answer | None = None
    reason: str = ""
    next_step: str = ""
    interview_at: dt.datetime | None = None
    interview_place: str = ""
    asker_name: str = ""
    assignee_name: str = ""
    ocmw_name: str = ""
    team_name: str = ""
    client_name: str = ""
    """The client's name, as the reader's relation shows it."""


class QuestionPolicy(ClientBoundPolicy):
    table = Question
    fields = (
        FieldSpec("id", KEY),
        FieldSpec("client", KEY),
        FieldSpec("ocmw", POLICY),
        FieldSpec("team", POLICY),
        FieldSpec("asker", POLICY),
        FieldSpec("type", _T),
        FieldSpec("text", _T),
        FieldSpec("shares", _T),
        FieldSpec("state", _T),
        FieldSpec("assignee", _T),
        FieldSpec("created_at", _T),
        FieldSpec("due_on", _T),
        FieldSpec("first_due_on", _T),
        FieldSpec("first_answered_at", _T),
        FieldSpec("answered_at", _T),
        FieldSpec("closed_at", _T),
        FieldSpec("answer", _T),
        FieldSpec("reason", _T),
        FieldSpec("next_step", _T),
        FieldSpec("interview_at", _T),
        FieldSpec("interview_place", _T),
    )

    def rows_for(self, viewer: Viewer, relation: Relation, **context: Any) -> QueryString | None:
        return readable_sql(
            viewer,
            relation,
            audience=f"'{AUDIENCE.value}'",
            sensitivity=_T,
            author_org=self.column("ocmw"),
            addressee_org=self.column("team"),
        )

    def project(self, viewer: Viewer, row: Mapping[str, Any]) -> QuestionView | None:
        relation = relation_of_row(row)
        if not readable(
            viewer,
            relation,
            audience=AUDIENCE,
            sensitivity=_T,
            author_org=row["ocmw"],
            addressee_org=row["team"],
        ):
            return None
        shares = _shares(row.get("shares"))
        answer = row.get("answer") or ""
        return QuestionView(
            id=row["id"],
            relation=relation,
            client=row["client"],
            ocmw=row["ocmw"],
            team=row["team"],
            asker=row["asker"],
            type=TYPE_BY_CODE[row["type"]],
            text=row["text"],
            state=STATE_BY_CODE[row["state"]],
            created_at=row["created_at"],
            due_on=row["due_on"],
            first_due_on=row["first_due_on"],
            shared_fields=tuple(shares.get("fields", ())),
            shared_documents=tuple(int(d) for d in shares.get("documents", ())),
            assignee=row.get("assignee"),
            first_answered_at=row.get("first_answered_at"),
            answered_at=row.get("answered_at"),
            closed_at=row.get("closed_at"),
            answer=ANSWER_BY_CODE.get(answer),
            reason=row.get("reason") or "",
            next_step=row.get("next_step") or "",
            interview_at=row.get("interview_at"),
            interview_place=row.get("interview_place") or "",
            asker_name=row.get("asker.display_name") or "",
            assignee_name=row.get("assignee.display_name") or "",
            ocmw_name=row.get("ocmw.name") or "",
            team_name=row.get("team.name") or "",
            client_name=_client_name(viewer, relation, row),
        )


def _shares(value: Any) -> Mapping[str, Any]:
    if isinstance(value, str):
        value = json.loads(value or "{}")
    return value or {}


def _client_name(viewer: Viewer, relation: Relation, row: Mapping[str, Any]) -> str:
    if access(viewer.roles, relation, Sensitivity.basic) is not Access.shown:
        return ""
    first, last = row.get("client.first_name") or "", row.get("client.last_name") or ""
    return f"{first} {last}".strip()


RECORD_POLICIES = (QuestionPolicy(),)


@dataclass(frozen=True)
class SharedView:
    """What the reader of a question sees of its client on the question's page: the shared
    fields as the reader's own view of the client shows them, and the shared documents the reader
    may read anyway (a document by its series: a new version stays shared)."""

    values: dict[str, Any] = field(default_factory=dict)
    masked: frozenset[str] = frozenset()
    documents: tuple[Any, ...] = ()


def shared_view(
    question: QuestionView, client: ClientView, readable_documents: Iterable[Any]
) -> SharedView:
    """The intersection of what the asker shared and what the reader's relation to the client
    already shows. ``client`` is the reader's own projection of the client; documents are the
    ones the reader may read."""
    names = {*ALWAYS_SHARED, *question.shared_fields} & {s.name for s in SHAREABLE_FIELDS}
    values = {name: value for name, value in client.values.items() if name in names}
    series = set(question.shared_documents)
    documents = tuple(d for d in readable_documents if d.series in series)
    return SharedView(values, frozenset(client.masked & names), documents)


# Figures ---------------------------------------------------------------------------------------


def _asked_by_viewer_org(viewer: Viewer, ref: RecordRef) -> QueryString:
    return QueryString(f"{ref['ocmw']} = {{}}", viewer.org_id)


def _addressed_to_viewer_org(viewer: Viewer, ref: RecordRef) -> QueryString:
    return QueryString(f"{ref['team']} = {{}}", viewer.org_id)


def _asked_in_viewer_partnership(viewer: Viewer, ref: RecordRef) -> QueryString:
    table = Partnership._meta.tablename
    return QueryString(
        f'{ref["ocmw"]} IN (SELECT "{table}"."ocmw" FROM "{table}"'  # nosec B608  # names from the code; the org bound
        f' WHERE "{table}"."partner" = {{}} OR "{table}"."vdab" = {{}})',
        viewer.org_id,
        viewer.org_id,
    )


FIGURES_RELATION = RelationRules(
    Rule(Relation.same_org, (Fact("asked by the viewer's OCMW", _asked_by_viewer_org),)),
    Rule(Relation.partner_org, (Fact("addressed to the viewer's team", _addressed_to_viewer_org),)),
    Rule(
        Relation.partner_org,
        (Fact("asked by an OCMW of the viewer's partnerships", _asked_in_viewer_partnership),),
    ),
)
"""A question as the figures see it: the asking OCMW; then the VDAB team it was addressed to and
the other organisations of the OCMW's partnerships."""

FIGURE_COUNTERS: dict[str, tuple[frozenset[Role], frozenset[Relation]]] = {
    OrgKind.ocmw: (
        frozenset({Role.social_worker, Role.coordinator}),
        frozenset({Relation.same_org}),
    ),
    OrgKind.vdab: (
        frozenset({Role.mediator, Role.coordinator}),
        frozenset({Relation.partner_org}),
    ),
    OrgKind.partner: (frozenset({Role.coordinator}), frozenset({Relation.partner_org})),
}
"""Who counts questions, by the kind of their organisation: the OCMW's social workers and
coordinator the questions their OCMW asked; a VDAB team's mediators and coordinator those
addressed to it and those of its partnerships; a partner coordinator those of the OCMWs of their
partnerships. Only counts, medians and shares ever leave; counts below 5 are suppressed."""


def figure_relations(viewer: Viewer) -> frozenset[Relation]:
    counters = FIGURE_COUNTERS.get(viewer.org_kind)
    if counters is None:
        return frozenset()
    roles, relations = counters
    counting = viewer.roles & roles
    return frozenset(
        relation for relation in relations if access(counting, relation, _T) >= Access.aggregate
    )


def figures_scope(viewer: Viewer) -> QueryString | None:
    """The questions the viewer may count, as one SQL condition on ``question``; ``None``: none
    (the figures answer 404)."""
    relations = figure_relations(viewer)
    if not relations:
        return None
    policy = QuestionPolicy()
    ref = {"ocmw": policy.column("ocmw"), "team": policy.column("team")}
    return FIGURES_RELATION.is_in(viewer, ref, relations)

"""Who reads a signal.

A signal about a client is a record about the client, classed ``trajectory``: its reporter reads
it only while their relation to the client (and the client's consent) still holds, the OCMW's
people and the care team as the policy shows them that class. A structural signal is ``basic``
and belongs to the partnership: the OCMW it is routed to (``same_org``) and the reporter's
organisation (``author_org``) read it; a partner coordinator counts it in figures only.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from piccolo.querystring import QueryString

from portal.accounts.tables import OrgKind, Partnership
from portal.clients.visibility import ClientBoundPolicy, ClientView
from portal.signals.tables import Signal
from portal.signals.workflow import STATE_BY_CODE, State, Theme, theme_of
from portal.visibility.fields import FieldSpec, Structural
from portal.visibility.policy import (
    Access,
    Relation,
    Role,
    Sensitivity,
    access,
    relations_granting_sight,
    sees_record,
)
from portal.visibility.records import relation_of_row
from portal.visibility.relations import Fact, RecordRef, RelationRules, Rule
from portal.visibility.viewer import Viewer

_B, _T = Sensitivity.basic, Sensitivity.trajectory
KEY, POLICY = Structural.key, Structural.policy


def _routed_to_viewer_org(viewer: Viewer, ref: RecordRef) -> QueryString:
    return QueryString(f"{ref['ocmw']} = {{}}", viewer.org_id)


def _reported_by_viewer_org(viewer: Viewer, ref: RecordRef) -> QueryString:
    return QueryString(f"{ref['reporter_org']} = {{}}", viewer.org_id)


STRUCTURAL_RELATION = RelationRules(
    Rule(Relation.same_org, (Fact("routed to the viewer's OCMW", _routed_to_viewer_org),)),
    Rule(Relation.author_org, (Fact("reported by the viewer's org", _reported_by_viewer_org),)),
)
"""A structural signal: the OCMW that follows it up, then the reporter's organisation."""


@dataclass(frozen=True)
class SignalView:
    id: int
    relation: Relation
    theme: Theme
    title: str
    description: str
    municipality: str
    urgency: str
    state: State
    structural: bool
    reporter: int
    reporter_org: int
    ocmw: int
    created_at: dt.datetime
    due_on: dt.date
    client: int | None = None
    handler: int | None = None
    first_response_at: dt.datetime | None = None
    followed_up_at: dt.datetime | None = None
    closed_at: dt.datetime | None = None
    outcome: str = ""
    reporter_name: str = ""
    reporter_org_name: str = ""
    handler_name: str = ""


def _shown(viewer: Viewer, relation: Relation, sensitivity: Sensitivity) -> bool:
    return sees_record(viewer.roles, relation) and (
        access(viewer.roles, relation, sensitivity) is Access.shown
    )


class SignalPolicy(ClientBoundPolicy):
    table = Signal
    fields = (
        FieldSpec("id", KEY),
        FieldSpec("reporter", POLICY),
        FieldSpec("reporter_org", POLICY),
        FieldSpec("ocmw", POLICY),
        FieldSpec("client", KEY),
        FieldSpec("theme", Structural.row),
        FieldSpec("title", Structural.row),
        FieldSpec("description", Structural.row),
        FieldSpec("municipality", Structural.row),
        FieldSpec("urgency", Structural.row),
        FieldSpec("sensitivity", POLICY),
        FieldSpec("state", Structural.row),
        FieldSpec("handler", Structural.row),
        FieldSpec("created_at", Structural.row),
        FieldSpec("due_on", Structural.row),
        FieldSpec("first_response_at", Structural.row),
        FieldSpec("followed_up_at", Structural.row),
        FieldSpec("closed_at", Structural.row),
        FieldSpec("outcome", Structural.row),
    )

    def structural_ref(self) -> RecordRef:
        return {"ocmw": self.column("ocmw"), "reporter_org": self.column("reporter_org")}

    def rows_for(self, viewer: Viewer, relation: Relation, **context: Any) -> QueryString | None:
        return QueryString("1 = 1") if _shown(viewer, relation, _T) else None

    def relation(
        self, viewer: Viewer, client: ClientView | None = None, **context: Any
    ) -> QueryString:
        if client is not None:
            return super().relation(viewer, client=client)
        return QueryString(
            f"(CASE WHEN {self.column('client')} IS NOT NULL THEN {{}} ELSE {{}} END)",
            super().relation(viewer),
            STRUCTURAL_RELATION.sql(viewer, self.structural_ref()),
        )

    def scope(
        self, viewer: Viewer, client: ClientView | None = None, **context: Any
    ) -> QueryString | None:
        if client is not None:
            return super().scope(viewer, client=client)
        branches: list[QueryString] = []
        of_clients = super().scope(viewer)
        if of_clients is not None:
            branches.append(of_clients)
        structural = STRUCTURAL_RELATION.is_in(
            viewer, self.structural_ref(), relations_granting_sight(viewer.roles)
        )
        if structural is not None:
            branches.append(QueryString(f"({self.column('client')} IS NULL AND {{}})", structural))
        if not branches:
            return None
        return QueryString("(" + " OR ".join("{}" for _ in branches) + ")", *branches)

    def project(self, viewer: Viewer, row: Mapping[str, Any]) -> SignalView | None:
        relation = relation_of_row(row)
        structural = row.get("client") is None
        if not _shown(viewer, relation, _B if structural else _T):
            return None
        return SignalView(
            id=row["id"],
            relation=relation,
            theme=theme_of(row["theme"]),
            title=row["title"],
            description=row["description"],
            municipality=row["municipality"],
            urgency=row["urgency"],
            state=STATE_BY_CODE[row["state"]],
            structural=structural,
            reporter=row["reporter"],
            reporter_org=row["reporter_org"],
            ocmw=row["ocmw"],
            created_at=row["created_at"],
            due_on=row["due_on"],
            client=row.get("client"),
            handler=row.get("handler"),
            first_response_at=row.get("first_response_at"),
            followed_up_at=row.get("followed_up_at"),
            closed_at=row.get("closed_at"),
            outcome=row.get("outcome") or "",
            reporter_name=row.get("reporter.display_name") or "",
            reporter_org_name=row.get("reporter_org.name") or "",
            handler_name=row.get("handler.display_name") or "",
        )


RECORD_POLICIES = (SignalPolicy(),)


# Figures ---------------------------------------------------------------------------------------


def _routed_to_viewer_partnership(viewer: Viewer, ref: RecordRef) -> QueryString:
    table = Partnership._meta.tablename
    return QueryString(
        f'{ref["ocmw"]} IN (SELECT "{table}"."ocmw" FROM "{table}"'  # nosec B608  # names from the code; the org bound
        f' WHERE "{table}"."partner" = {{}} OR "{table}"."vdab" = {{}})',
        viewer.org_id,
        viewer.org_id,
    )


FIGURES_RELATION = RelationRules(
    Rule(Relation.same_org, (Fact("routed to the viewer's OCMW", _routed_to_viewer_org),)),
    Rule(
        Relation.partner_org,
        (Fact("routed to an OCMW of the viewer's partnerships", _routed_to_viewer_partnership),),
    ),
    Rule(Relation.author_org, (Fact("reported by the viewer's org", _reported_by_viewer_org),)),
)
"""A structural signal as figures see it: the OCMW it is routed to, the partner organisations and
VDAB teams of that OCMW's partnerships, then the organisation that reported it."""

FIGURE_COUNTERS: dict[str, tuple[frozenset[Role], frozenset[Relation]]] = {
    OrgKind.ocmw: (
        frozenset({Role.social_worker, Role.coordinator}),
        frozenset({Relation.same_org}),
    ),
    OrgKind.partner: (
        frozenset({Role.coordinator}),
        frozenset({Relation.partner_org, Relation.author_org}),
    ),
    OrgKind.vdab: (
        frozenset({Role.coordinator}),
        frozenset({Relation.partner_org, Relation.author_org}),
    ),
}
"""Who counts structural signals, by the kind of their organisation: the OCMW's handlers and its
coordinator the signals routed to it; a partner's or VDAB team's coordinator those routed to the
OCMWs of their partnerships and those their organisation reported. Each only where the policy
gives them a structural signal's class (``basic``) at least as figures (``Access.aggregate``)."""


def figure_relations(viewer: Viewer) -> frozenset[Relation]:
    """The relations in which the viewer counts a structural signal; empty: no figures."""
    counters = FIGURE_COUNTERS.get(viewer.org_kind)
    if counters is None:
        return frozenset()
    roles, relations = counters
    counting = viewer.roles & roles
    return frozenset(
        relation for relation in relations if access(counting, relation, _B) >= Access.aggregate
    )


def reads_own_reports(viewer: Viewer) -> bool:
    """Whether the viewer reads the structural signals they report: at an OCMW they are routed to
    it (``same_org``) or read as their organisation's; a partner's or VDAB team's coordinator
    counts them in figures only."""
    return viewer.org_kind == OrgKind.ocmw or access(viewer.roles, Relation.author_org, _B) >= (
        Access.shown
    )


def counts_figures(viewer: Viewer) -> bool:
    return bool(figure_relations(viewer))


def figures_scope(viewer: Viewer) -> QueryString | None:
    """The structural signals the viewer may count, as one SQL condition on ``signal``; ``None``
    when they may count none (the figures answer 404). Signals about a client are never counted.
    Only counts, medians and shares computed over these rows may leave: never a row."""
    relations = figure_relations(viewer)
    policy = SignalPolicy()
    ref = policy.structural_ref()
    counted = FIGURES_RELATION.is_in(viewer, ref, relations) if relations else None
    if counted is None:
        return None
    return QueryString(f"({policy.column('client')} IS NULL AND {{}})", counted)

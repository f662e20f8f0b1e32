"""The trajectory's records are about one client: training requests, invitations, intakes and
placements are ``trajectory`` as a whole; an intake's answers each carry their own class."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from piccolo.querystring import QueryString

from portal.clients.visibility import KEY, ClientBoundPolicy, WholeRecordPolicy
from portal.trajectory.tables import Intake, IntakeAnswer, Invitation, Placement, TrainingRequest
from portal.visibility.fields import FieldSpec, Structural
from portal.visibility.policy import (
    Access,
    Relation,
    Sensitivity,
    access,
    sees_record,
    shown_classes,
)
from portal.visibility.records import relation_of_row
from portal.visibility.viewer import Viewer

_T = Sensitivity.trajectory


def _trajectory(*names: str) -> tuple[FieldSpec, ...]:
    return (
        FieldSpec("id", KEY),
        FieldSpec("client", KEY),
        *(FieldSpec(name, _T) for name in names),
    )


@dataclass(frozen=True)
class TrainingRequestView:
    id: int
    client: int
    course: str
    provider: str
    note: str
    state: str
    start_date: dt.date | None
    reason: str
    requested_by_name: str
    requested_at: dt.datetime
    changed_at: dt.datetime


class TrainingRequestPolicy(WholeRecordPolicy):
    table = TrainingRequest
    record_class = _T
    fields = _trajectory(
        "course",
        "provider",
        "note",
        "state",
        "start_date",
        "reason",
        "requested_by",
        "requested_at",
        "changed_by",
        "changed_at",
    )

    def view(self, row: Mapping[str, Any]) -> TrainingRequestView:
        return TrainingRequestView(
            id=row["id"],
            client=row["client"],
            course=row["course"],
            provider=row["provider"],
            note=row.get("note") or "",
            state=row["state"],
            start_date=row.get("start_date"),
            reason=row.get("reason") or "",
            requested_by_name=row.get("requested_by.display_name") or "",
            requested_at=row["requested_at"],
            changed_at=row["changed_at"],
        )


@dataclass(frozen=True)
class InvitationView:
    id: int
    at: dt.datetime
    place: str
    invited_by_name: str
    organisation_name: str

    @property
    def is_link(self) -> bool:
        return self.place.startswith("https://")


class InvitationPolicy(WholeRecordPolicy):
    table = Invitation
    record_class = _T
    fields = _trajectory("at", "place", "invited_by", "organisation", "created_at")

    def view(self, row: Mapping[str, Any]) -> InvitationView:
        return InvitationView(
            id=row["id"],
            at=row["at"],
            place=row["place"],
            invited_by_name=row.get("invited_by.display_name") or "",
            organisation_name=row.get("organisation.name") or "",
        )


@dataclass(frozen=True)
class IntakeView:
    id: int
    held_on: dt.date
    held_by_name: str
    proposed_step: int | None
    confirmed_at: dt.datetime | None


class IntakePolicy(WholeRecordPolicy):
    table = Intake
    record_class = _T
    fields = _trajectory(
        "held_on", "held_by", "proposed_step", "confirmed_at", "confirmed_by", "created_at"
    )

    def view(self, row: Mapping[str, Any]) -> IntakeView:
        return IntakeView(
            id=row["id"],
            held_on=row["held_on"],
            held_by_name=row.get("held_by.display_name") or "",
            proposed_step=row.get("proposed_step"),
            confirmed_at=row.get("confirmed_at"),
        )


@dataclass(frozen=True)
class AnswerView:
    intake: int
    topic: str
    text: str
    sensitivity: Sensitivity


class IntakeAnswerPolicy(ClientBoundPolicy):
    """An answer is read when its own class is shown to the viewer; the others are not sent."""

    table = IntakeAnswer
    fields = (
        FieldSpec("id", KEY),
        FieldSpec("intake", KEY),
        FieldSpec("client", KEY),
        FieldSpec("topic", Structural.row),
        FieldSpec("text", Structural.row),
        FieldSpec("sensitivity", Structural.policy),
    )

    def rows_for(self, viewer: Viewer, relation: Relation, **context: Any) -> QueryString | None:
        if not sees_record(viewer.roles, relation):
            return None
        shown = sorted(cls.value for cls in shown_classes(viewer.roles, relation))
        if not shown:
            return None
        marks = ", ".join("{}" for _ in shown)
        return QueryString(f"{self.column('sensitivity')} IN ({marks})", *shown)

    def project(self, viewer: Viewer, row: Mapping[str, Any]) -> AnswerView | None:
        relation = relation_of_row(row)
        sensitivity = Sensitivity(row["sensitivity"])
        if not sees_record(viewer.roles, relation):
            return None
        if access(viewer.roles, relation, sensitivity) is not Access.shown:
            return None
        return AnswerView(row["intake"], row["topic"], row["text"], sensitivity)


@dataclass(frozen=True)
class PlacementView:
    id: int
    pre_kind: str
    pre_days_per_week: int | None
    pre_start: dt.date | None
    pre_end: dt.date | None
    work_site: str
    start: dt.date
    end: dt.date | None
    hours_per_week: int | None
    follow_up: str
    outflow: str

    @property
    def running(self) -> bool:
        return not self.outflow


class PlacementPolicy(WholeRecordPolicy):
    table = Placement
    record_class = _T
    fields = _trajectory(
        "pre_kind",
        "pre_days_per_week",
        "pre_start",
        "pre_end",
        "work_site",
        "start",
        "end",
        "hours_per_week",
        "follow_up",
        "outflow",
        "recorded_by",
        "recorded_at",
        "changed_at",
    )

    def view(self, row: Mapping[str, Any]) -> PlacementView:
        return PlacementView(
            id=row["id"],
            pre_kind=row.get("pre_kind") or "",
            pre_days_per_week=row.get("pre_days_per_week"),
            pre_start=row.get("pre_start"),
            pre_end=row.get("pre_end"),
            work_site=row["work_site"],
            start=row["start"],
            end=row.get("end"),
            hours_per_week=row.get("hours_per_week"),
            follow_up=row.get("follow_up") or "",
            outflow=row.get("outflow") or "",
        )


RECORD_POLICIES = (
    TrainingRequestPolicy(),
    InvitationPolicy(),
    IntakePolicy(),
    IntakeAnswerPolicy(),
    PlacementPolicy(),
)

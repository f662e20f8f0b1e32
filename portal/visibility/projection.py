"""Turn stored records into what one viewer may see; nothing else hands client data to a page.

The functions here are pure: they take rows (dicts as Piccolo returns them) and the facts that
decide the viewer's relation to the client, and return views whose hidden values are not there.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from portal.visibility.fields import CLIENT_FIELDS
from portal.visibility.policy import (
    Access,
    Audience,
    Relation,
    Role,
    Sensitivity,
    access,
    may_read_audience,
    sees_client,
    sees_withheld_placeholders,
)


@dataclass(frozen=True)
class Viewer:
    person_id: int
    username: str
    display_name: str
    org_id: int
    org_name: str
    org_kind: str
    roles: frozenset[Role]


@dataclass(frozen=True)
class RelationFacts:
    """What decides a viewer's relation to one client (loaded in bulk by ``scope``)."""

    client_ocmw_id: int
    in_care_team: bool
    consent_for_viewer_org: bool
    partnered_with_ocmw: bool


def relation_of(viewer: Viewer, facts: RelationFacts) -> Relation:
    """The viewer's relation to a client. Outside the file-holding OCMW, no consent means none."""
    if facts.client_ocmw_id == viewer.org_id:
        if Role.social_worker in viewer.roles:
            return Relation.file_holder
        return Relation.care_team if facts.in_care_team else Relation.same_org
    if not facts.consent_for_viewer_org:
        return Relation.none
    if facts.in_care_team:
        return Relation.care_team
    if facts.partnered_with_ocmw:
        return Relation.partner_org
    return Relation.none


@dataclass(frozen=True)
class ClientView:
    """A client as one viewer may see it: ``values`` holds only shown or masked values."""

    id: int
    relation: Relation
    values: dict[str, Any]
    masked: frozenset[str]
    revealed: frozenset[Sensitivity]

    def shows(self, name: str) -> bool:
        return name in self.values

    @property
    def full_name(self) -> str:
        return f"{self.values.get('first_name', '')} {self.values.get('last_name', '')}".strip()


def project_client(viewer: Viewer, relation: Relation, row: dict[str, Any]) -> ClientView | None:
    """The viewer's view of a client row, or ``None`` when the client does not exist for them."""
    if not sees_client(viewer.roles, relation):
        return None
    values: dict[str, Any] = {}
    masked: set[str] = set()
    revealed: set[Sensitivity] = set()
    for spec in CLIENT_FIELDS:
        level = access(viewer.roles, relation, spec.sensitivity)
        raw = row.get(spec.name)
        if level is Access.shown:
            values[spec.name] = raw
            if raw not in (None, ""):
                revealed.add(spec.sensitivity)
        elif level is Access.masked:
            values[spec.name] = spec.mask(raw) if raw not in (None, "") else ""
            masked.add(spec.name)
    return ClientView(
        id=row["id"],
        relation=relation,
        values=values,
        masked=frozenset(masked),
        revealed=frozenset(revealed),
    )


@dataclass(frozen=True)
class EventView:
    """One timeline entry; a withheld one keeps only its date and id (shown as "afgeschermd")."""

    id: int
    occurred_at: dt.datetime
    withheld: bool
    kind: str | None = None
    title: str | None = None
    body: str | None = None
    author_name: str | None = None
    author_org_name: str | None = None
    payload: dict[str, Any] = field(default_factory=dict)


def event_readable(viewer: Viewer, relation: Relation, row: dict[str, Any]) -> bool:
    audience = Audience(row["audience"])
    same_org = row["author_org"] == viewer.org_id
    if not may_read_audience(relation, audience, same_org_as_author=same_org):
        return False
    return access(viewer.roles, relation, Sensitivity(row["sensitivity"])) is Access.shown


def project_event(viewer: Viewer, relation: Relation, row: dict[str, Any]) -> EventView | None:
    """The viewer's view of one event row, a placeholder, or ``None`` when it must vanish."""
    if event_readable(viewer, relation, row):
        return EventView(
            id=row["id"],
            occurred_at=row["occurred_at"],
            withheld=False,
            kind=row["kind"],
            title=row["title"],
            body=row["body"],
            author_name=row.get("author.display_name"),
            author_org_name=row.get("author_org.name"),
            payload=row.get("payload") or {},
        )
    if sees_withheld_placeholders(relation):
        return EventView(id=row["id"], occurred_at=row["occurred_at"], withheld=True)
    return None

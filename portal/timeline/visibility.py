"""Timeline events: whose they are, who may read them, and what a withheld one still shows.

An event is a record about a client: the viewer's relation to it is their relation to the client.
It is read in full when its audience admits the viewer and its class (``sensitivity``) is shown to
them; care-team members see the others as "afgeschermd" placeholders with the date only.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from piccolo.querystring import QueryString

from portal.clients.visibility import ClientBoundPolicy
from portal.core.templating import local_time
from portal.timeline import kinds
from portal.timeline.tables import TimelineEvent
from portal.visibility.fields import FieldSpec, Structural
from portal.visibility.policy import Audience, Relation, Sensitivity, sees_withheld_placeholders
from portal.visibility.records import readable, readable_sql, relation_of_row
from portal.visibility.viewer import Viewer

KEY, POLICY, ROW = Structural.key, Structural.policy, Structural.row


@dataclass(frozen=True)
class EventView:
    """One timeline entry; a withheld one keeps only its day (shown as "afgeschermd"): not its
    time, not its id."""

    day: dt.date
    """The day in Belgian time."""
    withheld: bool
    id: int | None = None
    occurred_at: dt.datetime | None = None
    kind: str | None = None
    kind_label: str | None = None
    headline: str | None = None
    text: str | None = None
    audience: Audience | None = None
    author_name: str | None = None
    author_org_name: str | None = None
    payload: Mapping[str, Any] | None = None
    """The event's structured data, for a reader who may read the event."""
    author: int | None = None
    sensitivity: Sensitivity | None = None
    """The class of a readable event (what the access log records as shown)."""


class EventPolicy(ClientBoundPolicy):
    table = TimelineEvent
    fields = (
        FieldSpec("id", KEY),
        FieldSpec("client", KEY),
        FieldSpec("kind", ROW),
        FieldSpec("occurred_at", POLICY),
        FieldSpec("author", ROW),
        FieldSpec("author_org", POLICY),
        FieldSpec("audience", POLICY),
        FieldSpec("sensitivity", POLICY),
        FieldSpec("text", ROW),
        FieldSpec("payload", ROW),
        FieldSpec("left_behind", POLICY),
    )

    def rows_for(
        self, viewer: Viewer, relation: Relation, *, readable_only: bool = False, **context: Any
    ) -> QueryString | None:
        """Care-team members receive every event (the unreadable ones become placeholders),
        unless only readable ones are asked for (a kind filter must not reveal a kind). Entries
        a former OCMW kept when the file moved (``left_behind``) are no one's, not even as a
        placeholder."""
        kept = QueryString(f"{self.column('left_behind')} = {{}}", False)
        if not readable_only and sees_withheld_placeholders(relation):
            return kept
        readable_rows = readable_sql(
            viewer,
            relation,
            audience=self.column("audience"),
            sensitivity=self.column("sensitivity"),
            author_org=self.column("author_org"),
        )
        return None if readable_rows is None else QueryString("({} AND {})", kept, readable_rows)

    def project(self, viewer: Viewer, row: Mapping[str, Any]) -> EventView | None:
        relation = relation_of_row(row)
        audience = Audience(row["audience"])
        if row.get("left_behind"):
            return None
        if readable(
            viewer,
            relation,
            audience=audience,
            sensitivity=Sensitivity(row["sensitivity"]),
            author_org=row["author_org"],
        ):
            payload = row.get("payload") or {}
            if isinstance(payload, str):
                payload = json.loads(payload)
            return EventView(
                day=local_time(row["occurred_at"]).date(),
                id=row["id"],
                occurred_at=row["occurred_at"],
                withheld=False,
                kind=row["kind"],
                kind_label=kinds.kind_label(row["kind"]),
                headline=kinds.describe(row["kind"], payload),
                text=row.get("text") or "",
                audience=audience,
                author_name=row.get("author.display_name"),
                author_org_name=row.get("author_org.name"),
                payload=payload,
                author=row.get("author"),
                sensitivity=Sensitivity(row["sensitivity"]),
            )
        if sees_withheld_placeholders(relation):
            return EventView(day=local_time(row["occurred_at"]).date(), withheld=True)
        return None


RECORD_POLICIES = (EventPolicy(),)

"""The access log is about a client: only its file holder reads it ("Wie heeft dit dossier
bekeken?")."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from piccolo.querystring import QueryString

from portal.audit.tables import AccessLogEntry
from portal.clients.visibility import ClientBoundPolicy, all_rows_if
from portal.visibility.fields import FieldSpec, Structural
from portal.visibility.policy import Relation, Sensitivity
from portal.visibility.records import relation_of_row
from portal.visibility.viewer import Viewer


@dataclass(frozen=True)
class AccessView:
    at: dt.datetime
    person: int | None
    action: str
    revealed: tuple[str, ...]
    reason: str = ""
    person_name: str = ""


class AccessLogPolicy(ClientBoundPolicy):
    table = AccessLogEntry
    client_column = "client_id"
    fields = (
        FieldSpec("id", Structural.key),
        FieldSpec("client_id", Structural.key),
        FieldSpec("at", Sensitivity.basic),
        FieldSpec("person", Sensitivity.basic),
        FieldSpec("action", Sensitivity.basic),
        FieldSpec("revealed", Sensitivity.basic),
        FieldSpec("subject", Sensitivity.basic),
        FieldSpec("reason", Sensitivity.basic),
        FieldSpec("organisation", Sensitivity.basic),
        FieldSpec("roles", Sensitivity.basic),
        FieldSpec("request_id", Sensitivity.basic),
        FieldSpec("cross_site", Sensitivity.basic),
        FieldSpec("chain", Structural.key),
        FieldSpec("seq", Structural.key),
        FieldSpec("prev_hash", Structural.key),
        FieldSpec("hash", Structural.key),
    )

    def rows_for(self, viewer: Viewer, relation: Relation, **context: Any) -> QueryString | None:
        return all_rows_if(relation is Relation.file_holder)

    def project(self, viewer: Viewer, row: Mapping[str, Any]) -> AccessView | None:
        if relation_of_row(row) is not Relation.file_holder:
            return None
        revealed = tuple(part for part in str(row.get("revealed") or "").split(",") if part)
        return AccessView(
            row["at"],
            row.get("person"),
            row["action"],
            revealed,
            row.get("reason") or "",
            row.get("person.display_name") or "",
        )


RECORD_POLICIES = (AccessLogPolicy(),)

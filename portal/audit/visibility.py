"""The access log is about a client: its file holder and their OCMW's coordinator read it ("Wie
heeft dit dossier bekeken?"); each person reads their own entries. Nobody else."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from piccolo.querystring import QueryString

from portal.audit.tables import AccessLogEntry
from portal.clients.visibility import ClientBoundPolicy, ClientView
from portal.visibility.fields import FieldSpec, Structural
from portal.visibility.policy import Relation, Role, Sensitivity, sees_record
from portal.visibility.records import relation_of_row
from portal.visibility.viewer import Viewer


def reads_file_log(viewer: Viewer, relation: Relation) -> bool:
    """The file holder, and the coordinator of the OCMW that holds the file."""
    if relation is Relation.file_holder:
        return True
    return (
        relation is Relation.same_org
        and Role.coordinator in viewer.roles
        and viewer.org_kind == "ocmw"
    )


@dataclass(frozen=True)
class AccessView:
    id: int
    at: dt.datetime
    person: int | None
    action: str
    revealed: tuple[str, ...]
    reason: str = ""
    person_name: str = ""
    organisation: int | None = None
    roles: tuple[str, ...] = ()
    subject: str = ""
    cross_site: bool = False
    client_id: int | None = None
    client_shown: bool = False
    """Whether the reader may see the client the entry is about (their own entries)."""


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
        return QueryString("1 = 1") if reads_file_log(viewer, relation) else None

    def relation(
        self,
        viewer: Viewer,
        client: ClientView | None = None,
        *,
        own: bool = False,
        **context: Any,
    ) -> QueryString:
        if own:
            return QueryString(
                f"(CASE WHEN {self.column('client_id')} IS NULL THEN 'none' ELSE {{}} END)",
                super().relation(viewer),
            )
        return super().relation(viewer, client=client, **context)

    def scope(
        self,
        viewer: Viewer,
        client: ClientView | None = None,
        *,
        own: bool = False,
        **context: Any,
    ) -> QueryString | None:
        """``own``: the viewer's own entries; otherwise the entries of the files whose log they
        read (one ``client``, or all of them)."""
        if own:
            return QueryString(f"{self.column('person')} = {{}}", viewer.person_id)
        return super().scope(viewer, client=client, **context)

    def project(self, viewer: Viewer, row: Mapping[str, Any]) -> AccessView | None:
        relation = relation_of_row(row)
        own = row.get("person") == viewer.person_id
        if not own and not reads_file_log(viewer, relation):
            return None
        revealed = tuple(part for part in str(row.get("revealed") or "").split(",") if part)
        return AccessView(
            id=row["id"],
            at=row["at"],
            person=row.get("person"),
            action=row["action"],
            revealed=revealed,
            reason=row.get("reason") or "",
            person_name=row.get("person.display_name") or "",
            organisation=row.get("organisation"),
            roles=tuple(part for part in str(row.get("roles") or "").split(",") if part),
            subject=row.get("subject") or "",
            cross_site=bool(row.get("cross_site")),
            client_id=row.get("client_id"),
            client_shown=row.get("client_id") is not None and sees_record(viewer.roles, relation),
        )


RECORD_POLICIES = (AccessLogPolicy(),)

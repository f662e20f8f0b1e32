"""Who reads a document.

A client's document is a record about the client: it is read in full when its audience admits
the viewer and its class (set by its category) is shown to them, exactly like a note; there are
no placeholders. A document attached to another record (``hosts.py``) is read by whoever sees the
host, when its class is shown at their relation to the host. Either way one SQL scope and one
projection decide; a document nobody may read answers 404.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from piccolo.querystring import QueryString

from portal.clients.visibility import ClientBoundPolicy, ClientView
from portal.core.templating import local_time
from portal.documents import hosts
from portal.documents.tables import Document
from portal.documents.workflow import CATEGORY_BY_CODE, TYPE_BY_CONTENT_TYPE, Category, FileType
from portal.visibility.fields import FieldSpec, Structural
from portal.visibility.policy import (
    Access,
    Audience,
    Relation,
    Sensitivity,
    access,
    relations_granting_sight,
    sees_record,
)
from portal.visibility.records import policy_for, readable, readable_sql, relation_of_row
from portal.visibility.viewer import Viewer

KEY, POLICY, ROW = Structural.key, Structural.policy, Structural.row


@dataclass(frozen=True)
class HostRef:
    """One host record already read through its own scope, with the viewer's relation to it."""

    kind: str
    id: int
    relation: Relation


@dataclass(frozen=True)
class DocumentView:
    id: int
    series: int
    version: int
    current: bool
    category: Category
    audience: Audience
    sensitivity: Sensitivity
    name: str
    file_type: FileType | None
    content_type: str
    size: int
    sha256: str
    object_key: str
    uploaded_at: dt.datetime
    author: int
    author_org: int
    client: int | None = None
    host_kind: str = ""
    host_id: int | None = None
    author_name: str = ""
    author_org_name: str = ""
    deleted_at: dt.datetime | None = None
    delete_reason: str = ""

    @property
    def uploaded_on(self) -> str:
        return local_time(self.uploaded_at).strftime("%d-%m-%Y %H:%M")

    @property
    def size_label(self) -> str:
        size = float(self.size)
        for unit in ("B", "KB", "MB"):
            if size < 1024 or unit == "MB":
                return f"{size:.0f} {unit}" if unit == "B" else f"{size:.1f} {unit}"
            size /= 1024
        return ""


def _host_class_shown(viewer: Viewer, relation: Relation, sensitivity: Sensitivity) -> bool:
    return sees_record(viewer.roles, relation) and (
        access(viewer.roles, relation, sensitivity) is Access.shown
    )


class DocumentPolicy(ClientBoundPolicy):
    table = Document
    fields = (
        FieldSpec("id", KEY),
        FieldSpec("series", KEY),
        FieldSpec("version", ROW),
        FieldSpec("current", ROW),
        FieldSpec("client", KEY),
        FieldSpec("host_kind", KEY),
        FieldSpec("host_id", KEY),
        FieldSpec("category", ROW),
        FieldSpec("sensitivity", POLICY),
        FieldSpec("audience", POLICY),
        FieldSpec("author", ROW),
        FieldSpec("author_org", POLICY),
        FieldSpec("name", ROW),
        FieldSpec("content_type", ROW),
        FieldSpec("size", ROW),
        FieldSpec("sha256", ROW),
        FieldSpec("object_key", ROW),
        FieldSpec("uploaded_at", ROW),
        FieldSpec("deleted_at", ROW),
        FieldSpec("deleted_by", ROW),
        FieldSpec("delete_reason", ROW),
        FieldSpec("left_behind", POLICY),
    )

    def rows_for(self, viewer: Viewer, relation: Relation, **context: Any) -> QueryString | None:
        """What the audience and class admit, but never a document a former OCMW kept for its
        own people when the file moved (``left_behind``)."""
        readable_rows = readable_sql(
            viewer,
            relation,
            audience=self.column("audience"),
            sensitivity=self.column("sensitivity"),
            author_org=self.column("author_org"),
        )
        if readable_rows is None:
            return None
        return QueryString(f"({{}} AND {self.column('left_behind')} = {{}})", readable_rows, False)

    def relation(
        self,
        viewer: Viewer,
        client: ClientView | None = None,
        host: HostRef | None = None,
        **context: Any,
    ) -> QueryString:
        if client is not None:
            return super().relation(viewer, client=client)
        if host is not None:
            return QueryString(f"'{host.relation.value}'")
        branches = [f"WHEN {self.column('client')} IS NOT NULL THEN {{}}"]
        args: list[Any] = [super().relation(viewer)]
        for declared in hosts.installed():
            table = declared.table._meta.tablename
            branches.append(
                f"WHEN {self.column('host_kind')} = '{declared.kind}' THEN (SELECT {{}}"  # nosec B608  # names and host kinds from the code
                f' FROM "{table}" WHERE "{table}"."id" = {self.column("host_id")})'
            )
            args.append(policy_for(declared.table).relation(viewer))
        return QueryString(f"(CASE {' '.join(branches)} ELSE 'none' END)", *args)

    def scope(
        self,
        viewer: Viewer,
        client: ClientView | None = None,
        host: HostRef | None = None,
        **context: Any,
    ) -> QueryString | None:
        if client is not None:
            return super().scope(viewer, client=client)
        if host is not None:
            declared = hosts.host(host.kind)
            if not _host_class_shown(viewer, host.relation, declared.sensitivity):
                return None
            return QueryString(
                f"{self.column('client')} IS NULL AND {self.column('host_kind')} = {{}}"
                f" AND {self.column('host_id')} = {{}}",
                host.kind,
                host.id,
            )
        branches: list[QueryString] = []
        of_clients = super().scope(viewer)
        if of_clients is not None:
            branches.append(of_clients)
        for declared in hosts.installed():
            host_policy = policy_for(declared.table)
            relations = sorted(
                relation
                for relation in relations_granting_sight(viewer.roles)
                if _host_class_shown(viewer, relation, declared.sensitivity)
            )
            if not relations:
                continue
            table = declared.table._meta.tablename
            listed = ", ".join(f"'{relation.value}'" for relation in relations)
            seen = host_policy.scope(viewer)
            if seen is None:
                continue
            branches.append(
                QueryString(
                    f"({self.column('client')} IS NULL AND {self.column('host_kind')} ="  # nosec B608  # names, kinds and relations from the code
                    f" '{declared.kind}' AND {self.column('host_id')} IN (SELECT \"id\" FROM"
                    f' "{table}" WHERE {{}} AND {{}} IN ({listed})))',
                    seen,
                    host_policy.relation(viewer),
                )
            )
        if not branches:
            return None
        return QueryString("(" + " OR ".join("{}" for _ in branches) + ")", *branches)

    def project(self, viewer: Viewer, row: Mapping[str, Any]) -> DocumentView | None:
        relation = relation_of_row(row)
        sensitivity = Sensitivity(row["sensitivity"])
        audience = Audience(row["audience"])
        if row.get("client") is not None:
            if row.get("left_behind") or not readable(
                viewer,
                relation,
                audience=audience,
                sensitivity=sensitivity,
                author_org=row["author_org"],
            ):
                return None
        else:
            kind = row.get("host_kind") or ""
            try:
                declared = hosts.host(kind)
            except KeyError:
                return None
            if sensitivity is not declared.sensitivity or not _host_class_shown(
                viewer, relation, sensitivity
            ):
                return None
        return DocumentView(
            id=row["id"],
            series=row.get("series") or row["id"],
            version=row["version"],
            current=bool(row["current"]),
            category=CATEGORY_BY_CODE[row["category"]],
            audience=audience,
            sensitivity=sensitivity,
            name=row["name"],
            file_type=TYPE_BY_CONTENT_TYPE.get(row["content_type"]),
            content_type=row["content_type"],
            size=row["size"],
            sha256=row["sha256"],
            object_key=row["object_key"],
            uploaded_at=row["uploaded_at"],
            author=row["author"],
            author_org=row["author_org"],
            client=row.get("client"),
            host_kind=row.get("host_kind") or "",
            host_id=row.get("host_id"),
            author_name=row.get("author.display_name") or "",
            author_org_name=row.get("author_org.name") or "",
            deleted_at=row.get("deleted_at"),
            delete_reason=row.get("delete_reason") or "",
        )


RECORD_POLICIES = (DocumentPolicy(),)

"""Clients and the records that hang on a client: their classes and the viewer's relation to them.

The relation rule is written once, as ``CLIENT_RELATION``; every read of a client or of a record
about a client gets it from here as one SQL column. Records of other domains that belong to a client
(timeline events, documents, questions) subclass ``ClientBoundPolicy`` and only say which of their
rows each relation may read.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar

from piccolo.querystring import QueryString

from portal.accounts.tables import Partnership
from portal.clients.tables import CareTeamMember, Client, Consent
from portal.core import prepared
from portal.core.db import is_sqlite
from portal.core.i18n import gettext_ as _
from portal.visibility.fields import FieldSpec, Structural, mask_birth_date
from portal.visibility.policy import (
    Access,
    Relation,
    Role,
    Sensitivity,
    access,
    relations_granting_sight,
    sees_record,
)
from portal.visibility.records import RecordPolicy, relation_of_row
from portal.visibility.relations import Fact, RecordRef, RelationRules, Rule, ViewerFact
from portal.visibility.viewer import Viewer


def _mask_national_number(_value: Any) -> str:
    """A masked national number shows none of its digits: with the birth date, the last two would
    leave about ten candidates."""
    return _("present, withheld")


_B, _I, _T, _S, _H = (
    Sensitivity.basic,
    Sensitivity.identity,
    Sensitivity.trajectory,
    Sensitivity.social,
    Sensitivity.health,
)
KEY = Structural.key

CLIENT_FIELDS: tuple[FieldSpec, ...] = (
    FieldSpec("first_name", _B),
    FieldSpec("last_name", _B),
    FieldSpec("language", _B),
    FieldSpec("municipality", _B),
    FieldSpec("phone", _B),
    FieldSpec("national_number", _I, _mask_national_number),
    FieldSpec("birth_date", _I, mask_birth_date),
    FieldSpec("address", _I),
    FieldSpec("ladder_step", _T),
    FieldSpec("status", _T),
    FieldSpec("living_wage_start", _T),
    FieldSpec("agreement_note_on", _T),
    FieldSpec("social_report", _S),
    FieldSpec("finances", _S),
    FieldSpec("health_notes", _H),
)
"""The fields a client page shows, in order, each with its class."""

LAST_ACTIVITY = FieldSpec("last_activity_at", _T)
"""When the last timeline entry was written: projected like a field, shown in lists."""
CLOSING = (FieldSpec("closed_at", _B), FieldSpec("closed_reason", _T))
"""Whether the file is closed (everyone who sees the client sees that it is read-only) and why."""
PROJECTED_FIELDS = (*CLIENT_FIELDS, LAST_ACTIVITY, *CLOSING)

CLIENT_COLUMNS: tuple[FieldSpec, ...] = (
    FieldSpec("id", KEY),
    FieldSpec("ocmw", KEY),
    FieldSpec("file_holder", _B),
    *PROJECTED_FIELDS,
    FieldSpec("created_at", _B),
    FieldSpec("search_name", _B),
    FieldSpec("anonymised_at", _B),
)


# The relation rule ---------------------------------------------------------------------------


def _own_ocmw(viewer: Viewer, ref: RecordRef) -> QueryString:
    return QueryString(f"{ref['ocmw']} = {{}}", viewer.org_id)


def _holds_file(viewer: Viewer, ref: RecordRef) -> QueryString:
    return QueryString(f"{ref['holder']} = {{}}", viewer.person_id)


def _unlocked(viewer: Viewer, ref: RecordRef) -> QueryString:
    if not viewer.unlocked:
        return QueryString("1 = 0")
    ids = sorted(viewer.unlocked)
    return QueryString(f"{ref['client']} IN ({', '.join('{}' for _ in ids)})", *ids)


def _among(column: str, subquery: str, *args: Any) -> QueryString:
    """``column`` is one of the values ``subquery`` selects. On PostgreSQL as ``= ANY(ARRAY(...))``:
    the subquery runs once and the rows are found through ``column``'s index, also inside the OR
    of a scope's candidates, where ``IN (subquery)`` or a correlated ``EXISTS`` reads every row
    of the table (100,000 clients at Flanders size, ``bench/README.md``). SQLite's ``IN`` does
    the same."""
    if is_sqlite():
        return QueryString(f"{column} IN ({subquery})", *args)
    return QueryString(f"{column} = ANY(ARRAY({subquery}))", *args)


def _in_care_team(viewer: Viewer, ref: RecordRef) -> QueryString:
    table = CareTeamMember._meta.tablename
    return _among(
        ref["client"],
        f'SELECT m."client" FROM "{table}" m WHERE m."person" = {{}}',  # nosec B608  # names from the code; the id bound
        viewer.person_id,
    )


def _consented(viewer: Viewer, ref: RecordRef) -> QueryString:
    table = Consent._meta.tablename
    return QueryString(
        f'EXISTS (SELECT 1 FROM "{table}" k WHERE k."client" = {ref["client"]}'  # nosec B608  # names from the code; values bound
        ' AND k."organisation" = {} AND k."given" = {})',
        viewer.org_id,
        True,
    )


def _partnered(viewer: Viewer, ref: RecordRef) -> QueryString:
    table = Partnership._meta.tablename
    return _among(
        ref["ocmw"],
        f'SELECT p."ocmw" FROM "{table}" p WHERE p."partner" = {{}} OR p."vdab" = {{}}',  # nosec B608  # names from the code; the org bound
        viewer.org_id,
        viewer.org_id,
    )


OWN_OCMW = Fact("the client is held by the viewer's OCMW", _own_ocmw)
HOLDS_FILE = Fact("the viewer is the client's named file holder", _holds_file)
UNLOCKED = Fact("the viewer stated a reason for this client in this session", _unlocked)
IN_CARE_TEAM = Fact("the viewer is in the client's care team", _in_care_team)
CONSENTED = Fact("the client consented to share with the viewer's organisation", _consented)
PARTNERED = Fact("the viewer's organisation is a partner of the client's OCMW", _partnered)
SOCIAL_WORKER = ViewerFact("the viewer is a social worker", lambda v: Role.social_worker in v.roles)

CLIENT_RELATION = RelationRules(
    Rule(Relation.file_holder, (OWN_OCMW, SOCIAL_WORKER, HOLDS_FILE)),
    Rule(Relation.same_org_reason, (OWN_OCMW, SOCIAL_WORKER, UNLOCKED)),
    Rule(Relation.care_team, (OWN_OCMW, IN_CARE_TEAM)),
    Rule(Relation.same_org, (OWN_OCMW,)),
    Rule(Relation.none, (~CONSENTED,)),
    Rule(Relation.care_team, (IN_CARE_TEAM,)),
    Rule(Relation.partner_org, (PARTNERED,)),
)
"""Inside the file-holding OCMW: the one named social worker holds the file; another social worker
who stated a reason sees more for this session; the care team is the care team; everyone else is a
colleague. Outside it, without the client's consent for the viewer's organisation there is no
relation at all; with it, the care team, or a partner of the OCMW."""


def client_ref(id_sql: str, ocmw_sql: str, holder_sql: str) -> RecordRef:
    return {"client": id_sql, "ocmw": ocmw_sql, "holder": holder_sql}


# Clients -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ClientView:
    """A client as one viewer may see it: ``values`` holds only shown or masked values."""

    id: int
    relation: Relation
    values: dict[str, Any]
    masked: frozenset[str]
    revealed: frozenset[Sensitivity]
    ocmw: int = 0
    file_holder: int | None = None
    file_holder_name: str = ""

    def shows(self, name: str) -> bool:
        return name in self.values

    @property
    def closed(self) -> bool:
        return self.values.get("closed_at") is not None

    @property
    def full_name(self) -> str:
        return f"{self.values.get('first_name', '')} {self.values.get('last_name', '')}".strip()


prepared.shape_of(ClientView, keep=("relation",), values=("id", "ocmw", "file_holder"))
"""Prepared reads about an opened client may depend on the viewer's relation to it; its keys are
values of the SQL and what it shows is not theirs to read."""


class ClientPolicy(RecordPolicy):
    table = Client
    fields = CLIENT_COLUMNS

    def ref(self) -> RecordRef:
        return client_ref(self.column("id"), self.column("ocmw"), self.column("file_holder"))

    def relation(self, viewer: Viewer, **context: Any) -> QueryString:
        return CLIENT_RELATION.sql(viewer, self.ref())

    def scope(self, viewer: Viewer, **context: Any) -> QueryString | None:
        return CLIENT_RELATION.is_in(viewer, self.ref(), relations_granting_sight(viewer.roles))

    def project(self, viewer: Viewer, row: Mapping[str, Any]) -> ClientView | None:
        """The viewer's view of a client row, or ``None`` when the client does not exist for them.
        Only the fields present in ``row`` are projected (lists read a few columns)."""
        relation = relation_of_row(row)
        if not sees_record(viewer.roles, relation):
            return None
        values: dict[str, Any] = {}
        masked: set[str] = set()
        revealed: set[Sensitivity] = set()
        for spec in PROJECTED_FIELDS:
            if spec.name not in row:
                continue
            assert spec.sensitivity is not None
            level = access(viewer.roles, relation, spec.sensitivity)
            raw = row[spec.name]
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
            ocmw=row.get("ocmw") or 0,
            file_holder=row.get("file_holder"),
            file_holder_name=row.get("file_holder.display_name") or "",
        )


def client_of_row(viewer: Viewer, row: Mapping[str, Any]) -> ClientView | None:
    """The client a client-bound record's row names, from its joined ``client.first_name`` and
    ``client.last_name``, projected at the row's relation (a record's relation is its client's)."""
    return ClientPolicy().project(
        viewer,
        {
            "id": row["client"],
            "first_name": row["client.first_name"],
            "last_name": row["client.last_name"],
            "relation": row["relation"],
        },
    )


# Records about a client ----------------------------------------------------------------------


ALL = QueryString("1 = 1")


class ClientBoundPolicy(RecordPolicy):
    """A record that belongs to one client: the viewer's relation to it is their relation to the
    client. Read either for one client already opened (``client=ClientView``: the relation is
    known) or across every client the viewer may see."""

    client_column: ClassVar[str] = "client"

    def rows_for(self, viewer: Viewer, relation: Relation, **context: Any) -> QueryString | None:
        """Of one client's records, those a viewer with ``relation`` may receive: SQL, ``TRUE``
        for all of them, or ``None`` for none."""
        raise NotImplementedError

    def ref(self) -> RecordRef:
        client = self.column(self.client_column)
        table = Client._meta.tablename

        def of_client(column: str) -> str:
            return f'(SELECT "{column}" FROM "{table}" WHERE "{table}"."id" = {client})'  # nosec B608  # names from the code

        return client_ref(client, of_client("ocmw"), of_client("file_holder"))

    def relation(
        self,
        viewer: Viewer,
        client: ClientView | None = None,
        *,
        clients: Sequence[ClientView] | None = None,
        **context: Any,
    ) -> QueryString:
        if client is not None:
            return QueryString(f"'{client.relation.value}'")
        if clients:
            column = self.column(self.client_column)
            cases = " ".join(f"WHEN {{}} THEN '{view.relation.value}'" for view in clients)
            return QueryString(
                f"CASE {column} {cases} ELSE 'none' END", *(view.id for view in clients)
            )
        return CLIENT_RELATION.sql(viewer, self.ref())

    def scope(
        self,
        viewer: Viewer,
        client: ClientView | None = None,
        *,
        clients: Sequence[ClientView] | None = None,
        **context: Any,
    ) -> QueryString | None:
        """Either one client already opened (``client``), some clients already read through
        their own scope (``clients``: their relations are known, so the condition is a list of
        ids per relation that an index on the client column serves), or every client."""
        if clients is not None:
            return self._of_known(viewer, clients, **context)
        if client is not None:
            rows = self.rows_for(viewer, client.relation, **context)
            if rows is None:
                return None
            of_client = QueryString(f"{self.column(self.client_column)} = {{}}", client.id)
            return of_client if rows is ALL else QueryString("{} AND {}", of_client, rows)
        table = Client._meta.tablename
        inner = client_ref(f'"{table}"."id"', f'"{table}"."ocmw"', f'"{table}"."file_holder"')
        branches: list[QueryString] = []
        for relation in sorted(CLIENT_RELATION.possible(viewer)):
            rows = self.rows_for(viewer, relation, **context)
            has = CLIENT_RELATION.is_in(viewer, inner, frozenset({relation}))
            if rows is None or has is None or not sees_record(viewer.roles, relation):
                continue
            among = _among(
                self.column(self.client_column),
                f'SELECT "id" FROM "{table}" WHERE {{}}',  # nosec B608  # names from the code
                has,
            )
            branches.append(QueryString("({} AND {})", among, rows))
        if not branches:
            return None
        return QueryString("(" + " OR ".join("{}" for _ in branches) + ")", *branches)

    def _of_known(
        self, viewer: Viewer, clients: Sequence[ClientView], **context: Any
    ) -> QueryString | None:
        column = self.column(self.client_column)
        by_relation: dict[Relation, list[int]] = {}
        for view in clients:
            by_relation.setdefault(view.relation, []).append(view.id)
        branches: list[QueryString] = []
        for relation, ids in sorted(by_relation.items()):
            rows = self.rows_for(viewer, relation, **context)
            if rows is None or not sees_record(viewer.roles, relation):
                continue
            of_clients = QueryString(f"{column} IN ({', '.join('{}' for _ in ids)})", *ids)
            branches.append(
                of_clients if rows is ALL else QueryString("({} AND {})", of_clients, rows)
            )
        if not branches:
            return None
        return QueryString("(" + " OR ".join("{}" for _ in branches) + ")", *branches)


def all_rows_if(condition: bool) -> QueryString | None:
    return ALL if condition else None


class WholeRecordPolicy(ClientBoundPolicy):
    """A record about a client whose content is all of one class: a viewer reads all of it, or
    none of it."""

    record_class: ClassVar[Sensitivity]

    def _sees(self, viewer: Viewer, relation: Relation) -> bool:
        return sees_record(viewer.roles, relation) and (
            access(viewer.roles, relation, self.record_class) is Access.shown
        )

    def rows_for(self, viewer: Viewer, relation: Relation, **context: Any) -> QueryString | None:
        return all_rows_if(self._sees(viewer, relation))

    def view(self, row: Mapping[str, Any]) -> Any:
        raise NotImplementedError

    def project(self, viewer: Viewer, row: Mapping[str, Any]) -> Any:
        return self.view(row) if self._sees(viewer, relation_of_row(row)) else None


@dataclass(frozen=True)
class TeamMemberView:
    person: int
    added_at: Any
    username: str = ""
    display_name: str = ""
    organisation: int | None = None
    organisation_name: str = ""
    roles: tuple[str, ...] = ()

    @property
    def person_id(self) -> int:
        return self.person


class CareTeamPolicy(WholeRecordPolicy):
    """Who works with a client is basic information about the client."""

    table = CareTeamMember
    record_class = _B
    fields = (
        FieldSpec("id", KEY),
        FieldSpec("client", KEY),
        FieldSpec("person", _B),
        FieldSpec("added_at", _B),
    )

    def view(self, row: Mapping[str, Any]) -> TeamMemberView:
        return TeamMemberView(
            person=row["person"],
            added_at=row.get("added_at"),
            username=row.get("person.username") or "",
            display_name=row.get("person.display_name") or "",
            organisation=row.get("person.organisation"),
            organisation_name=row.get("person.organisation.name") or "",
            roles=tuple(row.get("person.roles") or ()),
        )


@dataclass(frozen=True)
class ConsentView:
    organisation: int
    given: bool
    decided_on: Any
    organisation_name: str = ""
    organisation_code: str = ""


class ConsentPolicy(WholeRecordPolicy):
    """Consent is part of the trajectory: who may share in it."""

    table = Consent
    record_class = _T
    fields = (
        FieldSpec("id", KEY),
        FieldSpec("client", KEY),
        FieldSpec("organisation", _T),
        FieldSpec("given", _T),
        FieldSpec("decided_on", _T),
        FieldSpec("recorded_by", _T),
    )

    def view(self, row: Mapping[str, Any]) -> ConsentView:
        return ConsentView(
            organisation=row["organisation"],
            given=bool(row["given"]),
            decided_on=row["decided_on"],
            organisation_name=row.get("organisation.name") or "",
            organisation_code=row.get("organisation.code") or "",
        )


RECORD_POLICIES = (ClientPolicy(), CareTeamPolicy(), ConsentPolicy())

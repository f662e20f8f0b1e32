"""Record policies: each classified table declares, once, what its records are for a viewer.

A domain's ``visibility.py`` subclasses ``RecordPolicy`` for each of its classified tables: the
class of every column (``fields``), the viewer's relation to a record as one SQL expression
(``relation``), which rows a viewer may read (``scope``), and how a row becomes a view
(``project``).
``visible_to(viewer, Table)`` is the only way pages read such a table; it adds the relation as a
column and the scope as a condition, so no page writes either of them again.

Audience and class rules are written once in ``policy``; ``readable_sql`` derives their SQL from
it, and ``readable`` is the same rule for one row in Python (tests hold the two to each other).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping
from typing import Any, ClassVar

from piccolo.querystring import QueryString
from piccolo.table import Table

from portal.visibility.fields import FieldSpec
from portal.visibility.policy import (
    Access,
    Audience,
    Relation,
    Sensitivity,
    access,
    may_read_audience,
    shown_classes,
)
from portal.visibility.scoping import Classified, _scoped
from portal.visibility.viewer import Viewer

NOTHING = QueryString("1 = 0")


class RecordPolicy(ABC):
    """What the records of one classified table are, and who sees what of them."""

    table: ClassVar[type[Table]]
    fields: ClassVar[tuple[FieldSpec, ...]]

    @abstractmethod
    def relation(self, viewer: Viewer, **context: Any) -> QueryString:
        """The viewer's relation to each row, as one SQL expression."""

    @abstractmethod
    def scope(self, viewer: Viewer, **context: Any) -> QueryString | None:
        """The rows this viewer may receive (in full or as a placeholder); ``None``: no row."""

    @abstractmethod
    def project(self, viewer: Viewer, row: Mapping[str, Any]) -> Any:
        """The viewer's view of one row read through the scope (it carries ``relation``), or
        ``None`` when the row must vanish."""

    def column(self, name: str) -> str:
        """A column of this table, quoted for SQL."""
        return f'"{self.table._meta.tablename}"."{name}"'


_DECLARED: dict[type[Table], RecordPolicy] = {}


def declare(policy: RecordPolicy) -> RecordPolicy:
    """Bind a policy to its table; a classified table has exactly one."""
    table = policy.table
    if not issubclass(table, Classified):
        raise TypeError(f"{table.__name__} must mix in Classified to have a record policy")
    if table in _DECLARED and type(_DECLARED[table]) is not type(policy):
        raise TypeError(f"{table.__name__} already has a record policy")
    _DECLARED[table] = policy
    return policy


def policy_for(table: type[Table]) -> RecordPolicy:
    try:
        return _DECLARED[table]
    except KeyError:
        raise LookupError(f"no record policy is declared for {table.__name__}") from None


def declared_policies() -> dict[type[Table], RecordPolicy]:
    return dict(_DECLARED)


class Scope:
    """A classified table as one viewer may read it: ``select`` adds ``relation`` and the scope."""

    def __init__(self, viewer: Viewer, policy: RecordPolicy, context: dict[str, Any]) -> None:
        self.viewer = viewer
        self.policy = policy
        self.context = context

    def _condition(self) -> QueryString:
        return self.policy.scope(self.viewer, **self.context) or NOTHING

    def select(self, *columns: Any) -> Any:
        relation = self.policy.relation(self.viewer, **self.context).as_alias("relation")
        with _scoped(self.policy.table):
            query = self.policy.table.select(*columns, relation)
        return query.where(self._condition())

    def get(self, key: Any, *columns: Any) -> Any:
        """One row by primary key, with its relation: ``project`` then decides whether it exists
        for the viewer (the policy's projection refuses every row its scope would exclude, so one
        row needs no scope condition besides its key)."""
        relation = self.policy.relation(self.viewer, **self.context).as_alias("relation")
        table = self.policy.table
        with _scoped(table):
            query = table.select(*columns, relation)
        return query.where(table._meta.primary_key == key).first()

    def count(self) -> Any:
        with _scoped(self.policy.table):
            query = self.policy.table.count()
        return query.where(self._condition())

    def project(self, row: Mapping[str, Any]) -> Any:
        return self.policy.project(self.viewer, row)

    def project_all(self, rows: list[Any]) -> list[Any]:
        views = (self.policy.project(self.viewer, row) for row in rows)
        return [view for view in views if view is not None]


def visible_to(viewer: Viewer, table: type[Table], **context: Any) -> Scope:
    """Read ``table`` as ``viewer`` may: the one way pages read a classified table."""
    return Scope(viewer, policy_for(table), context)


def relation_of_row(row: Mapping[str, Any]) -> Relation:
    return Relation(row["relation"])


# Audience and class: one rule (``policy``), in Python for a row and in SQL for a query ---------


def readable(
    viewer: Viewer,
    relation: Relation,
    *,
    audience: Audience,
    sensitivity: Sensitivity,
    author_org: int | None,
    addressee_org: int | None = None,
) -> bool:
    """Whether one record is shown in full to the viewer (audience admits, class shown)."""
    admitted = may_read_audience(
        relation,
        audience,
        same_org_as_author=author_org == viewer.org_id,
        addressed_to_viewer_org=addressee_org is not None and addressee_org == viewer.org_id,
    )
    return admitted and access(viewer.roles, relation, sensitivity) is Access.shown


def readable_sql(
    viewer: Viewer,
    relation: Relation,
    *,
    audience: str,
    sensitivity: str | Sensitivity,
    author_org: str,
    addressee_org: str | None = None,
) -> QueryString | None:
    """SQL for ``readable`` at a known relation: ``audience``, ``author_org`` and
    ``addressee_org`` are column expressions; ``sensitivity`` is a column expression, or the one
    class all of the table's content has. ``None`` when no row can be readable."""
    if isinstance(sensitivity, Sensitivity):
        if access(viewer.roles, relation, sensitivity) is not Access.shown:
            return None
        class_sql = ""
    else:
        shown = sorted(cls.value for cls in shown_classes(viewer.roles, relation))
        if not shown:
            return None
        class_sql = f"{sensitivity} IN ({', '.join(repr(value) for value in shown)})"
    admitted: list[str] = []
    args: list[Any] = []
    for candidate in Audience:
        if may_read_audience(relation, candidate, same_org_as_author=False):
            admitted.append(f"{audience} = '{candidate.value}'")
            continue
        ways = []
        if may_read_audience(relation, candidate, same_org_as_author=True):
            ways.append(f"{author_org} = {{}}")
            args.append(viewer.org_id)
        if addressee_org is not None and may_read_audience(
            relation, candidate, same_org_as_author=False, addressed_to_viewer_org=True
        ):
            ways.append(f"{addressee_org} = {{}}")
            args.append(viewer.org_id)
        if ways:
            admitted.append(f"({audience} = '{candidate.value}' AND ({' OR '.join(ways)}))")
    if not admitted:
        return None
    template = f"({' OR '.join(admitted)})"
    if class_sql:
        template = f"({template} AND {class_sql})"
    return QueryString(template, *args)

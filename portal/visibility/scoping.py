"""Reads of classified tables fail unless scoped; templates only take projected values.

A classified table (``class Client(Classified, Table)``) refuses ``select``, ``objects``, ``count``,
``exists`` and ``raw`` unless the query is built by ``visible_to`` (a viewer's scope, see
``portal.visibility.records``) or inside ``with unscoped("why"):``, which says out loud, and
greppably, why this read needs no viewer. Rows read from a classified table come back as
``RawRow``; the page renderer refuses them (and table objects) in development and tests, so only
projected views reach a template.
"""

from __future__ import annotations

import contextvars
import dataclasses
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from piccolo.query.methods.count import Count
from piccolo.table import Table

_reason: contextvars.ContextVar[str | None] = contextvars.ContextVar(
    "portal_scope_reason", default=None
)


class ScopeError(RuntimeError):
    """A classified table was read outside ``visible_to`` and without ``unscoped``."""


class UnprojectedValue(TypeError):
    """A raw row or table object was about to reach a template."""


class RawRow(dict[str, Any]):
    """A row as read from a classified table, before a record policy projected it."""


@contextmanager
def unscoped(reason: str) -> Iterator[None]:
    """Read classified tables without a viewer's scope; ``reason`` must say why that is right."""
    if not reason.strip():
        raise ValueError("unscoped() needs a reason")
    token = _reason.set(reason)
    try:
        yield
    finally:
        _reason.reset(token)


@contextmanager
def _scoped(table: type[Table]) -> Iterator[None]:
    token = _reason.set(f"visible_to({table.__name__})")
    try:
        yield
    finally:
        _reason.reset(token)


def _require_scope(table: type[Table], method: str) -> None:
    if _reason.get() is None:
        raise ScopeError(
            f"{table.__name__}.{method}() reads a classified table: use visible_to(viewer, "
            f"{table.__name__}) or, where no viewer applies, `with unscoped('why'):`"
        )


def _mark_raw(results: Any) -> Any:
    if isinstance(results, dict):
        return RawRow(results)
    if isinstance(results, list):
        return [RawRow(row) if isinstance(row, dict) else row for row in results]
    return results


class _ScopedCount(Count):
    """Piccolo builds a count's SQL from ``table.select`` when it runs; the scope was checked when
    the count was asked for."""

    @property
    def default_querystrings(self) -> Any:
        token = _reason.set(f"count of {self.table.__name__}")
        try:
            return super().default_querystrings
        finally:
            _reason.reset(token)


class Classified:
    """Mixin for tables holding client data: reads must be scoped (see the module docstring).

    Writes are not refused here: services write inside a unit of work after reading through the
    scope what they are allowed to change.
    """

    @classmethod
    def select(cls, *columns: Any, exclude_secrets: bool = False) -> Any:
        _require_scope(cls, "select")  # type: ignore[arg-type]
        query = super().select(*columns, exclude_secrets=exclude_secrets)  # type: ignore[misc]
        return query.callback(_mark_raw)

    @classmethod
    def objects(cls, *prefetch: Any) -> Any:
        _require_scope(cls, "objects")  # type: ignore[arg-type]
        return super().objects(*prefetch)  # type: ignore[misc]

    @classmethod
    def count(cls, column: Any = None, distinct: Any = None) -> Any:
        _require_scope(cls, "count")  # type: ignore[arg-type]
        return _ScopedCount(table=cls, column=column, distinct=distinct)  # type: ignore[arg-type]

    @classmethod
    def exists(cls) -> Any:
        _require_scope(cls, "exists")  # type: ignore[arg-type]
        return super().exists()  # type: ignore[misc]

    @classmethod
    def raw(cls, sql: str, *args: Any) -> Any:
        _require_scope(cls, "raw")  # type: ignore[arg-type]
        return super().raw(sql, *args).callback(_mark_raw)  # type: ignore[misc]


_ATOMS = (str, bytes, int, float, bool, type(None))


def assert_projected(value: Any, *, path: str = "context", depth: int = 0) -> None:
    """Raise ``UnprojectedValue`` if ``value`` holds a raw row or a table object anywhere."""
    if isinstance(value, _ATOMS) or depth > 8:
        return
    if isinstance(value, RawRow):
        raise UnprojectedValue(f"{path} is a raw row of a classified table; project it first")
    if isinstance(value, Table) or (isinstance(value, type) and issubclass(value, Table)):
        raise UnprojectedValue(f"{path} is a table object; templates take projected views")
    if isinstance(value, dict):
        for key, item in value.items():
            assert_projected(item, path=f"{path}[{key!r}]", depth=depth + 1)
    elif isinstance(value, list | tuple | set | frozenset):
        for index, item in enumerate(value):
            assert_projected(item, path=f"{path}[{index}]", depth=depth + 1)
    elif dataclasses.is_dataclass(value) and not isinstance(value, type):
        for item in dataclasses.fields(value):
            assert_projected(getattr(value, item.name), path=f"{path}.{item.name}", depth=depth + 1)

"""Reads whose SQL is built once per shape and bound per call.

Building a select with Piccolo costs more than running it (``bench/README.md``). A read declared
with ``@prepared`` is built once per *shape* of its arguments, with placeholders (``Param``) where
the values go, and its SQL text is kept; each call binds the values in order and runs that text.

The shape is everything the SQL may depend on: the arguments not named in ``values`` (compared by
value) and, of the types registered with ``shape_of`` (the viewer, an opened client), the fields
kept (roles, relation). A value is a placeholder while the query is built: it refuses every use
but being an argument of the SQL (comparing, truth, hashing, formatting into text), so a builder
that branches on a value fails at once instead of caching SQL that only suits one record; fields
neither kept nor values refuse even that. A value that is ``None`` when called is part of the
shape (``= NULL`` and ``IS NULL`` differ). Outside production every call also builds its query
from the real arguments and checks the SQL and its arguments are the same (``configure``).
"""

from __future__ import annotations

import contextvars
import dataclasses
import enum
import functools
import inspect
import re
from collections import OrderedDict
from collections.abc import Callable, Collection, Hashable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, Generic, ParamSpec

from piccolo.query.methods.count import Count
from piccolo.query.methods.select import First, Select
from piccolo.query.mixins import CallbackType
from piccolo.querystring import QueryString

from portal.core import db

P = ParamSpec("P")

_verify = True
CACHE_SIZE = 256
"""Shapes kept per read, the least recently used dropped first (a shape with files opened with a
reason is one viewer's)."""


def configure(*, verify: bool) -> None:
    """``verify``: build each call's query from its real arguments too and compare (not in
    production: it costs what the cache saves)."""
    global _verify
    _verify = verify


class PlaceholderUsed(TypeError):
    """A builder used a value of a prepared read as more than an argument of its SQL."""


class ShapeMismatch(AssertionError):
    """The cached SQL differs from the SQL built from the real arguments: something the SQL
    depends on is missing from the shape."""


class _Refusing:
    __slots__ = ("path",)

    def __init__(self, path: str) -> None:
        self.path = path

    def _refuse(self, *_args: Any, **_kwargs: Any) -> Any:
        raise PlaceholderUsed(
            f"{self.path} is a value of a prepared read: the builder may only pass it to the SQL"
        )

    def __eq__(self, other: object) -> bool:
        if type(other).__module__.startswith("piccolo."):
            return False  # Piccolo's own sentinel (``value == UNDEFINED``)
        return self._refuse()

    def __ne__(self, other: object) -> bool:
        return not self.__eq__(other)

    __hash__ = None  # type: ignore[assignment]
    __lt__ = __le__ = __gt__ = __ge__ = _refuse
    __bool__ = __str__ = __format__ = __iter__ = __len__ = __contains__ = _refuse
    __int__ = __index__ = __add__ = __radd__ = __sub__ = __getitem__ = _refuse

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.path}>"


class Param(_Refusing):
    """Where a value goes in a prepared read's SQL."""

    __slots__ = ()


class Withheld(_Refusing):
    """A field a prepared read's SQL may not depend on at all."""

    __slots__ = ()

    def __getattr__(self, name: str) -> Any:
        return self._refuse()


@dataclass(frozen=True)
class _Rule:
    keep: tuple[str, ...]
    values: tuple[str, ...]


_RULES: dict[type, _Rule] = {}


def shape_of(kind: type, *, keep: Collection[str], values: Collection[str]) -> None:
    """How prepared reads see an argument of dataclass type ``kind``: the fields in ``keep`` are
    the shape, those in ``values`` are placeholders, the rest are withheld."""
    names = {field.name for field in dataclasses.fields(kind)}
    unknown = (set(keep) | set(values)) - names
    if unknown:
        raise ValueError(f"{kind.__name__} has no field {sorted(unknown)}")
    _RULES[kind] = _Rule(tuple(keep), tuple(values))


@dataclass(eq=False)
class _Statement:
    query: Select | Count
    first: bool
    sql: str
    slots: tuple[tuple[bool, Any], ...]
    """Per SQL argument: ``(True, path)`` to bind from the call, ``(False, constant)``."""
    names: list[str] | None = None
    """The result's column names, learnt when the statement is first asked to run with others;
    empty when it cannot (a column whose type a record cannot carry on every connection)."""


@dataclass(frozen=True)
class Bound:
    """One call of a prepared read with its values bound, ready to run alone or with others
    (``fetch``)."""

    statement: _Statement
    args: tuple[Any, ...]

    @property
    def key(self) -> tuple[_Statement, tuple[Any, ...]] | None:
        """What a read run together is found by: this statement (by identity) and these values;
        ``None`` when a value cannot be a key."""
        try:
            hash(self.args)
        except TypeError:
            return None
        return (self.statement, self.args)

    async def run(self) -> Any:
        querystring = QueryString("")
        querystring._frozen_compiled_strings = (self.statement.sql, list(self.args))
        raw = await self.statement.query.table._meta.db.run_querystring(querystring, in_pool=True)
        return await self.finish(raw)

    async def finish(self, raw: Any) -> Any:
        query = self.statement.query
        rows: Any = await query._process_results(raw)
        if self.statement.first:
            rows = rows[0] if rows else None
        if isinstance(query, Count):
            return rows
        return await query.callback_delegate.invoke(rows, kind=CallbackType.success)


def _select_of(query: Any) -> tuple[Select | Count, bool]:
    if isinstance(query, First):
        return query.query, True
    if isinstance(query, Select | Count):
        return query, False
    raise TypeError(f"a prepared read builds a select or a count, not {type(query).__name__}")


def _compiled(query: Select | Count) -> tuple[str, list[Any]]:
    (querystring,) = query.querystrings
    return querystring.compile_string(engine_type=query.engine_type)


def _sql_value(value: Any) -> Any:
    return value.value if isinstance(value, enum.Enum) else value


class _Call:
    """One call's arguments: its shape and, for a build, the placeholders."""

    def __init__(self, arguments: Mapping[str, Any], values: Mapping[str, tuple[str, ...]]):
        self.arguments = arguments
        self.values = values
        self.has_none = False

    def key(self) -> tuple[Hashable, ...]:
        parts: list[Hashable] = []
        for name, value in self.arguments.items():
            rule = _RULES.get(type(value))
            if rule is not None:
                parts.append(tuple(getattr(value, field) for field in rule.keep))
                parts.append(tuple(getattr(value, field) is None for field in rule.values))
            elif name not in self.values:
                parts.append(value)
            elif not self.values[name] or value is None:
                parts.append(value is None)
            else:
                fields = self.values[name]
                parts.append(
                    tuple(
                        getattr(value, field) is None if field in fields else getattr(value, field)
                        for field in (f.name for f in dataclasses.fields(value))
                    )
                )
        return tuple(parts)

    def placeholders(self) -> dict[str, Any]:
        proxied: dict[str, Any] = {}
        for name, value in self.arguments.items():
            rule = _RULES.get(type(value))
            if rule is not None:
                proxied[name] = _proxy(value, name, rule.values, rule.keep)
            elif name not in self.values or value is None:
                proxied[name] = value
            elif not self.values[name]:
                proxied[name] = Param(name)
            else:
                kept = [
                    f.name for f in dataclasses.fields(value) if f.name not in self.values[name]
                ]
                proxied[name] = _proxy(value, name, self.values[name], kept)
        return proxied

    def bind(self, path: str) -> Any:
        name, _, rest = path.partition(".")
        value = self.arguments[name]
        for attribute in rest.split(".") if rest else ():
            value = getattr(value, attribute)
        return _sql_value(value)


def _proxy(value: Any, name: str, values: Collection[str], keep: Collection[str]) -> Any:
    changes: dict[str, Any] = {}
    for field in dataclasses.fields(value):
        current = getattr(value, field.name)
        if field.name in values:
            changes[field.name] = None if current is None else Param(f"{name}.{field.name}")
        elif field.name not in keep:
            changes[field.name] = Withheld(f"{name}.{field.name}")
    return dataclasses.replace(value, **changes)


class Prepared(Generic[P]):
    def __init__(self, build: Callable[P, Any], values: Mapping[str, Collection[str]]) -> None:
        self.build: Callable[..., Any] = build
        self.name = f"{build.__module__}.{build.__qualname__}"
        self.values = {name: tuple(fields) for name, fields in values.items()}
        self._signature = _signature(build)
        self._cache: OrderedDict[tuple[Hashable, ...], _Statement] = OrderedDict()
        functools.update_wrapper(self, build)

    def _statement(self, call: _Call, key: tuple[Hashable, ...]) -> _Statement:
        statement = self._cache.get(key)
        if statement is not None:
            self._cache.move_to_end(key)
        else:
            query, first = _select_of(self.build(**call.placeholders()))
            sql, args = _compiled(query)
            slots = tuple(
                (True, arg.path) if isinstance(arg, Param) else (False, arg) for arg in args
            )
            statement = _Statement(query, first, sql, slots)
            self._cache[key] = statement
            if len(self._cache) > CACHE_SIZE:
                self._cache.popitem(last=False)
        return statement

    def bind(self, *args: P.args, **kwargs: P.kwargs) -> Bound:
        """This call, not run yet: for ``fetch``."""
        call = _Call(self._signature(*args, **kwargs), self.values)
        statement = self._statement(call, (call.key(), _engine_type()))
        bound = [call.bind(item) if is_param else item for is_param, item in statement.slots]
        if _verify:
            self._check(statement, bound, args, kwargs)
        return Bound(statement, tuple(bound))

    async def __call__(self, *args: P.args, **kwargs: P.kwargs) -> Any:
        bound = self.bind(*args, **kwargs)
        fetched = _fetched.get()
        key = bound.key
        if fetched is not None and key is not None and key in fetched:
            return await bound.finish(fetched.pop(key))
        return await bound.run()

    def _check(self, statement: _Statement, bound: list[Any], args: Any, kwargs: Any) -> None:
        query, _first = _select_of(self.build(*args, **kwargs))
        sql, real = _compiled(query)
        if sql != statement.sql or real != bound:
            raise ShapeMismatch(
                f"{self.name}: the SQL built for this call differs from the cached one\n"
                f"cached: {statement.sql} {bound!r}\nbuilt:  {sql} {real!r}"
            )


def prepared(
    values: Mapping[str, Collection[str]],
) -> Callable[[Callable[P, Any]], Prepared[P]]:
    """Declare a read built once per shape. ``values`` names the arguments that are values (an
    empty list) or, for a dataclass argument, which of its fields are (the rest is shape).
    Arguments of a type registered with ``shape_of`` follow their registration."""

    def wrap(build: Callable[P, Any]) -> Prepared[P]:
        return Prepared(build, values)

    return wrap


def _signature(build: Callable[..., Any]) -> Callable[..., dict[str, Any]]:
    signature = inspect.signature(build)
    names = tuple(signature.parameters)

    def arguments(*args: Any, **kwargs: Any) -> dict[str, Any]:
        if not kwargs and len(args) == len(names):
            return dict(zip(names, args, strict=True))
        bound = signature.bind(*args, **kwargs)
        bound.apply_defaults()
        return dict(bound.arguments)

    return arguments


def _engine_type() -> str:
    return db.DB.engine_type


Fetched = dict[tuple[_Statement, tuple[Any, ...]], list[dict[str, Any]]]
_fetched: contextvars.ContextVar[Fetched | None] = contextvars.ContextVar(
    "portal_prepared_fetched", default=None
)


@contextmanager
def sharing() -> Iterator[None]:
    """A block (one page) in which reads run together by ``fetch`` hand their rows to the calls
    that ask for them, once each."""
    token = _fetched.set({})
    try:
        yield
    finally:
        _fetched.reset(token)


_ARGUMENT = re.compile(r"\$(\d+)")


async def fetch(*reads: Bound) -> None:
    """Run ``reads`` in one statement (PostgreSQL; each read's rows as an array of records)
    inside a ``sharing`` block, so that the calls to them that follow take their rows instead of
    a statement each. Elsewhere (SQLite, or PostgreSQL without the portal's pool, whose
    connections have not met ``db.KNOWN_ARRAYS``), each call runs its own statement as usual."""
    fetched = _fetched.get()
    if fetched is None or not db.pooled():
        return
    keyed = {read.key: read for read in reads if read.key is not None}
    pending = [read for key, read in keyed.items() if key not in fetched]
    if len(pending) < 2:
        return
    for read in pending:
        if read.statement.names is None:
            columns = await db.result_columns(read.statement.sql)
            plain = all(scalar for _name, scalar in columns)
            read.statement.names = [name for name, _scalar in columns] if plain else []
    pending = [read for read in pending if read.statement.names]
    if len(pending) < 2:
        return
    args = [value for read in pending for value in read.args]
    querystring = QueryString("")
    querystring._frozen_compiled_strings = (_together([read.statement for read in pending]), args)
    (row,) = await db.DB.run_querystring(querystring, in_pool=True)
    for index, read in enumerate(pending):
        names = read.statement.names or []
        rows = [dict(zip(names, record, strict=True)) for record in row[f"r{index}"]]
        fetched[(read.statement, read.args)] = rows
    if _verify:
        await _check_together(pending, fetched)


_COMBINED: OrderedDict[tuple[_Statement, ...], str] = OrderedDict()


def _together(statements: list[_Statement]) -> str:
    """One statement returning each statement's rows as an array of records, its arguments
    numbered on."""
    key = tuple(statements)
    sql = _COMBINED.get(key)
    if sql is None:
        parts: list[str] = []
        offset = 0
        for index, statement in enumerate(statements):
            shifted = _ARGUMENT.sub(
                lambda match, by=offset: f"${int(match[1]) + by}",  # type: ignore[misc]
                statement.sql,
            )
            part = f'ARRAY(SELECT ROW(t.*) FROM ({shifted}) t) AS "r{index}"'  # noqa: S608  # nosec B608  # the reads' own SQL
            parts.append(part)
            offset += len(statement.slots)
        sql = _COMBINED[key] = "SELECT " + ", ".join(parts)
        if len(_COMBINED) > CACHE_SIZE:
            _COMBINED.popitem(last=False)
    else:
        _COMBINED.move_to_end(key)
    return sql


async def _check_together(reads: list[Bound], fetched: Fetched) -> None:
    """Each read's rows run together equal its rows run alone (not counted as the page's)."""
    with db.not_counted():
        for read in reads:
            alone = await read.run()
            together = await read.finish(list(fetched[(read.statement, read.args)]))
            if alone != together:
                raise ShapeMismatch(
                    f"rows read together differ from rows read alone: {read.statement.sql}\n"
                    f"together: {together!r}\nalone:    {alone!r}"
                )

"""What an inbox item can be: each domain declares the kinds of item it sends (``InboxKind``) and,
for each kind of record they point at, how a reader resolves them (``RecordSource``) through the
record's own scope. The domain registry installs both here.

An item stores only its code and a reference. Its line is made when it is shown, for the reader
as they are now: a record the reader may no longer see gives the kind's ``gone`` line, without a
name and without a link.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass

from portal.core.i18n import N_
from portal.visibility.viewer import Viewer


@dataclass(frozen=True)
class Target:
    """What a reader may see of one record now: a title already projected for them, and its page."""

    title: str
    href: str | None


Resolve = Callable[[Viewer, Sequence[int]], Awaitable[dict[int, Target]]]


@dataclass(frozen=True)
class RecordSource:
    name: str
    resolve: Resolve
    """Reads the records through their scope, in one query: the ids the reader may not see now
    are simply absent from the answer."""


GONE = N_("Something that concerned you is no longer shared with you.")


@dataclass(frozen=True)
class InboxKind:
    code: str
    record: str
    """The ``RecordSource`` its items point at."""
    line: str
    """Message id; ``%(record)s`` is the record's title, ``%(organisation)s`` the organisation."""
    gone: str = GONE
    """Message id shown when the reader may no longer see the record."""
    named: bool = True
    """Whether the line names the record; a kind that is about losing sight never does."""


_KINDS: dict[str, InboxKind] = {}
_SOURCES: dict[str, RecordSource] = {}


def install(kinds: Iterable[InboxKind], sources: Iterable[RecordSource]) -> None:
    """Called by the domain registry; a code and a record name belong to one declaration."""
    for source in sources:
        if source.name in _SOURCES and _SOURCES[source.name] != source:
            raise ValueError(f"inbox record {source.name!r} is declared twice")
        _SOURCES[source.name] = source
    for kind in kinds:
        if kind.code in _KINDS and _KINDS[kind.code] != kind:
            raise ValueError(f"inbox kind {kind.code!r} is declared twice")
        _KINDS[kind.code] = kind


def kind(code: str) -> InboxKind:
    try:
        return _KINDS[code]
    except KeyError:
        raise LookupError(f"no inbox kind {code!r} is installed") from None


def source(name: str) -> RecordSource:
    return _SOURCES[name]


def installed() -> dict[str, InboxKind]:
    return dict(_KINDS)

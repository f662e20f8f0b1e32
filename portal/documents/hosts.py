"""Records other than a client that documents can be attached to (a course, later a signal or an
evaluation): a domain declares an ``AttachmentHost`` in its ``Domain(attachment_hosts=...)``; the
registry installs it here.

An attachment is read by whoever the host's own policy lets see the host, when the attachment's
class is shown to them at that relation: the host's relation rule and scope are used as SQL, so
the rule is still written once, beside the host.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from typing import Any

from piccolo.table import Table

from portal.visibility.policy import Sensitivity
from portal.visibility.viewer import Viewer


@dataclass(frozen=True)
class AttachmentHost:
    kind: str
    """Stored in ``Document.host_kind``; also the path segment of its upload route."""
    table: type[Table]
    """A classified table with a declared record policy."""
    sensitivity: Sensitivity
    """The class of everything attached to this kind of record."""
    categories: tuple[str, ...]
    """Codes of ``workflow.CATEGORIES`` an attachment to it can have."""
    find: Callable[[Viewer, int], Awaitable[Any]]
    """The host as the viewer may see it (raises ``NotFoundException`` otherwise)."""
    may_attach: Callable[[Viewer, Any], bool]
    """Whether the viewer may attach to (and remove from) the host they see."""
    url: Callable[[int], str]
    """The host's page, where its attachments are listed."""
    title: Callable[[Any], str]


_HOSTS: dict[str, AttachmentHost] = {}


def install(hosts: Iterable[AttachmentHost]) -> None:
    for host in hosts:
        if host.kind in _HOSTS and _HOSTS[host.kind] is not host:
            raise ValueError(f"attachment host {host.kind!r} is declared twice")
        _HOSTS[host.kind] = host


def host(kind: str) -> AttachmentHost:
    return _HOSTS[kind]


def installed() -> tuple[AttachmentHost, ...]:
    return tuple(_HOSTS[kind] for kind in sorted(_HOSTS))

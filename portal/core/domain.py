"""What a domain package tells the registry (``portal/domains.py``) about itself.

This module knows no domain: each domain builds its own ``Domain`` in its ``domain.py``, and the
registry lists them, so adding a domain is a package and one line there.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any


def _no_routes(_settings: Any) -> Sequence[Any]:
    return ()


@dataclass(frozen=True)
class MenuItem:
    href: str
    label: str
    """Message id, translated when the menu is built."""
    shows: Callable[[Any], bool]
    """Whether the menu offers it to a viewer: never a link that would be refused."""
    order: int = 50


@dataclass(frozen=True)
class Domain:
    name: str
    routes: Callable[[Any], Sequence[Any]] = _no_routes
    """Settings -> the domain's route handlers (routers, controllers, handlers)."""
    piccolo_app: str | None = None
    """Dotted path of the module holding the domain's Piccolo ``APP_CONFIG``."""
    tables: tuple[type, ...] = ()
    """The domain's tables, those that refer to others first (the order tests empty them in)."""
    menu: tuple[MenuItem, ...] = ()
    event_kinds: tuple[Any, ...] = ()
    """``portal.timeline.kinds.EventKind`` declarations of the codes the domain writes."""
    record_policies: tuple[Any, ...] = field(default=())
    """``portal.visibility.records.RecordPolicy`` of each classified table the domain owns."""
    file_panels: tuple[Any, ...] = ()
    """``portal.clients.panels.FilePanel``: what the domain shows in a client file's header."""
    attachment_hosts: tuple[Any, ...] = ()
    """``portal.documents.hosts.AttachmentHost``: records of the domain documents attach to."""
    inbox_kinds: tuple[Any, ...] = ()
    """``portal.notifications.kinds.InboxKind``: the inbox items the domain sends."""
    inbox_records: tuple[Any, ...] = ()
    """``portal.notifications.kinds.RecordSource``: how a reader resolves the domain's records
    an inbox item points at."""

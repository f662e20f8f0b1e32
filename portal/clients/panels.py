"""Panels other domains add to a client file's header (the trajectory, courses): each reads its
own records through the viewer's scope and hands the page a view, or nothing to show.

Domains declare their panels in their ``Domain``; the registry installs them here, so the client
page shows them without importing those domains.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from portal.clients.visibility import ClientView
from portal.core.prepared import Bound
from portal.visibility.viewer import Viewer


@dataclass(frozen=True)
class FilePanel:
    name: str
    template: str
    """Included in the header with ``panel`` (the view ``load`` returned) and ``client``."""
    load: Callable[[Viewer, ClientView], Awaitable[Any | None]]
    """The panel's view for this viewer and client, or ``None`` when it shows nothing."""
    order: int = 50
    notices: Mapping[str, str] = field(default_factory=dict)
    """``?done=<key>`` after one of the panel's changes → the message id the page confirms with."""
    reads: Callable[[Viewer, ClientView], Iterable[Bound]] = lambda _viewer, _client: ()
    """The prepared reads ``load`` makes, so the page can run them all in one round trip
    (``portal.core.prepared.fetch``); a read missing here still runs, on its own."""


@dataclass(frozen=True)
class LoadedPanel:
    name: str
    template: str
    view: Any


_PANELS: dict[str, FilePanel] = {}


def install(panels: Iterable[FilePanel]) -> None:
    for panel in panels:
        if panel.name in _PANELS and _PANELS[panel.name] != panel:
            raise ValueError(f"file panel {panel.name!r} is declared twice")
        _PANELS[panel.name] = panel


def notice(done: str) -> str | None:
    return next((p.notices[done] for p in _PANELS.values() if done in p.notices), None)


def reads_for(viewer: Viewer, client: ClientView) -> list[Bound]:
    return [read for panel in _PANELS.values() for read in panel.reads(viewer, client)]


async def panels_for(viewer: Viewer, client: ClientView) -> list[LoadedPanel]:
    loaded = []
    for panel in sorted(_PANELS.values(), key=lambda item: (item.order, item.name)):
        view = await panel.load(viewer, client)
        if view is not None:
            loaded.append(LoadedPanel(panel.name, panel.template, view))
    return loaded

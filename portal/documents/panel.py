"""The documents in a client file's header: the current version of each the viewer may read, and
whether they may add one."""

from __future__ import annotations

from dataclasses import dataclass

from portal.clients.panels import FilePanel
from portal.clients.visibility import ClientView
from portal.core.i18n import N_
from portal.documents.services import Choices, Target, choices, documents_of, panel_read
from portal.documents.visibility import DocumentView
from portal.visibility.viewer import Viewer

SHOWN = 8
"""The newest documents the header lists; the rest are one link away."""


@dataclass(frozen=True)
class DocumentsPanel:
    documents: list[DocumentView]
    choices: Choices
    total: int

    @property
    def more(self) -> int:
        return self.total - len(self.documents)


async def documents_panel(viewer: Viewer, client: ClientView) -> DocumentsPanel | None:
    target = Target(client=client)
    documents = await documents_of(viewer, target)
    allowed = choices(viewer, target)
    if not documents and not allowed:
        return None
    return DocumentsPanel(documents=documents[:SHOWN], choices=allowed, total=len(documents))


NOTICES = {
    "document": N_("The document has been added."),
    "document-removed": N_("The document has been removed; the timeline says so."),
}

PANEL = FilePanel(
    "documents",
    "documents/_panel.html",
    documents_panel,
    order=40,
    notices=NOTICES,
    reads=lambda viewer, client: [panel_read(viewer, client)],
)

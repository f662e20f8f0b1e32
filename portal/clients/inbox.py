"""Inbox items about a client file itself, and how a reader resolves a client or a record about a
client: through the record's scope, with the client's name as the reader's relation shows it."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from portal.clients.tables import Client
from portal.clients.visibility import client_of_row
from portal.core.i18n import N_
from portal.notifications.kinds import InboxKind, RecordSource, Target
from portal.visibility.records import visible_to
from portal.visibility.viewer import Viewer

RECORD = "client"
HOLDER = "file.holder"
JOINED = "file.joined_team"
LEFT = "file.left_team"
UNSHARED = "file.unshared"


async def _clients(viewer: Viewer, ids: Sequence[int]) -> dict[int, Target]:
    scope = visible_to(viewer, Client)
    rows = await scope.select(Client.id, Client.first_name, Client.last_name).where(
        Client.id.is_in(list(ids))
    )
    return {
        view.id: Target(view.full_name, f"/clients/{view.id}") for view in scope.project_all(rows)
    }


async def resolve_about_clients(
    viewer: Viewer,
    table: Any,
    ids: Sequence[int],
    columns: Sequence[Any],
    title: Callable[[Any], str],
    href: Callable[[Any], str],
) -> dict[int, Target]:
    """Records of a client-bound ``table`` (or about no client at all), read through its scope in
    one query; ``columns`` include ``client.first_name`` and ``client.last_name``, and each title
    ends with the client's name where there is a client."""
    scope = visible_to(viewer, table)
    rows = await scope.select(*columns).where(table.id.is_in(list(ids)))
    targets = {}
    for row in rows:
        view = scope.project(row)
        if view is None:
            continue
        text = title(view)
        if row["client"] is not None:
            client = client_of_row(viewer, row)
            if client is None:
                continue
            text = f"{text} · {client.full_name}"
        targets[row["id"]] = Target(text, href(view))
    return targets


SOURCES = (RecordSource(RECORD, _clients),)
KINDS = (
    InboxKind(HOLDER, RECORD, N_("You are now the file holder of %(record)s.")),
    InboxKind(JOINED, RECORD, N_("You were added to the care team of %(record)s.")),
    InboxKind(
        LEFT,
        RECORD,
        N_("You are no longer in the care team of %(record)s."),
        gone=N_("You are no longer in the care team of a file you accompanied."),
    ),
    InboxKind(
        UNSHARED,
        RECORD,
        N_("A file you accompanied is no longer shared with %(organisation)s."),
        named=False,
    ),
)

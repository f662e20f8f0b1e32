"""Inbox items about transfers: they point at the transfer (read through its own policy), so the
former OCMW's file holder is told of the outcome although the client is no longer theirs."""

from __future__ import annotations

from collections.abc import Sequence

from portal.core.i18n import N_
from portal.notifications.kinds import InboxKind, RecordSource, Target
from portal.transfers.tables import Transfer
from portal.visibility.records import visible_to
from portal.visibility.viewer import Viewer

RECORD = "transfer"
PROPOSED = "transfer.proposed"
ACCEPTED = "transfer.accepted"
REFUSED = "transfer.refused"
WITHDRAWN = "transfer.withdrawn"


async def _transfers(viewer: Viewer, ids: Sequence[int]) -> dict[int, Target]:
    scope = visible_to(viewer, Transfer)
    rows = await scope.select(
        Transfer.id,
        Transfer.client,
        Transfer.from_ocmw,
        Transfer.to_ocmw,
        Transfer.state,
        Transfer.proposed_at,
        Transfer.summary,
    ).where(Transfer.id.is_in(list(ids)))
    return {
        view.id: Target(view.client_name, f"/transfers/{view.id}")
        for view in scope.project_all(rows)
    }


SOURCES = (RecordSource(RECORD, _transfers),)
KINDS = (
    InboxKind(
        PROPOSED,
        RECORD,
        N_("%(organisation)s proposes to transfer the file of %(record)s to your OCMW."),
    ),
    InboxKind(
        ACCEPTED,
        RECORD,
        N_("%(organisation)s accepted the transfer of %(record)s: the file moved."),
    ),
    InboxKind(REFUSED, RECORD, N_("%(organisation)s refused the transfer of %(record)s.")),
    InboxKind(WITHDRAWN, RECORD, N_("%(organisation)s withdrew the transfer of %(record)s.")),
)

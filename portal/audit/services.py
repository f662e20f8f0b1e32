"""The access log: who opened which client file and which sensitive classes they were shown."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from portal.audit.tables import AccessLogEntry
from portal.visibility.policy import Sensitivity
from portal.visibility.viewer import Viewer

LOGGED_CLASSES = frozenset({Sensitivity.identity, Sensitivity.social, Sensitivity.health})


REASON_STATED = "client.reason_stated"


async def record_access(
    viewer: Viewer,
    client_id: int | None,
    action: str,
    revealed: Iterable[Sensitivity],
    *,
    reason: str = "",
    subject: str = "",
) -> None:
    sensitive = sorted(cls.value for cls in revealed if cls in LOGGED_CLASSES)
    await AccessLogEntry.insert(
        AccessLogEntry(
            at=dt.datetime.now(dt.UTC),
            person=viewer.person_id,
            client_id=client_id,
            action=action,
            revealed=",".join(sensitive),
            reason=reason,
            subject=subject,
        )
    )

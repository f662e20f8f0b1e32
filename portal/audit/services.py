"""The access log: who opened which client file and which sensitive classes they were shown."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from portal.audit import chain, context
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
    """One entry of the access log, chained, in the caller's unit of work or its own: an access
    whose entry cannot be written fails (no reveal without its record)."""
    sensitive = sorted(cls.value for cls in revealed if cls in LOGGED_CLASSES)
    facts = context.current()
    await chain.append(
        {
            "at": dt.datetime.now(dt.UTC),
            "person": viewer.person_id,
            "organisation": viewer.org_id,
            "roles": ",".join(sorted(role.value for role in viewer.roles)),
            "client_id": client_id,
            "action": action,
            "revealed": ",".join(sensitive),
            "reason": reason,
            "subject": subject,
            "request_id": facts.request_id,
            "cross_site": facts.cross_site,
        }
    )

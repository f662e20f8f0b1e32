"""The access log: who opened which client file and which sensitive classes they were shown."""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Iterable

from portal.audit import chain, context
from portal.core.db import unit_in_progress
from portal.visibility.policy import Sensitivity
from portal.visibility.viewer import Viewer

LOGGED_CLASSES = frozenset({Sensitivity.identity, Sensitivity.social, Sensitivity.health})


REASON_STATED = "client.reason_stated"
REFUSED = "client.refused"
LISTED = "client.listed"


def _entry(
    viewer: Viewer,
    client_id: int | None,
    action: str,
    revealed: Iterable[Sensitivity] = (),
    *,
    reason: str = "",
    subject: str = "",
    at: dt.datetime | None = None,
) -> dict[str, object]:
    facts = context.current()
    return {
        "at": at or dt.datetime.now(dt.UTC),
        "person": viewer.person_id,
        "organisation": viewer.org_id,
        "roles": ",".join(sorted(role.value for role in viewer.roles)),
        "client_id": client_id,
        "action": action,
        "revealed": ",".join(sorted(cls.value for cls in revealed if cls in LOGGED_CLASSES)),
        "reason": reason,
        "subject": subject,
        "request_id": facts.request_id,
        "cross_site": facts.cross_site,
    }


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
    await chain.append(_entry(viewer, client_id, action, revealed, reason=reason, subject=subject))


async def record_refusal(viewer: Viewer, client_id: int) -> None:
    """A person asked for a client that exists and was refused (404). The entry stands even
    when the work that asked is rolled back: inside a unit of work it is written once that ends."""
    unit = unit_in_progress()
    if unit is None:
        await record_access(viewer, client_id, REFUSED, ())
    else:
        unit.at_end(functools.partial(record_access, viewer, client_id, REFUSED, ()))


async def record_listing(viewer: Viewer, client_ids: Iterable[int], *, search: bool) -> None:
    """Clients a person saw in a list (``search``: the result of a search, whose words are not
    kept): one entry in each client's chain, written together."""
    now = dt.datetime.now(dt.UTC)
    subject = "search" if search else "list"
    await chain.append_many(
        [_entry(viewer, client_id, LISTED, subject=subject, at=now) for client_id in client_ids]
    )

"""The sweep: objects in the store that no document row names, older than an hour, are orphans
(an upload whose row was never written, a write cut off by a crash). Younger ones may belong to
an upload still on its way to the database, so they are left alone."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from portal.core.storage import DocumentStore, StoredObject, in_thread
from portal.documents.tables import Document
from portal.visibility.scoping import unscoped

GRACE = dt.timedelta(hours=1)


@dataclass
class SweepReport:
    removed: list[StoredObject] = field(default_factory=list)
    kept: int = 0
    """Objects a document row names."""
    young: int = 0
    """Unnamed objects within the grace period."""


async def sweep(
    store: DocumentStore, *, older_than: dt.timedelta = GRACE, now: dt.datetime | None = None
) -> SweepReport:
    moment = now or dt.datetime.now(dt.UTC)
    objects = await in_thread(lambda: list(store.objects()))
    with unscoped("the sweep compares object keys, it shows nothing to anyone"):
        rows = await Document.select(Document.object_key)
    known = {row["object_key"] for row in rows}
    report = SweepReport()
    for stored in objects:
        if stored.key in known:
            report.kept += 1
        elif moment - stored.modified < older_than:
            report.young += 1
        else:
            await in_thread(store.delete, stored.key)
            report.removed.append(stored)
    return report

"""The review list of OCMW Zottegem for the demo's quarter, in progress: opened by Sofie, some
clients marked ready, some not yet (Dutch classes, preconditions), one for a health reason (by
that client's file holder, who alone may write and read it), the rest still to mark."""

from __future__ import annotations

import datetime as dt

from portal.demo.story import REFERENCE
from portal.review import services
from portal.review.workflow import NOT_YET, READY
from portal.visibility.policy import Relation
from portal.visibility.viewer import Viewer

OPENED = REFERENCE - dt.timedelta(days=12)
TEAM = ("sw.zottegem", "sw2.zottegem")
NOT_YET_REASONS = (
    ("dutch", "Volgt Nederlands richtgraad 1.2 bij het CVO tot eind januari."),
    (
        "preconditions",
        "Geen kinderopvang voor de jongste tot februari; zoekt mee met Kind en Gezin.",
    ),
    ("dutch", "Wacht op een plaats in de avondcursus Nederlands."),
)
HEALTH_REASON = "Start een ambulante behandeling voor zijn verslaving; eerst stabiliseren."


async def tell(actors: dict[str, Viewer], _files: dict[str, int]) -> None:
    opener = actors[TEAM[0]]
    round_id = await services.open_round(opener, today=REFERENCE.date(), at=OPENED)
    page = await services.round_page(opener, round_id, today=REFERENCE.date())
    moment = OPENED + dt.timedelta(hours=2)
    health_written = False
    ready = not_yet = 0
    for row in page.rows:
        holder = next(
            (a for a in (actors[name] for name in TEAM) if a.person_id == row.client.file_holder),
            opener,
        )
        moment += dt.timedelta(minutes=37)
        if not health_written and row.item.relation is Relation.file_holder:
            fields = {"decision": NOT_YET, "reason_kind": "health", "reason": HEALTH_REASON}
            health_written = True
        elif ready < 4:
            fields = {"decision": READY}
            ready += 1
        elif not_yet < len(NOT_YET_REASONS):
            kind, reason = NOT_YET_REASONS[not_yet]
            fields = {"decision": NOT_YET, "reason_kind": kind, "reason": reason}
            not_yet += 1
        else:
            break
        await services.mark_item(holder, row.item.id, fields, at=moment)

"""The administrators' actions: their codes, how the log reads them, and the one writer of the log.

Every admin write records itself with ``record(...)`` inside the unit of work of the change, so the
change and its line in the "Beheerlog" commit together or not at all. A line names organisations,
partnerships and people (names, codes, usernames, counts), never client content.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from portal.admin.tables import AdminAction
from portal.core.db import current_unit_of_work
from portal.core.i18n import N_
from portal.visibility.viewer import Viewer

ORGANISATION_CREATED = "organisation.created"
ORGANISATION_UPDATED = "organisation.updated"
PARTNERSHIP_CREATED = "partnership.created"
PARTNERSHIP_UPDATED = "partnership.updated"
PARTNERSHIP_DELETED = "partnership.deleted"
PERSON_DEACTIVATED = "person.deactivated"
PERSON_REACTIVATED = "person.reactivated"
SIGNAL_THEME_CREATED = "signal_theme.created"
SIGNAL_THEME_UPDATED = "signal_theme.updated"
SIGNAL_ROUTE_CREATED = "signal_route.created"
SIGNAL_ROUTE_UPDATED = "signal_route.updated"
SIGNAL_ROUTE_DELETED = "signal_route.deleted"
QUESTION_DEADLINE_CHANGED = "question_deadline.changed"

LABELS = {
    ORGANISATION_CREATED: N_("Organisation created"),
    ORGANISATION_UPDATED: N_("Organisation changed"),
    PARTNERSHIP_CREATED: N_("Partnership created"),
    PARTNERSHIP_UPDATED: N_("Partnership changed"),
    PARTNERSHIP_DELETED: N_("Partnership deleted"),
    PERSON_DEACTIVATED: N_("Person deactivated"),
    PERSON_REACTIVATED: N_("Person reactivated"),
    SIGNAL_THEME_CREATED: N_("Signal theme added"),
    SIGNAL_THEME_UPDATED: N_("Signal theme changed"),
    SIGNAL_ROUTE_CREATED: N_("Signal routing added"),
    SIGNAL_ROUTE_UPDATED: N_("Signal routing changed"),
    SIGNAL_ROUTE_DELETED: N_("Signal routing removed"),
    QUESTION_DEADLINE_CHANGED: N_("Referral question deadlines changed"),
}
"""Action code -> what the log calls it (a message id, translated when the page is made)."""

FIELD_LABELS = {
    "name": N_("Name"),
    "code": N_("Code"),
    "kind": N_("Kind"),
    "ocmw": N_("OCMW"),
    "partner": N_("Partner organisation"),
    "vdab": N_("VDAB team"),
    "files_to_reassign": N_("Files that need a new file holder"),
    "deadline": N_("Working days to a first response"),
    "active": N_("Offered on the form"),
    "position": N_("Order"),
    "municipality": N_("Municipality"),
    "deadline_trajectory": N_("Working days to answer a question on a VDAB trajectory"),
    "deadline_training_advice": N_("Working days to answer a question for training advice"),
    "deadline_invitation": N_("Working days to answer a question on an invitation"),
    "deadline_other": N_("Working days to answer another question"),
}
"""The keys of ``AdminAction.changes`` and how the log names them."""


@dataclass(frozen=True)
class Target:
    kind: str
    """``organisation``, ``partnership``, ``person``, ``signal_theme``, ``signal_route`` or
    ``question_deadline`` (the deadlines of every type of question at once, id 0)."""
    id: int
    summary: str
    """How it was called at the time: a name with its code, a username."""
    organisations: tuple[int, ...]
    """The organisations the action concerns (their administrators see it)."""


def changed(before: Mapping[str, Any], after: Mapping[str, Any]) -> dict[str, list[Any]]:
    """``{field: [before, after]}`` for each field of ``after`` whose value differs."""
    return {
        name: [before.get(name), value]
        for name, value in after.items()
        if before.get(name) != value
    }


async def record(
    actor: Viewer | None,
    action: str,
    target: Target,
    changes: Mapping[str, Any] | None = None,
) -> None:
    """Write the log line of an admin action; only inside the unit of work of the change itself.

    ``actor`` is ``None`` for the command line (``portal add-organisation``, the demo loader).
    """
    if action not in LABELS:
        raise ValueError(f"unknown admin action {action!r}")
    current_unit_of_work()  # raises outside one: the line must commit with the change
    await AdminAction(
        at=dt.datetime.now(dt.UTC),
        actor=actor.person_id if actor else None,
        actor_org=actor.org_id if actor else None,
        action=action,
        target_kind=target.kind,
        target_id=target.id,
        summary=target.summary[:300],
        changes=dict(changes or {}),
        organisations=sorted(set(_organisations(target.organisations))),
    ).save()


def _organisations(ids: Iterable[int | None]) -> list[int]:
    return [int(org_id) for org_id in ids if org_id is not None]

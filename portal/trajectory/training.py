"""Training requests: asking for one, and moving it through ``workflow.TRANSITIONS``.

Who may make a move is data (``Transition.by``); a move that is impossible from the request's state
or not the person's to make is refused with a message, and nothing is written.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

from portal.accounts.tables import OrgKind
from portal.clients.changes import Invalid
from portal.clients.services import find_client, team_to_tell
from portal.core.db import unit_of_work
from portal.core.i18n import gettext_ as _
from portal.core.templating import local_time
from portal.notifications.services import notify
from portal.timeline.services import append
from portal.trajectory import events, forms, inbox
from portal.trajectory.services import actors_of, find_request, may_request
from portal.trajectory.tables import TrainingRequest
from portal.trajectory.workflow import FIRST_STATE, STATE_BY_CODE, TARGETS, transition
from portal.visibility.viewer import Viewer

TITLE_MAX, NOTE_MAX, REASON_MAX = 200, 2000, 2000
LATEST_START_YEARS = 3


async def request_training(
    actor: Viewer, client_id: int, fields: Mapping[str, str], *, at: dt.datetime | None = None
) -> int:
    """The file holder, or a toeleider or mediator of the care team, asks for a training:
    ``course`` (title), ``provider`` and an optional ``note``."""
    client = await find_client(actor, client_id)
    if not may_request(await actors_of(actor, client)):
        raise forms.refused(
            _(
                "Only the file holder or a toeleider or mediator of the care team "
                "asks for a training."
            )
        )
    course, provider = forms.text(fields, "course"), forms.text(fields, "provider")
    note = forms.long_text(fields, "note")
    errors: dict[str, str] = {}
    if not course:
        errors["course"] = _("Enter the title of the training.")
    elif len(course) > TITLE_MAX:
        errors["course"] = forms.too_long(TITLE_MAX)
    if not provider:
        errors["provider"] = _("Enter who provides the training.")
    elif len(provider) > TITLE_MAX:
        errors["provider"] = forms.too_long(TITLE_MAX)
    if len(note) > NOTE_MAX:
        errors["note"] = forms.too_long(NOTE_MAX)
    if errors:
        raise Invalid(errors)
    moment = at or dt.datetime.now(dt.UTC)
    async with unit_of_work():
        row = TrainingRequest(
            client=client_id,
            course=course,
            provider=provider,
            note=note,
            state=FIRST_STATE,
            requested_by=actor.person_id,
            requested_at=moment,
            changed_by=actor.person_id,
            changed_at=moment,
        )
        await row.save()
        await append(
            client_id,
            events.TRAINING_REQUESTED,
            actor=actor,
            payload={"course": course, "provider": provider},
            text=note,
            occurred_at=moment,
        )
        await _tell(actor, client_id, int(row.id), FIRST_STATE, moment)
    return int(row.id)


async def _tell(
    actor: Viewer, client_id: int, request_id: int, state: str, moment: dt.datetime
) -> None:
    """The care team hears of the request; whoever must take its next step (the file holder's
    agreement, then the approval of the team's VDAB mediators) hears that it waits for them."""
    team = await team_to_tell(client_id)
    if state == "requested":
        waits = {team.holder}
    elif state == "ocmw_agreed":
        waits = set(team.of_kind(OrgKind.vdab.value))
    else:
        waits = set()
    others = set(team.members) - waits
    await notify(waits - {actor.person_id}, inbox.WAITING, request_id, at=moment)
    await notify(others - {actor.person_id}, inbox.CHANGED, request_id, at=moment)


def local_day(moment: dt.datetime) -> dt.date:
    return local_time(moment).date()


def _start(fields: Mapping[str, str], requested_at: dt.datetime) -> dt.date:
    try:
        start = forms.day(fields, "start_date")
    except ValueError:
        raise Invalid(
            {"start_date": _("Enter the start date as a date, for example 2027-01-11.")}
        ) from None
    if start is None:
        raise Invalid({"start_date": _("Enter the date the training starts.")})
    requested = requested_at.date()
    if start < requested or start.year > requested.year + LATEST_START_YEARS:
        raise Invalid({"start_date": _("The start date lies before the request or too far ahead.")})
    return start


async def move_training(
    actor: Viewer, request_id: int, fields: Mapping[str, str], *, at: dt.datetime | None = None
) -> int:
    """Move a request to ``to``, with ``reason`` (refused, stopped) or ``start_date``
    (scheduled) as the move needs; the client's id comes back."""
    request, client = await find_request(actor, request_id)
    target = fields.get("to", "")
    if target not in TARGETS:
        raise Invalid({"to": _("Choose what happens to the request.")})
    move = transition(request.state, target)
    if move is None:
        raise Invalid(
            {
                "to": _("A request that is “%(state)s” cannot become “%(target)s”.")
                % {
                    "state": _(STATE_BY_CODE[request.state].label),
                    "target": _(STATE_BY_CODE[target].label),
                }
            }
        )
    if not move.by & await actors_of(actor, client):
        raise forms.refused(_(move.refused_to))
    reason = forms.long_text(fields, "reason")
    if move.needs_reason and len(reason) < 3:
        raise Invalid({"reason": _("Say in a few words why.")})
    if len(reason) > REASON_MAX:
        raise Invalid({"reason": forms.too_long(REASON_MAX)})
    start = _start(fields, request.requested_at) if move.needs_start else None
    moment = at or dt.datetime.now(dt.UTC)
    if target == "started" and request.start_date and request.start_date > local_day(moment):
        raise Invalid(
            {
                "to": _("The training starts on %(day)s: mark it started from that day on.")
                % {"day": request.start_date.strftime("%d-%m-%Y")}
            }
        )
    changes: dict[object, object] = {
        TrainingRequest.state: target,
        TrainingRequest.changed_by: actor.person_id,
        TrainingRequest.changed_at: moment,
    }
    if start is not None:
        changes[TrainingRequest.start_date] = start
    if move.needs_reason:
        changes[TrainingRequest.reason] = reason
    async with unit_of_work():
        moved = await (
            TrainingRequest.update(changes)  # type: ignore[arg-type]
            .where((TrainingRequest.id == request_id) & (TrainingRequest.state == request.state))
            .returning(TrainingRequest.id)
        )
        if not moved:
            raise Invalid({"to": _("Someone changed this request meanwhile. Look again.")})
        if start is not None:
            code = events.TRAINING_SCHEDULED
            payload = {"course": request.course, "start": start.strftime("%d-%m-%Y")}
        else:
            code, payload = events.TRAINING_MOVED, {"course": request.course, "state": target}
        text = reason if move.needs_reason else ""
        await append(client.id, code, actor=actor, payload=payload, text=text, occurred_at=moment)
        await _tell(actor, client.id, request_id, target, moment)
    return client.id

"""Interview invitations: a mediator of the partnership's VDAB team invites the client; the care
team sees it in the file's header until it has passed."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

from portal.clients.changes import Invalid
from portal.clients.services import find_client, team_to_tell
from portal.core.db import unit_of_work
from portal.core.i18n import gettext_ as _
from portal.core.templating import local_time
from portal.notifications.services import notify
from portal.timeline.inbox import INVITATION
from portal.timeline.services import append
from portal.trajectory import events, forms
from portal.trajectory.services import actors_of
from portal.trajectory.tables import Invitation
from portal.trajectory.workflow import Actor
from portal.visibility.viewer import Viewer

PLACE_MAX = 300
FURTHEST = dt.timedelta(days=366)


async def invite(
    actor: Viewer, client_id: int, fields: Mapping[str, str], *, now: dt.datetime | None = None
) -> int:
    """``at`` (Belgian time, ``YYYY-MM-DDTHH:MM``, after ``now``) and ``place`` (an address or a
    video link)."""
    client = await find_client(actor, client_id)
    if Actor.vdab not in await actors_of(actor, client):
        raise forms.refused(_("Only a mediator of the partnership's VDAB team sends invitations."))
    moment = now or dt.datetime.now(dt.UTC)
    errors: dict[str, str] = {}
    at: dt.datetime | None = None
    try:
        at = forms.moment(fields, "at")
    except ValueError:
        errors["at"] = _("Enter the date and time, for example 2026-12-14T09:30.")
    if at is None and "at" not in errors:
        errors["at"] = _("Enter when the interview takes place.")
    elif at is not None and not moment < at <= moment + FURTHEST:
        errors["at"] = _("The interview must lie in the coming year.")
    place = forms.text(fields, "place")
    if not place:
        errors["place"] = _("Enter the address or the link of the video call.")
    elif len(place) > PLACE_MAX:
        errors["place"] = forms.too_long(PLACE_MAX)
    if errors or at is None:
        raise Invalid(errors)
    async with unit_of_work():
        row = Invitation(
            client=client_id,
            at=at,
            place=place,
            invited_by=actor.person_id,
            organisation=actor.org_id,
            created_at=moment,
        )
        await row.save()
        event_id = await append(
            client_id,
            events.INVITED,
            actor=actor,
            payload={"when": local_time(at).strftime("%d-%m-%Y %H:%M"), "place": place},
            occurred_at=moment,
        )
        team = await team_to_tell(client_id)
        await notify(set(team.members) - {actor.person_id}, INVITATION, event_id, at=moment)
    return int(row.id)

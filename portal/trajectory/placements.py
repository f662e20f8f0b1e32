"""Art. 60 placements, recorded and kept up to date by the file holder: the optional
pre-trajectory, the work site and hours, the follow-up after it and the outflow that ends it."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import asdict, dataclass

from portal.clients.changes import Invalid
from portal.clients.services import find_client
from portal.core.db import unit_of_work
from portal.core.i18n import gettext_ as _
from portal.timeline.services import append
from portal.trajectory import events, forms
from portal.trajectory.services import current_placement
from portal.trajectory.tables import Placement
from portal.trajectory.workflow import MAX_HOURS_PER_WEEK, OUTFLOWS, PRE_KINDS
from portal.visibility.policy import Relation
from portal.visibility.viewer import Viewer

SITE_MAX, FOLLOW_UP_MAX = 200, 4000
_DATE = "Enter the date as a date, for example 2026-09-01."


@dataclass(frozen=True)
class PlacementForm:
    pre_kind: str
    pre_days_per_week: int | None
    pre_start: dt.date | None
    pre_end: dt.date | None
    work_site: str
    start: dt.date
    end: dt.date | None
    hours_per_week: int | None
    follow_up: str
    outflow: str


def _dates(fields: Mapping[str, str], errors: dict[str, str], *names: str) -> list[dt.date | None]:
    found: list[dt.date | None] = []
    for name in names:
        try:
            found.append(forms.day(fields, name))
        except ValueError:
            errors[name] = _(_DATE)
            found.append(None)
    return found


def _number(
    fields: Mapping[str, str], errors: dict[str, str], name: str, top: int, message: str
) -> int | None:
    try:
        number = forms.whole_number(fields, name)
    except ValueError:
        number = 0
    if number is not None and not 1 <= number <= top:
        errors[name] = message
    return number


def placement_from(fields: Mapping[str, str]) -> PlacementForm:
    errors: dict[str, str] = {}
    pre_kind = fields.get("pre_kind", "")
    if pre_kind and pre_kind not in PRE_KINDS:
        errors["pre_kind"] = _("Choose an internship, volunteering or no pre-trajectory.")
    pre_start, pre_end, start, end = _dates(fields, errors, "pre_start", "pre_end", "start", "end")
    pre_days = _number(
        fields, errors, "pre_days_per_week", 5, _("Enter a number of days from 1 to 5.")
    )
    hours = _number(
        fields,
        errors,
        "hours_per_week",
        MAX_HOURS_PER_WEEK,
        _("Enter a number of hours from 1 to 38."),
    )
    if pre_kind and pre_days is None and "pre_days_per_week" not in errors:
        errors["pre_days_per_week"] = _("Enter how many days a week the pre-trajectory takes.")
    if pre_start and pre_end and pre_end < pre_start:
        errors["pre_end"] = _("The end lies before the start.")
    work_site = forms.text(fields, "work_site")
    if not work_site:
        errors["work_site"] = _("Enter the work site.")
    elif len(work_site) > SITE_MAX:
        errors["work_site"] = forms.too_long(SITE_MAX)
    if start is None and "start" not in errors:
        errors["start"] = _("Enter the day the placement starts.")
    if start and end and end < start:
        errors["end"] = _("The end lies before the start.")
    follow_up = forms.long_text(fields, "follow_up")
    if len(follow_up) > FOLLOW_UP_MAX:
        errors["follow_up"] = forms.too_long(FOLLOW_UP_MAX)
    outflow = fields.get("outflow", "")
    if outflow and outflow not in OUTFLOWS:
        errors["outflow"] = _("Choose a regular job, a training or no outflow.")
    if outflow and end is None and "end" not in errors:
        errors["end"] = _("Enter the day the placement ended.")
    if errors or start is None:
        raise Invalid(errors)
    return PlacementForm(
        pre_kind=pre_kind,
        pre_days_per_week=pre_days if pre_kind else None,
        pre_start=pre_start if pre_kind else None,
        pre_end=pre_end if pre_kind else None,
        work_site=work_site,
        start=start,
        end=end,
        hours_per_week=hours,
        follow_up=follow_up,
        outflow=outflow,
    )


async def record_placement(
    actor: Viewer, client_id: int, fields: Mapping[str, str], *, at: dt.datetime | None = None
) -> None:
    """The file holder records an art. 60 placement, or updates the one that runs; setting its
    outflow ends it (a later placement starts a new record)."""
    client = await find_client(actor, client_id)
    if client.relation is not Relation.file_holder:
        raise forms.refused(_("Only the file holder records an art. 60 placement."))
    form = placement_from(fields)
    moment = at or dt.datetime.now(dt.UTC)
    running = await current_placement(actor, client)
    values = asdict(form)
    site = {"site": form.work_site}
    async with unit_of_work():
        if running is not None and running.running:
            await Placement.update(
                {getattr(Placement, name): value for name, value in values.items()}
                | {Placement.changed_at: moment}
            ).where(Placement.id == running.id)
            if form.outflow:
                code, payload = events.PLACEMENT_ENDED, site | {"outflow": form.outflow}
            else:
                code, payload = events.PLACEMENT_CHANGED, site
        else:
            await Placement(
                client=client_id,
                recorded_by=actor.person_id,
                recorded_at=moment,
                changed_at=moment,
                **values,
            ).save()
            code, payload = (
                events.PLACEMENT_RECORDED,
                site | {"start": form.start.strftime("%d-%m-%Y")},
            )
        await append(client_id, code, actor=actor, payload=payload, occurred_at=moment)

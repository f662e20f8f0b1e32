"""``GET /clients/{id}/access-log`` ("Wie heeft dit dossier bekeken?") and ``GET /access-log``
(one's own recent accesses)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from litestar import Request, Response, get
from litestar.di import NamedDependency
from litestar.exceptions import ClientException
from litestar.params import QueryParameter

from portal.audit import log
from portal.clients.services import find_client
from portal.core.i18n import gettext_ as _
from portal.core.params import RecordId
from portal.core.templating import render
from portal.timeline.services import BadCursor, Cursor
from portal.visibility.labels import ROLE_LABELS, SENSITIVITY_LABELS
from portal.visibility.viewer import Viewer

Text = Annotated[str | None, QueryParameter(max_length=40)]
Before = Annotated[str | None, QueryParameter(name="before", max_length=80)]


def _cursor(raw: str | None) -> Cursor | None:
    try:
        return Cursor.decode(raw)
    except BadCursor:
        raise ClientException("not a cursor of this portal") from None


def _number(raw: str | None) -> int | None:
    return int(raw) if raw and raw.isdigit() and len(raw) < 10 else None


def _day(raw: str | None, name: str, errors: dict[str, str]) -> dt.date | None:
    if not raw:
        return None
    try:
        return dt.date.fromisoformat(raw)
    except ValueError:
        errors[name] = _("Give a date as dd-mm-yyyy.")
        return None


LABELS = {
    "actions": log.ACTION_LABELS,
    "kinds": {code: label for code, (label, _actions) in log.KINDS.items()},
    "roles": {role.value: label for role, label in ROLE_LABELS.items()},
    "classes": {cls.value: label for cls, label in SENSITIVITY_LABELS.items()},
}


@get("/clients/{client_id:int}/access-log", name="client_access_log")
async def client_access_log(
    request: Request,
    viewer: NamedDependency[Viewer],
    client_id: RecordId,
    person: Text = None,
    organisation: Text = None,
    kind: Text = None,
    since: Annotated[str | None, QueryParameter(name="from", max_length=20)] = None,
    until: Annotated[str | None, QueryParameter(name="to", max_length=20)] = None,
    before: Before = None,
) -> Response[str]:
    """Who looked at this file: for its file holder and their OCMW's coordinator (404 for
    everyone else)."""
    client = await find_client(viewer, client_id)
    errors: dict[str, str] = {}
    filters = log.Filters(
        person=_number(person),
        organisation=_number(organisation),
        kind=kind if kind in log.KINDS else None,
        since=_day(since, "from", errors),
        until=_day(until, "to", errors),
    )
    if filters.since and filters.until and filters.since > filters.until:
        errors["to"] = _("The end of the period comes before its start.")
    page = await log.file_log(viewer, client, filters, _cursor(before))
    return render(
        request,
        "audit/file_log.html",
        {
            "client": client,
            "page": page,
            "errors": errors,
            "typed": {"from": since or "", "to": until or ""},
            "labels": LABELS,
            "kinds": log.KINDS,
            "break_glass": log.BREAK_THE_GLASS,
        },
        status_code=422 if errors else 200,
    )


@get("/access-log", name="own_access_log")
async def own_access_log(
    request: Request, viewer: NamedDependency[Viewer], before: Before = None
) -> Response[str]:
    """The viewer's own accesses of the last three months."""
    page = await log.own_log(viewer, _cursor(before))
    return render(
        request,
        "audit/own_log.html",
        {"page": page, "labels": LABELS, "days": log.OWN_DAYS, "break_glass": log.BREAK_THE_GLASS},
    )


route_handlers = [client_access_log, own_access_log]

"""The inbox page, marking items read, and the e-mail digest choice; thin handlers over
``services``. Marking read forgets the cached viewer, so the header's count follows at once."""

from __future__ import annotations

from typing import Annotated

from litestar import Request, Response, get, post
from litestar.di import NamedDependency
from litestar.exceptions import NotFoundException
from litestar.params import QueryParameter
from litestar.response import Redirect

from portal.accounts.auth import forget_viewer
from portal.core.forms import form_fields
from portal.core.i18n import N_
from portal.core.i18n import gettext_ as _
from portal.core.params import RecordId
from portal.core.templating import render
from portal.notifications import services
from portal.visibility.viewer import Viewer

NOTICES = {
    "read": N_("Marked as read."),
    "all_read": N_("Everything in your inbox is marked as read."),
    "digest": N_("Your choice for the e-mail summary is saved."),
}


@get("/inbox", name="inbox")
async def inbox(
    request: Request,
    viewer: NamedDependency[Viewer],
    page: Annotated[int, QueryParameter(ge=1, le=services.MAX_PAGE)] = 1,
    unread: Annotated[str, QueryParameter(max_length=1)] = "",
    done: Annotated[str, QueryParameter(max_length=20)] = "",
) -> Response[str]:
    context = {
        "inbox": await services.inbox(viewer, page=page, only_unread=unread == "1"),
        "digest": await services.digest_frequency(viewer),
        "notice": NOTICES.get(done),
        "errors": {},
    }
    return render(request, "notifications/inbox.html", context)


def _back(fields: dict[str, str], done: str) -> str:
    query = [f"done={done}"]
    if fields.get("unread") == "1":
        query.append("unread=1")
    if fields.get("page", "").isdigit() and fields["page"] != "1":
        query.append(f"page={fields['page']}")
    return "/inbox?" + "&".join(query)


@post("/inbox/{item_id:int}/read", name="inbox.read")
async def mark_read(
    request: Request, viewer: NamedDependency[Viewer], item_id: RecordId
) -> Redirect:
    try:
        await services.mark_read(viewer, item_id)
    except services.NoSuchItem:
        raise NotFoundException() from None
    forget_viewer(viewer.person_id)
    return Redirect(_back(await form_fields(request), "read"), status_code=303)


@post("/inbox/read", name="inbox.read_all")
async def mark_all_read(request: Request, viewer: NamedDependency[Viewer]) -> Redirect:
    await services.mark_all_read(viewer)
    forget_viewer(viewer.person_id)
    return Redirect(_back(await form_fields(request), "all_read"), status_code=303)


@post("/inbox/digest", name="inbox.digest")
async def choose_digest(
    request: Request, viewer: NamedDependency[Viewer]
) -> Response[str] | Redirect:
    fields = await form_fields(request)
    try:
        await services.choose_digest(viewer, fields.get("frequency", ""))
    except services.BadFrequency:
        context = {
            "inbox": await services.inbox(viewer),
            "digest": fields.get("frequency", ""),
            "notice": None,
            "errors": {"frequency": _("Choose daily or off.")},
        }
        return render(request, "notifications/inbox.html", context, status_code=422)
    return Redirect("/inbox?done=digest", status_code=303)


route_handlers = [inbox, mark_read, mark_all_read, choose_digest]

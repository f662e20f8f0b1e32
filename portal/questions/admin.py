"""The platform administrator's referral-question settings under ``/admin/questions``: the
working days to an answer per type of question. Everyone else gets 404 (the guard)."""

from __future__ import annotations

from litestar import Request, Response, Router, get, post
from litestar.di import NamedDependency
from litestar.response import Redirect

from portal.admin.permissions import require_platform_admin
from portal.clients.changes import Invalid
from portal.core.forms import form_fields
from portal.core.i18n import N_
from portal.core.templating import render
from portal.questions import setup
from portal.visibility.viewer import Viewer

NOTICES = {
    "saved": N_(
        "The deadlines have been saved. New questions get them; questions already asked keep"
        " theirs."
    ),
    "unchanged": N_("Nothing was changed."),
}


async def _page(
    request: Request,
    errors: dict[str, str] | None = None,
    typed: dict[str, str] | None = None,
) -> Response[str]:
    rows = await setup.deadline_rows()
    if typed is None:
        typed = {row.field: str(row.working_days) for row in rows}
    context = {
        "rows": rows,
        "errors": errors or {},
        "typed": typed,
        "deadline_min": setup.DEADLINE_MIN,
        "deadline_max": setup.DEADLINE_MAX,
        "notice": None if errors else NOTICES.get(request.query_params.get("done") or ""),
    }
    return render(request, "questions/settings.html", context, status_code=422 if errors else 200)


@get("/", name="questions.settings")
async def settings_page(request: Request) -> Response[str]:
    return await _page(request)


@post("/", name="questions.settings_save")
async def save_settings(
    request: Request, viewer: NamedDependency[Viewer]
) -> Response[str] | Redirect:
    """``deadline_<type>`` for each of ``workflow.TYPES``: working days, 1 to 60."""
    fields = await form_fields(request)
    try:
        changed = await setup.save_deadlines(viewer, fields)
    except Invalid as invalid:
        return await _page(request, errors=invalid.errors, typed=fields)
    return Redirect(f"/admin/questions?done={'saved' if changed else 'unchanged'}", status_code=303)


router = Router(
    path="/admin/questions",
    guards=[require_platform_admin],
    route_handlers=[settings_page, save_settings],
)

"""The platform administrator's signal settings under ``/admin/signals``: themes with their
deadlines, and the routes from municipality to OCMW. Everyone else gets 404 (the guard)."""

from __future__ import annotations

from typing import Any

from litestar import Request, Response, Router, get, post
from litestar.di import NamedDependency
from litestar.exceptions import NotFoundException
from litestar.response import Redirect

from portal.admin.permissions import require_platform_admin
from portal.clients.changes import Invalid
from portal.core.forms import form_fields
from portal.core.i18n import N_
from portal.core.params import RecordId
from portal.core.templating import render
from portal.signals import setup
from portal.signals.setup import DEADLINE_MAX
from portal.visibility.viewer import Viewer

NOTICES = {
    "theme": N_("The theme has been saved."),
    "route": N_("The routing has been saved."),
    "route_deleted": N_("The routing has been removed."),
}


@get("/", name="signals.settings")
async def settings_page(request: Request) -> Response[str]:
    context = {
        "themes": await setup.theme_rows(),
        "routes": await setup.route_rows(),
        "notice": NOTICES.get(request.query_params.get("done") or ""),
    }
    return render(request, "signals/settings.html", context)


async def _theme_form(
    request: Request,
    theme_id: int | None,
    errors: dict[str, str] | None = None,
    typed: dict[str, str] | None = None,
) -> Response[str]:
    theme = await setup.theme_row(theme_id) if theme_id is not None else None
    if theme_id is not None and theme is None:
        raise NotFoundException()
    if typed is None:
        typed = (
            {
                "name": "" if theme.standard else theme.label,
                "deadline": str(theme.deadline),
                "position": str(theme.position),
                "active": "1" if theme.active else "",
            }
            if theme is not None
            else {"deadline": "10", "position": "100", "active": "1"}
        )
    context = {
        "theme": theme,
        "errors": errors or {},
        "typed": typed,
        "deadline_max": DEADLINE_MAX,
    }
    return render(request, "signals/theme_form.html", context, status_code=422 if errors else 200)


async def _save(request: Request, write: Any, page: Any, done: str) -> Response[str] | Redirect:
    fields = await form_fields(request)
    try:
        await write(fields)
    except Invalid as invalid:
        return await page(errors=invalid.errors, typed=fields)
    return Redirect(f"/admin/signals?done={done}", status_code=303)


@get("/themes/new", name="signals.theme_new")
async def new_theme(request: Request) -> Response[str]:
    return await _theme_form(request, None)


@post("/themes/new", name="signals.theme_create")
async def create_theme(
    request: Request, viewer: NamedDependency[Viewer]
) -> Response[str] | Redirect:
    return await _save(
        request,
        lambda fields: setup.save_theme(viewer, None, fields),
        lambda **kw: _theme_form(request, None, **kw),
        "theme",
    )


@get("/themes/{theme_id:int}", name="signals.theme_edit")
async def edit_theme(request: Request, theme_id: RecordId) -> Response[str]:
    return await _theme_form(request, theme_id)


@post("/themes/{theme_id:int}", name="signals.theme_update")
async def update_theme(
    request: Request, viewer: NamedDependency[Viewer], theme_id: RecordId
) -> Response[str] | Redirect:
    if await setup.theme_row(theme_id) is None:
        raise NotFoundException()
    return await _save(
        request,
        lambda fields: setup.save_theme(viewer, theme_id, fields),
        lambda **kw: _theme_form(request, theme_id, **kw),
        "theme",
    )


async def _route_form(
    request: Request,
    route_id: int | None,
    errors: dict[str, str] | None = None,
    typed: dict[str, str] | None = None,
) -> Response[str]:
    route = await setup.route_row(route_id) if route_id is not None else None
    if route_id is not None and route is None:
        raise NotFoundException()
    if typed is None:
        typed = {"municipality": route.name, "ocmw": str(route.ocmw)} if route else {}
    context = {
        "route": route,
        "ocmws": await setup.ocmws(),
        "errors": errors or {},
        "typed": typed,
    }
    return render(request, "signals/route_form.html", context, status_code=422 if errors else 200)


@get("/routes/new", name="signals.route_new")
async def new_route(request: Request) -> Response[str]:
    return await _route_form(request, None)


@post("/routes/new", name="signals.route_create")
async def create_route(
    request: Request, viewer: NamedDependency[Viewer]
) -> Response[str] | Redirect:
    return await _save(
        request,
        lambda fields: setup.save_route(viewer, None, fields),
        lambda **kw: _route_form(request, None, **kw),
        "route",
    )


@get("/routes/{route_id:int}", name="signals.route_edit")
async def edit_route(request: Request, route_id: RecordId) -> Response[str]:
    return await _route_form(request, route_id)


@post("/routes/{route_id:int}", name="signals.route_update")
async def update_route(
    request: Request, viewer: NamedDependency[Viewer], route_id: RecordId
) -> Response[str] | Redirect:
    if await setup.route_row(route_id) is None:
        raise NotFoundException()
    return await _save(
        request,
        lambda fields: setup.save_route(viewer, route_id, fields),
        lambda **kw: _route_form(request, route_id, **kw),
        "route",
    )


@post("/routes/{route_id:int}/delete", name="signals.route_delete")
async def delete_route(
    request: Request, viewer: NamedDependency[Viewer], route_id: RecordId
) -> Redirect:
    if not await setup.delete_route(viewer, route_id):
        raise NotFoundException()
    return Redirect("/admin/signals?done=route_deleted", status_code=303)


router = Router(
    path="/admin/signals",
    guards=[require_platform_admin],
    route_handlers=[
        settings_page,
        new_theme,
        create_theme,
        edit_theme,
        update_theme,
        new_route,
        create_route,
        edit_route,
        update_route,
        delete_route,
    ],
)

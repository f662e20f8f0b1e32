from __future__ import annotations

from typing import Annotated

from litestar import Request, Response, Router, get, post
from litestar.params import QueryParameter
from litestar.response import Redirect

from portal.accounts import services
from portal.accounts.auth import forget_viewer
from portal.core.forms import form_fields, local_path
from portal.core.i18n import gettext_ as _
from portal.core.sessions import session_of
from portal.core.templating import render

PUBLIC = {"public": True}


@get("/auth/login", opt=PUBLIC, name="login")
async def login_page(
    request: Request, next_: Annotated[str | None, QueryParameter(name="next")] = None
) -> Response[str]:
    return render(
        request,
        "accounts/login.html",
        {"next": local_path(next_), "dev_login": request.app.state.dev_login_enabled},
    )


@get("/auth/dev-login", opt=PUBLIC, name="dev_login")
async def dev_login_page(
    request: Request, next_: Annotated[str | None, QueryParameter(name="next")] = None
) -> Response[str]:
    people = await services.demo_people()
    return render(
        request,
        "accounts/dev_login.html",
        {"people": people, "next": local_path(next_), "error": None},
    )


@post("/auth/dev-login", opt=PUBLIC, status_code=303)
async def dev_login(request: Request) -> Response[str] | Redirect:
    fields = await form_fields(request)
    person_id = await services.development_login(fields.get("username", ""))
    if person_id is None:
        people = await services.demo_people()
        return render(
            request,
            "accounts/dev_login.html",
            {
                "people": people,
                "next": local_path(fields.get("next")),
                "error": _("There is no active demo person with that username."),
            },
            status_code=422,
        )
    forget_viewer(person_id)
    session_of(request.scope).login(person_id)
    return Redirect(local_path(fields.get("next")), status_code=303)


@post("/auth/logout", status_code=303)
async def logout(request: Request) -> Redirect:
    session_of(request.scope).logout()
    return Redirect("/auth/login", status_code=303)


def router(*, dev_login_enabled: bool) -> Router:
    """The development login is only ever registered in development: production answers 404."""
    handlers = [login_page, logout]
    if dev_login_enabled:
        handlers += [dev_login_page, dev_login]
    return Router(path="/", route_handlers=handlers)

from __future__ import annotations

import logging
from typing import Annotated

from litestar import Request, Response, Router, get, post
from litestar.params import QueryParameter
from litestar.response import Redirect

from portal.accounts import services
from portal.accounts.auth import forget_viewer
from portal.accounts.oidc import LoginFailed, OidcClient, PendingLogin
from portal.core.forms import form_fields, local_path
from portal.core.i18n import N_
from portal.core.i18n import gettext_ as _
from portal.core.sessions import session_of
from portal.core.templating import render

PUBLIC = {"public": True}
log = logging.getLogger("portal.accounts.login")

FAILURES = {
    "unreachable": (
        503,
        N_("Logging in is not possible right now"),
        N_(
            "The login service of your organisation cannot be reached. "
            "Please try again in a few minutes."
        ),
    ),
    "denied": (
        403,
        N_("Logging in was cancelled"),
        N_("The login service of your organisation did not allow the login, or it was cancelled."),
    ),
    "state": (
        400,
        N_("This login is no longer valid"),
        N_(
            "The login took too long, was already used, or was not started here. "
            "Please start again."
        ),
    ),
    "rejected": (
        400,
        N_("Your login could not be verified"),
        N_(
            "The answer of the login service could not be verified, so you are not logged in. "
            "Please try again; if this keeps happening, contact your administrator."
        ),
    ),
}
REFUSALS = {
    "no_role": N_("Your account has no role in Brug."),
    "unknown_org": N_("Your organisation is not known in Brug."),
    "inactive": N_("Your access to Brug has been switched off."),
}


def _oidc(request: Request) -> OidcClient | None:
    return request.app.state.oidc


def login_failed(request: Request, reason: str) -> Response[str]:
    status_code, title, text = FAILURES[reason]
    return render(
        request,
        "accounts/login_failed.html",
        {"title": title, "text": text},
        status_code=status_code,
    )


@get("/auth/login", opt=PUBLIC, name="login")
async def login_page(
    request: Request,
    next_: Annotated[str | None, QueryParameter(name="next")] = None,
    via: Annotated[str | None, QueryParameter(name="via")] = None,
) -> Response[str] | Redirect:
    """Straight to the identity provider, unless the development login is offered beside it."""
    oidc = _oidc(request)
    next_path = local_path(next_)
    dev_login = request.app.state.dev_login_enabled
    if oidc is not None and (via == "oidc" or not dev_login):
        try:
            url, pending = await oidc.begin(next_path)
        except LoginFailed as error:
            log.error("login could not start: %s", error)
            return login_failed(request, "unreachable")
        session_of(request.scope).remember_pending_login(pending.state, pending.to_session())
        return Redirect(url, status_code=302)
    return render(
        request,
        "accounts/login.html",
        {"next": next_path, "dev_login": dev_login, "oidc": oidc is not None},
    )


@get("/auth/callback", opt=PUBLIC, name="login_callback")
async def login_callback(request: Request) -> Response[str] | Redirect:
    """The provider sends the browser back here with a code (or an error) and our ``state``.

    ``state`` is read from the query explicitly: Litestar reserves that parameter name.
    """
    oidc = _oidc(request)
    if oidc is None:
        return login_failed(request, "state")
    session = session_of(request.scope)
    state = request.query_params.get("state")
    stored = session.take_pending_login(state) if state else None
    pending = PendingLogin.from_session(state, stored) if state and stored else None
    try:
        identity = await oidc.complete(request.query_params, pending)
    except LoginFailed as error:
        log.warning("login refused: %s", error)
        return login_failed(request, error.reason)
    outcome = await services.provider_sign_in(identity, oidc.settings)
    if isinstance(outcome, services.Refusal):
        return render(
            request,
            "accounts/no_access.html",
            {
                "reason": REFUSALS[outcome.reason],
                "organisation": outcome.organisation,
                "contact": request.app.state.settings.support_contact,
            },
            status_code=403,
        )
    forget_viewer(outcome)
    if identity.refresh_token is None:
        log.warning(
            "the provider issued no refresh token: the session of person %s cannot be re-validated "
            "and ends after the idle timeout (add offline_access to PORTAL_OIDC_SCOPES if the "
            "provider asks for it)",
            outcome,
        )
    session.login(outcome, id_token=identity.id_token, refresh_token=identity.refresh_token)
    return Redirect(local_path(pending.next if pending else None), status_code=303)


@get("/auth/logged-out", opt=PUBLIC, name="logged_out")
async def logged_out(request: Request) -> Response[str]:
    return render(request, "accounts/logged_out.html", {})


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
    """End the session here and, after a provider login, at the provider (RP-initiated logout)."""
    session = session_of(request.scope)
    id_token = session.id_token
    session.logout()
    oidc = _oidc(request)
    if oidc is None or not id_token:
        return Redirect("/auth/login", status_code=303)
    end_session = await oidc.logout_url(id_token)
    return Redirect(end_session or "/auth/logged-out", status_code=303)


def router(*, dev_login_enabled: bool) -> Router:
    """The development login is only ever registered in development: production answers 404."""
    handlers = [login_page, login_callback, logged_out, logout]
    if dev_login_enabled:
        handlers += [dev_login_page, dev_login]
    return Router(path="/", route_handlers=handlers)

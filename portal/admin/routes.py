"""Administration pages under ``/admin``; the routers' guards answer 404 to whoever may not use
them.

People and the admin log: administrators (their own organisation) and platform administrators
(everyone). Organisations and partnerships: platform administrators only.
"""

from __future__ import annotations

from typing import Annotated
from urllib.parse import urlencode

from litestar import Request, Response, Router, get, post
from litestar.di import NamedDependency
from litestar.params import QueryParameter
from litestar.response import Redirect

from portal.accounts.tables import OrgKind
from portal.admin import services
from portal.admin.forms import KIND_LABELS, Errors, OrganisationForm, PartnershipForm
from portal.admin.permissions import (
    manages_organisations,
    require_people_admin,
    require_platform_admin,
)
from portal.core.forms import form_fields
from portal.core.i18n import N_
from portal.core.params import MAX_ID, RecordId
from portal.core.templating import render
from portal.visibility.viewer import Viewer

Done = Annotated[str | None, QueryParameter(name="done")]
OrgFilter = Annotated[int | None, QueryParameter(name="organisation", ge=1, le=MAX_ID)]
PersonDone = Annotated[int | None, QueryParameter(name="person", ge=1, le=MAX_ID)]
Before = Annotated[int | None, QueryParameter(name="before", ge=1, le=MAX_ID)]

NOTICES = {
    "organisation_saved": N_("The organisation has been saved."),
    "partnership_saved": N_("The partnership has been saved."),
    "partnership_deleted": N_("The partnership has been deleted."),
    "deactivated": N_("The person has been deactivated and can no longer use the portal."),
    "reactivated": N_("The person has been reactivated."),
}
"""Confirmations shown after a redirect (``?done=<key>``); unknown keys show nothing."""


def _done(
    to: str, key: str, *, organisation: int | None = None, person: int | None = None
) -> Redirect:
    """Back to a list, filtered as it was, with the confirmation ``key`` (about ``person``)."""
    query: dict[str, int | str] = {} if organisation is None else {"organisation": organisation}
    query["done"] = key
    if person is not None:
        query["person"] = person
    return Redirect(f"{to}?{urlencode(query)}", status_code=303)


# Organisations -----------------------------------------------------------------------------


@get("/organisations", name="admin_organisations")
async def organisations(request: Request, done: Done = None) -> Response[str]:
    return render(
        request,
        "admin/organisations.html",
        {
            "organisations": await services.list_organisations(),
            "kinds": KIND_LABELS,
            "notice": NOTICES.get(done or ""),
        },
    )


def _organisation_page(
    request: Request,
    form: OrganisationForm,
    org_id: int | None,
    errors: Errors | None = None,
    *,
    code_fixed: bool = False,
) -> Response[str]:
    return render(
        request,
        "admin/organisation_form.html",
        {
            "form": form,
            "org_id": org_id,
            "errors": errors or {},
            "kinds": KIND_LABELS,
            "code_fixed": code_fixed,
        },
        status_code=422 if errors else 200,
    )


@get("/organisations/new")
async def new_organisation(request: Request) -> Response[str]:
    return _organisation_page(request, OrganisationForm(), None)


@post("/organisations/new", status_code=303)
async def create_organisation(
    request: Request, viewer: NamedDependency[Viewer]
) -> Response[str] | Redirect:
    form = OrganisationForm.from_fields(await form_fields(request))
    if errors := await services.save_organisation(form, actor=viewer):
        return _organisation_page(request, form, None, errors)
    return _done("/admin/organisations", "organisation_saved")


@get("/organisations/{org_id:int}")
async def edit_organisation(request: Request, org_id: RecordId) -> Response[str]:
    form, code_fixed = await services.organisation_form(org_id)
    return _organisation_page(request, form, org_id, code_fixed=code_fixed)


@post("/organisations/{org_id:int}", status_code=303)
async def update_organisation(
    request: Request, viewer: NamedDependency[Viewer], org_id: RecordId
) -> Response[str] | Redirect:
    form = OrganisationForm.from_fields(await form_fields(request))
    if errors := await services.save_organisation(form, org_id, actor=viewer):
        code_fixed = await services.code_is_fixed(org_id)
        return _organisation_page(request, form, org_id, errors, code_fixed=code_fixed)
    return _done("/admin/organisations", "organisation_saved")


# Partnerships ------------------------------------------------------------------------------


@get("/partnerships", name="admin_partnerships")
async def partnerships(request: Request, done: Done = None) -> Response[str]:
    return render(
        request,
        "admin/partnerships.html",
        {"partnerships": await services.list_partnerships(), "notice": NOTICES.get(done or "")},
    )


async def _partnership_page(
    request: Request,
    form: PartnershipForm,
    partnership_id: int | None,
    errors: Errors | None = None,
) -> Response[str]:
    return render(
        request,
        "admin/partnership_form.html",
        {
            "form": form,
            "partnership_id": partnership_id,
            "errors": errors or {},
            "choices": await services.organisation_choices(),
            "kinds": KIND_LABELS,
            "sides": [OrgKind.ocmw, OrgKind.partner, OrgKind.vdab],
        },
        status_code=422 if errors else 200,
    )


@get("/partnerships/new")
async def new_partnership(request: Request) -> Response[str]:
    return await _partnership_page(request, PartnershipForm(), None)


@post("/partnerships/new", status_code=303)
async def create_partnership(
    request: Request, viewer: NamedDependency[Viewer]
) -> Response[str] | Redirect:
    form = PartnershipForm.from_fields(await form_fields(request))
    if errors := await services.save_partnership(form, actor=viewer):
        return await _partnership_page(request, form, None, errors)
    return _done("/admin/partnerships", "partnership_saved")


@get("/partnerships/{partnership_id:int}")
async def edit_partnership(request: Request, partnership_id: RecordId) -> Response[str]:
    form = await services.partnership_form(partnership_id)
    return await _partnership_page(request, form, partnership_id)


@post("/partnerships/{partnership_id:int}", status_code=303)
async def update_partnership(
    request: Request, viewer: NamedDependency[Viewer], partnership_id: RecordId
) -> Response[str] | Redirect:
    form = PartnershipForm.from_fields(await form_fields(request))
    if errors := await services.save_partnership(form, partnership_id, actor=viewer):
        return await _partnership_page(request, form, partnership_id, errors)
    return _done("/admin/partnerships", "partnership_saved")


@get("/partnerships/{partnership_id:int}/delete")
async def confirm_delete_partnership(request: Request, partnership_id: RecordId) -> Response[str]:
    found = await services.partnership(partnership_id)
    context = {"partnership": found, "in_use": False}
    return render(request, "admin/partnership_delete.html", context)


@post("/partnerships/{partnership_id:int}/delete", status_code=303)
async def delete_partnership(
    request: Request, viewer: NamedDependency[Viewer], partnership_id: RecordId
) -> Response[str] | Redirect:
    try:
        await services.delete_partnership(partnership_id, actor=viewer)
    except services.PartnershipInUse:
        found = await services.partnership(partnership_id)
        context = {"partnership": found, "in_use": True}
        return render(request, "admin/partnership_delete.html", context, status_code=409)
    return _done("/admin/partnerships", "partnership_deleted")


# People ------------------------------------------------------------------------------------


async def _people_page(
    request: Request,
    viewer: Viewer,
    organisation: int | None,
    *,
    notice: str | None = None,
    files: services.FilesToReassign | None = None,
    error: str | None = None,
) -> Response[str]:
    return render(
        request,
        "admin/people.html",
        {
            "people": await services.list_people(viewer, organisation),
            "organisations": await services.people_filter(viewer),
            "selected": organisation,
            "sign_in": request.app.state.settings.oidc,
            "notice": notice,
            "files": files,
            "error": error,
        },
        status_code=422 if error else 200,
    )


@get("/people", name="admin_people")
async def people(
    request: Request,
    viewer: NamedDependency[Viewer],
    organisation: OrgFilter = None,
    done: Done = None,
    person: PersonDone = None,
) -> Response[str]:
    files = None
    if done == "deactivated" and person is not None:
        files = await services.files_to_reassign(viewer, person)
    return await _people_page(
        request, viewer, organisation, notice=NOTICES.get(done or ""), files=files
    )


async def _set_active(
    request: Request, viewer: Viewer, person_id: int, *, active: bool
) -> Response[str] | Redirect:
    """Back to the people list, filtered as it was (the form carries the filter)."""
    raw = (await form_fields(request)).get("organisation", "")
    organisation = int(raw) if raw.isdecimal() and len(raw) < 10 else None
    refused = await services.set_active(
        viewer,
        person_id,
        active=active,
        end_sessions=request.app.state.session_store.end_sessions_of,
    )
    if refused:
        return await _people_page(request, viewer, organisation, error=refused)
    if active:
        return _done("/admin/people", "reactivated", organisation=organisation)
    return _done("/admin/people", "deactivated", organisation=organisation, person=person_id)


@post("/people/{person_id:int}/deactivate", status_code=303)
async def deactivate(
    request: Request, viewer: NamedDependency[Viewer], person_id: RecordId
) -> Response[str] | Redirect:
    return await _set_active(request, viewer, person_id, active=False)


@post("/people/{person_id:int}/reactivate", status_code=303)
async def reactivate(
    request: Request, viewer: NamedDependency[Viewer], person_id: RecordId
) -> Response[str] | Redirect:
    return await _set_active(request, viewer, person_id, active=True)


# The admin log -----------------------------------------------------------------------------


@get("/log", name="admin_log")
async def admin_log(
    request: Request, viewer: NamedDependency[Viewer], before: Before = None
) -> Response[str]:
    lines, older = await services.admin_log(viewer, before)
    return render(
        request,
        "admin/log.html",
        {
            "lines": lines,
            "older": older,
            "paged": before is not None,
            "everything": manages_organisations(viewer),
        },
    )


route_handlers = [
    Router(
        path="/admin",
        guards=[require_people_admin],
        route_handlers=[people, deactivate, reactivate, admin_log],
    ),
    Router(
        path="/admin",
        guards=[require_platform_admin],
        route_handlers=[
            organisations,
            new_organisation,
            create_organisation,
            edit_organisation,
            update_organisation,
            partnerships,
            new_partnership,
            create_partnership,
            edit_partnership,
            update_partnership,
            confirm_delete_partnership,
            delete_partnership,
        ],
    ),
]

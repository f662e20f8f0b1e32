"""Capture, lists and follow-up of signals; thin handlers over ``services``."""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Request, Response, get, post
from litestar.di import NamedDependency
from litestar.exceptions import PermissionDeniedException
from litestar.params import QueryParameter
from litestar.response import Redirect

from portal.audit.services import record_access
from portal.clients.changes import Invalid
from portal.clients.services import NotAllowed
from portal.core import periods
from portal.core.forms import form_fields
from portal.core.i18n import N_
from portal.core.params import RecordId, record_id
from portal.core.spreadsheet import csv_response
from portal.core.templating import is_htmx, render
from portal.documents import services as documents
from portal.signals import figures, queue, services, themes
from portal.signals.attachments import ATTACHMENT_KIND
from portal.signals.services import PersonalData
from portal.signals.visibility import figures_scope, reads_own_reports
from portal.signals.workflow import STATES, URGENCIES, may_assign, moves
from portal.visibility.viewer import Viewer

NOTICES = {
    "reported": N_("The signal has been sent to the OCMW that follows it up."),
    "changed": N_("The signal has been updated."),
    "document": N_("The document has been added."),
    "reported_figures": N_(
        "The signal has been sent to the OCMW that follows it up. You see it in the "
        "partnership's signal figures."
    ),
}


async def _form(
    request: Request,
    viewer: Viewer,
    *,
    errors: dict[str, str] | None = None,
    typed: dict[str, str] | None = None,
    warned: list[str] | None = None,
) -> Response[str]:
    if not services.may_report(viewer):
        raise PermissionDeniedException()
    context = {
        "themes": await themes.catalog(active_only=True),
        "urgencies": URGENCIES,
        "clients": await services.client_choices(viewer),
        "municipalities": await services.municipalities(),
        "errors": errors or {},
        "typed": typed or {},
        "warned": warned or [],
    }
    return render(request, "signals/new.html", context, status_code=422 if errors else 200)


@get("/signals/new", name="signals.new")
async def new_signal(request: Request, viewer: NamedDependency[Viewer]) -> Response[str]:
    return await _form(request, viewer)


@post("/signals", name="signals.report")
async def report(request: Request, viewer: NamedDependency[Viewer]) -> Response[str] | Redirect:
    """The fixed contract: ``theme``, ``title``, ``description``, ``municipality``, ``urgency``,
    optional ``client``; a structural signal that looks like personal data needs
    ``confirm_no_personal_data=1``."""
    if not services.may_report(viewer):
        raise PermissionDeniedException()
    fields = await form_fields(request)
    try:
        signal_id = await services.capture(viewer, fields)
    except PersonalData as warned:
        found = [finding.text for finding in warned.found]
        return await _form(request, viewer, errors=warned.errors, typed=fields, warned=found)
    except Invalid as invalid:
        return await _form(request, viewer, errors=invalid.errors, typed=fields)
    if not await services.reads_signal(viewer, signal_id):
        return Redirect("/signals?done=reported_figures", status_code=303)
    return Redirect(f"/signals/{signal_id}?done=reported", status_code=303)


def _queue_update(request: Request) -> bool:
    """An htmx request for the queue's results alone: not a history restore (htmx 4 asks for
    the whole page then, with the body as its target)."""
    headers = request.headers
    return (
        is_htmx(request)
        and headers.get("hx-request-type") != "full"
        and headers.get("hx-history-restore-request") != "true"
    )


@get("/signals", name="signals.list")
async def signal_list(request: Request, viewer: NamedDependency[Viewer]) -> Response[str]:
    """The fixed contract: the signals the viewer reported, and for who follows signals up the
    queue of their OCMW, filtered by the query string (``queue.parse``). An htmx request from
    the filters or the pages gets the queue's results and the counts only."""
    update = _queue_update(request)
    page = await queue.signal_page(viewer, request.query_params, reported=not update)
    update = update and page.queue is not None
    listed = [
        *(page.reported.signals if page.reported else []),
        *(page.queue.signals + page.queue.overdue_mine if page.queue else []),
    ]
    context = {
        "page": page,
        "news": await services.news_of(viewer, sorted({s.id for s in listed})),
        "figures_shown": figures_scope(viewer) is not None,
        "may_report": services.may_report(viewer),
        "reads_reports": reads_own_reports(viewer),
        "overdue": services.overdue,
        "focus_results": update and "page" in request.query_params,
        "notice": NOTICES.get(request.query_params.get("done") or ""),
    }
    return render(
        request,
        "signals/list.html",
        context,
        fragment="signals/_queue_update.html" if update else None,
        headers={"Vary": "HX-Request, HX-Request-Type, HX-History-Restore-Request"},
    )


SIGNAL_READ = "signal.read"
"""A signal about a client, opened: its page names the client."""


async def _detail(
    request: Request,
    viewer: Viewer,
    signal_id: int,
    *,
    errors: dict[str, str] | None = None,
    typed: dict[str, str] | None = None,
) -> Response[str]:
    signal = await services.find_signal(viewer, signal_id)
    if signal.client is not None:
        await record_access(viewer, signal.client, SIGNAL_READ, (), subject=f"signal:{signal.id}")
    actors = services.actors_of(viewer, signal)
    assigning = may_assign(signal.state.code, actors)
    attachments = documents.host_target_of(ATTACHMENT_KIND, signal)
    context = {
        "attachments": await documents.documents_of(viewer, attachments),
        "attach": documents.choices(viewer, attachments),
        "attach_action": f"/attachments/{ATTACHMENT_KIND}/{signal.id}",
        "max_mb": request.app.state.settings.upload_max_mb,
        "me": viewer.person_id,
        "signal": signal,
        "news": await services.take_news(viewer, signal),
        "changes": await services.changes_of(signal),
        "moves": moves(signal.state.code, actors),
        "handlers": await services.handlers_for(signal) if assigning else [],
        "comments": bool(actors),
        "overdue": services.overdue(signal),
        "states": {state.code: state for state in STATES},
        "errors": errors or {},
        "typed": typed or {},
        "notice": NOTICES.get(request.query_params.get("done") or ""),
    }
    return render(request, "signals/detail.html", context, status_code=422 if errors else 200)


@get("/signals/{signal_id:int}", name="signals.detail")
async def signal_page(
    request: Request, viewer: NamedDependency[Viewer], signal_id: RecordId
) -> Response[str]:
    return await _detail(request, viewer, signal_id)


async def _change(request: Request, viewer: Viewer, signal_id: int, write: Any) -> Any:
    fields = await form_fields(request)
    try:
        await write(fields)
    except NotAllowed:
        raise PermissionDeniedException() from None
    except Invalid as invalid:
        return await _detail(request, viewer, signal_id, errors=invalid.errors, typed=fields)
    return Redirect(f"/signals/{signal_id}?done=changed", status_code=303)


@post("/signals/{signal_id:int}/moves", name="signals.move")
async def move(
    request: Request, viewer: NamedDependency[Viewer], signal_id: RecordId
) -> Response[str] | Redirect:
    """``move`` (a transition code), with ``outcome`` or ``reason`` where the move needs it."""
    return await _change(
        request,
        viewer,
        signal_id,
        lambda f: services.move(viewer, signal_id, f.get("move", ""), f),
    )


@post("/signals/{signal_id:int}/assign", name="signals.assign")
async def assign(
    request: Request, viewer: NamedDependency[Viewer], signal_id: RecordId
) -> Response[str] | Redirect:
    async def write(fields: dict[str, str]) -> None:
        try:
            handler = record_id(fields.get("handler", ""))
        except ValueError:
            handler = 0
        await services.assign(viewer, signal_id, handler)

    return await _change(request, viewer, signal_id, write)


@post("/signals/{signal_id:int}/comments", name="signals.comment")
async def comment(
    request: Request, viewer: NamedDependency[Viewer], signal_id: RecordId
) -> Response[str] | Redirect:
    return await _change(
        request,
        viewer,
        signal_id,
        lambda f: services.comment(viewer, signal_id, f.get("text", "")),
    )


Year = Annotated[
    int | None, QueryParameter(name="year", ge=periods.FIRST_YEAR, le=periods.LAST_YEAR)
]


@get("/signals/figures", name="signals.figures")
async def figures_page(
    request: Request, viewer: NamedDependency[Viewer], year: Year = None
) -> Response[str]:
    """The fixed contract: ``year`` (default this year, Belgian time); 404 for who counts none."""
    found = await figures.figures_for(viewer, year or periods.today_in_belgium().year)
    context = {"figures": found, "charts": figures.charts(found)}
    return render(request, "signals/figures.html", context)


@get("/signals/figures.csv", name="signals.figures_csv")
async def figures_csv(viewer: NamedDependency[Viewer], year: Year = None) -> Response[bytes]:
    """The figures page as CSV for Belgian Excel (``;``, UTF-8 with BOM), long format."""
    found = await figures.figures_for(viewer, year or periods.today_in_belgium().year)
    return csv_response(figures.csv_rows(found), figures.csv_filename(found.year))


route_handlers = [
    new_signal,
    report,
    signal_list,
    signal_page,
    move,
    assign,
    comment,
    figures_page,
    figures_csv,
]

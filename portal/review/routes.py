from __future__ import annotations

from typing import Annotated

from litestar import Request, Response, get, post
from litestar.datastructures import UploadFile
from litestar.di import NamedDependency
from litestar.exceptions import PermissionDeniedException
from litestar.params import QueryParameter
from litestar.response import Redirect

from portal.clients.changes import Invalid
from portal.clients.services import NotAllowed
from portal.core.forms import FORM_MAX_BYTES_OPT, FORM_MAX_FIELDS_OPT, form_fields, read_form
from portal.core.i18n import N_
from portal.core.params import RecordId
from portal.core.templating import render
from portal.review import imports, services, sheets
from portal.review.workflow import (
    DECISION_LABELS,
    DECISION_TONES,
    DECISIONS,
    REASON_KINDS,
    REASON_LABELS,
)
from portal.visibility.viewer import Viewer

Show = Annotated[str | None, QueryParameter(name="show", max_length=20)]
Done = Annotated[str | None, QueryParameter(name="done", max_length=20)]
UPLOAD_MAX_BYTES = 2 * 1024 * 1024
CONFIRM_MAX_BYTES = 1024 * 1024

NOTICES = {
    "opened": N_("The review list for this quarter is open. Mark each client."),
    "exists": N_("The review for this quarter exists already: here is its list."),
    "marked": N_("The decision has been recorded and is on the client's timeline."),
    "imported": N_("The list has been imported. Mark the clients that are not marked yet."),
}


def _team_only(viewer: Viewer) -> None:
    if services.taking_part(viewer) is not services.Part.team:
        raise PermissionDeniedException()


@get("/review", name="review")
async def overview(
    request: Request, viewer: NamedDependency[Viewer], done: Done = None
) -> Response[str]:
    """This quarter's review (or the reminder to open it) and the earlier rounds."""
    return render(
        request,
        "review/index.html",
        {
            "overview": await services.overview(viewer),
            "notice": NOTICES.get(done or ""),
            "decision_labels": DECISION_LABELS,
        },
    )


@post("/review/rounds", status_code=303)
async def open_round(request: Request, viewer: NamedDependency[Viewer]) -> Redirect:
    try:
        round_id = await services.open_round(viewer)
    except NotAllowed:
        raise PermissionDeniedException() from None
    except services.RoundExists as exists:
        return Redirect(f"/review/rounds/{exists.existing}?done=exists", status_code=303)
    return Redirect(f"/review/rounds/{round_id}?done=opened", status_code=303)


async def _round_screen(
    request: Request,
    viewer: Viewer,
    round_id: int,
    show: str,
    *,
    errors: dict[str, str] | None = None,
    typed: dict[str, str] | None = None,
    item_id: int | None = None,
    done: str = "",
) -> Response[str]:
    page = await services.round_page(viewer, round_id, show=show)
    context = {
        "page": page,
        "decisions": DECISIONS,
        "reason_kinds": REASON_KINDS,
        "decision_labels": DECISION_LABELS,
        "decision_tones": DECISION_TONES,
        "reason_labels": REASON_LABELS,
        "errors": errors or {},
        "typed": typed or {},
        "error_item": item_id,
        "notice": NOTICES.get(done),
    }
    return render(request, "review/round.html", context, status_code=422 if errors else 200)


@get("/review/rounds/{round_id:int}", name="review_round")
async def round_page(
    request: Request,
    viewer: NamedDependency[Viewer],
    round_id: RecordId,
    show: Show = None,
    done: Done = None,
) -> Response[str]:
    """A round's list with a mark form per client (the team), or its progress (the coordinator)."""
    return await _round_screen(request, viewer, round_id, show or "all", done=done or "")


@post("/review/items/{item_id:int}", status_code=303)
async def mark(
    request: Request, viewer: NamedDependency[Viewer], item_id: RecordId
) -> Response[str] | Redirect:
    """Ready for activation, or not yet with a reason: 303 back to the client's row."""
    fields = await form_fields(request)
    show = fields.get("show", "all")
    show = show if show in dict(services.FILTERS) else "all"
    try:
        item = await services.mark_item(viewer, item_id, fields)
    except NotAllowed:
        raise PermissionDeniedException() from None
    except Invalid as invalid:
        item = await services.find_item(viewer, item_id)
        return await _round_screen(
            request, viewer, item.round, show, errors=invalid.errors, typed=fields, item_id=item_id
        )
    target = f"/review/rounds/{item.round}?show={show}&done=marked#item-{item_id}"
    return Redirect(target, status_code=303)


def _import_page(request: Request, errors: dict[str, str], status_code: int) -> Response[str]:
    context = {
        "errors": errors,
        "headers": sheets.HEADERS,
        "decision_words": imports.DECISION_EXAMPLES,
        "reason_words": imports.REASON_EXAMPLES,
        "max_rows": sheets.MAX_ROWS,
    }
    return render(request, "review/import.html", context, status_code=status_code)


@get("/review/import", name="review_import")
async def import_page(request: Request, viewer: NamedDependency[Viewer]) -> Response[str]:
    """The upload of the first list, with the columns it reads."""
    _team_only(viewer)
    return _import_page(request, {}, 200)


@post(
    "/review/import",
    status_code=200,
    opt={FORM_MAX_BYTES_OPT: UPLOAD_MAX_BYTES, FORM_MAX_FIELDS_OPT: 10},
)
async def import_preview(
    request: Request, viewer: NamedDependency[Viewer]
) -> Response[str] | Redirect:
    """The preview of an uploaded sheet: each row matched or refused; nothing is written."""
    form = await read_form(request)
    upload = form.get("sheet")
    data = await upload.read() if isinstance(upload, UploadFile) else b""
    try:
        preview = await imports.preview(
            viewer, data, secret_key=request.app.state.settings.secret_key
        )
    except NotAllowed:
        raise PermissionDeniedException() from None
    except services.RoundExists as exists:
        return Redirect(f"/review/rounds/{exists.existing}?done=exists", status_code=303)
    except Invalid as invalid:
        return _import_page(request, invalid.errors, 422)
    context = {"preview": preview, "decision_labels": DECISION_LABELS}
    return render(request, "review/preview.html", context)


@post("/review/import/confirm", status_code=303, opt={FORM_MAX_BYTES_OPT: CONFIRM_MAX_BYTES})
async def import_confirm(
    request: Request, viewer: NamedDependency[Viewer]
) -> Response[str] | Redirect:
    """Write the previewed list: the round, its items and the marks' timeline events."""
    fields = await form_fields(request)
    try:
        round_id = await imports.confirm(
            viewer, fields.get("rows", ""), secret_key=request.app.state.settings.secret_key
        )
    except NotAllowed:
        raise PermissionDeniedException() from None
    except services.RoundExists as exists:
        return Redirect(f"/review/rounds/{exists.existing}?done=exists", status_code=303)
    except Invalid as invalid:
        return _import_page(request, invalid.errors, 422)
    return Redirect(f"/review/rounds/{round_id}?done=imported", status_code=303)


route_handlers = [
    overview,
    open_round,
    round_page,
    mark,
    import_page,
    import_preview,
    import_confirm,
]

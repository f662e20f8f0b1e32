"""Asking, the queue, one question with its thread and its moves; thin handlers over
``services``."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Annotated, Any

from litestar import Request, Response, get, post
from litestar.di import NamedDependency
from litestar.exceptions import PermissionDeniedException
from litestar.params import QueryParameter
from litestar.response import Redirect

from portal.audit.services import record_listing
from portal.clients.changes import Invalid
from portal.clients.labels import FIELD_LABELS
from portal.clients.services import NotAllowed
from portal.core import periods
from portal.core.forms import form_fields, read_form
from portal.core.i18n import N_
from portal.core.params import RecordId
from portal.core.spreadsheet import csv_response
from portal.core.templating import render
from portal.questions import figures, queue, services
from portal.questions.visibility import figures_scope
from portal.questions.workflow import ANSWERS, NEXT_STEPS, STATES, TYPES, may_write, moves
from portal.visibility.viewer import Viewer

NOTICES = {
    "asked": N_("The question has been sent to VDAB."),
    "changed": N_("The question has been updated."),
}


async def _ask_form(
    request: Request,
    viewer: Viewer,
    client_id: int,
    *,
    errors: dict[str, str] | None = None,
    typed: dict[str, str] | None = None,
    shared: tuple[list[str], list[str]] = ([], []),
) -> Response[str]:
    try:
        form = await services.ask_form(viewer, client_id)
    except NotAllowed:
        raise PermissionDeniedException() from None
    context = {
        "form": form,
        "client": form.client,
        "types": TYPES,
        "errors": errors or {},
        "typed": typed or {},
        "shared_fields": set(shared[0]),
        "shared_documents": set(shared[1]),
        "field_labels": FIELD_LABELS,
    }
    return render(request, "questions/new.html", context, status_code=422 if errors else 200)


@get("/clients/{client_id:int}/questions/new", name="questions.new")
async def new_question(
    request: Request, viewer: NamedDependency[Viewer], client_id: RecordId
) -> Response[str]:
    return await _ask_form(request, viewer, client_id)


@post("/clients/{client_id:int}/questions", name="questions.ask")
async def ask(
    request: Request, viewer: NamedDependency[Viewer], client_id: RecordId
) -> Response[str] | Redirect:
    """The fixed contract: ``type`` (``trajectory``, ``training_advice``, ``invitation``,
    ``other``) and ``text``; ``team`` where the OCMW works with more than one VDAB team; what
    VDAB may see with it as ``share_field`` and ``share_document`` (repeated)."""
    fields = await form_fields(request)
    form = await read_form(request)
    shared = (
        [v for v in form.getall("share_field", []) if isinstance(v, str)],
        [v for v in form.getall("share_document", []) if isinstance(v, str)],
    )
    try:
        question_id = await services.ask(
            viewer, client_id, fields, share_fields=shared[0], share_documents=shared[1]
        )
    except NotAllowed:
        raise PermissionDeniedException() from None
    except Invalid as invalid:
        return await _ask_form(
            request, viewer, client_id, errors=invalid.errors, typed=fields, shared=shared
        )
    return Redirect(f"/questions/{question_id}?done=asked", status_code=303)


@get("/questions", name="questions.list")
async def question_list(request: Request, viewer: NamedDependency[Viewer]) -> Response[str]:
    """The fixed contract: the mediators' queue of their team (filters ``type``, ``ocmw``,
    ``state``, ``overdue``, ``mine``, ``page``) and the questions the viewer asked."""
    page = await queue.questions_page(viewer, request.query_params)
    listed = [
        *(page.queue.listing.questions if page.queue else []),
        *(page.asked.questions if page.asked else []),
    ]
    named = sorted({q.client for q in listed if q.client_name})
    await record_listing(viewer, named, search=False)
    context = {
        "page": page,
        "types": TYPES,
        "states": STATES,
        "news": await services.news_of(viewer, sorted({q.id for q in listed})),
        "overdue": services.overdue,
        "waiting_days": services.waiting_days,
        "figures_shown": figures_scope(viewer) is not None,
    }
    return render(request, "questions/list.html", context)


async def _detail(
    request: Request,
    viewer: Viewer,
    question_id: int,
    *,
    errors: dict[str, str] | None = None,
    typed: dict[str, str] | None = None,
) -> Response[str]:
    question = await services.find_question(viewer, question_id)
    actors = await services.actors_of(viewer, question)
    context = {
        "question": question,
        "shared": await services.shared_with(viewer, question),
        "field_labels": FIELD_LABELS,
        "shown": services.shown_value,
        "answer_labels": {a.code: a.label for a in ANSWERS},
        "news": await services.take_news(viewer, question),
        "thread": await services.thread_of(question),
        "moves": {move.code: move for move in moves(question.state.code, actors)},
        "writes": may_write(question.state.code, actors),
        "answers": ANSWERS,
        "next_steps": NEXT_STEPS,
        "states": {state.code: state for state in STATES},
        "overdue": services.overdue(question),
        "waiting": services.waiting_days(question),
        "errors": errors or {},
        "typed": typed or {},
        "notice": NOTICES.get(request.query_params.get("done") or ""),
    }
    return render(request, "questions/detail.html", context, status_code=422 if errors else 200)


@get("/questions/{question_id:int}", name="questions.detail")
async def question_page(
    request: Request, viewer: NamedDependency[Viewer], question_id: RecordId
) -> Response[str]:
    return await _detail(request, viewer, question_id)


async def _change(
    request: Request,
    viewer: Viewer,
    question_id: int,
    write: Callable[[dict[str, str]], Awaitable[Any]],
) -> Response[str] | Redirect:
    fields = await form_fields(request)
    try:
        await write(fields)
    except NotAllowed:
        raise PermissionDeniedException() from None
    except Invalid as invalid:
        return await _detail(request, viewer, question_id, errors=invalid.errors, typed=fields)
    return Redirect(f"/questions/{question_id}?done=changed", status_code=303)


def _mover(code: str) -> Any:
    async def handler(
        request: Request, viewer: NamedDependency[Viewer], question_id: RecordId
    ) -> Response[str] | Redirect:
        return await _change(
            request,
            viewer,
            question_id,
            lambda fields: services.move(viewer, question_id, code, fields),
        )

    handler.__doc__ = f"The move ``{code}`` of ``workflow.TRANSITIONS``."
    return post(f"/questions/{{question_id:int}}/{code}", name=f"questions.{code}")(handler)


claim = _mover("claim")
answer = _mover("answer")
close = _mover("close")
reopen = _mover("reopen")


@post("/questions/{question_id:int}/messages", name="questions.message")
async def message(
    request: Request, viewer: NamedDependency[Viewer], question_id: RecordId
) -> Response[str] | Redirect:
    return await _change(
        request,
        viewer,
        question_id,
        lambda fields: services.write_message(viewer, question_id, fields.get("text", "")),
    )


Year = Annotated[
    int | None, QueryParameter(name="year", ge=periods.FIRST_YEAR, le=periods.LAST_YEAR)
]


@get("/questions/figures", name="questions.figures")
async def figures_page(
    request: Request, viewer: NamedDependency[Viewer], year: Year = None
) -> Response[str]:
    """``year`` (default this year, Belgian time); 404 for who counts no question."""
    found = await figures.figures_for(viewer, year or periods.today_in_belgium().year)
    context = {"figures": found, "charts": figures.charts(found)}
    return render(request, "questions/figures.html", context)


@get("/questions/figures.csv", name="questions.figures_csv")
async def figures_csv(viewer: NamedDependency[Viewer], year: Year = None) -> Response[bytes]:
    """The figures page as CSV for Belgian Excel (``;``, UTF-8 with BOM), long format."""
    found = await figures.figures_for(viewer, year or periods.today_in_belgium().year)
    return csv_response(figures.csv_rows(found), figures.csv_filename(found.year))


route_handlers = [
    new_question,
    ask,
    question_list,
    question_page,
    claim,
    answer,
    close,
    reopen,
    message,
    figures_page,
    figures_csv,
]

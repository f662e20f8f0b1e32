"""Evaluations: the coordinators' list, one evaluation's page and its changes, the exports of a
finalised one, and the colleagues' survey."""

from __future__ import annotations

from typing import Any

from litestar import Request, Response, Router, get, post
from litestar.datastructures import FormMultiDict
from litestar.di import NamedDependency
from litestar.exceptions import NotFoundException
from litestar.response import Redirect

from portal.core.forms import read_form
from portal.core.params import RecordId
from portal.core.spreadsheet import csv_response
from portal.core.storage import content_disposition, in_thread
from portal.core.templating import render
from portal.documents import services as documents
from portal.documents.services import host_target_of
from portal.evaluations import attachments, report, services, survey, workflow
from portal.evaluations.services import Frozen, Invalid
from portal.evaluations.visibility import runs_evaluations
from portal.visibility.viewer import Viewer


async def _listing(
    request: Request,
    viewer: Viewer,
    errors: dict[str, str] | None = None,
    typed: dict[str, str] | None = None,
    existing: int | None = None,
) -> Response[str]:
    if not runs_evaluations(viewer):
        raise NotFoundException()
    listing = await services.listing(viewer)
    return render(
        request,
        "evaluations/index.html",
        {"listing": listing, "errors": errors or {}, "typed": typed or {}, "existing": existing},
        status_code=422 if errors else 200,
    )


@get("/evaluations", name="evaluations")
async def evaluation_list(request: Request, viewer: NamedDependency[Viewer]) -> Response[str]:
    """The evaluations of the coordinator's partnerships, and the form to open one."""
    return await _listing(request, viewer)


@post("/evaluations", status_code=303)
async def open_evaluation(
    request: Request, viewer: NamedDependency[Viewer]
) -> Response[str] | Redirect:
    """``partnership`` (its id) and ``period`` (``2026`` or ``2026-Q3``)."""
    form = await read_form(request)
    try:
        evaluation_id = await services.open_evaluation(viewer, form)
    except Invalid as invalid:
        typed = {key: str(value) for key, value in form.items()}
        return await _listing(request, viewer, invalid.errors, typed, invalid.existing)
    return Redirect(f"/evaluations/{evaluation_id}", status_code=303)


async def _page(
    request: Request,
    viewer: Viewer,
    evaluation_id: int,
    errors: dict[str, str] | None = None,
    typed: dict[str, str] | None = None,
) -> Response[str]:
    context = await report.page_context(viewer, evaluation_id)
    view = context["evaluation"]
    target = host_target_of(attachments.ATTACHMENT_KIND, view)
    context["attachments"] = await documents.documents_of(viewer, target)
    context["attach"] = documents.choices(viewer, target)
    context["attach_action"] = f"/attachments/{attachments.ATTACHMENT_KIND}/{view.id}"
    context["max_mb"] = request.app.state.settings.upload_max_mb
    context.update(
        errors=errors or {},
        typed=typed or {},
        done=request.query_params.get("done", ""),
        moves=workflow,
    )
    return render(request, "evaluations/detail.html", context, status_code=422 if errors else 200)


@get("/evaluations/{evaluation_id:int}", name="evaluation")
async def evaluation_page(
    request: Request, viewer: NamedDependency[Viewer], evaluation_id: RecordId
) -> Response[str]:
    return await _page(request, viewer, evaluation_id)


async def _written(
    request: Request,
    viewer: Viewer,
    evaluation_id: int,
    form: FormMultiDict,
    error: Invalid,
) -> Response[str]:
    typed = {key: str(value) for key, value in form.items()}
    return await _page(request, viewer, evaluation_id, error.errors, typed)


def _back(evaluation_id: int, done: str, anchor: str) -> Redirect:
    return Redirect(f"/evaluations/{evaluation_id}?done={done}#{anchor}", status_code=303)


@post("/evaluations/{evaluation_id:int}/conclusions", status_code=303)
async def conclusions(
    request: Request, viewer: NamedDependency[Viewer], evaluation_id: RecordId
) -> Response[str] | Redirect:
    """``strengths`` and ``adjustments`` (points to adjust)."""
    form = await read_form(request)
    try:
        await services.save_conclusions(viewer, evaluation_id, form)
    except Invalid as invalid:
        return await _written(request, viewer, evaluation_id, form, invalid)
    return _back(evaluation_id, "conclusions", "conclusions")


@post("/evaluations/{evaluation_id:int}/actions", status_code=303)
async def add_action(
    request: Request, viewer: NamedDependency[Viewer], evaluation_id: RecordId
) -> Response[str] | Redirect:
    """An action point: ``text``, ``owner``, ``due_on``."""
    form = await read_form(request)
    try:
        await services.add_action(viewer, evaluation_id, form)
    except Invalid as invalid:
        return await _written(request, viewer, evaluation_id, form, invalid)
    return _back(evaluation_id, "action", "actions")


@post("/evaluations/{evaluation_id:int}/actions/{action_id:int}/remove", status_code=303)
async def remove_action(
    viewer: NamedDependency[Viewer], evaluation_id: RecordId, action_id: RecordId
) -> Redirect:
    await services.remove_action(viewer, evaluation_id, action_id)
    return _back(evaluation_id, "action-removed", "actions")


@post("/evaluations/{evaluation_id:int}/questions", status_code=303)
async def add_question(
    request: Request, viewer: NamedDependency[Viewer], evaluation_id: RecordId
) -> Response[str] | Redirect:
    """A survey question: ``text`` and ``kind`` (``scale`` or ``open``)."""
    form = await read_form(request)
    try:
        await services.add_question(viewer, evaluation_id, form)
    except Invalid as invalid:
        return await _written(request, viewer, evaluation_id, form, invalid)
    return _back(evaluation_id, "question", "survey")


@post("/evaluations/{evaluation_id:int}/questions/{question_id:int}", status_code=303)
async def change_question(
    request: Request,
    viewer: NamedDependency[Viewer],
    evaluation_id: RecordId,
    question_id: RecordId,
) -> Response[str] | Redirect:
    """A survey question's new ``text``."""
    form = await read_form(request)
    try:
        await services.change_question(viewer, evaluation_id, question_id, form)
    except Invalid as invalid:
        invalid.errors = {f"{key}_{question_id}": value for key, value in invalid.errors.items()}
        return await _written(request, viewer, evaluation_id, form, invalid)
    return _back(evaluation_id, "question", "survey")


@post("/evaluations/{evaluation_id:int}/questions/{question_id:int}/remove", status_code=303)
async def remove_question(
    viewer: NamedDependency[Viewer], evaluation_id: RecordId, question_id: RecordId
) -> Redirect:
    await services.remove_question(viewer, evaluation_id, question_id)
    return _back(evaluation_id, "question-removed", "survey")


async def _move(
    request: Request, viewer: Viewer, evaluation_id: int, step: workflow.Move
) -> Response[str] | Redirect:
    try:
        await services.move(viewer, evaluation_id, step)
    except Invalid as invalid:
        return await _written(request, viewer, evaluation_id, FormMultiDict(), invalid)
    return _back(evaluation_id, step.code, "state")


@post("/evaluations/{evaluation_id:int}/send-survey", status_code=303)
async def send_survey(
    request: Request, viewer: NamedDependency[Viewer], evaluation_id: RecordId
) -> Response[str] | Redirect:
    return await _move(request, viewer, evaluation_id, workflow.SEND_SURVEY)


@post("/evaluations/{evaluation_id:int}/close-survey", status_code=303)
async def close_survey(
    request: Request, viewer: NamedDependency[Viewer], evaluation_id: RecordId
) -> Response[str] | Redirect:
    return await _move(request, viewer, evaluation_id, workflow.CLOSE_SURVEY)


@post("/evaluations/{evaluation_id:int}/review", status_code=303)
async def to_review(
    request: Request, viewer: NamedDependency[Viewer], evaluation_id: RecordId
) -> Response[str] | Redirect:
    return await _move(request, viewer, evaluation_id, workflow.SKIP_SURVEY)


@post("/evaluations/{evaluation_id:int}/finalise", status_code=303)
async def finalise(
    request: Request, viewer: NamedDependency[Viewer], evaluation_id: RecordId
) -> Response[str] | Redirect:
    """Freeze the evaluation: its figures are kept as they are now; nothing changes after."""
    return await _move(request, viewer, evaluation_id, workflow.FINALISE)


async def _finalised(viewer: Viewer, evaluation_id: int) -> dict[str, Any]:
    context = await report.page_context(viewer, evaluation_id)
    if not context["evaluation"].finalised:
        raise NotFoundException()
    return context


@get("/evaluations/{evaluation_id:int}/export.pdf", name="evaluation_pdf")
async def export_pdf(
    request: Request, viewer: NamedDependency[Viewer], evaluation_id: RecordId
) -> Response[bytes]:
    """The finalised evaluation as a PDF, with its charts (404 before it is finalised)."""
    context = await _finalised(viewer, evaluation_id)
    view = context["evaluation"]
    body = await in_thread(report.render_pdf, request.app.state.jinja, context)
    return Response(
        body,
        media_type="application/pdf",
        headers={
            "Content-Disposition": content_disposition(report.pdf_filename(view)),
            "Cache-Control": "no-store",
            "X-Content-Type-Options": "nosniff",
        },
    )


@get("/evaluations/{evaluation_id:int}/export.csv", name="evaluation_csv")
async def export_csv(viewer: NamedDependency[Viewer], evaluation_id: RecordId) -> Response[bytes]:
    """The finalised evaluation's figures, survey and conclusions for Belgian Excel."""
    context = await _finalised(viewer, evaluation_id)
    view = context["evaluation"]
    rows = report.csv_rows(view, context["page"].figures, context["results"])
    return csv_response(rows, report.csv_filename(view))


@get("/evaluations/{evaluation_id:int}/survey", name="evaluation_survey")
async def survey_page(
    request: Request, viewer: NamedDependency[Viewer], evaluation_id: RecordId
) -> Response[str]:
    """The survey for a colleague it was sent to; 404 for anyone else."""
    form = await survey.survey_form(viewer, evaluation_id)
    form.typed = {}
    return render(
        request,
        "evaluations/survey.html",
        {"form": form, "done": request.query_params.get("done", "")},
    )


@post("/evaluations/{evaluation_id:int}/survey", status_code=303)
async def answer_survey(
    request: Request, viewer: NamedDependency[Viewer], evaluation_id: RecordId
) -> Response[str] | Redirect:
    """``score_<question>`` (1–5) and ``text_<question>``; once per colleague."""
    data = await read_form(request)
    try:
        await survey.answer(viewer, evaluation_id, data)
    except Invalid as invalid:
        form = await survey.survey_form(viewer, evaluation_id)
        form.typed = {key: str(value) for key, value in data.items()}
        form.errors = invalid.errors
        return render(
            request, "evaluations/survey.html", {"form": form, "done": ""}, status_code=422
        )
    return Redirect(f"/evaluations/{evaluation_id}/survey?done=answered", status_code=303)


def _frozen(request: Request, _exc: Frozen) -> Response[str]:
    """A write that found the evaluation finalised or moved on (or a survey already answered):
    nothing was written; the page says so and leads back."""
    back = f"/evaluations/{request.path_params.get('evaluation_id')}"
    if request.url.path.endswith("/survey"):
        back += "/survey"
    return render(request, "evaluations/frozen.html", {"back": back}, status_code=409)


route_handlers = [
    Router(
        path="/",
        route_handlers=[
            evaluation_list,
            open_evaluation,
            evaluation_page,
            conclusions,
            add_action,
            remove_action,
            add_question,
            change_question,
            remove_question,
            send_survey,
            close_survey,
            to_review,
            finalise,
            export_pdf,
            export_csv,
            survey_page,
            answer_survey,
        ],
        exception_handlers={Frozen: _frozen},
    )
]

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from litestar import Request, Response, get, post
from litestar.di import NamedDependency
from litestar.exceptions import NotFoundException, PermissionDeniedException
from litestar.response import Redirect

from portal.audit.services import record_listing
from portal.core.forms import form_fields
from portal.core.i18n import N_
from portal.core.params import RecordId
from portal.core.templating import render
from portal.courses import services
from portal.courses.attachments import ATTACHMENT_KIND
from portal.courses.visibility import sees_courses
from portal.courses.workflow import PRESENCES
from portal.documents import services as documents
from portal.visibility.viewer import Viewer

NOTICES = {
    "created": N_("The course has been created. Add its sessions below."),
    "session": N_("The session has been added."),
    "enrolled": N_("The client is enrolled; the enrolment is on their timeline."),
    "attendance": N_("The attendance has been saved on each client's timeline."),
    "unchanged": N_("Nothing changed: the attendance was already recorded like this."),
}


@get("/courses", name="courses")
async def course_list(request: Request, viewer: NamedDependency[Viewer]) -> Response[str]:
    if not sees_courses(viewer):
        raise NotFoundException()
    context = {
        "items": await services.list_courses(viewer),
        "organises": services.organises_courses(viewer),
    }
    return render(request, "courses/list.html", context)


async def _new_form(
    request: Request,
    viewer: Viewer,
    errors: dict[str, str] | None = None,
    typed: dict[str, str] | None = None,
) -> Response[str]:
    choices = await services.organisable_ocmws(viewer)
    typed = typed or ({"ocmw": str(choices[0].id)} if len(choices) == 1 else {})
    return render(
        request,
        "courses/new.html",
        {"choices": choices, "errors": errors or {}, "typed": typed},
        status_code=422 if errors else 200,
    )


@get("/courses/new", name="course_new")
async def new_course(request: Request, viewer: NamedDependency[Viewer]) -> Response[str]:
    if not services.organises_courses(viewer):
        raise PermissionDeniedException()
    return await _new_form(request, viewer)


@post("/courses", status_code=303)
async def create_course(
    request: Request, viewer: NamedDependency[Viewer]
) -> Response[str] | Redirect:
    """A social worker or a toeleider creates a course and organises it."""
    fields = await form_fields(request)
    try:
        course_id = await services.create_course(viewer, fields)
    except services.NotAllowed:
        raise PermissionDeniedException() from None
    except services.Invalid as invalid:
        return await _new_form(request, viewer, invalid.errors, fields)
    return Redirect(f"/courses/{course_id}?done=created", status_code=303)


async def _course_screen(
    request: Request,
    viewer: Viewer,
    course_id: int,
    errors: dict[str, str] | None = None,
    typed: dict[str, str] | None = None,
) -> Response[str]:
    page = await services.course_page(viewer, course_id)
    await record_listing(viewer, [line.client for line in page.roster], search=False)
    attachments = documents.host_target_of(ATTACHMENT_KIND, page.course)
    context = {
        "page": page,
        "attachments": await documents.documents_of(viewer, attachments),
        "attach": documents.choices(viewer, attachments),
        "attach_action": f"/attachments/{ATTACHMENT_KIND}/{course_id}",
        "max_mb": request.app.state.settings.upload_max_mb,
        "presences": PRESENCES,
        "errors": errors or {},
        "typed": typed or {},
        "notice": NOTICES.get(request.query_params.get("done") or ""),
    }
    return render(request, "courses/detail.html", context, status_code=422 if errors else 200)


@get("/courses/{course_id:int}", name="course")
async def course_detail(
    request: Request, viewer: NamedDependency[Viewer], course_id: RecordId
) -> Response[str]:
    """A course: its sessions, the roster as the viewer may see it, the attendance grid."""
    return await _course_screen(request, viewer, course_id)


Change = Callable[[Viewer, int, dict[str, str]], Awaitable[Any]]


async def _change(
    request: Request, viewer: Viewer, course_id: int, done: str, change: Change
) -> Response[str] | Redirect:
    """One change to a course from its form: 303 back to the course, or the course again with
    the messages next to the fields (422); 403 for who sees it but may not make the change."""
    fields = await form_fields(request)
    try:
        await change(viewer, course_id, fields)
    except services.NotAllowed:
        raise PermissionDeniedException() from None
    except services.Invalid as invalid:
        typed = fields | {"form": done}
        return await _course_screen(request, viewer, course_id, invalid.errors, typed)
    return Redirect(f"/courses/{course_id}?done={done}#{done}", status_code=303)


@post("/courses/{course_id:int}/sessions", status_code=303)
async def add_session(
    request: Request, viewer: NamedDependency[Viewer], course_id: RecordId
) -> Response[str] | Redirect:
    return await _change(request, viewer, course_id, "session", services.add_session)


@post("/courses/{course_id:int}/enrolments", status_code=303)
async def enrol(
    request: Request, viewer: NamedDependency[Viewer], course_id: RecordId
) -> Response[str] | Redirect:
    return await _change(request, viewer, course_id, "enrolled", services.enrol)


async def _session_screen(
    request: Request,
    viewer: Viewer,
    course_id: int,
    session_id: int,
    errors: dict[str, str] | None = None,
    typed: dict[str, str] | None = None,
) -> Response[str]:
    try:
        found = await services.session_page(viewer, course_id, session_id)
    except services.NotAllowed:
        raise PermissionDeniedException() from None
    context = {
        "found": found,
        "presences": PRESENCES,
        "errors": errors or {},
        "typed": typed or {},
    }
    return render(request, "courses/session.html", context, status_code=422 if errors else 200)


@get("/courses/{course_id:int}/sessions/{session_id:int}", name="course_session")
async def session_form(
    request: Request, viewer: NamedDependency[Viewer], course_id: RecordId, session_id: RecordId
) -> Response[str]:
    """One session's attendance, for the organiser and the enrolled clients' file holders."""
    return await _session_screen(request, viewer, course_id, session_id)


@post("/courses/{course_id:int}/sessions/{session_id:int}/attendance", status_code=303)
async def record_attendance(
    request: Request, viewer: NamedDependency[Viewer], course_id: RecordId, session_id: RecordId
) -> Response[str] | Redirect:
    fields = await form_fields(request)
    try:
        changed = await services.record_attendance(viewer, course_id, session_id, fields)
    except services.NotAllowed:
        raise PermissionDeniedException() from None
    except services.Invalid as invalid:
        return await _session_screen(request, viewer, course_id, session_id, invalid.errors, fields)
    done = "attendance" if changed else "unchanged"
    return Redirect(f"/courses/{course_id}?done={done}#attendance", status_code=303)


route_handlers = [
    course_list,
    new_course,
    create_course,
    course_detail,
    add_session,
    enrol,
    session_form,
    record_attendance,
]

"""Upload, download, versions and removal of documents; thin handlers over ``services``."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Annotated, Any

from litestar import Request, Response, get, post
from litestar.di import NamedDependency
from litestar.exceptions import (
    ClientException,
    HTTPException,
    NotFoundException,
    PermissionDeniedException,
)
from litestar.params import PathParameter
from litestar.response import Redirect, Stream

from portal.clients.changes import Invalid
from portal.clients.services import NotAllowed
from portal.core.forms import form_fields
from portal.core.i18n import N_
from portal.core.i18n import gettext_ as _
from portal.core.params import RecordId
from portal.core.security import CSRF_FROM_STREAM, CSRF_PENDING, verify_csrf
from portal.core.storage import PRESIGN_MAX, content_disposition, in_thread
from portal.core.templating import is_htmx, render
from portal.documents import hosts, services
from portal.documents.receiving import BadBody, MultipartBody
from portal.documents.services import Limits, StorageDown, Target
from portal.documents.visibility import DocumentView
from portal.documents.workflow import CATEGORIES
from portal.visibility.viewer import Viewer

MB = 1024 * 1024
HostKind = Annotated[str, PathParameter(max_length=32)]
STORAGE_DOWN = N_(
    "The document store cannot be reached right now; nothing was kept. Try again in a few minutes."
)
FORM_ROOM = MB
"""What a multipart body may carry besides the file: boundaries, headers and the small fields."""


def _limits(request: Request) -> Limits:
    settings = request.app.state.settings
    max_bytes = settings.upload_max_mb * MB

    def check_token(token: str | None) -> None:
        if request.scope.get(CSRF_PENDING):
            verify_csrf(request, token)

    return Limits(store=request.app.state.storage, max_bytes=max_bytes, verify_csrf=check_token)


def _body(request: Request) -> MultipartBody:
    try:
        return MultipartBody(request.stream(), request.headers.get("content-type", ""))
    except BadBody as bad:
        raise ClientException(str(bad)) from None


def _target_url(target: Target) -> str:
    if target.client is not None:
        return f"/clients/{target.client.id}"
    assert target.host is not None
    return hosts.host(target.host.kind).url(target.host.id)


async def _form_page(
    request: Request,
    viewer: Viewer,
    target: Target,
    *,
    errors: dict[str, str] | None = None,
    typed: dict[str, str] | None = None,
    status_code: int = 200,
) -> Response[str]:
    allowed = services.choices(viewer, target)
    if not allowed:
        raise PermissionDeniedException()
    context = {
        "target": target,
        "client": target.client,
        "back": _target_url(target),
        "action": _upload_action(target),
        "choices": allowed,
        "errors": errors or {},
        "typed": typed or {},
        "max_mb": _limits(request).max_bytes // MB,
    }
    return render(request, "documents/new.html", context, status_code=status_code)


def _upload_action(target: Target) -> str:
    if target.client is not None:
        return f"/clients/{target.client.id}/documents"
    assert target.host is not None
    return f"/attachments/{target.host.kind}/{target.host.id}"


def _too_large(request: Request) -> dict[str, str]:
    return {
        "file": _("The file is larger than %(max)d MB. Choose a smaller file.")
        % {"max": _limits(request).max_bytes // MB}
    }


async def _receive(
    request: Request,
    viewer: Viewer,
    target: Target,
    write: Callable[[MultipartBody, Limits], Awaitable[int]],
    form: Callable[..., Awaitable[Response[str]]],
) -> Response[str] | Redirect:
    body = _body(request)
    try:
        document_id = await write(body, _limits(request))
    except NotAllowed:
        raise PermissionDeniedException() from None
    except Invalid as invalid:
        return await form(errors=invalid.errors, typed=body.fields, status_code=422)
    except StorageDown:
        errors = {"form": _(STORAGE_DOWN)}
        return await form(errors=errors, typed=body.fields, status_code=503)
    except BadBody as bad:
        raise ClientException(str(bad)) from None
    except HTTPException as error:
        if error.status_code != 413:
            raise
        await body.drain()
        return await form(errors=_too_large(request), typed=body.fields, status_code=422)
    if is_htmx(request):
        try:
            document = await services.find_document(viewer, document_id)
        except NotFoundException:
            document = None  # attached where only others read it (a structural signal)
        if document is not None:
            return render(request, "documents/_entry.html", {"d": document}, status_code=201)
    return Redirect(f"{_target_url(target)}?done=document#documents", status_code=303)


async def _add(request: Request, viewer: Viewer, target: Target) -> Response[str] | Redirect:
    """A new document for a client or a host; its form again when refused."""

    async def page(**kwargs: Any) -> Response[str]:
        return await _form_page(request, viewer, target, **kwargs)

    return await _receive(
        request,
        viewer,
        target,
        lambda body, limits: services.upload(viewer, target, body, limits),
        page,
    )


def upload_route(max_bytes: int) -> Any:
    opt = {CSRF_FROM_STREAM: True}
    limit = max_bytes + FORM_ROOM

    @post(
        "/clients/{client_id:int}/documents",
        opt=opt,
        request_max_body_size=limit,
        name="documents.upload",
    )
    async def upload(
        request: Request, viewer: NamedDependency[Viewer], client_id: RecordId
    ) -> Response[str] | Redirect:
        """The fixed upload contract: ``csrf_token`` (or the header), ``audience``, ``category``
        and the file in ``file``; 303 to the client file."""
        return await _add(request, viewer, await services.client_target(viewer, client_id))

    @post(
        "/attachments/{kind:str}/{host_id:int}",
        opt=opt,
        request_max_body_size=limit,
        name="documents.attach",
    )
    async def attach(
        request: Request, viewer: NamedDependency[Viewer], kind: HostKind, host_id: RecordId
    ) -> Response[str] | Redirect:
        return await _add(request, viewer, await services.host_target(viewer, kind, host_id))

    @post(
        "/documents/{document_id:int}/versions",
        opt=opt,
        request_max_body_size=limit,
        name="documents.version",
    )
    async def new_version(
        request: Request, viewer: NamedDependency[Viewer], document_id: RecordId
    ) -> Response[str] | Redirect:
        document = await services.find_document(viewer, document_id)
        target = await services.target_of(viewer, document)

        async def page(**kwargs: Any) -> Response[str]:
            return await _versions_page(request, viewer, document, **kwargs)

        return await _receive(
            request,
            viewer,
            target,
            lambda body, limits: services.upload_version(viewer, document_id, body, limits),
            page,
        )

    return [upload, attach, new_version]


@get("/clients/{client_id:int}/documents", name="documents.list")
async def client_documents(
    request: Request, viewer: NamedDependency[Viewer], client_id: RecordId
) -> Response[str]:
    """Every current document of the file the viewer may read, newest first; ``category``
    narrows the list."""
    target = await services.client_target(viewer, client_id)
    documents = await services.documents_of(viewer, target)
    present = {d.category.code: d.category for d in documents}
    chosen = request.query_params.get("category") or ""
    shown = [d for d in documents if d.category.code == chosen] if chosen in present else documents
    context = {
        "client": target.client,
        "documents": shown,
        "categories": [c for c in CATEGORIES if c.code in present],
        "chosen": chosen if chosen in present else "",
        "may_add": bool(services.choices(viewer, target)),
    }
    return render(request, "documents/list.html", context)


@get("/clients/{client_id:int}/documents/new", name="documents.new")
async def new_document(
    request: Request, viewer: NamedDependency[Viewer], client_id: RecordId
) -> Response[str]:
    return await _form_page(request, viewer, await services.client_target(viewer, client_id))


async def _chunks(request: Request, document: DocumentView) -> AsyncIterator[bytes]:
    iterator = request.app.state.storage.chunks(document.object_key)
    while chunk := await in_thread(next, iterator, b""):
        yield chunk


@get("/documents/{document_id:int}", name="documents.download")
async def download(
    request: Request, viewer: NamedDependency[Viewer], document_id: RecordId
) -> Stream | Redirect:
    """The file, as an attachment of its sniffed type, or a redirect to a presigned URL of at most
    60 seconds that forces the same; always after the visibility check and the access record."""
    document = await services.download(viewer, document_id)
    store = request.app.state.storage
    disposition = content_disposition(document.name)
    url = await in_thread(
        lambda: store.presigned_download(
            document.object_key,
            filename=document.name,
            content_type=document.content_type,
            expires=PRESIGN_MAX,
        )
    )
    if url is not None:
        return Redirect(url, status_code=303)
    return Stream(
        _chunks(request, document),
        media_type=document.content_type,
        headers={
            "Content-Disposition": disposition,
            "Content-Length": str(document.size),
            "X-Content-Type-Options": "nosniff",
            "Cache-Control": "no-store",
            "Content-Type": document.content_type,
        },
    )


async def _versions_page(
    request: Request,
    viewer: Viewer,
    document: DocumentView,
    *,
    errors: dict[str, str] | None = None,
    typed: dict[str, str] | None = None,
    status_code: int = 200,
) -> Response[str]:
    target = await services.target_of(viewer, document)
    versions = await services.versions_of(viewer, document)
    current = next((v for v in versions if v.current), document)
    context = {
        "document": current,
        "versions": versions,
        "target": target,
        "client": target.client,
        "back": _target_url(target),
        "may_change": current.deleted_at is None
        and services.may_change(viewer, target, current, services.owner_of(versions)),
        "errors": errors or {},
        "typed": typed or {},
        "max_mb": _limits(request).max_bytes // MB,
    }
    return render(request, "documents/versions.html", context, status_code=status_code)


@get("/documents/{document_id:int}/versions", name="documents.versions")
async def versions(
    request: Request, viewer: NamedDependency[Viewer], document_id: RecordId
) -> Response[str]:
    return await _versions_page(request, viewer, await services.find_document(viewer, document_id))


@post("/documents/{document_id:int}/remove", name="documents.remove")
async def remove(
    request: Request, viewer: NamedDependency[Viewer], document_id: RecordId
) -> Response[str] | Redirect:
    document = await services.find_document(viewer, document_id)
    fields = await form_fields(request)
    try:
        target = await services.remove(viewer, document_id, fields)
    except NotAllowed:
        raise PermissionDeniedException() from None
    except Invalid as invalid:
        return await _versions_page(
            request, viewer, document, errors=invalid.errors, typed=fields, status_code=422
        )
    return Redirect(f"{_target_url(target)}?done=document-removed#documents", status_code=303)


def route_handlers(settings: Any) -> list[Any]:
    max_bytes = settings.upload_max_mb * MB
    return [*upload_route(max_bytes), client_documents, new_document, download, versions, remove]

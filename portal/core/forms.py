"""Reading submitted forms: within limits, and as plain strings, so a form with an error comes back
as it was typed.

A form is read within the limits of its route: ``FORM_MAX_BYTES`` and ``FORM_MAX_FIELDS`` unless
the route's ``opt`` declares others (``opt={FORM_MAX_BYTES_OPT: ..., FORM_MAX_FIELDS_OPT: ...}``).
Past a limit the answer is 413, before the form is parsed: an announced ``Content-Length`` over it
is refused before any of the body is read, and a body without one is read no further than the
limit. Handlers read forms through ``form_fields`` (never ``request.form()`` directly).
"""

from __future__ import annotations

from urllib.parse import urlsplit

from litestar import Request
from litestar.datastructures import FormMultiDict
from litestar.exceptions import ClientException
from litestar.exceptions.http_exceptions import RequestEntityTooLarge
from litestar.types import Empty, HTTPRequestEvent, ReceiveMessage
from litestar.utils.scope.state import ScopeState

FORM_MAX_BYTES = 64 * 1024
FORM_MAX_FIELDS = 200
FORM_MAX_BYTES_OPT = "form_max_bytes"
FORM_MAX_FIELDS_OPT = "form_max_fields"
URL_ENCODED = "application/x-www-form-urlencoded"
MULTIPART = "multipart/form-data"
_READ_KEY = "brug_form_read"


def is_form(request: Request) -> bool:
    return request.content_type[0] in (URL_ENCODED, MULTIPART)


def form_limits(request: Request) -> tuple[int, int]:
    """The route's limits: (bytes, fields)."""
    opt = request.route_handler.opt
    return (
        int(opt.get(FORM_MAX_BYTES_OPT, FORM_MAX_BYTES)),
        int(opt.get(FORM_MAX_FIELDS_OPT, FORM_MAX_FIELDS)),
    )


async def read_form(request: Request) -> FormMultiDict:
    """The submitted form, read and counted within the route's limits (413 past them). A field
    with a NUL character, which nobody types and PostgreSQL cannot store, is a bad request."""
    if not is_form(request):
        return FormMultiDict()
    if not request.scope.get(_READ_KEY) and not _already_read(request):
        max_bytes, max_fields = form_limits(request)
        body = await _read_body(request, max_bytes)
        if _field_count(request, body) > max_fields:
            raise RequestEntityTooLarge("too many form fields")
        request.scope[_READ_KEY] = True  # type: ignore[literal-required]
    form = await request.form()
    if any(isinstance(value, str) and "\x00" in value for _, value in form.multi_items()):
        raise ClientException("a form field holds a NUL character")
    return form


def _already_read(request: Request) -> bool:
    """Whether Litestar read the body already (a handler's ``data`` parameter): not again."""
    state = ScopeState.from_scope(request.scope)
    return state.body is not Empty or state.form is not Empty


async def _read_body(request: Request, max_bytes: int) -> bytes:
    """The whole body, never more than ``max_bytes`` of it; the request replays it afterwards."""
    length = request.content_length
    if length is not None and length > max_bytes:
        raise RequestEntityTooLarge("form too large")
    chunks: list[bytes] = []
    total = 0
    while True:
        message = await request.receive()
        if message["type"] != "http.request":
            raise ClientException("client disconnected while sending the form")
        chunk = message["body"]
        total += len(chunk)
        if total > max_bytes:
            raise RequestEntityTooLarge("form too large")
        chunks.append(chunk)
        if not message.get("more_body", False):
            break
    body = b"".join(chunks)
    original = request.receive
    replayed = False

    async def replay() -> ReceiveMessage:
        nonlocal replayed
        if replayed:
            return await original()
        replayed = True
        return HTTPRequestEvent(type="http.request", body=body, more_body=False)

    request.receive = replay
    return body


def _field_count(request: Request, body: bytes) -> int:
    content_type, options = request.content_type
    if content_type == MULTIPART:
        boundary = options.get("boundary", "")
        return body.count(b"--" + boundary.encode("latin-1")) - 1 if boundary else 0
    return body.count(b"&") + 1 if body else 0


async def form_fields(request: Request) -> dict[str, str]:
    form = await read_form(request)
    return {key: value.strip() for key, value in form.items() if isinstance(value, str)}


def local_path(target: str | None, default: str = "/") -> str:
    """A redirect target limited to this site (no scheme, host or protocol-relative path)."""
    if not target:
        return default
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return default
    if "\\" in target:
        return default
    return target

"""Jinja2 environment and the one helper that renders a whole page or, for htmx, its fragment."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from jinja2 import (
    BytecodeCache,
    Environment,
    FileSystemLoader,
    StrictUndefined,
    pass_context,
    select_autoescape,
)
from jinja2.bccache import Bucket
from jinja2.runtime import Context
from litestar import Request, Response
from litestar.enums import MediaType
from markupsafe import Markup

from portal.core import i18n
from portal.core.sessions import SCOPE_KEY, session_of

TEMPLATES_DIR = Path(__file__).resolve().parents[2] / "templates"
LOCAL_TIME = ZoneInfo("Europe/Brussels")


def local_time(moment: dt.datetime) -> dt.datetime:
    """Stored moments are UTC; people read Belgian time (a naive value is taken as UTC)."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    return moment.astimezone(LOCAL_TIME)


class _ProcessBytecode(BytecodeCache):
    """Compiled templates kept for the process: an environment made later (every app the tests
    create, a reload) reuses them. Jinja checks each template's source checksum, so a changed
    template is compiled again."""

    def __init__(self) -> None:
        self._code: dict[str, bytes] = {}

    def load_bytecode(self, bucket: Bucket) -> None:
        code = self._code.get(bucket.key)
        if code is not None:
            bucket.bytecode_from_string(code)

    def dump_bytecode(self, bucket: Bucket) -> None:
        self._code[bucket.key] = bucket.bytecode_to_string()


_BYTECODE = _ProcessBytecode()

ContextCheck = Callable[[Any], None]
Navigation = Callable[[Any, str], list[Any]]


def make_environment(
    *, auto_reload: bool = True, globals_: dict[str, Any] | None = None
) -> Environment:
    env = Environment(
        loader=FileSystemLoader(TEMPLATES_DIR),
        autoescape=select_autoescape(["html"]),
        undefined=StrictUndefined,
        extensions=["jinja2.ext.i18n"],
        trim_blocks=True,
        lstrip_blocks=True,
        auto_reload=auto_reload,
        bytecode_cache=_BYTECODE,
    )
    env.install_gettext_callables(  # type: ignore[attr-defined]
        i18n.gettext_, i18n.ngettext_, newstyle=True
    )
    env.globals["gettext"] = env.globals["_"] = _template_gettext
    env.globals["current_locale"] = i18n.current_locale
    env.globals.update(globals_ or {})
    env.filters["local"] = local_time
    return env


_TRANSLATED: dict[tuple[str, str], Markup] = {}
_TRANSLATED_MAX = 8192
"""Messages come from templates and code, but some are labels kept in the database (themes):
the cache stops growing rather than follow them without bound."""


def _markup(message: str) -> Markup:
    """A catalog's message is markup written by the project's translators, as Jinja's own
    gettext takes it; the values put into it are escaped by ``%``."""
    return Markup(message)  # noqa: S704  # nosec B704


@pass_context
def _template_gettext(context: Context, message: str, **variables: Any) -> str:
    """Jinja's new-style ``_()``, with a message without variables translated and escaped once
    per locale (a page asks for about a hundred)."""
    if variables or not context.eval_ctx.autoescape:
        translated = i18n.gettext_(message)
        if not context.eval_ctx.autoescape:
            return translated % variables
        return _markup(translated) % variables
    key = (i18n.current_locale(), message)
    found = _TRANSLATED.get(key)
    if found is None:
        found = _markup(i18n.gettext_(message)) % {}
        if len(_TRANSLATED) < _TRANSLATED_MAX:
            _TRANSLATED[key] = found
    return found


def is_htmx(request: Request) -> bool:
    return request.headers.get("hx-request") == "true"


def render(
    request: Request,
    template: str,
    context: dict[str, Any] | None = None,
    *,
    fragment: str | None = None,
    status_code: int = 200,
    headers: dict[str, str] | None = None,
) -> Response[str]:
    """Render ``template``; an htmx request gets ``fragment`` instead when one is given.

    Where the app installed a context check (development and tests), the handler's values are
    checked first: a raw row or table object never reaches a template.
    """
    env: Environment = request.app.state.jinja
    name = fragment if fragment and is_htmx(request) else template
    check: ContextCheck | None = request.app.state.get("context_check")
    if check is not None and context:
        check(context)
    values = {**base_context(request), **(context or {})}
    body = env.get_template(name).render(values)
    return Response(body, status_code=status_code, media_type=MediaType.HTML, headers=headers or {})


def render_fragment(request: Request, template: str, context: dict[str, Any]) -> str:
    """A fragment as text, outside a response (a live stream's entry): only ``context`` and the
    environment's globals, checked like ``render``'s."""
    check: ContextCheck | None = request.app.state.get("context_check")
    if check is not None:
        check(context)
    env: Environment = request.app.state.jinja
    return env.get_template(template).render(context)


def base_context(request: Request) -> dict[str, Any]:
    session = session_of(request.scope) if SCOPE_KEY in request.scope else None
    viewer = getattr(request.state, "viewer", None)
    return {
        "request": request,
        "viewer": viewer,
        "csrf_token": session.csrf_token() if session is not None else "",
        "navigation": request.app.state.navigation(viewer, request.url.path),
        "development": not request.app.state.settings.is_production,
    }

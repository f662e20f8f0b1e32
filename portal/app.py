"""``create_app(settings)``: the one place that wires settings, database, sessions, pages."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from litestar import Litestar, Request
from litestar.datastructures import State
from litestar.di import Provide
from litestar.exceptions import ClientException, HTTPException, NotFoundException
from litestar.static_files import create_static_files_router

from portal import domains
from portal.accounts.auth import provide_viewer, require_login
from portal.accounts.oidc import OidcClient
from portal.audit import context as audit_context
from portal.core import db, i18n, live, prepared
from portal.core.errors import http_error, server_error
from portal.core.security import check_csrf, security_headers
from portal.core.sessions import (
    FileSessionStore,
    RedisSessionStore,
    SessionMiddleware,
    SessionStore,
)
from portal.core.storage import DocumentStore, StorageUnavailable
from portal.core.storage.local import LocalDocumentStore
from portal.core.storage.s3 import S3DocumentStore
from portal.core.templating import make_environment
from portal.settings import ConfigError, Settings
from portal.visibility import labels
from portal.visibility.scoping import assert_projected

STATIC_DIR = Path(__file__).resolve().parents[1] / "static"
log = logging.getLogger("portal")


def session_store(settings: Settings) -> SessionStore:
    """Redis when ``PORTAL_REDIS_URL`` is set, else files under ``var/sessions``."""
    if settings.session.redis_url:
        return RedisSessionStore.from_url(settings.session.redis_url)
    return FileSessionStore(settings.var_dir / "sessions")


def document_store(settings: Settings) -> DocumentStore:
    """The S3 bucket when ``PORTAL_S3_ENDPOINT`` is set, else the folder ``documents_dir``."""
    if settings.s3:
        return S3DocumentStore(
            endpoint=settings.s3.endpoint,
            access_key=settings.s3.access_key,
            secret_key=settings.s3.secret_key,
            bucket=settings.s3.bucket,
            secure=settings.s3.secure,
            region=settings.s3.region,
        )
    return LocalDocumentStore(settings.documents_dir)


def storage_variable(settings: Settings) -> str:
    """The variable to name when the document store fails."""
    return "PORTAL_S3_ENDPOINT" if settings.s3 else "PORTAL_DOCUMENTS_DIR"


def create_app(settings: Settings, *, sessions: SessionStore | None = None) -> Litestar:
    """The app for ``settings``; ``sessions`` replaces the session store they name (tests)."""
    if settings.database.url != db.DATABASE_URL:
        raise ConfigError(
            "PORTAL_DATABASE_URL",
            "differs from the database this process was started with; set it before start-up",
        )
    storage = document_store(settings)
    try:
        storage.prepare()
    except StorageUnavailable as error:
        raise ConfigError(storage_variable(settings), f"document store: {error}") from None
    store = sessions or session_store(settings)
    prepared.configure(verify=not settings.is_production)
    hub = live.hub_for(settings.session.redis_url, live.namespace_for(settings.database.url))

    @asynccontextmanager
    async def lifespan(app: Litestar) -> AsyncIterator[None]:
        opened_pool = await db.start()
        try:
            await hub.start()
            try:
                async with store.pruning():
                    yield
            finally:
                await hub.stop()
        finally:
            if opened_pool:
                await db.stop()
            await store.close()

    dev_login = not settings.is_production
    return Litestar(
        route_handlers=[
            *domains.route_handlers(settings),
            create_static_files_router(
                path="/static", directories=[STATIC_DIR], opt={"public": True}, name="static"
            ),
        ],
        dependencies={"viewer": Provide(provide_viewer, sync_to_thread=False)},
        guards=[require_login],
        middleware=[
            SessionMiddleware(
                store,
                settings.session,
                secret_key=settings.secret_key,
                secure=settings.secure_cookies,
            )
        ],
        before_request=_before_request,
        before_send=[
            security_headers(
                production=settings.is_production,
                form_targets=[settings.oidc.origin] if settings.oidc else [],
            )
        ],
        exception_handlers={HTTPException: http_error, Exception: server_error},
        lifespan=[lifespan],
        state=State(
            {
                "settings": settings,
                "jinja": make_environment(
                    auto_reload=not settings.is_production, globals_={"labels": labels}
                ),
                "navigation": domains.navigation_for,
                "context_check": None if settings.is_production else assert_projected,
                "storage": storage,
                "dev_login_enabled": dev_login,
                "oidc": OidcClient(settings.oidc) if settings.oidc else None,
                "session_store": store,
                "live": hub,
            }
        ),
        openapi_config=None,
        debug=False,
    )


async def _before_request(request: Request) -> None:
    i18n.use_locale_of(request.cookies)
    audit_context.note(request)
    if "\x00" in request.scope["path"]:
        raise NotFoundException()  # no file or route has a NUL in its name (the OS refuses it)
    if b"%00" in request.scope["query_string"]:  # nobody types a NUL; PostgreSQL refuses one
        raise ClientException("a NUL character in the query")
    await check_csrf(request)

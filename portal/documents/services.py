"""Documents: who may add what, the upload (bytes stored first, then the row), new versions,
removal, and reading them as a viewer may.

The database row is committed only once the object is stored; when the row cannot be written the
object is removed again, and what even that leaves behind (a crash) the sweep removes
(``sweep.py``). The ``minio`` client and the local folder are synchronous: every store call runs
in a worker thread.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
import unicodedata
from collections.abc import Awaitable, Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from functools import partial
from typing import Any

import anyio.from_thread
from litestar.exceptions import NotFoundException

from portal.audit.services import record_access
from portal.clients.changes import Invalid
from portal.clients.services import NotAllowed, find_client
from portal.clients.visibility import ClientView
from portal.core.db import unit_of_work
from portal.core.i18n import gettext_ as _
from portal.core.prepared import Bound, prepared
from portal.core.storage import DocumentStore, in_thread, new_key
from portal.documents import events, hosts
from portal.documents.receiving import MultipartBody
from portal.documents.sniff import Inspector, Refused, office_type
from portal.documents.tables import Document
from portal.documents.visibility import DocumentView, HostRef
from portal.documents.workflow import (
    AUDIENCES,
    CATEGORY_BY_CODE,
    CLIENT_CATEGORIES,
    TYPE_BY_CODE,
    Category,
    FileType,
)
from portal.timeline.services import append
from portal.visibility.policy import Audience, Relation, may_read_audience, shown_classes
from portal.visibility.records import Scope, visible_to
from portal.visibility.scoping import unscoped
from portal.visibility.viewer import Viewer

log = logging.getLogger(__name__)

UPLOADERS = frozenset({Relation.file_holder, Relation.care_team})
UPLOADED, DOWNLOADED = "document.upload", "document.download"
NAME_MAX = 200


class StorageDown(Exception):
    """The document store did not take the file; nothing was kept."""


@dataclass(frozen=True)
class Target:
    """Where a document goes: a client's file, or another record (a host)."""

    client: ClientView | None = None
    host: HostRef | None = None
    host_view: Any = None

    @property
    def client_id(self) -> int | None:
        return self.client.id if self.client is not None else None


@dataclass(frozen=True)
class Choices:
    categories: tuple[Category, ...] = ()
    audiences: tuple[Audience, ...] = ()

    def __bool__(self) -> bool:
        return bool(self.categories)


@dataclass(frozen=True)
class Stored:
    key: str
    name: str
    file_type: FileType
    size: int
    sha256: str


@dataclass
class Limits:
    store: DocumentStore
    max_bytes: int
    verify_csrf: Callable[[str | None], None] = field(default=lambda _token: None)


async def client_target(viewer: Viewer, client_id: int) -> Target:
    return Target(client=await find_client(viewer, client_id))


async def host_target(viewer: Viewer, kind: str, host_id: int) -> Target:
    try:
        declared = hosts.host(kind)
    except KeyError:
        raise NotFoundException() from None
    return host_target_of(kind, await declared.find(viewer, host_id))


def host_target_of(kind: str, view: Any) -> Target:
    """The target for a host the caller has already read through its scope."""
    return Target(host=HostRef(kind, view.id, view.relation), host_view=view)


def choices(viewer: Viewer, target: Target) -> Choices:
    """The categories and audiences this viewer may give a document here (none: no upload)."""
    if target.client is not None:
        relation = target.client.relation
        if relation not in UPLOADERS:
            return Choices()
        shown = shown_classes(viewer.roles, relation)
        return Choices(
            categories=tuple(c for c in CLIENT_CATEGORIES if c.sensitivity in shown),
            audiences=tuple(
                a for a in AUDIENCES if may_read_audience(relation, a, same_org_as_author=True)
            ),
        )
    assert target.host is not None
    declared = hosts.host(target.host.kind)
    if not declared.may_attach(viewer, target.host_view):
        return Choices()
    return Choices(categories=tuple(CATEGORY_BY_CODE[code] for code in declared.categories))


def _field_errors(
    allowed: Choices, fields: Mapping[str, str], *, complete: bool, target: Target
) -> dict[str, str]:
    errors: dict[str, str] = {}
    category = fields.get("category")
    if (category is not None or complete) and category not in {c.code for c in allowed.categories}:
        errors["category"] = _("Choose what kind of document this is.")
    audience = fields.get("audience")
    if (
        target.client is not None
        and (audience is not None or complete)
        and audience not in {a.value for a in allowed.audiences}
    ):
        errors["audience"] = _("Choose who may read the document.")
    return errors


def clean_name(name: str) -> str:
    """The file name as the uploader's system gave it, without folders or control characters."""
    base = re.split(r"[\\/]", unicodedata.normalize("NFC", name or ""))[-1]
    base = "".join(ch for ch in base if unicodedata.category(ch)[0] != "C").strip(" .")
    if len(base) > NAME_MAX:
        stem, dot, extension = base.rpartition(".")
        base = (
            stem[: NAME_MAX - len(extension) - 1] + dot + extension
            if dot and len(extension) <= 10
            else base[:NAME_MAX]
        )
    return base or "document"


def _refusal(reason: str, max_bytes: int) -> str:
    if reason == "too_large":
        return _("The file is larger than %(max)d MB. Choose a smaller file.") % {
            "max": max_bytes // (1024 * 1024)
        }
    if reason == "empty":
        return _("The file is empty.")
    return _(
        "This type of file is not accepted. Upload a PDF, PNG, JPEG, ODT, DOCX, XLSX or plain"
        " text file."
    )


async def _store(source: Callable[[], bytes], filename: str, limits: Limits) -> Stored:
    """Stream ``source`` into the store under a new key: checked, counted and hashed on the way.
    ``Invalid`` (nothing kept) when the file is refused, ``StorageDown`` when the store fails."""
    key = new_key()
    inspector = Inspector(source, limits.max_bytes)
    try:
        await in_thread(limits.store.put, key, inspector)
    except Refused as refused:
        raise Invalid({"file": _refusal(refused.reason, limits.max_bytes)}) from None
    except Exception as error:
        log.exception("document store refused an upload")
        raise StorageDown() from error
    kind = inspector.kind or "text"
    if kind == "zip":
        try:
            office = await in_thread(
                office_type, inspector.head, partial(limits.store.read_range, key), inspector.size
            )
        except Exception:
            office = None
            log.exception("could not read a stored ZIP's directory")
        if office is None:
            await _discard(limits.store, key)
            raise Invalid({"file": _refusal("type", limits.max_bytes)})
        kind = office
    return Stored(key, clean_name(filename), TYPE_BY_CODE[kind], inspector.size, inspector.sha256)


async def _discard(store: DocumentStore, key: str) -> None:
    try:
        await in_thread(store.delete, key)
    except Exception:
        log.exception("could not remove object %s; the sweep will", key)


async def _keep(
    actor: Viewer,
    target: Target,
    stored: Stored,
    category: Category,
    audience: Audience,
    store: DocumentStore,
    replaces: DocumentView | None = None,
    at: dt.datetime | None = None,
) -> int:
    """Write the row (and its timeline entry and access record) for a stored object; the object is
    removed again when that fails."""
    sensitivity = hosts.host(target.host.kind).sensitivity if target.host else category.sensitivity
    try:
        async with unit_of_work():
            if replaces is not None:
                superseded = (
                    await Document.update({Document.current: False})
                    .where((Document.id == replaces.id) & (Document.current == True))  # noqa: E712
                    .returning(Document.id)
                )
                if not superseded:
                    raise Invalid(
                        {"file": _("Someone added a newer version meanwhile. Look again first.")}
                    )
            row = Document(
                series=replaces.series if replaces else None,
                version=replaces.version + 1 if replaces else 1,
                current=True,
                client=target.client_id,
                host_kind=target.host.kind if target.host else "",
                host_id=target.host.id if target.host else None,
                category=category.code,
                sensitivity=sensitivity.value,
                audience=audience.value,
                author=actor.person_id,
                author_org=actor.org_id,
                name=stored.name,
                content_type=stored.file_type.content_type,
                size=stored.size,
                sha256=stored.sha256,
                object_key=stored.key,
                uploaded_at=at or dt.datetime.now(dt.UTC),
            )
            with unscoped("documents: writing a new row"):
                inserted = await Document.insert(row).returning(Document.id)
            document_id = int(inserted[0]["id"])
            if replaces is None:
                await Document.update({Document.series: document_id}).where(
                    Document.id == document_id
                )
            if target.client is not None:
                await append(
                    target.client.id,
                    events.VERSIONED if replaces else events.ADDED,
                    actor=actor,
                    audience=audience,
                    sensitivity=sensitivity,
                    payload={
                        "name": stored.name,
                        "category": category.code,
                        "version": replaces.version + 1 if replaces else 1,
                        "document": document_id,
                    },
                    occurred_at=at,
                )
            await record_access(
                actor,
                target.client_id,
                UPLOADED,
                [sensitivity],
                subject=f"document:{document_id}",
            )
    except BaseException:
        await _discard(store, stored.key)
        raise
    return document_id


HOP_BYTES = 1024 * 1024
"""Bytes of the file gathered on the event loop per call from the store's worker thread. The body
arrives in chunks of up to ~256 KiB, and one thread hop per chunk cost more than storing it."""


def _from_thread(next_chunk: Callable[[], Awaitable[bytes]], max_bytes: int) -> Callable[[], bytes]:
    """A reader for the store's worker thread: each call runs on the event loop and returns the
    next chunks of the file joined, ``HOP_BYTES`` or more unless the file ends (then ``b""``).

    Gathering stops as soon as the file passed ``max_bytes``, so the inspector refuses it having
    read no more of the body than chunk by chunk (before the route's own body limit answers
    413)."""
    received = 0

    async def gather() -> bytes:
        nonlocal received
        chunks: list[bytes] = []
        gathered = 0
        while gathered < HOP_BYTES and received <= max_bytes:
            chunk = await next_chunk()
            if not chunk:
                break
            chunks.append(chunk)
            gathered += len(chunk)
            received += len(chunk)
        return chunks[0] if len(chunks) == 1 else b"".join(chunks)

    return lambda: anyio.from_thread.run(gather)


async def upload(actor: Viewer, target: Target, body: MultipartBody, limits: Limits) -> int:
    """A document sent as ``multipart/form-data`` (``csrf_token`` and the fields before the file
    where a check must happen before the file is read). Raises ``NotAllowed`` for who may not
    add documents here, ``Invalid`` (nothing kept) for a refused file or form, ``StorageDown``."""
    allowed = choices(actor, target)
    has_file = await body.until_file()
    limits.verify_csrf(body.fields.get("csrf_token"))
    if not allowed:
        await body.drain()
        raise NotAllowed("this viewer may not add documents here")
    errors = _field_errors(allowed, body.fields, complete=False, target=target)
    filename = body.filename if has_file else None
    if not filename:
        errors.setdefault("file", _("Choose a file."))
    if errors or not filename:
        await body.drain()
        raise Invalid(errors)
    try:
        stored = await _store(
            _from_thread(body.file_chunk, limits.max_bytes), body.filename or "", limits
        )
        await body.rest()
    except (Invalid, StorageDown):
        await body.drain()
        raise
    fields = body.fields
    errors = _field_errors(allowed, fields, complete=True, target=target)
    if errors:
        await _discard(limits.store, stored.key)
        raise Invalid(errors)
    return await _keep(
        actor,
        target,
        stored,
        CATEGORY_BY_CODE[fields["category"]],
        Audience(fields.get("audience") or Audience.care_team.value),
        limits.store,
    )


async def add_file(
    actor: Viewer,
    target: Target,
    name: str,
    chunks: Iterable[bytes],
    *,
    category: str,
    audience: Audience = Audience.care_team,
    limits: Limits,
    at: dt.datetime | None = None,
) -> int:
    """A document from bytes at hand (the demo, imports): the same checks and the same writes."""
    allowed = choices(actor, target)
    if not allowed:
        raise NotAllowed("this viewer may not add documents here")
    fields = {"category": category, "audience": audience.value}
    errors = _field_errors(allowed, fields, complete=True, target=target)
    if errors:
        raise Invalid(errors)
    iterator: Iterator[bytes] = iter(chunks)
    stored = await _store(lambda: next(iterator, b""), name, limits)
    return await _keep(
        actor, target, stored, CATEGORY_BY_CODE[category], audience, limits.store, at=at
    )


# Reading ---------------------------------------------------------------------------------------

DOCUMENT_COLUMNS = (
    Document.id,
    Document.series,
    Document.version,
    Document.current,
    Document.client,
    Document.host_kind,
    Document.host_id,
    Document.category,
    Document.sensitivity,
    Document.audience,
    Document.author,
    Document.author_org,
    Document.name,
    Document.content_type,
    Document.size,
    Document.sha256,
    Document.object_key,
    Document.uploaded_at,
    Document.deleted_at,
    Document.delete_reason,
    Document.left_behind,
    Document.author.display_name,
    Document.author_org.name,
)


async def documents_of(viewer: Viewer, target: Target) -> list[DocumentView]:
    """The current versions of the documents of a client or a host the viewer may read, newest
    first."""
    if target.client is not None:
        scope = visible_to(viewer, Document, client=target.client)
        rows = await _current_documents(viewer, target.client)
    else:
        scope = visible_to(viewer, Document, host=target.host)
        rows = await _current(scope)
    return scope.project_all(rows)


def _current(scope: Scope) -> Any:
    return (
        scope.select(*DOCUMENT_COLUMNS)
        .where((Document.current == True) & Document.deleted_at.is_null())  # noqa: E712
        .order_by(Document.uploaded_at, ascending=False)
    )


def panel_read(viewer: Viewer, client: ClientView) -> Bound:
    """The read of ``documents_of`` for a client, for running with the page's others."""
    return _current_documents.bind(viewer, client)


@prepared(values={})
def _current_documents(viewer: Viewer, client: ClientView) -> Any:
    return _current(visible_to(viewer, Document, client=client))


async def find_document(viewer: Viewer, document_id: int) -> DocumentView:
    """One version of a document the viewer may read and that was not removed; 404 otherwise."""
    scope = visible_to(viewer, Document)
    row = await scope.get(document_id, *DOCUMENT_COLUMNS)
    view = scope.project(row) if row is not None else None
    if view is None or view.deleted_at is not None:
        raise NotFoundException()
    return view


async def versions_of(viewer: Viewer, document: DocumentView) -> list[DocumentView]:
    scope = visible_to(viewer, Document)
    rows = await (
        scope.select(*DOCUMENT_COLUMNS)
        .where(Document.series == document.series)
        .order_by(Document.version, ascending=False)
    )
    return scope.project_all(rows)


def owner_of(versions: list[DocumentView]) -> int:
    """Who added the document: the uploader of its first version."""
    return min(versions, key=lambda version: version.version).author


async def target_of(viewer: Viewer, document: DocumentView) -> Target:
    if document.client is not None:
        return await client_target(viewer, document.client)
    assert document.host_id is not None
    return await host_target(viewer, document.host_kind, document.host_id)


def may_change(viewer: Viewer, target: Target, document: DocumentView, owner: int) -> bool:
    """Who may add a version or remove: who added the document (``owner``, the first version's
    uploader), or the file holder (a host's: whoever may attach to it), while they may still add
    documents of its category and audience."""
    allowed = choices(viewer, target)
    if document.category not in allowed.categories:
        return False
    if target.client is None:
        return True
    return document.audience in allowed.audiences and (
        owner == viewer.person_id or target.client.relation is Relation.file_holder
    )


async def download(viewer: Viewer, document_id: int) -> DocumentView:
    """The version to serve, once the viewer's access is recorded (404 when not theirs)."""
    document = await find_document(viewer, document_id)
    await record_access(
        viewer,
        document.client,
        DOWNLOADED,
        [document.sensitivity],
        subject=f"document:{document.id}",
    )
    return document


# Changes ---------------------------------------------------------------------------------------


async def _changeable(actor: Viewer, document_id: int) -> tuple[DocumentView, Target]:
    document = await find_document(actor, document_id)
    target = await target_of(actor, document)
    if not document.current:
        raise Invalid({"file": _("Only the newest version can be replaced or removed.")})
    if not may_change(actor, target, document, owner_of(await versions_of(actor, document))):
        raise NotAllowed("only the uploader or the file holder changes a document")
    return document, target


async def upload_version(
    actor: Viewer, document_id: int, body: MultipartBody, limits: Limits
) -> int:
    """A new version of a current document: same category, audience and class."""
    has_file = await body.until_file()
    limits.verify_csrf(body.fields.get("csrf_token"))
    try:
        document, target = await _changeable(actor, document_id)
    except BaseException:
        await body.drain()
        raise
    if not has_file or not body.filename:
        await body.drain()
        raise Invalid({"file": _("Choose a file.")})
    try:
        stored = await _store(
            _from_thread(body.file_chunk, limits.max_bytes), body.filename or "", limits
        )
        await body.rest()
    except (Invalid, StorageDown):
        await body.drain()
        raise
    return await _keep(
        actor, target, stored, document.category, document.audience, limits.store, document
    )


REASON_MAX = 500


async def remove(actor: Viewer, document_id: int, fields: Mapping[str, str]) -> Target:
    """A soft delete of every version, with a reason; the timeline says so. The bytes stay."""
    document, target = await _changeable(actor, document_id)
    reason = " ".join(fields.get("reason", "").split())
    if not reason:
        raise Invalid({"reason": _("Say why the document is removed.")})
    if len(reason) > REASON_MAX:
        raise Invalid({"reason": _("A reason can be at most 500 characters long.")})
    async with unit_of_work():
        await Document.update(
            {
                Document.deleted_at: dt.datetime.now(dt.UTC),
                Document.deleted_by: actor.person_id,
                Document.delete_reason: reason,
            }
        ).where((Document.series == document.series) & Document.deleted_at.is_null())
        if target.client is not None:
            await append(
                target.client.id,
                events.REMOVED,
                actor=actor,
                audience=document.audience,
                sensitivity=document.sensitivity,
                payload={
                    "name": document.name,
                    "category": document.category.code,
                    "document": document.id,
                    "reason": reason,
                },
                text=reason,
            )
    return target


async def leave_behind(client_id: int, former_ocmw: int, handed_over: list[int]) -> None:
    """When a file moves (``transfers``): the former OCMW's own documents (every version) stay
    with it; those whose current version its file holder handed over move, for the new file
    holder only. Inside the transfer's unit of work."""
    private = [Audience.own_org.value, Audience.file_holder_only.value]
    series: list[int] = []
    if handed_over:
        with unscoped("documents: the versions of the documents handed over with a file"):
            rows = await Document.select(Document.id, Document.series).where(
                (Document.client == client_id) & Document.id.is_in(handed_over)
            )
        series = sorted({int(row["series"] or row["id"]) for row in rows})
    of_series = (Document.series.is_in(series) | Document.id.is_in(series)) if series else None
    if of_series is not None:
        await Document.update({Document.audience: Audience.file_holder_only.value}).where(
            (Document.client == client_id) & of_series
        )
    query = Document.update({Document.left_behind: True}).where(
        (Document.client == client_id)
        & (Document.author_org == former_ocmw)
        & Document.audience.is_in(private)
    )
    if series:
        query = query.where(
            (Document.series.is_null() | Document.series.not_in(series))
            & Document.id.not_in(series)
        )
    await query

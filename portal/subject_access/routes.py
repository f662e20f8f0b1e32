"""``GET /clients/{id}/export``: the subject-access download (GDPR art. 15) for the client's file
holder; 403 for anyone else who sees the client, 404 for who does not."""

from __future__ import annotations

from collections.abc import AsyncIterator

from litestar import Request, get
from litestar.di import NamedDependency
from litestar.exceptions import PermissionDeniedException
from litestar.response import Stream

from portal.clients.services import NotAllowed
from portal.core.params import RecordId
from portal.core.storage import content_disposition, in_thread
from portal.subject_access import services
from portal.visibility.viewer import Viewer


async def _sent(archive: services.Archive) -> AsyncIterator[bytes]:
    chunks = archive.chunks()
    try:
        while chunk := await in_thread(next, chunks, b""):
            yield chunk
    finally:
        chunks.close()


@get("/clients/{client_id:int}/export", name="client_export")
async def client_export(
    request: Request, viewer: NamedDependency[Viewer], client_id: RecordId
) -> Stream:
    """One ZIP: ``dossier.pdf``, ``dossier.json`` and the file's documents; written to the
    access log."""
    try:
        archive = await services.export_file(
            viewer,
            client_id,
            store=request.app.state.storage,
            templates=request.app.state.jinja,
        )
    except NotAllowed:
        raise PermissionDeniedException() from None
    return Stream(
        _sent(archive),
        media_type="application/zip",
        headers={
            "Content-Disposition": content_disposition(archive.filename),
            "Content-Length": str(archive.size),
            "Cache-Control": "no-store",
            "X-Content-Type-Options": "nosniff",
        },
    )


route_handlers = [client_export]

"""What the access log keeps of the request an access happens in: its id and whether it was
reached from another site. Set once per request (``note``) and read by ``record_access``."""

from __future__ import annotations

import contextvars
import secrets
from dataclasses import dataclass

from litestar import Request


@dataclass(frozen=True)
class RequestFacts:
    request_id: str
    cross_site: bool


_facts: contextvars.ContextVar[RequestFacts | None] = contextvars.ContextVar(
    "portal_request_facts", default=None
)


def note(request: Request) -> None:
    _facts.set(
        RequestFacts(
            request_id=secrets.token_hex(8),
            cross_site=request.headers.get("sec-fetch-site", "") == "cross-site",
        )
    )


def current() -> RequestFacts:
    """The request's facts; outside a request (a command) an empty id."""
    return _facts.get() or RequestFacts("", False)

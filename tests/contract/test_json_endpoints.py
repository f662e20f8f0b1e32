"""Schemathesis on the portal's JSON endpoints, as ``docs/openapi.json`` describes them.

The portal answers HTML everywhere but on a few JSON routes (today only ``GET /health``); the app
publishes no OpenAPI document of its own (``openapi_config=None``), so the JSON routes are
described by hand in ``docs/openapi.json``. Every route whose handler may answer JSON (its
return annotation is anything but text, bytes, a redirect, a file or a stream) must be described
there, and nothing else; the GET crawl (``test_gets_change_nothing``) checks the same of every
answer that came back as JSON. Schemathesis generates the requests from the document, the app
answers them in the test's own loop, and schemathesis checks each answer: a documented status,
content type, headers and a body that matches its schema; and no server error while the document
store answers (while it is down, the documented 503).
"""

from __future__ import annotations

import types
import typing
from typing import Any

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from litestar import Litestar, Response
from litestar.handlers import HTTPRouteHandler
from schemathesis import APIOperation
from schemathesis.checks import not_a_server_error
from schemathesis.core.result import Ok
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from portal.core.storage import StorageUnavailable
from tests.contract.battery import OPENAPI, described_json_routes, handlers_of

SCHEMA = schemathesis.openapi.from_path(str(OPENAPI))


def _operations() -> list[APIOperation]:
    found: list[APIOperation] = []
    for result in SCHEMA.get_all_operations():
        assert isinstance(result, Ok), f"docs/openapi.json: {result}"
        found.append(result.ok())
    return found


OPERATIONS = _operations()
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]


def _may_answer_json(annotation: Any) -> bool:
    """Whether a handler with this return annotation may answer JSON: Litestar serialises
    anything but text and bytes, unless the response is a redirect, a file, a stream or a
    template (``Response`` subclasses) or a raw ASGI response."""
    if typing.get_origin(annotation) in (typing.Union, types.UnionType):
        return any(_may_answer_json(arg) for arg in typing.get_args(annotation))
    if typing.get_origin(annotation) is Response:
        return typing.get_args(annotation)[0] not in (str, bytes)
    if isinstance(annotation, type) and annotation is not Response:
        return not (issubclass(annotation, Response) or hasattr(annotation, "to_asgi_response"))
    return annotation not in (str, bytes, None, type(None))


def _json_routes(app: Litestar) -> set[tuple[str, str]]:
    handlers: dict[tuple[str, str], HTTPRouteHandler] = {
        **handlers_of(app, safe=True),
        **handlers_of(app, safe=False),
    }
    return {
        key
        for key, handler in handlers.items()
        if _may_answer_json(handler.parsed_fn_signature.return_type.annotation)
    }


def test_every_json_route_is_described(app: Litestar) -> None:
    assert OPERATIONS, "the document describes no operation"
    assert _json_routes(app) == described_json_routes(), (
        "docs/openapi.json and the app's JSON routes differ"
    )


class _Unreachable:
    """A document store that does not answer."""

    def check(self) -> None:
        raise StorageUnavailable("test: the document store is down")


@pytest.mark.parametrize(("store", "status"), [("answering", 200), ("down", 503)])
@settings(
    max_examples=10,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(data=st.data())
async def test_json_endpoints_conform(
    app: Litestar, client: httpx.AsyncClient, store: str, status: int, data: st.DataObject
) -> None:
    kept = app.state.storage
    if store == "down":
        app.state.storage = _Unreachable()
    try:
        for operation in OPERATIONS:
            case = data.draw(operation.as_strategy(), label=operation.label)
            sent = case.as_transport_kwargs(base_url=str(client.base_url))
            response = await client.request(
                sent["method"],
                sent["url"],
                headers=sent.get("headers"),
                params=sent.get("params"),
                content=sent.get("data") or sent.get("json"),
            )
            case.validate_response(response, checks=CHECKS if status < 500 else CHECKS[1:])
            assert response.status_code == status, (operation.label, response.status_code)
    finally:
        app.state.storage = kept

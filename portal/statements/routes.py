from __future__ import annotations

from litestar import Request, Response, get

from portal.core.templating import render
from portal.statements import facts

PUBLIC = {"public": True}


@get("/privacy", opt=PUBLIC, name="privacy_statement")
async def privacy_statement(request: Request) -> Response[str]:
    return render(
        request,
        "statements/privacy.html",
        {"facts": facts.privacy(request.app.state.settings)},
    )


@get("/accessibility", opt=PUBLIC, name="accessibility_statement")
async def accessibility_statement(request: Request) -> Response[str]:
    return render(
        request,
        "statements/accessibility.html",
        {"facts": facts.accessibility(request.app.state.settings)},
    )


route_handlers = [privacy_statement, accessibility_statement]

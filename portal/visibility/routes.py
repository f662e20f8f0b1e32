from __future__ import annotations

from litestar import Request, Response, get

from portal.core.templating import render
from portal.visibility.policy import Audience, Relation, Role, Sensitivity, access


@get("/who-sees-what", name="policy")
async def who_sees_what(request: Request) -> Response[str]:
    """The policy table itself, rendered: it cannot drift from the code."""
    relations = [r for r in Relation if r is not Relation.none]
    rows = [
        {
            "role": role,
            "relation": relation,
            "cells": [access(frozenset({role}), relation, cls) for cls in Sensitivity],
        }
        for role in Role
        for relation in relations
    ]
    return render(
        request,
        "visibility/policy.html",
        {
            "rows": rows,
            "classes": list(Sensitivity),
            "audiences": list(Audience),
        },
    )


route_handlers = [who_sees_what]

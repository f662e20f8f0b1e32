"""Every unsafe route refuses a forged request, and the refusal changes nothing.

The unsafe routes are the app's own (every method but GET, HEAD and OPTIONS), and each must have
an entry in the leak matrix, which builds its URLs and forms for every person of the world. For
the people of ``CHECKED`` and an anonymous visitor, every URL of every unsafe route is sent, with
the matrix's form (and file):

- without a token;
- with the session's valid token but ``Sec-Fetch-Site: cross-site`` (a page of another site
  posting to the portal), as a form and as htmx sends it (``HX-Request``, the token in
  ``X-CSRF-Token``);

and one URL of each route also with a forged token (in the form, and in the htmx header) and with
``Sec-Fetch-Site: same-site`` but no token. Each is refused with the status the portal gives a
request without a token (the leak matrix's ``without_token``): 403, or 404 where a guard hides
the route from this person before the check; a visitor is sent to the login (htmx: 401), or
refused (403) on a public route. After each route's requests the whole database and the document
store are as before, but for the access log's record of a refused look at a file
(``client.refused``): security logging, by design. The leak matrix sends the same forms with the
token from the portal's own page and gets each route's own answer, so what refuses here is the
check.

``same-site`` (another host of the same registrable domain) is not refused for itself: the
portal refuses ``cross-site`` only (``portal/core/security.py``), and a same-site request still
needs the token, which a page of another host cannot read (the session cookie is ``SameSite=Lax``,
so such a page's form would carry it). ``test_same_site_is_decided_by_the_token`` pins that choice.
"""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from litestar import Litestar

from portal.audit.services import REFUSED
from portal.core.i18n import LOCALE_COOKIE
from portal.core.security import CSRF_FROM_STREAM, CSRF_HEADER
from tests.conftest import csrf_from, login
from tests.contract.battery import (
    Row,
    Snapshot,
    Snapshots,
    changes,
    database_tables,
    handlers_of,
    routes_of,
    seed_world,
    stored_objects,
)
from tests.contract.test_leak_matrix import MATRIX, Case, Facts, _facts

CHECKED = ("sw.a", "admin", "platform", None)
"""Who sends them: a social worker (who sees some files, attachments' hosts and uploads and not
others), an organisation's administrator and the platform administrator (the guarded routes'
404 and 403 both occur among them), and an anonymous visitor (``None``). The check refuses
before any handler, so the other roles would only repeat these answers."""

FORGED = "forged-0123456789abcdefghijklmnopqrstuvwxyz"


def _refused(
    case: Case, facts: Facts, url: str, *, anonymous: bool, headers: dict[str, str], streamed: bool
) -> int:
    """The leak matrix's ``without_token``, but for a streamed upload: there the check before the
    handler decides when the request has a token header or comes from another site (403), and
    only a token in the body is left to the handler, which finds its record first (404)."""
    if anonymous:
        if case.public:
            return 403
        return 401 if "HX-Request" in headers else 303
    if streamed and (CSRF_HEADER in {name.lower() for name in headers} or _cross_site(headers)):
        return 403
    return 404 if case.guarded and not case.allowed(facts, url) else 403


def _cross_site(headers: dict[str, str]) -> bool:
    return headers.get("Sec-Fetch-Site") == "cross-site"


def _attempts(token: str, form: dict[str, str], *, all_of_them: bool) -> dict[str, Any]:
    """Each forged request, by name: its form and headers. The first three go to every URL; the
    rest, which the same check refuses whatever the URL, to one URL of each route."""
    htmx = {"HX-Request": "true", "X-CSRF-Token": token}
    attempts: dict[str, Any] = {
        "without a token": {"data": form},
        "cross-site with a valid token": {
            "data": {"csrf_token": token, **form},
            "headers": {"Sec-Fetch-Site": "cross-site"},
        },
        "htmx, cross-site with a valid token": {
            "data": form,
            "headers": {**htmx, "Sec-Fetch-Site": "cross-site"},
        },
    }
    if all_of_them:
        attempts |= {
            "with a forged token": {"data": {"csrf_token": FORGED, **form}},
            "htmx with a forged token": {"data": form, "headers": {**htmx, "X-CSRF-Token": FORGED}},
            "same-site without a token": {
                "data": form,
                "headers": {"Sec-Fetch-Site": "same-site"},
            },
        }
    return attempts


def _unexpected(before: Snapshot, after: Snapshot) -> dict[str, dict[str, list[Row]]]:
    """What changed but the access log's entries of a refused look at a file (``client.refused``,
    which a streamed upload writes when it finds its client hidden before it reads the token)
    and the heads of their chains."""
    found = changes(before, after)
    log = found.pop("access_log", None)
    if log is not None:
        actions = [dict(row)["action"] for row in log["came"]]
        if log["gone"] or any(action != REFUSED for action in actions):
            found["access_log"] = log
        else:
            found.pop("audit_chain", None)
    return found


def test_every_unsafe_route_can_be_sent(app: Litestar) -> None:
    unsafe = routes_of(app, safe=False)
    assert unsafe, "the app has unsafe routes"
    missing = [key for key in unsafe if key not in MATRIX]
    assert not missing, f"unsafe routes without a way to build their URLs (leak matrix): {missing}"


@pytest.mark.parametrize("username", CHECKED, ids=lambda name: name or "anonymous")
async def test_unsafe_routes_refuse_forged_requests(
    app: Litestar, client: httpx.AsyncClient, username: str | None
) -> None:
    world = await seed_world(app)
    facts = await _facts(world, username or "sw.a")
    if username:
        token = await login(client, username)
    else:
        token = csrf_from((await client.get("/auth/dev-login")).text)
    async with Snapshots.of(await database_tables()) as snapshots:
        before, objects = await snapshots.take(), stored_objects(app)
        for key, handler in handlers_of(app, safe=False).items():
            case = MATRIX.get(key)
            if case is None:
                continue  # test_every_unsafe_route_can_be_sent names it
            urls = case.urls(facts)
            assert urls, f"the leak matrix builds no URL for {key}"
            streamed = bool(handler.opt.get(CSRF_FROM_STREAM))
            for url in urls:
                attempts = _attempts(token, case.form(facts), all_of_them=url == urls[0])
                for name, attempt in attempts.items():
                    headers = attempt.get("headers", {})
                    response = await client.request(
                        key[0],
                        url,
                        data=attempt["data"],
                        files=case.files(facts) if case.files else None,
                        headers=headers,
                    )
                    expected = _refused(
                        case, facts, url, anonymous=not username, headers=headers, streamed=streamed
                    )
                    assert response.status_code == expected, (username, name, key[0], url)
            after = await snapshots.take()
            unexpected = _unexpected(before, after)
            assert not unexpected, (username, key, unexpected)
            assert stored_objects(app) == objects, (username, key)
            before = after


async def test_same_site_is_decided_by_the_token(app: Litestar, client: httpx.AsyncClient) -> None:
    """The portal's own pages (``same-origin``), a navigation without a site (``none``) and
    another host of the same site (``same-site``) pass with the token; ``cross-site`` never."""
    token = csrf_from((await client.get("/auth/dev-login")).text)
    form = {"csrf_token": token, "lang": "en", "next": "/auth/dev-login"}
    for site in ("same-origin", "none", "same-site"):
        response = await client.post("/language", data=form, headers={"Sec-Fetch-Site": site})
        assert response.status_code == 303, site
        assert response.cookies.get(LOCALE_COOKIE) == "en", site
    response = await client.post("/language", data=form, headers={"Sec-Fetch-Site": "cross-site"})
    assert response.status_code == 403
    assert LOCALE_COOKIE not in response.cookies

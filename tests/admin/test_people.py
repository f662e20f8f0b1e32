"""People: the list as last seen from the identity provider, whose people an administrator
administers, and deactivation that ends every session at once."""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager
from pathlib import Path

import httpx
import pytest
import redis
from litestar import Litestar

from portal.accounts.tables import Person
from portal.admin.tables import AdminAction
from portal.app import create_app
from portal.core.i18n import DEFAULT_LOCALE, translations
from portal.core.sessions import FileSessionStore, RedisSessionStore, SessionStore
from tests.admin.conftest import FILES, FILES_PLURAL, main_of, post_form, shown, shown_count
from tests.conftest import csrf_from, login, make_settings, running
from tests.support.factories import make_client, make_org, make_person

REDIS_URL = "redis://127.0.0.1:6379/12"
COOKIE = "brug_session"


@pytest.fixture
async def other_browser(app: Litestar) -> AsyncIterator[httpx.AsyncClient]:
    """A second browser on the same app, with its own cookies."""
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
        yield http


async def _people(admin_role: str = "admin") -> dict[str, int]:
    """OCMW Aalst (an administrator, a social worker and coordinator) and PIN vzw (two
    toeleiders, one deactivated, and PIN's own administrator)."""
    ocmw = await make_org("ocmw-aalst", "ocmw", "OCMW Aalst")
    pin = await make_org("pin", "partner", "PIN vzw")
    people = {
        "admin": await make_person("admin", ocmw, admin_role),
        "sw": await make_person("sw", ocmw, "social_worker", "coordinator"),
        "toeleider": await make_person("toeleider", pin, "toeleider"),
        "gone": await make_person("gone", pin, "toeleider", active=False),
        "pin.admin": await make_person("pin.admin", pin, "admin"),
        "ocmw": ocmw,
        "pin": pin,
    }
    await Person.update({Person.last_login: dt.datetime(2026, 11, 2, 8, 30, tzinfo=dt.UTC)}).where(
        Person.id == people["toeleider"]
    )
    return people


def _row(html: str, name: str) -> str:
    start = html.index(f'<th scope="row">{name}')
    return html[start : html.index("</tr>", start)]


def _listed(html: str) -> set[str]:
    return {
        name
        for name in ("Admin", "Sw", "Toeleider", "Gone", "Pin Admin")
        if f'<th scope="row">{name} ' in html
    }


async def _active(person_id: int) -> bool:
    row = await Person.select(Person.active).where(Person.id == person_id).first()
    return bool(row["active"])


async def test_a_platform_administrator_lists_everyone(client: httpx.AsyncClient) -> None:
    people = await _people("platform_admin")
    await login(client, "admin")
    page = await client.get("/admin/people")
    assert page.status_code == 200
    assert _listed(page.text) == {"Admin", "Sw", "Toeleider", "Gone", "Pin Admin"}
    sw = _row(page.text, "Sw")
    assert "OCMW Aalst" in sw
    assert shown("social worker") in sw and shown("coordinator") in sw
    assert shown("never") in sw and f"<td>{shown('active')}</td>" in sw
    assert f'action="/admin/people/{people["sw"]}/deactivate"' in sw
    toeleider = _row(page.text, "Toeleider")
    assert "PIN vzw" in toeleider and "02-11-2026 09:30" in toeleider  # 08:30 UTC, Belgian time
    gone = _row(page.text, "Gone")
    assert shown("deactivated") in gone
    assert f'action="/admin/people/{people["gone"]}/reactivate"' in gone
    me = _row(page.text, "Admin")
    assert "/deactivate" not in me and shown("This is you") in me
    assert 'id="people-organisation"' in page.text  # the filter by organisation

    pin = await client.get(f"/admin/people?organisation={people['pin']}")
    assert _listed(pin.text) == {"Toeleider", "Gone", "Pin Admin"}
    assert (await client.get("/admin/people?organisation=abc")).status_code == 400
    assert (await client.get("/admin/people?organisation=99999999999")).status_code == 400


async def test_an_administrator_administers_their_own_organisations_people_only(
    client: httpx.AsyncClient,
) -> None:
    """Finding 1: an admin of OCMW Aalst lists, deactivates and reactivates OCMW Aalst's people;
    another organisation's person, and its list, answer 404 and nothing changes."""
    people = await _people()
    token = await login(client, "admin")
    page = await client.get("/admin/people")
    assert page.status_code == 200
    assert _listed(page.text) == {"Admin", "Sw"}
    assert 'id="people-organisation"' not in page.text  # nothing to filter
    assert (
        shown("You administer the people of %(organisation)s.").replace(
            "%(organisation)s", "OCMW Aalst"
        )
        in page.text
    )
    own = await client.get(f"/admin/people?organisation={people['ocmw']}")
    assert own.status_code == 200 and _listed(own.text) == {"Admin", "Sw"}
    assert (await client.get(f"/admin/people?organisation={people['pin']}")).status_code == 404

    for name, action in (("toeleider", "deactivate"), ("gone", "reactivate")):
        refused = await post_form(client, f"/admin/people/{people[name]}/{action}", token)
        assert refused.status_code == 404
    assert await _active(people["toeleider"]) and not await _active(people["gone"])
    assert await AdminAction.count() == 0

    done = await post_form(client, f"/admin/people/{people['sw']}/deactivate", token)
    assert done.status_code == 303 and not await _active(people["sw"])
    back = await post_form(client, f"/admin/people/{people['sw']}/reactivate", token)
    assert back.status_code == 303 and await _active(people["sw"])


async def test_only_a_platform_administrator_changes_a_platform_administrator(
    client: httpx.AsyncClient,
) -> None:
    people = await _people()
    platform = await make_person("platform", people["ocmw"], "platform_admin")
    token = await login(client, "admin")
    page = await client.get("/admin/people")
    row = _row(page.text, "Platform")
    assert "/deactivate" not in row
    assert shown("Only a platform administrator can change this") in row
    refused = await post_form(client, f"/admin/people/{platform}/deactivate", token)
    assert refused.status_code == 422
    assert (
        shown(
            "Only a platform administrator can deactivate or reactivate a platform administrator."
        )
        in refused.text
    )
    assert await _active(platform)


@pytest.fixture(params=["files", "redis"])
def serving(
    request: pytest.FixtureRequest, tmp_path: Path
) -> Callable[[], AbstractAsyncContextManager[Litestar]]:
    """The portal on either session store (Redis in a namespace of this test's own)."""
    import contextlib

    @contextlib.asynccontextmanager
    async def serve() -> AsyncIterator[Litestar]:
        settings = make_settings(tmp_path)
        namespace = f"brug-test-{secrets.token_hex(6)}"
        store: SessionStore = (
            RedisSessionStore.from_url(REDIS_URL, namespace=namespace)
            if request.param == "redis"
            else FileSessionStore(settings.var_dir / "sessions")
        )
        try:
            async with running(create_app(settings, sessions=store)) as application:
                yield application
        finally:
            if request.param == "redis":
                cleanup = redis.Redis.from_url(REDIS_URL)
                for key in cleanup.scan_iter(f"{namespace}:*"):
                    cleanup.delete(key)
                cleanup.close()

    return serve


async def test_deactivation_ends_every_session_and_reactivation_revives_none(
    serving: Callable[[], AbstractAsyncContextManager[Litestar]],
) -> None:
    """Finding 2: a person logged in on a laptop and a phone is logged out of both at their next
    request; reactivated, neither old session works again (not even the phone's, unused while
    they were deactivated); they can log in anew."""
    people = await _people()
    async with serving() as app:
        browsers = [
            httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver")
            for _ in range(3)
        ]
        admin, laptop, phone = browsers
        try:
            token = await login(admin, "admin")
            for browser in (laptop, phone):
                await login(browser, "sw")
                assert (await browser.get("/")).status_code == 200  # the viewer is now cached
            old = {"laptop": laptop.cookies[COOKIE], "phone": phone.cookies[COOKIE]}

            response = await post_form(admin, f"/admin/people/{people['sw']}/deactivate", token)
            assert response.status_code == 303
            assert not await _active(people["sw"])
            refused = await laptop.get("/who-sees-what")
            assert refused.status_code == 303
            assert refused.headers["location"].startswith("/auth/login")
            page = await laptop.get("/auth/dev-login")
            again = await laptop.post(
                "/auth/dev-login", data={"username": "sw", "csrf_token": csrf_from(page.text)}
            )
            assert again.status_code == 422  # deactivated: no new session either

            back = await post_form(admin, f"/admin/people/{people['sw']}/reactivate", token)
            assert back.status_code == 303 and await _active(people["sw"])
            for name, browser in (("laptop", laptop), ("phone", phone)):
                browser.cookies.clear()
                browser.cookies.set(COOKIE, old[name])
                stale = await browser.get("/")
                assert stale.status_code == 303, f"reactivation revived the {name}'s session"
            phone.cookies.clear()  # as a browser replaces the cookie at the next login
            await login(phone, "sw")
            assert (await phone.get("/who-sees-what")).status_code == 200
        finally:
            for browser in browsers:
                await browser.aclose()


async def test_sessions_end_at_reactivation_too(
    client: httpx.AsyncClient, other_browser: httpx.AsyncClient, app: Litestar
) -> None:
    """Should a session survive a deactivation (its ending failed after the commit), reactivation
    still brings none back: it ends them as well."""
    people = await _people()
    await login(other_browser, "sw")
    await Person.update({Person.active: False}).where(Person.id == people["sw"])  # not via page
    token = await login(client, "admin")
    back = await post_form(client, f"/admin/people/{people['sw']}/reactivate", token)
    assert back.status_code == 303
    assert (await other_browser.get("/")).status_code == 303
    assert await app.state.session_store.end_sessions_of(people["sw"]) == 0


async def test_deactivation_confirms_and_reactivation_too(client: httpx.AsyncClient) -> None:
    people = await _people()
    token = await login(client, "admin")
    response = await post_form(client, f"/admin/people/{people['sw']}/deactivate", token)
    assert response.headers["location"] == f"/admin/people?done=deactivated&person={people['sw']}"
    listing = await client.get(response.headers["location"])
    assert shown("The person has been deactivated and can no longer use the portal.") in (
        listing.text
    )
    assert 'role="status"' in listing.text
    assert '<div class="notice"' not in listing.text  # no files to reassign
    back = await post_form(client, f"/admin/people/{people['sw']}/reactivate", token)
    assert back.headers["location"] == "/admin/people?done=reactivated"
    assert (
        shown("The person has been reactivated.")
        in (await client.get(back.headers["location"])).text
    )


def _files_notice(html: str) -> str:
    """The confirmation's part about files to reassign ("" when there is none)."""
    main = main_of(html)
    if '<div class="notice"' not in main:
        return ""
    start = main.index('<div class="notice"')
    return main[start : main.index("</div>", start)]


async def _held_files(ocmw: int, holder: int, count: int) -> list[int]:
    return [await make_client(ocmw, f"H{i}", file_holder=holder) for i in range(count)]


async def test_deactivating_a_file_holder_says_how_many_files_need_a_new_one(
    client: httpx.AsyncClient,
) -> None:
    """Need-to-know inside an OCMW: the files of a deactivated social worker go to the
    coordinator, who reassigns them on "Dossierhouders"; the administrator sees a count only."""
    people = await _people()
    holder = await make_person("sofie", people["ocmw"], "social_worker")
    await make_person("ann", people["ocmw"], "coordinator")
    await make_person("old.coordinator", people["ocmw"], "coordinator", active=False)
    await _held_files(people["ocmw"], holder, 3)
    token = await login(client, "admin")
    response = await post_form(client, f"/admin/people/{holder}/deactivate", token)
    assert response.status_code == 303
    page = await client.get(response.headers["location"])
    main = _files_notice(page.text)
    counted = shown_count(FILES, FILES_PLURAL, 3)
    assert counted in main
    assert "(Ann, Sw)" in main and "Old Coordinator" not in main  # the active coordinators
    assert shown("File holders") in main
    for tag in ("H0", "H1", "H2"):
        assert f"First{tag}" not in page.text and f"Last{tag}" not in page.text
    logged = await AdminAction.select(AdminAction.changes).output(load_json=True)
    assert logged == [{"changes": {"files_to_reassign": 3}}]

    # the confirmation counts what is still held: none once the coordinator reassigned them
    unheld = await client.get(f"/admin/people?done=deactivated&person={people['sw']}")
    assert '<div class="notice"' not in unheld.text
    # and says nothing about a person this administrator does not administer
    other = await make_person("other", people["pin"], "toeleider", active=False)
    quiet = await client.get(f"/admin/people?done=deactivated&person={other}")
    assert quiet.status_code == 200 and '<div class="notice"' not in quiet.text


async def test_without_an_active_coordinator_the_confirmation_warns(
    client: httpx.AsyncClient,
) -> None:
    ocmw = await make_org("ocmw-aalst", "ocmw", "OCMW Aalst")
    await make_person("admin", ocmw, "admin")
    holder = await make_person("sofie", ocmw, "social_worker")
    await _held_files(ocmw, holder, 1)
    token = await login(client, "admin")
    response = await post_form(client, f"/admin/people/{holder}/deactivate", token)
    notice = _files_notice((await client.get(response.headers["location"])).text)
    assert shown_count(FILES, FILES_PLURAL, 1) in notice
    warning = translations(DEFAULT_LOCALE).gettext(
        "%(organisation)s has no active coordinator: the files stay without a file holder until"
        ' a coordinator gives them one on the page "File holders".'
    ) % {"organisation": "OCMW Aalst"}
    assert warning in notice


async def test_the_filter_survives_an_action(client: httpx.AsyncClient) -> None:
    people = await _people("platform_admin")
    token = await login(client, "admin")
    pin = people["pin"]
    page = await client.get(f"/admin/people?organisation={pin}")
    assert f'name="organisation" value="{pin}"' in page.text
    response = await post_form(
        client, f"/admin/people/{people['toeleider']}/deactivate", token, organisation=str(pin)
    )
    assert response.headers["location"] == (
        f"/admin/people?organisation={pin}&done=deactivated&person={people['toeleider']}"
    )


async def test_an_admin_cannot_deactivate_themselves(client: httpx.AsyncClient) -> None:
    people = await _people()
    token = await login(client, "admin")
    response = await post_form(client, f"/admin/people/{people['admin']}/deactivate", token)
    assert response.status_code == 422
    assert shown("You cannot deactivate your own account.") in response.text
    assert 'role="alert"' in response.text
    assert await _active(people["admin"])
    assert await AdminAction.count() == 0
    assert (await client.get("/admin/people")).status_code == 200


async def test_unknown_person_is_404(client: httpx.AsyncClient) -> None:
    await _people("platform_admin")
    token = await login(client, "admin")
    for action in ("deactivate", "reactivate"):
        assert (await post_form(client, f"/admin/people/999999/{action}", token)).status_code == 404

"""``GET /clients/{id}/export``, the subject-access download (GDPR art. 15): one ZIP with a PDF, a
JSON and the file's documents, for the client's file holder only; everything the file holder
reads about the client and nothing they may not, each class checked against the policy; the
export written once to the access log."""

from __future__ import annotations

import datetime as dt

import httpx
import pytest
from litestar import Litestar

from portal.audit.tables import AccessLogEntry
from portal.timeline.tables import TimelineEvent
from portal.visibility.policy import Relation, sees_record
from portal.visibility.scoping import unscoped
from tests.conftest import login
from tests.courses.conftest import login_en
from tests.subject_access.support import (
    documents_as_uploaded,
    expected,
    full_world,
    relations,
    unpack,
    viewer_of,
)
from tests.support.factories import PEOPLE, build_world

MISSING = 999_999
LISTS = (
    "care_team",
    "consents",
    "timeline",
    "training_requests",
    "invitations",
    "intakes",
    "placements",
    "courses",
    "activation_reviews",
    "referral_questions",
    "signals",
    "documents",
    "access_log",
)


async def _exported_entries() -> list[dict]:
    with unscoped("test: the access log as written"):
        return list(
            await AccessLogEntry.select()
            .where(AccessLogEntry.action == "client.exported")
            .order_by(AccessLogEntry.id)
        )


@pytest.mark.parametrize(("username", "tag"), [("sw.a", "X"), ("sw.b", "Z")])
async def test_the_export_holds_what_the_file_holder_reads_and_nothing_else(
    app: Litestar, client: httpx.AsyncClient, username: str, tag: str
) -> None:
    world = await full_world(app)
    want = await expected(world, username, tag)
    await login_en(client, username)
    response = await client.get(f"/clients/{world.clients[tag]}/export")
    export = unpack(response)

    assert want.hidden and want.shown
    for value in want.shown:
        assert export.in_json(value), ("json", value)
        assert export.in_pdf(value), ("pdf", value)
    everything = export.everything
    for value in want.hidden:
        assert value not in everything, value
        assert not export.in_pdf(value), ("pdf", value)

    data = export.data
    assert set(data) >= {"exported_at", "exported_by", "client", *LISTS}
    assert all(isinstance(data[key], list) for key in LISTS)
    assert dt.datetime.fromisoformat(data["exported_at"]).tzinfo is not None
    assert data["exported_by"]["name"] == username.replace(".", " ").title()
    assert data["client"]["id"] == world.clients[tag]
    for name, value in want.fields.items():
        assert data["client"][name] == value, name
        if isinstance(value, str) and len(value) == 10 and value[4] == "-":
            day = dt.date.fromisoformat(value).strftime("%d-%m-%Y")
            assert export.in_pdf(day), (name, day)
    with unscoped("test: every entry of the client's timeline"):
        entries = await TimelineEvent.count().where(TimelineEvent.client == world.clients[tag])
    assert len(data["timeline"]) == entries, "the whole timeline, placeholders included"
    withheld = [entry for entry in data["timeline"] if entry.get("withheld")]
    assert withheld, "an own_org entry of another organisation stays a placeholder"
    assert all(set(entry) == {"day", "withheld"} for entry in withheld)
    assert {"document.upload"} <= {entry["action"] for entry in data["access_log"]}
    assert data["training_requests"] and data["intakes"][0]["answers"] and data["placements"]
    assert data["care_team"] and data["consents"] and data["referral_questions"]
    assert data["activation_reviews"] and data["signals"] and data["courses"]
    assert data["referral_questions"][0]["thread"]


async def test_the_documents_are_the_bytes_as_uploaded(
    app: Litestar, client: httpx.AsyncClient
) -> None:
    await documents_as_uploaded(app, client)


async def test_only_the_file_holder_exports(app: Litestar, client: httpx.AsyncClient) -> None:
    """404 for who does not see the client (a care-team member without consent too), 403 for
    who sees it but does not hold the file; the link is on the file holder's page only."""
    world = await build_world()
    for username in PEOPLE:
        viewer = await viewer_of(world, username)
        relation_by_client = await relations(viewer)
        await login(client, username)
        for tag, client_id in [*world.clients.items(), ("missing", MISSING)]:
            relation = relation_by_client.get(client_id, Relation.none)
            if not sees_record(viewer.roles, relation):
                status = 404
            else:
                status = 200 if relation is Relation.file_holder else 403
            response = await client.get(f"/clients/{client_id}/export")
            assert response.status_code == status, (username, tag, response.status_code)
            if status == 200:
                assert response.headers["content-type"] == "application/zip"
                assert response.headers["cache-control"] == "no-store"
                disposition = response.headers["content-disposition"]
                assert disposition.startswith("attachment;")
                assert f'filename="dossier-{client_id}-' in disposition
                assert disposition.split('filename="', 1)[1].split('"')[0].endswith(".zip")
            if status != 404:
                page = await client.get(f"/clients/{client_id}")
                assert (f"/clients/{client_id}/export" in page.text) == (status == 200)
    assert {(row["person"], row["client_id"]) for row in await _exported_entries()} == {
        (world.people["sw.a"], world.clients["X"]),
        (world.people["sw.a"], world.clients["Y"]),
        (world.people["sw.b"], world.clients["Z"]),
    }, "a refused export writes no export entry"


async def test_the_export_is_written_once_to_the_access_log(
    app: Litestar, client: httpx.AsyncClient
) -> None:
    world = await full_world(app)
    x = world.clients["X"]
    await login_en(client, "sw.a")
    first = unpack(await client.get(f"/clients/{x}/export"))
    assert "client.exported" not in {entry["action"] for entry in first.data["access_log"]}
    entries = await _exported_entries()
    assert len(entries) == 1
    entry = entries[0]
    assert (entry["person"], entry["client_id"]) == (world.people["sw.a"], x)
    assert entry["revealed"] == "health,identity,social", "every logged class the export holds"

    page = await client.get(f"/clients/{x}/access-log?kind=exported")
    assert page.status_code == 200
    assert page.text.count('<li class="access') == 1
    assert "exported the file (GDPR subject access)" in page.text
    assert "Exported the file" in page.text

    second = unpack(await client.get(f"/clients/{x}/export"))
    actions = [entry["action"] for entry in second.data["access_log"]]
    assert actions.count("client.exported") == 1, "the next export lists the first one"
    assert second.in_pdf("exported the file (GDPR subject access)")
    assert len(await _exported_entries()) == 2

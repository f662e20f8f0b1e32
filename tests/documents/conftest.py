"""What the documents tests share: reading the pages (the listed documents, the whole timeline),
the rows and objects as written, and each person's relations from the oracles."""

from __future__ import annotations

import html
import re
from typing import Any

import httpx

from portal.accounts.services import load_viewer
from portal.audit.tables import AccessLogEntry
from portal.core.storage import DocumentStore
from portal.documents.tables import Document
from portal.timeline.tables import TimelineEvent
from portal.visibility.policy import Relation
from portal.visibility.scoping import unscoped
from portal.visibility.viewer import Viewer
from tests.support.documents import SeededDocument, pdf
from tests.support.factories import World
from tests.support.oracle import course_facts_for, course_relation, facts_for, relation_of

HTMX = {"HX-Request": "true"}
PDF = pdf("a plain test file")
_LISTED = re.compile(r'<a href="/documents/(\d+)" download>([^<]*)</a>')
_MORE = re.compile(r'hx-get="([^"]+)"')


def listed(page: str) -> dict[int, str]:
    """The documents a page's document list links to: id → name."""
    found: dict[int, str] = {}
    for block in page.split('<ul class="document-list">')[1:]:
        items = block.split("</ul>", 1)[0]
        found |= {int(i): html.unescape(name) for i, name in _LISTED.findall(items)}
    return found


def linked(page: str) -> dict[int, str]:
    """Every download link of a page (a version history's table): id → name."""
    return {int(i): html.unescape(name) for i, name in _LISTED.findall(page)}


async def whole_timeline(http: httpx.AsyncClient, client_id: int, kind: str = "") -> str:
    """Every screen of a client's timeline (placeholders included unless ``kind``), as htmx
    loads them one after the other."""
    url: str | None = f"/clients/{client_id}/timeline" + (f"?kind={kind}" if kind else "")
    screens: list[str] = []
    while url is not None:
        assert len(screens) < 50, "the timeline does not end"
        response = await http.get(url, headers=HTMX)
        assert response.status_code == 200, (url, response.status_code)
        screens.append(response.text)
        more = _MORE.search(response.text)
        url = html.unescape(more.group(1)) if more else None
    return "\n".join(screens)


async def viewer_of(world: World, username: str) -> Viewer:
    viewer = await load_viewer(world.people[username])
    assert viewer is not None
    return viewer


async def relations_of(viewer: Viewer) -> tuple[dict[int, Relation], dict[int, Relation]]:
    """The viewer's relation to every client and to every course, from the oracles."""
    clients = {cid: relation_of(viewer, facts) for cid, facts in (await facts_for(viewer)).items()}
    courses = {
        cid: course_relation(viewer, facts)
        for cid, facts in (await course_facts_for(viewer)).items()
    }
    return clients, courses


def relation_to(
    world: World, document: SeededDocument, relations: tuple[dict[int, Relation], ...]
) -> Relation:
    clients, courses = relations
    if document.client is not None:
        return clients[world.clients[document.client]]
    assert document.course is not None
    return courses[world.courses[document.course]]


async def document_rows(**where: Any) -> list[dict[str, Any]]:
    with unscoped("test: the document rows as written"):
        query = Document.select().order_by(Document.id)
        for column, value in where.items():
            query = query.where(getattr(Document, column) == value)
        return list(await query)


async def access_rows(action: str) -> list[dict[str, Any]]:
    with unscoped("test: the access log as written"):
        return list(
            await AccessLogEntry.select()
            .where(AccessLogEntry.action == action)
            .order_by(AccessLogEntry.id)
        )


async def events_of(client_id: int, kind: str) -> list[dict[str, Any]]:
    with unscoped("test: the timeline as written"):
        return list(
            await TimelineEvent.select()
            .where((TimelineEvent.client == client_id) & (TimelineEvent.kind == kind))
            .order_by(TimelineEvent.id)
            .output(load_json=True)
        )


def stored_keys(store: DocumentStore) -> set[str]:
    """Every object in the store, including what an unfinished write left behind."""
    return {stored.key for stored in store.objects()}

"""What the subject-access tests share: asking for the export, unpacking it, reading its PDF, and
the world's values the file holder may and may not read (from the policy and the oracles, not
from the portal's own rules)."""

from __future__ import annotations

import hashlib
import io
import json
import re
import zipfile
from dataclasses import dataclass
from typing import Any

import httpx
import pypdf
from litestar import Litestar

from portal.accounts.services import load_viewer
from portal.clients.tables import Client
from portal.clients.visibility import CLIENT_FIELDS
from portal.visibility.policy import Access, Relation, Sensitivity, access
from portal.visibility.records import readable
from portal.visibility.scoping import unscoped
from portal.visibility.viewer import Viewer
from tests.conftest import login
from tests.support.documents import (
    SeededDocument,
    add_documents,
    add_signal_attachments,
    may_read,
)
from tests.support.factories import PEOPLE, REVIEW_REASONS, World, add_review_rounds, build_world
from tests.support.oracle import facts_for, relation_of
from tests.support.questions import add_questions, reads_question
from tests.support.signals import add_signals, reads_signal

_SPACE = re.compile(r"\s+")


@dataclass
class Unpacked:
    """One export: its files by name, the JSON, and the PDF's text with no white space (the PDF
    breaks long values over lines)."""

    files: dict[str, bytes]
    data: dict[str, Any]
    pdf_text: str

    @property
    def everything(self) -> str:
        """Every file of the archive as text, for what must be absent from all of them."""
        return "\n".join(body.decode("utf-8", "replace") for body in self.files.values())

    def in_pdf(self, value: str) -> bool:
        return _SPACE.sub("", value) in self.pdf_text

    def in_json(self, value: str) -> bool:
        return value in self.files["dossier.json"].decode("utf-8")


def pdf_text(body: bytes) -> str:
    reader = pypdf.PdfReader(io.BytesIO(body))
    return _SPACE.sub("", "".join(page.extract_text() or "" for page in reader.pages))


def unpack(response: httpx.Response) -> Unpacked:
    assert response.status_code == 200, response.status_code
    with zipfile.ZipFile(io.BytesIO(response.content)) as archive:
        assert archive.testzip() is None
        files = {name: archive.read(name) for name in archive.namelist()}
    data = json.loads(files["dossier.json"].decode("utf-8"))
    return Unpacked(files, data, pdf_text(files["dossier.pdf"]))


async def viewer_of(world: World, username: str) -> Viewer:
    viewer = await load_viewer(world.people[username])
    assert viewer is not None
    return viewer


async def relations(viewer: Viewer) -> dict[int, Relation]:
    return {cid: relation_of(viewer, facts) for cid, facts in (await facts_for(viewer)).items()}


def _as_written(value: Any) -> Any:
    return value.isoformat() if hasattr(value, "isoformat") else value


def _text(value: Any) -> bool:
    """A distinctive text value of a client (``S3CRET-…``, the names, the national number)."""
    return isinstance(value, str) and len(value) > 4


@dataclass
class Expected:
    """What an export of one client by one person must hold (``shown``: in the JSON and the
    PDF; ``files``: documents by id with their bytes) and must not hold anywhere (``hidden``)."""

    shown: list[str]
    hidden: list[str]
    files: dict[int, SeededDocument]
    fields: dict[str, Any]
    """The client's stored values by field, as the JSON writes them."""


async def expected(world: World, username: str, tag: str) -> Expected:
    """From the policy: the file holder reads every field of their client, the entries,
    documents, questions and signals their audience and class admit, and nothing of any other
    client; a course's attachment is not about the client."""
    viewer = await viewer_of(world, username)
    relation_by_client = await relations(viewer)
    client_id = world.clients[tag]
    relation = relation_by_client[client_id]
    assert relation is Relation.file_holder
    org = PEOPLE[username][0]
    shown: list[str] = []
    hidden: list[str] = []
    with unscoped("test: the stored values of the world's clients"):
        rows = {row["id"]: row for row in await Client.select()}
    stored = rows[client_id]
    fields = {
        spec.name: _as_written(stored[spec.name])
        for spec in CLIENT_FIELDS
        if stored[spec.name] not in (None, "")
    }
    shown += [value for value in (stored[spec.name] for spec in CLIENT_FIELDS) if _text(value)]
    for other_tag, other_id in world.clients.items():
        if other_id != client_id:
            hidden += [f"S3CRET-{other_tag}-", f"EVT-{other_tag}-", f"TRJ-{other_tag}-"]
            hidden += [f"DOC-{other_tag}-", f"BYTES-{other_tag}-", f"QSECRET-{other_tag}-"]
    for audience, cls, author_org, label in world.events.get(tag, []):
        admitted = readable(
            viewer,
            relation,
            audience=audience,
            sensitivity=cls,
            author_org=world.orgs[author_org],
        )
        (shown if admitted else hidden).append(label)
    shown += [value for record_tag, _cls, value in world.records if record_tag == tag]
    files: dict[int, SeededDocument] = {}
    signals = {signal.id: signal for signal in world.signals}
    for document in world.documents:
        if document.client == tag and may_read(viewer, document, relation):
            shown.append(document.name)
            files[document.id] = document
        elif document.signal is not None and signals[document.signal].client == tag:
            assert may_read(viewer, document, relation)
            shown.append(document.name)
            files[document.id] = document
        else:
            hidden += document.secrets
    for signal in world.signals:
        about = signal.client == tag
        if about and reads_signal(viewer, org, signal, relation):
            shown += signal.secrets
        else:
            hidden += signal.secrets
    for question in world.questions:
        question_relation = relation_by_client[world.clients[question.client]]
        if question.client == tag and reads_question(viewer, question, question_relation):
            answered = question.state in ("answered", "closed")
            shown += [s for s in question.secrets if answered or not s.endswith("-reason")]
        else:
            hidden += question.secrets
    for review_tag, (_kind, cls, reason) in REVIEW_REASONS.items():
        if review_tag == tag and world.review_items:
            assert access(viewer.roles, relation, Sensitivity(cls)) is Access.shown
            shown.append(reason)
        else:
            hidden.append(reason)
    hidden += ["DOC-COURSE-", "BYTES-COURSE-"]
    return Expected(shown, hidden, files, fields)


async def full_world(app: Litestar) -> World:
    """The test world with review items, documents (in the app's store), signals with their
    attachments and referral questions."""
    world = await build_world()
    await add_review_rounds(world, "2026-Q3")
    await add_documents(world, app.state.storage)
    await add_signals(world)
    await add_signal_attachments(world, app.state.storage)
    await add_questions(world)
    return world


async def documents_as_uploaded(app: Litestar, client: httpx.AsyncClient) -> None:
    """The file holder's export of X holds every document they read (the client's and those
    attached to the signals about X), with the bytes as uploaded, where its JSON says."""
    world = await full_world(app)
    want = await expected(world, "sw.a", "X")
    await login(client, "sw.a")
    export = unpack(await client.get(f"/clients/{world.clients['X']}/export"))
    by_id = {
        int(name.split("/", 1)[1].split("-", 1)[0]): body
        for name, body in export.files.items()
        if name.startswith("documents/")
    }
    assert set(by_id) == set(want.files)
    listed = {item["id"]: item for item in export.data["documents"]}
    for signal in export.data["signals"]:
        listed |= {item["id"]: item for item in signal["attachments"]}
    assert set(listed) == set(want.files)
    for document_id, seeded in want.files.items():
        digest = hashlib.sha256(by_id[document_id]).hexdigest()
        assert digest == hashlib.sha256(seeded.content).hexdigest(), seeded.name
        assert listed[document_id]["sha256"] == digest
        assert export.files[listed[document_id]["file"]] == seeded.content

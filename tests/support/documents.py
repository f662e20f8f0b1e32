"""Documents in the test world: on the clients, one for every (audience × category) each of their
uploaders may give, and one attachment on each course, each with a distinctive name and content.

What an uploader may give is read from the policy table and the categories as data (not from the
portal's upload choices), so a wrong offer by the portal makes the seeding fail loudly. The uploads
go through ``documents.services.add_file``, the service the demo and imports use: the row, its
timeline entry and its access record are written as for an upload through the page.
"""

from __future__ import annotations

from dataclasses import dataclass

from portal.accounts.services import load_viewer
from portal.core.db import unit_of_work
from portal.core.storage import DocumentStore
from portal.documents.services import Limits, add_file, client_target, host_target
from portal.documents.workflow import CATEGORY_BY_CODE, CLIENT_CATEGORIES
from portal.visibility.policy import (
    Access,
    Audience,
    Relation,
    Sensitivity,
    access,
    may_read_audience,
    sees_record,
    shown_classes,
)
from portal.visibility.records import readable
from portal.visibility.viewer import Viewer
from tests.support.factories import World, secret

PDF_HEAD = b"%PDF-1.4\n"
PDF_TAIL = b"\n%%EOF\n"
MAX_BYTES = 1024 * 1024

UPLOADERS = {
    "X": ("sw.a", "toeleider", "mediator"),
    "Y": ("sw.a",),
    "Z": ("sw.b", "mediator"),
}
"""Who uploads on which client of the world: the file holders (sw.a of X and Y, sw.b of Z) and
the members of another organisation in a care team with the client's consent (the partner's
toeleider and VDAB's mediator on X, the mediator on Z). Y's toeleider and mediator are in its care
team without consent: they upload nothing, and must read nothing there."""

COURSE_ATTACHMENTS = {"A": ("toeleider", "programme"), "B": ("sw.b", "other")}
"""One attachment on each course, by its organiser."""

CLIENT_AUDIENCES = (Audience.care_team, Audience.own_org, Audience.file_holder_only)
"""What an uploader chooses from, as for a note."""


@dataclass(frozen=True)
class SeededDocument:
    id: int
    name: str
    content: bytes
    marker: str
    """A distinctive value inside ``content``."""
    uploader: str
    """The uploader's username (``PEOPLE``)."""
    author: int
    author_org: int
    category: str
    sensitivity: Sensitivity
    audience: Audience | None
    """``None`` for an attachment to a course."""
    client: str | None = None
    """The client's tag, for a client's document."""
    course: str | None = None
    """The course's tag, for an attachment."""
    signal: int | None = None
    """The signal's id, for an attachment to a signal."""

    @property
    def secrets(self) -> tuple[str, str]:
        """What nobody who may not read the document may ever receive."""
        return (self.name, self.marker)


def pdf(marker: str, padding: int = 64) -> bytes:
    """A small file the portal accepts as a PDF, with ``marker`` in it."""
    return PDF_HEAD + f"% {marker}\n".encode() + b"%" + b"." * padding + PDF_TAIL


def may_give(viewer: Viewer, relation: Relation) -> list[tuple[Audience, str]]:
    """(audience, category) pairs an uploader at ``relation`` may give, by the policy: only the
    file holder and the care team upload; a category whose class they are not shown, or an
    audience that would not admit themselves, is not theirs to give."""
    if relation not in (Relation.file_holder, Relation.care_team):
        return []
    shown = shown_classes(viewer.roles, relation)
    return [
        (audience, category.code)
        for audience in CLIENT_AUDIENCES
        if may_read_audience(relation, audience, same_org_as_author=True)
        for category in CLIENT_CATEGORIES
        if category.sensitivity in shown
    ]


def may_read(viewer: Viewer, document: SeededDocument, relation: Relation) -> bool:
    """Whether the policy lets ``viewer`` read ``document``; ``relation`` is theirs to its client
    or its course, from the oracle. A client's document is read like a note (its audience admits
    the viewer, its class is shown); an attachment by whoever sees the host (a course, a signal)
    when its class (``basic`` on a course, ``trajectory`` on a signal) is shown at that
    relation."""
    if document.audience is not None:
        return readable(
            viewer,
            relation,
            audience=document.audience,
            sensitivity=document.sensitivity,
            author_org=document.author_org,
        )
    return sees_record(viewer.roles, relation) and (
        access(viewer.roles, relation, document.sensitivity) is Access.shown
    )


def may_change(viewer: Viewer, document: SeededDocument, relation: Relation) -> bool:
    """Whether ``viewer`` may add a version of a client's document or remove it: its uploader or
    the file holder, while they may still give its audience and category."""
    assert document.audience is not None
    own = document.author == viewer.person_id or relation is Relation.file_holder
    return own and (document.audience, document.category) in may_give(viewer, relation)


async def _viewer(world: World, username: str) -> Viewer:
    viewer = await load_viewer(world.people[username])
    assert viewer is not None
    return viewer


async def upload(
    world: World,
    store: DocumentStore,
    username: str,
    category: str,
    *,
    client: str | None = None,
    course: str | None = None,
    signal: int | None = None,
    audience: Audience | None = Audience.care_team,
    label: str | None = None,
) -> SeededDocument:
    """One document by ``username`` on a client or a course of the world (by tag), through
    ``add_file``; its name and content carry ``label`` in the style of ``secret``."""
    viewer = await _viewer(world, username)
    if client is not None:
        assert audience is not None
        target = await client_target(viewer, world.clients[client])
        sensitivity = CATEGORY_BY_CODE[category].sensitivity
        tag = f"DOC-{client}"
    elif signal is not None:
        target = await host_target(viewer, "signal", signal)
        audience, sensitivity, tag = None, Sensitivity.trajectory, f"DOC-SIGNAL-{signal}"
    else:
        assert course is not None
        target = await host_target(viewer, "course", world.courses[course])
        audience, sensitivity, tag = None, Sensitivity.basic, f"DOC-COURSE-{course}"
    label = label or "-".join(
        part for part in (username, audience.value if audience else "", category) if part
    )
    name = secret(tag, label) + ".pdf"
    marker = secret(tag.replace("DOC", "BYTES", 1), label) + "-END"
    content = pdf(marker)
    document_id = await add_file(
        viewer,
        target,
        name,
        [content[:16], content[16:]],
        category=category,
        audience=audience or Audience.care_team,
        limits=Limits(store=store, max_bytes=MAX_BYTES),
    )
    return SeededDocument(
        id=document_id,
        name=name,
        content=content,
        marker=marker,
        uploader=username,
        author=viewer.person_id,
        author_org=viewer.org_id,
        category=category,
        sensitivity=sensitivity,
        audience=audience,
        client=client,
        course=course,
        signal=signal,
    )


async def add_documents(world: World, store: DocumentStore) -> list[SeededDocument]:
    """Seed the world's documents into ``store`` (the app's, for tests that download them) and
    ``world.documents``, in one unit of work (the uploads join it: one commit, not ninety)."""
    seeded: list[SeededDocument] = []
    async with unit_of_work():
        for tag, uploaders in UPLOADERS.items():
            for username in uploaders:
                viewer = await _viewer(world, username)
                target = await client_target(viewer, world.clients[tag])
                assert target.client is not None
                pairs = may_give(viewer, target.client.relation)
                assert pairs, (username, tag, "an uploader of the world may give something")
                for audience, category in pairs:
                    seeded.append(
                        await upload(
                            world, store, username, category, client=tag, audience=audience
                        )
                    )
        for course, (username, category) in COURSE_ATTACHMENTS.items():
            seeded.append(await upload(world, store, username, category, course=course))
    world.documents = seeded
    return seeded


async def add_signal_attachments(world: World, store: DocumentStore) -> list[SeededDocument]:
    """A photo on each of the world's signals, by its reporter, added to ``world.documents``."""
    seeded = [
        await upload(world, store, signal.reporter, "photo", signal=signal.id)
        for signal in world.signals
    ]
    world.documents = [*world.documents, *seeded]
    return seeded

"""Documents in the demo: on every file one the care team reads, one for the OCMW's own people and
one for the file holder only, plus CVs and certificates from the partners in a care team and the
programme of the group course; all stored through the same services into the configured store."""

from __future__ import annotations

import datetime as dt
import io

from openpyxl import Workbook

from portal.clients.tables import Client
from portal.core.storage import DocumentStore
from portal.courses.attachments import ATTACHMENT_KIND
from portal.courses.tables import Course
from portal.demo.courses import ORGANISER, TITLE
from portal.demo.story import REFERENCE
from portal.documents.services import Limits, add_file, client_target, host_target
from portal.visibility.policy import Audience, Relation
from portal.visibility.records import visible_to
from portal.visibility.scoping import unscoped
from portal.visibility.viewer import Viewer

LIMIT = 25 * 1024 * 1024
SOCIAL_WORKERS = ("sw.zottegem", "sw2.zottegem", "sw.gent", "sw2.gent")
PARTNERS = (
    ("toeleider.pin", "cv"),
    ("toeleider2.pin", "cv"),
    ("mediator.vdab", "certificate"),
    ("mediator.vdab-gent", "certificate"),
)


def pdf(title: str, *lines: str) -> bytes:
    """A small, valid one-page PDF with a title and a few lines of text."""

    def escape(text: str) -> str:
        safe = text.encode("latin-1", "replace").decode("latin-1")
        return safe.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")

    text = [f"BT /F1 16 Tf 56 780 Td ({escape(title)}) Tj ET"]
    for number, line in enumerate(lines):
        text.append(f"BT /F1 11 Tf 56 {750 - 16 * number} Td ({escape(line)}) Tj ET")
    stream = "\n".join(text).encode("latin-1")
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R"
        b" /Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref,
    )
    return bytes(out)


def budget_sheet(first_name: str) -> bytes:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "Budget"
    sheet.append(["Post", "Per maand (EUR)"])
    for row in (("Leefloon", 1314), ("Huur", -650), ("Energie", -140), ("Afbetaling", -75)):
        sheet.append(list(row))
    sheet.append(["Opgesteld voor", first_name])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


async def _relation(actor: Viewer, client_id: int) -> Relation:
    """Read through the client's scope, not by asking for the file: a question the demo asks,
    not an attempt of the person's to write in their access log."""
    scope = visible_to(actor, Client)
    row = await scope.get(client_id, Client.id)
    view = scope.project(row) if row is not None else None
    return view.relation if view is not None else Relation.none


async def _holder(actors: dict[str, Viewer], client_id: int) -> Viewer:
    for username in SOCIAL_WORKERS:
        if await _relation(actors[username], client_id) is Relation.file_holder:
            return actors[username]
    raise LookupError(f"no file holder among the demo's social workers for {client_id}")


async def tell(actors: dict[str, Viewer], files: dict[str, int], *, store: DocumentStore) -> None:
    limits = Limits(store=store, max_bytes=LIMIT)
    for number, (name, client_id) in enumerate(sorted(files.items())):
        first_name = name.split()[0]
        holder = await _holder(actors, client_id)
        target = await client_target(holder, client_id)
        day = (REFERENCE - dt.timedelta(days=60 - number)).replace(hour=10)
        await add_file(
            holder,
            target,
            f"Afsprakennota {first_name}.pdf",
            [pdf("Afsprakennota", f"Afspraken met {first_name}", "Wekelijks contact", "")],
            category="agreement_note",
            audience=Audience.care_team,
            limits=limits,
            at=day,
        )
        await add_file(
            holder,
            target,
            f"Budgetoverzicht {first_name}.xlsx",
            [budget_sheet(first_name)],
            category="other",
            audience=Audience.own_org,
            limits=limits,
            at=day + dt.timedelta(hours=1),
        )
        await add_file(
            holder,
            target,
            f"Sociaal verslag {first_name}.pdf",
            [pdf("Sociaal verslag", f"Situatie van {first_name}", "Schulden en afbetalingsplan")],
            category="social_report" if number % 4 else "medical",
            audience=Audience.file_holder_only,
            limits=limits,
            at=day + dt.timedelta(hours=2),
        )
        for username, category in PARTNERS:
            if await _relation(actors[username], client_id) is not Relation.care_team:
                continue
            label = "CV" if category == "cv" else "Attest VDAB"
            await add_file(
                actors[username],
                await client_target(actors[username], client_id),
                f"{label} {first_name}.pdf",
                [pdf(label, first_name, "Ervaring, talen en sterktes")],
                category=category,
                audience=Audience.care_team,
                limits=limits,
                at=day + dt.timedelta(days=3),
            )
    with unscoped("demo: the course the course story made"):
        course = await Course.select(Course.id).where(Course.title == TITLE).first()
    assert course is not None
    organiser = actors[ORGANISER]
    await add_file(
        organiser,
        await host_target(organiser, ATTACHMENT_KIND, course["id"]),
        "Programma sollicitatietraining.pdf",
        [pdf("Programma", "15 sessies op maandag", "Van cv tot sollicitatiegesprek")],
        category="programme",
        limits=limits,
        at=REFERENCE - dt.timedelta(days=100),
    )

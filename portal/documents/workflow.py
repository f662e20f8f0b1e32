"""Documents as data: the categories (each sets the class of what it holds), the audiences an
uploader may choose from, and the types the portal accepts."""

from __future__ import annotations

from dataclasses import dataclass

from portal.core.i18n import N_
from portal.visibility.policy import Audience, Sensitivity


@dataclass(frozen=True)
class Category:
    code: str
    label: str
    sensitivity: Sensitivity


CATEGORIES = (
    Category("cv", N_("CV"), Sensitivity.trajectory),
    Category("diploma", N_("Diploma"), Sensitivity.trajectory),
    Category("certificate", N_("Certificate or attestation"), Sensitivity.trajectory),
    Category("agreement_note", N_("Agreement note"), Sensitivity.trajectory),
    Category("social_report", N_("Social report"), Sensitivity.social),
    Category("medical", N_("Medical certificate"), Sensitivity.health),
    Category("other", N_("Other"), Sensitivity.trajectory),
    Category("programme", N_("Programme or leaflet"), Sensitivity.basic),
    Category("photo", N_("Photo or scan"), Sensitivity.trajectory),
    Category("signed_report", N_("Signed report"), Sensitivity.basic),
)
CATEGORY_BY_CODE = {category.code: category for category in CATEGORIES}
CLIENT_CATEGORIES = tuple(
    CATEGORY_BY_CODE[code]
    for code in (
        "cv",
        "diploma",
        "certificate",
        "agreement_note",
        "social_report",
        "medical",
        "other",
    )
)
"""What a client's document can be; a record other than a client names its own
(``hosts.AttachmentHost.categories``)."""

AUDIENCES = (Audience.care_team, Audience.own_org, Audience.file_holder_only)
"""What an uploader may choose, as for a note (DESIGN.md §4)."""


@dataclass(frozen=True)
class FileType:
    code: str
    content_type: str
    label: str
    extension: str


FILE_TYPES = (
    FileType("pdf", "application/pdf", "PDF", "pdf"),
    FileType("png", "image/png", "PNG", "png"),
    FileType("jpeg", "image/jpeg", "JPEG", "jpg"),
    FileType("odt", "application/vnd.oasis.opendocument.text", "ODT", "odt"),
    FileType(
        "docx",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "DOCX",
        "docx",
    ),
    FileType(
        "xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "XLSX", "xlsx"
    ),
    FileType("text", "text/plain; charset=utf-8", N_("plain text"), "txt"),
)
TYPE_BY_CODE = {kind.code: kind for kind in FILE_TYPES}
TYPE_BY_CONTENT_TYPE = {kind.content_type: kind for kind in FILE_TYPES}

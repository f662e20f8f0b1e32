"""The first list, imported from the spreadsheet the OCMW keeps today.

``preview`` reads the sheet, matches each row to a file of the OCMW by national number and says
what is wrong per row; nothing is written. The rows it can take travel to the confirmation signed
(``core.signing``), and ``confirm`` checks them again against the importer's scope before one
unit of work writes the round, its items and their timeline events.

A row matches only a file whose national number the importer is shown (their own files, their
care teams, a colleague's file after stating a reason): matching a number to any file of the OCMW
would tell a colleague whose number it is, which the policy keeps from them.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from portal.clients.changes import Invalid
from portal.clients.national_number import InvalidNationalNumber, formatted, normalise
from portal.clients.services import NotAllowed
from portal.clients.tables import Client
from portal.clients.visibility import ClientView
from portal.core.i18n import N_
from portal.core.i18n import gettext_ as _
from portal.core.signing import sign, unsign
from portal.core.text import fold
from portal.review.services import (
    Mark,
    Part,
    eligible_clients,
    mark_from,
    open_round,
    refuse_second_round,
    taking_part,
    today_in_belgium,
)
from portal.review.sheets import (
    MAX_ROWS,
    NoNationalNumberColumn,
    NotASpreadsheet,
    OldExcel,
    SheetRow,
    read_sheet,
)
from portal.review.visibility import reads_reason
from portal.review.workflow import (
    DECISION_BY_CODE,
    HEALTH_KIND,
    NOT_YET,
    READY,
    REASON_BY_CODE,
    Quarter,
    is_on_list,
)
from portal.visibility.policy import Sensitivity
from portal.visibility.records import visible_to
from portal.visibility.viewer import Viewer

PURPOSE = "brug/review-import"
MAX_AGE = 60 * 60
"""A preview can be confirmed for an hour."""

DECISION_WORDS: dict[str, str] = {
    **dict.fromkeys(
        (
            "klaar",
            "klaarvooractivering",
            "ready",
            "readyforactivation",
            "ja",
            "yes",
            "activeerbaar",
        ),
        READY,
    ),
    **dict.fromkeys(("nogniet", "notyet", "nee", "no", "nietactiveerbaar"), NOT_YET),
}
"""Folded cell values (no case, accents, spaces) → decision; an empty cell is "not marked yet"."""
REASON_WORDS: dict[str, str] = {
    **dict.fromkeys(
        (
            "nederlands",
            "nederlandseles",
            "nederlandselessen",
            "taal",
            "dutch",
            "dutchclasses",
            "language",
        ),
        "dutch",
    ),
    **dict.fromkeys(
        ("randvoorwaarden", "randvoorwaarde", "preconditions", "precondition"), "preconditions"
    ),
    **dict.fromkeys(
        (
            "gezondheid",
            "verslaving",
            "gezondheidofverslaving",
            "health",
            "addiction",
            "healthoraddiction",
        ),
        HEALTH_KIND,
    ),
    **dict.fromkeys(("andere", "ander", "other"), "other"),
}

DECISION_EXAMPLES = (
    (N_("Ready for activation"), "klaar, ready"),
    (N_("Not yet"), "nog niet, not yet"),
    (N_("Not marked yet"), N_("an empty cell")),
)
REASON_EXAMPLES = (
    (N_("Dutch classes"), "Nederlands, taal, Dutch"),
    (N_("Preconditions (childcare, housing, mobility …)"), "randvoorwaarden, preconditions"),
    (N_("Health or addiction"), "gezondheid, verslaving, health"),
    (N_("Other"), N_("andere, other, or an empty cell")),
)


def _word(text: str) -> str:
    return "".join(ch for ch in fold(text) if ch.isalnum())


@dataclass(frozen=True)
class PreviewRow:
    line: int
    number: str
    sheet_name: str
    client_name: str
    decision: str
    reason_kind: str
    reason: str
    errors: tuple[str, ...]


@dataclass(frozen=True)
class Preview:
    period: str
    rows: list[PreviewRow]
    taken: int
    """Rows that will be written."""
    refused: int
    others: int
    """The OCMW's other living-wage clients, put on the list not marked."""
    token: str


class SheetRefused(Invalid):
    """The upload is no sheet the import can read: one message for the file field."""


def _refusal(message: str) -> SheetRefused:
    return SheetRefused({"sheet": message})


def _sheet(data: bytes) -> list[SheetRow]:
    if not data:
        raise _refusal(_("Choose the spreadsheet to import (.xlsx or .csv)."))
    try:
        return read_sheet(data)
    except OldExcel:
        raise _refusal(
            _("This is an old Excel file (.xls). Save it as .xlsx or .csv and upload that.")
        ) from None
    except NotASpreadsheet:
        raise _refusal(
            _(
                "This file is not a spreadsheet. Upload an .xlsx file or a .csv file (at most "
                "%(rows)s rows)."
            )
            % {"rows": MAX_ROWS}
        ) from None
    except NoNationalNumberColumn as missing:
        found = ", ".join(missing.headers) or _("none")
        raise _refusal(
            _(
                "No column with the national number (rijksregisternummer) was found. Headers "
                "read: %(headers)s."
            )
            % {"headers": found}
        ) from None


async def _matchable(actor: Viewer) -> dict[str, ClientView]:
    """The OCMW's files whose national number the importer is shown, by their 11 digits."""
    scope = visible_to(actor, Client)
    rows = await scope.select(
        Client.id,
        Client.ocmw,
        Client.first_name,
        Client.last_name,
        Client.national_number,
        Client.living_wage_start,
        Client.status,
    ).where(Client.ocmw == actor.org_id)
    found: dict[str, ClientView] = {}
    for view in scope.project_all(rows):
        if not view.shows("national_number") or "national_number" in view.masked:
            continue
        try:
            found[normalise(view.values["national_number"])] = view
        except InvalidNationalNumber:
            continue
    return found


def _mark_of(values: dict[str, str]) -> tuple[Mark | None, list[str]]:
    decision_text = values.get("decision", "")
    if not decision_text:
        return None, []
    decision = DECISION_WORDS.get(_word(decision_text))
    if decision is None:
        return None, [
            _("Unknown decision “%(value)s”: write “klaar” or “nog niet”, or leave it empty.")
            % {"value": decision_text[:40]}
        ]
    kind_text = values.get("reason_kind", "")
    kind = REASON_WORDS.get(_word(kind_text), "") if kind_text else "other"
    errors = []
    if decision == NOT_YET and not kind:
        errors.append(
            _(
                "Unknown kind of reason “%(value)s”: write Nederlands, randvoorwaarden, "
                "gezondheid or andere."
            )
            % {"value": kind_text[:40]}
        )
        kind = "other"
    try:
        mark = mark_from(
            {"decision": decision, "reason_kind": kind, "reason": values.get("reason", "")}
        )
    except Invalid as invalid:
        return None, errors + list(invalid.errors.values())
    return (None if errors else mark), errors


def _check_row(
    actor: Viewer, row: SheetRow, files: dict[str, ClientView], seen: dict[str, list[int]]
) -> tuple[PreviewRow, ClientView | None, Mark | None]:
    values = row.values
    errors: list[str] = []
    client: ClientView | None = None
    number = values.get("national_number", "")
    try:
        digits = normalise(number)
        number = formatted(digits)
    except InvalidNationalNumber:
        digits = ""
        errors.append(_("This is no valid national number (11 digits, check number right)."))
    if digits:
        others = [line for line in seen.get(digits, []) if line != row.line]
        if others:
            errors.append(
                _("This national number is in the sheet more than once (rows %(rows)s).")
                % {"rows": ", ".join(str(line) for line in sorted({*others, row.line}))}
            )
        client = files.get(digits)
        if client is None:
            errors.append(_("No file with this national number at your OCMW that you may see."))
        elif not is_on_list(client.values.get("living_wage_start"), client.values.get("status")):
            errors.append(_("This file is not on the list: no living wage, or the file is closed."))
    mark, mark_errors = _mark_of(values)
    errors += mark_errors
    if (
        mark is not None
        and client is not None
        and mark.sensitivity is Sensitivity.health
        and not reads_reason(actor, client.relation, Sensitivity.health)
    ):
        errors.append(
            _("Only who may see this client's health information records a health reason.")
        )
    preview = PreviewRow(
        line=row.line,
        number=number[:20],
        sheet_name=values.get("name", "")[:100],
        client_name=client.full_name if client else "",
        decision=mark.decision if mark else "",
        reason_kind=mark.reason_kind if mark else "",
        reason=mark.reason if mark else "",
        errors=tuple(errors),
    )
    return preview, (client if not errors else None), (mark if not errors else None)


async def preview(
    actor: Viewer, data: bytes, *, secret_key: str, today: dt.date | None = None
) -> Preview:
    """What the import would write, row by row; nothing is written."""
    if taking_part(actor) is not Part.team:
        raise NotAllowed("only the OCMW's social workers import the list")
    quarter = Quarter.of(today or today_in_belgium())
    await refuse_second_round(actor, quarter)
    rows = _sheet(data)
    files = await _matchable(actor)
    seen: dict[str, list[int]] = {}
    for row in rows:
        try:
            seen.setdefault(normalise(row.values.get("national_number", "")), []).append(row.line)
        except InvalidNationalNumber:
            continue
    checked = [_check_row(actor, row, files, seen) for row in rows]
    taken = {client.id: (mark, line.line) for line, client, mark in checked if client is not None}
    on_list = {view.id for view in await eligible_clients(actor)}
    token = sign(
        secret_key,
        PURPOSE,
        {
            "person": actor.person_id,
            "period": quarter.code,
            "rows": [
                [client_id, *((m.decision, m.reason_kind, m.reason) if m else ("", "", ""))]
                for client_id, (m, _line) in sorted(taken.items())
            ],
        },
    )
    return Preview(
        period=quarter.code,
        rows=[line for line, _client, _mark in checked],
        taken=len(taken),
        refused=sum(1 for line, _c, _m in checked if line.errors),
        others=len(on_list - set(taken)),
        token=token,
    )


EXPIRED = "The preview has expired or was changed. Upload the spreadsheet again."


async def confirm(
    actor: Viewer, token: str, *, secret_key: str, today: dt.date | None = None
) -> int:
    """Write what the preview showed, once it holds still: the same person, the same quarter,
    and every row's file still theirs to match and on the list."""
    if taking_part(actor) is not Part.team:
        raise NotAllowed("only the OCMW's social workers import the list")
    quarter = Quarter.of(today or today_in_belgium())
    value = unsign(secret_key, PURPOSE, token, max_age=MAX_AGE)
    if (
        not isinstance(value, dict)
        or value.get("person") != actor.person_id
        or value.get("period") != quarter.code
    ):
        raise _refusal(_(EXPIRED))
    files = {view.id: view for view in (await _matchable(actor)).values()}
    marks: dict[int, Mark | None] = {}
    for client_id, decision, kind, reason in value["rows"]:
        client = files.get(client_id)
        if client is None or not is_on_list(
            client.values.get("living_wage_start"), client.values.get("status")
        ):
            raise _refusal(_(EXPIRED))
        mark = Mark(decision, kind, reason) if decision in DECISION_BY_CODE else None
        if mark is not None and (kind and kind not in REASON_BY_CODE):
            raise _refusal(_(EXPIRED))
        if (
            mark is not None
            and mark.sensitivity is Sensitivity.health
            and not reads_reason(actor, client.relation, Sensitivity.health)
        ):
            raise _refusal(_(EXPIRED))
        marks[client_id] = mark
    return await open_round(
        actor,
        today=today,
        marks={cid: m for cid, m in marks.items() if m is not None},
        source="imported",
    )

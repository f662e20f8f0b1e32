"""Evaluations in the demo, through the services: the yearly evaluation of last year for OCMW
Zottegem × PIN vzw × VDAB Zottegem, finalised (its survey answered by four colleagues, its
conclusions and action points written), and this partnership's evaluation of the last quarter,
whose survey is open with two answers so far (too few to be shown)."""

from __future__ import annotations

from typing import Any

from litestar.datastructures import FormMultiDict

from portal.core.periods import Period, today_in_belgium
from portal.evaluations import services, survey, workflow
from portal.visibility.viewer import Viewer

YEARLY_ANSWERS = (
    ("sw.zottegem", (4, 3, 5), "Signalen van PIN komen sneller binnen dan vroeger.", ""),
    (
        "toeleider.pin",
        (4, 2, 4),
        "Korte lijnen met de maatschappelijk werkers.",
        "Sneller antwoord op signalen over burgerzaken.",
    ),
    ("mediator.vdab", (3, 4, 3), "", "Doorverwijsvragen vaker met een duidelijke vraag erbij."),
    (
        "toeleider2.pin",
        (5, 3, 4),
        "De gedeelde tijdlijn spaart telefoontjes uit.",
        "Meer overleg over opleidingen die lang op zich laten wachten.",
    ),
)
QUARTER_ANSWERS = (
    ("sw2.zottegem", (4, 4, 4), "Goede opvolging van de cliënten in trede 3.", ""),
    (
        "toeleider.pin",
        (3, 3, 4),
        "Snelle terugkoppeling op signalen.",
        "Wachttijd bij burgerzaken blijft een probleem.",
    ),
)
STRENGTHS = (
    "De toeleiders van PIN brengen mensen binnen die het OCMW anders niet bereikt; signalen over"
    " burgerzaken worden sneller opgevolgd dan vorig jaar. De gedeelde tijdlijn vervangt veel"
    " mails en telefoons."
)
ADJUSTMENTS = (
    "Doorverwijsvragen aan VDAB zijn niet altijd concreet genoeg. Opleidingsaanvragen blijven"
    " lang liggen tussen goedkeuring en start."
)
ACTIONS = (
    ("Sjabloon voor doorverwijsvragen afspreken met VDAB Zottegem", "Ann Verhaeghe (OCMW)", 2, 28),
    ("Maandelijks overleg over wachtende opleidingsaanvragen", "Koen Willems (VDAB)", 3, 31),
    ("Signalen burgerzaken bundelen voor de stuurgroep", "Jan Vandamme (PIN vzw)", 6, 30),
)


def _form(**values: str) -> FormMultiDict:
    return FormMultiDict(values)


async def _answer(
    actors: dict[str, Viewer], evaluation: int, given: tuple[tuple[Any, ...], ...]
) -> None:
    questions = await services.questions_of(evaluation)
    scales = [q.id for q in questions if q.kind == workflow.SCALE_KIND]
    opens = [q.id for q in questions if q.kind == workflow.OPEN_KIND]
    for username, scores, works, change in given:
        values = {f"score_{q}": str(score) for q, score in zip(scales, scores, strict=False)}
        for q, text in zip(opens, (works, change), strict=False):
            if text:
                values[f"text_{q}"] = text
        await survey.answer(actors[username], evaluation, _form(**values))


async def tell(actors: dict[str, Viewer], _files: dict[str, int]) -> None:
    coordinator, partner = actors["coordinator.zottegem"], actors["coordinator.pin"]
    (partnership,) = await services.partnerships_for(coordinator)
    today = today_in_belgium()
    last_year = Period(today.year - 1)
    yearly = await services.open_evaluation(
        coordinator, _form(partnership=str(partnership.id), period=last_year.code)
    )
    await services.move(coordinator, yearly, workflow.SEND_SURVEY)
    await _answer(actors, yearly, YEARLY_ANSWERS)
    await services.move(partner, yearly, workflow.CLOSE_SURVEY)
    await services.save_conclusions(
        coordinator, yearly, _form(strengths=STRENGTHS, adjustments=ADJUSTMENTS)
    )
    for text, owner, month, day in ACTIONS:
        due = f"{today.year}-{month:02d}-{day:02d}"
        await services.add_action(partner, yearly, _form(action=text, owner=owner, due_on=due))
    await services.move(coordinator, yearly, workflow.FINALISE)

    quarter = Period(today.year, (today.month - 1) // 3 + 1).previous
    quarterly = await services.open_evaluation(
        partner, _form(partnership=str(partnership.id), period=quarter.code)
    )
    await services.move(partner, quarterly, workflow.SEND_SURVEY)
    await _answer(actors, quarterly, QUARTER_ANSWERS)

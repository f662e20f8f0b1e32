"""Evaluations in the test world, for the partnership OCMW A × partner × VDAB: one finalised
(last year: figures frozen, its survey closed with three answers, which its coordinators read)
and one draft (this year's first quarter). Written as rows, each with its own distinctive texts."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from portal.accounts.tables import Partnership
from portal.evaluations.tables import (
    ActionPoint,
    Evaluation,
    SurveyAnswer,
    SurveyInvitation,
    SurveyQuestion,
)
from tests.support.factories import NOW, PEOPLE, World

READERS = frozenset({"coordinator.a", "coordinator.p"})
"""The coordinators of the partnership's organisations."""
INVITED = frozenset({"sw.a", "sw.a2", "toeleider", "mediator"})
"""The colleagues the finalised evaluation's survey went to (sw.a2 did not answer)."""


@dataclass(frozen=True)
class SeededEvaluation:
    id: int
    finalised: bool
    action: int
    question: int
    secrets: tuple[str, ...]


async def _evaluation(world: World, partnership: int, period: str, finalised: bool) -> int:
    tag = "FINAL" if finalised else "DRAFT"
    row = Evaluation(
        partnership=partnership,
        period=period,
        slot=f"{partnership}/{period}",
        state="finalised" if finalised else "draft",
        opened_by=world.people["coordinator.a"],
        opened_at=NOW - dt.timedelta(days=30),
        strengths=f"EVAL-{tag}-STRENGTH-S3CRET",
        adjustments=f"EVAL-{tag}-ADJUST-S3CRET",
        invited=len(INVITED) if finalised else 0,
        survey_sent_at=NOW - dt.timedelta(days=20) if finalised else None,
        survey_closed_at=NOW - dt.timedelta(days=10) if finalised else None,
        figures={"period": period, "sections": []} if finalised else {},
        finalised_by=world.people["coordinator.p"] if finalised else None,
        finalised_at=NOW - dt.timedelta(days=5) if finalised else None,
        changed_at=NOW - dt.timedelta(days=5),
    )
    await row.save()
    return int(row.id)


async def add_evaluations(world: World) -> list[SeededEvaluation]:
    found = await (
        Partnership.select(Partnership.id).where(Partnership.ocmw == world.orgs["ocmw-a"]).first()
    )
    partnership = int(found["id"])
    year = NOW.year
    seeded = []
    for period, finalised in ((str(year - 1), True), (f"{year}-Q1", False)):
        tag = "FINAL" if finalised else "DRAFT"
        evaluation = await _evaluation(world, partnership, period, finalised)
        question = SurveyQuestion(evaluation=evaluation, position=0, kind="open", text="Wat werkt?")
        await question.save()
        action = ActionPoint(
            evaluation=evaluation,
            text=f"EVAL-{tag}-ACTION-S3CRET",
            owner=f"EVAL-{tag}-OWNER-S3CRET",
            due_on=dt.date(year, 6, 30),
        )
        await action.save()
        secrets = [
            f"EVAL-{tag}-STRENGTH-S3CRET",
            f"EVAL-{tag}-ADJUST-S3CRET",
            f"EVAL-{tag}-ACTION-S3CRET",
            f"EVAL-{tag}-OWNER-S3CRET",
        ]
        if finalised:
            for username in sorted(INVITED):
                await SurveyInvitation(
                    evaluation=evaluation,
                    person=world.people[username],
                    answered=username != "sw.a2",
                    slot=f"{evaluation}/{world.people[username]}",
                ).save()
            for n in range(3):
                text = f"EVAL-ANSWER-{n}-S3CRET"
                await SurveyAnswer(evaluation=evaluation, question=question.id, text=text).save()
                secrets.append(text)
        made = SeededEvaluation(
            evaluation, finalised, int(action.id), int(question.id), tuple(secrets)
        )
        world.evaluations.append(made)
        seeded.append(made)
    return seeded


def reads_evaluation(username: str) -> bool:
    return username in READERS and PEOPLE[username][1] == "coordinator"

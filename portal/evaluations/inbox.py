"""Inbox items of evaluations: the survey a colleague is asked to answer. The item points at the
colleague's own invitation, so it names the partnership and period and nothing else."""

from __future__ import annotations

from collections.abc import Sequence

from portal.core.i18n import N_
from portal.core.periods import Period
from portal.evaluations.tables import SurveyInvitation
from portal.notifications.kinds import InboxKind, RecordSource, Target
from portal.visibility.scoping import unscoped
from portal.visibility.viewer import Viewer

RECORD = "survey"
SURVEY = "evaluation.survey"


def survey_title(partnership: str, period_code: str) -> str:
    """What names a survey to a colleague: the partnership and the period."""
    period = Period.parse(period_code)
    return f"{partnership} · {period.label() if period else period_code}"


async def _surveys(viewer: Viewer, ids: Sequence[int]) -> dict[int, Target]:
    with unscoped("a colleague's own survey invitations: the evaluation's period and name"):
        rows = await SurveyInvitation.select(
            SurveyInvitation.evaluation,
            SurveyInvitation.evaluation.period,
            SurveyInvitation.evaluation.partnership.name,  # type: ignore[union-attr]
        ).where(
            (SurveyInvitation.person == viewer.person_id)
            & SurveyInvitation.evaluation.is_in(list(ids))
        )
    return {
        row["evaluation"]: Target(
            survey_title(row["evaluation.partnership.name"], row["evaluation.period"]),
            f"/evaluations/{row['evaluation']}/survey",
        )
        for row in rows
    }


SOURCES = (RecordSource(RECORD, _surveys),)
KINDS = (
    InboxKind(
        SURVEY,
        RECORD,
        N_("%(organisation)s asks how the collaboration goes: the survey of %(record)s."),
    ),
)

"""An evaluation as a record documents attach to: the signed report for the steering meeting.

Attachments are ``basic``, like the conclusions: every coordinator of the partnership reads them.
They can be added and removed while the evaluation is open and once it is finalised (the report
is signed after the figures are frozen); the figures themselves never change.
"""

from __future__ import annotations

from portal.documents.hosts import AttachmentHost
from portal.evaluations.services import find_evaluation
from portal.evaluations.tables import Evaluation
from portal.evaluations.visibility import EvaluationView
from portal.visibility.policy import Role, Sensitivity
from portal.visibility.viewer import Viewer

ATTACHMENT_KIND = "evaluation"


def may_attach(viewer: Viewer, evaluation: EvaluationView) -> bool:
    """Every coordinator who reads the evaluation."""
    return Role.coordinator in viewer.roles


EVALUATION_HOST = AttachmentHost(
    kind=ATTACHMENT_KIND,
    table=Evaluation,
    sensitivity=Sensitivity.basic,
    categories=("signed_report", "other"),
    find=find_evaluation,
    may_attach=may_attach,
    url=lambda evaluation_id: f"/evaluations/{evaluation_id}",
    title=lambda evaluation: evaluation.title,
)

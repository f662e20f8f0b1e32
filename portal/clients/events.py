"""The timeline's event kinds: a code, a readable name, and the sensitivity class it usually has.

Workflows write events by code (``training_request.approved``); this registry turns codes into
readable lines, as pretix's log display does.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from portal.core.i18n import N_, current_locale, translations
from portal.visibility.policy import Sensitivity


@dataclass(frozen=True)
class EventKind:
    code: str
    label: str
    sensitivity: Sensitivity


_T, _B, _S, _H = (
    Sensitivity.trajectory,
    Sensitivity.basic,
    Sensitivity.social,
    Sensitivity.health,
)

KINDS: dict[str, EventKind] = {
    kind.code: kind
    for kind in (
        EventKind("registration", N_("Registration"), _B),
        EventKind("invitation", N_("Invitation"), _T),
        EventKind("interview", N_("Interview"), _T),
        EventKind("intake", N_("Intake"), _T),
        EventKind("agreement_note", N_("Agreement note"), _T),
        EventKind("ladder.changed", N_("Ladder step changed"), _T),
        EventKind("training_request.requested", N_("Training requested"), _T),
        EventKind("training_request.ocmw_agreed", N_("Training agreed by OCMW"), _T),
        EventKind("training_request.vdab_approved", N_("Training approved by VDAB"), _T),
        EventKind("training_request.scheduled", N_("Training scheduled"), _T),
        EventKind("training_request.started", N_("Training started"), _T),
        EventKind("training_request.completed", N_("Training completed"), _T),
        EventKind("training_request.stopped", N_("Training stopped"), _T),
        EventKind("art60.started", N_("Art. 60 started"), _T),
        EventKind("art60.ended", N_("Art. 60 ended"), _T),
        EventKind("follow_up", N_("Follow-up"), _T),
        EventKind("note", N_("Note"), _T),
        EventKind("social_report.updated", N_("Social report updated"), _S),
        EventKind("health.noted", N_("Health note"), _H),
        EventKind("document.added", N_("Document added"), _T),
        EventKind("signal.linked", N_("Signal linked"), _T),
        EventKind("referral_question.asked", N_("Referral question asked"), _T),
        EventKind("referral_question.answered", N_("Referral question answered"), _T),
    )
}


@cache
def _labels(locale: str) -> dict[str, str]:
    catalog = translations(locale)
    return {code: catalog.gettext(kind.label) for code, kind in KINDS.items()}


def kind_labels() -> dict[str, str]:
    """Readable kind names in the current language, translated once per language."""
    return _labels(current_locale())

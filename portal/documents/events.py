"""What documents write on a client's timeline: each event has the document's audience and class,
so a reader who may not read the document does not read its name either."""

from portal.core.i18n import N_
from portal.documents.workflow import CATEGORIES
from portal.timeline.kinds import EventKind
from portal.visibility.policy import Sensitivity

ADDED = "document.added"
VERSIONED = "document.versioned"
REMOVED = "document.removed"

_CATEGORY_NAMES = {"category": {category.code: category.label for category in CATEGORIES}}

KINDS = (
    EventKind(
        ADDED,
        N_("Document"),
        Sensitivity.trajectory,
        N_("%(category)s added: %(name)s"),
        free_text=True,
        terms=_CATEGORY_NAMES,
    ),
    EventKind(
        VERSIONED,
        N_("Document"),
        Sensitivity.trajectory,
        N_("New version %(version)s of %(name)s"),
        free_text=True,
        terms=_CATEGORY_NAMES,
    ),
    EventKind(
        REMOVED,
        N_("Document"),
        Sensitivity.trajectory,
        N_("%(category)s removed: %(name)s"),
        free_text=True,
        terms=_CATEGORY_NAMES,
    ),
)

"""The states of a transfer, as data: proposed (pending), then accepted, refused or withdrawn."""

from __future__ import annotations

from dataclasses import dataclass

from portal.core.i18n import N_


@dataclass(frozen=True)
class State:
    code: str
    label: str
    """Message id."""
    tone: str
    open: bool = False


STATES: tuple[State, ...] = (
    State("pending", N_("Waiting for the receiving OCMW"), "wait", open=True),
    State("accepted", N_("Accepted: the file moved"), "done"),
    State("refused", N_("Refused"), "wait"),
    State("withdrawn", N_("Withdrawn"), "done"),
)
STATE_BY_CODE = {state.code: state for state in STATES}
PENDING, ACCEPTED, REFUSED, WITHDRAWN = (state.code for state in STATES)

NOTE_MIN, NOTE_MAX, REASON_MAX = 10, 5000, 2000
HANDOVER_KINDS = ("event", "document")

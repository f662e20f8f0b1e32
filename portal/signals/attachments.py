"""A signal as a record documents attach to: a photo of a letter, a scan, a note.

Attachments are ``trajectory``: on a signal about a client they follow the client as the signal
does; on a structural signal only the OCMW's social workers see them (a photo of a letter shows
a name), not the reporter's organisation, which reads the structural signal's ``basic`` text.
"""

from __future__ import annotations

from portal.documents.hosts import AttachmentHost
from portal.signals.services import actors_of, find_signal
from portal.signals.tables import Signal
from portal.signals.visibility import SignalView
from portal.visibility.policy import Sensitivity
from portal.visibility.viewer import Viewer

ATTACHMENT_KIND = "signal"


def may_attach(viewer: Viewer, signal: SignalView) -> bool:
    """The reporter, the handler and the OCMW's people, while the signal is open."""
    return signal.state.open and bool(actors_of(viewer, signal))


SIGNAL_HOST = AttachmentHost(
    kind=ATTACHMENT_KIND,
    table=Signal,
    sensitivity=Sensitivity.trajectory,
    categories=("photo", "other"),
    find=find_signal,
    may_attach=may_attach,
    url=lambda signal_id: f"/signals/{signal_id}",
    title=lambda signal: signal.title,
)

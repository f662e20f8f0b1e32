"""The client files of the demo world, written as the file holder writes them: the registration,
the care team, the client's consents and their moves on the participation ladder."""

from __future__ import annotations

from portal.clients.changes import (
    Registration,
    add_to_care_team,
    record_agreement,
    record_consent,
    register_client,
    set_ladder_step,
    set_status,
)
from portal.clients.workflow import FIRST_STATUS
from portal.demo.story import (
    AgreementRecorded,
    ConsentDecided,
    DemoClient,
    Joined,
    LadderMoved,
    StatusSet,
)
from portal.visibility.viewer import Viewer


async def register(actor: Viewer, client: DemoClient) -> int:
    """The client's social worker registers them, on the step they started on."""
    registration = Registration(
        first_name=client.first_name,
        last_name=client.last_name,
        birth_date=client.birth_date,
        national_number=client.national_number,
        language=client.language,
        municipality=client.municipality,
        phone=client.phone,
        address=client.address,
        ladder_step=client.start_step,
        status=FIRST_STATUS,
        social_report=client.social_report,
        finances=client.finances,
        health_notes=client.health_notes,
    )
    return await register_client(actor, registration, at=client.created_at)


async def write(
    actor: Viewer,
    client_id: int,
    action: Joined | ConsentDecided | LadderMoved | StatusSet | AgreementRecorded,
) -> None:
    """One change to the file, made by its file holder (``actor``)."""
    match action:
        case Joined():
            await add_to_care_team(actor, client_id, action.username, at=action.at)
        case ConsentDecided():
            await record_consent(actor, client_id, action.org, given=action.given, on=action.on)
        case LadderMoved():
            await set_ladder_step(actor, client_id, action.step, action.reason, at=action.at)
        case StatusSet():
            await set_status(actor, client_id, action.status, action.reason, at=action.at)
        case AgreementRecorded():
            made = action.made_on.isoformat() if action.made_on else ""
            fields = {"living_wage_start": action.living_wage_start.isoformat()}
            await record_agreement(
                actor, client_id, fields | {"agreement_note_on": made}, at=action.at
            )

"""The intake by the OCMW's activation team, and the file holder's confirmation of the ladder
step it proposes.

Each answer keeps its topic's class; a ``health`` answer (health, addiction) is only written by
someone shown that class of this client, and only read by them.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass

from portal.clients import changes
from portal.clients.changes import Invalid, NotAllowed
from portal.clients.services import find_client
from portal.clients.visibility import ClientView
from portal.clients.workflow import LADDER
from portal.core.db import unit_of_work
from portal.core.i18n import gettext_ as _
from portal.timeline.services import append
from portal.trajectory import events, forms
from portal.trajectory.services import follows_trajectory, latest_intake
from portal.trajectory.tables import Intake, IntakeAnswer
from portal.trajectory.workflow import INTAKE_TOPICS, Topic
from portal.visibility.policy import Relation, Role, shown_classes
from portal.visibility.viewer import Viewer

ANSWER_MAX = 4000
ACTIVATION_TEAM = frozenset(
    {Relation.file_holder, Relation.same_org, Relation.same_org_reason, Relation.care_team}
)


def holds_intakes(viewer: Viewer, client: ClientView) -> bool:
    """A social worker of the client's OCMW (the activation team)."""
    return (
        Role.social_worker in viewer.roles
        and viewer.org_id == client.ocmw
        and client.relation in ACTIVATION_TEAM
        and follows_trajectory(viewer, client)
    )


def topics_for(viewer: Viewer, client: ClientView) -> tuple[Topic, ...]:
    """The topics this person may answer: those whose class they are shown for this client."""
    shown = shown_classes(viewer.roles, client.relation)
    return tuple(topic for topic in INTAKE_TOPICS if topic.sensitivity in shown)


@dataclass(frozen=True)
class IntakeForm:
    held_on: dt.date
    proposed_step: int | None
    answers: dict[str, str]


def intake_from(
    fields: Mapping[str, str], topics: tuple[Topic, ...], *, today: dt.date
) -> IntakeForm:
    errors: dict[str, str] = {}
    held_on: dt.date | None = None
    try:
        held_on = forms.day(fields, "held_on")
    except ValueError:
        errors["held_on"] = _("Enter the date as a date, for example 2026-11-12.")
    if held_on is None and "held_on" not in errors:
        errors["held_on"] = _("Enter the day of the intake.")
    elif held_on is not None and held_on > today:
        errors["held_on"] = _("An intake cannot be held in the future.")
    step: int | None = None
    try:
        step = forms.whole_number(fields, "proposed_step")
    except ValueError:
        step = 0
    if step is not None and step not in LADDER:
        errors["proposed_step"] = _("Choose a step from 1 to 6.")
    answers: dict[str, str] = {}
    for topic in topics:
        answer = forms.long_text(fields, topic.code)
        if len(answer) > ANSWER_MAX:
            errors[topic.code] = forms.too_long(ANSWER_MAX)
        elif answer:
            answers[topic.code] = answer
    if not answers and step is None and not errors:
        errors["past_work"] = _("Write down at least one answer or propose a step.")
    if errors or held_on is None:
        raise Invalid(errors)
    return IntakeForm(held_on, step, answers)


async def record_intake(
    actor: Viewer, client_id: int, fields: Mapping[str, str], *, at: dt.datetime | None = None
) -> int:
    client = await find_client(actor, client_id)
    if not holds_intakes(actor, client):
        raise forms.refused(_("The intake is held by a social worker of the client's OCMW."))
    moment = at or dt.datetime.now(dt.UTC)
    topics = topics_for(actor, client)
    offered = {topic.code for topic in topics}
    if any(
        fields.get(topic.code, "").strip() for topic in INTAKE_TOPICS if topic.code not in offered
    ):
        raise forms.refused(_("Only who may see this client's health data records those answers."))
    form = intake_from(fields, topics, today=moment.date())
    async with unit_of_work():
        row = Intake(
            client=client_id,
            held_on=form.held_on,
            held_by=actor.person_id,
            proposed_step=form.proposed_step,
            created_at=moment,
        )
        await row.save()
        for topic in topics:
            if topic.code in form.answers:
                await IntakeAnswer(
                    intake=row.id,
                    client=client_id,
                    topic=topic.code,
                    text=form.answers[topic.code],
                    sensitivity=topic.sensitivity.value,
                ).save()
        await append(
            client_id,
            events.INTAKE_RECORDED,
            actor=actor,
            payload={
                "day": form.held_on.strftime("%d-%m-%Y"),
                "step": form.proposed_step or "–",
            },
            occurred_at=moment,
        )
    return int(row.id)


async def confirm_intake(
    actor: Viewer, client_id: int, fields: Mapping[str, str], *, at: dt.datetime | None = None
) -> None:
    """The file holder confirms the step the latest intake proposed: the ladder moves (with the
    intake as its reason) and the intake is marked confirmed, in one unit of work."""
    client = await find_client(actor, client_id)
    if client.relation is not Relation.file_holder:
        raise forms.refused(_("Only the file holder confirms the proposed step."))
    intake = await latest_intake(actor, client)
    if intake is None or str(intake.id) != fields.get("intake", ""):
        raise Invalid({"intake": _("Confirm the step of the latest intake.")})
    if intake.proposed_step is None or intake.confirmed_at is not None:
        raise Invalid({"intake": _("This intake has no step left to confirm.")})
    moment = at or dt.datetime.now(dt.UTC)
    day = intake.held_on.strftime("%d-%m-%Y")
    async with unit_of_work():
        if client.values.get("ladder_step") != intake.proposed_step:
            try:
                await changes.set_ladder_step(
                    actor,
                    client_id,
                    intake.proposed_step,
                    _("Intake of %(day)s") % {"day": day},
                    at=moment,
                )
            except NotAllowed:
                raise forms.refused(_("Only the file holder confirms the proposed step.")) from None
        await Intake.update(
            {Intake.confirmed_at: moment, Intake.confirmed_by: actor.person_id}
        ).where(Intake.id == intake.id)
        await append(
            client_id,
            events.INTAKE_CONFIRMED,
            actor=actor,
            payload={"day": day, "step": intake.proposed_step},
            occurred_at=moment,
        )

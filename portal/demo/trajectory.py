"""The demo world's trajectories, written through the trajectory's services by the people who
make each step: training requests in every state, interview invitations (some still to come),
intakes (one with health preconditions, one waiting for the file holder's confirmation) and art. 60
placements with pre-trajectories, one of them ended."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from portal.trajectory import intake, invitations, placements, training
from portal.visibility.viewer import Viewer

Actors = dict[str, Viewer]
Files = dict[str, int]


def _at(day: str, hour: int = 10) -> dt.datetime:
    return dt.datetime.combine(dt.date.fromisoformat(day), dt.time(hour), tzinfo=dt.UTC)


@dataclass(frozen=True)
class Request:
    client: str
    by: str
    on: str
    course: str
    provider: str
    note: str = ""
    moves: tuple[tuple[str, str, str, dict[str, str]], ...] = ()
    """(who, day, to, fields): each move after the request, in order."""


REQUESTS = (
    Request(
        "Amina Haidari",
        "toeleider.pin",
        "2026-11-10",
        "Basisopleiding logistiek medewerker",
        "VDAB Aalst",
        "Amina wil graag in een magazijn werken; ze heeft een rijbewijs B.",
    ),
    Request(
        "Selam Tesfaye",
        "toeleider.pin",
        "2026-10-28",
        "Nederlands 1.2 (richtgraad 1)",
        "CVO Panta Rhei",
        moves=(("sw.zottegem", "2026-11-03", "ocmw_agreed", {}),),
    ),
    Request(
        "Patrick Verstraete",
        "mediator2.vdab",
        "2026-10-01",
        "Heftruckchauffeur",
        "VDAB competentiecentrum Gent",
        moves=(
            ("sw.zottegem", "2026-10-06", "ocmw_agreed", {}),
            ("mediator2.vdab", "2026-10-09", "vdab_approved", {}),
        ),
    ),
    Request(
        "Linda Mertens",
        "toeleider.pin",
        "2026-09-15",
        "Zorgkundige",
        "CVO Vitant Aalst",
        moves=(
            ("sw.zottegem", "2026-09-18", "ocmw_agreed", {}),
            ("mediator.vdab", "2026-09-25", "vdab_approved", {}),
            ("mediator.vdab", "2026-10-02", "scheduled", {"start_date": "2027-01-11"}),
        ),
    ),
    Request(
        "Yonas Haile",
        "sw.zottegem",
        "2026-07-01",
        "Magazijnmedewerker",
        "VDAB Aalst",
        moves=(
            ("sw.zottegem", "2026-07-02", "ocmw_agreed", {}),
            ("mediator2.vdab", "2026-07-10", "vdab_approved", {}),
            ("mediator2.vdab", "2026-07-20", "scheduled", {"start_date": "2026-09-07"}),
            ("mediator2.vdab", "2026-09-07", "started", {}),
        ),
    ),
    Request(
        "Kimberly De Vos",
        "sw.zottegem",
        "2026-03-02",
        "Schoonmaaktechnieken",
        "VDAB Aalst",
        moves=(
            ("sw.zottegem", "2026-03-03", "ocmw_agreed", {}),
            ("mediator2.vdab", "2026-03-09", "vdab_approved", {}),
            ("mediator2.vdab", "2026-03-16", "scheduled", {"start_date": "2026-04-06"}),
            ("mediator2.vdab", "2026-04-06", "started", {}),
            ("mediator2.vdab", "2026-06-26", "completed", {}),
        ),
    ),
    Request(
        "Mohammad Ahmadi",
        "toeleider.pin",
        "2026-06-01",
        "Lasser MIG/MAG",
        "VDAB competentiecentrum Gent",
        moves=(
            ("sw.zottegem", "2026-06-03", "ocmw_agreed", {}),
            ("mediator.vdab", "2026-06-12", "vdab_approved", {}),
            ("mediator.vdab", "2026-06-19", "scheduled", {"start_date": "2026-09-01"}),
            ("mediator.vdab", "2026-09-01", "started", {}),
            (
                "sw.zottegem",
                "2026-10-15",
                "stopped",
                {"reason": "De lesuren vallen samen met de opvang van zijn kinderen."},
            ),
        ),
    ),
    Request(
        "Grace Okafor",
        "toeleider.pin",
        "2026-10-20",
        "Kassamedewerker",
        "VDAB Aalst",
        moves=(
            (
                "sw.zottegem",
                "2026-10-23",
                "refused",
                {"reason": "Eerst Nederlands 1.2 afronden, daarna bekijken we het opnieuw."},
            ),
        ),
    ),
    Request(
        "Hassan El Idrissi",
        "sw.gent",
        "2026-05-04",
        "Elektrotechnisch installateur",
        "VDAB Gent",
        moves=(
            ("sw.gent", "2026-05-05", "ocmw_agreed", {}),
            ("mediator.vdab-gent", "2026-05-15", "vdab_approved", {}),
            ("mediator.vdab-gent", "2026-06-01", "scheduled", {"start_date": "2026-09-01"}),
            ("mediator.vdab-gent", "2026-09-01", "started", {}),
        ),
    ),
    Request(
        "Dimitri Goethals",
        "mediator.vdab-gent",
        "2026-10-12",
        "Heftruckchauffeur",
        "VDAB Gent",
        moves=(
            ("sw.gent", "2026-10-14", "ocmw_agreed", {}),
            (
                "mediator.vdab-gent",
                "2026-10-20",
                "refused",
                {"reason": "De opleiding is volzet tot juni; we zoeken een alternatief."},
            ),
        ),
    ),
)

INVITATIONS = (
    (
        "Amina Haidari",
        "mediator.vdab",
        "2026-11-18",
        "2026-12-14T09:30",
        "VDAB Zottegem, Stationsstraat 12",
    ),
    (
        "Selam Tesfaye",
        "mediator2.vdab",
        "2026-11-19",
        "2027-01-06T14:00",
        "https://meet.vdab.example/r/8F3K2",
    ),
    (
        "Patrick Verstraete",
        "mediator2.vdab",
        "2026-09-28",
        "2026-10-05T10:00",
        "VDAB Zottegem, Stationsstraat 12",
    ),
    (
        "Linda Mertens",
        "mediator.vdab",
        "2026-11-16",
        "2026-12-21T11:00",
        "CVO Vitant, Welvaartstraat 14, Aalst",
    ),
    (
        "Hassan El Idrissi",
        "mediator.vdab-gent",
        "2026-11-17",
        "2026-12-10T10:00",
        "VDAB Gent, Kongostraat 7",
    ),
)
"""(client, mediator, written on, at in Belgian time, place); Patrick's has passed."""


@dataclass(frozen=True)
class DemoIntake:
    client: str
    by: str
    on: str
    step: int | None
    answers: dict[str, str] = field(default_factory=dict)
    confirmed_on: str = ""


INTAKES = (
    DemoIntake(
        "Amina Haidari",
        "sw2.zottegem",
        "2026-11-05",
        4,
        {
            "past_work": "Werkte in Afghanistan als naaister in een atelier.",
            "diplomas": "Secundair onderwijs, niet erkend in België.",
            "dutch_level": "Richtgraad 1.1 behaald, volgt 1.2.",
            "wishes": "Wil werken in logistiek of in een atelier, liefst in de buurt van Zottegem.",
        },
    ),
    DemoIntake(
        "Tom Claes",
        "sw.zottegem",
        "2026-09-10",
        1,
        {
            "past_work": "Vijftien jaar heftruckchauffeur bij een drankenhandel.",
            "competences": "Betrouwbaar, technisch handig, rijbewijs C.",
            "preconditions_addiction": "Volgt een ambulante behandeling voor alcoholgebruik.",
            "preconditions_health": "Rugklachten; geen zware lasten tot controle in januari.",
            "wishes": "Eerst stabiliseren; later terug als chauffeur.",
        },
        confirmed_on="2026-09-12",
    ),
    DemoIntake(
        "Omar Khalil",
        "sw2.zottegem",
        "2026-10-20",
        3,
        {
            "experience": "Hielp in de bakkerij van zijn oom in Aleppo.",
            "dutch_level": "Start richtgraad 1.1 in januari.",
            "wishes": "Bakker worden.",
        },
    ),
    DemoIntake(
        "Hassan El Idrissi",
        "sw.gent",
        "2026-03-02",
        3,
        {
            "diplomas": "Diploma elektriciteit (Marokko), gelijkwaardigheid aangevraagd.",
            "preconditions_health": "Diabetes, goed onder controle.",
            "wishes": "Elektricien in de bouw.",
        },
        confirmed_on="2026-03-04",
    ),
)


@dataclass(frozen=True)
class DemoPlacement:
    client: str
    by: str
    on: str
    fields: dict[str, str]
    ended_on: str = ""
    ending: dict[str, str] = field(default_factory=dict)


PLACEMENTS = (
    DemoPlacement(
        "Kevin Peeters",
        "sw.zottegem",
        "2026-02-20",
        {
            "pre_kind": "internship",
            "pre_days_per_week": "2",
            "pre_start": "2026-03-02",
            "pre_end": "2026-04-24",
            "work_site": "Stad Zottegem – groendienst",
            "start": "2026-05-04",
            "end": "2027-05-03",
            "hours_per_week": "30",
        },
    ),
    DemoPlacement(
        "Sarah Janssens",
        "sw.zottegem",
        "2026-05-12",
        {
            "pre_kind": "volunteering",
            "pre_days_per_week": "1",
            "pre_start": "2026-04-01",
            "pre_end": "2026-05-27",
            "work_site": "Kringwinkel Zottegem",
            "start": "2026-06-01",
            "end": "2027-05-31",
            "hours_per_week": "30",
        },
    ),
    DemoPlacement(
        "Fatma Yilmaz",
        "sw.zottegem",
        "2026-01-20",
        {
            "work_site": "WZC Egmont, Zottegem",
            "start": "2026-02-02",
            "end": "2027-02-01",
            "hours_per_week": "38",
        },
    ),
    DemoPlacement(
        "Nadia Rahmani",
        "sw.gent",
        "2026-03-16",
        {
            "pre_kind": "internship",
            "pre_days_per_week": "3",
            "pre_start": "2026-03-23",
            "pre_end": "2026-04-17",
            "work_site": "Stad Gent – dienst Wegen",
            "start": "2026-05-04",
            "end": "2027-05-03",
            "hours_per_week": "38",
        },
    ),
    DemoPlacement(
        "Zahra Mohammadi",
        "sw.gent",
        "2024-12-30",
        {
            "work_site": "OCMW Gent – woonzorgcentrum Zonnebloem",
            "start": "2025-01-06",
            "end": "2026-01-05",
            "hours_per_week": "38",
        },
        ended_on="2026-01-08",
        ending={
            "follow_up": "Nabegeleiding door de trajectbegeleider tot de opleiding start.",
            "outflow": "training",
        },
    ),
)


async def tell(actors: Actors, files: Files) -> None:
    for request in REQUESTS:
        client_id = files[request.client]
        fields = {"course": request.course, "provider": request.provider, "note": request.note}
        request_id = await training.request_training(
            actors[request.by], client_id, fields, at=_at(request.on)
        )
        for who, day, target, extra in request.moves:
            await training.move_training(
                actors[who], request_id, {"to": target, **extra}, at=_at(day, 14)
            )
    for client, who, written, at, place in INVITATIONS:
        await invitations.invite(
            actors[who], files[client], {"at": at, "place": place}, now=_at(written, 11)
        )
    for demo_intake in INTAKES:
        fields = {"held_on": demo_intake.on, "proposed_step": str(demo_intake.step or "")}
        intake_id = await intake.record_intake(
            actors[demo_intake.by],
            files[demo_intake.client],
            fields | demo_intake.answers,
            at=_at(demo_intake.on, 15),
        )
        if demo_intake.confirmed_on:
            await intake.confirm_intake(
                actors[demo_intake.by],
                files[demo_intake.client],
                {"intake": str(intake_id)},
                at=_at(demo_intake.confirmed_on, 9),
            )
    for placement in PLACEMENTS:
        holder = actors[placement.by]
        await placements.record_placement(
            holder, files[placement.client], placement.fields, at=_at(placement.on)
        )
        if placement.ended_on:
            await placements.record_placement(
                holder,
                files[placement.client],
                placement.fields | placement.ending,
                at=_at(placement.ended_on),
            )

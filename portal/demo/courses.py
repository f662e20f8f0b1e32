"""The demo world's group course: the September–December 2026 weekly application training for
art. 60 workers at OCMW Zottegem, organised by toeleider.pin (PIN vzw).

Written through the course services: the toeleider creates the course and plans its sessions,
each client's file holder enrols them, and for the sessions before ``REFERENCE`` the organiser
records the attendance of the clients they accompany while the file holders record the others'.
"""

from __future__ import annotations

import datetime as dt
import random

from portal.courses.services import (
    add_session,
    course_page,
    create_course,
    enrol,
    organisable_ocmws,
    record_attendance,
    session_page,
)
from portal.demo.story import REFERENCE
from portal.visibility.viewer import Viewer

ORGANISER = "toeleider.pin"
TITLE = "Sollicitatietraining voor art. 60-werknemers"
PLACE = "PIN vzw, Zottegem"
DESCRIPTION = (
    "Wekelijkse groepstraining van september tot december: je sterktes benoemen, een cv en een "
    "sollicitatiebrief schrijven, vacatures zoeken en het sollicitatiegesprek oefenen. Voor "
    "cliënten in een art. 60-tewerkstelling en wie er binnenkort aan begint."
)
TOPICS = (
    "Kennismaking en verwachtingen",
    "Je sterktes en competenties",
    "Een cv opstellen",
    "De sollicitatiebrief",
    "Vacatures zoeken op de VDAB-website",
    "Telefonisch solliciteren",
    "Het sollicitatiegesprek",
    "Rollenspel: het sollicitatiegesprek",
    "Digitaal solliciteren en e-mail",
    "Bezoek aan een werkplek",
    "Je loonbrief en je rechten als werknemer",
    "Rollenspel met een werkgever",
    "Naar een jobbeurs",
    "Je eigen sollicitatieplan",
    "Evaluatie en afsluiting",
)
FIRST_SESSION = dt.date(2026, 9, 8)
"""A Tuesday; the sessions are weekly, at half past nine (Belgian time)."""
STARTS_AT = "09:30"
ENROLLED = (
    "Kevin Peeters",
    "Sarah Janssens",
    "Fatma Yilmaz",
    "Mohammad Ahmadi",
    "Selam Tesfaye",
    "Patrick Verstraete",
    "Marek Kowalski",
    "Mamadou Diallo",
)
"""Some accompanied by toeleider.pin (with consent for PIN), some by another toeleider or none,
and Mamadou Diallo, whose consent for PIN was withdrawn: the toeleider no longer sees him."""
FILE_HOLDERS = ("sw.zottegem", "sw2.zottegem")


def _moment(day: dt.date, hour: int) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour), tzinfo=dt.UTC)


def _presence(rng: random.Random) -> str:
    return rng.choices(("present", "absent", "excused"), weights=(8, 1, 1))[0]


async def tell(actors: dict[str, Viewer], files: dict[str, int]) -> None:
    organiser = actors[ORGANISER]
    ocmw = next(o for o in await organisable_ocmws(organiser) if o.name == "OCMW Zottegem")
    course = await create_course(
        organiser,
        {"ocmw": str(ocmw.id), "title": TITLE, "place": PLACE, "description": DESCRIPTION},
        at=_moment(dt.date(2026, 8, 24), 10),
    )
    for week, topic in enumerate(TOPICS):
        day = FIRST_SESSION + dt.timedelta(weeks=week)
        await add_session(
            organiser, course, {"date": day.isoformat(), "starts_at": STARTS_AT, "topic": topic}
        )
    holds = {
        username: {c.id for c in (await course_page(actors[username], course)).enrollable}
        for username in FILE_HOLDERS
    }
    for number, name in enumerate(ENROLLED):
        holder = next(u for u in FILE_HOLDERS if files[name] in holds[u])
        await enrol(
            actors[holder],
            course,
            {"client": str(files[name])},
            at=_moment(dt.date(2026, 8, 25) + dt.timedelta(days=number), 11),
        )
    rng = random.Random(60)  # noqa: S311 (demo data, not secrets)
    sessions = (await course_page(organiser, course)).sessions
    for session in (s for s in sessions if s.date < REFERENCE.date()):
        done: set[int] = set()
        for username in (ORGANISER, *FILE_HOLDERS):
            lines = (await session_page(actors[username], course, session.id)).lines
            wanted = {line.client: _presence(rng) for line in lines if line.client not in done}
            if wanted:
                fields = {f"presence-{client}": code for client, code in wanted.items()}
                await record_attendance(
                    actors[username], course, session.id, fields, at=_moment(session.date, 15)
                )
                done.update(wanted)

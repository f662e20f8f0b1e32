"""Amina Haidari, the first client: DESIGN journey 2 as far as the portal tells it today.

Her social worker opens the file and sees on one timeline that VDAB confirmed her forklift training
for 6 January and invited her to an interview yesterday, and what the toeleider noted since. Her
wish for that training went to VDAB as a referral question in April 2026, answered in June after
her interview there: that question and its thread are told by ``questions`` (``AMINA``), through
the question services, once every file exists. Her timeline fits on one screen, holds notes and
entries of other kinds, and her own story ends with the newest entry of any Zottegem client's story
(the toeleider's note the day before ``REFERENCE``); the signals and questions dated back from the
day the demo is loaded come later.
"""

from __future__ import annotations

import datetime as dt

from portal.demo.accounts import PIN, VDAB
from portal.demo.story import (
    Action,
    AgreementRecorded,
    ConsentDecided,
    DemoClient,
    Joined,
    LadderMoved,
    Note,
    StatusSet,
    national_number,
)
from portal.visibility.policy import Audience, Sensitivity

SOCIAL_WORKER, TOELEIDER, MEDIATOR = "sw.zottegem", "toeleider.pin", "mediator.vdab"


def _on(day: str, hour: int = 9) -> dt.datetime:
    return dt.datetime.combine(dt.date.fromisoformat(day), dt.time(hour), tzinfo=dt.UTC)


def showcase(client: DemoClient) -> None:
    """Her own file and story instead of drawn ones; she keeps her drawn place, phone, address."""
    client.status, client.ladder_step, client.start_step = "activation", 3, 1
    client.closing, client.closed_at = "", None
    client.created_at = _on("2025-03-10")
    client.birth_date = dt.date(1991, 4, 12)
    client.national_number = national_number(client.birth_date, 234)
    client.social_report = (
        "Amina woont met haar twee kinderen van 8 en 11 jaar in een sociale huurwoning in "
        f"{client.municipality}. Ze kwam in 2021 uit Afghanistan naar België, is erkend "
        "vluchteling en volgt Nederlands richtgraad 2. Ze wil werken in de logistiek en is sterk "
        "gemotiveerd."
    )
    client.finances = (
        "Leefloon categorie 3 (persoon met gezinslast) sinds 18 februari 2025: € 1.912,63 per "
        "maand. Schuld van € 1.180 bij de energieleverancier; afbetalingsplan van € 50 per "
        "maand. Budgetbegeleiding bij het OCMW sinds april 2025."
    )
    client.health_notes = (
        "Slaapproblemen na de vlucht; in begeleiding bij een psycholoog via de huisarts. "
        "Lichte rugklachten, volgens de huisarts geen beletsel voor werk met de heftruck."
    )
    client.social_worker, client.toeleider, client.mediator = SOCIAL_WORKER, TOELEIDER, MEDIATOR
    client.team = [
        (SOCIAL_WORKER, client.created_at),
        (TOELEIDER, _on("2025-03-17")),
        (MEDIATOR, _on("2026-06-08")),
    ]
    client.consents = {PIN: (True, dt.date(2025, 3, 17)), VDAB: (True, dt.date(2025, 3, 24))}
    client.withdrawals = {}
    story: list[Action] = [
        Joined(_on("2025-03-17"), TOELEIDER),
        ConsentDecided(PIN, True, dt.date(2025, 3, 17)),
        StatusSet(_on("2025-03-18"), "activation"),
        AgreementRecorded(_on("2025-05-12", 11), dt.date(2025, 2, 18), dt.date(2025, 5, 12)),
        Note(
            _on("2025-03-24", 10),
            SOCIAL_WORKER,
            "Kennismaking met tolk",
            "Gesprek met tolk Dari. Amina werkte in Kaboel als naaister; geen erkend diploma. "
            "Nederlands richtgraad 1 bezig.",
        ),
        ConsentDecided(VDAB, True, dt.date(2025, 3, 24)),
        Note(
            _on("2025-04-07"),
            SOCIAL_WORKER,
            "Gezondheid: slaapproblemen",
            "Amina slaapt slecht sinds de vlucht; de huisarts verwijst naar een psycholoog.",
            Audience.file_holder_only,
            Sensitivity.health,
        ),
        Note(
            _on("2025-06-05", 14),
            TOELEIDER,
            "Eerste keer naar de praatgroep",
            "Amina kwam voor het eerst naar de praatgroep Nederlands in het buurthuis en "
            "durfde zich voor te stellen.",
        ),
        LadderMoved(_on("2025-06-30"), 2, "Wekelijks naar de praatgroep Nederlands"),
        Note(
            _on("2025-09-15", 11),
            SOCIAL_WORKER,
            "Sociaal verslag bijgewerkt",
            "Aangevuld na huisbezoek: de kinderen zijn ingeschreven in de basisschool.",
            Audience.file_holder_only,
            Sensitivity.social,
        ),
        Note(
            _on("2025-10-21", 10),
            TOELEIDER,
            "Samen naar het loket burgerzaken",
            "Afspraak voor de verlenging van Amina's verblijfskaart pas over vijf weken; "
            "gemeld aan de maatschappelijk werker.",
        ),
        Note(
            _on("2025-11-04", 8),
            SOCIAL_WORKER,
            "Intern overleg team activering",
            "Amina is klaar voor vrijwilligerswerk; kringwinkel Zottegem heeft een plaats.",
            Audience.own_org,
        ),
        LadderMoved(
            _on("2026-01-19"),
            3,
            "Start vrijwilligerswerk: twee halve dagen per week in de sorteerafdeling van "
            "Kringwinkel Zottegem",
        ),
        Note(
            _on("2026-04-14", 12),
            SOCIAL_WORKER,
            "Opvolggesprek op kantoor",
            "Het vrijwilligerswerk loopt goed; Amina vraagt naar een opleiding met de heftruck. "
            "Ik leg het als doorverwijsvraag voor aan VDAB.",
        ),
        Joined(_on("2026-06-08"), MEDIATOR),
        Note(
            _on("2026-11-16", 10),
            MEDIATOR,
            "Opleiding heftruckchauffeur start op 6 januari",
            "Oriëntatietest geslaagd. Startdatum bevestigd: 6 januari 2027 om 8u30 in VDAB "
            "Zottegem.",
        ),
        Note(
            _on("2026-11-19", 8),
            MEDIATOR,
            "Uitnodiging gesprek VDAB op 26 november",
            "Uitnodiging per brief en sms voor een gesprek met Koen Willems op 26 november 2026 "
            "om 10u in VDAB Zottegem, ter voorbereiding van de opleiding.",
        ),
        Note(
            _on("2026-11-19", 15),
            TOELEIDER,
            "Busverbinding naar de opleiding bekeken",
            "Samen met Amina de bus naar VDAB Zottegem voor 6 januari uitgestippeld; "
            "ze vraagt een tolk Dari voor het gesprek van 26 november.",
        ),
    ]
    client.story = sorted(story, key=lambda action: action.at)

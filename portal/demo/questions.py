"""Referral questions in the demo: social workers of both OCMWs ask their own VDAB team (OCMW
Zottegem asks VDAB Zottegem, OCMW Gent asks VDAB Gent) about clients who consented to it, and
the team's mediators claim, answer and write back, all through the question services.

Like the signals, the questions are dated back from the day the demo is loaded (in working days),
so a mediator's queue always holds fresh questions and overdue ones (asked more than ten working
days ago and still open or claimed), an answer's interview lies ahead, and every state occurs:
open, claimed, answered (yes, no, conditional), closed, and reopened. Amina Haidari's question is
the exception: it belongs to her story (``showcase``) and keeps its dates of 2026.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from portal.clients.services import consents, find_client
from portal.core.templating import LOCAL_TIME, local_time
from portal.core.workdays import BELGIUM
from portal.demo.accounts import DemoRefused
from portal.demo.signals import working_days_back
from portal.demo.story import consent_moment
from portal.questions import services
from portal.visibility.viewer import Viewer

Actors = dict[str, Viewer]
Files = dict[str, int]

# The people, by username.
SZ, SZ2, SG, SG2 = "sw.zottegem", "sw2.zottegem", "sw.gent", "sw2.gent"
M1, M2, MG = "mediator.vdab", "mediator2.vdab", "mediator.vdab-gent"


@dataclass(frozen=True)
class Claim:
    when: int | dt.date
    """Working days after the question was asked, or the day itself."""
    by: str


@dataclass(frozen=True)
class Message:
    when: int | dt.date
    by: str
    text: str


@dataclass(frozen=True)
class Answer:
    when: int | dt.date
    by: str
    answer: str
    """``yes``, ``no`` or ``conditional``."""
    reason: str
    interview: tuple[int, str] | None = None
    """An interview as the next step: (working days after today, place)."""


@dataclass(frozen=True)
class Close:
    when: int | dt.date
    by: str


@dataclass(frozen=True)
class Reopen:
    when: int | dt.date
    by: str
    reason: str


Step = Claim | Message | Answer | Close | Reopen


@dataclass(frozen=True)
class DemoQuestion:
    asker: str
    client: str
    """The full name of a demo client who consented to share with the asker's VDAB team."""
    type: str
    text: str
    asked: int | dt.date
    """Working days before the day the demo is loaded, or the day itself."""
    steps: tuple[Step, ...] = ()
    """In time order, each on or after the day of the one before, before today."""
    shares: tuple[str, ...] = ()
    """Fields of the client VDAB may see with it."""
    share_agreement_note: bool = False
    """Whether VDAB may open the client's agreement note with it."""


AMINA = DemoQuestion(
    SZ,
    "Amina Haidari",
    "training_advice",
    "Amina doet sinds januari vrijwilligerswerk in de sorteerafdeling van Kringwinkel Zottegem "
    "en wil graag met de heftruck leren werken. Welke opleiding raden jullie aan, en kan dat met "
    "haar niveau Nederlands (richtgraad 2)?",
    dt.date(2026, 4, 15),
    steps=(
        Claim(dt.date(2026, 4, 16), M1),
        Message(
            dt.date(2026, 4, 17),
            M1,
            "Ik wil Amina eerst zelf spreken om haar Nederlands en haar ervaring in te schatten. "
            "Heeft ze een tolk Dari nodig voor dat gesprek?",
        ),
        Message(
            dt.date(2026, 4, 20),
            SZ,
            "Graag met tolk, ze begrijpt veel maar praat nog onzeker. Dinsdag en donderdag is "
            "ze vrij.",
        ),
        Answer(
            dt.date(2026, 6, 18),
            M1,
            "conditional",
            "Na een oriëntatietest kan Amina instromen in de opleiding heftruckchauffeur bij "
            "VDAB Zottegem (4 weken). Ik plan de test in het najaar; haar Nederlands volstaat "
            "als ze de veiligheidstermen vooraf oefent.",
        ),
        Close(dt.date(2026, 6, 22), SZ),
    ),
    shares=("language", "ladder_step", "status"),
)
"""Amina's question of April 2026 and the answer after her interview at VDAB in June: her
social worker's note of 14 April leads to it, the confirmed training of November follows it."""

QUESTIONS: tuple[DemoQuestion, ...] = (
    AMINA,
    # OCMW Zottegem asks VDAB Zottegem ------------------------------------------------------
    DemoQuestion(
        SZ,
        "Agnieszka Nowak",
        "trajectory",
        "Agnieszka werkte in Polen acht jaar als boekhoudkundig bediende en haalde intussen "
        "richtgraad 3 Nederlands. Is een VDAB-traject naar administratief werk mogelijk, "
        "eventueel met een opleiding boekhouding?",
        14,
        shares=("language", "municipality", "ladder_step"),
    ),
    DemoQuestion(
        SZ,
        "Farid Sultani",
        "invitation",
        "Kan VDAB Farid uitnodigen voor een kennismakingsgesprek? Hij heeft geen e-mailadres; "
        "stuur de uitnodiging graag per brief en laat het ons weten, dan gaat de toeleider mee. "
        "Hij vraagt een tolk Dari.",
        1,
        shares=("language", "phone", "address"),
    ),
    DemoQuestion(
        SZ2,
        "Omar Khalil",
        "trajectory",
        "Omar wil bakker worden; hij hielp jarenlang in de bakkerij van zijn oom in Aleppo. Hij "
        "start in januari met Nederlands richtgraad 1.1. Kan hij al een traject starten, of "
        "wachten we beter tot hij meer Nederlands spreekt?",
        3,
        shares=("language", "municipality"),
    ),
    DemoQuestion(
        SZ,
        "Mohammad Ahmadi",
        "other",
        "Mohammad stopte in oktober met de opleiding lassen omdat de lesuren samenvielen met de "
        "opvang van zijn kinderen. Bestaat dezelfde opleiding ook in avondonderwijs of in een "
        "deeltijds ritme, in de buurt van Zottegem of Aalst?",
        18,
        steps=(
            Claim(2, M1),
            Message(
                3,
                M1,
                "Tot welk uur is er opvang voor de kinderen? Dan zoek ik gericht naar een "
                "aanbod dat daarbinnen past.",
            ),
            Message(
                4,
                SZ,
                "De kinderen gaan tot 16u naar de naschoolse opvang; op woensdag tot 12u. Met de "
                "bus is hij een uur onderweg naar Aalst.",
            ),
            Message(
                9,
                M1,
                "Ik wacht nog op het lesrooster van het CVO in Aalst voor het tweede semester; "
                "ik laat het weten zodra ik het heb.",
            ),
        ),
        shares=("language", "municipality", "status"),
    ),
    DemoQuestion(
        SZ,
        "Grace Okafor",
        "training_advice",
        "Grace wil in de verkoop werken. We vroegen haar eerst Nederlands 1.2 af te ronden; dat "
        "lukt in februari. Welke opleiding raadt VDAB daarna aan: kassamedewerker of een "
        "bredere opleiding winkelbediende?",
        5,
        steps=(Claim(1, M2),),
        shares=("language", "ladder_step"),
        share_agreement_note=True,
    ),
    DemoQuestion(
        SZ,
        "Kevin Peeters",
        "trajectory",
        "Kevins art. 60-tewerkstelling bij de groendienst loopt af op 3 mei 2027. Hij doet het "
        "goed en wil in de groenvoorziening blijven werken. Is een VDAB-traject mogelijk zodat "
        "hij aansluitend kan doorstromen naar een gewone job?",
        8,
        steps=(
            Claim(1, M1),
            Answer(
                7,
                M1,
                "yes",
                "Ja: Kevin past in ons traject naar werk in de groensector. Ik nodig hem uit "
                "voor een eerste gesprek; daarin bekijken we ook de opleiding "
                "groenbeheer en de vacatures bij aannemers in de streek.",
                interview=(6, "VDAB Zottegem, Stationsstraat 12"),
            ),
        ),
        shares=("phone", "ladder_step", "status"),
        share_agreement_note=True,
    ),
    DemoQuestion(
        SZ,
        "Stijn Van de Velde",
        "trajectory",
        "Stijn volgt een opleiding bij VDAB en vraagt of hij daarnaast al kan starten met "
        "sollicitaties via een traject naar werk als magazijnier.",
        25,
        steps=(
            Claim(2, M1),
            Answer(
                10,
                M1,
                "no",
                "Nee, niet tijdens de lopende opleiding: die vraagt vier dagen per week en het "
                "traject zou met de lesuren botsen. We bekijken het opnieuw in de laatste maand "
                "van de opleiding.",
            ),
        ),
        shares=("status",),
    ),
    DemoQuestion(
        SZ,
        "Kimberly De Vos",
        "trajectory",
        "Kimberly rondde in juni de opleiding schoonmaaktechnieken af. Kan VDAB haar begeleiden "
        "naar een vaste job, liefst in de voormiddag zodat ze de kinderen van school kan halen?",
        40,
        steps=(
            Claim(1, M2),
            Answer(
                6,
                M2,
                "yes",
                "Ja. Kimberly start in het traject naar werk bij onze jobcoach; we zoeken vooral "
                "bij schoonmaakbedrijven met dienstencheques, die vaak voormiddagen aanbieden.",
            ),
            Message(7, SZ, "Dank je, ik laat het haar weten bij ons gesprek van donderdag."),
            Close(9, SZ),
        ),
        shares=("phone", "status"),
    ),
    DemoQuestion(
        SZ,
        "Yonas Haile",
        "other",
        "Yonas volgt de opleiding magazijnmedewerker. Kan hij daarna ook een heftruckattest "
        "halen? Dat staat in bijna elke vacature die hij bekijkt.",
        30,
        steps=(
            Claim(1, M2),
            Answer(
                8,
                M2,
                "conditional",
                "Ja, als hij de opleiding magazijnmedewerker afrondt, kan hij een korte "
                "opleiding heftruck volgen in ons competentiecentrum.",
            ),
            Reopen(
                24,
                SZ,
                "Yonas hoorde van zijn lesgever dat de korte opleiding heftruck pas in september "
                "weer start. Is er een eerdere sessie, of een erkende opleiding bij een partner?",
            ),
            Message(
                26,
                M2,
                "Ik vraag na bij het competentiecentrum in Gent en bij de sectorfondsen; "
                "volgende week meer.",
            ),
        ),
        shares=("language", "status"),
    ),
    # OCMW Gent asks VDAB Gent ---------------------------------------------------------------
    DemoQuestion(
        SG,
        "Samira Bouzid",
        "invitation",
        "Samira rondt in december richtgraad 1.2 af en wil daarna haar eerste stappen naar werk "
        "zetten. Kan VDAB haar uitnodigen voor een eerste gesprek, in de voormiddag?",
        12,
        shares=("language", "phone"),
    ),
    DemoQuestion(
        SG,
        "Senait Gebremedhin",
        "training_advice",
        "Senait werkte in Eritrea als kapster en zou dat hier graag opnieuw doen. Welke "
        "opleiding raden jullie aan, en kan ze die combineren met haar lessen Nederlands?",
        2,
        shares=("language", "ladder_step"),
    ),
    DemoQuestion(
        SG,
        "Abdi Mohamed",
        "trajectory",
        "Abdi is klaar voor werk als chauffeur: hij heeft een rijbewijs C uit Somalië. Is een "
        "VDAB-traject mogelijk, en wat moet er gebeuren om zijn rijbewijs te laten omwisselen?",
        16,
        steps=(
            Claim(3, MG),
            Message(
                4,
                MG,
                "Heeft Abdi al een afspraak bij de dienst rijbewijzen van de stad gemaakt? Zonder "
                "Belgisch rijbewijs kunnen we hem niet in de opleiding vrachtwagenchauffeur "
                "inschrijven.",
            ),
            Message(
                6,
                SG,
                "Nog niet: de eerste vrije afspraak is over zes weken. We zoeken of het sneller "
                "kan via de contactpersoon bij burgerzaken.",
            ),
        ),
        shares=("language", "ladder_step", "municipality"),
    ),
    DemoQuestion(
        SG,
        "Elke Vandenberghe",
        "training_advice",
        "Elke wil zich omscholen tot zorgkundige. Ze heeft een diploma secundair onderwijs en "
        "werkte vijf jaar in een kinderdagverblijf. Welke opleiding raden jullie aan?",
        20,
        steps=(
            Claim(2, MG),
            Answer(
                9,
                MG,
                "conditional",
                "De opleiding zorgkundige bij het CVO in Gent past, op voorwaarde dat Elke eerst "
                "een stage van twee weken in een woonzorgcentrum doet om te zien of het werk haar "
                "ligt. Ik stuur het inschrijvingsformulier mee zodra de stage rond is.",
            ),
        ),
        shares=("ladder_step", "status"),
        share_agreement_note=True,
    ),
    DemoQuestion(
        SG,
        "Jonas De Wilde",
        "trajectory",
        "Jonas' art. 60-tewerkstelling loopt nog tot de zomer. Is een VDAB-traject mogelijk om "
        "daarna door te stromen naar een job in de logistiek?",
        45,
        steps=(
            Claim(1, MG),
            Answer(
                5,
                MG,
                "yes",
                "Ja, Jonas kan vanaf nu in ons traject naar werk logistiek. De jobcoach neemt "
                "contact op om een sollicitatietraining in te plannen.",
            ),
            Close(8, SG),
        ),
        shares=("phone", "status"),
    ),
    DemoQuestion(
        SG2,
        "Ana Popescu",
        "other",
        "Ana vraagt of ze tijdens haar opleiding een studentenjob in het weekend mag doen, of "
        "dat haar opleidingspremie dan vervalt.",
        35,
        steps=(
            Answer(
                4,
                MG,
                "no",
                "Nee: tijdens een VDAB-opleiding is weekendwerk alleen toegestaan na melding en "
                "binnen een beperkt aantal uren; een studentenjob kan niet, want Ana is geen "
                "student. Ze meldt ander werk best vooraf bij haar consulent.",
            ),
            Message(5, SG2, "Duidelijk, ik leg het haar zo uit."),
            Close(6, SG2),
        ),
        shares=("status",),
    ),
    DemoQuestion(
        SG,
        "Dimitri Goethals",
        "training_advice",
        "De opleiding heftruckchauffeur is volzet tot juni. Welke andere opleiding in de "
        "logistiek kan Dimitri intussen volgen?",
        28,
        steps=(
            Claim(1, MG),
            Answer(
                6,
                MG,
                "conditional",
                "Dimitri kan starten met de opleiding orderpicker (zes weken) als hij slaagt voor "
                "de instaptest rekenen; daarna schuift hij door naar heftruck in juni.",
            ),
            Reopen(
                20,
                SG,
                "Dimitri slaagde niet voor de instaptest rekenen. Is er een voorbereidend "
                "traject, zodat hij de test later opnieuw kan doen?",
            ),
        ),
        shares=("ladder_step", "status"),
    ),
    DemoQuestion(
        SG,
        "Blessing Adeyemi",
        "trajectory",
        "Blessings art. 60-tewerkstelling in een woonzorgcentrum loopt binnenkort af. Ze wil "
        "in de zorg blijven werken. Is een VDAB-traject naar een job als logistiek assistent "
        "mogelijk?",
        9,
        steps=(
            Claim(2, MG),
            Message(
                3,
                MG,
                "Spreekt Blessing voldoende Nederlands voor een gesprek, of liever in het Engels?",
            ),
            Message(4, SG, "Het gesprek mag in het Nederlands; ze oefent het graag."),
            Answer(
                6,
                MG,
                "yes",
                "Ja. Ik nodig Blessing uit voor een gesprek om het traject en de vacatures in de "
                "Gentse woonzorgcentra te bespreken.",
                interview=(4, "VDAB Gent, Kongostraat 7"),
            ),
        ),
        shares=("language", "phone", "status"),
    ),
)


# When ------------------------------------------------------------------------------------


def _at(day: dt.date, hour: int, minute: int) -> dt.datetime:
    """A Belgian office hour on ``day``, stored as UTC."""
    return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=LOCAL_TIME).astimezone(dt.UTC)


def _day(when: int | dt.date, asked_on: dt.date) -> dt.date:
    return when if isinstance(when, dt.date) else BELGIUM.add_working_days(asked_on, when)


def moments(
    question: DemoQuestion, number: int, today: dt.date
) -> tuple[dt.datetime, list[dt.datetime]]:
    """When the question was asked (early in the morning) and when each of its steps was made
    (later, one hour after the other); all before ``today``."""
    asked_on = (
        question.asked
        if isinstance(question.asked, dt.date)
        else working_days_back(today, question.asked)
    )
    minute = (number * 17) % 60
    asked = _at(asked_on, 8 + number % 2, minute)
    steps = [
        _at(_day(step.when, asked_on), 10 + index, minute)
        for index, step in enumerate(question.steps)
    ]
    if any(moment.date() >= today for moment in steps):
        raise DemoRefused(f"a step of the question about {question.client} lies in the future")
    return asked, steps


def interview_at(today: dt.date, after: int) -> str:
    """An interview ``after`` working days from ``today``, at ten, as the answer form takes it."""
    return f"{BELGIUM.add_working_days(today, after).isoformat()}T10:00"


# Writing ---------------------------------------------------------------------------------


async def _ask(actors: Actors, files: Files, question: DemoQuestion, at: dt.datetime) -> int:
    actor = actors[question.asker]
    client_id = files[question.client]
    client = await find_client(actor, client_id)
    given = [c for c in await consents(actor, client) if c.given]
    if not given or at <= max(consent_moment(c.decided_on) for c in given):
        raise DemoRefused(f"the question about {question.client} predates the client's consent")
    documents: list[str] = []
    if question.share_agreement_note:
        form = await services.ask_form(actor, client_id)
        documents = [str(d.series) for d in form.documents if d.name.startswith("Afsprakennota")]
    return await services.ask(
        actor,
        client_id,
        {"type": question.type, "text": question.text},
        share_fields=question.shares,
        share_documents=documents,
        now=at,
    )


async def _step(
    actors: Actors, question_id: int, step: Step, at: dt.datetime, today: dt.date
) -> None:
    actor = actors[step.by]
    # Whoever acts has read the question first: what was new to them is no longer.
    await services.take_news(actor, await services.find_question(actor, question_id))
    match step:
        case Claim():
            await services.move(actor, question_id, "claim", {}, now=at)
        case Message():
            await services.write_message(actor, question_id, step.text, now=at)
        case Answer():
            fields = {"answer": step.answer, "reason": step.reason}
            if step.interview is not None:
                after, place = step.interview
                fields |= {
                    "next_step": "interview",
                    "interview_at": interview_at(today, after),
                    "interview_place": place,
                }
            await services.move(actor, question_id, "answer", fields, now=at)
        case Close():
            await services.move(actor, question_id, "close", {}, now=at)
        case Reopen():
            await services.move(actor, question_id, "reopen", {"reason": step.reason}, now=at)


async def tell(actors: Actors, files: Files, *, now: dt.datetime | None = None) -> None:
    """Every question and its thread, dated back from ``now``."""
    today = local_time(now or dt.datetime.now(dt.UTC)).date()
    for number, question in enumerate(QUESTIONS):
        asked, step_moments = moments(question, number, today)
        question_id = await _ask(actors, files, question, asked)
        for step, at in zip(question.steps, step_moments, strict=True):
            await _step(actors, question_id, step, at, today)

"""Deterministic demo data: two OCMWs, PIN vzw, VDAB, their people, 40 clients and their timelines.

Everything is drawn from ``random.Random(SEED)`` around the fixed moment ``REFERENCE``, so every
machine gets the same world. Loading is idempotent: once organisation ``ocmw-zottegem`` exists,
nothing is inserted and the summary describes what is there.
"""

from __future__ import annotations

import datetime as dt
import random
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from piccolo.table import Table

from portal.accounts.tables import Organisation, OrgKind, Partnership, Person
from portal.clients.events import KINDS
from portal.clients.tables import CareTeamMember, Client, Consent, TimelineEvent
from portal.core.db import DB
from portal.visibility.policy import Audience, Role

SEED = 2026
REFERENCE = dt.datetime(2026, 11, 20, 9, 0, tzinfo=dt.UTC)
LAST_EVENT = REFERENCE - dt.timedelta(days=1)
WEEK = dt.timedelta(days=7)
BATCH_SIZE = 500

ZOTTEGEM, GENT, PIN, VDAB = "ocmw-zottegem", "ocmw-gent", "pin-vzw", "vdab"

ORGANISATIONS = (
    (ZOTTEGEM, "OCMW Zottegem", OrgKind.ocmw),
    (GENT, "OCMW Gent", OrgKind.ocmw),
    (PIN, "PIN vzw", OrgKind.partner),
    (VDAB, "VDAB", OrgKind.vdab),
)
PARTNERSHIPS = (
    ("OCMW Zottegem × PIN vzw × VDAB", ZOTTEGEM, PIN, VDAB),
    ("OCMW Gent × VDAB", GENT, None, VDAB),
)
MAIL_DOMAINS = {
    ZOTTEGEM: "zottegem.example",
    GENT: "gent.example",
    PIN: "pinvzw.example",
    VDAB: "vdab.example",
}

MONTHS = (
    "januari",
    "februari",
    "maart",
    "april",
    "mei",
    "juni",
    "juli",
    "augustus",
    "september",
    "oktober",
    "november",
    "december",
)


# People -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class DemoPerson:
    username: str
    display_name: str
    org: str
    roles: tuple[Role, ...]
    active: bool = True

    @property
    def email(self) -> str:
        first, _, last = _ascii(self.display_name).lower().partition(" ")
        return f"{first}.{last.replace(' ', '').replace('-', '')}@{MAIL_DOMAINS[self.org]}"


PEOPLE = (
    DemoPerson("sw.zottegem", "Sofie Van den Bossche", ZOTTEGEM, (Role.social_worker,)),
    DemoPerson("sw2.zottegem", "Pieter De Clercq", ZOTTEGEM, (Role.social_worker,)),
    DemoPerson("coordinator.zottegem", "Ann Verhaeghe", ZOTTEGEM, (Role.coordinator,)),
    DemoPerson("admin", "Bart Desmet", ZOTTEGEM, (Role.admin,)),
    DemoPerson("former.zottegem", "Griet Van Hecke", ZOTTEGEM, (Role.social_worker,), False),
    DemoPerson("sw.gent", "Lien Vermeulen", GENT, (Role.social_worker,)),
    DemoPerson("sw2.gent", "Youssef El Amrani", GENT, (Role.social_worker,)),
    DemoPerson("toeleider.pin", "Hamid Rahimi", PIN, (Role.toeleider,)),
    DemoPerson("toeleider2.pin", "Marieke Goossens", PIN, (Role.toeleider,)),
    DemoPerson("coordinator.pin", "Jan Vandamme", PIN, (Role.coordinator,)),
    DemoPerson("mediator.vdab", "Koen Willems", VDAB, (Role.mediator,)),
    DemoPerson("mediator2.vdab", "Nathalie Dubois", VDAB, (Role.mediator,)),
)
TOELEIDERS = ("toeleider.pin", "toeleider2.pin")
MEDIATORS = ("mediator.vdab", "mediator2.vdab")


# The two OCMWs and their clients --------------------------------------------------------------


@dataclass(frozen=True)
class Ocmw:
    code: str
    places: dict[str, tuple[str, tuple[str, ...]]]
    """Municipality → (postcode, streets)."""
    social_workers: tuple[str, str]
    vdab_office: str
    worksites: tuple[str, ...]
    clients: tuple[tuple[str, str, str, str], ...]
    """(first name, last name, sex "m"/"v", language)."""


OCMW_ZOTTEGEM = Ocmw(
    code=ZOTTEGEM,
    places={
        "Zottegem": ("9620", ("Stationsstraat", "Heldenlaan", "Hospitaalstraat", "Meerlaan")),
        "Herzele": ("9550", ("Groenstraat", "Provinciebaan", "Kerkstraat")),
        "Sint-Lievens-Houtem": ("9520", ("Marktplein", "Hoogstraat", "Vlierzelestraat")),
    },
    social_workers=("sw.zottegem", "sw2.zottegem"),
    vdab_office="Zottegem",
    worksites=(
        "Kringwinkel Zottegem",
        "PIN vzw, logistieke ploeg",
        "woonzorgcentrum Egmont",
        "groendienst Herzele",
        "sociaal restaurant De Kombuis",
    ),
    clients=(
        ("Amina", "Haidari", "v", "Dari"),
        ("Kevin", "Peeters", "m", "Nederlands"),
        ("Sarah", "Janssens", "v", "Nederlands"),
        ("Dirk", "Maes", "m", "Nederlands"),
        ("Jessica", "De Smet", "v", "Nederlands"),
        ("Tom", "Claes", "m", "Nederlands"),
        ("Nancy", "Wouters", "v", "Nederlands"),
        ("Mohammad", "Ahmadi", "m", "Dari"),
        ("Agnieszka", "Nowak", "v", "Pools"),
        ("Mamadou", "Diallo", "m", "Frans"),
        ("Selam", "Tesfaye", "v", "Tigrinya"),
        ("Yonas", "Haile", "m", "Tigrinya"),
        ("Fatma", "Yilmaz", "v", "Turks"),
        ("Rania", "Al-Hassan", "v", "Arabisch"),
        ("Omar", "Khalil", "m", "Arabisch"),
        ("Stijn", "Van de Velde", "m", "Nederlands"),
        ("Kimberly", "De Vos", "v", "Nederlands"),
        ("Marek", "Kowalski", "m", "Pools"),
        ("Aïssatou", "Barry", "v", "Frans"),
        ("Patrick", "Verstraete", "m", "Nederlands"),
        ("Farid", "Sultani", "m", "Dari"),
        ("Grace", "Okafor", "v", "Engels"),
        ("Linda", "Mertens", "v", "Nederlands"),
        ("Bilal", "Nazari", "m", "Pasjtoe"),
    ),
)
OCMW_GENT = Ocmw(
    code=GENT,
    places={
        "Gent": ("9000", ("Sleepstraat", "Dampoortstraat", "Wondelgemstraat", "Rabotstraat")),
        "Ledeberg": ("9050", ("Hundelgemsesteenweg", "Jules Van Biesbroeckstraat", "Kerkstraat")),
        "Sint-Amandsberg": ("9040", ("Antwerpsesteenweg", "Visitatiestraat", "Heiveldstraat")),
    },
    social_workers=("sw.gent", "sw2.gent"),
    vdab_office="Gent",
    worksites=(
        "Kringwinkel Gent",
        "groendienst Stad Gent",
        "sociaal restaurant in Ledeberg",
        "technische dienst OCMW Gent",
    ),
    clients=(
        ("Hassan", "El Idrissi", "m", "Arabisch"),
        ("Elke", "Vandenberghe", "v", "Nederlands"),
        ("Dimitri", "Goethals", "m", "Nederlands"),
        ("Ewa", "Wiśniewska", "v", "Pools"),
        ("Abdi", "Mohamed", "m", "Somali"),
        ("Senait", "Gebremedhin", "v", "Tigrinya"),
        ("Zahra", "Mohammadi", "v", "Dari"),
        ("Ibrahima", "Sow", "m", "Frans"),
        ("Ana", "Popescu", "v", "Roemeens"),
        ("Gert", "Claeys", "m", "Nederlands"),
        ("Samira", "Bouzid", "v", "Arabisch"),
        ("Jonas", "De Wilde", "m", "Nederlands"),
        ("Blessing", "Adeyemi", "v", "Engels"),
        ("Ilse", "Martens", "v", "Nederlands"),
        ("Georgi", "Dimitrov", "m", "Bulgaars"),
        ("Nadia", "Rahmani", "v", "Dari"),
    ),
)
OCMWS = (OCMW_ZOTTEGEM, OCMW_GENT)


@dataclass(frozen=True)
class Event:
    kind: str
    at: dt.datetime
    actor: tuple[str, str]
    """(username, organisation code) of the author."""
    title: str
    body: str = ""
    payload: dict[str, Any] = field(default_factory=dict)
    audience: Audience = Audience.care_team


@dataclass
class DemoClient:
    ocmw: Ocmw
    first_name: str
    last_name: str
    language: str
    municipality: str
    phone: str
    national_number: str
    birth_date: dt.date
    address: str
    created_at: dt.datetime
    status: str = "active"
    ladder_step: int | None = None
    closing: str = ""
    closed_at: dt.datetime | None = None
    social_report: str = ""
    finances: str = ""
    health_notes: str = ""
    social_worker: str = ""
    toeleider: str | None = None
    mediator: str | None = None
    vdab_contact: str = ""
    team: list[tuple[str, dt.datetime]] = field(default_factory=list)
    consents: dict[str, tuple[bool, dt.date]] = field(default_factory=dict)
    events: list[Event] = field(default_factory=list)

    @property
    def newcomer(self) -> bool:
        return self.language != "Nederlands"

    @property
    def end(self) -> dt.datetime:
        """The last moment a story may use: the file's closing, or the day before REFERENCE."""
        return self.closed_at or LAST_EVENT

    @property
    def sw(self) -> tuple[str, str]:
        return self.social_worker, self.ocmw.code

    @property
    def vdab(self) -> tuple[str, str]:
        return self.vdab_contact, VDAB

    @property
    def field_worker(self) -> tuple[str, str]:
        return (self.toeleider, PIN) if self.toeleider else self.sw


# Small helpers -----------------------------------------------------------------------------


def _ascii(text: str) -> str:
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()


def _day_month(day: dt.date) -> str:
    return f"{day.day} {MONTHS[day.month - 1]}"


def _full_date(day: dt.date) -> str:
    return f"{_day_month(day)} {day.year}"


def _euro(amount: float, cents: bool = False) -> str:
    text = f"{amount:,.2f}" if cents else f"{round(amount):,}"
    return "€ " + text.replace(",", " ").replace(".", ",").replace(" ", ".")


def _at(rng: random.Random, start: dt.datetime, end: dt.datetime) -> dt.datetime:
    """A moment during office hours on a weekday between ``start`` and ``end`` (clamped to both)."""
    if end <= start:
        return start
    day = (start + (end - start) * rng.random()).date()
    if day.weekday() >= 5:
        day -= dt.timedelta(days=day.weekday() - 4)
    moment = dt.datetime.combine(
        day, dt.time(rng.randint(7, 15), rng.choice((0, 15, 30, 45))), tzinfo=dt.UTC
    )
    return min(max(moment, start), end)


def _after(rng: random.Random, moment: dt.datetime, low: int, high: int) -> dt.datetime:
    return _at(rng, moment + dt.timedelta(days=low), moment + dt.timedelta(days=high))


def national_number(birth: dt.date, serial: int) -> str:
    """Belgian ``YY.MM.DD-XXX.CC``: CC = 97 - YYMMDDXXX mod 97, with "2" prefixed from 2000 on."""
    base = f"{birth:%y%m%d}{serial:03d}"
    check = 97 - int(("2" if birth.year >= 2000 else "") + base) % 97
    return f"{base[:2]}.{base[2:4]}.{base[4:6]}-{base[6:]}.{check:02d}"


def _phone(rng: random.Random) -> str:
    pairs = " ".join(f"{rng.randint(0, 99):02d}" for _ in range(3))
    return f"04{rng.randint(70, 99)} {pairs}"


# Client files ------------------------------------------------------------------------------

HOUSEHOLDS = (
    ("{first} is alleenstaand en huurt een studio in {place}.", 2),
    ("{first} woont met twee kinderen van 6 en 9 jaar in een sociale woning in {place}.", 3),
    ("{first} woont samen met een partner zonder inkomen in een krappe huurwoning in {place}.", 1),
    ("{first} verblijft sinds een uithuiszetting tijdelijk bij familie in {place}.", 1),
    ("{first} is alleenstaande ouder van een dochter van 4 jaar en woont in {place}.", 3),
    ("{first} woont na een scheiding opnieuw alleen, op een appartement in {place}.", 2),
)
NEWCOMER_BACKGROUNDS = (
    "Kwam in {year} naar België, is erkend vluchteling en volgt Nederlands richtgraad {level}.",
    "Is sinds {year} in België via gezinshereniging en werkte in het thuisland als {home_job}.",
    "Heeft sinds {year} subsidiaire bescherming; de diploma's uit het thuisland zijn nog niet "
    "erkend.",
)
LOCAL_BACKGROUNDS = (
    "Werkte tot {year} als {job} maar verloor die job na een faillissement.",
    "Heeft geen diploma secundair onderwijs en werkte tot {year} met interimcontracten als {job}.",
    "Zit sinds {year} zonder werk na een lange ziekteperiode; was vroeger {job}.",
)
GOALS = (
    "Wil graag een opleiding in de logistiek volgen en is gemotiveerd om snel te starten.",
    "Wil eerst de woonsituatie op orde brengen voor er aan werk gedacht kan worden.",
    "Zoekt deeltijds werk dat te combineren is met de zorg voor het gezin.",
    "Heeft nood aan structuur; vrijwilligerswerk is een haalbare eerste stap.",
)
NEWCOMER_GOALS = (
    "Droomt van werk in de zorg; het Nederlands is daarbij nog de grootste drempel.",
    "Staat open voor een art. 60-tewerkstelling om werkervaring in België op te bouwen.",
)
JOBS = (
    "magazijnmedewerker",
    "productiemedewerker",
    "keukenmedewerker",
    "schoonmaakmedewerker",
    "verkoopmedewerker",
    "medewerker groendienst",
    "chauffeur",
    "bouwvakker",
)
HOME_COUNTRY_JOBS = ("leerkracht", "boekhouder", "kapper", "naaister", "elektricien", "boer")
LEEFLOON = {
    1: ("samenwonende", 943.52),
    2: ("alleenstaande", 1415.28),
    3: ("persoon met gezinslast", 1912.63),
}
CREDITORS = (
    "de energieleverancier",
    "het ziekenhuis en de huisarts",
    "een telecomoperator",
    "de vorige verhuurder (huurachterstal)",
    "een incassobureau voor een kredietkaart",
)
BUDGET_GUIDANCE = (
    "Budgetbegeleiding bij het OCMW sinds {month} {year}.",
    "Budgetbeheer: huur en energie worden rechtstreeks door het OCMW betaald.",
    "Collectieve schuldenregeling loopt sinds {year}; een schuldbemiddelaar is aangesteld.",
    "Beheert het budget zelfstandig; maandelijks worden de rekeningen samen overlopen.",
)
HEALTH = (
    "Chronische rugklachten; de huisarts raadt zwaar tilwerk af.",
    "Depressieve klachten, in begeleiding bij het Centrum voor Geestelijke Gezondheidszorg.",
    "Alcoholverslaving in behandeling; de ambulante opvolging loopt goed.",
    "Diabetes type 2, goed opgevolgd door de huisarts.",
    "Slaapproblemen en concentratieverlies na traumatische ervaringen; traumabegeleiding loopt.",
    "Astma; een stoffige werkomgeving is af te raden.",
    "Knieklachten na een val; kinesitherapie twee keer per week.",
    "Cannabisgebruik in behandeling bij het CAD; de afspraken worden nageleefd.",
    "Angstklachten in drukke situaties; medicatie via de huisarts.",
    "Migraineaanvallen enkele keren per maand, waardoor soms werkdagen wegvallen.",
)
CLOSINGS = (
    ("uitstroom naar een vast contract als {job}", 6),
    ("voltijdse job gevonden via een interimkantoor", 6),
    ("doorstroom naar een maatwerkbedrijf met begeleiding", 5),
    ("verhuisd naar {place}; dossier overgedragen aan het OCMW daar", None),
)


def _unique(draw: Callable[[], str], taken: set[str]) -> str:
    """Draw until the value is new: no two demo clients share a phone, number or address."""
    value = draw()
    while value in taken:
        value = draw()
    taken.add(value)
    return value


def _new_client(
    rng: random.Random, ocmw: Ocmw, name: tuple[str, str, str, str], taken: set[str]
) -> DemoClient:
    """Belgian serial numbers are odd for men and even for women."""
    first, last, sex, language = name
    birth = (REFERENCE - dt.timedelta(days=rng.randint(6580, 21900))).date()
    first_serial = 1 if sex == "m" else 2
    municipality = rng.choice(list(ocmw.places))
    postcode, streets = ocmw.places[municipality]
    created = _at(rng, REFERENCE - dt.timedelta(days=725), REFERENCE - dt.timedelta(days=20))
    client = DemoClient(
        ocmw=ocmw,
        first_name=first,
        last_name=last,
        language=language,
        municipality=municipality,
        phone=_unique(lambda: _phone(rng), taken),
        national_number=_unique(
            lambda: national_number(birth, rng.randrange(first_serial, 997 + first_serial, 2)),
            taken,
        ),
        birth_date=birth,
        address=_unique(
            lambda: f"{rng.choice(streets)} {rng.randint(1, 140)}, {postcode} {municipality}",
            taken,
        ),
        created_at=created,
    )
    _set_status(rng, client)
    _write_file(rng, client)
    return client


def _set_status(rng: random.Random, client: DemoClient) -> None:
    """Trajectories take time: only files older than 200 days are in art. 60, training or closed."""
    age = (REFERENCE - client.created_at).days
    statuses = ["active"] * 5 + (["art60", "training", "closed"] * 2 if age >= 200 else [])
    client.status = rng.choice(statuses)
    if client.status == "art60":
        client.ladder_step = 4
    elif client.status == "training":
        client.ladder_step = rng.choice((3, 4))
    elif client.status == "closed":
        text, step = rng.choice(CLOSINGS)
        other = "Aalst" if client.ocmw is OCMW_ZOTTEGEM else "Eeklo"
        client.closing = text.format(job=rng.choice(JOBS), place=other)
        client.closed_at = _after(rng, client.created_at, 120, age - 2)
        client.ladder_step = step if step else rng.randint(2, 4)
    elif age >= 120 or rng.random() < 0.4:
        client.ladder_step = rng.choice((1, 2, 2, 3, 3, 4))


def _write_file(rng: random.Random, client: DemoClient) -> None:
    first, created = client.first_name, client.created_at
    household, category = rng.choice(HOUSEHOLDS)
    backgrounds = NEWCOMER_BACKGROUNDS if client.newcomer else LOCAL_BACKGROUNDS
    goals = GOALS + (NEWCOMER_GOALS if client.newcomer else ())
    background = rng.choice(backgrounds).format(
        year=created.year - rng.randint(1, 6),
        level=rng.randint(1, 3),
        job=rng.choice(JOBS),
        home_job=rng.choice(HOME_COUNTRY_JOBS),
    )
    client.social_report = " ".join(
        (household.format(first=first, place=client.municipality), background, rng.choice(goals))
    )
    client.finances = _finances(rng, category, created)
    client.health_notes = (
        " ".join(rng.sample(HEALTH, 2)) + f" Besproken met {first} op {_full_date(created.date())}."
    )


def _finances(rng: random.Random, category: int, created: dt.datetime) -> str:
    label, amount = LEEFLOON[category]
    granted = (created - dt.timedelta(days=rng.randint(7, 60))).date()
    debt = rng.randint(4, 90) * 100
    debts = (
        f"Schulden van ongeveer {_euro(debt)} bij {rng.choice(CREDITORS)}; "
        f"afbetalingsplan van {_euro(debt / rng.choice((20, 24, 30, 36)))} per maand."
        if rng.random() < 0.75
        else "Geen gekende schulden."
    )
    guidance = rng.choice(BUDGET_GUIDANCE).format(
        month=MONTHS[created.month - 1], year=created.year
    )
    return (
        f"Leefloon categorie {category} ({label}) sinds {_full_date(granted)}: "
        f"{_euro(amount, cents=True)} per maand. "
        f"{debts} {guidance}"
    )


def _assign_team(rng: random.Random, client: DemoClient) -> None:
    zottegem = client.ocmw is OCMW_ZOTTEGEM
    client.social_worker = rng.choices(client.ocmw.social_workers, weights=(2, 1))[0]
    if zottegem and rng.random() < 0.8:
        client.toeleider = rng.choices(TOELEIDERS, weights=(3, 2))[0]
    if client.status == "training" or rng.random() < 0.5:
        client.mediator = rng.choices(MEDIATORS, weights=(3, 2))[0]
    client.vdab_contact = client.mediator or rng.choice(MEDIATORS)
    client.team = [(client.social_worker, client.created_at)]
    if client.toeleider:
        joined = _after(rng, client.created_at, 1, 30)
        client.team.append((client.toeleider, min(joined, client.end)))
    if client.mediator:
        joined = _after(rng, client.created_at, 20, 120)
        client.team.append((client.mediator, min(joined, client.end)))


def _assign_consents(rng: random.Random, client: DemoClient) -> None:
    orgs = (PIN, VDAB) if client.ocmw is OCMW_ZOTTEGEM else (VDAB,)
    for org in orgs:
        decided = min(_after(rng, client.created_at, 0, 30), client.end)
        client.consents[org] = (rng.random() < 0.9, decided.date())


def _withdraw_consents(
    rng: random.Random, clients: Sequence[DemoClient], org: str, member: str, count: int = 2
) -> None:
    """Some clients withdraw consent while a worker of that organisation is in their care team."""
    candidates = [c for c in clients if member in dict(c.team) and c.consents[org][0]]
    for client in rng.sample(candidates, count):
        recent = max(client.created_at, client.end - dt.timedelta(days=60))
        client.consents[org] = (False, _at(rng, recent, client.end).date())


# Timelines ---------------------------------------------------------------------------------

Episode = Callable[[random.Random, DemoClient, dt.datetime], list[Event]]

TRAININGS = (
    ("Heftruckchauffeur", 4),
    ("Magazijnmedewerker", 12),
    ("Keukenmedewerker", 16),
    ("Schoonmaakmedewerker", 8),
    ("Productiemedewerker voeding", 10),
    ("Zorgkundige", 40),
    ("Kassamedewerker", 6),
    ("Lasser", 30),
    ("Digitale basisvaardigheden", 5),
)
REFERRAL_QUESTIONS = (
    (
        "is een VDAB-traject mogelijk voor {first}?",
        "Ja: {first} is ingeschreven als werkzoekende en start met trajectbegeleiding.",
    ),
    (
        "kan {first} een oriëntatiestage doen?",
        "Ja, een IBO-stage van vier weken is mogelijk; we zoeken samen een werkplek.",
    ),
    (
        "komt {first} in aanmerking voor een beroepsopleiding?",
        "Nog niet: eerst de randvoorwaarden op orde. Nieuw gesprek over drie maanden.",
    ),
    (
        "kan {first} begeleid worden naar werk in een maatwerkbedrijf?",
        "Een GTB-screening is aangevraagd; het resultaat volgt binnen zes weken.",
    ),
)
INTERVIEWS = (
    (
        "Gesprek bij VDAB: bespreking beroepsdoel",
        "Beroepsdoel {job} besproken; {first} kent de vacatures in de regio nog onvoldoende.",
    ),
    (
        "Gesprek bij VDAB: opmaak actieplan",
        "Actieplan met {first}: sollicitatietraining en twee vacatures per week opvolgen.",
    ),
    (
        "Gesprek bij VDAB: screening competenties",
        "Sterke praktische vaardigheden; {first} wil werken als {job}, digitaal nog onzeker.",
    ),
)
TOELEIDER_NOTES = (
    (
        "Huisbezoek: brieven samen overlopen",
        "Ongeopende brieven van {first} samen doorgenomen; twee aanmaningen doorgegeven aan de "
        "maatschappelijk werker.",
    ),
    (
        "Inschrijving kinderopvang geregeld",
        "Met {first} het aanvraagformulier voor kinderopvang ingevuld, zodat een opleiding "
        "haalbaar wordt.",
    ),
    (
        "Busabonnement aangevraagd",
        "Met {first} naar de De Lijn-winkel geweest voor een voordelig abonnement.",
    ),
    (
        "Digitale hulp: itsme geïnstalleerd",
        "itsme samen geïnstalleerd en het VDAB-account geactiveerd; {first} kan nu zelf "
        "vacatures bekijken.",
    ),
)
NEWCOMER_TOELEIDER_NOTES = (
    (
        "Samen naar het loket burgerzaken",
        "{first} begeleid naar het loket voor de verlenging van de verblijfskaart; een afspraak "
        "is pas over vijf weken mogelijk.",
    ),
    (
        "Tolk voorzien bij de huisarts",
        "Meegegaan naar de huisarts om te tolken; {first} begrijpt de uitleg over de medicatie "
        "nu wel.",
    ),
    (
        "Eerste keer naar de praatgroep",
        "{first} kwam voor het eerst naar de praatgroep Nederlands in het buurthuis en durfde "
        "zich voor te stellen.",
    ),
    (
        "Mee naar oudercontact",
        "Op het oudercontact voor {first} getolkt; de school vraagt een gesprek met het CLB.",
    ),
)
SOCIAL_WORKER_NOTES = (
    (
        "Gesprek over motivatie",
        "{first} vindt de combinatie met de zorg voor het gezin zwaar; de afspraken zijn "
        "aangepast.",
    ),
    (
        "Telefonisch contact",
        "{first} belde om de afspraak te verzetten wegens ziekte.",
    ),
)
NEWCOMER_SOCIAL_WORKER_NOTES = (
    (
        "Afspraak voorbereid met tolk",
        "Volgend gesprek met een telefonische tolk, zodat {first} de afspraken over het "
        "leefloon goed begrijpt.",
    ),
)
OCMW_INTERNAL_NOTES = (
    (
        "Intern overleg team activering",
        "Casus {first} besproken op het teamoverleg: eerst de randvoorwaarden, art. 60 pas "
        "volgend kwartaal bekijken.",
    ),
    (
        "Intern: niet verschenen op afspraak",
        "{first} was niet aanwezig op de afspraak; nieuwe uitnodiging per brief en sms verstuurd.",
    ),
    (
        "Intern: kwartaalbespreking activering",
        "In de kwartaalbespreking beslist dat {first} nog niet naar activering kan: eerst "
        "huisvesting en kinderopvang.",
    ),
)
VDAB_INTERNAL_NOTES = (
    (
        "Interne nota bemiddelaar",
        "Dossier {first} overgedragen binnen het team; de nieuwe bemiddelaar neemt de opvolging "
        "over.",
    ),
    (
        "Intern VDAB: afspraak met werkgever",
        "Werkgever in de regio zoekt profielen zoals {first}; kandidatuur pas voorstellen na "
        "het volgende gesprek.",
    ),
)
FOLLOW_UPS = (
    (
        "Opvolggesprek op kantoor",
        "Voortgang besproken met {first}; de afspraken uit de afsprakennota lopen volgens plan.",
        "op kantoor",
    ),
    (
        "Huisbezoek",
        "Huisbezoek bij {first}: de woning is in orde en de rekeningen zijn betaald.",
        "huisbezoek",
    ),
    (
        "Telefonische opvolging",
        "{first} telefonisch gesproken; het vrijwilligerswerk bevalt en loopt twee halve dagen "
        "per week.",
        "telefonisch",
    ),
)
TOELEIDER_FOLLOW_UPS = (
    (
        "Opvolging: mee naar infosessie VDAB",
        "Samen met {first} naar de infosessie over knelpuntberoepen geweest; interesse in "
        "logistiek.",
        "begeleiding",
    ),
    (
        "Opvolging: afspraak bij het CAW",
        "{first} begeleid naar het CAW voor de huurachterstal; een vervolgafspraak staat vast.",
        "begeleiding",
    ),
)
SIGNALS = (
    (
        "civil_affairs",
        "Signaal: wachttijd burgerzaken vijf weken",
        "Afspraak bij burgerzaken pas over vijf weken; {first} riskeert een onderbreking van "
        "het leefloon.",
    ),
    (
        "school",
        "Signaal: school weigert inschrijving",
        "De basisschool weigert het kind van {first} in te schrijven wegens 'volzet', terwijl "
        "er plaatsen vrij zijn.",
    ),
    (
        "housing",
        "Signaal: vochtprobleem in huurwoning",
        "Schimmel in de slaapkamer; de verhuurder reageert niet op herhaalde vragen van {first}.",
    ),
    (
        "mobility",
        "Signaal: geen bus voor 8 uur",
        "Er is geen busverbinding om {first} op tijd in het opleidingscentrum te krijgen.",
    ),
    (
        "digital",
        "Signaal: afspraken enkel nog online",
        "De huisvestingsmaatschappij werkt enkel nog met online afspraken; {first} heeft geen "
        "computer.",
    ),
    (
        "language",
        "Signaal: wachtlijst Nederlands",
        "Drie maanden wachtlijst voor Nederlands richtgraad 1 bij het CVO; {first} kan "
        "ondertussen nergens terecht.",
    ),
)
DOCUMENTS = (
    ("CV", Audience.care_team),
    ("Getuigschrift opleiding", Audience.care_team),
    ("Huurcontract", Audience.file_holder_only),
    ("Medisch attest huisarts", Audience.file_holder_only),
)
NEWCOMER_DOCUMENTS = (
    ("Attest inburgering", Audience.care_team),
    ("Vertaald diploma", Audience.care_team),
)
SOCIAL_REPORT_UPDATES = (
    ("Aangevuld na huisbezoek: gezins- en woonsituatie herzien.", "gezinssituatie"),
    ("Financiële situatie geactualiseerd na een nieuwe afbetalingsregeling.", "financiën"),
    ("Verslag aangevuld voor het bijzonder comité.", "beslissing"),
)
HEALTH_UPDATES = (
    (
        "Gezondheid: attest arbeidsongeschiktheid",
        "Attest van de huisarts: drie weken arbeidsongeschikt; de activering van {first} staat "
        "zolang on hold.",
    ),
    (
        "Gezondheid: start behandeling",
        "{first} start een behandeling bij de psycholoog; de afspraken worden op de planning "
        "afgestemd.",
    ),
    (
        "Gezondheid: beperking bij werk",
        "Volgens de arbeidsgeneesheer kan {first} niet in de nachtploeg en geen zwaar tilwerk "
        "doen.",
    ),
)
LADDER_UP = {
    2: ("wekelijks naar het buurtrestaurant", "deelname aan de buurtwerking"),
    3: ("start vrijwilligerswerk bij kringwinkel", "oriënterende stage in de sociale kruidenier"),
    4: ("start art. 60-tewerkstelling", "start beroepsopleiding bij VDAB"),
    5: ("doorstroom naar maatwerkbedrijf", "werk met begeleiding van een jobcoach"),
    6: ("betaald werk zonder ondersteuning", "vast contract na de proefperiode"),
}
LADDER_DOWN = (
    "terugval door rugklachten",
    "woonsituatie eist alle aandacht",
    "vrijwilligerswerk gestopt na een conflict",
    "periode van ziekte",
)
ART60_OUTCOMES = (
    ("Doorstroom naar een vast contract bij de werkplek.", "regular_job"),
    ("Recht op werkloosheidsuitkering opgebouwd; verdere begeleiding door VDAB.", "benefit"),
    ("Doorstroom naar een beroepsopleiding bij VDAB.", "training"),
)


def _text(template: str, client: DemoClient) -> str:
    return template.format(first=client.first_name)


def _opening(rng: random.Random, client: DemoClient) -> list[Event]:
    """Registration, intake within three weeks, agreement note within three months."""
    first, sw = client.first_name, client.sw
    intake = _after(rng, client.created_at, 7, 21)
    agreement = _after(rng, client.created_at, 28, 84)
    review = agreement.date() + dt.timedelta(days=182)
    first_step = "Nederlands volgen" if client.newcomer else "sollicitatietraining"
    events = [
        Event(
            "registration",
            client.created_at,
            sw,
            "Dossier geopend bij team activering",
            f"{first} aangemeld door de sociale dienst na de toekenning van het leefloon.",
            {"channel": rng.choice(("onthaal", "sociale dienst", "doorverwijzing CAW"))},
        ),
        Event(
            "intake",
            intake,
            sw,
            "Intakegesprek activering",
            f"Werkervaring, diploma's, kennis Nederlands en randvoorwaarden besproken met {first}.",
            {"dutch_level": rng.choice(("A1", "A2", "B1")) if client.newcomer else "moedertaal"},
        ),
        Event(
            "agreement_note",
            agreement,
            sw,
            "Afsprakennota ondertekend",
            f"Afspraken: {first_step}, inschrijving bij VDAB, maandelijks opvolggesprek. "
            f"Evaluatie op {_full_date(review)}.",
            {"review_on": review.isoformat()},
        ),
    ]
    return [e for e in events if e.at <= client.end]


def _training(
    rng: random.Random, client: DemoClient, start: dt.datetime, *, steps: int = 7
) -> list[Event]:
    """The training-request chain from ``start``; later steps fall away when they pass the end."""
    first, sw, vdab = client.first_name, client.sw, client.vdab
    course, weeks = rng.choice(TRAININGS)
    place = client.ocmw.vdab_office if weeks < 10 else "Gent"
    agreed = _after(rng, start, 5, 25)
    approved = _after(rng, agreed, 5, 20)
    scheduled = _after(rng, approved, 3, 14)
    begins = _after(rng, scheduled, 14, 60)
    ends = _after(rng, begins, weeks * 7 - 3, weeks * 7 + 3)
    info = {"training": course}
    finished = (
        Event(
            "training_request.completed",
            ends,
            sw,
            f"Opleiding {course.lower()} afgerond",
            f"{first} behaalde het getuigschrift; volgende stap: solliciteren met de bemiddelaar.",
            info | {"certificate": True},
        )
        if rng.random() < 0.75
        else Event(
            "training_request.stopped",
            _after(rng, begins, 7, weeks * 7),
            sw,
            f"Opleiding {course.lower()} stopgezet",
            f"{first} stopte de opleiding: {rng.choice(LADDER_DOWN)}.",
            info | {"reason": "personal"},
        )
    )
    chain = [
        Event(
            "training_request.requested",
            start,
            sw,
            f"Opleidingsaanvraag: {course.lower()}",
            f"{first} wil de opleiding {course.lower()} volgen bij VDAB {place} "
            f"({weeks} weken voltijds).",
            info | {"weeks": weeks, "location": f"VDAB {place}"},
        ),
        Event(
            "training_request.ocmw_agreed",
            agreed,
            sw,
            f"OCMW akkoord met opleiding {course.lower()}",
            "Het leefloon loopt door tijdens de wachttijd en de opleiding.",
            info,
        ),
        Event(
            "training_request.vdab_approved",
            approved,
            vdab,
            f"VDAB keurt opleiding {course.lower()} goed",
            f"Test en screening geslaagd; {first} wordt ingeschreven voor de volgende reeks.",
            info,
        ),
        Event(
            "training_request.scheduled",
            scheduled,
            vdab,
            f"Opleiding {course.lower()} start op {_day_month(begins.date())}",
            f"Startdatum bevestigd: {_full_date(begins.date())} om 8u30 in VDAB {place}.",
            info | {"start_date": begins.date().isoformat()},
        ),
        Event(
            "training_request.started",
            begins,
            sw,
            f"Opleiding {course.lower()} gestart",
            f"{first} is gestart; de aanwezigheden worden wekelijks doorgegeven.",
            info | {"start_date": begins.date().isoformat()},
        ),
        finished,
    ]
    return [e for e in chain[:steps] if e.at <= client.end]


def _art60(
    rng: random.Random, client: DemoClient, start: dt.datetime, *, ongoing: bool = False
) -> list[Event]:
    site = rng.choice(client.ocmw.worksites)
    hours = rng.choice((19, 26, 38))
    months = rng.choice((12, 24)) if ongoing else rng.choice((6, 12))
    ends = start + dt.timedelta(days=months * 30)
    started = Event(
        "art60.started",
        start,
        client.sw,
        f"Start art. 60 bij {site}",
        f"Contract van {months} maanden, {hours} uur per week als {rng.choice(JOBS)}.",
        {"site": site, "hours_per_week": hours, "end_date": ends.date().isoformat()},
    )
    if ongoing:
        return [started]
    outcome, code = rng.choice(ART60_OUTCOMES)
    ended = Event(
        "art60.ended",
        _at(rng, ends - dt.timedelta(days=3), ends),
        client.sw,
        f"Einde art. 60 bij {site}",
        outcome,
        {"site": site, "outcome": code},
    )
    return [e for e in (started, ended) if e.at <= client.end]


def _vdab_contact(rng: random.Random, client: DemoClient, start: dt.datetime) -> list[Event]:
    first, office = client.first_name, client.ocmw.vdab_office
    meeting = _after(rng, start, 7, 14)
    mediator_name = next(p.display_name for p in PEOPLE if p.username == client.vdab_contact)
    title, body = rng.choice(INTERVIEWS)
    attended = rng.random() < 0.85
    invitation = Event(
        "invitation",
        start,
        client.vdab,
        f"Uitnodiging gesprek VDAB op {_day_month(meeting.date())}",
        f"Uitnodiging per brief en sms voor een gesprek met {mediator_name} op "
        f"{_full_date(meeting.date())} in VDAB {office}.",
        {"interview_on": meeting.date().isoformat(), "location": f"VDAB {office}"},
    )
    interview = Event(
        "interview",
        meeting,
        client.vdab,
        title if attended else "Gesprek bij VDAB: niet verschenen",
        body.format(first=first, job=rng.choice(JOBS))
        if attended
        else f"{first} was niet aanwezig; een nieuwe uitnodiging volgt.",
        {"attended": attended},
    )
    return [e for e in (invitation, interview) if e.at <= client.end]


def _referral(rng: random.Random, client: DemoClient, start: dt.datetime) -> list[Event]:
    question, answer = rng.choice(REFERRAL_QUESTIONS)
    reference = f"TV-{start.year}-{rng.randint(1, 999):03d}"
    asked = Event(
        "referral_question.asked",
        start,
        client.sw,
        f"Trajectvraag aan VDAB: {_text(question, client)}",
        "Graag een antwoord binnen tien werkdagen.",
        {"reference": reference, "status": "open"},
    )
    answered = Event(
        "referral_question.answered",
        _after(rng, start, 2, 16),
        client.vdab,
        f"Antwoord VDAB op trajectvraag {reference}",
        _text(answer, client),
        {"reference": reference, "status": "answered"},
    )
    return [e for e in (asked, answered) if e.at <= client.end]


def _note(rng: random.Random, client: DemoClient, start: dt.datetime) -> list[Event]:
    """Mostly care-team notes from the field; some internal to the OCMW or to VDAB."""
    newcomer = client.newcomer
    draw = rng.random()
    if draw < 0.6 and client.toeleider:
        pool = TOELEIDER_NOTES + (NEWCOMER_TOELEIDER_NOTES if newcomer else ())
        actor, audience = client.field_worker, Audience.care_team
    elif draw < 0.6 or draw >= 0.85:
        pool = SOCIAL_WORKER_NOTES + (NEWCOMER_SOCIAL_WORKER_NOTES if newcomer else ())
        actor, audience = client.sw, Audience.care_team
    elif draw < 0.75:
        pool, actor, audience = OCMW_INTERNAL_NOTES, client.sw, Audience.own_org
    else:
        pool, actor, audience = VDAB_INTERNAL_NOTES, client.vdab, Audience.own_org
    title, body = rng.choice(pool)
    return [Event("note", start, actor, title, _text(body, client), {}, audience)]


def _follow_up(rng: random.Random, client: DemoClient, start: dt.datetime) -> list[Event]:
    if client.toeleider and rng.random() < 0.3:
        title, body, channel = rng.choice(TOELEIDER_FOLLOW_UPS)
        actor = client.field_worker
    else:
        title, body, channel = rng.choice(FOLLOW_UPS)
        actor = client.sw
    return [Event("follow_up", start, actor, title, _text(body, client), {"channel": channel})]


def _signal(rng: random.Random, client: DemoClient, start: dt.datetime) -> list[Event]:
    pool = [signal for signal in SIGNALS if client.newcomer or signal[0] != "language"]
    theme, title, body = rng.choice(pool)
    payload = {
        "theme": theme,
        "urgency": rng.choice(("normal", "normal", "high")),
        "reference": f"SIG-{start.year}-{rng.randint(1, 999):04d}",
    }
    return [Event("signal.linked", start, client.field_worker, title, _text(body, client), payload)]


def _document(rng: random.Random, client: DemoClient, start: dt.datetime) -> list[Event]:
    name, audience = rng.choice(DOCUMENTS + (NEWCOMER_DOCUMENTS if client.newcomer else ()))
    slug = _ascii(f"{name} {client.last_name}").lower().replace(" ", "-")
    return [
        Event(
            "document.added",
            start,
            client.sw,
            f"Document toegevoegd: {name.lower()}",
            f"{name} van {client.first_name} toegevoegd aan het dossier.",
            {"filename": f"{slug}.pdf", "size_kb": rng.randint(80, 2400)},
            audience,
        )
    ]


def _social_report(rng: random.Random, client: DemoClient, start: dt.datetime) -> list[Event]:
    body, section = rng.choice(SOCIAL_REPORT_UPDATES)
    return [
        Event(
            "social_report.updated",
            start,
            client.sw,
            "Sociaal verslag bijgewerkt",
            body,
            {"section": section},
            Audience.file_holder_only,
        )
    ]


def _health(rng: random.Random, client: DemoClient, start: dt.datetime) -> list[Event]:
    title, body = rng.choice(HEALTH_UPDATES)
    return [
        Event(
            "health.noted",
            start,
            client.sw,
            title,
            _text(body, client),
            {},
            Audience.file_holder_only,
        )
    ]


def _random_training(rng: random.Random, client: DemoClient, start: dt.datetime) -> list[Event]:
    """A finished or still pending training; never one started but not ended (that is status)."""
    events = _training(rng, client, start)
    if events[-1].kind == "training_request.started":
        events.pop()
    return events


def _random_art60(rng: random.Random, client: DemoClient, start: dt.datetime) -> list[Event]:
    """A past art. 60 only: one still running is what status ``art60`` means."""
    events = _art60(rng, client, start)
    return events if len(events) == 2 and client.status != "art60" else []


EPISODES: tuple[tuple[Episode, float], ...] = (
    (_note, 4),
    (_follow_up, 3),
    (_vdab_contact, 2),
    (_document, 2),
    (_referral, 1.5),
    (_signal, 1.5),
    (_random_training, 1),
    (_social_report, 1),
    (_health, 1),
    (_random_art60, 1),
)


def _status_events(rng: random.Random, client: DemoClient, since: dt.datetime) -> list[Event]:
    if client.status == "art60":
        start = _at(rng, max(since, LAST_EVENT - dt.timedelta(days=240)), LAST_EVENT - WEEK)
        return _art60(rng, client, start, ongoing=True)
    if client.status == "training":
        start = _at(rng, LAST_EVENT - dt.timedelta(days=170), LAST_EVENT - dt.timedelta(days=130))
        return _training(rng, client, start, steps=5)
    if client.closed_at:
        return [
            Event(
                "follow_up",
                client.closed_at,
                client.sw,
                "Dossier afgesloten",
                f"Dossier van {client.first_name} afgesloten: {client.closing}.",
                {"channel": "op kantoor", "closed": True},
            )
        ]
    return []


def _ladder(rng: random.Random, client: DemoClient, count: int, start: dt.datetime) -> list[Event]:
    """Ladder moves that end on the client's current step, mostly one step up, sometimes down."""
    if client.ladder_step is None or count == 0:
        return []
    moments = sorted(_at(rng, start, client.end) for _ in range(count))
    events: list[Event] = []
    step = client.ladder_step
    for moment in reversed(moments):
        up = step > 1 and (step == 6 or rng.random() < 0.8)
        before = step - 1 if up else step + 1
        reason = rng.choice(LADDER_UP[step]) if up else rng.choice(LADDER_DOWN)
        events.append(
            Event(
                "ladder.changed",
                moment,
                client.sw,
                f"Trede {before} → {step}: {reason}",
                f"Besproken met {client.first_name} en opgenomen in de afsprakennota.",
                {"step_from": before, "step_to": step, "reason": reason},
            )
        )
        step = before
    return events


def _story(rng: random.Random, client: DemoClient) -> list[Event]:
    """5 to 60 events, more for older files: opening, status, ladder moves, then episodes."""
    age = (REFERENCE - client.created_at).days
    most = 5 + round(55 * min(age, 730) / 730)
    count = rng.randint(max(5, most // 2), most)
    events = _opening(rng, client)
    since = events[1].at if len(events) > 1 else client.created_at
    events += _status_events(rng, client, since)
    events += _ladder(rng, client, min(4, rng.randint(1, 1 + count // 12)), since)
    episodes, weights = zip(*EPISODES, strict=True)
    while len(events) < count:
        episode = rng.choices(episodes, weights=weights)[0]
        events += episode(rng, client, _at(rng, since, client.end))[: count - len(events)]
    return sorted(events, key=lambda e: e.at)


# Amina Haidari: DESIGN journey 2 -----------------------------------------------------------


def _on(day: str, hour: int = 9) -> dt.datetime:
    return dt.datetime.combine(dt.date.fromisoformat(day), dt.time(hour), tzinfo=dt.UTC)


def _showcase(client: DemoClient) -> None:
    """VDAB invited her yesterday, her training starts on 6 January, and the toeleider noted it."""
    client.status, client.ladder_step = "active", 3
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
    client.social_worker, client.toeleider = "sw.zottegem", "toeleider.pin"
    client.mediator = client.vdab_contact = "mediator.vdab"
    client.team = [
        ("sw.zottegem", client.created_at),
        ("toeleider.pin", _on("2025-03-17")),
        ("mediator.vdab", _on("2026-06-08")),
    ]
    client.consents = {PIN: (True, dt.date(2025, 3, 17)), VDAB: (True, dt.date(2025, 3, 24))}
    client.events = _showcase_events(client)


def _showcase_events(client: DemoClient) -> list[Event]:
    sw, pin, vdab = client.sw, client.field_worker, client.vdab
    heftruck = {"training": "Heftruckchauffeur"}
    own, holder = Audience.own_org, Audience.file_holder_only
    return [
        Event(
            "registration",
            client.created_at,
            sw,
            "Dossier geopend bij team activering",
            "Amina aangemeld door de sociale dienst na de toekenning van het leefloon.",
            {"channel": "sociale dienst"},
        ),
        Event(
            "intake",
            _on("2025-03-24", 10),
            sw,
            "Intakegesprek activering",
            "Gesprek met tolk Dari. Werkte in Kaboel als naaister; geen erkend diploma. "
            "Nederlands richtgraad 1 bezig.",
            {"dutch_level": "A1"},
        ),
        Event(
            "health.noted",
            _on("2025-04-07"),
            sw,
            "Gezondheid: slaapproblemen",
            "Amina slaapt slecht sinds de vlucht; de huisarts verwijst naar een psycholoog.",
            {},
            holder,
        ),
        Event(
            "agreement_note",
            _on("2025-05-12", 13),
            sw,
            "Afsprakennota ondertekend",
            "Afspraken: Nederlands richtgraad 2, praatgroep, inschrijving bij VDAB. "
            "Evaluatie op 10 november 2025.",
            {"review_on": "2025-11-10"},
        ),
        Event(
            "note",
            _on("2025-06-05", 14),
            pin,
            "Eerste keer naar de praatgroep",
            "Amina kwam voor het eerst naar de praatgroep Nederlands in het buurthuis en "
            "durfde zich voor te stellen.",
        ),
        Event(
            "ladder.changed",
            _on("2025-06-30"),
            sw,
            "Trede 1 → 2: wekelijks naar de praatgroep Nederlands",
            "Besproken met Amina en opgenomen in de afsprakennota.",
            {"step_from": 1, "step_to": 2, "reason": "wekelijks naar de praatgroep Nederlands"},
        ),
        Event(
            "social_report.updated",
            _on("2025-09-15", 11),
            sw,
            "Sociaal verslag bijgewerkt",
            "Aangevuld na huisbezoek: de kinderen zijn ingeschreven in de basisschool.",
            {"section": "gezinssituatie"},
            holder,
        ),
        Event(
            "signal.linked",
            _on("2025-10-21", 10),
            pin,
            "Signaal: wachttijd burgerzaken vijf weken",
            "Afspraak voor de verlenging van Amina's verblijfskaart pas over vijf weken.",
            {"theme": "civil_affairs", "urgency": "high", "reference": "SIG-2025-0417"},
        ),
        Event(
            "note",
            _on("2025-11-04", 8),
            sw,
            "Intern overleg team activering",
            "Amina is klaar voor vrijwilligerswerk; kringwinkel Zottegem heeft een plaats.",
            {},
            own,
        ),
        Event(
            "ladder.changed",
            _on("2026-01-19"),
            sw,
            "Trede 2 → 3: start vrijwilligerswerk bij kringwinkel",
            "Twee halve dagen per week in de sorteerafdeling van Kringwinkel Zottegem.",
            {"step_from": 2, "step_to": 3, "reason": "start vrijwilligerswerk bij kringwinkel"},
        ),
        Event(
            "follow_up",
            _on("2026-04-14", 12),
            sw,
            "Opvolggesprek op kantoor",
            "Het vrijwilligerswerk loopt goed; Amina vraagt naar een opleiding met de heftruck.",
            {"channel": "op kantoor"},
        ),
        Event(
            "referral_question.asked",
            _on("2026-06-08", 10),
            sw,
            "Trajectvraag aan VDAB: komt Amina in aanmerking voor een opleiding heftruckchauffeur?",
            "Graag een antwoord binnen tien werkdagen.",
            {"reference": "TV-2026-114", "status": "open"},
        ),
        Event(
            "referral_question.answered",
            _on("2026-06-18", 14),
            vdab,
            "Antwoord VDAB op trajectvraag TV-2026-114",
            "Ja: na een oriëntatietest kan Amina instromen in de opleiding heftruckchauffeur.",
            {"reference": "TV-2026-114", "status": "answered"},
        ),
        Event(
            "document.added",
            _on("2026-07-02", 9),
            sw,
            "Document toegevoegd: cv",
            "CV van Amina toegevoegd aan het dossier.",
            {"filename": "cv-haidari.pdf", "size_kb": 212},
        ),
        Event(
            "training_request.requested",
            _on("2026-09-14", 10),
            sw,
            "Opleidingsaanvraag: heftruckchauffeur",
            "Amina wil de opleiding heftruckchauffeur volgen bij VDAB Zottegem (4 weken).",
            heftruck | {"weeks": 4, "location": "VDAB Zottegem"},
        ),
        Event(
            "training_request.ocmw_agreed",
            _on("2026-10-05", 13),
            sw,
            "OCMW akkoord met opleiding heftruckchauffeur",
            "Het leefloon loopt door tijdens de wachttijd en de opleiding.",
            heftruck,
        ),
        Event(
            "training_request.vdab_approved",
            _on("2026-11-09", 11),
            vdab,
            "VDAB keurt opleiding heftruckchauffeur goed",
            "Oriëntatietest geslaagd; Amina wordt ingeschreven voor de reeks van januari.",
            heftruck,
        ),
        Event(
            "training_request.scheduled",
            _on("2026-11-16", 10),
            vdab,
            "Opleiding heftruckchauffeur start op 6 januari",
            "Startdatum bevestigd: 6 januari 2027 om 8u30 in VDAB Zottegem.",
            heftruck | {"start_date": "2027-01-06"},
        ),
        Event(
            "note",
            _on("2026-11-18", 15),
            pin,
            "Busverbinding naar de opleiding bekeken",
            "Samen met Amina de bus naar VDAB Zottegem voor 6 januari uitgestippeld; "
            "ze vraagt een tolk Dari voor het gesprek van 26 november.",
        ),
        Event(
            "invitation",
            _on("2026-11-19", 8),
            vdab,
            "Uitnodiging gesprek VDAB op 26 november",
            "Uitnodiging per brief en sms voor een gesprek met Koen Willems op 26 november 2026 "
            "om 10u in VDAB Zottegem, ter voorbereiding van de opleiding.",
            {"interview_on": "2026-11-26", "location": "VDAB Zottegem"},
        ),
    ]


# The whole world ---------------------------------------------------------------------------


def plan(rng: random.Random) -> list[DemoClient]:
    """All clients with their teams, consents and timelines; Amina Haidari comes first."""
    taken: set[str] = set()
    clients = [_new_client(rng, ocmw, name, taken) for ocmw in OCMWS for name in ocmw.clients]
    for client in clients:
        _assign_team(rng, client)
        _assign_consents(rng, client)
    _showcase(clients[0])
    _withdraw_consents(rng, clients[1:], PIN, "toeleider.pin")
    _withdraw_consents(rng, clients[1:], VDAB, "mediator.vdab")
    for client in clients[1:]:
        client.events = _story(rng, client)
    return clients


async def _insert(table: type[Table], rows: Sequence[Table]) -> None:
    for start in range(0, len(rows), BATCH_SIZE):
        await table.insert(*rows[start : start + BATCH_SIZE])


async def _insert_world(clients: Sequence[DemoClient]) -> None:
    orgs = [
        Organisation(code=code, name=name, kind=kind.value) for code, name, kind in ORGANISATIONS
    ]
    await _insert(Organisation, orgs)
    org_ids = {row.code: row.id for row in orgs}
    await _insert(
        Partnership,
        [
            Partnership(
                name=name,
                ocmw=org_ids[ocmw],
                partner=org_ids[partner] if partner else None,
                vdab=org_ids[vdab] if vdab else None,
            )
            for name, ocmw, partner, vdab in PARTNERSHIPS
        ],
    )
    people = [
        Person(
            username=p.username,
            display_name=p.display_name,
            email=p.email,
            organisation=org_ids[p.org],
            roles=[role.value for role in p.roles],
            active=p.active,
        )
        for p in PEOPLE
    ]
    await _insert(Person, people)
    person_ids = {row.username: row.id for row in people}
    rows = [_client_row(client, org_ids) for client in clients]
    await _insert(Client, rows)
    pairs = [(row.id, client) for row, client in zip(rows, clients, strict=True)]
    await _insert(CareTeamMember, _team_rows(pairs, person_ids))
    await _insert(Consent, _consent_rows(pairs, org_ids, person_ids))
    await _insert(TimelineEvent, _event_rows(pairs, org_ids, person_ids))


def _client_row(client: DemoClient, org_ids: dict[str, int]) -> Client:
    return Client(
        ocmw=org_ids[client.ocmw.code],
        first_name=client.first_name,
        last_name=client.last_name,
        language=client.language,
        municipality=client.municipality,
        phone=client.phone,
        national_number=client.national_number,
        birth_date=client.birth_date,
        address=client.address,
        ladder_step=client.ladder_step,
        status=client.status,
        social_report=client.social_report,
        finances=client.finances,
        health_notes=client.health_notes,
        created_at=client.created_at,
    )


def _team_rows(
    pairs: Sequence[tuple[int, DemoClient]], person_ids: dict[str, int]
) -> list[CareTeamMember]:
    return [
        CareTeamMember(client=client_id, person=person_ids[username], added_at=added)
        for client_id, client in pairs
        for username, added in client.team
    ]


def _consent_rows(
    pairs: Sequence[tuple[int, DemoClient]], org_ids: dict[str, int], person_ids: dict[str, int]
) -> list[Consent]:
    return [
        Consent(
            client=client_id,
            organisation=org_ids[org],
            given=given,
            decided_on=decided,
            recorded_by=person_ids[client.social_worker],
        )
        for client_id, client in pairs
        for org, (given, decided) in client.consents.items()
    ]


def _event_rows(
    pairs: Sequence[tuple[int, DemoClient]], org_ids: dict[str, int], person_ids: dict[str, int]
) -> list[TimelineEvent]:
    return [
        TimelineEvent(
            client=client_id,
            kind=event.kind,
            occurred_at=event.at,
            author=person_ids[event.actor[0]],
            author_org=org_ids[event.actor[1]],
            audience=event.audience.value,
            sensitivity=KINDS[event.kind].sensitivity.value,
            title=event.title,
            body=event.body,
            payload=event.payload,
        )
        for client_id, client in pairs
        for event in client.events
    ]


async def summary() -> str:
    counts = [await table.count() for table in (Organisation, Person, Client, TimelineEvent)]
    return "{} organisations, {} people, {} clients, {} timeline events".format(*counts)


async def load_demo() -> str:
    """Load the demo world in one transaction unless it is there; return what the database holds."""
    async with DB.transaction():
        if not await Organisation.exists().where(Organisation.code == ZOTTEGEM):
            await _insert_world(plan(random.Random(SEED)))  # noqa: S311 (demo data, not secrets)
    return await summary()

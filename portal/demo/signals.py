"""Signals in the demo: the routes of the demo's municipalities to their OCMW, and 38 signals over
the last year, reported and followed up through the signal services by the people who would.

Unlike the client files, which are seen from the fixed ``story.REFERENCE``, the signals are dated
back from the day the demo is loaded, so the queue always holds a few fresh signals, a few overdue
ones (still new after their ten working days) and the rest in every later state. Every theme and
state occurs; most signals are structural (no client, no personal data: they pass the capture's
personal-data check without a confirmation), some are about a demo client, reported by someone who
follows that client (a toeleider or mediator of the care team, or the file holder) and written
only after they joined the client's care team.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from portal.accounts.tables import Organisation
from portal.clients.services import consents, find_client, team_of
from portal.core.templating import LOCAL_TIME, local_time
from portal.core.text import fold
from portal.core.workdays import BELGIUM
from portal.demo import texts
from portal.demo.accounts import GENT, ZOTTEGEM, DemoRefused
from portal.demo.story import consent_moment
from portal.signals import services
from portal.signals.tables import SignalRoute
from portal.visibility.viewer import Viewer

Actors = dict[str, Viewer]
Files = dict[str, int]

ROUTES: dict[str, tuple[str, ...]] = {
    ZOTTEGEM: (
        *texts.ZOTTEGEM_PLACES,
        "Elene",
        "Erwetegem",
        "Godveerdegem",
        "Grotenberge",
        "Leeuwergem",
        "Oombergen",
        "Sint-Goriks-Oudenhove",
        "Sint-Maria-Oudenhove",
        "Strijpen",
        "Velzeke-Ruddershove",
    ),
    GENT: (
        *texts.GENT_PLACES,
        "Afsnee",
        "Drongen",
        "Gentbrugge",
        "Mariakerke",
        "Oostakker",
        "Sint-Denijs-Westrem",
        "Wondelgem",
        "Zwijnaarde",
    ),
}
"""OCMW → the municipalities whose signals it follows up (as written; stored folded): the places
of the demo's clients (the demo has OCMW Zottegem serve Herzele and Sint-Lievens-Houtem too) and
the deelgemeenten of Zottegem and Gent."""

# The people, by username.
T1, T2 = "toeleider.pin", "toeleider2.pin"
SZ, SZ2, CZ = "sw.zottegem", "sw2.zottegem", "coordinator.zottegem"
SG, SG2 = "sw.gent", "sw2.gent"
M1, M2, MG = "mediator.vdab", "mediator2.vdab", "mediator.vdab-gent"


@dataclass(frozen=True)
class Assign:
    after: int
    """Working days after the signal was reported."""
    by: str
    handler: str


@dataclass(frozen=True)
class Move:
    after: int
    by: str
    code: str
    """A transition of ``signals.workflow``; ``text``: its outcome or reason, where it needs one."""
    text: str = ""


@dataclass(frozen=True)
class Comment:
    after: int
    by: str
    text: str


Step = Assign | Move | Comment


@dataclass(frozen=True)
class DemoSignal:
    reporter: str
    days_ago: int
    """Working days before the day the demo is loaded."""
    theme: str
    municipality: str
    title: str
    description: str
    urgency: str = "normal"
    client: str | None = None
    """The full name of a demo client, or ``None`` for a structural signal."""
    steps: tuple[Step, ...] = ()
    """In time order, each on or after the working day of the one before, before today."""


URGENT = "urgent"

SIGNALS: tuple[DemoSignal, ...] = (
    # Civil affairs and administration ------------------------------------------------------
    DemoSignal(
        T1,
        240,
        "civil_affairs",
        "Zottegem",
        "Burgerzaken geeft pas afspraken over vijf weken",
        "Het loket burgerzaken geeft pas afspraken over vijf weken. Wie een nieuwe verblijfskaart "
        "of een adreswijziging nodig heeft, loopt intussen het risico dat het leefloon of het "
        "Groeipakket stilvalt.",
        URGENT,
        steps=(
            Assign(1, CZ, SZ),
            Move(2, SZ, "take_up"),
            Comment(4, SZ, "Overleg gepland met het diensthoofd burgerzaken."),
            Move(
                15,
                SZ,
                "follow_up",
                "Burgerzaken houdt voortaan elke dinsdagvoormiddag twee afspraken vrij voor "
                "mensen die het OCMW of PIN vzw doorverwijst.",
            ),
            Move(20, CZ, "close"),
        ),
    ),
    DemoSignal(
        T2,
        35,
        "civil_affairs",
        "Herzele",
        "Adreswijziging: de wijkagent komt pas na weken langs",
        "Na een verhuis duurt het bijna een maand voor de wijkagent de woonst komt controleren. "
        "Zolang de adreswijziging niet rond is, kan het OCMW van de nieuwe gemeente het dossier "
        "niet overnemen.",
        steps=(Assign(3, CZ, SZ2),),
    ),
    DemoSignal(
        MG,
        60,
        "civil_affairs",
        "Gent",
        "Attest van gezinssamenstelling bijna alleen nog online",
        "Aan het loket van het stadskantoor is het attest van gezinssamenstelling alleen nog op "
        "afspraak te krijgen, online alleen met itsme. VDAB-opleidingen vragen het attest bij de "
        "inschrijving en veel cursisten geraken er niet aan.",
        steps=(
            Assign(1, SG, SG),
            Move(1, SG, "take_up"),
            Move(
                6,
                SG,
                "follow_up",
                "Het Sociaal Huis drukt het attest voortaan af tijdens het gesprek met de "
                "maatschappelijk werker.",
            ),
        ),
    ),
    # School and education ------------------------------------------------------------------
    DemoSignal(
        T1,
        180,
        "education",
        "Zottegem",
        "Een school weigert een kind in te schrijven midden in het schooljaar",
        "Een school weigert een kind in te schrijven midden in het schooljaar omdat de klas vol "
        "zou zijn. Het gezin is net verhuisd en er is geen andere school op wandelafstand.",
        URGENT,
        steps=(
            Assign(0, SZ, SZ),
            Move(0, SZ, "take_up"),
            Comment(
                1, SZ, "Doorgegeven aan het Lokaal Overleg Onderwijs en het Huis van het Kind."
            ),
            Move(
                8,
                SZ,
                "follow_up",
                "Via het Lokaal Overleg Onderwijs kon het kind na twee weken starten; de "
                "scholengemeenschap bekijkt de capaciteit van de eerste graad opnieuw.",
            ),
            Move(12, CZ, "close"),
        ),
    ),
    DemoSignal(
        T2,
        4,
        "education",
        "Sint-Lievens-Houtem",
        "Geen onthaalklas voor anderstalige nieuwkomers in de buurt",
        "Kinderen die net in België zijn, moeten voor een onthaalklas naar Aalst of Gent. Zonder "
        "eigen vervoer haken gezinnen af of blijven kinderen weken thuis.",
    ),
    DemoSignal(
        M2,
        75,
        "education",
        "Zottegem",
        "Volwassenenonderwijs vraagt het inschrijvingsgeld vooraf",
        "Het centrum voor volwassenenonderwijs vraagt het inschrijvingsgeld bij de inschrijving; "
        "de vermindering voor wie een leefloon heeft, wordt pas achteraf verrekend. Wie het "
        "bedrag niet kan voorschieten, schrijft zich niet in.",
        steps=(
            Assign(2, CZ, SZ2),
            Move(4, SZ2, "take_up"),
            Comment(5, M2, "Hetzelfde gezien bij de opleiding lassen in Gent."),
            Comment(9, SZ2, "Gevraagd of het OCMW het bedrag rechtstreeks kan betalen."),
        ),
    ),
    DemoSignal(
        MG,
        140,
        "education",
        "Gent",
        "Erkenning van een buitenlands diploma duurt vier maanden",
        "Wie een buitenlands diploma laat erkennen, wacht vier maanden op een beslissing. Zolang "
        "telt het diploma niet mee voor vacatures en voor de toelating tot opleidingen.",
        steps=(
            Assign(2, SG, SG),
            Move(2, SG, "take_up"),
            Move(
                12,
                SG,
                "follow_up",
                "Het OCMW helpt met de aanvraag en betaalt de beëdigde vertaling; VDAB noteert "
                "intussen de beroepservaring in het dossier.",
            ),
            Move(14, SG, "close"),
        ),
    ),
    # Housing -------------------------------------------------------------------------------
    DemoSignal(
        T1,
        200,
        "housing",
        "Zottegem",
        "Verhuurders weigeren een huurwaarborg via het OCMW",
        "Verschillende verhuurders weigeren een huurwaarborg die het OCMW voorschiet en vragen "
        "de waarborg cash. Wie een leefloon heeft, vindt zo geen woning.",
        steps=(
            Assign(1, CZ, SZ),
            Move(3, SZ, "take_up"),
            Move(
                20,
                SZ,
                "follow_up",
                "Brief van het OCMW aan de vastgoedkantoren over de bankwaarborg via het OCMW; "
                "het Huurpunt informeert de eigenaars.",
            ),
            Move(25, CZ, "close"),
            Move(
                60,
                T1,
                "reopen",
                "Opnieuw gezien bij twee vastgoedkantoren; de brief heeft niet overal effect.",
            ),
            Comment(62, SZ, "We brengen het op het lokaal woonoverleg."),
        ),
    ),
    DemoSignal(
        SG,
        90,
        "housing",
        "Ledeberg",
        "Drie maanden wachten op een noodwoning",
        "Voor gezinnen die uit hun woning gezet worden, is er geen noodwoning vrij; de wachttijd "
        "is drie maanden. Intussen slapen ze bij kennissen, wat hun domicilie en hun leefloon in "
        "gevaar brengt.",
        URGENT,
        steps=(
            Assign(1, SG, SG2),
            Move(1, SG2, "take_up"),
            Move(
                10,
                SG2,
                "follow_up",
                "Het sociaal verhuurkantoor maakt twee doorgangswoningen vrij voor gezinnen met "
                "kinderen; het signaal gaat mee naar de beleidsnota wonen.",
            ),
        ),
    ),
    DemoSignal(
        T2,
        22,
        "housing",
        "Herzele",
        "Schimmel in huurwoningen, huurders vragen geen onderzoek",
        "In meerdere huurwoningen staat schimmel op de muren. Huurders durven geen "
        "conformiteitsonderzoek te vragen uit schrik hun woning te verliezen.",
    ),
    # Health --------------------------------------------------------------------------------
    DemoSignal(
        T1,
        150,
        "health",
        "Zottegem",
        "Huisartsen nemen geen nieuwe patiënten meer aan",
        "Geen enkele huisartsenpraktijk in de buurt neemt nog nieuwe patiënten aan. Nieuwkomers "
        "gaan daardoor voor alles naar de spoed.",
        steps=(
            Assign(1, CZ, SZ),
            Move(2, SZ, "take_up"),
            Move(
                15,
                SZ,
                "follow_up",
                "Afspraak met de huisartsenkring: het OCMW kan elke week twee nieuwe patiënten "
                "doorverwijzen naar de wijkgezondheidspraktijk.",
            ),
            Move(16, SZ, "close"),
        ),
    ),
    DemoSignal(
        MG,
        6,
        "health",
        "Gent",
        "Medische keuring voor een opleiding kost 25 euro",
        "Voor de opleiding heftruckchauffeur vraagt het opleidingscentrum een medisch attest; "
        "de keuring kost 25 euro. Wie een leefloon heeft, stelt de keuring uit en mist de start.",
    ),
    DemoSignal(
        T2,
        45,
        "health",
        "Zottegem",
        "Geen tolk bij consultaties in het ziekenhuis",
        "Het ziekenhuis voorziet geen tolk bij consultaties. Kinderen vertalen voor hun ouders, "
        "ook wanneer het over slecht nieuws gaat.",
        steps=(
            Assign(1, CZ, CZ),
            Move(2, CZ, "take_up"),
            Comment(
                6,
                CZ,
                "Gevraagd aan de sociale dienst van het ziekenhuis om sociaal tolken in te "
                "schakelen via het Agentschap Integratie en Inburgering.",
            ),
        ),
    ),
    # Work ----------------------------------------------------------------------------------
    DemoSignal(
        T1,
        100,
        "work",
        "Sint-Lievens-Houtem",
        "Werkgevers vragen een rijbewijs voor jobs zonder rijden",
        "Vacatures in de logistiek vragen een rijbewijs B, ook voor jobs in het magazijn zelf, "
        "omdat er 's nachts geen bus rijdt. Wie geen rijbewijs heeft, valt uit de selectie.",
        steps=(
            Assign(1, CZ, SZ2),
            Move(1, SZ2, "take_up"),
            Move(
                14,
                SZ2,
                "follow_up",
                "Besproken met VDAB en de bedrijven op het bedrijventerrein: er komt een proef "
                "met een pendelbus vanaf het station.",
            ),
            Move(20, CZ, "close"),
        ),
    ),
    DemoSignal(
        M2,
        12,
        "work",
        "Zottegem",
        "Bijna geen werkplekken voor een voortraject van één dag per week",
        "Voor een voortraject van één dag per week vinden we bijna geen werkplekken: de meeste "
        "werkgevers willen minstens drie dagen. Mensen die eerst willen proeven, vallen zo uit.",
    ),
    DemoSignal(
        T1,
        50,
        "work",
        "Herzele",
        "Veiligheidsschoenen voor de art. 60-tewerkstelling niet betaald",
        "Kevin moest zelf veiligheidsschoenen kopen voor zijn art. 60-tewerkstelling bij de "
        "groendienst. De werkplek zegt dat het OCMW ze betaalt, het OCMW verwijst naar de "
        "werkplek.",
        client="Kevin Peeters",
        steps=(
            Assign(0, SZ, SZ),
            Move(1, SZ, "take_up"),
            Move(
                3,
                SZ,
                "follow_up",
                "De werkplek betaalt de schoenen terug; de werkkledij wordt voortaan bij de "
                "start van de tewerkstelling geregeld.",
            ),
            Move(4, SZ, "close"),
        ),
    ),
    DemoSignal(
        M2,
        30,
        "work",
        "Herzele",
        "Stageplaats voor de opleiding magazijnmedewerker valt weg",
        "Het bedrijf waar Yonas zijn stage als magazijnmedewerker zou doen, trekt zich terug. "
        "Zonder stageplaats kan hij de opleiding niet afronden.",
        URGENT,
        client="Yonas Haile",
        steps=(
            Assign(0, SZ, SZ),
            Move(1, SZ, "take_up"),
            Move(
                6,
                SZ,
                "follow_up",
                "Nieuwe stageplaats gevonden bij een logistiek bedrijf in Zottegem, via de "
                "jobcoach van VDAB.",
            ),
        ),
    ),
    # Language ------------------------------------------------------------------------------
    DemoSignal(
        T1,
        210,
        "language",
        "Zottegem",
        "Wachtlijst voor Nederlands richtgraad 1",
        "De lessen Nederlands richtgraad 1 zitten vol tot februari. Wie met een voortraject wil "
        "starten, moet maanden wachten.",
        steps=(
            Assign(2, CZ, SZ2),
            Move(3, SZ2, "take_up"),
            Move(
                18,
                SZ2,
                "follow_up",
                "Het Huis van het Nederlands opent een extra groep in Zottegem op dinsdag- en "
                "donderdagavond.",
            ),
            Move(19, SZ2, "close"),
        ),
    ),
    DemoSignal(
        T2,
        8,
        "language",
        "Herzele",
        "Geen oefenkansen Nederlands buiten de les",
        "Cursisten vragen naar oefenkansen buiten de les; de conversatietafel in de bibliotheek "
        "is gestopt.",
    ),
    DemoSignal(
        SG2,
        70,
        "language",
        "Sint-Amandsberg",
        "Brieven over de huurprijs in moeilijk Nederlands",
        "De brieven over de berekening van de sociale huurprijs zijn zo moeilijk geschreven dat "
        "huurders niet begrijpen waarom hun huur stijgt.",
        steps=(
            Assign(2, SG2, SG),
            Move(5, SG, "take_up"),
            Comment(
                8,
                SG,
                "De huisvestingsmaatschappij laat een voorbeeldbrief in eenvoudige taal nalezen.",
            ),
        ),
    ),
    # Mobility ------------------------------------------------------------------------------
    DemoSignal(
        T2,
        160,
        "mobility",
        "Sint-Lievens-Houtem",
        "Geen bus naar het opleidingscentrum voor 9 uur",
        "Er is geen bus die voor 9 uur in Aalst is. Cursisten komen te laat in de opleiding of "
        "haken af.",
        steps=(
            Assign(1, CZ, SZ2),
            Move(1, SZ2, "take_up"),
            Move(
                9,
                SZ2,
                "follow_up",
                "Aangevraagd bij De Lijn; intussen leent het OCMW fietsen uit via de fietsbib.",
            ),
            Move(10, CZ, "close"),
        ),
    ),
    DemoSignal(
        M1,
        28,
        "mobility",
        "Zottegem",
        "Treinabonnement voor een opleiding pas na een maand terugbetaald",
        "Cursisten moeten het treinabonnement naar het opleidingscentrum zelf voorschieten; de "
        "terugbetaling volgt pas na een maand. Wie dat niet kan, begint niet.",
        URGENT,
    ),
    DemoSignal(
        SZ,
        55,
        "mobility",
        "Herzele",
        "Deelfietsen aan het station alleen met een kredietkaart",
        "De deelfietsen aan het station werken alleen met een kredietkaart. Cliënten hebben er "
        "geen en kunnen de fiets niet gebruiken om naar hun werk te rijden.",
        steps=(
            Assign(1, CZ, SZ2),
            Move(2, SZ2, "take_up"),
            Move(
                7,
                SZ2,
                "follow_up",
                "De stad vraagt de uitbater om ook betalen met een bankkaart toe te laten.",
            ),
        ),
    ),
    DemoSignal(
        T1,
        7,
        "mobility",
        "Herzele",
        "Laatste bus vertrekt voor het einde van de avondles",
        "Selam kan de les Nederlands 1.2 op dinsdagavond niet afmaken: de laatste bus naar "
        "Herzele vertrekt om 20.40 uur. Ze dreigt uitgeschreven te worden.",
        URGENT,
        client="Selam Tesfaye",
    ),
    # Digital barrier -----------------------------------------------------------------------
    DemoSignal(
        T1,
        130,
        "digital",
        "Zottegem",
        "Uitnodigingen van VDAB komen alleen per e-mail",
        "Cliënten missen uitnodigingen van VDAB omdat die alleen in hun mailbox of in Mijn "
        "Loopbaan komen. Velen kijken hun e-mail zelden na.",
        steps=(
            Assign(1, CZ, SZ),
            Move(2, SZ, "take_up"),
            Move(
                10,
                SZ,
                "follow_up",
                "Afgesproken met VDAB: bij een uitnodiging voor een gedeelde cliënt ziet ook de "
                "maatschappelijk werker ze, op de tijdlijn in Brug.",
            ),
            Move(11, CZ, "close"),
        ),
    ),
    DemoSignal(
        M2,
        3,
        "digital",
        "Herzele",
        "Digitaal solliciteren zonder laptop of printer",
        "Veel vacatures vragen een online sollicitatie met een cv als bijlage. Zonder laptop of "
        "printer lukt dat niet, en de computer voor bezoekers in het Sociaal Huis is stuk.",
        URGENT,
    ),
    DemoSignal(
        SG,
        190,
        "digital",
        "Gent",
        "Geen itsme zonder Belgisch gsm-abonnement",
        "Wie nog geen Belgisch gsm-abonnement heeft, kan geen itsme aanmaken en raakt niet in de "
        "online diensten van de stad, het ziekenfonds en VDAB.",
        steps=(
            Assign(1, SG, SG2),
            Move(2, SG2, "take_up"),
            Move(
                9,
                SG2,
                "follow_up",
                "Het digipunt in het Sociaal Huis helpt met een kaartlezer en de eID; de "
                "partners kregen een fiche met de stappen.",
            ),
            Move(12, SG, "close"),
        ),
    ),
    DemoSignal(
        T2,
        95,
        "digital",
        "Herzele",
        "VDAB-account geblokkeerd, helpdesk alleen telefonisch",
        "Farid moet zich aanmelden in Mijn Loopbaan, maar zijn account is geblokkeerd na drie "
        "foute pogingen. De helpdesk is alleen telefonisch bereikbaar en spreekt geen Dari.",
        client="Farid Sultani",
        steps=(
            Assign(0, SZ, SZ),
            Move(1, SZ, "take_up"),
            Comment(1, T2, "Farid komt donderdag naar het spreekuur van PIN."),
            Move(
                4,
                SZ,
                "follow_up",
                "Samen met de bemiddelaar het account opnieuw geactiveerd; Farid heeft nu een "
                "eigen wachtwoord en weet waar hij zijn berichten vindt.",
            ),
        ),
    ),
    # Money ---------------------------------------------------------------------------------
    DemoSignal(
        T1,
        25,
        "money",
        "Herzele",
        "Budgetmeter alleen nog online op te laden",
        "Sinds de digitale meter kan een budgetmeter alleen nog online of aan een paar "
        "oplaadpunten worden opgeladen. Gezinnen zitten in het weekend zonder stroom.",
        URGENT,
        steps=(Assign(0, CZ, SZ), Move(1, SZ, "take_up")),
    ),
    DemoSignal(
        SZ2,
        110,
        "money",
        "Zottegem",
        "Groeipakket valt stil na een verhuis",
        "Na een verhuis wordt het Groeipakket soms weken niet uitbetaald omdat het adres niet "
        "tijdig is aangepast. Gezinnen vragen dan een voorschot aan het OCMW.",
        steps=(
            Assign(1, CZ, CZ),
            Move(1, CZ, "take_up"),
            Move(
                8,
                CZ,
                "follow_up",
                "Er is nu een vaste contactpersoon bij de uitbetaler; dringende dossiers gaan "
                "rechtstreeks naar haar.",
            ),
            Move(9, CZ, "close"),
        ),
    ),
    DemoSignal(
        MG,
        15,
        "money",
        "Ledeberg",
        "Onduidelijk of een opleidingspremie het leefloon verlaagt",
        "Cursisten twijfelen om een opleiding te starten omdat niemand kan zeggen of de premie "
        "van VDAB van het leefloon wordt afgetrokken.",
        steps=(Assign(2, SG, SG2),),
    ),
    DemoSignal(
        SG,
        18,
        "money",
        "Gent",
        "Werkkledij voor de opleiding zelf voorschieten",
        "Abdi moet voor de opleiding lassen eerst 120 euro aan werkkledij betalen; de "
        "terugbetaling volgt pas na de eerste maand. Hij heeft dat bedrag niet.",
        client="Abdi Mohamed",
        steps=(Assign(0, SG, SG2), Move(2, SG2, "take_up")),
    ),
    # Other ---------------------------------------------------------------------------------
    DemoSignal(
        T2,
        80,
        "other",
        "Zottegem",
        "Geen kinderopvang tijdens sollicitatiegesprekken",
        "Ouders kunnen niet naar een sollicitatiegesprek of een gesprek bij VDAB omdat er geen "
        "occasionele kinderopvang is.",
        steps=(
            Assign(1, CZ, SZ2),
            Move(2, SZ2, "take_up"),
            Move(
                12,
                SZ2,
                "follow_up",
                "Het Huis van het Kind houdt elke week twee plaatsen occasionele opvang vrij "
                "voor ouders in een traject.",
            ),
            Move(
                30,
                T2,
                "reopen",
                "De opvangplaatsen zijn er alleen op woensdag; de gesprekken vallen meestal op "
                "andere dagen.",
            ),
        ),
    ),
    DemoSignal(
        MG,
        230,
        "other",
        "Gent",
        "Geen vast aanspreekpunt bij het OCMW voor VDAB",
        "Bij een vraag over een gedeelde cliënt weet de bemiddelaar niet wie bij het OCMW het "
        "dossier volgt; mails blijven liggen.",
        steps=(
            Assign(1, SG, SG),
            Move(1, SG, "take_up"),
            Move(
                7,
                SG,
                "follow_up",
                "Elke cliënt heeft nu een dossierhouder in Brug; VDAB ziet wie het dossier volgt.",
            ),
            Move(8, SG, "close"),
        ),
    ),
    # About a client, in the other themes ---------------------------------------------------
    DemoSignal(
        T1,
        40,
        "civil_affairs",
        "Sint-Lievens-Houtem",
        "Verblijfskaart vervalt voor de afspraak bij burgerzaken",
        "De verblijfskaart van Mohammad vervalt binnen drie weken, maar burgerzaken geeft pas "
        "een afspraak over vijf weken. Zonder geldige kaart kan zijn leefloon geschorst worden.",
        URGENT,
        client="Mohammad Ahmadi",
        steps=(
            Assign(0, SZ, SZ),
            Move(0, SZ, "take_up"),
            Comment(1, SZ, "Burgerzaken levert een attest van aanvraag af tot de afspraak."),
            Comment(3, T1, "Attest samen met Mohammad opgehaald."),
        ),
    ),
    DemoSignal(
        MG,
        200,
        "civil_affairs",
        "Sint-Amandsberg",
        "Geen afspraak om een buitenlands rijbewijs om te wisselen",
        "Zahra wil haar rijbewijs laten omwisselen voor haar opleiding; het loket geeft pas een "
        "afspraak over zeven weken.",
        client="Zahra Mohammadi",
        steps=(
            Assign(1, SG, SG),
            Move(1, SG, "take_up"),
            Move(5, SG, "follow_up", "Afspraak vervroegd via de contactpersoon bij burgerzaken."),
            Move(6, SG, "close"),
        ),
    ),
    DemoSignal(
        MG,
        130,
        "education",
        "Ledeberg",
        "Beslissing over de gelijkwaardigheid van een diploma blijft uit",
        "De aanvraag tot gelijkwaardigheid van Hassans diploma elektriciteit ligt al vier "
        "maanden stil. Zonder beslissing telt het diploma niet mee voor de opleiding.",
        client="Hassan El Idrissi",
        steps=(
            Assign(1, SG, SG),
            Move(2, SG, "take_up"),
            Move(
                9,
                SG,
                "follow_up",
                "VDAB laat Hassan op basis van een competentietest starten; de beslissing over "
                "het diploma volgt later.",
            ),
            Move(10, SG, "close"),
        ),
    ),
    DemoSignal(
        SZ2,
        14,
        "housing",
        "Zottegem",
        "Huur opgezegd, geen betaalbare studio te vinden",
        "De verhuurder van Marek heeft de huur opgezegd omdat het pand verkocht wordt. Hij vindt "
        "geen studio onder 650 euro en moet over drie maanden weg.",
        client="Marek Kowalski",
        steps=(Assign(1, SZ2, SZ2),),
    ),
)


# When ------------------------------------------------------------------------------------


def working_days_back(today: dt.date, count: int) -> dt.date:
    """The working day ``count`` working days before ``today``."""
    day = today
    while count:
        day -= dt.timedelta(days=1)
        if BELGIUM.is_working_day(day):
            count -= 1
    return day


def _at(day: dt.date, hour: int, minute: int) -> dt.datetime:
    """A Belgian office hour on ``day``, stored as UTC."""
    return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=LOCAL_TIME).astimezone(dt.UTC)


def moments(
    signal: DemoSignal, number: int, today: dt.date
) -> tuple[dt.datetime, list[dt.datetime]]:
    """When the signal was reported (early in the morning) and when each of its steps was made
    (later, one hour after the other on the same day); all before ``today``."""
    reported_on = working_days_back(today, signal.days_ago)
    minute = (number * 13) % 60
    reported = _at(reported_on, 8 + number % 2, minute)
    steps = [
        _at(BELGIUM.add_working_days(reported_on, step.after), 10 + index, minute)
        for index, step in enumerate(signal.steps)
    ]
    return reported, steps


# Writing ---------------------------------------------------------------------------------


async def add_routes() -> None:
    rows = await Organisation.select(Organisation.code, Organisation.id)
    ocmw = {row["code"]: row["id"] for row in rows}
    await SignalRoute.insert(
        *(
            SignalRoute(municipality=fold(name), name=name, ocmw=ocmw[code])
            for code, names in ROUTES.items()
            for name in names
        )
    )


async def _following_since(actor: Viewer, client_id: int) -> dt.datetime:
    """Since when ``actor`` follows the client: they joined its care team and, outside its OCMW,
    the client consented to their organisation."""
    client = await find_client(actor, client_id)
    team = await team_of(actor, client)
    joined = next((m.added_at for m in team if m.person == actor.person_id), None)
    if joined is None:
        raise DemoRefused(f"{actor.username} reports on client {client_id} outside its care team")
    since = joined
    if actor.org_id != client.ocmw:
        consent = next(
            (c for c in await consents(actor, client) if c.organisation == actor.org_id), None
        )
        if consent is None or not consent.given:
            raise DemoRefused(f"client {client_id} did not consent to {actor.username}'s org")
        since = max(since, consent_moment(consent.decided_on))
    return since


async def _report(actors: Actors, files: Files, signal: DemoSignal, at: dt.datetime) -> int:
    actor = actors[signal.reporter]
    fields = {
        "theme": signal.theme,
        "title": signal.title,
        "description": signal.description,
        "municipality": signal.municipality,
        "urgency": signal.urgency,
    }
    if signal.client is not None:
        client_id = files[signal.client]
        if at <= await _following_since(actor, client_id):
            raise DemoRefused(f"{signal.title!r} predates its reporter following the client")
        fields["client"] = str(client_id)
    return await services.capture(actor, fields, now=at)


async def _step(actors: Actors, signal_id: int, step: Step, at: dt.datetime) -> None:
    actor = actors[step.by]
    match step:
        case Assign():
            await services.assign(actor, signal_id, actors[step.handler].person_id, now=at)
        case Move():
            fields = {"outcome": step.text, "reason": step.text}
            await services.move(actor, signal_id, step.code, fields, now=at)
        case Comment():
            await services.comment(actor, signal_id, step.text, now=at)


async def tell(actors: Actors, files: Files, *, now: dt.datetime | None = None) -> None:
    """The routes, then every signal and its follow-up, dated back from ``now``."""
    today = local_time(now or dt.datetime.now(dt.UTC)).date()
    await add_routes()
    for number, signal in enumerate(SIGNALS):
        reported, step_moments = moments(signal, number, today)
        signal_id = await _report(actors, files, signal, reported)
        for step, at in zip(signal.steps, step_moments, strict=True):
            await _step(actors, signal_id, step, at)

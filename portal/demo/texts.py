"""The demo world's Dutch words: names, places, the lines of a client file and what people note.

Only texts live here; which of them a client gets, and when, is drawn in ``plan``. ``{first}`` in a
note is the client's first name.
"""

from __future__ import annotations

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

# Places and clients ------------------------------------------------------------------------

ZOTTEGEM_PLACES = {
    "Zottegem": ("9620", ("Stationsstraat", "Heldenlaan", "Hospitaalstraat", "Meerlaan")),
    "Herzele": ("9550", ("Groenstraat", "Provinciebaan", "Kerkstraat")),
    "Sint-Lievens-Houtem": ("9520", ("Marktplein", "Hoogstraat", "Vlierzelestraat")),
}
GENT_PLACES = {
    "Gent": ("9000", ("Sleepstraat", "Dampoortstraat", "Wondelgemstraat", "Rabotstraat")),
    "Ledeberg": ("9050", ("Hundelgemsesteenweg", "Jules Van Biesbroeckstraat", "Kerkstraat")),
    "Sint-Amandsberg": ("9040", ("Antwerpsesteenweg", "Visitatiestraat", "Heiveldstraat")),
}
"""Municipality → (postcode, streets)."""

ZOTTEGEM_CLIENTS = (
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
)
GENT_CLIENTS = (
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
)
"""(first name, last name, sex "m"/"v", language)."""

NATIVE_LANGUAGE = "Nederlands"

# The client file ---------------------------------------------------------------------------

HOUSEHOLDS = (
    ("{first} is alleenstaand en huurt een studio in {place}.", 2),
    ("{first} woont met twee kinderen van 6 en 9 jaar in een sociale woning in {place}.", 3),
    ("{first} woont samen met een partner zonder inkomen in een krappe huurwoning in {place}.", 1),
    ("{first} verblijft sinds een uithuiszetting tijdelijk bij familie in {place}.", 1),
    ("{first} is alleenstaande ouder van een dochter van 4 jaar en woont in {place}.", 3),
    ("{first} woont na een scheiding opnieuw alleen, op een appartement in {place}.", 2),
)
"""(sentence, leefloon category)."""
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
"""(how the file closed, the ladder step it closed on; ``None``: any step)."""
MOVED_TO = {"ocmw-zottegem": "Aalst", "ocmw-gent": "Eeklo"}
CLOSED = ("Dossier afgesloten", "Dossier van {first} afgesloten: {closing}.")

# The participation ladder ------------------------------------------------------------------

LADDER_UP = {
    2: ("Wekelijks naar het buurtrestaurant", "Deelname aan de buurtwerking"),
    3: (
        "Start vrijwilligerswerk bij de kringwinkel",
        "Oriënterende stage in de sociale kruidenier",
    ),
    4: ("Start art. 60-tewerkstelling", "Start beroepsopleiding bij VDAB"),
    5: ("Doorstroom naar een maatwerkbedrijf", "Werk met begeleiding van een jobcoach"),
    6: ("Betaald werk zonder ondersteuning", "Vast contract na de proefperiode"),
}
"""The reasons for a move up to a step."""
LADDER_DOWN = (
    "Terugval door rugklachten",
    "De woonsituatie eist alle aandacht",
    "Vrijwilligerswerk gestopt na een conflict",
    "Periode van ziekte",
)

# Notes: (subject, text) --------------------------------------------------------------------

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
    (
        "Opvolging: mee naar infosessie VDAB",
        "Samen met {first} naar de infosessie over knelpuntberoepen geweest; interesse in "
        "logistiek.",
    ),
    (
        "Opvolging: afspraak bij het CAW",
        "{first} begeleid naar het CAW voor de huurachterstal; een vervolgafspraak staat vast.",
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
    (
        "Opvolggesprek op kantoor",
        "Voortgang besproken met {first}; de gemaakte afspraken lopen volgens plan.",
    ),
    (
        "Huisbezoek",
        "Huisbezoek bij {first}: de woning is in orde en de rekeningen zijn betaald.",
    ),
    (
        "Telefonische opvolging",
        "{first} telefonisch gesproken; het vrijwilligerswerk bevalt en loopt twee halve dagen "
        "per week.",
    ),
)
NEWCOMER_SOCIAL_WORKER_NOTES = (
    (
        "Afspraak voorbereid met tolk",
        "Volgend gesprek met een telefonische tolk, zodat {first} de afspraken over het "
        "leefloon goed begrijpt.",
    ),
)
MEDIATOR_NOTES = (
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
    (
        "Gesprek bij VDAB: niet verschenen",
        "{first} was niet aanwezig op het gesprek bij VDAB {office}; een nieuwe uitnodiging volgt.",
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
SOCIAL_NOTES = (
    (
        "Afbetalingsplan besproken",
        "Het afbetalingsplan van {first} loopt; de eerste drie afbetalingen zijn op tijd gebeurd.",
    ),
    (
        "Huurachterstal",
        "{first} heeft twee maanden huurachterstal; een afspraak met de verhuurder is gemaakt.",
    ),
)
"""Notes of class ``social`` the file holder shares with the care team (who see that one exists)."""
SOCIAL_REPORT_UPDATES = (
    "Aangevuld na huisbezoek: gezins- en woonsituatie herzien.",
    "Financiële situatie geactualiseerd na een nieuwe afbetalingsregeling.",
    "Verslag aangevuld voor het bijzonder comité.",
)
SOCIAL_REPORT_SUBJECT = "Sociaal verslag bijgewerkt"
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


STATUS_REASONS = {
    "on_hold": "Eerst Nederlandse les (NT2) en een stabiele woonsituatie",
    "art60": "Art. 60-tewerkstelling gestart",
    "in_training": "Opleiding bij VDAB gestart; het leefloon loopt door",
}
"""Why a file moved to a status, as the file holder writes it."""

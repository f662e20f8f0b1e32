"""What the demo world's start page and inbox hold for each of its people: the known answers,
written down from the demo's stories (``portal/demo``), which date everything relative to today.

"Te doen" is compared without its tags (a deadline counted in working days says "passed" or
"answer by" depending on the weekday) and without the review reminder (it depends on the
quarter); the inbox by its unread lines.
"""

from __future__ import annotations

import html
import re
from collections import Counter
from dataclasses import dataclass

import httpx

from portal.core.periods import Period, today_in_belgium
from tests.conftest import login

PARTNERSHIP = "OCMW Zottegem × PIN vzw × VDAB Zottegem"


@dataclass(frozen=True)
class Answer:
    tasks: set[tuple[str, str]]
    """(kind, title) of each task."""
    unread: list[str]
    """The unread inbox lines."""


ANSWERS: dict[str, Answer] = {
    "admin": Answer(
        tasks=set(),
        unread=[
            "Een nieuwe collega meldde zich aan in Brug: Tine Van Acker · VDAB Gent",
            "Een nieuwe collega meldde zich aan in Brug: Nathalie Dubois · VDAB Zottegem",
            "Een nieuwe collega meldde zich aan in Brug: Koen Willems · VDAB Zottegem",
            "Een nieuwe collega meldde zich aan in Brug: Marieke Goossens · PIN vzw",
            "Een nieuwe collega meldde zich aan in Brug: Hamid Rahimi · PIN vzw",
            "Een nieuwe collega meldde zich aan in Brug: Jan Vandamme · PIN vzw",
            "Een nieuwe collega meldde zich aan in Brug: Youssef El Amrani · OCMW Gent",
            "Een nieuwe collega meldde zich aan in Brug: Lien Vermeulen · OCMW Gent",
            "Een nieuwe collega meldde zich aan in Brug: Griet Van Hecke · OCMW Zottegem",
        ],
    ),
    "coordinator.pin": Answer(
        tasks=set(),
        unread=[
            "Een nieuwe collega meldde zich aan in Brug: Marieke Goossens",
            "Een nieuwe collega meldde zich aan in Brug: Hamid Rahimi",
        ],
    ),
    "coordinator.zottegem": Answer(
        tasks={
            ("Signaal", "Bijna geen werkplekken voor een voortraject van één dag per week"),
            ("Signaal", "Digitaal solliciteren zonder laptop of printer"),
            ("Signaal", "Geen oefenkansen Nederlands buiten de les"),
            ("Signaal", "Geen onthaalklas voor anderstalige nieuwkomers in de buurt"),
            ("Signaal", "Schimmel in huurwoningen, huurders vragen geen onderzoek"),
            ("Signaal", "Treinabonnement voor een opleiding pas na een maand terugbetaald"),
        },
        unread=[
            "Een nieuwe collega meldde zich aan in Brug: Griet Van Hecke",
            "Een nieuwe collega meldde zich aan in Brug: Bart Desmet",
            "Een nieuw signaal wacht op een behandelaar: Digitaal solliciteren zonder laptop of printer",
            "Een nieuw signaal wacht op een behandelaar: Geen onthaalklas voor anderstalige nieuwkomers in de buurt",
            "Een nieuw signaal wacht op een behandelaar: Geen oefenkansen Nederlands buiten de les",
        ],
    ),
    "mediator.vdab": Answer(
        tasks={
            ("Bevraging", "{SURVEY_TASK}"),
            ("Doorverwijsvraag", "Andere · Mohammad Ahmadi"),
            ("Doorverwijsvraag", "Andere · Yonas Haile"),
            ("Doorverwijsvraag", "Opleidingsadvies · Grace Okafor"),
            ("Doorverwijsvraag", "Uitnodiging · Farid Sultani"),
            ("Doorverwijsvraag", "VDAB-traject · Agnieszka Nowak"),
            ("Doorverwijsvraag", "VDAB-traject · Omar Khalil"),
            ("Opleidingsaanvraag", "Nederlands 1.2 (richtgraad 1) · Selam Tesfaye"),
            ("Uitnodiging", "Amina Haidari"),
        },
        unread=[
            "{SURVEY_BY_PIN}",
            "Een dossier dat je begeleidde, wordt niet langer gedeeld met VDAB Zottegem.",
        ],
    ),
    "mediator.vdab-gent": Answer(
        tasks={
            ("Doorverwijsvraag", "Opleidingsadvies · Dimitri Goethals"),
            ("Doorverwijsvraag", "Opleidingsadvies · Senait Gebremedhin"),
            ("Doorverwijsvraag", "Uitnodiging · Samira Bouzid"),
            ("Doorverwijsvraag", "VDAB-traject · Abdi Mohamed"),
            ("Uitnodiging", "Hassan El Idrissi"),
        },
        unread=[
            "Een doorverwijsvraag is verder gezet: Opleidingsadvies · Dimitri Goethals",
            "Nieuw bericht bij een doorverwijsvraag: VDAB-traject · Abdi Mohamed",
        ],
    ),
    "mediator2.vdab": Answer(
        tasks={
            ("Bevraging", "{SURVEY_TASK}"),
            ("Doorverwijsvraag", "Andere · Mohammad Ahmadi"),
            ("Doorverwijsvraag", "Andere · Yonas Haile"),
            ("Doorverwijsvraag", "Opleidingsadvies · Grace Okafor"),
            ("Doorverwijsvraag", "Uitnodiging · Farid Sultani"),
            ("Doorverwijsvraag", "VDAB-traject · Agnieszka Nowak"),
            ("Doorverwijsvraag", "VDAB-traject · Omar Khalil"),
            ("Opleidingsaanvraag", "Nederlands 1.2 (richtgraad 1) · Selam Tesfaye"),
        },
        unread=[
            "{SURVEY_BY_PIN}",
            "{SURVEY_BY_ZOTTEGEM}",
        ],
    ),
    "sw.gent": Answer(
        tasks={
            ("Afsprakennota", "Dimitri Goethals"),
            ("Doorverwijsvraag", "Opleidingsadvies · Dimitri Goethals"),
            ("Doorverwijsvraag", "Opleidingsadvies · Senait Gebremedhin"),
            ("Doorverwijsvraag", "Uitnodiging · Samira Bouzid"),
            ("Doorverwijsvraag", "VDAB-traject · Abdi Mohamed"),
            ("Uitnodiging", "Blessing Adeyemi"),
            ("Uitnodiging", "Hassan El Idrissi"),
        },
        unread=[
            "OCMW Zottegem stelt voor het dossier van Agnieszka Nowak aan jouw OCMW over te dragen.",
            "OCMW Zottegem stelt voor het dossier van Mohammad Ahmadi aan jouw OCMW over te dragen.",
            "VDAB nodigde Blessing Adeyemi uit voor een gesprek.",
            "VDAB beantwoordde je doorverwijsvraag: VDAB-traject · Blessing Adeyemi",
        ],
    ),
    "sw.zottegem": Answer(
        tasks={
            ("Bevraging", "{SURVEY_TASK}"),
            ("Afsprakennota", "Kevin Peeters"),
            ("Doorverwijsvraag", "Andere · Mohammad Ahmadi"),
            ("Doorverwijsvraag", "Andere · Yonas Haile"),
            ("Doorverwijsvraag", "Opleidingsadvies · Grace Okafor"),
            ("Doorverwijsvraag", "Uitnodiging · Farid Sultani"),
            ("Doorverwijsvraag", "VDAB-traject · Agnieszka Nowak"),
            ("Opleidingsaanvraag", "Basisopleiding logistiek medewerker · Amina Haidari"),
            ("Signaal", "Laatste bus vertrekt voor het einde van de avondles"),
            ("Uitnodiging", "Amina Haidari"),
            ("Uitnodiging", "Kevin Peeters"),
        },
        unread=[
            "{SURVEY_BY_PIN}",
            "OCMW Gent weigerde de overdracht van Agnieszka Nowak.",
            "VDAB nodigde Kevin Peeters uit voor een gesprek.",
            "VDAB beantwoordde je doorverwijsvraag: VDAB-traject · Kevin Peeters",
            "Nieuw bericht bij een doorverwijsvraag: Andere · Yonas Haile",
            "Een doorverwijsvraag is verder gezet: Opleidingsadvies · Grace Okafor",
            "Een doorverwijsvraag is verder gezet: VDAB-traject · Kevin Peeters",
            "Een nieuw signaal wacht op een behandelaar: Laatste bus vertrekt voor het einde van de avondles · Selam Tesfaye",
            "Nieuw bericht bij een doorverwijsvraag: Andere · Mohammad Ahmadi",
        ],
    ),
    "sw2.gent": Answer(
        tasks={
            ("Afsprakennota", "Ana Popescu"),
            ("Signaal", "Onduidelijk of een opleidingspremie het leefloon verlaagt"),
        },
        unread=[
            "OCMW Zottegem stelt voor het dossier van Agnieszka Nowak aan jouw OCMW over te dragen.",
            "OCMW Zottegem stelt voor het dossier van Mohammad Ahmadi aan jouw OCMW over te dragen.",
            "Een signaal werd aan jou toegewezen: Onduidelijk of een opleidingspremie het leefloon verlaagt",
        ],
    ),
    "sw2.zottegem": Answer(
        tasks={
            ("Doorverwijsvraag", "VDAB-traject · Omar Khalil"),
            ("Signaal", "Adreswijziging: de wijkagent komt pas na weken langs"),
            ("Signaal", "Huur opgezegd, geen betaalbare studio te vinden"),
        },
        unread=[
            "{SURVEY_BY_ZOTTEGEM}",
            "Een signaal werd aan jou toegewezen: Adreswijziging: de wijkagent komt pas na weken langs",
        ],
    ),
    "toeleider.pin": Answer(
        tasks={("Uitnodiging", "Amina Haidari"), ("Uitnodiging", "Kevin Peeters")},
        unread=[
            "VDAB nodigde Kevin Peeters uit voor een gesprek.",
        ],
    ),
    "toeleider2.pin": Answer(
        tasks={("Bevraging", "{SURVEY_TASK}")},
        unread=[
            "{SURVEY_BY_PIN}",
            "Nieuws over een signaal dat je volgt: Adreswijziging: de wijkagent komt pas na weken langs",
        ],
    ),
}


_TASK = re.compile(r'<span class="task-kind">([^<]*)</span>\s*<a href="[^"]*">([^<]*)</a>')
_LINE = re.compile(r'<li class="unread">.*?<p>(?:<a href="[^"]*">)?([^<]*)(?:</a>)?</p>', re.S)
_COUNT = re.compile(r'id="inbox-link"[^>]*>[^<]*(?:<span class="count">(\d+)</span>)?')


def _text(raw: str) -> str:
    return html.unescape(raw).strip()


def _dated() -> dict[str, str]:
    """The demo's evaluations are of last year and of the last quarter, read when the check runs
    (a run may cross midnight)."""
    today = today_in_belgium()
    quarter = Period(today.year, (today.month - 1) // 3 + 1).previous
    of_quarter = f"{PARTNERSHIP} · K{quarter.quarter} {quarter.year}"
    of_year = f"{PARTNERSHIP} · {today.year - 1}"
    asks = "{} vraagt hoe de samenwerking loopt: de bevraging van {}."
    return {
        "{SURVEY_TASK}": f"Hoe loopt de samenwerking? De bevraging van {of_quarter}",
        "{SURVEY_BY_PIN}": asks.format("PIN vzw", of_quarter),
        "{SURVEY_BY_ZOTTEGEM}": asks.format("OCMW Zottegem", of_year),
    }


def _answer(answer: Answer) -> Answer:
    dated = _dated()
    return Answer(
        tasks={(kind, dated.get(title, title)) for kind, title in answer.tasks},
        unread=[dated.get(line, line) for line in answer.unread],
    )


async def check_start_pages(client: httpx.AsyncClient) -> None:
    """Each demo person's start page and unread inbox, as they see them, against ``ANSWERS``."""
    for username, written in ANSWERS.items():
        answer = _answer(written)
        await login(client, username)
        home = await client.get("/")
        assert home.status_code == 200, username
        tasks = {(_text(kind), _text(title)) for kind, title in _TASK.findall(home.text)}
        tasks = {task for task in tasks if task[0] != "Activeringsronde"}
        assert tasks == answer.tasks, username
        count = _COUNT.search(home.text)
        assert count is not None, username
        assert int(count.group(1) or 0) == len(answer.unread), username
        inbox = await client.get("/inbox?unread=1")
        assert inbox.status_code == 200, username
        lines = [_text(line) for line in _LINE.findall(inbox.text)]
        assert Counter(lines) == Counter(answer.unread), username

"""The simulated people of ``make loadtest`` and ``make faults``: locust users who do what social
workers, toeleiders, VDAB mediators and coordinators do in a day, each in a session of a demo
person, with 1 to 5 seconds of thinking between two actions.

Every action reads its page first and posts the form on it with the CSRF token that page carries,
as a browser does; a form the page does not offer (no consent, not in the care team) is not
posted. Each text a write leaves carries ``[<marker>-<kind>-<n>]``, so that the runner can count
the rows of this run afterwards. A write is *acknowledged* when the portal answers it as it
answers success (303 to the record, never to the login page); refused (4xx: someone else was
quicker) and failed (5xx, no answer) writes are counted apart.

Run by ``bench.loadtest`` and ``bench.faults`` (``locust -f bench/loadtest/locustfile.py``) with
``BRUG_LOAD_PLAN`` naming a JSON plan: ``hosts`` (the portal processes, users spread over them),
``marker``, ``counts`` (users per role), ``sessions`` (per role: cookie tokens), ``results`` (where
the outcome is written when locust quits).
"""

from __future__ import annotations

import itertools
import json
import os
import random
import re
import threading
import time
from collections import Counter
from pathlib import Path
from typing import Any

from locust import HttpUser, between, events, task

PLAN: dict[str, Any] = json.loads(Path(os.environ["BRUG_LOAD_PLAN"]).read_text())
MARKER: str = PLAN["marker"]

_lock = threading.Lock()
_numbers = itertools.count(1)
_seats = {role: itertools.count() for role in PLAN["sessions"]}
outcome: dict[str, Counter[str]] = {
    "attempted": Counter(),
    "acknowledged": Counter(),
    "refused": Counter(),
    "failed": Counter(),
}
statuses: Counter[str] = Counter()
refusals: Counter[str] = Counter()
server_errors: list[dict[str, Any]] = []
logged_out: list[dict[str, Any]] = []
read_items: list[int] = []

CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
TITLE = re.compile(r"<title>([^<]*)</title>")
SUBJECTS = (
    "Afspraak bij de dienst burgerzaken",
    "Gesprek over een opleiding",
    "Zoektocht naar kinderopvang",
    "Vervoer naar de werkplek",
    "Taalles Nederlands",
    "Opvolging na de intake",
)
SIGNALS = (
    ("Wachttijd loket burgerzaken", "Een afspraak aan het loket duurt vijf weken."),
    ("School weigert inschrijving", "De school zegt dat de klas vol zit, zonder wachtlijst."),
    ("Bus rijdt niet meer", "De avondbus naar het industrieterrein is geschrapt."),
    ("Digitaal loket onbereikbaar", "Zonder kaartlezer lukt de aanvraag online niet."),
)


def number() -> int:
    with _lock:
        return next(_numbers)


def tag(kind: str) -> str:
    return f"[{MARKER}-{kind}-{number()}]"


def csrf(html: str) -> str:
    found = CSRF.search(html)
    return found.group(1) if found else ""


def ids(html: str, prefix: str) -> list[int]:
    return sorted({int(found) for found in re.findall(rf'href="{prefix}/(\d+)"', html)})


def options(html: str, name: str) -> list[str]:
    """The non-empty values a select (or a datalist with this id) offers."""
    found = re.search(rf'<(select|datalist)[^>]*(name|id)="{name}"[^>]*>(.*?)</\1>', html, re.S)
    if not found:
        return []
    return [v for v in re.findall(r'<option[^>]*value="([^"]*)"', found.group(3)) if v]


def radios(html: str, name: str) -> list[str]:
    values = []
    for element in re.findall(rf'<input[^>]*name="{name}"[^>]*>', html):
        value = re.search(r'value="([^"]*)"', element)
        if value and 'type="radio"' in element:
            values.append(value.group(1))
    return values


def pick(choices: list[str], preferred: str) -> str | None:
    if preferred in choices:
        return preferred
    return choices[0] if choices else None


def small_pdf(name: str) -> bytes:
    filler = ("Curriculum vitae " + name + "\n") * random.randint(20, 400)
    return b"%PDF-1.4\n" + filler.encode() + b"%%EOF\n"


@events.request.add_listener
def _count(
    request_type: str,
    name: str,
    response: Any,
    exception: BaseException | None,
    start_time: float,
    **_: Any,
) -> None:
    """Every answer's status; each server error (5xx) with what its page said, and each request
    that got no answer at all."""
    status = getattr(response, "status_code", 0) or 0
    if not status:
        error = getattr(response, "error", None) or exception
        with _lock:
            statuses[f"no answer ({type(error).__name__})"] += 1
            server_errors.append(
                {
                    "at": start_time,
                    "request": f"{request_type} {name}",
                    "status": None,
                    "error": repr(error)[:300],
                }
            )
        return
    with _lock:
        statuses[str(status)] += 1
        if 400 <= status < 500:
            refusals[f"{status} {request_type} {name}"] += 1
    if status >= 500:
        body = response.text or ""
        title = TITLE.search(body)
        with _lock:
            server_errors.append(
                {
                    "at": start_time,
                    "request": f"{request_type} {name}",
                    "status": status,
                    "retry_after": response.headers.get("Retry-After"),
                    "title": title.group(1).strip() if title else "",
                    "dutch": 'lang="nl"' in body,
                    "trace": "Traceback" in body,
                }
            )


@events.quitting.add_listener
def _write_results(**_: Any) -> None:
    with _lock:
        results = {
            "outcome": {key: dict(counter) for key, counter in outcome.items()},
            "statuses": dict(statuses),
            "refusals": dict(refusals),
            "server_errors": server_errors,
            "logged_out": logged_out,
            "read_items": read_items,
        }
    Path(PLAN["results"]).write_text(json.dumps(results, indent=1))


class Person(HttpUser):
    """One session of a demo person, on one of the portal processes."""

    abstract = True
    host = PLAN["hosts"][0]
    wait_time = between(1, 5)
    role = ""

    def on_start(self) -> None:
        seat = next(_seats[self.role])
        sessions = PLAN["sessions"][self.role]
        self.token = sessions[seat % len(sessions)]
        self.base = PLAN["hosts"][seat % len(PLAN["hosts"])]
        self.client.headers["Cookie"] = f"brug_session={self.token}"
        self.clients: list[int] = []
        self.team_page = False
        self.start_page()

    # -- requests ---------------------------------------------------------------------------

    def get(self, path: str, name: str) -> str | None:
        """The page's HTML, or ``None`` when it did not answer 200."""
        with self.client.get(
            self.base + path, name=name, allow_redirects=False, catch_response=True
        ) as response:
            self._judge(response, path)
            return response.text if response.status_code == 200 else None

    def post(
        self,
        path: str,
        name: str,
        kind: str,
        data: dict[str, Any],
        files: dict[str, Any] | None = None,
        *,
        confirm: dict[str, str] | None = None,
    ) -> str | None:
        """Post a form (again with ``confirm`` added when the portal asks for a confirmation);
        the ``Location`` of an acknowledged write, else ``None``."""
        with _lock:
            outcome["attempted"][kind] += 1
        status, location, body = self._submit(path, name, data, files)
        if confirm and status == 422 and any(key in body for key in confirm):
            status, location, body = self._submit(
                path, name + " (confirmed)", data | confirm, files
            )
        if status == 303 and not location.startswith("/auth/login"):
            result = "acknowledged"
        elif 400 <= status < 500:
            result = "refused"
        else:
            result = "failed"
        with _lock:
            outcome[result][kind] += 1
        if result != "acknowledged":
            return None
        self.get(location.split("#", 1)[0], name=f"{name} → 303")
        return location

    def _submit(
        self, path: str, name: str, data: dict[str, Any], files: dict[str, Any] | None
    ) -> tuple[int, str, str]:
        with self.client.post(
            self.base + path,
            name=name,
            data=data,
            files=files,
            allow_redirects=False,
            catch_response=True,
        ) as response:
            self._judge(response, path)
            return (
                response.status_code or 0,
                response.headers.get("Location", ""),
                response.text or "",
            )

    def _judge(self, response: Any, path: str) -> None:
        status = response.status_code
        location = response.headers.get("Location", "")
        if location.startswith("/auth/login"):
            with _lock:
                logged_out.append({"at": time.time(), "path": path, "role": self.role})
            response.failure("sent to the login page")
        elif not status or status >= 500:
            response.failure(f"{status}")
        else:
            response.success()

    # -- journeys that every role makes -------------------------------------------------------

    def start_page(self) -> None:
        html = self.get("/", "/")
        if html:
            self.clients = ids(html, "/clients") or self.clients
            self.team_page = 'href="/team/files"' in html

    def client_page(self) -> tuple[int, str] | None:
        if not self.clients:
            return None
        client = random.choice(self.clients)
        html = self.get(f"/clients/{client}", "/clients/[id]")
        return (client, html) if html else None

    def search_clients(self) -> None:
        html = self.get("/clients", "/clients")
        if not html:
            return
        self.clients = ids(html, "/clients") or self.clients
        names = re.findall(r'<a href="/clients/\d+">([^<]+)</a>', html)
        if names:
            word = random.choice(names).split()[0][:4]
            self.get(f"/clients?q={word}", "/clients?q=…")

    def write_note(self) -> None:
        opened = self.client_page()
        if not opened:
            return
        client, html = opened
        action = f'action="/clients/{client}/notes"'
        if action not in html:
            return
        form = html.split(action, 1)[1].split("</form>", 1)[0]
        audience = pick(options(form, "audience"), "care_team")
        sensitivity = pick(options(form, "sensitivity"), "trajectory")
        if audience is None or sensitivity is None:
            return
        subject = random.choice(SUBJECTS)
        self.post(
            f"/clients/{client}/notes",
            "/clients/[id]/notes",
            "note",
            {
                "csrf_token": csrf(html),
                "text": f"{subject}. {tag('note')} Afspraken gemaakt, volgende stap gepland.",
                "audience": audience,
                "sensitivity": sensitivity,
            },
        )

    def follow_from_client(self, link: str) -> tuple[int, str] | None:
        """Open a client file and, when it offers ``/clients/<id>/<link>``, that page."""
        opened = self.client_page()
        if not opened or f'href="/clients/{opened[0]}/{link}"' not in opened[1]:
            return None
        html = self.get(f"/clients/{opened[0]}/{link}", f"/clients/[id]/{link}")
        return (opened[0], html) if html else None

    def upload_document(self) -> None:
        followed = self.follow_from_client("documents/new")
        if not followed:
            return
        client, html = followed
        if f'action="/clients/{client}/documents"' not in html:
            return
        category = pick(options(html, "category"), "cv")
        audience = pick(options(html, "audience"), "care_team")
        if category is None or audience is None:
            return
        name = f"{tag('document').strip('[]')}.pdf"
        self.post(
            f"/clients/{client}/documents",
            "/clients/[id]/documents",
            "document",
            {
                "csrf_token": csrf(html),
                "category": category,
                "audience": audience,
            },
            files={"file": (name, small_pdf(name), "application/pdf")},
        )

    def report_signal(self) -> None:
        html = self.get("/signals/new", "/signals/new")
        if not html or 'action="/signals"' not in html:
            return
        title, description = random.choice(SIGNALS)
        self.post(
            "/signals",
            "/signals",
            "signal",
            {
                "csrf_token": csrf(html),
                "theme": random.choice(options(html, "theme") or ["other"]),
                "title": title,
                "description": f"{description} {tag('signal')}",
                "municipality": random.choice(options(html, "municipalities") or ["Zottegem"]),
                "urgency": pick(radios(html, "urgency"), "normal") or "normal",
            },
            confirm={"confirm_no_personal_data": "1"},
        )

    def read_inbox(self) -> None:
        html = self.get("/inbox", "/inbox")
        if not html:
            return
        unread = [int(i) for i in re.findall(r'action="/inbox/(\d+)/read"', html)]
        if unread and random.random() < 0.5:
            item = random.choice(unread)
            if self.post(
                f"/inbox/{item}/read",
                "/inbox/[id]/read",
                "inbox_read",
                {"csrf_token": csrf(html)},
            ):
                with _lock:
                    read_items.append(item)

    def question_thread(self) -> None:
        html = self.get("/questions", "/questions")
        questions = ids(html or "", "/questions")
        if not questions:
            return
        question = random.choice(questions)
        page = self.get(f"/questions/{question}", "/questions/[id]")
        if not page:
            return
        if self.role == "mediator":
            page = self.handle_question(question, page) or page
        if f'action="/questions/{question}/messages"' in page and random.random() < 0.3:
            self.post(
                f"/questions/{question}/messages",
                "/questions/[id]/messages",
                "message",
                {
                    "csrf_token": csrf(page),
                    "text": f"Bedankt, ik bekijk het. {tag('message')}",
                },
            )

    def handle_question(self, question: int, page: str) -> str | None:
        """A mediator claims an open question and answers a claimed one."""
        if f'action="/questions/{question}/claim"' in page:
            if not self.post(
                f"/questions/{question}/claim",
                "/questions/[id]/claim",
                "claim",
                {"csrf_token": csrf(page)},
            ):
                return None
            page = self.get(f"/questions/{question}", "/questions/[id]") or ""
        if f'action="/questions/{question}/answer"' in page:
            self.post(
                f"/questions/{question}/answer",
                "/questions/[id]/answer",
                "answer",
                {
                    "csrf_token": csrf(page),
                    "answer": random.choice(["yes", "conditional", "no"]),
                    "reason": f"Past bij het aanbod van deze maand. {tag('answer')}",
                    "next_step": "",
                },
            )
            return None
        return page


class SocialWorker(Person):
    role = "social_worker"
    fixed_count = PLAN["counts"]["social_worker"]

    @task(3)
    def home(self) -> None:
        self.start_page()

    @task(2)
    def search(self) -> None:
        self.search_clients()

    @task(4)
    def open_client(self) -> None:
        self.client_page()

    @task(3)
    def note(self) -> None:
        self.write_note()

    @task(1)
    def ask_vdab(self) -> None:
        followed = self.follow_from_client("questions/new")
        if not followed:
            return
        client, html = followed
        if f'action="/clients/{client}/questions"' not in html:
            return
        self.post(
            f"/clients/{client}/questions",
            "/clients/[id]/questions",
            "question",
            {
                "csrf_token": csrf(html),
                "type": pick(radios(html, "type"), "trajectory") or "trajectory",
                "text": f"Is een VDAB-traject mogelijk? {tag('question')}",
            },
        )

    @task(1)
    def document(self) -> None:
        self.upload_document()

    @task(1)
    def signal(self) -> None:
        self.report_signal()

    @task(2)
    def inbox(self) -> None:
        self.read_inbox()

    @task(1)
    def questions(self) -> None:
        self.question_thread()


class Toeleider(Person):
    role = "toeleider"
    fixed_count = PLAN["counts"]["toeleider"]

    @task(2)
    def home(self) -> None:
        self.start_page()

    @task(2)
    def search(self) -> None:
        self.search_clients()

    @task(3)
    def open_client(self) -> None:
        self.client_page()

    @task(2)
    def note(self) -> None:
        self.write_note()

    @task(3)
    def signal(self) -> None:
        self.report_signal()

    @task(1)
    def document(self) -> None:
        self.upload_document()

    @task(1)
    def inbox(self) -> None:
        self.read_inbox()


class Mediator(Person):
    role = "mediator"
    fixed_count = PLAN["counts"]["mediator"]

    @task(2)
    def home(self) -> None:
        self.start_page()

    @task(6)
    def queue(self) -> None:
        self.question_thread()

    @task(2)
    def open_client(self) -> None:
        self.client_page()

    @task(1)
    def note(self) -> None:
        self.write_note()

    @task(1)
    def inbox(self) -> None:
        self.read_inbox()


class Coordinator(Person):
    role = "coordinator"
    fixed_count = PLAN["counts"]["coordinator"]

    @task(3)
    def home(self) -> None:
        self.start_page()

    @task(3)
    def signal_queue(self) -> None:
        html = self.get("/signals", "/signals")
        signals = ids(html or "", "/signals")
        if signals:
            self.get(f"/signals/{random.choice(signals)}", "/signals/[id]")

    @task(1)
    def team(self) -> None:
        if self.team_page:
            self.get("/team/files", "/team/files")

    @task(1)
    def inbox(self) -> None:
        self.read_inbox()

    @task(1)
    def signal(self) -> None:
        self.report_signal()

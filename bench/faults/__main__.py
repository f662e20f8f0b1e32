"""``make faults``: the servers the portal depends on fail one at a time under load, and the portal
answers a clear 503 page meanwhile, recovers by itself, and loses nothing it acknowledged.

Every server is the run's own, never the machine's: a PostgreSQL cluster (``initdb`` and
``pg_ctl`` on a private data folder and port), ``redis-server`` on a private port (append-only
file, as a production Redis with persistence), SeaweedFS (``weed mini``) and an OpenID Connect
provider (``oidc-provider-mock`` over TLS). The demo world (``portal demo``) is linked to the
provider: each demo person is a subject there, and every simulated user logs in through the
provider (production has no other login), so sessions are re-validated with it as in production.

Two ``portal serve`` processes (production, sharing Redis) serve 16 locust users
(``bench/loadtest/locustfile.py``) for the whole run. After a phase of normal load, in turn:
PostgreSQL stops as in a crash (``pg_ctl stop -m immediate``) and starts again; the S3 server
stops and starts; Redis stops and starts; once every session is due for its re-validation, the
identity provider stops for longer than the portal's back-off and starts again; each followed by
normal load. While a server is down a probe checks that what needs it answers a clear 503 page (a
new login: the login page's own), and after it is back how long until it works again. Afterwards:
no 500 and no 503 outside an outage, no user sent to the login page, this run's rows against the
acknowledged writes, every document row against the bucket, ``portal audit verify``, and the same
two portal processes still running. Figures go to ``bench/results/`` and "## Latest fault run
results" in ``bench/README.md``.

Options: ``--users`` (16), ``--normal`` (30 s), ``--down`` (15 s), ``--no-readme``.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import re
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import httpx

from bench.faults import report
from bench.faults.provider import Provider, enrol, log_in
from bench.loadtest.world import (
    ROLES,
    RunFailed,
    check_documents,
    load_demo,
    locust_results,
    new_secret,
    portal_env,
    rows_written,
    say,
    seats,
    start_locust,
    verify_access_log,
    write_plan,
    write_verdicts,
)
from bench.run import RESULTS_DIR, machine
from portal.accounts.oidc import RECHECK_EVERY, RETRY_AFTER
from portal.testing.processes import (
    REDIS_SERVER,
    PortalServer,
    PostgresCluster,
    ProcessError,
    RedisServer,
    SeaweedServer,
    free_port,
)

USERS = 16
SPAWN_RATE = 4
NORMAL = 30
DOWN = 15
PROVIDER_DOWN = RETRY_AFTER + 15
"""Longer than the portal's back-off, so that each process asks the provider twice meanwhile."""
RECOVERY_LIMIT = 30.0
GRACE = 5.0
"""Seconds after a server is back in which a request begun during the outage may still fail."""
PROBE_EVERY = 2.0
COUNTS = {"social_worker": 7, "toeleider": 3, "mediator": 3, "coordinator": 3}
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
TITLE = re.compile(r"<title>([^<]*)</title>")
UNAVAILABLE = "Het portaal is momenteel niet beschikbaar"
LOGIN_UNAVAILABLE = "Aanmelden lukt nu niet"
README_HEADING = "## Latest fault run results"


@dataclass
class Probe:
    at: float
    fault: str
    request: str
    status: int | None
    clear: bool
    retry_after: str | None = None
    title: str = ""


class Prober:
    """A social worker's session of its own, asking what a fault must refuse or allow."""

    def __init__(self, base: str, token: str, marker: str) -> None:
        self.http = httpx.Client(
            base_url=base, timeout=30, headers={"Cookie": f"brug_session={token}"}
        )
        self.marker = marker
        self.client_id = 0
        self.csrf = ""
        self.notes = {"attempted": 0, "acknowledged": 0, "failed": 0}
        self.documents = {"attempted": 0, "acknowledged": 0, "failed": 0}
        self._numbers = iter(range(1, 10**6))

    def prepare(self) -> None:
        home = self.http.get("/")
        found = re.findall(r'href="/clients/(\d+)"', home.text)
        match = CSRF.search(home.text)
        if home.status_code != 200 or not found or not match:
            raise RunFailed(f"the prober's start page: {home.status_code}")
        self.client_id, self.csrf = int(found[0]), match.group(1)

    def probe(self, fault: str, request: str, answer: httpx.Response, expect: str) -> Probe:
        body = answer.text
        title = TITLE.search(body)
        clear = (
            answer.status_code == 503
            and 'lang="nl"' in body
            and "Traceback" not in body
            and expect in body
        )
        return Probe(
            time.time(),
            fault,
            request,
            answer.status_code,
            clear,
            answer.headers.get("retry-after"),
            title.group(1).strip() if title else "",
        )

    def page(self, fault: str, path: str, expect: str = UNAVAILABLE) -> Probe:
        return self.probe(fault, f"GET {path}", self.http.get(path), expect)

    def note(self, fault: str) -> Probe:
        self.notes["attempted"] += 1
        answer = self.http.post(
            f"/clients/{self.client_id}/notes",
            data={
                "csrf_token": self.csrf,
                "text": f"Probe. [{self.marker}-note-p{next(self._numbers)}]",
                "audience": "care_team",
                "sensitivity": "trajectory",
            },
        )
        key = "acknowledged" if answer.status_code == 303 else "failed"
        self.notes[key] += 1
        return self.probe(fault, "POST /clients/[id]/notes", answer, UNAVAILABLE)

    def upload(self, fault: str) -> Probe:
        name = f"{self.marker}-document-p{next(self._numbers)}.pdf"
        self.documents["attempted"] += 1
        answer = self.http.post(
            f"/clients/{self.client_id}/documents",
            data={"csrf_token": self.csrf, "category": "cv", "audience": "care_team"},
            files={"file": (name, b"%PDF-1.4\nprobe\n%%EOF\n", "application/pdf")},
        )
        key = "acknowledged" if answer.status_code == 303 else "failed"
        self.documents[key] += 1
        return self.probe(fault, "POST /clients/[id]/documents", answer, "Document toevoegen")

    def close(self) -> None:
        self.http.close()


# --- faults --------------------------------------------------------------------------------------


@dataclass
class Outage:
    name: str
    how: str
    stopped_at: float = 0.0
    started_at: float = 0.0
    recovered_after: float | None = None
    """Seconds from the server's start until what needs it worked again."""
    probes: list[Probe] = field(default_factory=list)

    @property
    def window(self) -> tuple[float, float]:
        end = self.started_at + (self.recovered_after or RECOVERY_LIMIT) + GRACE
        return self.stopped_at, end


@dataclass
class Fault:
    outage: Outage
    stop: Callable[[], None]
    start: Callable[[], None]
    while_down: Callable[[str], list[Probe]]
    works: Callable[[], bool]
    down_for: float


def run_fault(fault: Fault) -> Outage:
    outage = fault.outage
    say(f"fault: {outage.name} ({outage.how})")
    outage.stopped_at = time.time()
    fault.stop()
    until = time.monotonic() + fault.down_for
    while time.monotonic() < until:
        outage.probes.extend(fault.while_down(outage.name))
        time.sleep(PROBE_EVERY)
    fault.start()
    outage.started_at = time.time()
    deadline = time.monotonic() + RECOVERY_LIMIT
    while time.monotonic() < deadline:
        if fault.works():
            outage.recovered_after = round(time.time() - outage.started_at, 2)
            break
        time.sleep(0.25)
    say(f"  back; worked again after {outage.recovered_after} s")
    return outage


# --- the world -----------------------------------------------------------------------------------


@contextmanager
def temporary_folder() -> Iterator[Path]:
    folder = Path(tempfile.mkdtemp(prefix="brug-faults-"))
    try:
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def stop_locust(process: subprocess.Popen[str]) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=90)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def version_of(program: str) -> str:
    said = subprocess.run([program, "--version"], capture_output=True, text=True, check=False)
    return said.stdout.strip()


def normal_load(seconds: float) -> None:
    say(f"normal load ({seconds:.0f} s)")
    time.sleep(seconds)


def run(users: int, normal: int, down: int) -> dict[str, Any]:
    started = time.monotonic()
    counts = {role: max(1, round(users * COUNTS[role] / sum(COUNTS.values()))) for role in ROLES}
    counts["social_worker"] += users - sum(counts.values())
    marker = "ft" + secrets.token_hex(4)
    with ExitStack() as stack:
        folder = stack.enter_context(temporary_folder())
        say("starting the run's own PostgreSQL, Redis, SeaweedFS and identity provider")
        cluster = PostgresCluster().init()
        stack.callback(cluster.remove)
        cluster.start()
        cluster.create_database("brug")
        database_url = cluster.url("brug")
        redis = stack.enter_context(RedisServer(folder / "redis"))
        s3 = stack.enter_context(SeaweedServer(folder / "s3"))
        provider = Provider(folder / "provider").start()
        stack.callback(provider.stop)
        env = portal_env(
            var_dir=folder / "var",
            database_url=database_url,
            redis_url=redis.url,
            s3=s3,
            oidc=provider.portal_env(),
            secret_key=new_secret(),
        )
        say("portal migrate and portal demo")
        demo = load_demo(env)
        everyone = enrol(provider, database_url)

        portals = []
        for _ in range(2):
            server = PortalServer(env, free_port(), "--no-access-log", "--log-level", "warning")
            stack.enter_context(server)
            portals.append(server)
        for server in portals:
            server.wait_until_healthy()
        pids = [server.pid for server in portals]

        say(f"{users} users and a prober log in through the provider")
        first_login_at = time.time()
        given = seats(everyone, counts)
        tokens: dict[str, list[str]] = {}
        for role, persons in given.items():
            tokens[role] = [
                log_in(portals[i % 2].url, provider, person.username)
                for i, person in enumerate(persons)
            ]
        prober_person = next(p for p in everyone if p.username == "sw.zottegem")
        prober = Prober(portals[0].url, log_in(portals[0].url, provider, "sw.zottegem"), marker)
        stack.callback(prober.close)
        logged_in_at = time.time()
        prober.prepare()

        plan = write_plan(
            folder,
            hosts=[server.url for server in portals],
            marker=marker,
            counts=counts,
            sessions=tokens,
        )
        locust = start_locust(folder, plan, users, 3600, SPAWN_RATE)
        stack.callback(stop_locust, locust)

        def page_ok(path: str) -> Callable[[], bool]:
            return lambda: prober.http.get(path).status_code == 200

        def everything_down(name: str) -> list[Probe]:
            return [
                prober.page(name, "/"),
                prober.page(name, f"/clients/{prober.client_id}"),
                prober.note(name),
            ]

        def documents_down(name: str) -> list[Probe]:
            reads = prober.page(name, f"/clients/{prober.client_id}", expect="")
            reads.clear = reads.status == 200
            return [
                prober.page(name, f"/clients/{prober.client_id}/export"),
                prober.upload(name),
                reads,
            ]

        def login_down(name: str) -> list[Probe]:
            with httpx.Client(base_url=portals[1].url, timeout=30) as stranger:
                new_login = prober.probe(
                    name,
                    "GET /auth/login (a new login)",
                    stranger.get("/auth/login", params={"via": "oidc"}),
                    LOGIN_UNAVAILABLE,
                )
            working = prober.page(name, "/", expect="")
            working.clear = working.status == 200
            return [new_login, working]

        def login_works() -> bool:
            try:
                log_in(portals[1].url, provider, "sw2.zottegem")
            except RunFailed:
                return False
            return True

        outages: list[Outage] = []
        normal_load(normal)
        outages.append(
            run_fault(
                Fault(
                    Outage("PostgreSQL", "`pg_ctl stop -m immediate`, then `pg_ctl start`"),
                    lambda: cluster.stop("immediate"),
                    cluster.start,
                    everything_down,
                    page_ok("/"),
                    down,
                )
            )
        )
        normal_load(normal)
        outages.append(
            run_fault(
                Fault(
                    Outage("S3 (SeaweedFS)", "SIGTERM to `weed mini`, then started again"),
                    s3.stop,
                    s3.start,
                    documents_down,
                    page_ok(f"/clients/{prober.client_id}/export"),
                    down,
                )
            )
        )
        normal_load(normal)
        outages.append(
            run_fault(
                Fault(
                    Outage("Redis", "SIGTERM to `redis-server` (append-only file), then started"),
                    redis.stop,
                    redis.start,
                    everything_down,
                    page_ok("/"),
                    down,
                )
            )
        )
        # The provider goes just before the first session is due for its re-validation and
        # stays away until every session has been due for a while, and at least PROVIDER_DOWN.
        normal_load(max(normal, first_login_at + RECHECK_EVERY - 5 - time.time()))
        provider_down = max(PROVIDER_DOWN, logged_in_at + RECHECK_EVERY + 20 - time.time())
        outages.append(
            run_fault(
                Fault(
                    Outage(
                        "Identity provider",
                        "its port closed from just before the first session was due for its "
                        f"re-validation ({RECHECK_EVERY:.0f} s after its login) until every "
                        "session had been due for a while, and longer than the portal's "
                        f"back-off ({RETRY_AFTER:.0f} s); then opened again",
                    ),
                    provider.stop,
                    provider.start,
                    login_down,
                    login_works,
                    provider_down,
                )
            )
        )
        normal_load(normal)
        say("stopping locust")
        stop_locust(locust)
        results = locust_results(folder)
        running = [
            server.process is not None and server.process.poll() is None for server in portals
        ]
        logs = [server.output for server in portals]
        found = asyncio.run(rows_written(database_url, marker, results["read_items"]))
        documents = check_documents(s3, database_url, marker)
        chain_ok, chain_said = verify_access_log(env)
        versions = {
            "postgres": version_of(str(cluster.bin / "postgres")),
            "redis": version_of(REDIS_SERVER),
        }

    outcome = results["outcome"]
    for kind, counted in (("note", prober.notes), ("document", prober.documents)):
        for key, value in counted.items():
            outcome[key][kind] = outcome[key].get(kind, 0) + value
    return {
        "users": users,
        "counts": counts,
        "people": {role: sorted({p.username for p in persons}) for role, persons in given.items()},
        "prober": prober_person.username,
        "marker": marker,
        "demo": demo,
        "normal_s": normal,
        "down_s": down,
        "versions": versions,
        "pg_version": versions["postgres"],
        "outages": [
            {
                **asdict(outage),
                "window": outage.window,
                "probes": [asdict(p) for p in outage.probes],
            }
            for outage in outages
        ],
        "locust": results,
        "rows": found,
        "verdicts": write_verdicts(outcome, found, results["read_items"]),
        "documents": asdict(documents),
        "documents_consistent": documents.consistent,
        "access_log": {"held": chain_ok, "said": chain_said},
        "portals": {"pids": pids, "still_running": running},
        "log_lines": log_lines(logs),
        "elapsed_s": round(time.monotonic() - started, 1),
    }


def log_lines(logs: list[str]) -> dict[str, Any]:
    """What the portal processes logged about the faults: one line per refused request, the
    sessions kept while the provider could not vouch for them, any unhandled error, and the
    handled failures logged with a stack trace (the line before each)."""
    lines = [line for log in logs for line in log.splitlines()]
    refused = [line for line in lines if " unavailable on " in line]
    traced = [lines[i - 1] for i, line in enumerate(lines) if line.startswith("Traceback") and i]
    return {
        "unavailable": {
            server: sum(f"{server} unavailable on" in line for line in refused)
            for server in ("database", "Redis", "document store", "a server")
        },
        "refused_lines": refused[:400],
        "kept_without_check": sum("kept without a check" in line for line in lines),
        "sessions_ended": [line for line in lines if "ended" in line and "session" in line][:20],
        "unhandled": [line for line in lines if "unhandled error" in line][:20],
        "traced": traced[:200],
        "traced_count": len(traced),
    }


def problems_of(result: dict[str, Any]) -> list[str]:
    problems = []
    windows = [outage["window"] for outage in result["outages"]]
    for outage in result["outages"]:
        if outage["recovered_after"] is None:
            problems.append(f"{outage['name']}: did not work again within {RECOVERY_LIMIT:.0f} s")
        unclear = [p for p in outage["probes"] if not p["clear"]]
        if unclear:
            problems.append(
                f"{outage['name']}: {len(unclear)} probes not as expected: {unclear[:3]}"
            )
    for error in result["locust"]["server_errors"]:
        inside = any(start <= error["at"] <= end for start, end in windows)
        if error.get("status") != 503 or not inside or error.get("trace") or not error.get("dutch"):
            problems.append(f"server error outside an outage or not a clear 503 page: {error}")
            break
    if result["locust"]["logged_out"]:
        problems.append(f"{len(result['locust']['logged_out'])} requests sent to the login page")
    for kind, check in result["verdicts"].items():
        if not check["held"]:
            problems.append(
                f"{kind}: {check['acknowledged']} acknowledged, {check['failed']} failed, "
                f"{check['rows']} rows found"
            )
    if not result["documents_consistent"]:
        problems.append(f"documents and bucket differ: {result['documents']}")
    if not result["access_log"]["held"]:
        problems.append(f"access log: {result['access_log']['said']}")
    if not all(result["portals"]["still_running"]):
        problems.append("a portal process ended during the run")
    lines = result["log_lines"]
    if lines["unhandled"]:
        problems.append(f"unhandled errors in the portal's log: {lines['unhandled'][:3]}")
    if lines["sessions_ended"]:
        problems.append(f"sessions ended: {lines['sessions_ended'][:3]}")
    if not lines["kept_without_check"]:
        problems.append("no session was re-validated while the provider was down")
    return problems


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench.faults", description=__doc__.split("\n")[0]
    )
    parser.add_argument("--users", type=int, default=USERS)
    parser.add_argument("--normal", type=int, default=NORMAL)
    parser.add_argument("--down", type=int, default=DOWN)
    parser.add_argument("--no-readme", action="store_true")
    args = parser.parse_args(argv)
    date = report.now()

    def on_sigterm(_signum: int, _frame: Any) -> None:
        raise SystemExit(143)

    signal.signal(signal.SIGTERM, on_sigterm)
    try:
        result = run(args.users, args.normal, args.down)
    except (ProcessError, RunFailed) as error:
        print(f"faults: FAILED: {error}", file=sys.stderr)
        return 1
    problems = problems_of(result)
    info = machine()
    name = f"faults-{date.strftime('%Y%m%dT%H%M%SZ')}.json"
    result |= {"date": report.iso(date), "results_file": name, "problems": problems}
    RESULTS_DIR.mkdir(exist_ok=True)
    (RESULTS_DIR / name).write_text(json.dumps({**result, "machine": info}, indent=2))
    section = report.faults_section(result, info, README_HEADING)
    print(section)
    if not args.no_readme:
        report.rewrite_readme(README_HEADING, section)
    for problem in problems:
        print(f"faults: FAILED: {problem}", file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    raise SystemExit(main())

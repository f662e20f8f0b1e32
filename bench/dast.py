"""``make dast`` (not in CI): the wapiti web scanner against the portal served as in production,
logged in as demo people. Its findings, and what was done about each, are in ``docs/security.md``.

Steps: recreate the PostgreSQL database ``brug_dast``; ``portal migrate``; ``portal demo`` (the
demo world, written through the services); serve it with ``portal serve`` (``PORTAL_ENV=
production``, sessions in Redis database 10, documents in a temporary folder). Then, one person at
a time: write a session for them straight into Redis (production has no development login; as
``bench.run`` does), run wapiti with that session's cookie over the portal's origin, and check
that the session still holds once the scan is over (a scan that lost it would have scanned the
login page only).

Out of the scan (``EXCLUDED``): what ends the session (``/auth/logout``); the provider login
(``/auth/login``, ``/auth/callback``: no provider runs, so they answer 503; the login is tested
against two real providers in ``tests/accounts``); what never ends (the live streams); and the
actions after which a record refuses every write for the rest of the scan (closing a file,
finalising an evaluation), or every later attack on that record's forms would meet the refusal
instead of the handler. The tests cover those routes (leak matrix, CSRF battery).

wapiti runs from its own virtual environment (``.venv-dast``, made by ``make dast``): it pins
httpx, h11, aiosqlite and MarkupSafe older than the portal's. The modules that need wapiti's
endpoint on the internet (ssrf, xxe, log4shell) are not run; TLS is the load balancer's (``ssl``,
``https_redirect``).

Reports: wapiti's JSON per person under ``bench/results/dast-<time>/``, with the portal's log, and
a summary printed: findings per module and person, and every 5xx the portal answered. The exit
code is 1 when a scan failed or lost its session, when it found something the run could not
explain (``explain_csrf``), or when the portal answered a 5xx.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import re
import secrets
import shutil
import subprocess
import sys
import tempfile
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl

import asyncpg
import httpx

from portal.core.sessions import REDIS_NAMESPACE, SessionData, store_key
from portal.settings import STATEMENTS_REQUIRED
from portal.testing.processes import (
    PortalServer,
    ProcessError,
    clean_env,
    free_port,
    run_portal_ok,
)

ROOT = Path(__file__).resolve().parents[1]
RESULTS_DIR = ROOT / "bench" / "results"
WAPITI = ROOT / ".venv-dast" / "bin" / "wapiti"

DB_NAME = "brug_dast"
ADMIN_DSN = "postgresql://postgres@127.0.0.1:5432/postgres"
DATABASE_URL = f"postgresql://postgres@127.0.0.1:5432/{DB_NAME}"
REDIS_URL = "redis://127.0.0.1:6379/10"
"""The machine's Redis, in a database of the scan's own (the tests use 12 to 15, the bench 0)."""
COOKIE = "brug_session"
OIDC_ENV = {
    "PORTAL_OIDC_ISSUER": "https://127.0.0.1:9/dast",
    "PORTAL_OIDC_CLIENT_ID": "dast",
    "PORTAL_OIDC_CLIENT_SECRET": "dast",
}
"""Production needs an identity provider configured; none runs (the scan writes its sessions)."""

PEOPLE = ("sw.zottegem", "mediator.vdab", "coordinator.zottegem", "admin")
"""A file holder (most forms), a VDAB mediator (the question queue), an OCMW coordinator
(evaluations, file holders) and the platform administrator (the admin pages)."""

MODULES = "common,csrf,crlf,methods,htaccess,-ssrf,-ssl"
"""wapiti's default modules (SQL and command injection, path traversal, XSS and stored XSS, open
redirect, uploads, headers, cookie flags, CSP) and those for CSRF, header injection and HTTP
methods; not ``ssrf`` (it needs wapiti's endpoint on the internet) nor ``ssl`` (served over http:
TLS is the load balancer's)."""

EXCLUDED = (
    "/auth/logout*",
    "/auth/login*",
    "/auth/callback*",
    "/live*",
    "/clients/*/live*",
    "/clients/*/close*",
    "/evaluations/*/finalise*",
)
"""Paths kept out of the scan (module docstring); ``*`` is wapiti's wildcard."""

START = (
    "/",
    "/clients",
    "/signals",
    "/signals/new",
    "/questions",
    "/courses",
    "/review",
    "/evaluations",
    "/inbox",
    "/transfers",
    "/team/files",
    "/access-log",
    "/who-sees-what",
    "/admin/people",
    "/admin/organisations",
    "/admin/partnerships",
    "/admin/signals",
    "/admin/questions",
    "/admin/log",
    "/health",
)
"""Where the crawl starts besides ``/``: every menu entry of every role, so each person's scan
reaches what their menu offers (the others answer 404 to them)."""

CSRF_UNCHECKED = "is not properly checked in backend"
"""wapiti's words for a form whose answer to the session's token equals its answer to a wrong one
(see ``explain_csrf``)."""


class DastError(RuntimeError):
    """The scan could not run, or did not run logged in."""


def say(message: str) -> None:
    print(f"[dast] {message}", flush=True)


@dataclass
class Finding:
    kind: str
    """wapiti's section: ``vulnerabilities`` or ``anomalies``."""
    category: str
    item: dict[str, Any]
    explained: str = ""
    """Why it does not apply, when the run could tell (``explain_csrf``); empty: to look at."""
    replayed: str = ""
    """What the finding's request answered when the run sent it again."""


@dataclass
class Scan:
    person: str
    report: Path
    found: list[Finding] = field(default_factory=list)
    notes: dict[str, int] = field(default_factory=dict)
    """wapiti's ``additionals`` (information, no finding): how many per category."""


# --- database and sessions ---------------------------------------------------------------------


async def _recreate_database() -> None:
    conn = await asyncpg.connect(ADMIN_DSN)
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{DB_NAME}" WITH (FORCE)')
        await conn.execute(f'CREATE DATABASE "{DB_NAME}"')
    finally:
        await conn.close()


async def _person_id(username: str) -> int:
    conn = await asyncpg.connect(DATABASE_URL)
    try:
        found = await conn.fetchval("SELECT id FROM person WHERE username = $1", username)
    finally:
        await conn.close()
    if found is None:
        raise DastError(f"no demo person {username}")
    return int(found)


async def _session(token: str, person_id: int | None) -> str:
    """Write (``person_id``) or delete (``None``) the session stored under ``token``; the CSRF
    token of the session written."""
    from litestar.stores.redis import RedisStore

    store = RedisStore.with_client(url=REDIS_URL, namespace=REDIS_NAMESPACE)
    try:
        if person_id is None:
            await store.delete(store_key(token))
            return ""
        data = SessionData.fresh(person_id)
        await store.set(store_key(token), data.to_json(), expires_in=8 * 3600)
        return data.csrf
    finally:
        await store._redis.aclose()


def portal_env(var_dir: Path) -> dict[str, str]:
    statements = {name: "Brug DAST" for name in STATEMENTS_REQUIRED}
    statements.update(
        {name: "dast@example.org" for name in STATEMENTS_REQUIRED if name.endswith("_EMAIL")}
    )
    return clean_env(
        PYTHONPATH=str(ROOT),
        PORTAL_ENV="production",
        PORTAL_SECRET_KEY=secrets.token_urlsafe(36),
        PORTAL_BASE_URL="https://127.0.0.1",
        PORTAL_DATABASE_URL=DATABASE_URL,
        PORTAL_VAR_DIR=str(var_dir),
        PORTAL_REDIS_URL=REDIS_URL,
        **OIDC_ENV,
        **statements,
    )


# --- one scan ----------------------------------------------------------------------------------


def logged_in(base: str, token: str) -> bool:
    """The start page answers the session with a page (no session: a redirect to the login)."""
    answer = httpx.get(f"{base}/", cookies={COOKIE: token}, timeout=30, follow_redirects=False)
    return answer.status_code == 200


def cookie_file(state: Path, token: str) -> Path:
    """The session cookie in wapiti's JSON cookie file: in its cookie jar, the cookie also goes
    with the requests that follow a redirect (a ``--cookie-value`` header is dropped there)."""
    state.mkdir(parents=True, exist_ok=True)
    path = state / "cookies.json"
    cookie = {"value": token, "expires": None, "secure": False, "port": None, "version": 0}
    path.write_text(json.dumps({"127.0.0.1": {"/": {COOKIE: cookie}}}))
    return path


def wapiti_argv(base: str, token: str, report: Path, state: Path, max_time: int) -> list[str]:
    argv = [
        str(WAPITI),
        "--url",
        f"{base}/",
        "--scope",
        "folder",
        "--cookie",
        str(cookie_file(state, token)),
        "--module",
        MODULES,
        "--skip",
        "csrf_token",
        "--max-files-per-dir",
        "6",
        "--max-links-per-page",
        "60",
        "--max-scan-time",
        str(max_time),
        "--max-attack-time",
        str(max(60, max_time // 12)),
        "--tasks",
        "4",
        "--timeout",
        "30",
        "--flush-session",
        "--store-session",
        str(state),
        "--store-config",
        str(state),
        "--format",
        "json",
        "--output",
        str(report),
        "--verbose",
        "1",
        "--no-bugreport",
    ]
    for path in START[1:]:
        argv += ["--start", f"{base}{path}"]
    for path in EXCLUDED:
        argv += ["--exclude", f"{base}{path}"]
    return argv


_PART = re.compile(r'name="([^"]*)"(?:; filename="([^"]*)")?[^\n]*\n(?:[^\n]+\n)*\n(.*?)\n--', re.S)


def _form_of(http_request: str) -> tuple[str, dict[str, str], dict[str, tuple[str, bytes]]]:
    """Path, fields and files of a POST as wapiti's report writes it."""
    head, _, body = http_request.partition("\n\n")
    path = head.split()[1]
    if "multipart/form-data" not in head:
        return path, dict(parse_qsl(body.strip(), keep_blank_values=True)), {}
    fields: dict[str, str] = {}
    files: dict[str, tuple[str, bytes]] = {}
    for name, filename, value in _PART.findall(body):
        if filename:
            files[name] = (filename, value.encode())
        else:
            fields[name] = value
    return path, fields, files


def explain_csrf(base: str, token: str, csrf: str, item: dict[str, Any]) -> tuple[str, str]:
    """wapiti sends a form with the session's token and with ``wapiti`` in its place, and reports
    the token unchecked when both answers are the same. They are also the same when the form is
    refused whatever its token (a move the record's state no longer allows, a document version by
    someone who may not change it, a document removed earlier in the scan): the same 403 or 404
    page. Sent again, first with a wrong token, then with the session's own: (why it does not
    apply, or ``""``; what the replay answered)."""
    path, fields, files = _form_of(item["http_request"])
    with httpx.Client(base_url=base, cookies={COOKIE: token}, timeout=30) as http:
        wrong = http.post(path, data={**fields, "csrf_token": "wapiti"}, files=files or None)
        right = http.post(path, data={**fields, "csrf_token": csrf}, files=files or None)
    answered = f"wrong token {wrong.status_code}, the session's own {right.status_code}"
    if wrong.status_code == 403 and right.status_code < 400:
        return "the token decides: a wrong one is refused, the session's own accepted", answered
    if 400 <= wrong.status_code < 500 and 400 <= right.status_code < 500:
        why = "refused whatever the token (the record's state, or gone, or not the person's)"
        return why, answered
    return "", answered


COOKIE_FLAGS = ("Secure Flag cookie", "HttpOnly Flag cookie")
"""wapiti's categories for a cookie without a flag; it judges the cookies in its jar, so also
the session cookie it was handed."""


def explain_cookie(base: str, item: dict[str, Any]) -> tuple[str, str]:
    """A flag wapiti misses on the session cookie it was handed in its cookie file (over http,
    so not ``Secure``): explained when the portal's own cookies carry ``Secure``, ``HttpOnly``
    and ``SameSite`` (the anonymous CSRF cookie of a public page, set like the session's)."""
    if COOKIE not in item.get("info", ""):
        return "", ""
    answer = httpx.get(f"{base}/auth/logged-out", timeout=30)
    cookies = answer.headers.get_list("set-cookie")
    answered = "; ".join(cookies) or "no cookie set"
    flags = ("secure", "httponly", "samesite=lax")
    if cookies and all(flag in cookie.lower() for cookie in cookies for flag in flags):
        why = "the cookie handed to wapiti; the portal's own carry Secure, HttpOnly and SameSite"
        return why, answered
    return "", answered


def scan(person: str, base: str, out: Path, state: Path, max_time: int) -> Scan:
    person_id = asyncio.run(_person_id(person))
    token = secrets.token_urlsafe(32)
    csrf = asyncio.run(_session(token, person_id))
    try:
        if not logged_in(base, token):
            raise DastError(f"{person}: the written session does not log in")
        report = out / f"{person}.json"
        say(f"{person}: wapiti (at most {max_time} s)")
        log = out / f"{person}.log"
        with log.open("w") as sink:
            done = subprocess.run(
                wapiti_argv(base, token, report, state / person, max_time),
                cwd=ROOT,
                stdout=sink,
                stderr=subprocess.STDOUT,
                check=False,
            )
        if done.returncode != 0 or not report.exists():
            raise DastError(f"{person}: wapiti exited {done.returncode}; see {log}")
        if not logged_in(base, token):
            raise DastError(f"{person}: the session ended during the scan; see {log}")
        data = json.loads(report.read_text())
        found = [
            Finding(kind, category, item)
            for kind in ("vulnerabilities", "anomalies")
            for category, items in sorted(data.get(kind, {}).items())
            for item in items
        ]
        for finding in found:
            if CSRF_UNCHECKED in finding.item.get("info", ""):
                finding.explained, finding.replayed = explain_csrf(base, token, csrf, finding.item)
            elif finding.category in COOKIE_FLAGS:
                finding.explained, finding.replayed = explain_cookie(base, finding.item)
        if not logged_in(base, token):
            raise DastError(f"{person}: the session ended while the findings were checked")
        notes = {key: len(items) for key, items in data.get("additionals", {}).items() if items}
        return Scan(person, report, found, notes)
    finally:
        asyncio.run(_session(token, None))


# --- the run -----------------------------------------------------------------------------------

_ACCESS = re.compile(r'"(?P<method>[A-Z]+) (?P<path>\S+) HTTP/[0-9.]+" (?P<status>\d{3})')


def statuses(output: str) -> tuple[Counter[int], list[str]]:
    """Responses per status in the portal's access log, and the 5xx lines."""
    counts: Counter[int] = Counter()
    errors = []
    for line in output.splitlines():
        match = _ACCESS.search(line)
        if match:
            status = int(match["status"])
            counts[status] += 1
            if status >= 500:
                errors.append(line)
    return counts, errors


def run(people: list[str], max_time: int) -> tuple[list[Scan], Counter[int], list[str], Path]:
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
    out = RESULTS_DIR / f"dast-{stamp}"
    out.mkdir(parents=True)
    work = Path(tempfile.mkdtemp(prefix="brug-dast-"))
    server: PortalServer | None = None
    try:
        say(f"recreating database {DB_NAME}; migrating; loading the demo world")
        asyncio.run(_recreate_database())
        env = portal_env(work / "portal")
        Path(env["PORTAL_VAR_DIR"]).mkdir(parents=True)
        run_portal_ok(env, "migrate", cwd=ROOT)
        run_portal_ok(env, "demo", cwd=ROOT)
        server = PortalServer(env, free_port(), cwd=ROOT).start()
        server.wait_until_healthy()
        say(f"portal serving at {server.url} (production, PostgreSQL, Redis)")
        scans = [scan(person, server.url, out, work / "wapiti", max_time) for person in people]
    finally:
        if server is not None:
            server.stop(timeout=15)
            (out / "portal.log").write_text(server.output + "\n")
        shutil.rmtree(work, ignore_errors=True)
    counts, errors = statuses(server.output if server else "")
    return scans, counts, errors, out


def summary(scans: list[Scan], counts: Counter[int], errors: list[str]) -> list[str]:
    lines = []
    for scan in scans:
        lines.append(f"{scan.person}: {scan.report.relative_to(ROOT)}")
        by_category: dict[tuple[str, str], list[Finding]] = {}
        for finding in scan.found:
            by_category.setdefault((finding.kind, finding.category), []).append(finding)
        for (kind, category), found in by_category.items():
            open_ = sum(1 for finding in found if not finding.explained)
            lines.append(f"  {kind}: {category}: {len(found)} ({open_} to look at)")
            for finding in found:
                item = finding.item
                where = f"{item.get('method', '')} {item.get('path', '')}".strip()
                info = " ".join(str(item.get("info", "")).split())[:140]
                lines.append(f"    {where} [{item.get('parameter') or ''}] {info}")
                if finding.replayed:
                    lines.append(f"      replayed: {finding.replayed}")
                if finding.explained:
                    lines.append(f"      explained: {finding.explained}")
        if not scan.found:
            lines.append("  nothing found")
        for category, count in sorted(scan.notes.items()):
            lines.append(f"  information: {category}: {count}")
    statuses = ", ".join(f"{status}: {counts[status]}" for status in sorted(counts))
    lines.append(f"portal responses by status: {statuses}")
    lines += [f"  5xx: {line}" for line in errors[:20]]
    if len(errors) > 20:
        lines.append(f"  … and {len(errors) - 20} more 5xx (the portal's log is saved)")
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench.dast", description=__doc__.split("\n")[0]
    )
    parser.add_argument(
        "--people", default=",".join(PEOPLE), help="demo usernames, comma-separated"
    )
    parser.add_argument("--max-time", type=int, default=1200, help="seconds per person's scan")
    args = parser.parse_args(argv)
    if not WAPITI.exists():
        print(
            f"dast: {WAPITI.relative_to(ROOT)} is missing (make dast installs it)", file=sys.stderr
        )
        return 2
    try:
        scans, counts, errors, out = run(args.people.split(","), args.max_time)
    except (DastError, ProcessError) as error:
        print(f"dast: FAILED: {error}", file=sys.stderr)
        return 1
    print("\n".join(summary(scans, counts, errors)))
    say(f"reports and the portal's log: {out.relative_to(ROOT)}")
    to_look_at = [finding for scan in scans for finding in scan.found if not finding.explained]
    return 1 if to_look_at or errors else 0


if __name__ == "__main__":
    sys.exit(main())

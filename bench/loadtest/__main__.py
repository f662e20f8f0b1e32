"""``make loadtest``: 64 simulated people for 60 s against two portal processes sharing Redis, on
PostgreSQL, documents in S3; no server error, and every acknowledged write in the database after.

Steps: recreate the PostgreSQL database ``brug_bench_load`` (the machine's server, as ``make
bench``); start SeaweedFS (``weed mini``) for the documents; ``portal migrate`` and ``portal
demo``, the demo world with its documents in the bucket; write a session into Redis for every
simulated user, given round-robin to the demo's social workers, toeleiders, VDAB mediators and
coordinators (production has no development login); serve the portal twice (``portal serve``,
``PORTAL_ENV=production``, sessions and live updates through Redis), users spread over both;
run locust headless (``bench/loadtest/locustfile.py``); then count this run's rows per kind
against the writes locust saw acknowledged, every document row against the bucket, and verify
the access log's chains (``portal audit verify``). Figures go to ``bench/results/`` and
"## Latest load test results" in ``bench/README.md``.

Options: ``--users`` (64), ``--seconds`` (60), ``--no-readme``.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import secrets
import shutil
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import asdict
from pathlib import Path
from typing import Any

from bench.loadtest import report
from bench.loadtest.world import (
    ROLES,
    RunFailed,
    check_documents,
    end_sessions,
    load_demo,
    locust_results,
    new_secret,
    people,
    portal_env,
    rows_written,
    say,
    seats,
    start_locust,
    verify_access_log,
    write_plan,
    write_sessions,
    write_verdicts,
)
from bench.run import (
    OIDC_ENV,
    RESULTS_DIR,
    BenchError,
    _recreate_database,
    machine,
    machine_cpu_s,
    process_cpu_s,
)
from portal.testing.processes import PortalServer, ProcessError, SeaweedServer, free_port

DB_NAME = "brug_bench_load"
DATABASE_URL = f"postgresql://postgres@127.0.0.1:5432/{DB_NAME}"
REDIS_URL = "redis://127.0.0.1:6379/0"
USERS = 64
SECONDS = 60
SPAWN_RATE = 16
SHARES = {"social_worker": 0.40, "toeleider": 0.20, "mediator": 0.20, "coordinator": 0.20}
"""How the simulated users divide over the roles."""
README_HEADING = "## Latest load test results"


def counts_for(users: int) -> dict[str, int]:
    counts = {role: int(users * SHARES[role]) for role in ROLES}
    counts["social_worker"] += users - sum(counts.values())
    return counts


@contextmanager
def temporary_folder() -> Iterator[Path]:
    folder = Path(tempfile.mkdtemp(prefix="brug-load-"))
    try:
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def run(users: int, seconds: int) -> dict[str, Any]:
    started = time.monotonic()
    counts = counts_for(users)
    marker = "lt" + secrets.token_hex(4)
    with ExitStack() as stack:
        folder = stack.enter_context(temporary_folder())
        say(f"recreating database {DB_NAME}")
        pg_version = asyncio.run(_recreate_database(DB_NAME))
        s3 = stack.enter_context(SeaweedServer(folder / "s3"))
        env = portal_env(
            var_dir=folder / "var",
            database_url=DATABASE_URL,
            redis_url=REDIS_URL,
            s3=s3,
            oidc=OIDC_ENV,
            secret_key=new_secret(),
        )
        say("portal migrate and portal demo (documents into the bucket)")
        seeded_at = time.monotonic()
        demo = load_demo(env)
        seeded_s = time.monotonic() - seeded_at

        everyone = asyncio.run(people(DATABASE_URL))
        given = seats(everyone, counts)
        tokens = {
            role: asyncio.run(write_sessions(REDIS_URL, persons)) for role, persons in given.items()
        }
        written = [
            (token, person.id)
            for role, persons in given.items()
            for token, person in zip(tokens[role], persons, strict=True)
        ]
        stack.callback(lambda: asyncio.run(end_sessions(REDIS_URL, written)))

        portals = []
        for _ in range(2):
            server = PortalServer(env, free_port(), "--no-access-log", "--log-level", "warning")
            stack.enter_context(server)
            portals.append(server)
        for server in portals:
            server.wait_until_healthy()
        before = check_documents(s3, DATABASE_URL, marker)
        if not before.consistent:
            raise RunFailed(f"the demo's documents are not consistent before the run: {before}")

        plan = write_plan(
            folder,
            hosts=[server.url for server in portals],
            marker=marker,
            counts=counts,
            sessions=tokens,
        )
        say(f"locust: {users} users ({counts}) for {seconds} s over {len(portals)} processes")
        cpu_before = [process_cpu_s(server.pid) for server in portals]
        busy_before = machine_cpu_s()
        locust = start_locust(folder, plan, users, seconds, SPAWN_RATE)
        locust.wait(timeout=seconds + 180)
        busy_after = machine_cpu_s()
        cpu_after = [process_cpu_s(server.pid) for server in portals]
        results = locust_results(folder)

        found = asyncio.run(rows_written(DATABASE_URL, marker, results["read_items"]))
        documents = check_documents(s3, DATABASE_URL, marker)
        chain_ok, chain_said = verify_access_log(env)
        for server in portals:
            if server.process is None or server.process.poll() is not None:
                raise RunFailed(f"{server.name} on {server.url} ended during the run")
        server_logs = [server.output for server in portals]

    busy = busy_after[0] - busy_before[0]
    capacity = busy_after[1] - busy_before[1]
    return {
        "pg_version": pg_version,
        "users": users,
        "seconds": seconds,
        "spawn_rate": SPAWN_RATE,
        "counts": counts,
        "people": {role: sorted({p.username for p in persons}) for role, persons in given.items()},
        "demo": demo,
        "seeded_s": round(seeded_s, 1),
        "marker": marker,
        "locust": results,
        "rows": found,
        "verdicts": write_verdicts(results["outcome"], found, results["read_items"]),
        "documents": asdict(documents),
        "documents_consistent": documents.consistent,
        "access_log": {"held": chain_ok, "said": chain_said},
        "portal_cpu_s": [round(a - b, 1) for a, b in zip(cpu_after, cpu_before, strict=True)],
        "machine_busy_pct": round(100 * busy / capacity, 1) if capacity else 0.0,
        "server_log_errors": [
            line for log in server_logs for line in log.splitlines() if line.startswith("ERROR")
        ][:50],
        "elapsed_s": round(time.monotonic() - started, 1),
    }


def verdict(result: dict[str, Any]) -> list[str]:
    """What failed; empty when the run passed."""
    problems = []
    errors = result["locust"]["server_errors"]
    if errors:
        problems.append(f"{len(errors)} server errors or unanswered requests")
    if result["locust"]["logged_out"]:
        problems.append(f"{len(result['locust']['logged_out'])} requests sent to the login page")
    for kind, check in result["verdicts"].items():
        if not check["held"]:
            problems.append(
                f"{kind}: {check['acknowledged']} acknowledged, {check['rows']} rows found"
            )
    if not result["documents_consistent"]:
        problems.append(f"documents and bucket differ: {result['documents']}")
    if not result["access_log"]["held"]:
        problems.append(f"access log: {result['access_log']['said']}")
    return problems


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench.loadtest", description=__doc__.split("\n")[0]
    )
    parser.add_argument("--users", type=int, default=USERS)
    parser.add_argument("--seconds", type=int, default=SECONDS)
    parser.add_argument("--no-readme", action="store_true")
    args = parser.parse_args(argv)
    date = report.now()
    try:
        result = run(args.users, args.seconds)
    except (BenchError, ProcessError, RunFailed) as error:
        print(f"loadtest: FAILED: {error}", file=sys.stderr)
        return 1
    problems = verdict(result)
    info = machine()
    name = f"loadtest-{date.strftime('%Y%m%dT%H%M%SZ')}.json"
    result |= {"date": report.iso(date), "results_file": name, "problems": problems}
    RESULTS_DIR.mkdir(exist_ok=True)
    (RESULTS_DIR / name).write_text(json.dumps({**result, "machine": info}, indent=2))
    section = report.loadtest_section(result, info, README_HEADING)
    print(section)
    if not args.no_readme:
        report.rewrite_readme(README_HEADING, section)
    for problem in problems:
        print(f"loadtest: FAILED: {problem}", file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    raise SystemExit(main())

"""``make bench-chain``: what the chained access log costs the client page, measured against the
portal of a commit before it (``--before``, by default the commit before the chains), in one run.

Steps: check out ``--before`` into a temporary git worktree; for each of the two trees recreate a
PostgreSQL database (``brug_bench_chain_before``, ``brug_bench_chain_now``), ``portal migrate``
and seed it with that tree's own ``bench.seed`` (its services: the same world, the same ids);
write one session for the social worker into Redis; serve both as in production, each from its
own tree; check both pages answer 200 with the client's name; warm up; measure the client page
with 200 events in rounds, the two trees one after the other (even rounds in reverse order);
print a table, save the raw figures under ``bench/results/`` and rewrite "## Latest access-log
cost results" in ``bench/README.md``.

Options: ``--before`` (a commit), ``--duration``, ``--rounds``, ``--no-readme``.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import os
import secrets
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from bench.run import (
    ADMIN_DSN,
    README,
    ROOT,
    WARMUP,
    BenchError,
    _recreate_database,
    _write_session,
    bench_context,
    check_page,
    machine,
    portal_env,
    run_wrk,
    say,
)
from bench.sizes import Measurement, rewrite_section, rounds_text, table, write_results
from portal.testing.processes import (
    BIN,
    PortalServer,
    ProcessError,
    checked,
    free_port,
    run_command,
)

BEFORE = "4ba7c59"
"""The last commit before the access log was chained."""
DURATION = 15
ROUNDS = 4
LATEST_HEADING = "## Latest access-log cost results"
TREES = ("before", "now")


def _worktree(commit: str, folder: Path) -> Path:
    tree = folder / "before"
    subprocess.run(
        ["git", "worktree", "add", "--detach", str(tree), commit],
        cwd=ROOT,
        check=True,
        capture_output=True,
    )
    return tree


def _drop_worktree(tree: Path) -> None:
    subprocess.run(
        ["git", "worktree", "remove", "--force", str(tree)],
        cwd=ROOT,
        check=False,
        capture_output=True,
    )


def run(before: str, duration: int, rounds: int) -> dict[str, Any]:
    started = time.monotonic()
    folder = Path(tempfile.mkdtemp(prefix="brug-chain-"))
    tree = _worktree(before, folder)
    try:
        with bench_context() as ctx:
            roots = {"before": tree, "now": ROOT}
            servers: dict[str, PortalServer] = {}
            seeds: dict[str, dict[str, Any]] = {}
            databases: dict[str, str] = {}
            pg_version = ""
            for name, root in roots.items():
                database = databases[name] = f"brug_bench_chain_{name}"
                say(f"recreating database {database}; migrating and seeding with {name}'s code")
                pg_version = asyncio.run(_recreate_database(database))
                env = portal_env(
                    ctx.var_dir / name,
                    ADMIN_DSN.rsplit("/", 1)[0] + f"/{database}",
                    PYTHONPATH=str(root),
                )
                os.makedirs(env["PORTAL_VAR_DIR"])
                checked(run_command([str(BIN / "portal"), "migrate"], env, cwd=root, timeout=600))
                argv = [str(BIN / "python"), "-m", "bench.seed"]
                out = checked(run_command(argv, env, cwd=root, timeout=1800))
                seeds[name] = json.loads(out.strip().splitlines()[-1])
                server = PortalServer(
                    env, free_port(), "--no-access-log", "--log-level", "warning", cwd=root
                )
                ctx.servers.append(server.start())
                servers[name] = server
            people = {seed["person_id"] for seed in seeds.values()}
            clients = {seed["clients"]["200"]["id"] for seed in seeds.values()}
            if len(people) != 1 or len(clients) != 1:
                raise BenchError(f"the two seeds differ: {seeds}")
            person_id, client_id = people.pop(), clients.pop()
            full_name = seeds["now"]["clients"]["200"]["full_name"]
            token = secrets.token_urlsafe(32)
            ctx.token = token
            asyncio.run(_write_session(token, person_id))
            cookie = f"brug_session={token}"
            urls = {}
            sizes = {}
            for name, server in servers.items():
                server.wait_until_healthy()
                urls[name] = f"{server.url}/clients/{client_id}"
                sizes[name] = check_page(urls[name], cookie, [full_name])
            for name in TREES:
                say(f"warming up {name} ({WARMUP} s)")
                run_wrk(urls[name], cookie, WARMUP)
            measurements: list[Measurement] = []
            for round_no in range(1, rounds + 1):
                for name in TREES if round_no % 2 else tuple(reversed(TREES)):
                    asyncio.run(_write_session(token, person_id))
                    say(f"round {round_no}: {name} ({duration} s)")
                    figures = run_wrk(
                        urls[name], cookie, duration, servers[name].pid, databases[name]
                    )
                    measurements.append(Measurement(name, name, 0, round_no, urls[name], figures))
                    cpu = figures["cpu"]
                    say(
                        f"  {figures['requests_per_s']:.1f} req/s, "
                        f"p50 {figures['latency_ms']['p50']:.2f} ms, CPU/request "
                        f"{cpu['server_ms_per_request']:.2f} ms server + "
                        f"{cpu['postgres_ms_per_request']:.2f} ms PostgreSQL"
                    )
            for name in TREES:
                check_page(urls[name], cookie, [full_name])
    finally:
        _drop_worktree(tree)
    return {
        "pg_version": pg_version,
        "before": before,
        "sizes": sizes,
        "measurements": measurements,
        "elapsed_s": round(time.monotonic() - started, 1),
    }


def summarise(measurements: list[Measurement], rounds: int) -> dict[str, Any]:
    def figure(name: str, round_no: int, key: str) -> float:
        m = next(m for m in measurements if (m.target, m.round) == (name, round_no))
        if key == "rps":
            return float(m.figures["requests_per_s"])
        if key == "p50":
            return float(m.figures["latency_ms"]["p50"])
        return float(m.figures["cpu"][key])

    numbers = range(1, rounds + 1)
    per_round = [figure("now", r, "rps") / figure("before", r, "rps") for r in numbers]
    return {
        "per_round": per_round,
        "median": statistics.median(per_round),
        "p50_ms": {n: statistics.median(figure(n, r, "p50") for r in numbers) for n in TREES},
        "server_ms": {
            n: statistics.median(figure(n, r, "server_ms_per_request") for r in numbers)
            for n in TREES
        },
        "postgres_ms": {
            n: statistics.median(figure(n, r, "postgres_ms_per_request") for r in numbers)
            for n in TREES
        },
    }


def section(result: dict[str, Any], summary: dict[str, Any], info: dict[str, Any]) -> str:
    commit = info["commit"] + (" (plus uncommitted changes)" if info["uncommitted_changes"] else "")
    return "\n".join(
        [
            LATEST_HEADING,
            "",
            f"Written by `make bench-chain` on {result['date']}, commit `{commit}`, against "
            f"`{result['before']}` (the access log before its chains); raw figures in "
            f"`bench/results/{result['results_file']}` (not in git). The whole run took "
            f"{result['elapsed_s']:.0f} s. Machine: `nproc` = {info['nproc']}, PostgreSQL "
            f"{result['pg_version']}. The client page with 200 events, `wrk -t2 -c16`, "
            f"{result['duration']} s per measurement, {result['rounds']} rounds.",
            "",
            *table(result["measurements_objects"]),
            "",
            "| Figure | before | now |",
            "|---|--:|--:|",
            f"| p50 latency (ms, median of rounds) | {summary['p50_ms']['before']:.2f} "
            f"| {summary['p50_ms']['now']:.2f} |",
            f"| server CPU per request (ms) | {summary['server_ms']['before']:.2f} "
            f"| {summary['server_ms']['now']:.2f} |",
            f"| PostgreSQL CPU per request (ms) | {summary['postgres_ms']['before']:.2f} "
            f"| {summary['postgres_ms']['now']:.2f} |",
            "",
            f"Requests/s now ÷ before, per round: {rounds_text(summary['per_round'])}; "
            f"median **{summary['median']:.2f}**.",
            "",
        ]
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench.chain_cost", description=__doc__.split("\n")[0]
    )
    parser.add_argument("--before", default=BEFORE)
    parser.add_argument("--duration", type=int, default=DURATION)
    parser.add_argument("--rounds", type=int, default=ROUNDS)
    parser.add_argument("--no-readme", action="store_true")
    args = parser.parse_args(argv)
    rounds = max(1, args.rounds)
    date = dt.datetime.now(dt.UTC).replace(microsecond=0)
    try:
        result = run(args.before, args.duration, rounds)
    except (BenchError, ProcessError, subprocess.CalledProcessError) as error:
        print(f"bench: FAILED: {error}", file=sys.stderr)
        return 1
    measurements: list[Measurement] = result.pop("measurements")
    summary = summarise(measurements, rounds)
    info = machine()
    result.update(
        date=date.isoformat().replace("+00:00", "Z"), duration=args.duration, rounds=rounds
    )
    write_results("chain", date, result, measurements, summary, info)
    print("\n".join(table(measurements)))
    print(f"now ÷ before (requests/s), median {summary['median']:.2f}")
    if not args.no_readme:
        rewrite_section(
            LATEST_HEADING, section({**result, "measurements_objects": measurements}, summary, info)
        )
        say(f"updated {README.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

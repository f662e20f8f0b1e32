"""``python -m bench.capacity``: the cores Brug needs for the whole of Flanders at its peak, from
the CPU per request that the latest ``make bench-scale`` measured at Flanders size (issue 19).

The load is an assumption, stated here and in ``docs/operations.md``: of ``WORKERS`` people,
``ACTIVE_AT_PEAK`` are at work in the portal in the busiest hour, each making
``REQUESTS_PER_MINUTE`` requests a minute (a page, the fragments it loads, a form sent), in the mix
``MIX``. What the scale run did not measure (writes, fragments, lists not in it) is counted at the
dearest page it did measure, the evaluation's figures excepted. Cores are sized for
``UTILISATION`` at the peak: room for a spike and for one machine down.
"""

from __future__ import annotations

import argparse
import json
import math
import statistics
import sys
from pathlib import Path
from typing import Any

from bench.run import RESULTS_DIR

WORKERS = 15_000
ACTIVE_AT_PEAK = 0.40
REQUESTS_PER_MINUTE = 3
UTILISATION = 0.6
OTHER = "other requests"
MIX = {
    "start": 0.15,
    "client-list": 0.08,
    "client-search": 0.10,
    "client-page": 0.30,
    "signal-queue": 0.07,
    "question-queue": 0.07,
    "access-log": 0.02,
    "evaluation-figures": 0.01,
    OTHER: 0.20,
}
"""Share of the peak's requests by page."""


def per_page(result: dict[str, Any]) -> dict[str, tuple[float, float]]:
    """Median CPU ms per request at Flanders size over the rounds: (portal, PostgreSQL)."""
    rounds: dict[str, list[tuple[float, float]]] = {}
    for measured in result["measurements"]:
        page, scale = measured["target"].rsplit("@", 1)
        if scale == "flanders":
            cpu = measured["cpu"]
            rounds.setdefault(page, []).append(
                (cpu["server_ms_per_request"], cpu["postgres_ms_per_request"])
            )
    return {
        page: (
            statistics.median(server for server, _ in figures),
            statistics.median(database for _, database in figures),
        )
        for page, figures in rounds.items()
    }


def estimate(cpu: dict[str, tuple[float, float]]) -> dict[str, Any]:
    dearest = max(
        (figures for page, figures in cpu.items() if page != "evaluation-figures"),
        key=sum,
    )
    costs = {page: cpu.get(page, dearest) for page in MIX}
    rate = WORKERS * ACTIVE_AT_PEAK * REQUESTS_PER_MINUTE / 60
    portal_ms = sum(MIX[page] * costs[page][0] for page in MIX)
    database_ms = sum(MIX[page] * costs[page][1] for page in MIX)
    return {
        "requests_per_s": rate,
        "costs": costs,
        "portal_ms": portal_ms,
        "database_ms": database_ms,
        "portal_busy": rate * portal_ms / 1000,
        "database_busy": rate * database_ms / 1000,
        "portal_cores": rate * portal_ms / 1000 / UTILISATION,
        "database_cores": rate * database_ms / 1000 / UTILISATION,
    }


def table(result: dict[str, Any], figures: dict[str, Any]) -> str:
    lines = [
        f"From `bench/results/{result['results_file']}` ({result['date']}, "
        f"{result['machine']['cpu']}), median over {result['rounds']} rounds at Flanders size:",
        "",
        "| Page | Share of the peak | Portal CPU ms/request | PostgreSQL CPU ms/request |",
        "|---|--:|--:|--:|",
    ]
    for page, share in MIX.items():
        portal, database = figures["costs"][page]
        lines.append(f"| {page} | {share:.0%} | {portal:.1f} | {database:.1f} |")
    lines += [
        f"| **weighted** | 100% | **{figures['portal_ms']:.1f}** | "
        f"**{figures['database_ms']:.1f}** |",
        "",
        f"{WORKERS:,} workers × {ACTIVE_AT_PEAK:.0%} active at the peak × "
        f"{REQUESTS_PER_MINUTE} requests a minute = "
        f"**{figures['requests_per_s']:.0f} requests/s**, keeping "
        f"{figures['portal_busy']:.1f} cores busy in the portal processes and "
        f"{figures['database_busy']:.1f} in PostgreSQL; at {UTILISATION:.0%} use "
        f"({figures['portal_cores']:.1f} and {figures['database_cores']:.1f}): "
        f"**{math.ceil(figures['portal_cores'])} cores** for the portal and "
        f"**{math.ceil(figures['database_cores'])} cores** for PostgreSQL.",
    ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench.capacity", description=__doc__.split("\n")[0]
    )
    parser.add_argument("results", nargs="?", help="a scale-*.json (default: the latest)")
    args = parser.parse_args(argv)
    found = sorted(RESULTS_DIR.glob("scale-*.json"))
    path = Path(args.results) if args.results else (found[-1] if found else None)
    if path is None:
        print("capacity: no scale results; run make bench-scale first", file=sys.stderr)
        return 1
    result = json.loads(path.read_text())
    print(table(result, estimate(per_page(result))))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

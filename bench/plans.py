"""``make bench-plans``: the plan of every statement each hot page runs, at Flanders size (#19).

Each page of ``bench.scale.PAGES`` is requested in-process (``bench.flanders.served_in_process``)
by the viewer ``bench.scale.choose`` picks, with every statement the portal sends recorded; each
is then run again under ``EXPLAIN (ANALYZE, BUFFERS)`` in a transaction that is rolled back (the
access-log entry a page writes included) with the same arguments. A sequential scan of a large
table on a page's path is a finding: the run names it and exits 1. The plans go to
``bench/results/plans-<date>.txt`` and, with one line per statement, under "## Latest plans at
Flanders size" in ``bench/README.md``.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import datetime as dt
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import asyncpg

from bench.flanders import served_in_process
from bench.run import RESULTS_DIR, say
from bench.scale import PAGES, choose
from bench.sizes import rewrite_section

LARGE = frozenset(
    {
        "client",
        "timeline_event",
        "access_log",
        "audit_chain",
        "signal",
        "question",
        "document",
        "care_team_member",
        "consent",
    }
)
"""Tables that grow with the clients and their history: a page must reach their rows through an
index. (``person``, 15,000 rows at Flanders size, grows with the workforce only; the planner
may hash it whole for display names, ~2 ms, which the table shows.)"""
LATEST_HEADING = "## Latest plans at Flanders size"
SEQ_SCAN = re.compile(r"Seq Scan on (\w+)")
SCAN = re.compile(
    r"(Seq Scan|Index Only Scan|Index Scan|Bitmap Heap Scan|Bitmap Index Scan)"
    r"(?: Backward)?(?: using (\w+))? on (\w+)"
)
EXECUTION = re.compile(r"Execution Time: ([\d.]+) ms")


@dataclass
class Statement:
    page: str
    sql: str
    args: list[Any]
    plan: str = ""

    @property
    def execution_ms(self) -> float:
        found = EXECUTION.search(self.plan)
        return float(found.group(1)) if found else 0.0

    @property
    def scans(self) -> list[str]:
        """How the nodes that ran reach each table: ``table (index)``, ``table (seq)``, or
        ``table (bitmap: index, ...)``."""
        found: dict[str, None] = {}
        bitmap: list[str] = []
        for line in self.plan.splitlines():
            if "never executed" in line:
                continue
            for kind, index, name in SCAN.findall(line):
                if kind == "Bitmap Index Scan":
                    bitmap.append(name)
                elif kind == "Bitmap Heap Scan":
                    found[f"{name} (bitmap)"] = None
                else:
                    found[f"{name} ({index or 'seq'})"] = None
        if bitmap:
            found[f"bitmaps: {', '.join(dict.fromkeys(bitmap))}"] = None
        return list(found)

    @property
    def large_seq_scans(self) -> list[str]:
        return sorted({t for t in SEQ_SCAN.findall(self.plan) if t in LARGE})


@contextlib.contextmanager
def recording(into: list[tuple[str, list[Any]]]) -> Iterator[None]:
    """Every statement the portal sends, compiled as PostgreSQL receives it."""
    from portal.core import db

    engine = db.DB
    original = engine.run_querystring

    async def spy(querystring: Any, *args: Any, **kwargs: Any) -> Any:
        sql, values = querystring.compile_string(engine_type="postgres")
        into.append((sql, list(values)))
        return await original(querystring, *args, **kwargs)

    engine.run_querystring = spy  # type: ignore[method-assign]
    try:
        yield
    finally:
        del engine.run_querystring


async def _plan(connection: asyncpg.Connection, options: str, statement: Statement) -> str:
    transaction = connection.transaction()
    await transaction.start()
    try:
        rows = await connection.fetch(f"EXPLAIN ({options}) {statement.sql}", *statement.args)
        return "\n".join(row[0] for row in rows)
    finally:
        await transaction.rollback()


async def explain(dsn: str, statements: list[Statement]) -> None:
    from portal.core.db import SERVER_SETTINGS

    connection = await asyncpg.connect(dsn, server_settings=SERVER_SETTINGS)
    try:
        for statement in statements:
            try:
                statement.plan = await _plan(connection, "ANALYZE, BUFFERS", statement)
            except asyncpg.PostgresError as error:
                # A write that cannot run twice (the access-log entry's place in its chain was
                # taken by the request itself): its plan without running it.
                plan = await _plan(connection, "COSTS", statement)
                statement.plan = f"(not run again: {error.__class__.__name__})\n{plan}"
    finally:
        await connection.close()


async def collect(database: str) -> list[Statement]:
    chosen = await choose(database)
    statements: list[Statement] = []
    async with served_in_process(database) as logged_in:
        for page in PAGES:
            url = page.path.format(**chosen["values"])
            async with logged_in(chosen["people"][page.viewer]) as http:
                assert (await http.get(url)).status_code == 200, url  # warm: the viewer is read
                sent: list[tuple[str, list[Any]]] = []
                with recording(sent):
                    response = await http.get(url)
                if response.status_code != 200:
                    raise SystemExit(f"{page.name}: GET {url} answered {response.status_code}")
            statements += [Statement(page.name, sql, args) for sql, args in sent]
            say(f"{page.name}: {len(sent)} statements")
    await explain(f"postgresql://postgres@127.0.0.1:5432/{database}", statements)
    return statements


def _headline(statement: Statement) -> str:
    lines = [line for line in statement.plan.splitlines() if not line.startswith("(not run")]
    first = lines[0] if lines else ""
    return re.sub(r"\s+\(cost=[^)]*\)", "", first).strip()


def section(database: str, date: str, commit: str, statements: list[Statement]) -> str:
    lines = [
        LATEST_HEADING,
        "",
        f"Written by `make bench-plans` on {date}, commit `{commit}`, on `{database}`; the whole "
        f"plans are in `bench/results/plans-*.txt` (not in git). One line per statement: its "
        f"page, the plan's top node, the execution time, and any sequential scan of a large "
        f"table ({', '.join(sorted(LARGE))}).",
        "",
        "| Page | # | Top of the plan | Execution ms | Tables reached (index) "
        "| Seq scan of a large table |",
        "|---|--:|---|--:|---|---|",
    ]
    numbers: dict[str, int] = {}
    for statement in statements:
        numbers[statement.page] = numbers.get(statement.page, 0) + 1
        scans = ", ".join(statement.large_seq_scans) or "–"
        lines.append(
            f"| {statement.page} | {numbers[statement.page]} | `{_headline(statement)}` | "
            f"{statement.execution_ms:.2f} | {', '.join(statement.scans)} | {scans} |"
        )
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench.plans", description=__doc__.split("\n")[0]
    )
    parser.add_argument("--database", default="brug_bench_flanders")
    parser.add_argument("--no-readme", action="store_true")
    args = parser.parse_args(argv)
    os.environ["PORTAL_DATABASE_URL"] = f"postgresql://postgres@127.0.0.1:5432/{args.database}"
    os.environ.setdefault("PICCOLO_CONF", "portal.piccolo_conf")
    statements = asyncio.run(collect(args.database))
    date = dt.datetime.now(dt.UTC)
    RESULTS_DIR.mkdir(exist_ok=True)
    out = RESULTS_DIR / f"plans-{date.strftime('%Y%m%dT%H%M%SZ')}.txt"
    out.write_text(
        "\n\n".join(f"== {s.page}\n{s.sql}\n-- arguments: {s.args!r}\n{s.plan}" for s in statements)
        + "\n"
    )
    say(f"plans: {out}")
    commit = subprocess.run(  # nosec B603 B607
        ["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, check=False
    ).stdout.strip()
    if not args.no_readme:
        rewrite_section(
            LATEST_HEADING,
            section(args.database, date.isoformat(timespec="seconds"), commit, statements),
        )
    found = [s for s in statements if s.large_seq_scans]
    for statement in found:
        say(f"{statement.page}: sequential scan of {statement.large_seq_scans}")
    slowest = sorted(statements, key=lambda s: s.execution_ms, reverse=True)[:5]
    for statement in slowest:
        say(f"slowest: {statement.page} {statement.execution_ms:.1f} ms {_headline(statement)}")
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())

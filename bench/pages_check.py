"""What ``bench.pages`` checks before and after measuring: each portal page and its baseline answer
200 and show the same rows, in the same order, with the same counts, and what the seed says they
must show. Each function reads one page's HTML into what both must agree on."""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from typing import Any

from bench.run import BenchError

Content = dict[str, Any]


def _between(page: str, start: str, end: str | None = None) -> str:
    begin = page.find(start)
    if begin == -1:
        return ""
    stop = page.find(end, begin) if end else -1
    return page[begin : stop if stop != -1 else None]


def _ids(part: str, kind: str) -> list[int]:
    return [int(n) for n in re.findall(rf'href="/{kind}/(\d+)"', part)]


def _heading_count(page: str, heading: str) -> int | None:
    found = re.search(rf'<h2 id="{heading}"[^>]*>[^<]*\((\d+)\)</h2>', page)
    return int(found.group(1)) if found else None


def start(page: str, _person: int) -> Content:
    todo = _between(page, 'id="todo-section"', 'id="my-clients"')
    clients = _between(page, 'id="my-clients"', 'id="recent-section"')
    recent = _between(page, 'id="recent-section"', "</section>")
    return {
        "to do": [
            f"{kind}/{number}"
            for kind, number in re.findall(r'href="/(signals|questions|clients)/(\d+)"', todo)
        ],
        "review reminder": 'href="/review"' in todo,
        "my clients": _ids(clients, "clients"),
        "recent activity": [
            html.unescape(line).strip() for line in re.findall(r"</a>:\s*([^<]*?)\s*</li>", recent)
        ],
    }


def _options(page: str, name: str, person: int) -> dict[str, str]:
    """The counts of a filter's values (zero counts and the aggregates left out); the portal's
    ``me`` is the viewer's id."""
    select = _between(page, f'name="{name}"', "</select>")
    found = re.findall(r'<option value="([^"]*)"[^>]*>[^<]*?\((\d+\+?)\)</option>', select)
    counts = {}
    for value, count in found:
        value = str(person) if value == "me" else value
        if value not in ("", "all") and count != "0":
            counts[value] = count
    return counts


def signal_queue(page: str, person: int) -> Content:
    overdue = re.search(r'id="q-overdue-count">\((\d+)\)<', page)
    return {
        "count": _heading_count(page, "queue-heading"),
        "page": _ids(_between(page, 'id="queue-results"', 'id="mine-heading"'), "signals"),
        "overdue, assigned to the viewer": _ids(
            _between(page, 'id="overdue-heading"', 'id="queue-heading"'), "signals"
        ),
        "reported by the viewer": _ids(_between(page, 'id="mine-heading"'), "signals"),
        "overdue count": int(overdue.group(1)) if overdue else None,
        **{
            f"counts by {name}": _options(page, name, person)
            for name in ("theme", "state", "assigned", "handler", "municipality")
        },
    }


def question_queue(page: str, _person: int) -> Content:
    return {
        "count": _heading_count(page, "queue-heading"),
        "page": _ids(_between(page, 'id="queue-heading"', "</section>"), "questions"),
        "OCMW choices": re.findall(
            r'<option value="(\d+)"', _between(page, 'name="ocmw"', "</select>")
        ),
    }


Reader = Callable[[str, int], Content]


def same(name: str, portal: Content, baseline: Content) -> None:
    """The portal's page and its baseline show the same."""
    differ = {
        key: (portal[key], baseline.get(key)) for key in portal if portal[key] != baseline.get(key)
    }
    if differ:
        raise BenchError(f"{name}: the portal and the baseline differ (portal, baseline): {differ}")


def expected(name: str, content: Content, seed: dict[str, Any]) -> None:
    """The page shows what the seed says it must (the queue bench's counts, the plain query's
    recent activity, the team's waiting questions), and lists something."""
    wanted = seed["expected"]
    problems = []
    if name == "start":
        if content["recent activity"] != wanted["recent"]:
            problems.append(f"recent activity {content['recent activity']} ≠ {wanted['recent']}")
        if not content["to do"] or not content["my clients"]:
            problems.append("nothing to do or no clients")
    elif name in ("queue", "queue-open"):
        total = wanted["signals"]["filtered" if name == "queue" else "default"]
        if content["count"] != total or len(content["page"]) != min(25, total):
            problems.append(f"{content['count']} signals, {len(content['page'])} listed; {total}")
    elif name == "questions":
        total = wanted["questions_waiting"]
        if content["count"] != total or len(content["page"]) != min(25, total):
            problems.append(f"{content['count']} questions, {len(content['page'])} listed; {total}")
    if problems:
        raise BenchError(f"{name}: {'; '.join(problems)}")

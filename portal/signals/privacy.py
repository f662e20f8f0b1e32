"""What a structural signal must not carry: something that looks like a national number, a phone
number, an e-mail address or the name of one of the reporter's clients. The check warns; the
reporter rephrases, or confirms that it is no personal data."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from portal.core.i18n import N_
from portal.core.text import fold

_SEP = r"[\s./-]?"
NATIONAL_NUMBER = re.compile(rf"(?<!\d)\d\d{_SEP}\d\d{_SEP}\d\d{_SEP}\d\d\d{_SEP}\d\d(?!\d)")
PHONE = re.compile(rf"(?<![\d+])(?:(?:\+|00)\s?32{_SEP}\(?0?\)?|0)\d(?:{_SEP}\d){{7,8}}(?!\d)")
EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
NAME_MIN = 4
"""A surname shorter than this (Li, Ng) is looked for only together with the first name."""

KINDS = {
    "national_number": N_("a national number"),
    "phone": N_("a phone number"),
    "email": N_("an e-mail address"),
    "client_name": N_("the name of one of your clients"),
}


@dataclass(frozen=True)
class Finding:
    kind: str
    """A key of ``KINDS``."""
    text: str
    """What was found, as the reporter typed it."""


def _name_patterns(names: Iterable[tuple[str, str]]) -> list[tuple[re.Pattern[str], str]]:
    patterns = []
    for first, last in names:
        first, last = fold(first), fold(last)
        if not last:
            continue
        wanted = [f"{first} {last}", f"{last} {first}"] if first else []
        if len(last.replace(" ", "")) >= NAME_MIN:
            wanted.append(last)
        for phrase in wanted:
            words = r"\s+".join(re.escape(word) for word in phrase.split())
            patterns.append((re.compile(rf"(?<!\w){words}(?!\w)"), phrase))
    return patterns


def findings(text: str, client_names: Iterable[tuple[str, str]] = ()) -> list[Finding]:
    """Everything in ``text`` that looks like personal data, in the order of ``KINDS``."""
    found: list[Finding] = []
    numbers = [m.group(0) for m in NATIONAL_NUMBER.finditer(text)]
    found += [Finding("national_number", number) for number in numbers]
    found += [
        Finding("phone", m.group(0))
        for m in PHONE.finditer(text)
        if not any(m.group(0) in number or number in m.group(0) for number in numbers)
    ]
    found += [Finding("email", m.group(0)) for m in EMAIL.finditer(text)]
    folded = fold(text)
    seen: set[str] = set()
    for pattern, phrase in _name_patterns(client_names):
        if phrase not in seen and pattern.search(folded):
            seen.add(phrase)
            found.append(Finding("client_name", phrase))
    return found

"""The Belgian national register number (rijksregisternummer): ``YY.MM.DD-SSS.CC``.

The check number ``CC`` is 97 minus the first nine digits modulo 97. For people born in 2000 or
later a ``2`` is put before the nine digits first, so a number is valid when either reading checks.
A BIS number (no Belgian register entry yet) adds 20 or 40 to the month; an unknown birth date has
month or day ``00``.
"""

from __future__ import annotations

import datetime as dt
import re

_SEPARATORS = re.compile(r"[\s.\-]")


class InvalidNationalNumber(ValueError):
    """Not 11 digits, or the check number does not match."""


def _check(nine: str) -> str:
    return f"{97 - int(nine) % 97:02d}"


def normalise(text: str) -> str:
    """The 11 digits of a valid number, or ``InvalidNationalNumber``. Dots, dashes and spaces in
    any place are accepted (people type ``85.07.30-033.28`` as well as ``85073003328``)."""
    digits = _SEPARATORS.sub("", text)
    if len(digits) != 11 or not digits.isascii() or not digits.isdigit():
        raise InvalidNationalNumber("not 11 digits")
    nine, check = digits[:9], digits[9:]
    if check not in (_check(nine), _check("2" + nine)):
        raise InvalidNationalNumber("check number does not match")
    return digits


def formatted(digits: str) -> str:
    """``85073003328`` → ``85.07.30-033.28``; anything else is returned as it is."""
    if len(digits) != 11 or not digits.isdigit():
        return digits
    return f"{digits[0:2]}.{digits[2:4]}.{digits[4:6]}-{digits[6:9]}.{digits[9:11]}"


def born_after_1999(digits: str) -> bool:
    return digits[9:] != _check(digits[:9])


def birth_date(digits: str) -> dt.date | None:
    """The birth date the number encodes, when it encodes a whole one (not for ``00`` parts)."""
    year = int(digits[:2]) + (2000 if born_after_1999(digits) else 1900)
    month, day = int(digits[2:4]) % 20, int(digits[4:6])
    try:
        return dt.date(year, month, day)
    except ValueError:
        return None

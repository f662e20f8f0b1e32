"""The Belgian national register number: format, check number (with the post-2000 rule), BIS."""

from __future__ import annotations

import datetime as dt

import pytest

from portal.clients.national_number import (
    InvalidNationalNumber,
    birth_date,
    formatted,
    normalise,
)


def _number(born: str, serial: str, *, after_1999: bool = False) -> str:
    """A number built the way the register builds it (born as YYMMDD)."""
    nine = born + serial
    check = 97 - int(("2" if after_1999 else "") + nine) % 97
    return f"{nine}{check:02d}"


@pytest.mark.parametrize(
    ("typed", "digits"),
    [
        ("85.07.30-033.28", "85073003328"),
        ("85073003328", "85073003328"),
        ("85 07 30 033 28", "85073003328"),
        ("90.01.15-123.63", "90011512363"),
        (_number("050312", "147", after_1999=True), _number("050312", "147", after_1999=True)),
        (_number("854730", "033"), _number("854730", "033")),  # BIS: month + 40
    ],
)
def test_valid_numbers_are_normalised(typed: str, digits: str) -> None:
    assert normalise(typed) == digits


@pytest.mark.parametrize(
    "typed",
    [
        "85.07.30-033.29",  # check number off by one
        "8507300332",  # ten digits
        "850730033280",  # twelve digits
        "85.07.30-033.2a",
        "",
        "８５０７３００３３２８",  # full-width digits are not ASCII digits
        # a number of someone born in 2005 checked as if born in 1905 fails, and the reverse
        _number("050312", "147", after_1999=True)[:9] + "00",
    ],
)
def test_invalid_numbers_are_refused(typed: str) -> None:
    with pytest.raises(InvalidNationalNumber):
        normalise(typed)


def test_the_post_2000_rule_decides_the_century() -> None:
    assert birth_date(_number("050312", "147", after_1999=True)) == dt.date(2005, 3, 12)
    assert birth_date(_number("050312", "147")) == dt.date(1905, 3, 12)
    assert birth_date(_number("854730", "033")) == dt.date(1985, 7, 30)
    assert birth_date(_number("850000", "033")) is None  # unknown birth date


def test_formatting() -> None:
    assert formatted("85073003328") == "85.07.30-033.28"
    assert formatted("not a number") == "not a number"

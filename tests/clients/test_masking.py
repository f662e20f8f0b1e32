"""Masked means none of the value: a national number shows no digit, a birth date only its year."""

from __future__ import annotations

import re

import httpx

from tests.conftest import login
from tests.support.factories import build_world


def _field(html: str, label: str) -> str:
    match = re.search(rf"<dt>{label}</dt>\s*<dd>(.*?)</dd>", html, re.S)
    assert match, label
    return re.sub(r"<[^>]+>", "", match.group(1))


async def test_a_toeleider_sees_no_digit_of_the_national_number(client: httpx.AsyncClient) -> None:
    world = await build_world()
    await login(client, "toeleider")
    page = (await client.get(f"/clients/{world.clients['X']}")).text
    number = _field(page, "Rijksregisternummer")
    assert "aanwezig, afgeschermd" in number
    assert not re.search(r"\d", number)
    birth = _field(page, "Geboortedatum")
    assert re.fullmatch(r"\D*1985\D*", birth.strip()), birth

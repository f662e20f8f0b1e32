"""The personal-data warning of a structural signal: what it catches and what it leaves alone."""

from __future__ import annotations

import pytest

from portal.signals.privacy import findings

CLIENTS = [("Amina", "Haidari"), ("Jan", "Peeters"), ("Li", "Ng"), ("Zoë", "Van den Bossche")]


@pytest.mark.parametrize(
    ("text", "kind", "found"),
    [
        ("Zijn rijksregisternummer is 85.07.30-033.28.", "national_number", "85.07.30-033.28"),
        ("rrn 85073003328 staat op de brief", "national_number", "85073003328"),
        ("Bel haar op 0470 12 34 56 na 17u", "phone", "0470 12 34 56"),
        ("gsm: +32 470 12 34 56", "phone", "+32 470 12 34 56"),
        ("vast nummer 09/123.45.67", "phone", "09/123.45.67"),
        ("via 0032 9 123 45 67", "phone", "0032 9 123 45 67"),
        ("mail naar jan.peeters+ocmw@example.be graag", "email", "jan.peeters+ocmw@example.be"),
        ("Mevrouw Haidari kreeg geen afspraak", "client_name", "haidari"),
        ("AMINA HAIDARI wacht al vijf weken", "client_name", "amina haidari"),
        ("Ng Li kon niet inschrijven", "client_name", "ng li"),
        ("de heer van den bossche", "client_name", "van den bossche"),
        ("Zoe Van den Bossche", "client_name", "zoe van den bossche"),
    ],
)
def test_personal_data_is_found(text: str, kind: str, found: str) -> None:
    assert (kind, found) in [(f.kind, f.text) for f in findings(text, CLIENTS)]


@pytest.mark.parametrize(
    "text",
    [
        "De dienst burgerzaken geeft pas afspraken binnen vijf weken.",
        "Afspraak op 05/11/2026 om 10.30 u, loket 3.",
        "Een school in Zottegem weigert kinderen in te schrijven sinds 2025.",
        "Huurprijzen stegen met 12,5 % (gemiddeld 850 euro per maand).",
        "Het bus-abonnement kost 1.234,56 euro per jaar.",
        "Wie geen smartphone heeft, raakt niet aan een itsme-account.",
        "Jan en Amina zijn veel voorkomende voornamen.",
        "Peetersstraat is afgesloten wegens werken.",
        "Li-ion batterijen worden niet aanvaard bij het containerpark.",
        "",
    ],
)
def test_ordinary_text_passes(text: str) -> None:
    assert findings(text, CLIENTS) == []


def test_a_national_number_is_not_also_a_phone_number() -> None:
    assert [f.kind for f in findings("85.07.30-033.28")] == ["national_number"]

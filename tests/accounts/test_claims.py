"""The rules that turn a provider's claims into portal roles and an organisation code."""

from __future__ import annotations

import pytest

from portal.accounts.claims import (
    claim_at,
    organisation_code,
    portal_roles,
    provider_values,
    roles_fitting,
)
from portal.visibility.policy import Role

KEYCLOAK = {
    "sub": "f:1",
    "realm_access": {"roles": ["offline_access", "ocmw-mw"]},
    "resource_access": {"brug": {"roles": ["coordinator"]}},
    "https://brug.example/org": "ocmw-gent",
    "org": ["ocmw-zottegem"],
}


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("realm_access.roles", ["offline_access", "ocmw-mw"]),
        ("resource_access.brug.roles", ["coordinator"]),
        ("https://brug.example/org", "ocmw-gent"),
        ("org", ["ocmw-zottegem"]),
        ("realm_access.groups", None),
        ("sub.x", None),
        ("missing", None),
    ],
)
def test_claim_at_reads_names_and_dotted_paths(path: str, expected: object) -> None:
    assert claim_at(KEYCLOAK, path) == expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (["a", "b"], ["a", "b"]),
        ("a  b\tc", ["a", "b", "c"]),
        (["a", 3, None, {"b": 1}], ["a"]),
        (None, []),
        ({"roles": ["a"]}, []),
        (7, []),
    ],
)
def test_provider_values_accept_a_list_or_a_space_separated_string(
    raw: object, expected: list[str]
) -> None:
    assert provider_values(raw) == expected


def test_roles_without_a_map_are_code_names() -> None:
    assert portal_roles(["mediator", "Mediator", "boss", "mediator"], {}) == [Role.mediator]


def test_roles_with_a_map_are_only_the_mapped_values() -> None:
    role_map = {"vdab-bemiddelaar": "mediator", "brug-beheer": "admin"}
    assert portal_roles(["admin", "vdab-bemiddelaar", "brug-beheer"], role_map) == [
        Role.mediator,
        Role.admin,
    ]


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("ocmw-gent", "ocmw-gent"),
        (" vdab ", "vdab"),
        (["pin-vzw"], "pin-vzw"),
        (["pin-vzw", "vdab"], None),
        ("", None),
        (None, None),
        (12, None),
    ],
)
def test_one_organisation_code(raw: object, expected: str | None) -> None:
    assert organisation_code(raw) == expected


@pytest.mark.parametrize(
    ("kind", "expected"),
    [
        ("ocmw", [Role.social_worker, Role.coordinator, Role.admin]),
        ("vdab", [Role.mediator, Role.coordinator, Role.admin]),
        ("partner", [Role.toeleider, Role.coordinator, Role.admin]),
    ],
)
def test_roles_must_fit_the_kind_of_organisation(kind: str, expected: list[Role]) -> None:
    every_role = [
        Role.social_worker,
        Role.mediator,
        Role.toeleider,
        Role.coordinator,
        Role.admin,
    ]
    assert roles_fitting(every_role, kind) == expected

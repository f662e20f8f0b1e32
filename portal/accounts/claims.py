"""From an identity provider's claims to portal roles and an organisation code."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from portal.accounts.tables import OrgKind
from portal.visibility.policy import Role

ROLE_ORG_KINDS: dict[Role, frozenset[OrgKind]] = {
    Role.social_worker: frozenset({OrgKind.ocmw}),
    Role.mediator: frozenset({OrgKind.vdab}),
    Role.toeleider: frozenset({OrgKind.partner}),
    Role.coordinator: frozenset({OrgKind.ocmw, OrgKind.partner, OrgKind.vdab}),
    Role.admin: frozenset({OrgKind.ocmw, OrgKind.partner, OrgKind.vdab}),
    Role.platform_admin: frozenset({OrgKind.ocmw, OrgKind.partner, OrgKind.vdab}),
}
"""Which kind of organisation may hold each role (DESIGN §2); a role outside it is ignored."""


def claim_at(claims: Mapping[str, Any], path: str) -> Any:
    """The claim named ``path``; a dotted path (``realm_access.roles``) walks nested objects.

    A claim whose own name has dots (``https://example.org/roles``) is found by that name first.
    """
    if path in claims:
        return claims[path]
    value: Any = claims
    for part in path.split("."):
        if not isinstance(value, Mapping) or part not in value:
            return None
        value = value[part]
    return value


def provider_values(raw: Any) -> list[str]:
    """A list of strings, or one space-separated string; anything else counts as nothing."""
    if isinstance(raw, str):
        return raw.split()
    if isinstance(raw, list):
        return [item for item in raw if isinstance(item, str)]
    return []


def portal_roles(values: Iterable[str], role_map: Mapping[str, str]) -> list[Role]:
    """With a role map only mapped values count; without one, values that are role code names do."""
    roles: list[Role] = []
    for value in values:
        code = role_map.get(value, "") if role_map else value
        if code in Role.__members__ and Role(code) not in roles:
            roles.append(Role(code))
    return roles


def organisation_code(raw: Any) -> str | None:
    """One organisation code; a list counts only when it holds exactly one."""
    if isinstance(raw, list) and len(raw) == 1:
        raw = raw[0]
    if isinstance(raw, str) and raw.strip():
        return raw.strip()
    return None


def roles_fitting(roles: Iterable[Role], kind: str) -> list[Role]:
    return [role for role in roles if kind in ROLE_ORG_KINDS[role]]

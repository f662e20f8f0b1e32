"""The person a page is rendered for, as every policy sees them."""

from __future__ import annotations

from dataclasses import dataclass

from portal.visibility.policy import Role


@dataclass(frozen=True)
class Viewer:
    person_id: int
    username: str
    display_name: str
    org_id: int
    org_name: str
    org_kind: str
    roles: frozenset[Role]
    unlocked: frozenset[int] = frozenset()
    """Clients this person stated a reason to see more of, in this session (break the glass)."""
    unread: int = 0
    """Inbox items not read yet when the request began (the header's count)."""

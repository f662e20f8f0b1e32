"""The person a page is rendered for, as every policy sees them."""

from __future__ import annotations

from dataclasses import dataclass

from portal.core import prepared
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


prepared.shape_of(Viewer, keep=("org_kind", "roles", "unlocked"), values=("person_id", "org_id"))
"""Prepared reads (``portal.core.prepared``) may depend on the viewer's roles, kind of
organisation and the files opened with a reason (rare, and few); the person and the organisation
are values of the SQL."""

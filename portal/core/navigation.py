"""The menu, built from what the policy lets this person reach: it never offers a refused link."""

from __future__ import annotations

from dataclasses import dataclass

from portal.admin.permissions import may_administer
from portal.core.i18n import gettext_ as _
from portal.visibility.policy import relations_granting_sight
from portal.visibility.projection import Viewer


@dataclass(frozen=True)
class NavItem:
    href: str
    label: str
    current: bool


def navigation_for(viewer: Viewer | None, path: str) -> list[NavItem]:
    if viewer is None:
        return []
    items = [("/", _("Home"))]
    if relations_granting_sight(viewer.roles):
        items.append(("/clients", _("Clients")))
    if may_administer(viewer):
        items += [
            ("/admin/organisations", _("Organisations")),
            ("/admin/partnerships", _("Partnerships")),
            ("/admin/people", _("People")),
        ]
    items.append(("/who-sees-what", _("Who sees what")))
    return [
        NavItem(href, label, path == href or (href != "/" and path.startswith(href + "/")))
        for href, label in items
    ]

"""The demo world's organisations, partnerships and people, made through the admin and accounts
services, and the people as actors (``Viewer``) for every later write."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass

from portal.accounts.services import add_person, load_viewer
from portal.accounts.tables import Organisation, OrgKind
from portal.admin.forms import OrganisationForm, PartnershipForm
from portal.admin.services import save_organisation, save_partnership
from portal.visibility.policy import Role
from portal.visibility.viewer import Viewer

ZOTTEGEM, GENT, PIN, VDAB = "ocmw-zottegem", "ocmw-gent", "pin-vzw", "vdab"
VDAB_GENT = "vdab-gent"

ORGANISATIONS = (
    (ZOTTEGEM, "OCMW Zottegem", OrgKind.ocmw),
    (GENT, "OCMW Gent", OrgKind.ocmw),
    (PIN, "PIN vzw", OrgKind.partner),
    (VDAB, "VDAB Zottegem", OrgKind.vdab),
    (VDAB_GENT, "VDAB Gent", OrgKind.vdab),
)
PARTNERSHIPS = (
    ("OCMW Zottegem × PIN vzw × VDAB Zottegem", ZOTTEGEM, PIN, VDAB),
    ("OCMW Gent × VDAB Gent", GENT, None, VDAB_GENT),
)
"""Each OCMW works with its own VDAB team: VDAB Zottegem (``vdab``) and VDAB Gent."""
MAIL_DOMAINS = {
    ZOTTEGEM: "zottegem.example",
    GENT: "gent.example",
    PIN: "pinvzw.example",
    VDAB: "vdab.example",
    VDAB_GENT: "vdab.example",
}


@dataclass(frozen=True)
class DemoPerson:
    username: str
    display_name: str
    org: str
    roles: tuple[Role, ...]
    active: bool = True

    @property
    def email(self) -> str:
        first, _, last = _ascii(self.display_name).lower().partition(" ")
        return f"{first}.{last.replace(' ', '').replace('-', '')}@{MAIL_DOMAINS[self.org]}"


PEOPLE = (
    DemoPerson("sw.zottegem", "Sofie Van den Bossche", ZOTTEGEM, (Role.social_worker,)),
    DemoPerson("sw2.zottegem", "Pieter De Clercq", ZOTTEGEM, (Role.social_worker,)),
    DemoPerson("coordinator.zottegem", "Ann Verhaeghe", ZOTTEGEM, (Role.coordinator,)),
    DemoPerson("admin", "Bart Desmet", ZOTTEGEM, (Role.admin, Role.platform_admin)),
    DemoPerson("former.zottegem", "Griet Van Hecke", ZOTTEGEM, (Role.social_worker,), False),
    DemoPerson("sw.gent", "Lien Vermeulen", GENT, (Role.social_worker,)),
    DemoPerson("sw2.gent", "Youssef El Amrani", GENT, (Role.social_worker,)),
    DemoPerson("coordinator.pin", "Jan Vandamme", PIN, (Role.coordinator,)),
    DemoPerson("toeleider.pin", "Hamid Rahimi", PIN, (Role.toeleider,)),
    DemoPerson("toeleider2.pin", "Marieke Goossens", PIN, (Role.toeleider,)),
    DemoPerson("mediator.vdab", "Koen Willems", VDAB, (Role.mediator,)),
    DemoPerson("mediator2.vdab", "Nathalie Dubois", VDAB, (Role.mediator,)),
    DemoPerson("mediator.vdab-gent", "Tine Van Acker", VDAB_GENT, (Role.mediator,)),
)
TOELEIDERS = ("toeleider.pin", "toeleider2.pin")
MEDIATORS = ("mediator.vdab", "mediator2.vdab")
"""VDAB Zottegem's mediators."""
GENT_MEDIATOR = "mediator.vdab-gent"
"""VDAB Gent's mediator."""


def _ascii(text: str) -> str:
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()


def display_name(username: str) -> str:
    return next(person.display_name for person in PEOPLE if person.username == username)


def org_of(username: str) -> str:
    return next(person.org for person in PEOPLE if person.username == username)


class DemoRefused(RuntimeError):
    """A service refused part of the demo world: the demo and the service disagree."""


async def _org_ids() -> dict[str, int]:
    rows = await Organisation.select(Organisation.code, Organisation.id)
    return {row["code"]: row["id"] for row in rows}


async def create_world() -> dict[str, Viewer]:
    """Organisations, partnerships and people; the active people as actors, by username."""
    for code, name, kind in ORGANISATIONS:
        errors = await save_organisation(OrganisationForm(name=name, code=code, kind=kind.value))
        if errors:
            raise DemoRefused(f"organisation {code}: {errors}")
    org_ids = await _org_ids()
    for name, ocmw, partner, vdab in PARTNERSHIPS:
        form = PartnershipForm(
            name=name,
            ocmw=str(org_ids[ocmw]),
            partner=str(org_ids[partner]) if partner else "",
            vdab=str(org_ids[vdab]) if vdab else "",
        )
        if errors := await save_partnership(form):
            raise DemoRefused(f"partnership {name}: {errors}")
    actors: dict[str, Viewer] = {}
    for person in PEOPLE:
        person_id = await add_person(
            person.username,
            person.display_name,
            person.email,
            org_ids[person.org],
            list(person.roles),
            active=person.active,
        )
        if person.active:
            viewer = await load_viewer(person_id)
            if viewer is None:
                raise DemoRefused(f"person {person.username} cannot act")
            actors[person.username] = viewer
    return actors

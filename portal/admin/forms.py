"""The admin forms as typed: plain strings, so a form with an error comes back as it was typed."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from portal.accounts.tables import OrgKind
from portal.core.i18n import N_

KIND_LABELS = {
    OrgKind.ocmw: N_("OCMW"),
    OrgKind.vdab: N_("VDAB"),
    OrgKind.partner: N_("Partner organisation"),
}

Errors = dict[str, str]
"""Field name -> translated message; empty when the input is valid."""


@dataclass(frozen=True)
class OrganisationForm:
    name: str = ""
    code: str = ""
    kind: str = ""

    @classmethod
    def from_fields(cls, fields: Mapping[str, str]) -> OrganisationForm:
        return cls(
            name=fields.get("name", ""), code=fields.get("code", ""), kind=fields.get("kind", "")
        )


@dataclass(frozen=True)
class PartnershipForm:
    """Organisation ids as typed ("" for none)."""

    name: str = ""
    ocmw: str = ""
    partner: str = ""
    vdab: str = ""

    @classmethod
    def from_fields(cls, fields: Mapping[str, str]) -> PartnershipForm:
        return cls(
            name=fields.get("name", ""),
            ocmw=fields.get("ocmw", ""),
            partner=fields.get("partner", ""),
            vdab=fields.get("vdab", ""),
        )

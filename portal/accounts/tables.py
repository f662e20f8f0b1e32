from enum import StrEnum

from piccolo.columns import (
    Array,
    Boolean,
    ForeignKey,
    Serial,
    Timestamptz,
    Varchar,
)
from piccolo.columns.base import OnDelete
from piccolo.table import Table


class OrgKind(StrEnum):
    ocmw = "ocmw"
    vdab = "vdab"
    partner = "partner"


class Organisation(Table, tablename="organisation"):
    id: Serial
    code = Varchar(length=64, unique=True)
    name = Varchar(length=200)
    kind = Varchar(length=16, choices=OrgKind)


class Person(Table, tablename="person"):
    id: Serial
    username = Varchar(length=150, unique=True)
    display_name = Varchar(length=200)
    email = Varchar(length=254)
    organisation = ForeignKey(references=Organisation, null=False, on_delete=OnDelete.restrict)
    roles = Array(base_column=Varchar(length=32))
    active = Boolean(default=True)
    oidc_issuer = Varchar(length=500, null=True, default=None)
    oidc_subject = Varchar(length=255, null=True, default=None)
    last_login = Timestamptz(null=True, default=None)


class Partnership(Table, tablename="partnership"):
    """One OCMW with a partner organisation and a VDAB team (either side may be absent)."""

    id: Serial
    name = Varchar(length=200)
    ocmw = ForeignKey(references=Organisation, null=False, on_delete=OnDelete.restrict)
    partner = ForeignKey(
        references=Organisation, null=True, default=None, on_delete=OnDelete.restrict
    )
    vdab = ForeignKey(references=Organisation, null=True, default=None, on_delete=OnDelete.restrict)

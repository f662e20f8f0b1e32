"""The shapes of the demo world: a client file as planned, the dated actions on it, and its clock.

Everything here is plain data. ``plan`` draws it, the story modules (``clients``, ``timeline``)
write it through the services, in time order, so that each write meets the state it expects.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from portal.demo.accounts import org_of
from portal.visibility.policy import Audience, Sensitivity

REFERENCE = dt.datetime(2026, 11, 20, 9, 0, tzinfo=dt.UTC)
"""The moment the demo world is seen from: every story ends before it."""
LAST_EVENT = REFERENCE - dt.timedelta(days=1)
"""The last moment an open file's story may use; Amina's last note, later that day, is newest."""


def consent_moment(day: dt.date) -> dt.datetime:
    """When a consent decided on ``day`` lands on the timeline (``record_consent`` says noon)."""
    return dt.datetime.combine(day, dt.time(12), tzinfo=dt.UTC)


def national_number(birth: dt.date, serial: int) -> str:
    """Belgian ``YY.MM.DD-XXX.CC``: CC = 97 - YYMMDDXXX mod 97, with "2" prefixed from 2000 on."""
    base = f"{birth:%y%m%d}{serial:03d}"
    check = 97 - int(("2" if birth.year >= 2000 else "") + base) % 97
    return f"{base[:2]}.{base[2:4]}.{base[4:6]}-{base[6:]}.{check:02d}"


@dataclass(frozen=True)
class Ocmw:
    code: str
    places: dict[str, tuple[str, tuple[str, ...]]]
    """Municipality → (postcode, streets)."""
    social_workers: tuple[str, str]
    vdab_office: str
    vdab: str
    """The code of the VDAB team of the OCMW's partnership."""
    clients: tuple[tuple[str, str, str, str], ...]
    """(first name, last name, sex "m"/"v", language)."""


# What happens on a client file, besides its registration --------------------------------


@dataclass(frozen=True)
class Joined:
    at: dt.datetime
    username: str


@dataclass(frozen=True)
class ConsentDecided:
    org: str
    given: bool
    on: dt.date

    @property
    def at(self) -> dt.datetime:
        return consent_moment(self.on)


@dataclass(frozen=True)
class LadderMoved:
    at: dt.datetime
    step: int
    reason: str


@dataclass(frozen=True)
class StatusSet:
    at: dt.datetime
    status: str
    reason: str = ""


@dataclass(frozen=True)
class AgreementRecorded:
    at: dt.datetime
    living_wage_start: dt.date
    made_on: dt.date | None


@dataclass(frozen=True)
class Note:
    at: dt.datetime
    author: str
    subject: str
    text: str
    audience: Audience = Audience.care_team
    sensitivity: Sensitivity = Sensitivity.trajectory


Action = Joined | ConsentDecided | LadderMoved | StatusSet | AgreementRecorded | Note


@dataclass
class DemoClient:
    ocmw: Ocmw
    first_name: str
    last_name: str
    language: str
    municipality: str
    phone: str
    national_number: str
    birth_date: dt.date
    address: str
    created_at: dt.datetime
    status: str = "activation"
    ladder_step: int | None = None
    """The step the file is on now, once its story is told."""
    start_step: int | None = None
    """The step it was registered on; ladder moves bring it to ``ladder_step``."""
    closing: str = ""
    closed_at: dt.datetime | None = None
    social_report: str = ""
    finances: str = ""
    health_notes: str = ""
    social_worker: str = ""
    """The file holder who registers the client and makes every file holder's write."""
    toeleider: str | None = None
    mediator: str | None = None
    team: list[tuple[str, dt.datetime]] = field(default_factory=list)
    consents: dict[str, tuple[bool, dt.date]] = field(default_factory=dict)
    """The client's first decision per organisation: (given, on)."""
    withdrawals: dict[str, dt.date] = field(default_factory=dict)
    story: list[Action] = field(default_factory=list)
    """Everything after the registration, in the order it is written."""

    @property
    def end(self) -> dt.datetime:
        """The last moment a story may use: the file's closing, or the day before REFERENCE."""
        return self.closed_at or LAST_EVENT

    def consent_at(self, org: str, moment: dt.datetime) -> bool:
        given, on = self.consents.get(org, (False, None))
        if not given or on is None or consent_moment(on) >= moment:
            return False
        withdrawn = self.withdrawals.get(org)
        return withdrawn is None or consent_moment(withdrawn) > moment

    def may_write(self, username: str, moment: dt.datetime) -> bool:
        """Whether ``username`` may write on this file at ``moment``: the file holder always;
        another member of the care team from joining on, while the client's consent for their
        organisation holds."""
        if username == self.social_worker:
            return True
        joined = dict(self.team).get(username)
        if joined is None or joined >= moment:
            return False
        return self.consent_at(org_of(username), moment)

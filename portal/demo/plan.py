"""What happens to whom, and when: the demo world drawn from ``random.Random(SEED)``.

The client files (names, numbers, addresses, social report, finances, health), their care teams and
consents are drawn in the same order as they always were, so every machine, and every version of
the demo, gets the same 40 clients. Their stories are drawn after them: ladder moves and the notes
of the people in their care team, each only at a moment when its author may write it.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable, Sequence

from portal.demo import texts
from portal.demo.accounts import (
    GENT,
    GENT_MEDIATOR,
    MEDIATORS,
    PIN,
    TOELEIDERS,
    VDAB,
    VDAB_GENT,
    ZOTTEGEM,
)
from portal.demo.showcase import showcase
from portal.demo.story import (
    REFERENCE,
    Action,
    AgreementRecorded,
    ConsentDecided,
    DemoClient,
    Joined,
    LadderMoved,
    Note,
    Ocmw,
    StatusSet,
    consent_moment,
    national_number,
)
from portal.visibility.policy import Audience, Sensitivity

SEED = 2026

OCMW_ZOTTEGEM = Ocmw(
    code=ZOTTEGEM,
    places=texts.ZOTTEGEM_PLACES,
    social_workers=("sw.zottegem", "sw2.zottegem"),
    vdab_office="Zottegem",
    vdab=VDAB,
    clients=texts.ZOTTEGEM_CLIENTS,
)
OCMW_GENT = Ocmw(
    code=GENT,
    places=texts.GENT_PLACES,
    social_workers=("sw.gent", "sw2.gent"),
    vdab_office="Gent",
    vdab=VDAB_GENT,
    clients=texts.GENT_CLIENTS,
)
OCMWS = (OCMW_ZOTTEGEM, OCMW_GENT)

_CARE, _OWN, _HOLDER = Audience.care_team, Audience.own_org, Audience.file_holder_only
_SOCIAL, _HEALTH = Sensitivity.social, Sensitivity.health


# Small helpers -----------------------------------------------------------------------------


def full_date(day: dt.date) -> str:
    return f"{day.day} {texts.MONTHS[day.month - 1]} {day.year}"


def _euro(amount: float, cents: bool = False) -> str:
    text = f"{amount:,.2f}" if cents else f"{round(amount):,}"
    return "€ " + text.replace(",", " ").replace(".", ",").replace(" ", ".")


def _at(rng: random.Random, start: dt.datetime, end: dt.datetime) -> dt.datetime:
    """A moment during office hours on a weekday between ``start`` and ``end`` (clamped to both)."""
    if end <= start:
        return start
    day = (start + (end - start) * rng.random()).date()
    if day.weekday() >= 5:
        day -= dt.timedelta(days=day.weekday() - 4)
    moment = dt.datetime.combine(
        day, dt.time(rng.randint(7, 15), rng.choice((0, 15, 30, 45))), tzinfo=dt.UTC
    )
    return min(max(moment, start), end)


def _after(rng: random.Random, moment: dt.datetime, low: int, high: int) -> dt.datetime:
    return _at(rng, moment + dt.timedelta(days=low), moment + dt.timedelta(days=high))


def _phone(rng: random.Random) -> str:
    pairs = " ".join(f"{rng.randint(0, 99):02d}" for _ in range(3))
    return f"04{rng.randint(70, 99)} {pairs}"


def _unique(draw: Callable[[], str], taken: set[str]) -> str:
    """Draw until the value is new: no two demo clients share a phone, number or address."""
    value = draw()
    while value in taken:
        value = draw()
    taken.add(value)
    return value


def _newcomer(client: DemoClient) -> bool:
    return client.language != texts.NATIVE_LANGUAGE


# Client files ------------------------------------------------------------------------------


def _new_client(
    rng: random.Random, ocmw: Ocmw, name: tuple[str, str, str, str], taken: set[str]
) -> DemoClient:
    """Belgian serial numbers are odd for men and even for women."""
    first, last, sex, language = name
    birth = (REFERENCE - dt.timedelta(days=rng.randint(6580, 21900))).date()
    first_serial = 1 if sex == "m" else 2
    municipality = rng.choice(list(ocmw.places))
    postcode, streets = ocmw.places[municipality]
    created = _at(rng, REFERENCE - dt.timedelta(days=725), REFERENCE - dt.timedelta(days=20))
    client = DemoClient(
        ocmw=ocmw,
        first_name=first,
        last_name=last,
        language=language,
        municipality=municipality,
        phone=_unique(lambda: _phone(rng), taken),
        national_number=_unique(
            lambda: national_number(birth, rng.randrange(first_serial, 997 + first_serial, 2)),
            taken,
        ),
        birth_date=birth,
        address=_unique(
            lambda: f"{rng.choice(streets)} {rng.randint(1, 140)}, {postcode} {municipality}",
            taken,
        ),
        created_at=created,
    )
    _set_status(rng, client)
    _write_file(rng, client)
    return client


def _set_status(rng: random.Random, client: DemoClient) -> None:
    """Trajectories take time: only files older than 200 days are in art. 60, training or closed."""
    age = (REFERENCE - client.created_at).days
    statuses = ["activation"] * 5 + (["art60", "in_training", "closed"] * 2 if age >= 200 else [])
    client.status = rng.choice(statuses)
    if client.status == "art60":
        client.ladder_step = 4
    elif client.status == "in_training":
        client.ladder_step = rng.choice((3, 4))
    elif client.status == "closed":
        text, step = rng.choice(texts.CLOSINGS)
        other = texts.MOVED_TO[client.ocmw.code]
        client.closing = text.format(job=rng.choice(texts.JOBS), place=other)
        client.closed_at = _after(rng, client.created_at, 120, age - 2)
        client.ladder_step = step if step else rng.randint(2, 4)
    elif age >= 120 or rng.random() < 0.4:
        client.ladder_step = rng.choice((1, 2, 2, 3, 3, 4))


def _write_file(rng: random.Random, client: DemoClient) -> None:
    first, created = client.first_name, client.created_at
    household, category = rng.choice(texts.HOUSEHOLDS)
    newcomer = _newcomer(client)
    backgrounds = texts.NEWCOMER_BACKGROUNDS if newcomer else texts.LOCAL_BACKGROUNDS
    goals = texts.GOALS + (texts.NEWCOMER_GOALS if newcomer else ())
    background = rng.choice(backgrounds).format(
        year=created.year - rng.randint(1, 6),
        level=rng.randint(1, 3),
        job=rng.choice(texts.JOBS),
        home_job=rng.choice(texts.HOME_COUNTRY_JOBS),
    )
    client.social_report = " ".join(
        (household.format(first=first, place=client.municipality), background, rng.choice(goals))
    )
    client.finances = _finances(rng, category, created)
    client.health_notes = (
        " ".join(rng.sample(texts.HEALTH, 2))
        + f" Besproken met {first} op {full_date(created.date())}."
    )


def _finances(rng: random.Random, category: int, created: dt.datetime) -> str:
    label, amount = texts.LEEFLOON[category]
    granted = (created - dt.timedelta(days=rng.randint(7, 60))).date()
    debt = rng.randint(4, 90) * 100
    debts = (
        f"Schulden van ongeveer {_euro(debt)} bij {rng.choice(texts.CREDITORS)}; "
        f"afbetalingsplan van {_euro(debt / rng.choice((20, 24, 30, 36)))} per maand."
        if rng.random() < 0.75
        else "Geen gekende schulden."
    )
    guidance = rng.choice(texts.BUDGET_GUIDANCE).format(
        month=texts.MONTHS[created.month - 1], year=created.year
    )
    return (
        f"Leefloon categorie {category} ({label}) sinds {full_date(granted)}: "
        f"{_euro(amount, cents=True)} per maand. "
        f"{debts} {guidance}"
    )


def _assign_team(rng: random.Random, client: DemoClient) -> None:
    zottegem = client.ocmw is OCMW_ZOTTEGEM
    # the file holder: the OCMW's first social worker holds most files, the second a few
    client.social_worker = rng.choices(client.ocmw.social_workers, weights=(5, 1))[0]
    if zottegem and rng.random() < 0.8:
        client.toeleider = rng.choices(TOELEIDERS, weights=(3, 2))[0]
    if client.status == "in_training" or rng.random() < 0.5:
        client.mediator = rng.choices(MEDIATORS, weights=(3, 2))[0]
    else:
        # Once a VDAB contact outside the care team; still drawn, so later draws stay as they were.
        rng.choice(MEDIATORS)
    client.team = [(client.social_worker, client.created_at)]
    if client.toeleider:
        joined = _after(rng, client.created_at, 1, 30)
        client.team.append((client.toeleider, min(joined, client.end)))
    if client.mediator:
        joined = _after(rng, client.created_at, 20, 120)
        client.team.append((client.mediator, min(joined, client.end)))


def _assign_consents(rng: random.Random, client: DemoClient) -> None:
    orgs = (PIN, VDAB) if client.ocmw is OCMW_ZOTTEGEM else (VDAB,)
    for org in orgs:
        decided = min(_after(rng, client.created_at, 0, 30), client.end)
        client.consents[org] = (rng.random() < 0.9, decided.date())


def _withdraw_consents(
    rng: random.Random, clients: Sequence[DemoClient], org: str, member: str, count: int = 2
) -> None:
    """Some clients withdraw consent while a worker of that organisation is in their care team:
    in their last two months, at the earliest the day after that worker joined."""
    candidates = [c for c in clients if member in dict(c.team) and c.consents[org][0]]
    for client in rng.sample(candidates, count):
        joined = dict(client.team)[member]
        earliest = max(
            client.created_at,
            client.end - dt.timedelta(days=60),
            joined,
            consent_moment(client.consents[org][1]),
        )
        client.withdrawals[org] = _at(rng, earliest + dt.timedelta(days=1), client.end).date()


def _to_own_vdab_team(client: DemoClient) -> None:
    """A Gent file's VDAB side is VDAB Gent's: its mediator and its consent. The teams and
    consents are drawn as for one VDAB team (so every later draw stays as it was) and handed to
    the team of the client's OCMW here."""
    if client.ocmw.vdab == VDAB:
        return
    if client.mediator is not None:
        client.mediator = GENT_MEDIATOR
    client.team = [
        (GENT_MEDIATOR if username in MEDIATORS else username, joined)
        for username, joined in client.team
    ]
    if VDAB in client.consents:
        client.consents[client.ocmw.vdab] = client.consents.pop(VDAB)
    if VDAB in client.withdrawals:
        client.withdrawals[client.ocmw.vdab] = client.withdrawals.pop(VDAB)


# Stories -----------------------------------------------------------------------------------

Episode = Callable[[random.Random, DemoClient, dt.datetime], Note | None]


def _pick(
    rng: random.Random, pool: Sequence[tuple[str, str]], client: DemoClient
) -> tuple[str, str]:
    subject, text = rng.choice(pool)
    return subject, text.format(
        first=client.first_name, job=rng.choice(texts.JOBS), office=client.ocmw.vdab_office
    )


def _by(client: DemoClient, author: str | None, moment: dt.datetime) -> str | None:
    return author if author and client.may_write(author, moment) else None


def _field_note(rng: random.Random, client: DemoClient, moment: dt.datetime) -> Note | None:
    """The toeleider's notes from the field, shared with the care team."""
    author = _by(client, client.toeleider, moment)
    if author is None:
        return None
    pool = texts.TOELEIDER_NOTES + (texts.NEWCOMER_TOELEIDER_NOTES if _newcomer(client) else ())
    return Note(moment, author, *_pick(rng, pool, client))


def _social_worker_note(rng: random.Random, client: DemoClient, moment: dt.datetime) -> Note:
    pool = texts.SOCIAL_WORKER_NOTES + (
        texts.NEWCOMER_SOCIAL_WORKER_NOTES if _newcomer(client) else ()
    )
    return Note(moment, client.social_worker, *_pick(rng, pool, client))


def _mediator_note(rng: random.Random, client: DemoClient, moment: dt.datetime) -> Note | None:
    author = _by(client, client.mediator, moment)
    if author is None:
        return None
    return Note(moment, author, *_pick(rng, texts.MEDIATOR_NOTES, client))


def _ocmw_internal(rng: random.Random, client: DemoClient, moment: dt.datetime) -> Note:
    subject, text = _pick(rng, texts.OCMW_INTERNAL_NOTES, client)
    return Note(moment, client.social_worker, subject, text, _OWN)


def _vdab_internal(rng: random.Random, client: DemoClient, moment: dt.datetime) -> Note | None:
    author = _by(client, client.mediator, moment)
    if author is None:
        return None
    subject, text = _pick(rng, texts.VDAB_INTERNAL_NOTES, client)
    return Note(moment, author, subject, text, _OWN)


def _social_report(rng: random.Random, client: DemoClient, moment: dt.datetime) -> Note:
    text = rng.choice(texts.SOCIAL_REPORT_UPDATES)
    return Note(moment, client.social_worker, texts.SOCIAL_REPORT_SUBJECT, text, _HOLDER, _SOCIAL)


def _health(rng: random.Random, client: DemoClient, moment: dt.datetime) -> Note:
    subject, text = _pick(rng, texts.HEALTH_UPDATES, client)
    return Note(moment, client.social_worker, subject, text, _HOLDER, _HEALTH)


def _social_note(rng: random.Random, client: DemoClient, moment: dt.datetime) -> Note:
    """A ``social`` note the care team sees exists, and only the file holders can read."""
    subject, text = _pick(rng, texts.SOCIAL_NOTES, client)
    return Note(moment, client.social_worker, subject, text, _CARE, _SOCIAL)


EPISODES: tuple[tuple[Episode, float], ...] = (
    (_field_note, 4),
    (_social_worker_note, 3),
    (_mediator_note, 2),
    (_ocmw_internal, 1),
    (_vdab_internal, 0.5),
    (_social_report, 1),
    (_health, 1),
    (_social_note, 0.5),
)


def _ladder(rng: random.Random, client: DemoClient, count: int, start: dt.datetime) -> list[Action]:
    """Ladder moves that end on the client's current step, mostly one step up, sometimes down;
    the file is registered on the step before the first."""
    client.start_step = client.ladder_step
    if client.ladder_step is None:
        return []
    moments = sorted(_at(rng, start, client.end) for _ in range(count))
    moves: list[Action] = []
    step = client.ladder_step
    for moment in reversed(moments):
        up = step > 1 and (step == 6 or rng.random() < 0.8)
        before = step - 1 if up else step + 1
        reason = rng.choice(texts.LADDER_UP[step]) if up else rng.choice(texts.LADDER_DOWN)
        moves.append(LadderMoved(moment, step, reason))
        step = before
    client.start_step = step
    return moves[::-1]


def _story(rng: random.Random, client: DemoClient) -> None:
    """5 to 60 timeline entries, more for older files: the care team joining, the consents, ladder
    moves and the closing, then notes up to the count."""
    age = (REFERENCE - client.created_at).days
    most = 5 + round(55 * min(age, 730) / 730)
    count = rng.randint(max(5, most // 2), most)
    since = _after(rng, client.created_at, 3, 21)
    story: list[Action] = [Joined(joined, username) for username, joined in client.team[1:]]
    story += [ConsentDecided(org, given, on) for org, (given, on) in client.consents.items()]
    story += [ConsentDecided(org, False, on) for org, on in client.withdrawals.items()]
    story += _ladder(rng, client, min(4, rng.randint(1, 1 + count // 12)), since)
    if client.closed_at:
        subject, text = texts.CLOSED
        closing = text.format(first=client.first_name, closing=client.closing)
        story.append(Note(client.closed_at, client.social_worker, subject, closing))
    episodes, weights = zip(*EPISODES, strict=True)
    while 1 + len(story) < count:
        episode = rng.choices(episodes, weights=weights)[0]
        note = episode(rng, client, _at(rng, since, client.end))
        if note is not None:
            story.append(note)
    story += _file_status(client, since)
    client.story = sorted(story, key=lambda action: action.at)


def _file_status(client: DemoClient, since: dt.datetime) -> list[Action]:
    """The file's statuses and agreement note, derived from what the plan drew (no draws here, so
    the rest of the world stays as it was): intake at registration, activation once the care team
    works, then the file's own status; the living wage starts at registration and the agreement
    note is made within one to two months, except for every ninth file."""
    number = int(client.national_number.replace(".", "").replace("-", ""))
    if client.status == "activation" and number % 5 == 0:
        client.status = "on_hold"
    actions: list[Action] = [StatusSet(since, "activation")]
    middle = since + (client.end - since) / 2
    if client.status == "closed" and client.closed_at:
        actions.append(StatusSet(client.closed_at, "closed", client.closing))
    elif client.status in texts.STATUS_REASONS:
        actions.append(StatusSet(middle, client.status, texts.STATUS_REASONS[client.status]))
    start = client.created_at.date()
    made = start + dt.timedelta(days=30 + number % 30)
    if number % 9 == 0 or made >= client.end.date():
        actions.append(AgreementRecorded(since, start, None))
    else:
        moment = dt.datetime.combine(made, dt.time(10, 30), tzinfo=dt.UTC)
        actions.append(AgreementRecorded(max(moment, since), start, made))
    return actions


# The whole world ---------------------------------------------------------------------------


def world(rng: random.Random) -> list[DemoClient]:
    """All clients with their teams, consents and stories; Amina Haidari comes first."""
    taken: set[str] = set()
    clients = [_new_client(rng, ocmw, name, taken) for ocmw in OCMWS for name in ocmw.clients]
    for client in clients:
        _assign_team(rng, client)
        _assign_consents(rng, client)
    showcase(clients[0])
    _withdraw_consents(rng, clients[1:], PIN, "toeleider.pin")
    _withdraw_consents(rng, clients[1:], VDAB, "mediator.vdab")
    for client in clients:
        _to_own_vdab_team(client)
    for client in clients[1:]:
        _story(rng, client)
    return clients

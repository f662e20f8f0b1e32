"""The e-mail digest: once a day at most, to each active person who chose it and has unread items
that arrived since their last digest. The e-mail says how many items wait and links to the inbox:
no client name, no record, nothing the inbox would project (e-mail leaves the portal for good).

``portal digest send`` runs it (from cron, or the Procfile's ``digest`` process); running it
again the same day sends nothing twice.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import smtplib
import ssl
from dataclasses import dataclass, field
from email.message import EmailMessage

from portal.core.db import unit_of_work
from portal.core.periods import today_in_belgium
from portal.core.templating import local_time
from portal.notifications.tables import DigestChoice, InboxItem
from portal.settings import SmtpSettings

log = logging.getLogger("portal.notifications.digest")


@dataclass(frozen=True)
class Due:
    person: int
    email: str
    items: int


@dataclass
class DigestReport:
    sent: int = 0
    nothing_new: int = 0
    sent_today: int = 0
    refused: list[int] = field(default_factory=list)
    """People whose address the SMTP server refused (their digest waits for the next run)."""


async def due() -> tuple[list[Due], DigestReport]:
    """Who gets a digest now, with the number of their unread items that arrived since their
    last one; the others are counted in the report."""
    report = DigestReport()
    today = today_in_belgium()
    choices = await DigestChoice.select(
        DigestChoice.person, DigestChoice.last_sent_at, DigestChoice.person.email
    ).where(
        (DigestChoice.frequency == "daily")
        & (DigestChoice.person.active == True)  # noqa: E712
        & (DigestChoice.person.email != "")
    )
    pending = []
    for choice in choices:
        last = choice["last_sent_at"]
        if last is not None and local_time(last).date() >= today:
            report.sent_today += 1
        else:
            pending.append(choice)
    counts = await _new_items({choice["person"]: choice["last_sent_at"] for choice in pending})
    waiting: list[Due] = []
    for choice in pending:
        if items := counts.get(choice["person"], 0):
            waiting.append(Due(choice["person"], choice["person.email"], items))
        else:
            report.nothing_new += 1
    return waiting, report


async def _new_items(since: dict[int, dt.datetime | None]) -> dict[int, int]:
    """Per person, their unread items that arrived after their last digest, in one query for
    everyone who waits for a digest (through the index on the item's person)."""
    if not since:
        return {}
    condition = InboxItem.read_at.is_null() & InboxItem.person.is_in(list(since))
    rows = await InboxItem.select(InboxItem.person, InboxItem.created_at).where(condition)
    counts: dict[int, int] = {}
    for row in rows:
        last = since[row["person"]]
        if last is None or row["created_at"] > last:
            counts[row["person"]] = counts.get(row["person"], 0) + 1
    return counts


def message(smtp: SmtpSettings, to: str, items: int, base_url: str) -> EmailMessage:
    """The whole e-mail: a number and a link, in Dutch and in English."""
    mail = EmailMessage()
    mail["From"] = smtp.sender
    mail["To"] = to
    plural = items != 1
    mail["Subject"] = f"Brug: {items} nieuwe {'meldingen' if plural else 'melding'} in je inbox"
    inbox = f"{base_url}/inbox"
    mail.set_content(
        f"Er {'wachten' if plural else 'wacht'} {items} nieuwe"
        f" {'meldingen' if plural else 'melding'} op je in Brug.\n"
        f"Bekijk ze in je inbox: {inbox}\n\n"
        f"{items} new {'items wait' if plural else 'item waits'} for you in Brug.\n"
        f"See your inbox: {inbox}\n\n"
        "Je krijgt deze e-mail omdat je een dagelijks overzicht koos. Zet het uit onderaan je"
        " inbox.\nYou get this e-mail because you chose a daily summary; turn it off at the"
        " bottom of your inbox.\n"
    )
    return mail


def _send_all(smtp: SmtpSettings, mails: list[tuple[Due, EmailMessage]]) -> set[int]:
    """Send over one connection; the people whose address was refused come back."""
    refused: set[int] = set()
    with smtplib.SMTP(smtp.host, smtp.port, timeout=30) as connection:
        if smtp.starttls:
            connection.starttls(context=ssl.create_default_context())
        if smtp.user and smtp.password:
            connection.login(smtp.user, smtp.password)
        for person, mail in mails:
            try:
                connection.send_message(mail)
            except smtplib.SMTPRecipientsRefused:
                log.warning("digest: the server refused the address of person %s", person.person)
                refused.add(person.person)
    return refused


async def send(
    smtp: SmtpSettings, base_url: str, *, now: dt.datetime | None = None
) -> DigestReport:
    moment = now or dt.datetime.now(dt.UTC)
    waiting, report = await due()
    if not waiting:
        return report
    mails = [(person, message(smtp, person.email, person.items, base_url)) for person in waiting]
    refused = await asyncio.to_thread(_send_all, smtp, mails)
    delivered = [person.person for person in waiting if person.person not in refused]
    if delivered:
        async with unit_of_work():
            await DigestChoice.update({DigestChoice.last_sent_at: moment}).where(
                DigestChoice.person.is_in(delivered)
            )
    report.sent = len(delivered)
    report.refused = sorted(refused)
    log.info("digest sent to %d people", report.sent)
    return report

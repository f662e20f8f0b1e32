"""The registry of domains: one line per domain drives routes, Piccolo apps, the menu, event codes,
record policies and the tables the tests empty.

Importing this module installs every domain's event kinds and record policies, so whatever starts
the portal (the app, the command line, the tests, the benchmarks) imports it first.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from piccolo.table import Table

from portal.accounts import services as accounts
from portal.accounts.domain import DOMAIN as ACCOUNTS
from portal.admin.domain import DOMAIN as ADMIN
from portal.audit.domain import DOMAIN as AUDIT
from portal.clients import panels
from portal.clients.domain import DOMAIN as CLIENTS
from portal.core import routes as core_routes
from portal.core.domain import Domain, MenuItem
from portal.core.i18n import N_
from portal.core.i18n import gettext_ as _
from portal.courses.domain import DOMAIN as COURSES
from portal.documents import hosts
from portal.documents.domain import DOMAIN as DOCUMENTS
from portal.evaluations.domain import DOMAIN as EVALUATIONS
from portal.home.domain import DOMAIN as HOME
from portal.notifications import kinds as inbox_kinds
from portal.notifications.domain import DOMAIN as NOTIFICATIONS
from portal.notifications.services import UNREAD_SQL
from portal.questions.domain import DOMAIN as QUESTIONS
from portal.retention.domain import DOMAIN as RETENTION
from portal.review.domain import DOMAIN as REVIEW
from portal.signals.domain import DOMAIN as SIGNALS
from portal.statements.domain import DOMAIN as STATEMENTS
from portal.subject_access.domain import DOMAIN as SUBJECT_ACCESS
from portal.timeline import kinds
from portal.timeline.domain import DOMAIN as TIMELINE
from portal.trajectory.domain import DOMAIN as TRAJECTORY
from portal.transfers.domain import DOMAIN as TRANSFERS
from portal.visibility import routes as visibility_routes
from portal.visibility.records import declare

CORE = Domain(name="core", routes=lambda _settings: core_routes.route_handlers)
POLICY = Domain(
    name="visibility",
    routes=lambda _settings: visibility_routes.route_handlers,
    menu=(MenuItem("/who-sees-what", N_("Who sees what"), lambda v: v is not None, order=90),),
)

DOMAINS: tuple[Domain, ...] = (
    CORE,
    ACCOUNTS,
    ADMIN,
    HOME,
    CLIENTS,
    TIMELINE,
    TRAJECTORY,
    REVIEW,
    AUDIT,
    SUBJECT_ACCESS,
    COURSES,
    DOCUMENTS,
    SIGNALS,
    QUESTIONS,
    TRANSFERS,
    EVALUATIONS,
    RETENTION,
    NOTIFICATIONS,
    POLICY,
    STATEMENTS,
)


def _install() -> None:
    kinds.install(kind for domain in DOMAINS for kind in domain.event_kinds)
    panels.install(panel for domain in DOMAINS for panel in domain.file_panels)
    hosts.install(host for domain in DOMAINS for host in domain.attachment_hosts)
    inbox_kinds.install(
        (kind for domain in DOMAINS for kind in domain.inbox_kinds),
        (source for domain in DOMAINS for source in domain.inbox_records),
    )
    accounts.count_in_header(UNREAD_SQL)
    for domain in DOMAINS:
        for policy in domain.record_policies:
            declare(policy)


_install()


def route_handlers(settings: Any) -> list[Any]:
    return [handler for domain in DOMAINS for handler in domain.routes(settings)]


def piccolo_apps() -> list[str]:
    return [domain.piccolo_app for domain in DOMAINS if domain.piccolo_app]


def tables() -> list[type[Table]]:
    """Every table, those that refer to others before those they refer to."""
    return [table for domain in reversed(DOMAINS) for table in domain.tables]


@dataclass(frozen=True)
class NavItem:
    href: str
    label: str
    current: bool


_MENU = sorted((item for domain in DOMAINS for item in domain.menu), key=lambda item: item.order)


def navigation_for(viewer: Any, path: str) -> list[NavItem]:
    """The menu, built from what this person may reach: it never offers a refused link."""
    if viewer is None:
        return []
    return [
        NavItem(
            item.href,
            _(item.label),
            path == item.href or (item.href != "/" and path.startswith(item.href + "/")),
        )
        for item in _MENU
        if item.shows(viewer)
    ]

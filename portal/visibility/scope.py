"""The database side of the policy: which clients and events a viewer's queries may return.

The SQL conditions are derived from ``policy`` (never written by hand per page), and every row they
return still goes through ``projection``, so a query that is too wide cannot leak.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from piccolo.columns.combination import And, Or, Where
from piccolo.query.methods.select import Select
from piccolo.querystring import QueryString

from portal.accounts.tables import Partnership
from portal.clients.tables import CareTeamMember, Client, Consent, TimelineEvent
from portal.visibility.policy import (
    Access,
    Audience,
    Relation,
    Role,
    Sensitivity,
    access,
    may_read_audience,
    relations_granting_sight,
    sees_withheld_placeholders,
)
from portal.visibility.projection import RelationFacts, Viewer, relation_of

Condition = Where | And | Or


def _any(conditions: list[Condition]) -> Condition | None:
    if not conditions:
        return None
    combined = conditions[0]
    for condition in conditions[1:]:
        combined = combined | condition
    return combined


def _care_team_clients(viewer: Viewer) -> Select:
    return CareTeamMember.select(CareTeamMember.client).where(
        CareTeamMember.person == viewer.person_id
    )


def _consented_clients(viewer: Viewer) -> Select:
    return Consent.select(Consent.client).where(
        (Consent.organisation == viewer.org_id) & (Consent.given == True)  # noqa: E712
    )


def _partnered_ocmws(viewer: Viewer) -> Select:
    return Partnership.select(Partnership.ocmw).where(
        (Partnership.partner == viewer.org_id) | (Partnership.vdab == viewer.org_id)
    )


def visible_clients_condition(viewer: Viewer) -> Condition | None:
    """A condition on ``Client`` matching every client the viewer may see; ``None`` means none."""
    relations = relations_granting_sight(viewer.roles)
    own_ocmw = Client.ocmw == viewer.org_id
    conditions: list[Condition] = []
    if Relation.file_holder in relations and Role.social_worker in viewer.roles:
        conditions.append(own_ocmw)
    if Relation.same_org in relations:
        conditions.append(own_ocmw)
    if Relation.care_team in relations:
        conditions.append(
            Client.id.is_in(_care_team_clients(viewer))
            & (own_ocmw | Client.id.is_in(_consented_clients(viewer)))
        )
    if Relation.partner_org in relations:
        conditions.append(
            Client.ocmw.is_in(_partnered_ocmws(viewer))
            & Client.id.is_in(_consented_clients(viewer))
        )
    return _any(conditions)


async def relation_facts(viewer: Viewer, clients: Iterable[dict[str, Any]]) -> dict[int, Relation]:
    """The viewer's relation to each given client row, in three queries whatever their number."""
    rows = list(clients)
    if not rows:
        return {}
    ids = [row["id"] for row in rows]
    in_team = {
        r["client"]
        for r in await CareTeamMember.select(CareTeamMember.client).where(
            (CareTeamMember.person == viewer.person_id) & CareTeamMember.client.is_in(ids)
        )
    }
    consented = {
        r["client"]
        for r in await Consent.select(Consent.client).where(
            (Consent.organisation == viewer.org_id)
            & (Consent.given == True)  # noqa: E712
            & Consent.client.is_in(ids)
        )
    }
    partnered = {
        r["ocmw"]
        for r in await Partnership.select(Partnership.ocmw).where(
            (Partnership.partner == viewer.org_id) | (Partnership.vdab == viewer.org_id)
        )
    }
    return {
        row["id"]: relation_of(
            viewer,
            RelationFacts(
                client_ocmw_id=row["ocmw"],
                in_care_team=row["id"] in in_team,
                consent_for_viewer_org=row["id"] in consented,
                partnered_with_ocmw=row["ocmw"] in partnered,
            ),
        )
        for row in rows
    }


def _flag(sql: str, *args: Any, alias: str) -> QueryString:
    return QueryString(f"EXISTS ({sql})", *args).as_alias(alias)


async def client_with_relation(
    viewer: Viewer, client_id: int
) -> tuple[dict[str, Any], Relation] | None:
    """One client row and the viewer's relation to it, in one query (the client page's path)."""
    row = (
        await Client.select(
            *Client.all_columns(),
            _flag(
                'SELECT 1 FROM care_team_member m WHERE m.client = "client"."id" AND m.person = {}',
                viewer.person_id,
                alias="in_care_team",
            ),
            _flag(
                "SELECT 1 FROM consent c"
                ' WHERE c.client = "client"."id" AND c.organisation = {} AND c.given = {}',
                viewer.org_id,
                True,
                alias="consented",
            ),
            _flag(
                "SELECT 1 FROM partnership p"
                ' WHERE p.ocmw = "client"."ocmw" AND (p.partner = {} OR p.vdab = {})',
                viewer.org_id,
                viewer.org_id,
                alias="partnered",
            ),
        )
        .where(Client.id == client_id)
        .first()
    )
    if row is None:
        return None
    facts = RelationFacts(
        client_ocmw_id=row["ocmw"],
        in_care_team=bool(row.pop("in_care_team")),
        consent_for_viewer_org=bool(row.pop("consented")),
        partnered_with_ocmw=bool(row.pop("partnered")),
    )
    return row, relation_of(viewer, facts)


def readable_events_condition(viewer: Viewer, relation: Relation) -> Condition | None:
    """A condition on ``TimelineEvent`` for the events this viewer may read in full.

    Built from ``may_read_audience`` and ``access`` for every audience and class, so it says the
    same as ``projection.event_readable``. ``None`` means no event is readable.
    """
    shown = [
        cls.value for cls in Sensitivity if access(viewer.roles, relation, cls) is Access.shown
    ]
    if not shown:
        return None
    audiences: list[Condition] = []
    for audience in Audience:
        anyone = may_read_audience(relation, audience, same_org_as_author=False)
        own = may_read_audience(relation, audience, same_org_as_author=True)
        if anyone:
            audiences.append(TimelineEvent.audience == audience.value)
        elif own:
            audiences.append(
                (TimelineEvent.audience == audience.value)
                & (TimelineEvent.author_org == viewer.org_id)
            )
    readable = _any(audiences)
    if readable is None:
        return None
    return readable & TimelineEvent.sensitivity.is_in(shown)


def timeline_condition(
    viewer: Viewer, relation: Relation, *, kind: str | None
) -> Condition | bool | None:
    """The rows a timeline page reads: all (as placeholders) for the care team, else readable ones.

    Returns ``True`` for "no extra condition", ``None`` for "nothing at all". Filtering by kind
    only returns readable events, so a placeholder never reveals its kind.
    """
    if sees_withheld_placeholders(relation) and kind is None:
        return True
    return readable_events_condition(viewer, relation)

"""The relation rule written out by hand in Python: the oracle the SQL rule is tested against.

``portal.clients.visibility.CLIENT_RELATION`` is the rule the portal runs (compiled to SQL); this is
the same rule stated independently, from DESIGN.md §4, so a change to one without the other fails.
"""

from __future__ import annotations

from dataclasses import dataclass

from portal.visibility.policy import Relation, Role
from portal.visibility.viewer import Viewer


@dataclass(frozen=True)
class RelationFacts:
    client_id: int
    client_ocmw_id: int
    file_holder_id: int | None
    in_care_team: bool
    consent_for_viewer_org: bool
    partnered_with_ocmw: bool


def relation_of(viewer: Viewer, facts: RelationFacts) -> Relation:
    """The viewer's relation to a client. The file holder is one named social worker; a colleague
    who stated a reason (this session) sees more. Outside the file-holding OCMW, no consent means
    no relation at all."""
    if facts.client_ocmw_id == viewer.org_id:
        social_worker = Role.social_worker in viewer.roles
        if social_worker and facts.file_holder_id == viewer.person_id:
            return Relation.file_holder
        if social_worker and facts.client_id in viewer.unlocked:
            return Relation.same_org_reason
        return Relation.care_team if facts.in_care_team else Relation.same_org
    if not facts.consent_for_viewer_org:
        return Relation.none
    if facts.in_care_team:
        return Relation.care_team
    if facts.partnered_with_ocmw:
        return Relation.partner_org
    return Relation.none


async def facts_for(viewer: Viewer) -> dict[int, RelationFacts]:
    """Every client's facts for ``viewer``, read without the portal's rule (and its scope)."""
    from portal.accounts.tables import Partnership
    from portal.clients.tables import CareTeamMember, Client, Consent
    from portal.visibility.scoping import unscoped

    with unscoped("test oracle: the facts the relation rule is checked against"):
        clients = await Client.select(Client.id, Client.ocmw, Client.file_holder)
        team = {
            row["client"]
            for row in await CareTeamMember.select(CareTeamMember.client).where(
                CareTeamMember.person == viewer.person_id
            )
        }
        consented = {
            row["client"]
            for row in await Consent.select(Consent.client).where(
                (Consent.organisation == viewer.org_id) & (Consent.given == True)  # noqa: E712
            )
        }
    partnered = {
        row["ocmw"]
        for row in await Partnership.select(Partnership.ocmw).where(
            (Partnership.partner == viewer.org_id) | (Partnership.vdab == viewer.org_id)
        )
    }
    return {
        row["id"]: RelationFacts(
            client_id=row["id"],
            client_ocmw_id=row["ocmw"],
            file_holder_id=row["file_holder"],
            in_care_team=row["id"] in team,
            consent_for_viewer_org=row["id"] in consented,
            partnered_with_ocmw=row["ocmw"] in partnered,
        )
        for row in clients
    }


@dataclass(frozen=True)
class CourseFacts:
    course_id: int
    ocmw_id: int
    organiser_id: int
    organiser_org_id: int
    partnered_with_ocmw: bool


def course_relation(viewer: Viewer, facts: CourseFacts) -> Relation:
    """The viewer's relation to a course: the people of the OCMW it runs for, of the organiser's
    organisation, of a partner of that OCMW."""
    if viewer.org_kind == "ocmw" and facts.ocmw_id == viewer.org_id:
        return Relation.same_org
    if facts.organiser_org_id == viewer.org_id:
        return Relation.author_org
    if facts.partnered_with_ocmw:
        return Relation.partner_org
    return Relation.none


async def course_facts_for(viewer: Viewer) -> dict[int, CourseFacts]:
    """Every course's facts for ``viewer``, read without the portal's rule."""
    from portal.accounts.tables import Partnership
    from portal.courses.tables import Course
    from portal.visibility.scoping import unscoped

    with unscoped("test oracle: the facts the course relation rule is checked against"):
        courses = await Course.select(
            Course.id, Course.ocmw, Course.organiser, Course.organiser_org
        )
    partnered = {
        row["ocmw"]
        for row in await Partnership.select(Partnership.ocmw).where(
            (Partnership.partner == viewer.org_id) | (Partnership.vdab == viewer.org_id)
        )
    }
    return {
        row["id"]: CourseFacts(
            course_id=row["id"],
            ocmw_id=row["ocmw"],
            organiser_id=row["organiser"],
            organiser_org_id=row["organiser_org"],
            partnered_with_ocmw=row["ocmw"] in partnered,
        )
        for row in courses
    }

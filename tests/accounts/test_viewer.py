"""The person behind a session, as the visibility policy sees them."""

from __future__ import annotations

from portal.accounts.services import load_viewer
from portal.accounts.tables import Organisation
from portal.visibility.policy import Role
from tests.support.factories import make_org, make_person


async def test_roles_that_do_not_fit_the_organisation_kind_count_for_nothing() -> None:
    org = await make_org("ocmw-x", "ocmw")
    person = await make_person("p.x", org, "social_worker", "coordinator")
    viewer = await load_viewer(person)
    assert viewer is not None and viewer.roles == {Role.social_worker, Role.coordinator}

    await Organisation.update({Organisation.kind: "partner"}).where(Organisation.id == org)
    viewer = await load_viewer(person)
    assert viewer is not None and viewer.roles == {Role.coordinator}


async def test_a_deactivated_person_has_no_viewer() -> None:
    org = await make_org("vdab", "vdab")
    person = await make_person("m.x", org, "mediator", active=False)
    assert await load_viewer(person) is None

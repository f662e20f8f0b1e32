"""The writes that shape a client file, through their fixed routes: who may make each one, what a
refusal looks like (a Dutch message next to the field, the input kept, nothing written) and what
the timeline shows afterwards."""

from __future__ import annotations

import datetime as dt
import json

import httpx

from portal.clients.tables import CareTeamMember, Client, Consent
from portal.timeline.tables import TimelineEvent
from portal.visibility.scoping import unscoped
from tests.conftest import login
from tests.support.factories import build_world, secret

VALID = {
    "first_name": "Aïssatou",
    "last_name": "Diallo",
    "birth_date": "1985-07-30",
    "national_number": "85.07.30-033.28",
    "municipality": "Zottegem",
    "phone": "+32 470 12 34 56",
}


async def _events(client_id: int) -> list[dict]:
    with unscoped("test: the timeline as written"):
        return list(
            await TimelineEvent.select()
            .where(TimelineEvent.client == client_id)
            .order_by(TimelineEvent.id)
        )


async def _client_row(client_id: int) -> dict:
    with unscoped("test: the stored client"):
        row = await Client.select().where(Client.id == client_id).first()
    assert row is not None
    return row


async def test_a_social_worker_registers_a_client_and_holds_the_file(
    client: httpx.AsyncClient,
) -> None:
    world = await build_world()
    token = await login(client, "sw.a")
    assert (await client.get("/clients/new")).status_code == 200
    response = await client.post("/clients", data={"csrf_token": token, **VALID})
    assert response.status_code == 303
    client_id = int(response.headers["location"].split("/")[2].split("?")[0])
    row = await _client_row(client_id)
    assert row["ocmw"] == world.orgs["ocmw-a"] and row["file_holder"] == world.people["sw.a"]
    assert row["national_number"] == "85.07.30-033.28" and row["status"] == "intake"
    assert row["search_name"] == "aissatou diallo" and row["last_activity_at"] is not None
    assert [e["kind"] for e in await _events(client_id)] == ["client.registered"]
    page = (await client.get(response.headers["location"])).text
    assert "Aïssatou Diallo" in page and "U bent dossierhouder" in page

    again = await client.post("/clients", data={"csrf_token": token, **VALID})
    assert again.status_code == 422
    assert "Dit OCMW heeft al een dossier met dit rijksregisternummer." in again.text
    assert f'href="/clients/{client_id}"' in again.text
    with unscoped("test: nothing half-written"):
        assert await Client.count().where(Client.national_number == VALID["national_number"]) == 1


async def test_registration_refusals_keep_the_input(client: httpx.AsyncClient) -> None:
    await build_world()
    token = await login(client, "sw.a")
    with unscoped("test: counting files"):
        before = await Client.count()
    for changed, field, message in (
        ({"national_number": "85.07.30-033.29"}, "national_number", "juist controlegetal"),
        ({"national_number": "12345"}, "national_number", "11 cijfers"),
        ({"birth_date": "1985-07-31"}, "national_number", "andere geboortedatum"),
        ({"birth_date": "30/07/1985"}, "birth_date", "als datum"),
        ({"first_name": ""}, "first_name", "Vul de voornaam in."),
    ):
        response = await client.post("/clients", data={"csrf_token": token, **VALID, **changed})
        assert response.status_code == 422, changed
        assert f'id="f-{field}-error"' in response.text and message in response.text, changed
        assert 'value="Diallo"' in response.text  # what was typed comes back
    with unscoped("test: counting files"):
        assert await Client.count() == before


async def test_only_social_workers_of_an_ocmw_register(client: httpx.AsyncClient) -> None:
    await build_world()
    for username in ("toeleider", "mediator", "coordinator.a", "admin"):
        token = await login(client, username)
        assert (await client.get("/clients/new")).status_code == 403
        response = await client.post("/clients", data={"csrf_token": token, **VALID})
        assert response.status_code == 403, username
        assert "/clients/new" not in (await client.get("/clients")).text


async def test_the_file_holder_shapes_the_care_team(client: httpx.AsyncClient) -> None:
    world = await build_world()
    y = world.clients["Y"]
    token = await login(client, "sw.a")
    removed = await client.post(
        f"/clients/{y}/team",
        data={"csrf_token": token, "username": "toeleider", "action": "remove"},
    )
    assert removed.status_code == 303
    for form, message in (
        ({"username": "toeleider.out", "action": "add"}, None),
        ({"username": "toeleider.out", "action": "add"}, "zit al in het zorgteam"),
        ({"username": "sw.b", "action": "add"}, "Kies een toeleider of VDAB-bemiddelaar"),
        ({"username": "sw.a", "action": "remove"}, "De dossierhouder blijft"),
        ({"username": "toeleider", "action": "remove"}, "zit niet in het zorgteam"),
        ({"username": "mediator", "action": "promote"}, "Kies toevoegen of verwijderen."),
    ):
        response = await client.post(f"/clients/{y}/team", data={"csrf_token": token, **form})
        if message is None:
            assert response.status_code == 303
        else:
            assert response.status_code == 422 and message in response.text, form
    with unscoped("test: the stored team"):
        team = await CareTeamMember.select(CareTeamMember.person).where(CareTeamMember.client == y)
    people = {row["person"] for row in team}
    assert people == {world.people[n] for n in ("sw.a", "mediator", "toeleider.out")}
    kinds = [e["kind"] for e in await _events(y)]
    assert kinds[-2:] == ["care_team.left", "care_team.joined"]

    # toeleider.out is in Y's care team now, but the partner has no consent for Y: still 404
    for username, status in (("coordinator.a", 403), ("sw.a2", 403), ("toeleider.out", 404)):
        token = await login(client, username)
        response = await client.post(
            f"/clients/{y}/team",
            data={"csrf_token": token, "username": "mediator", "action": "remove"},
        )
        assert response.status_code == status, username


async def test_withdrawn_consent_hides_the_file_at_once(client: httpx.AsyncClient) -> None:
    world = await build_world()
    x = world.clients["X"]
    await login(client, "mediator.out")
    assert (await client.get(f"/clients/{x}")).status_code == 200
    token = await login(client, "sw.a")
    withdrawn = await client.post(
        f"/clients/{x}/consent", data={"csrf_token": token, "organisation": "vdab", "given": "no"}
    )
    assert withdrawn.status_code == 303
    page = (await client.get(f"/clients/{x}")).text
    # the file holder sees that the care team's mediator is now locked out
    assert "geen toestemming voor deze organisatie" in page
    await login(client, "mediator.out")
    assert (await client.get(f"/clients/{x}")).status_code == 404
    await login(client, "mediator")  # in the care team: told why, and whom to ask
    locked = await client.get(f"/clients/{x}")
    assert locked.status_code == 403 and "Vraag het aan de dossierhouder, Sw A" in locked.text
    assert "FirstX" not in locked.text and secret("X", "phone") not in locked.text
    for username in ("mediator.out", "mediator"):
        await login(client, username)
        assert (await client.get(f"/clients/{x}/timeline")).status_code == 404
    with unscoped("test: the stored consent"):
        row = (
            await Consent.select()
            .where((Consent.client == x) & (Consent.organisation == world.orgs["vdab"]))
            .first()
        )
    assert row is not None and row["given"] is False
    assert (await _events(x))[-1]["kind"] == "consent.withdrawn"

    token = await login(client, "sw.a")
    for form, field in (
        ({"organisation": "ocmw-b", "given": "yes"}, "organisation"),
        ({"organisation": "vdab", "given": "maybe"}, "given"),
    ):
        response = await client.post(f"/clients/{x}/consent", data={"csrf_token": token, **form})
        assert response.status_code == 422 and f'id="f-consent-{field}-error"' in response.text


async def test_notes_keep_their_class_from_partners(client: httpx.AsyncClient) -> None:
    world = await build_world()
    x = world.clients["X"]
    token = await login(client, "sw.a")
    for text, audience, sensitivity in (
        ("SCHULD-NOTITIE", "care_team", "social"),
        ("GEZONDHEID-NOTITIE", "care_team", "health"),
        ("OCMW-NOTITIE", "own_org", "trajectory"),
        ("HOUDER-NOTITIE", "file_holder_only", "trajectory"),
    ):
        response = await client.post(
            f"/clients/{x}/notes",
            data={
                "csrf_token": token,
                "text": text,
                "audience": audience,
                "sensitivity": sensitivity,
            },
        )
        assert response.status_code == 303, text
    page = (await client.get(f"/clients/{x}")).text
    assert "SCHULD-NOTITIE" in page and "zichtbaar voor: enkel dossierhouder" in page

    token = await login(client, "toeleider")
    added = await client.post(
        f"/clients/{x}/notes",
        data={"csrf_token": token, "text": "Cliënt kwam op tijd", "audience": "care_team"},
    )
    assert added.status_code == 303
    refused = await client.post(
        f"/clients/{x}/notes",
        data={
            "csrf_token": token,
            "text": "Over de schulden",
            "audience": "care_team",
            "sensitivity": "social",
        },
    )
    assert refused.status_code == 422 and 'id="f-note-sensitivity-error"' in refused.text
    assert "Over de schulden" in refused.text  # the text comes back
    empty = await client.post(
        f"/clients/{x}/notes", data={"csrf_token": token, "text": " ", "audience": "care_team"}
    )
    assert empty.status_code == 422 and "Schrijf de notitie." in empty.text
    for username in ("toeleider", "mediator", "mediator.out", "toeleider.out"):
        await login(client, username)
        body = (await client.get(f"/clients/{x}")).text
        body += (await client.get(f"/clients/{x}/timeline?kind=note.added")).text
        for hidden in ("SCHULD-NOTITIE", "GEZONDHEID-NOTITIE", "OCMW-NOTITIE", "HOUDER-NOTITIE"):
            assert hidden not in body, (username, hidden)
    await login(client, "toeleider")
    assert "Cliënt kwam op tijd" in (await client.get(f"/clients/{x}")).text

    token = await login(client, "sw.a2")  # a colleague outside the care team writes no notes
    colleague = await client.post(
        f"/clients/{x}/notes", data={"csrf_token": token, "text": "x", "audience": "own_org"}
    )
    assert colleague.status_code == 403


async def test_ladder_status_and_agreement_note(client: httpx.AsyncClient) -> None:
    world = await build_world()
    x = world.clients["X"]
    token = await login(client, "sw.a")
    for url, form in (
        ("ladder", {"step": "4", "reason": "Vrijwilligerswerk in het buurthuis"}),
        ("status", {"status": "on_hold", "reason": "Eerst Nederlandse les"}),
        ("agreement", {"living_wage_start": "2026-01-05"}),
    ):
        response = await client.post(f"/clients/{x}/{url}", data={"csrf_token": token, **form})
        assert response.status_code == 303, url
    row = await _client_row(x)
    assert row["ladder_step"] == 4 and row["status"] == "on_hold"
    assert row["living_wage_start"] == dt.date(2026, 1, 5) and row["agreement_note_on"] is None
    page = (await client.get(f"/clients/{x}")).text
    assert "Trede 4 – onbetaald werk" in page and "In wacht" in page
    assert "tegen 05-04-2026" in page and "te laat" in page  # due three months after the start
    assert "Status: statusX → In wacht" in page and "Eerst Nederlandse les" in page
    kinds = [e["kind"] for e in await _events(x)][-3:]
    assert kinds == ["ladder.changed", "status.changed", "agreement_note.recorded"]

    for url, form, field in (
        ("ladder", {"step": "7", "reason": "te hoog"}, "step"),
        ("ladder", {"step": "5", "reason": ""}, "reason"),
        ("ladder", {"step": "4", "reason": "dezelfde trede"}, "step"),
        ("status", {"status": "active", "reason": ""}, "status"),
        ("status", {"status": "closed", "reason": ""}, "reason"),
        ("agreement", {"living_wage_start": ""}, "living_wage_start"),
        (
            "agreement",
            {"living_wage_start": "2026-01-05", "agreement_note_on": "2999-01-01"},
            "agreement_note_on",
        ),
    ):
        response = await client.post(f"/clients/{x}/{url}", data={"csrf_token": token, **form})
        assert response.status_code == 422, (url, form)
        assert f'id="f-{url}-{field}-error"' in response.text, (url, form)
    assert await _client_row(x) == row

    for username, status in (
        ("toeleider", 403),
        ("sw.a2", 403),
        ("coordinator.a", 403),
        ("sw.b", 404),
    ):
        token = await login(client, username)
        for url, form in (
            ("ladder", {"step": "5", "reason": "verder"}),
            ("status", {"status": "closed", "reason": "weg"}),
        ):
            response = await client.post(f"/clients/{x}/{url}", data={"csrf_token": token, **form})
            assert response.status_code == status, (username, url)


async def test_sensitive_sections_open_on_request_only(client: httpx.AsyncClient) -> None:
    world = await build_world()
    x = world.clients["X"]
    await login(client, "sw.a")
    page = (await client.get(f"/clients/{x}")).text
    assert secret("X", "social_report") not in page and secret("X", "health_notes") not in page
    fragment = await client.get(f"/clients/{x}/sensitive/social", headers={"HX-Request": "true"})
    assert fragment.status_code == 200 and "<html" not in fragment.text
    assert (
        secret("X", "social_report") in fragment.text and secret("X", "finances") in fragment.text
    )
    assert secret("X", "health_notes") not in fragment.text
    assert (await client.get(f"/clients/{x}/sensitive/identity")).status_code == 404
    await login(client, "toeleider")
    assert (await client.get(f"/clients/{x}/sensitive/social")).status_code == 404
    assert "/sensitive/" not in (await client.get(f"/clients/{x}")).text


async def test_a_correction_is_a_new_note_that_names_the_old_one(
    client: httpx.AsyncClient,
) -> None:
    world = await build_world()
    x = world.clients["X"]
    token = await login(client, "toeleider")
    first = await client.post(
        f"/clients/{x}/notes",
        data={"csrf_token": token, "text": "Afspraak op dinsdag", "audience": "care_team"},
    )
    assert first.status_code == 303
    original = (await _events(x))[-1]
    page = (await client.get(f"/clients/{x}")).text
    assert f'href="/clients/{x}?corrects={original["id"]}#write-note"' in page
    assert page.count("?corrects=") == 1  # only their own note, not the others' they read
    form = (await client.get(f"/clients/{x}", params={"corrects": original["id"]})).text
    assert f'name="corrects" value="{original["id"]}"' in form
    fixed = await client.post(
        f"/clients/{x}/notes",
        data={
            "csrf_token": token,
            "text": "Afspraak op woensdag, niet dinsdag",
            "audience": "care_team",
            "corrects": str(original["id"]),
        },
    )
    assert fixed.status_code == 303
    events = await _events(x)
    assert events[-2] == original  # the old note stays as it was
    payload = events[-1]["payload"]
    payload = json.loads(payload) if isinstance(payload, str) else payload
    assert payload["corrects"] == original["id"]
    page = (await client.get(f"/clients/{x}")).text
    assert "Correctie op de notitie van" in page and "Afspraak op dinsdag" in page

    # a note the author cannot read cannot be "corrected": its id says nothing
    hidden = next(e for e in events if e["audience"] == "file_holder_only")
    refused = await client.post(
        f"/clients/{x}/notes",
        data={
            "csrf_token": token,
            "text": "poging",
            "audience": "care_team",
            "corrects": str(hidden["id"]),
        },
    )
    assert refused.status_code == 422 and 'id="f-note-corrects-error"' in refused.text

"""A withheld ("afgeschermd") entry shows its day only: no time, no id, in no attribute or cursor."""

from __future__ import annotations

import datetime as dt
import re

import httpx

from portal.timeline.tables import TimelineEvent
from portal.visibility.policy import Audience, Sensitivity
from portal.visibility.scoping import unscoped
from tests.conftest import login
from tests.support.factories import (
    NOW,
    add_event,
    add_to_team,
    make_client,
    make_org,
    make_person,
    set_consent,
)

HTMX = {"HX-Request": "true"}
LOAD_MORE = re.compile(r'hx-get="(/clients/\d+/timeline\?before=([^"]+))"')


async def _timeline_with_withheld_at_the_page_break() -> tuple[int, list[int]]:
    """25 entries, newest first; the 19th to 23rd are the file holder's own (withheld for the
    toeleider), so the first screen of 20 ends in placeholders. Returns the client and the ids of
    the withheld entries."""
    ocmw = await make_org("ocmw-p", "ocmw")
    partner = await make_org("partner-p", "partner")
    worker = await make_person("sw.p", ocmw, "social_worker")
    toeleider = await make_person("toeleider.p", partner, "toeleider")
    client_id = await make_client(ocmw, "P")
    await add_to_team(client_id, toeleider)
    await set_consent(client_id, partner, True)
    withheld = []
    for index in range(25):
        hidden = 18 <= index <= 22
        event_id = await add_event(
            client_id,
            author=worker,
            author_org=ocmw,
            audience=Audience.file_holder_only if hidden else Audience.care_team,
            sensitivity=Sensitivity.health if hidden else Sensitivity.trajectory,
            subject=f"entry {index:02d}",
            occurred_at=NOW - dt.timedelta(minutes=index, seconds=7),
        )
        if hidden:
            withheld.append(event_id)
    return client_id, withheld


async def test_placeholders_and_cursors_carry_no_time_or_id(client: httpx.AsyncClient) -> None:
    client_id, withheld = await _timeline_with_withheld_at_the_page_break()
    with unscoped("test: the withheld entries' own moments"):
        rows = await TimelineEvent.select(TimelineEvent.id, TimelineEvent.occurred_at).where(
            TimelineEvent.id.is_in(withheld)
        )
    secrets = [row["occurred_at"].isoformat() for row in rows]
    secrets += [row["occurred_at"].strftime("%H:%M:%S") for row in rows]
    await login(client, "toeleider.p")

    pages = [(await client.get(f"/clients/{client_id}")).text]
    while match := LOAD_MORE.search(pages[-1]):
        cursor = match.group(2)
        for secret in secrets:
            assert secret not in cursor
        for event_id in withheld:
            assert f"_{event_id}~" not in cursor
        pages.append((await client.get(match.group(1).replace("&amp;", "&"), headers=HTMX)).text)
    whole = "\n".join(pages)

    shown = re.findall(r"<h3>entry (\d+)</h3>", whole)
    assert shown == [f"{i:02d}" for i in range(25) if not 18 <= i <= 22], "each once, in order"
    placeholders = re.findall(r'<li class="event withheld">\s*<time datetime="([^"]+)"', whole)
    assert len(placeholders) == len(withheld)
    assert all(re.fullmatch(r"\d{4}-\d{2}-\d{2}", stamp) for stamp in placeholders)
    for secret in secrets:
        assert secret not in whole

"""The deterministic demo world: two OCMWs, PIN vzw, two VDAB teams, their people, 40 clients
and their timelines, the signals and referral questions of the last year, written only through
the portal's services, so every ``portal demo`` runs the real write path and meets its rules (who
may write what, and when).

``plan`` draws the world from ``random.Random(SEED)`` around the fixed moment ``REFERENCE``, so
every machine gets the same one; ``accounts``, ``clients`` and ``timeline`` write their part of
it. Each client's story is replayed in time order, as the services check the state at each write
(a toeleider writes only while in the care team and while the client's consent for PIN holds).
The signals (``signals``) and the referral questions (``questions``) alone are dated back from
the day the demo is loaded, so the OCMW's and the VDAB teams' queues always hold fresh items and
overdue ones.
"""

from __future__ import annotations

import random
from collections.abc import Awaitable, Callable
from functools import partial

from portal.accounts.tables import Organisation, Person
from portal.clients.tables import Client
from portal.core.db import unit_of_work
from portal.core.storage import DocumentStore
from portal.demo import (
    clients,
    courses,
    documents,
    evaluations,
    filelife,
    inbox,
    plan,
    questions,
    review,
    signals,
    timeline,
    trajectory,
)
from portal.demo.accounts import ZOTTEGEM, create_world
from portal.demo.story import DemoClient, Note
from portal.signals.tables import Signal
from portal.timeline.tables import TimelineEvent
from portal.visibility.scoping import unscoped
from portal.visibility.viewer import Viewer

__all__ = ["load_demo"]


async def _tell(actors: dict[str, Viewer], client: DemoClient) -> int:
    holder = actors[client.social_worker]
    client_id = await clients.register(holder, client)
    for action in client.story:
        if isinstance(action, Note):
            await timeline.write(actors[action.author], client_id, action)
        else:
            await clients.write(holder, client_id, action)
    return client_id


Files = dict[str, int]
"""The demo files by the client's full name ("Amina Benali")."""
Story = Callable[[dict[str, Viewer], Files], Awaitable[None]]
SHARED_STORIES: tuple[Story, ...] = (
    trajectory.tell,
    courses.tell,
    review.tell,
    signals.tell,
)
"""Stories that span several files (a course, a review list, signals about some clients), told
once every file exists."""


async def summary() -> str:
    with unscoped("demo summary: counts only"):
        tables = (Organisation, Person, Client, TimelineEvent, Signal)
        counts = [await table.count() for table in tables]
    return "{} organisations, {} people, {} clients, {} timeline events, {} signals".format(*counts)


async def load_demo(store: DocumentStore) -> str:
    """Load the demo world, in one unit of work, unless it is there; say what the database holds.
    Documents go to ``store``; if the load fails, what it stored is left to the sweep."""
    async with unit_of_work():
        if not await Organisation.exists().where(Organisation.code == ZOTTEGEM):
            actors = await create_world()
            files: Files = {}
            for client in plan.world(random.Random(plan.SEED)):  # noqa: S311 (demo data, not secrets)
                files[f"{client.first_name} {client.last_name}"] = await _tell(actors, client)
            stories: list[Story] = [
                *SHARED_STORIES,
                partial(documents.tell, store=store),
                questions.tell,  # after the documents: a question may share a file's document
                filelife.tell,  # closed files take no entry any more: after every other story
                evaluations.tell,  # counts what every story wrote
                inbox.tell,  # last: what every story sent is there
            ]
            for story in stories:
                await story(actors, files)
    return await summary()

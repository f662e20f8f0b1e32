"""A transfer racing a write lands consistently: the former file holder's private note, written
while the file moves, either lands before the move (and then stays with the former OCMW like
every other such entry) or is refused after it; it never reaches the new file holder.

Both orders are forced: a write holding the client's row lock while the acceptance starts, and an
acceptance holding it (paused in a check every write passes, ``before_append``) while the write
starts. On SQLite the two transactions serialise on the database lock, on PostgreSQL on the row.
"""

from __future__ import annotations

import asyncio
from typing import Any

from portal.accounts.services import load_viewer
from portal.core.db import unit_of_work
from portal.timeline import services as timeline
from portal.timeline.events import NOTE
from portal.timeline.services import FileReadOnly, append
from portal.timeline.tables import TimelineEvent
from portal.transfers import services as transfers
from portal.transfers.tables import Transfer
from portal.visibility.policy import Audience, Sensitivity
from portal.visibility.scoping import unscoped
from portal.visibility.viewer import Viewer
from tests.support.factories import World, build_world

NOTE_TEXT = "Schuldbemiddeling loopt nog: pas op met nieuwe afspraken"


async def _viewer(world: World, username: str) -> Viewer:
    viewer = await load_viewer(world.people[username])
    assert viewer is not None
    return viewer


async def _proposed(world: World) -> int:
    holder = await _viewer(world, "sw.a")
    return await transfers.propose(
        holder,
        world.clients["X"],
        {"to": "ocmw-b", "note": "Verhuist naar de andere gemeente deze maand."},
    )


async def _write(former: Viewer, client_id: int, text: str, hold: asyncio.Event | None) -> None:
    async with unit_of_work():
        await append(
            client_id,
            NOTE,
            actor=former,
            audience=Audience.file_holder_only,
            sensitivity=Sensitivity.social,
            text=text,
        )
        if hold is not None:
            hold.set()
            await asyncio.sleep(0.3)


async def _note(text: str) -> dict[str, Any] | None:
    with unscoped("test: whether the racing note landed, and how"):
        row = (
            await TimelineEvent.select(TimelineEvent.left_behind)
            .where(TimelineEvent.text == text)
            .first()
        )
    return None if row is None else dict(row)


async def _state(transfer_id: int) -> str:
    with unscoped("test: the transfer's state"):
        row = await Transfer.select(Transfer.state).where(Transfer.id == transfer_id).first()
    return str(row["state"])


async def test_a_note_written_while_the_move_waits_stays_with_the_former_ocmw() -> None:
    world = await build_world()
    transfer_id = await _proposed(world)
    former, receiver = await _viewer(world, "sw.a"), await _viewer(world, "sw.b")
    holding = asyncio.Event()

    async def accept() -> None:
        await holding.wait()
        await transfers.accept(receiver, transfer_id)

    await asyncio.gather(_write(former, world.clients["X"], NOTE_TEXT, holding), accept())
    assert await _state(transfer_id) == "accepted"
    assert await _note(NOTE_TEXT) == {"left_behind": True}


async def test_a_note_written_while_the_move_holds_the_file_is_refused() -> None:
    world = await build_world()
    transfer_id = await _proposed(world)
    former, receiver = await _viewer(world, "sw.a"), await _viewer(world, "sw.b")
    moving = asyncio.Event()

    async def pause_the_move(_client: int, actor: Any, _ocmw: int) -> None:
        if actor.person_id == receiver.person_id and not moving.is_set():
            moving.set()
            await asyncio.sleep(0.3)

    async def write() -> BaseException | None:
        await moving.wait()
        try:
            await _write(former, world.clients["X"], NOTE_TEXT, None)
        except FileReadOnly as refused:
            return refused
        return None

    timeline._guards.append(pause_the_move)
    try:
        _, outcome = await asyncio.gather(transfers.accept(receiver, transfer_id), write())
    finally:
        timeline._guards.remove(pause_the_move)
    assert await _state(transfer_id) == "accepted"
    assert isinstance(outcome, FileReadOnly), "the late write is refused"
    assert await _note(NOTE_TEXT) is None, "and nothing of it was written"

"""The live hub and the stream it feeds: topics, the end of every stream when the process stops,
a stream that falls behind, the bytes of a stream, and the fan-out between processes via Redis."""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from pathlib import Path

import pytest
from redis.asyncio import Redis

from portal.core import live
from portal.testing.processes import ServerProcess, clean_env, free_port

REDIS_URL = "redis://127.0.0.1:6379/15"
REDIS_SERVER = "/usr/bin/redis-server"


async def test_a_message_reaches_the_subscribers_of_its_topic_only() -> None:
    hub = live.Hub()
    await hub.start()
    try:
        async with hub.subscribe("client:1") as one, hub.subscribe("client:2") as two:
            await hub.publish("client:1", "7")
            assert await one.receive(within=1) == "7"
            assert await two.receive(within=0.01) is None
        assert hub.stream_count == 0
    finally:
        await hub.stop()


async def test_stopping_ends_every_stream_and_refuses_new_ones() -> None:
    hub = live.Hub()
    await hub.start()
    async with hub.subscribe("person:1") as subscription:
        hub.end_streams()
        with pytest.raises(live.StreamEnded):
            await subscription.receive(within=1)
    assert hub.closing
    with pytest.raises(live.HubClosed):
        async with hub.subscribe("person:1"):
            pass
    await hub.stop()
    assert hub not in live._running


async def test_a_stream_that_falls_behind_ends() -> None:
    hub = live.Hub()
    async with hub.subscribe("client:1") as subscription:
        for number in range(live.MAX_PENDING + 5):
            await hub.publish("client:1", str(number))
        for number in range(live.MAX_PENDING):
            assert await subscription.receive(within=1) == str(number)
        with pytest.raises(live.StreamEnded):
            await subscription.receive(within=1)


async def _collect(stream: object, count: int) -> list[bytes]:
    chunks = []
    async for chunk in stream:  # type: ignore[attr-defined]
        chunks.append(chunk)
        if len(chunks) == count:
            break
    return chunks


async def test_a_stream_sends_heartbeats_rendered_messages_and_its_end() -> None:
    hub = live.Hub()
    checks: list[str] = []
    verdicts: list[Exception | None] = [None, None, live.EndStream()]

    async def check() -> None:
        checks.append("checked")
        verdict = verdicts.pop(0)
        if verdict is not None:
            raise verdict

    async def render(message: str) -> bytes | None:
        return live.event(f"<li>{message}</li>\n<li>two lines</li>") if message != "skip" else None

    async with hub.subscribe("client:1") as subscription:
        await hub.publish("client:1", "skip")
        await hub.publish("client:1", "7")
        stream = live.event_stream(subscription, heartbeat=0.01, check=check, render=render)
        chunks = [chunk async for chunk in stream]
    assert chunks == [
        live.CONNECTED,
        b"data: <li>7</li>\ndata: <li>two lines</li>\n\n",
        b"event: end\ndata: \n\n",
    ]
    assert len(checks) == 3


async def test_a_stream_checks_its_reader_at_each_heartbeat_and_may_reconnect() -> None:
    hub = live.Hub()
    verdicts: list[Exception | None] = [None, live.Reconnect()]

    async def check() -> None:
        verdict = verdicts.pop(0)
        if verdict is not None:
            raise verdict

    async def render(message: str) -> bytes | None:
        raise AssertionError("no message was published")

    async with hub.subscribe("client:1") as subscription:
        stream = live.event_stream(subscription, heartbeat=0.01, check=check, render=render)
        chunks = [chunk async for chunk in stream]
    assert chunks == [live.CONNECTED, live.HEARTBEAT]


async def test_redis_carries_a_message_from_one_process_hub_to_another() -> None:
    namespace = "brug-live-test:" + secrets.token_hex(4)
    one = live.RedisHub(Redis.from_url(REDIS_URL), namespace)
    two = live.RedisHub(Redis.from_url(REDIS_URL), namespace)
    elsewhere = live.RedisHub(Redis.from_url(REDIS_URL), namespace + "-other")
    for hub in (one, two, elsewhere):
        await hub.start()
    try:
        async with (
            two.subscribe("client:5") as subscription,
            elsewhere.subscribe("client:5") as other,
        ):
            await one.publish("client:5", "42")
            assert await subscription.receive(within=10) == "42"
            await elsewhere.publish("client:5", "43")
            assert await other.receive(within=10) == "43"
            await two.publish("client:5", "44")
            assert await subscription.receive(within=10) == "44"
            assert await other.receive(within=0.2) is None
    finally:
        for hub in (one, two, elsewhere):
            await hub.stop()


def test_processes_on_one_database_share_a_namespace() -> None:
    one = live.namespace_for("postgresql://db/brug")
    assert one == live.namespace_for("postgresql://db/brug")
    assert one != live.namespace_for("postgresql://db/other")


@pytest.fixture
def own_redis(tmp_path: Path) -> Iterator[ServerProcess]:
    """A Redis server of this test's own, which the test may stop and start again."""
    port = free_port()
    argv = [REDIS_SERVER, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--dir"]
    server = ServerProcess([*argv, str(tmp_path)], clean_env(), port, name="redis-server")
    yield server
    server.stop()


def _started(server: ServerProcess) -> ServerProcess:
    server.start()
    server.wait_for_line(lambda line: "Ready to accept connections" in line)
    return server


@pytest.mark.slow
async def test_a_process_hears_again_once_redis_is_back(own_redis: ServerProcess) -> None:
    url = f"redis://127.0.0.1:{own_redis.port}/0"
    _started(own_redis)
    listening = live.RedisHub(Redis.from_url(url), "brug-live-test")
    await listening.start()
    try:
        async with listening.subscribe("client:1") as subscription:
            own_redis.stop()
            restarted = ServerProcess(own_redis.argv, own_redis.env, own_redis.port)
            _started(restarted)
            try:
                publisher = Redis.from_url(url)
                try:
                    for _attempt in range(100):
                        await publisher.publish("brug-live-test:client:1", "7")
                        if await subscription.receive(within=0.1) == "7":
                            break
                    else:
                        raise AssertionError("the hub never heard Redis again")
                finally:
                    await publisher.aclose()
            finally:
                restarted.stop()
    finally:
        await listening.stop()

"""A Redis server of one test's own, for tests whose portal processes share sessions and live
updates through Redis: on the machine's Redis, one test's flush or keys ended the sessions of a
test running beside it in another worker (a stream closed, its entry never came)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import redis

from portal.testing.processes import RedisServer


@dataclass(frozen=True)
class OwnRedis:
    url: str
    client: redis.Redis


@contextmanager
def own_redis_server(folder: Path) -> Iterator[OwnRedis]:
    with RedisServer(folder, persistent=False) as server:
        client = redis.Redis.from_url(server.url)
        try:
            yield OwnRedis(server.url, client)
        finally:
            client.close()

"""The one way the portal makes a Redis client (sessions, live updates)."""

from __future__ import annotations

from redis.asyncio import Redis
from redis.asyncio.retry import Retry
from redis.backoff import ExponentialBackoff
from redis.exceptions import ConnectionError as RedisConnectionError

RETRIES = 2


def redis_client(url: str) -> Redis:
    """A client whose command goes again, on a fresh connection, when the pooled connection it
    took turns out closed. After Redis restarts, every connection the pool kept from before is
    closed; ``Redis.from_url`` alone retries nothing, so each of them failed one request (a 503)
    at its first use, up to minutes later (``make faults``). Every command the portal sends may
    run twice (session writes are idempotent, a live update is a hint)."""
    return Redis.from_url(
        url,
        retry=Retry(ExponentialBackoff(cap=0.2, base=0.02), RETRIES),
        retry_on_error=[RedisConnectionError],
    )

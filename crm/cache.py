"""A Redis cache that degrades to "no cache" while Redis is unreachable.

Keel keeps nothing in the cache that it cannot lose (sessions live in PostgreSQL), so a
Redis outage must not turn pages into errors: reads miss, writes are dropped, and
``add`` (used by allauth's rate limits as a lock) succeeds, so rate limits fail open until
Redis returns. Each failure is logged.

It also keeps one Redis client (and so one connection pool) per server for the whole
process. Django's cache handler is context-local, so under ASGI every request gets a fresh
``RedisCache`` and, with Django's own backend, a fresh pool: a new TCP connection to Redis
on every request, which cost a fifth of the CPU of a simple page. redis-py's pools are
thread-safe and notice a fork, so sharing them is safe.
"""

from __future__ import annotations

import functools
import logging
import threading
from collections.abc import Callable
from typing import Any

from django.core.cache.backends.redis import RedisCache, RedisCacheClient
from django.utils.functional import cached_property
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

logger = logging.getLogger(__name__)
UNREACHABLE = (RedisConnectionError, RedisTimeoutError, OSError)


def _degrading(method: Callable[..., Any], fallback: Callable[..., Any]) -> Any:
    """``method``, answering ``fallback(*args)`` instead of raising when Redis is away."""

    @functools.wraps(method)
    def wrapper(self: RedisCache, *args: Any, **kwargs: Any) -> Any:
        try:
            return method(self, *args, **kwargs)
        except UNREACHABLE as error:
            logger.warning("Cache unavailable (%s skipped): %s", method.__name__, error)
            return fallback(*args, **kwargs)

    return wrapper


def _nothing(*args: Any, **kwargs: Any) -> None:
    return None


class SharedRedisCacheClient(RedisCacheClient):
    """Django's client, making the redis-py ``Redis`` object once per server instead of on
    every call (its constructor fills a table of a hundred response callbacks)."""

    def __init__(self, servers: Any, **options: Any) -> None:
        super().__init__(servers, **options)
        self._redis_objects: dict[int, Any] = {}

    def get_client(self, key: Any = None, *, write: bool = False) -> Any:
        # Django's private helpers, absent from its type stubs.
        index = self._get_connection_pool_index(write)  # type: ignore[attr-defined]
        client = self._redis_objects.get(index)
        if client is None:
            pool = self._get_connection_pool(write)  # type: ignore[attr-defined]
            client = self._redis_objects.setdefault(
                index,
                self._client(connection_pool=pool),  # type: ignore[attr-defined]
            )
        return client


_clients: dict[str, RedisCacheClient] = {}
_clients_lock = threading.Lock()


class ResilientRedisCache(RedisCache):
    @cached_property
    def _cache(self) -> RedisCacheClient:
        servers, options = self._servers, self._options  # type: ignore[attr-defined]
        key = repr((servers, sorted(options.items())))
        client = _clients.get(key)
        if client is None:
            with _clients_lock:
                client = _clients.setdefault(key, SharedRedisCacheClient(servers, **options))
        return client

    get = _degrading(RedisCache.get, lambda key, default=None, version=None: default)
    get_many = _degrading(RedisCache.get_many, lambda *args, **kwargs: {})
    set = _degrading(RedisCache.set, _nothing)
    set_many = _degrading(RedisCache.set_many, lambda data, *args, **kwargs: list(data))
    add = _degrading(RedisCache.add, lambda *args, **kwargs: True)
    delete = _degrading(RedisCache.delete, lambda *args, **kwargs: False)
    delete_many = _degrading(RedisCache.delete_many, _nothing)
    touch = _degrading(RedisCache.touch, lambda *args, **kwargs: False)
    has_key = _degrading(RedisCache.has_key, lambda *args, **kwargs: False)

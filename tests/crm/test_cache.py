"""With Redis unreachable, the cache misses instead of failing the request."""

import pytest

from crm.cache import ResilientRedisCache

DOWN = "redis://127.0.0.1:1/0"  # nothing listens on port 1


@pytest.fixture
def cache():
    return ResilientRedisCache(DOWN, {"OPTIONS": {"socket_connect_timeout": 0.2}})


def test_reads_miss_and_writes_are_dropped(cache, caplog):
    assert cache.get("k", "default") == "default"
    assert cache.get_many(["a", "b"]) == {}
    assert cache.set("k", 1) is None
    assert cache.set_many({"a": 1}) == ["a"]
    assert cache.delete("k") is False
    assert cache.has_key("k") is False
    assert "Cache unavailable" in caplog.text


def test_add_succeeds_so_locks_and_rate_limits_fail_open(cache):
    assert cache.add("lock", True) is True


def test_every_cache_object_of_a_server_shares_one_client_and_pool():
    # Django makes a new cache object per request under ASGI (its handler is context-local);
    # a pool per object meant a new TCP connection to Redis on every request.
    options = {"OPTIONS": {"socket_connect_timeout": 0.2}}
    first, second = ResilientRedisCache(DOWN, options), ResilientRedisCache(DOWN, options)
    assert first is not second
    assert first._cache is second._cache
    other = ResilientRedisCache("redis://127.0.0.1:2/0", options)
    assert other._cache is not first._cache


def test_the_redis_object_is_made_once_per_server():
    options = {"OPTIONS": {"socket_connect_timeout": 0.2}}
    client = ResilientRedisCache(DOWN, options)._cache
    assert client.get_client("a") is client.get_client("b", write=True)

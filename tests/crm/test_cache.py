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

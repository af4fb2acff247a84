"""Fixed-window rate limits kept in the cache: ``over_rate(key, limit, window)``.

A request counts itself under ``key`` in the current window of ``window`` seconds; past
``limit`` the caller answers 429 with ``Retry-After`` set to what :func:`over_rate`
returned. The counters live in Redis in production (shared by every worker) and in local
memory in the embedded mode. When the cache is unreachable the limit is skipped (logged):
a Redis outage must not lock everyone out of search.
"""

from __future__ import annotations

import logging
import math
import time

from django.core.cache import cache
from django.http import HttpResponse

logger = logging.getLogger(__name__)


def over_rate(key: str, *, limit: int, window: int) -> int:
    """Count one use of ``key``: 0 while within ``limit`` uses per ``window`` seconds, else
    the seconds until the window ends (for ``Retry-After``)."""
    now = time.time()
    start = int(now // window) * window
    bucket = f"ratelimit:{key}:{start}"
    try:
        cache.add(bucket, 0, timeout=window + 5)
        count = cache.incr(bucket)
    except Exception:
        logger.warning("Rate limit %s skipped: cache unavailable.", key, exc_info=True)
        return 0
    if count <= limit:
        return 0
    return max(1, math.ceil(start + window - now))


def too_many(message: str, retry_after: int) -> HttpResponse:
    """The 429 answer: a plain message and when to try again."""
    response = HttpResponse(message, status=429, content_type="text/plain; charset=utf-8")
    response["Retry-After"] = str(retry_after)
    return response

"""Component checks behind ``GET /health/`` and the admin's system status page.

Each check answers ``ok`` or ``fail`` with a short, secret-free detail and its duration.
"""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.conf import settings
from django.core.cache import caches
from django.db import DatabaseError, connection
from django.utils import timezone

from crm.beat import BEAT_HEARTBEAT
from crm.celery import app as celery_app
from crm.models import Heartbeat

logger = logging.getLogger(__name__)

WORKER_TIMEOUT = 3.0


LABELS = {
    "database": "Database",
    "cache": "Cache",
    "channel_layer": "Channel layer",
    "broker": "Broker",
    "worker": "Worker",
    "scheduler": "Scheduler",
}


@dataclass(frozen=True)
class CheckResult:
    name: str
    ok: bool
    detail: str  # for administrators: may name hosts or errors
    ms: float
    public: dict[str, str] = field(default_factory=dict)  # safe for the public endpoint

    @property
    def label(self) -> str:
        return LABELS.get(self.name, self.name)

    def as_public_dict(self) -> dict[str, object]:
        return {"status": "ok" if self.ok else "fail", "ms": self.ms, **self.public}


def check_database() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()
    return connection.vendor


def check_cache() -> str:
    cache = caches["default"]
    key = f"health:{uuid.uuid4().hex}"
    cache.set(key, "1", timeout=10)
    if cache.get(key) != "1":
        raise RuntimeError("value written was not read back")
    cache.delete(key)
    return cache.__class__.__name__


def check_channel_layer() -> str:
    layer = get_channel_layer()
    if layer is None:
        raise RuntimeError("no channel layer configured")

    async def round_trip() -> None:
        channel = await layer.new_channel()
        await layer.send(channel, {"type": "health.check"})
        message = await layer.receive(channel)
        if message.get("type") != "health.check":
            raise RuntimeError("message sent was not received")

    async_to_sync(round_trip)()
    return layer.__class__.__name__


def check_broker() -> str:
    with celery_app.connection_for_write() as conn:
        conn.ensure_connection(max_retries=1, timeout=2)
        return conn.transport_cls if isinstance(conn.transport_cls, str) else "connected"


def check_worker() -> str:
    from crm.tasks import ping_task

    result = ping_task.apply_async(kwargs={"sent_at": time.time()})
    # In embedded mode the worker shares this process, which makes Celery believe every
    # get() is a task waiting on a subtask; this is a request, so waiting is fine.
    answer = result.get(timeout=WORKER_TIMEOUT, interval=0.05, disable_sync_subtasks=False)
    return f"{answer['worker']} answered"


def check_scheduler() -> str:
    beat = Heartbeat.objects.filter(name=BEAT_HEARTBEAT).first()
    if beat is None:
        raise RuntimeError("no heartbeat recorded yet")
    age = (timezone.now() - beat.at).total_seconds()
    if age > settings.CRM_BEAT_HEARTBEAT_SECONDS * 4:
        raise RuntimeError(f"last heartbeat {int(age)} s ago")
    return f"last heartbeat {int(age)} s ago"


def last_beat_heartbeat() -> str:
    """The scheduler's last heartbeat for the public endpoint; empty if it cannot be read."""
    try:
        at = Heartbeat.objects.filter(name=BEAT_HEARTBEAT).values_list("at", flat=True).first()
    except DatabaseError:
        return ""
    return at.isoformat(timespec="seconds") if at else ""


CHECKS: dict[str, Callable[[], str]] = {
    "database": check_database,
    "cache": check_cache,
    "channel_layer": check_channel_layer,
    "broker": check_broker,
    "worker": check_worker,
    "scheduler": check_scheduler,
}


def run_checks() -> list[CheckResult]:
    results = []
    for name, check in CHECKS.items():
        started = time.perf_counter()
        try:
            detail, ok = check(), True
        except Exception as exc:  # a check reports failure, it never raises
            detail, ok = f"{type(exc).__name__}: {exc}"[:200], False
            logger.warning("Health check %s failed: %s", name, detail)
        ms = round((time.perf_counter() - started) * 1000, 1)
        public = {"last_heartbeat": last_beat_heartbeat()} if name == "scheduler" else {}
        results.append(CheckResult(name, ok, detail, ms, public))
    return results

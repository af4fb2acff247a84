"""Kernel tasks: thin wrappers that take ids and call a service (STYLE.md)."""

from __future__ import annotations

import socket
import time

from celery import shared_task
from django.conf import settings
from django.db import InterfaceError, OperationalError

from crm import events


@shared_task(
    acks_late=True,
    autoretry_for=(OperationalError, InterfaceError),
    retry_backoff=True,
    retry_jitter=True,
    max_retries=5,
)
def delivery_run_task(delivery_id: int) -> bool:
    """Run one event delivery; a duplicate of this task is harmless (claimed by CAS)."""
    return events.delivery_run(delivery_id=delivery_id)


@shared_task(time_limit=60, soft_time_limit=50)
def redispatch_stuck_deliveries_task() -> int:
    return events.deliveries_redispatch_stuck()


@shared_task(time_limit=600, soft_time_limit=540)
def purge_events_task() -> int:
    return events.events_purge(older_than_days=settings.CRM_EVENT_RETENTION_DAYS)


@shared_task(ignore_result=False, time_limit=10, soft_time_limit=8)
def ping_task(sent_at: float | None = None, user_id: int | None = None) -> dict[str, object]:
    """Answer the health check; with ``user_id``, also tell that user live how long it took."""
    answer: dict[str, object] = {"worker": socket.gethostname(), "answered_at": time.time()}
    if sent_at is not None:
        answer["round_trip_ms"] = round((time.time() - sent_at) * 1000, 1)
    if user_id is not None:
        from crm.realtime import push_toast

        push_toast(
            user_id,
            f"Worker {answer['worker']} answered in {answer.get('round_trip_ms', '?')} ms.",
            level="success",
        )
    return answer

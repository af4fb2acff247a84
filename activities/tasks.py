"""Activity jobs: thin wrappers that call a service (STYLE.md)."""

from __future__ import annotations

from typing import Any

from celery import shared_task
from django.db import InterfaceError, OperationalError

from activities import services

# A beat sweep over the tasks: retried with backoff while the database is unreachable.
SWEEP_TASK: dict[str, Any] = {
    "autoretry_for": (OperationalError, InterfaceError),
    "retry_backoff": True,
    "retry_jitter": True,
    "max_retries": 3,
    "time_limit": 120,
    "soft_time_limit": 100,
}


@shared_task(**SWEEP_TASK)
def tasks_publish_due_task() -> int:
    """Beat, every minute: publish ``task.due`` for tasks whose due time has passed. Two
    overlapping runs publish each task once (compare-and-set claim per task)."""
    return services.tasks_publish_due()


@shared_task(**SWEEP_TASK)
def tasks_publish_reminders_task() -> int:
    """Beat, every minute: publish ``task.reminder`` for tasks whose reminder time has come,
    once each however many beats overlap."""
    return services.tasks_publish_reminders()

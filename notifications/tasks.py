"""Notification jobs: thin wrappers that call a service (STYLE.md)."""

from __future__ import annotations

from celery import shared_task

from notifications import services


@shared_task(
    autoretry_for=(OSError,),
    retry_backoff=True,
    retry_jitter=True,
    max_retries=5,
    time_limit=60,
    soft_time_limit=50,
)
def email_notification_task(notification_id: int) -> bool:
    """Email one notification to its person (once, however often this runs)."""
    return services.email_notification(notification_id)

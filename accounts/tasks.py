"""Background jobs of accounts."""

from celery import shared_task
from django.conf import settings

from accounts import audit


@shared_task(time_limit=600, soft_time_limit=540)
def purge_audit_log_task() -> int:
    """Daily: drop audit rows past the retention period (``CRM_AUDIT_RETENTION_DAYS``; 0 keeps
    everything). Idempotent: a second run the same day finds nothing older to delete."""
    days = settings.CRM_AUDIT_RETENTION_DAYS
    return audit.purge(older_than_days=days) if days else 0

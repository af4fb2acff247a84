"""Background jobs of accounts."""

from typing import Any

from celery import shared_task
from django.conf import settings

from accounts import audit

# A task that sends one mail: retried with backoff and jitter while the mail server fails.
MAIL_TASK: dict[str, Any] = {
    "autoretry_for": (OSError,),
    "retry_backoff": True,
    "retry_jitter": True,
    "max_retries": 5,
    "time_limit": 60,
    "soft_time_limit": 50,
}


@shared_task(time_limit=600, soft_time_limit=540)
def purge_audit_log_task() -> int:
    """Daily: drop audit rows past the retention period (``CRM_AUDIT_RETENTION_DAYS``; 0 keeps
    everything). Idempotent: a second run the same day finds nothing older to delete."""
    days = settings.CRM_AUDIT_RETENTION_DAYS
    return audit.purge(older_than_days=days) if days else 0


@shared_task(**MAIL_TASK)
def send_set_password_mail_task(user_id: int, base_url: str, kind: str) -> bool:
    """Email a person a link to choose their password: an invitation for a new user, a
    reset an admin asked for. Gone or deactivated users get nothing."""
    from accounts.mail import send_set_password_mail
    from accounts.models import User

    user = User.objects.filter(pk=user_id, is_active=True).first()
    if user is None:
        return False
    send_set_password_mail(user, base_url=base_url, kind=kind)
    return True


@shared_task(time_limit=1800, soft_time_limit=1750)
def user_records_follow_team_task(user_id: int) -> int:
    """After a person moved team, their records follow (``user_records_follow_team``)."""
    from accounts.services import user_records_follow_team

    return user_records_follow_team(user_id=user_id)


@shared_task(**MAIL_TASK)
def send_security_notice_task(entry_id: int, base_url: str = "") -> bool:
    """Email the person whose account the audit row ``entry_id`` is about (accounts.notices).
    Sent once per row, however often the task runs; deactivated users get nothing."""
    from django.core.cache import cache

    from accounts.mail import send_security_notice
    from accounts.models import AuditEntry, User
    from accounts.notices import recipient_id

    entry = AuditEntry.objects.filter(pk=entry_id).first()
    if entry is None:
        return False
    sent_key = f"security-notice:{entry.pk}:{entry.hash[:16]}"
    if cache.get(sent_key):
        return False
    person = recipient_id(entry)
    user = User.objects.filter(pk=person, is_active=True).first() if person else None
    if user is None or not user.email:
        return False
    send_security_notice(user, entry, base_url=base_url)
    cache.set(sent_key, True, 7 * 24 * 3600)
    return True

"""Creating, reading and counting notifications.

:func:`notify` stores a notification (once per event, recipient and kind) and, after the
transaction commits, pushes it to the recipient's open pages: the bell's count, the item,
a toast. The push is a hint; a page that reconnects asks :func:`since` for what it missed,
so nothing is lost while it was offline or Redis was down.

The unread count is shown on every page, so it is kept in the cache per user (no query per
page); it is recomputed from the partial index whenever it is missing.
"""

from __future__ import annotations

import contextlib
from typing import Any

from django.core.cache import cache
from django.db import IntegrityError, models, transaction
from django.db.models import Count, Max, Q
from django.template.loader import render_to_string
from django.utils import timezone

from crm import realtime
from notifications.models import Notification, Preference

UNREAD_TIMEOUT = 3600  # seconds; every change writes the key again


def _unread_key(user_id: int) -> str:
    return f"notifications:inbox:{user_id}"


def unread_count(user: Any) -> int:
    """How many of the user's notifications are unread (from the cache when it can)."""
    return inbox_state(user)[0]


def inbox_state(user: Any) -> tuple[int, int]:
    """(unread count, id of the newest notification or 0): what every page's bell shows and
    where its catch-up starts; one query when the cache does not have it."""
    key = _unread_key(user.pk)
    try:
        found = cache.get(key)
    except Exception:
        found = None
    if found is None:
        totals = Notification.objects.filter(recipient=user).aggregate(
            unread=Count("pk", filter=Q(read_at__isnull=True)), last=Max("pk")
        )
        found = (totals["unread"] or 0, totals["last"] or 0)
        with contextlib.suppress(Exception):  # Redis away: the next page counts again
            cache.set(key, found, UNREAD_TIMEOUT)
    return int(found[0]), int(found[1])


def cache_forget(user_id: int) -> None:
    with contextlib.suppress(Exception):  # Redis away: nothing cached, nothing to forget
        cache.delete(_unread_key(user_id))


def notify(
    *,
    recipient: Any,
    kind: str,
    title: str,
    actor: Any = None,
    record: models.Model | None = None,
    url: str = "",
    event: Any = None,
) -> Notification | None:
    """Tell ``recipient`` something (never about their own action, never when they are
    deactivated). Once per ``event``: a second delivery of the same event adds nothing."""
    if recipient is None or not recipient.is_active:
        return None
    if actor is not None and getattr(actor, "pk", None) == recipient.pk:
        return None
    in_app, email = channels(recipient, kind)
    if not (in_app or email):
        return None
    values = {
        "title": title[:300],
        "actor": actor if getattr(actor, "pk", None) else None,
        "url": url or (record.get_absolute_url() if record is not None else ""),  # type: ignore[attr-defined]
        "record_type": record._meta.label_lower if record is not None else "",
        "record_id": record.pk if record is not None else None,
        # Off in Keel but on by email: kept (the mail links to it), already read, not pushed.
        "read_at": None if in_app else timezone.now(),
    }
    try:
        with transaction.atomic():
            if event is not None:
                notification, created = Notification.objects.get_or_create(
                    event=event, recipient=recipient, kind=kind, defaults=values
                )
            else:
                notification, created = (
                    Notification.objects.create(recipient=recipient, kind=kind, **values),
                    True,
                )
    except IntegrityError:  # the same event delivered twice at once
        return None
    if created:
        cache_forget(recipient.pk)
        if in_app:
            transaction.on_commit(lambda: _push(notification))
        if email:
            transaction.on_commit(lambda: _queue_email(notification.pk))
    return notification if created else None


def channels(user: Any, kind: str) -> tuple[bool, bool]:
    """(in Keel, by email) for ``user`` and ``kind``: their preference, else the default."""
    from notifications import types

    found = Preference.objects.filter(user=user, kind=kind).values_list("in_app", "email").first()
    return found or (True, types.kind_for(kind).email)


def preferences(user: Any) -> list[dict[str, Any]]:
    """Every kind with the user's two channels, for the preferences page (one query)."""
    from notifications import types

    chosen = {
        kind: (in_app, email)
        for kind, in_app, email in Preference.objects.filter(user=user).values_list(
            "kind", "in_app", "email"
        )
    }
    rows = []
    for kind in types.kinds():
        in_app, email = chosen.get(kind.key, (True, kind.email))
        rows.append({"kind": kind, "in_app": in_app, "email": email})
    return rows


@transaction.atomic
def preferences_save(*, user: Any, choices: dict[str, tuple[bool, bool]]) -> None:
    """Store the user's channels per kind (only kinds that exist)."""
    from notifications import types

    known = {k.key for k in types.kinds()}
    for kind, (in_app, email) in choices.items():
        if kind in known:
            Preference.objects.update_or_create(
                user=user, kind=kind, defaults={"in_app": in_app, "email": email}
            )


def _queue_email(notification_id: int) -> None:
    from notifications.tasks import email_notification_task

    email_notification_task.delay(notification_id)


def email_notification(notification_id: int) -> bool:
    """Email one notification to its person, once: claimed by compare-and-set on
    ``emailed_at`` (a retried or duplicated task sends nothing more)."""
    from django.conf import settings
    from django.contrib.sites.models import Site
    from django.core.mail import send_mail

    claimed = Notification.objects.filter(pk=notification_id, emailed_at__isnull=True).update(
        emailed_at=timezone.now()
    )
    if not claimed:
        return False
    notification = Notification.objects.select_related("recipient").get(pk=notification_id)
    person = notification.recipient
    if not person.is_active or not person.email:
        return False
    base = f"{settings.ACCOUNT_DEFAULT_HTTP_PROTOCOL}://{Site.objects.get_current().domain}"
    context = {"item": notification, "person": person, "base_url": base}
    try:
        send_mail(
            subject=f"{settings.ACCOUNT_EMAIL_SUBJECT_PREFIX}{notification.title}"[:200],
            message=render_to_string("notifications/email.txt", context),
            from_email=None,
            recipient_list=[person.email],
        )
    except OSError:
        Notification.objects.filter(pk=notification_id).update(emailed_at=None)  # retry
        raise
    return True


def _push(notification: Notification) -> None:
    user_id = notification.recipient_id
    html = render_to_string("notifications/_item.html", {"item": notification})
    realtime.push_to_user(
        user_id,
        kind="notification",
        html=html,
        data={
            "id": notification.pk,
            "unread": unread_count(notification.recipient),
            "title": notification.title,
        },
    )
    realtime.push_toast(user_id, notification.title)


def mark_read(*, user: Any, notification: Notification) -> None:
    if notification.read_at is None:
        Notification.objects.filter(pk=notification.pk, read_at__isnull=True).update(
            read_at=timezone.now()
        )
        cache_forget(user.pk)
        _push_count(user)


def mark_all_read(*, user: Any) -> int:
    done = Notification.objects.filter(recipient=user, read_at__isnull=True).update(
        read_at=timezone.now()
    )
    cache_forget(user.pk)
    if done:
        _push_count(user)
    return done


def _push_count(user: Any) -> None:
    """The user's other open pages update their bell too."""
    transaction.on_commit(
        lambda: realtime.push_to_user(
            user.pk, kind="notification-count", data={"unread": unread_count(user)}
        )
    )

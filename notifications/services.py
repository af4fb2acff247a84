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
from notifications.models import Notification

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
    values = {
        "title": title[:300],
        "actor": actor if getattr(actor, "pk", None) else None,
        "url": url or (record.get_absolute_url() if record is not None else ""),  # type: ignore[attr-defined]
        "record_type": record._meta.label_lower if record is not None else "",
        "record_id": record.pk if record is not None else None,
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
        transaction.on_commit(lambda: _push(notification))
    return notification if created else None


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


def since(user: Any, after: int, *, limit: int = 50) -> list[Notification]:
    """The user's notifications newer than id ``after`` (a page catching up), oldest first."""
    rows = Notification.objects.filter(recipient=user, pk__gt=after).order_by("pk")[:limit]
    return list(rows.select_related("actor"))

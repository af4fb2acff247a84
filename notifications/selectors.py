"""Reading a person's notifications: only ever their own."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from notifications.models import Notification


def mine(user: Any, pk: int) -> Notification | None:
    """The user's notification ``pk``; None for anyone else's."""
    return Notification.objects.filter(pk=pk, recipient=user).first()


def inbox(
    user: Any, *, unread: bool = False, kind: str = "", before: int | None = None
) -> QuerySet[Notification]:
    """The user's notifications newest first, narrowed as the list page's filters ask."""
    rows = Notification.objects.filter(recipient=user).select_related("actor")
    if unread:
        rows = rows.filter(read_at__isnull=True)
    if kind:
        rows = rows.filter(kind=kind)
    if before is not None:
        rows = rows.filter(pk__lt=before)
    return rows.order_by("-id")


def since(user: Any, after: int, *, limit: int = 50) -> list[Notification]:
    """The user's notifications newer than id ``after`` (a page catching up), oldest first."""
    rows = Notification.objects.filter(recipient=user, pk__gt=after).order_by("pk")[:limit]
    return list(rows.select_related("actor"))

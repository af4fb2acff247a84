"""Reads over the kernel's tables, for the system status page and the admin home."""

from __future__ import annotations

from datetime import timedelta

from django.db.models import Count, Prefetch, QuerySet
from django.utils import timezone

from crm.models import Delivery, Event


def delivery_status_counts(*, since_hours: int = 24) -> dict[str, int]:
    """Deliveries per status: all pending/running/failed, and done in the last hours."""
    counts = dict.fromkeys(Delivery.Status.values, 0)
    open_statuses = [Delivery.Status.PENDING, Delivery.Status.RUNNING, Delivery.Status.FAILED]
    for row in (
        Delivery.objects.filter(status__in=open_statuses).values("status").annotate(n=Count("id"))
    ):
        counts[row["status"]] = row["n"]
    counts[Delivery.Status.DONE] = Delivery.objects.filter(
        status=Delivery.Status.DONE,
        finished_at__gte=timezone.now() - timedelta(hours=since_hours),
    ).count()
    return counts


def events_recent(*, limit: int = 25) -> QuerySet[Event]:
    return (
        Event.objects.select_related("actor")
        .prefetch_related(Prefetch("deliveries", queryset=Delivery.objects.order_by("handler")))
        .order_by("-id")[:limit]
    )


def deliveries_failed(*, limit: int = 25) -> QuerySet[Delivery]:
    return (
        Delivery.objects.filter(status=Delivery.Status.FAILED)
        .select_related("event")
        .order_by("-finished_at")[:limit]
    )

"""Template helpers for activities and tasks: relative times both ways, due labels."""

from __future__ import annotations

from datetime import datetime, timedelta

from django import template
from django.utils import dateformat, timezone
from django.utils.timesince import timesince, timeuntil

register = template.Library()

PRIORITY_TONES = {1: "plain", 2: "plain", 3: "pending", 4: "fail"}


@register.filter
def relative(moment: datetime | None) -> str:
    """ "just now", "3 hours ago", "in 2 days": ``moment`` relative to now, either way."""
    if moment is None:
        return ""
    now = timezone.now()
    if abs(moment - now) < timedelta(minutes=1):
        return "just now"
    if moment < now:
        return f"{timesince(moment, now).split(',')[0]} ago"
    return f"in {timeuntil(moment, now).split(',')[0]}"


@register.filter
def exact(moment: datetime | None) -> str:
    """The full local date and time, for a tooltip: "Tue 3 Mar 2026, 14:05 (CET)"."""
    if moment is None:
        return ""
    return dateformat.format(timezone.localtime(moment), "D j M Y, H:i (T)")


def _day_label(day, today) -> str:  # type: ignore[no-untyped-def]
    offset = (day - today).days
    if offset == 0:
        return "Today"
    if offset == 1:
        return "Tomorrow"
    if offset == -1:
        return "Yesterday"
    if -6 <= offset <= 6:
        return dateformat.format(day, "l")
    return dateformat.format(day, "j M" if day.year == today.year else "j M Y")


@register.filter
def due_label(task) -> str:  # type: ignore[no-untyped-def]
    """ "Today 14:00", "Tomorrow", "Friday 09:30", "3 Mar", "12 Jan 2027": when a task is due,
    in the user's zone."""
    if task is None or task.due_at is None:
        return "No due date"
    local = timezone.localtime(task.due_at)
    label = _day_label(local.date(), timezone.localdate())
    return label if task.all_day else f"{label} {local:%H:%M}"


@register.filter
def when_label(moment: datetime | None) -> str:
    """A day label plus the time: "Today 14:00", "Yesterday 09:12", "3 Mar 16:40"."""
    if moment is None:
        return ""
    local = timezone.localtime(moment)
    return f"{_day_label(local.date(), timezone.localdate())} {local:%H:%M}"


@register.filter
def record_key(record) -> str:  # type: ignore[no-untyped-def]
    """``deal-12``: which record a task row is shown on (the row leaves out a link to it)."""
    if record is None:
        return ""
    return f"{record._meta.model_name}-{record.pk}"


@register.filter
def priority_tone(priority: int) -> str:
    return PRIORITY_TONES.get(priority, "plain")


@register.filter
def overdue(task) -> bool:  # type: ignore[no-untyped-def]
    return task is not None and task.is_overdue()

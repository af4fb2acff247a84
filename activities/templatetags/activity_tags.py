"""Template helpers for activities and tasks: relative times both ways, due labels, and the
timeline entry (built in Python: a page shows up to a hundred, and the template took
milliseconds)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django import template
from django.template.defaultfilters import linebreaksbr
from django.utils import dateformat, timezone
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe
from django.utils.timesince import timesince, timeuntil

from crm.templatetags.keel import icon

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


def _link(label: str, url: str | None) -> SafeString:
    return format_html('<a href="{}">{}</a>', url, label) if url else format_html("{}", label)


def _entry_meta(entry: Any) -> SafeString:
    if entry.tone == "meeting":
        until = (
            format_html("\u2013{}", timezone.localtime(entry.ends_at).strftime("%H:%M"))
            if entry.ends_at
            else ""
        )
        where = (
            format_html(" · {}{}", icon("map-pin", size=13), entry.location)
            if entry.location
            else ""
        )
        return format_html(
            '<p class="tl-meta">{}{}{}{}</p>',
            icon("clock", size=13),
            when_label(entry.at),
            until,
            where,
        )
    if entry.tone == "task" and entry.ends_at:
        return format_html(
            '<p class="tl-meta">{}Due {}</p>',
            icon("calendar-clock", size=13),
            when_label(entry.ends_at),
        )
    return SafeString("")


@register.simple_tag
def timeline_entry(entry: Any, fresh: bool = False) -> SafeString:
    """One ``<li>`` of a record's timeline (``activities.timeline.Entry``)."""
    who = entry.who or (entry.actor.get_full_name() if entry.actor else "Keel")
    badges = format_html_join(
        "", ' <span class="badge badge-{}">{}</span>', ((tone, text) for text, tone in entry.badges)
    )
    excerpt = (
        format_html('<p class="tl-excerpt">{}</p>', linebreaksbr(entry.body, autoescape=True))
        if entry.body
        else ""
    )
    links = ""
    if entry.links:
        links = format_html(
            '<p class="tl-links">{}</p>',
            mark_safe(  # noqa: S308 - every piece built by format_html
                "".join(
                    format_html(
                        "<span>{}{}</span>", icon(link.icon, size=13), _link(link.label, link.url)
                    )
                    for link in entry.links
                )
            ),
        )
    return format_html(
        '<li class="tl-entry tl-{}{}" id="{}">'
        '<span class="tl-icon">{}</span>'
        '<div class="tl-body">'
        '<p class="tl-head"><span class="tl-who">{}</span> {} '
        '<time class="tl-when" datetime="{}" title="{}">{}</time></p>'
        '<p class="tl-title">{}{}</p>'
        "{}{}{}"
        "</div></li>",
        entry.tone,
        " tl-fresh" if fresh else "",
        entry.dom_id,
        icon(entry.icon, size=16),
        who,
        entry.verb,
        timezone.localtime(entry.at).isoformat(),
        exact(entry.at),
        relative(entry.at),
        _link(entry.title, entry.url),
        badges,
        _entry_meta(entry),
        excerpt,
        links,
    )

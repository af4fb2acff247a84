"""Template helpers of the shell: icons from the vendored Lucide sprite."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from functools import cache, lru_cache

from django import template
from django.conf import settings
from django.utils import timezone
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.timesince import timesince

from crm import events

register = template.Library()

SPRITE = settings.BASE_DIR / "static" / "vendor" / "lucide" / "sprite.svg"
_SYMBOL_RE = re.compile(r'<symbol id="([a-z0-9-]+)"[^>]*>(.*?)</symbol>', re.S)


@cache
def _icons() -> dict[str, str]:
    """Icon name -> inner SVG markup, parsed once from the sprite installed by npm."""
    if not SPRITE.exists():
        return {}
    text = SPRITE.read_text(encoding="utf-8")
    return {name: " ".join(body.split()) for name, body in _SYMBOL_RE.findall(text)}


@register.simple_tag
def icon(name: str, label: str = "", size: int = 18, css: str = "") -> SafeString:
    """Inline a Lucide icon; decorative unless ``label`` names it for screen readers."""
    return _icon(str(name), str(label), int(size), str(css))


@lru_cache(maxsize=1024)
def _icon(name: str, label: str, size: int, css: str) -> SafeString:
    """The markup of one icon: built once per arguments (a page shows hundreds of icons)."""
    body = _icons().get(name)
    if body is None:
        if settings.DEBUG and _icons():
            raise template.TemplateSyntaxError(f"Unknown icon {name!r}.")
        body = ""
    a11y = format_html('role="img" aria-label="{}"', label) if label else 'aria-hidden="true"'
    return format_html(
        '<svg class="icon {}" width="{}" height="{}" viewBox="0 0 24 24" fill="none" '
        'stroke="currentColor" stroke-width="2" stroke-linecap="round" '
        'stroke-linejoin="round" focusable="false" {}>{}</svg>',
        css,
        size,
        size,
        mark_safe(a11y),  # noqa: S308 - built from format_html above
        mark_safe(body),  # noqa: S308 - vendored sprite markup, not user input
    )


@register.filter
def event_label(event_type: str) -> str:
    return events.label_for(event_type)


@register.filter
def ago(moment: datetime | None) -> str:
    """ "just now", "5 minutes ago", "2 days ago": a past moment, relative to now."""
    if moment is None:
        return ""
    if timezone.now() - moment < timedelta(minutes=1):
        return "just now"
    return f"{timesince(moment).split(',')[0]} ago"

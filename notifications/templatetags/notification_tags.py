"""``item|kind_label`` and ``item|kind_icon``: what a notification's kind is called."""

from __future__ import annotations

from django import template

from notifications import types
from notifications.models import Notification

register = template.Library()


@register.filter
def kind_label(item: Notification) -> str:
    return types.kind_for(item.kind).label


@register.filter
def kind_icon(item: Notification) -> str:
    return types.kind_for(item.kind).icon

"""The sidebar and the top bar: apps register their entries in ``AppConfig.ready()``.

Only entries the user may open are shown (the same permission as the page's access rule).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.http import HttpRequest
from django.urls import reverse


@dataclass(frozen=True)
class NavItem:
    label: str
    url_name: str
    icon: str
    section: str = "main"  # "main" for daily work, "admin" for settings and operations
    order: int = 100
    permission: str | None = None


SECTIONS = {"main": "", "admin": "Administration"}

_items: dict[str, NavItem] = {}


def register(item: NavItem) -> None:
    _items[item.url_name] = item


def sidebar_for(user: Any, path: str) -> list[dict[str, Any]]:
    """Sections with the entries ``user`` may open; the entry matching ``path`` is current."""
    visible = [
        item
        for item in sorted(_items.values(), key=lambda i: (i.order, i.label))
        if item.permission is None or user.has_perm(item.permission)
    ]
    entries = [(item, reverse(item.url_name)) for item in visible]
    # The longest matching URL is the current page ("/" matches everything).
    current = max(
        (url for _, url in entries if path == url or (url != "/" and path.startswith(url))),
        key=len,
        default=None,
    )
    sections = []
    for key, title in SECTIONS.items():
        links = [
            {"label": item.label, "url": url, "icon": item.icon, "current": url == current}
            for item, url in entries
            if item.section == key
        ]
        if links:
            sections.append({"key": key, "title": title, "links": links})
    return sections


# ---------------------------------------------------------------- the top bar


@dataclass(frozen=True)
class TopbarItem:
    """Something a reactor app puts in the top bar, before the user menu (the
    notification bell): a template included with ``context(request)`` as ``item``."""

    key: str
    template: str
    context: Callable[[HttpRequest], dict[str, Any]]
    order: int = 100


_topbar: dict[str, TopbarItem] = {}


def register_topbar(item: TopbarItem) -> None:
    _topbar[item.key] = item


def topbar_for(request: HttpRequest) -> list[dict[str, Any]]:
    """The top bar's items for a signed-in request: template and context of each."""
    return [
        {"template": item.template, "data": item.context(request)}
        for item in sorted(_topbar.values(), key=lambda i: (i.order, i.key))
    ]

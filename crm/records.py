"""Sections other apps add to a record's page, so lower layers never import higher ones.

A company page shows its deals (``deals``) and its timeline (``activities``) although
``contacts`` sits below both: those apps register a :class:`Panel` for the company model in
``AppConfig.ready()`` and the company view asks :func:`panels_for` what to render::

    records.register("contacts.company", records.Panel(
        key="deals", title="Deals", template="deals/_company_deals.html",
        context=company_deals_panel, slot="side", order=20))

``context(record=..., user=..., request=...)`` returns the template's context (it must read
through the visibility policy) or None to hide the panel. Panels render with
``{% include panel.template with panel=panel %}``; the template reads ``panel.data``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from django.db import models
from django.http import HttpRequest
from django.urls import get_script_prefix, get_urlconf, reverse

PanelContext = Callable[..., dict[str, Any] | None]


@dataclass(frozen=True)
class Panel:
    key: str
    title: str
    template: str
    context: PanelContext
    slot: str = "main"  # "main" under the record's fields, "side" in the right column
    order: int = 100


@dataclass
class RenderedPanel:
    key: str
    title: str
    template: str
    slot: str
    data: dict[str, Any] = field(default_factory=dict)


_panels: dict[str, dict[str, Panel]] = {}


def register(model_label: str, panel: Panel) -> None:
    """Add ``panel`` to the pages of ``model_label`` (``app_label.modelname``)."""
    _panels.setdefault(model_label.lower(), {})[panel.key] = panel


def panels_for(
    record: models.Model, *, user: Any, request: HttpRequest | None = None
) -> dict[str, list[RenderedPanel]]:
    """The panels for ``record``'s page grouped by slot, each with its context."""
    slots: dict[str, list[RenderedPanel]] = {"main": [], "side": []}
    registered = _panels.get(record._meta.label_lower, {})
    for panel in sorted(registered.values(), key=lambda p: (p.order, p.key)):
        data = panel.context(record=record, user=user, request=request)
        if data is None:
            continue
        slots.setdefault(panel.slot, []).append(
            RenderedPanel(panel.key, panel.title, panel.template, panel.slot, data)
        )
    return slots


# ---------------------------------------------------------------- record URLs

_PK_PLACEHOLDER = 918273645


@lru_cache(maxsize=256)
def _url_format(name: str, prefix: str, urlconf: Any) -> str:
    url = reverse(name, args=[_PK_PLACEHOLDER])
    escaped = url.replace("{", "{{").replace("}", "}}")
    return escaped.replace(str(_PK_PLACEHOLDER), "{pk}", 1)


def record_url(name: str, pk: int) -> str:
    """``reverse(name, args=[pk])`` for a URL whose one argument is an integer primary key.

    A list page links fifty records and a timeline a hundred; ``reverse()`` costs tens of
    microseconds each, so the pattern is reversed once per URL name (and script prefix) and
    the pk formatted into it.
    """
    return _url_format(name, get_script_prefix(), get_urlconf()).format(pk=int(pk))

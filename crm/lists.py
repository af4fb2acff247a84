"""Record lists: sortable columns, filters, search, saved views, chosen columns, fast deep
pagination, bulk actions and CSV export, declared once per list with a :class:`ListSpec`.

Every row comes from ``spec.queryset(user)``, which each app builds through the visibility
policy, so what a list, its counts, its bulk actions and its export can reach is exactly
what the user may see.

Speed at a million rows:

- a page is two queries: the ids of the page (``ORDER BY <sort>, id LIMIT 50 OFFSET n``,
  which PostgreSQL answers from a covering index without touching the table, however deep
  the page), then those rows with their related objects;
- the total is counted exactly up to ``COUNT_CAP`` rows and estimated by the planner past it
  ("about 1,000,000"), so no request counts a million rows;
- every sortable column and every filter has an index (see each model's ``Meta.indexes``).
"""

from __future__ import annotations

import csv
import hashlib
import html
import json
import math
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.humanize.templatetags.humanize import intcomma
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import connections, models
from django.http import (
    HttpRequest,
    HttpResponse,
    HttpResponseBadRequest,
    HttpResponseRedirect,
    QueryDict,
    StreamingHttpResponse,
)
from django.http.response import HttpResponseBase
from django.shortcuts import render
from django.template.defaultfilters import floatformat
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe
from django.utils.text import slugify

from crm import fieldlevels, reference
from crm.models import SavedView
from crm.ratelimit import over_rate, too_many

PAGE_SIZE = 50
COUNT_CAP = 10_000
# Called as listener(user=, spec=, state=) when an export starts (the audit log listens:
# accounts registers it, the kernel cannot import accounts).
EXPORT_LISTENERS: list[Callable[..., None]] = []
EXPORT_BATCH = 2000
ESTIMATE_SECONDS = 60  # how long a big list's estimated count is reused
MAX_PAGE = 1_000_000
# Parameters that describe a list's state (saved in a view); the rest are filters.
STATE_KEYS = {"q", "sort", "cols"}
NON_FILTER_KEYS = STATE_KEYS | {"page", "view", "export"}


# ---------------------------------------------------------------- declarations


@dataclass(frozen=True)
class Column:
    """A list column. ``value(row)`` gives the cell; ``kind`` says how it is shown:
    text, link, badge, money, number, date, datetime, user, tags, bool, email, phone."""

    key: str
    label: str
    value: Callable[[Any], Any]
    kind: str = "text"
    sort: tuple[str, ...] = ()  # ORDER BY fields for ascending order; empty: not sortable
    link: Callable[[Any], str | None] | None = None
    default: bool = True  # shown when the user has not chosen columns
    csv: Callable[[Any], Any] | None = None  # the exported value (default: value)
    exportable: bool = True
    badge: Callable[[Any], str] | None = None  # css modifier for kind="badge"
    prefetch: tuple[str, ...] = ()  # prefetch_related() lookups, only when shown
    # The model fields the cell shows (default: the key): the column is left out for those
    # whose role hides any of them (crm.fieldlevels), in the list, its sorts and its export.
    reveals: tuple[str, ...] = ()

    @property
    def sortable(self) -> bool:
        return bool(self.sort)

    @property
    def fields(self) -> tuple[str, ...]:
        return self.reveals or (self.key,)


@dataclass(frozen=True)
class Filter:
    """A filter shown above the list. ``choices(user)`` lists the options of a choice,
    user or tag filter; ``apply(queryset, value)`` narrows the queryset with a valid value.

    Kinds: ``choice`` (one of the options), ``user`` (a user id from the options, or
    ``me``), ``date_from``/``date_to`` (ISO dates), ``boolean`` (``yes``/``no``).
    """

    key: str
    label: str
    kind: str
    apply: Callable[[models.QuerySet[Any], Any], models.QuerySet[Any]]
    choices: Callable[[Any], Sequence[tuple[str, str]]] | None = None
    reveals: tuple[str, ...] = ()  # the model fields it filters on (default: the key)

    @property
    def fields(self) -> tuple[str, ...]:
        return self.reveals or (self.key,)

    def parse(self, raw: str, *, user: Any) -> Any:
        """The value of ``raw`` or ValidationError with a message for the user."""
        if self.kind in ("choice", "user"):
            if self.kind == "user" and raw == "me":
                return user.pk
            options = {str(value) for value, _ in (self.choices(user) if self.choices else ())}
            if raw not in options:
                raise ValidationError(f"{self.label}: “{raw}” is not one of the choices.")
            return int(raw) if self.kind == "user" else raw
        if self.kind in ("date_from", "date_to"):
            try:
                return date.fromisoformat(raw)
            except ValueError as error:
                raise ValidationError(f"{self.label}: use a date like 2026-01-31.") from error
        if self.kind == "boolean":
            if raw not in ("yes", "no"):
                raise ValidationError(f"{self.label}: choose yes or no.")
            return raw == "yes"
        raise ValidationError(f"{self.label}: unknown filter.")


@dataclass(frozen=True)
class BulkAction:
    """An action on the selected rows: ``run(actor=, queryset=, value=) -> int`` changed.

    ``value_kind`` asks for a value first: ``user`` (from ``choices``), ``choice``, ``tag``
    (a tag name). ``destructive`` actions show a confirmation page before running.
    """

    key: str
    label: str
    run: Callable[..., int]
    permission: str
    value_kind: str | None = None
    value_label: str = ""
    choices: Callable[[Any], Sequence[tuple[str, str]]] | None = None
    destructive: bool = False
    done: str = "{count} updated."  # the message afterwards
    writes: tuple[str, ...] = ()  # the model fields it changes: refused where a role freezes one


@dataclass
class ListSpec:
    key: str  # saved views are stored under it, e.g. "leads"
    title: str
    noun: str  # singular, e.g. "lead"
    noun_plural: str
    queryset: Callable[[Any], models.QuerySet[Any]]  # visible rows with select_related
    columns: Callable[[Any], list[Column]]
    default_sort: str  # a column key, "-" for descending
    filters: Callable[[Any], list[Filter]] = lambda user: []
    search: Callable[[models.QuerySet[Any], str], models.QuerySet[Any]] | None = None
    search_placeholder: str = "Search"
    bulk_actions: Callable[[Any], list[BulkAction]] = lambda user: []
    # Needed for any bulk action, besides the action's own permission (the role matrix's
    # "Bulk edit" right, e.g. "leads.bulk_edit_lead").
    bulk_permission: str | None = None
    export_permission: str | None = None
    create_url: str | None = None
    create_permission: str | None = None
    page_size: int = PAGE_SIZE
    prefetch: tuple[str, ...] = ()
    # Called with each page of rows (and each batch of an export) before cells are built:
    # fills in related objects from a cache instead of joining them (accounts.policy).
    prepare: Callable[[list[Any]], None] | None = None
    icon: str = "list"
    empty_text: str = "Nothing here yet."
    entity: str = ""  # the record kind ("deals.deal") whose field levels apply to columns


def _sentence(text: str) -> str:
    text = text.strip()
    return text[:1].upper() + text[1:]


def date_range(key: str, lookup: str, label: str = "") -> list[Filter]:
    """Two filters, ``<key>_from`` and ``<key>_to`` ("<label> from", "<label> to"): rows
    whose ``lookup`` (a date field, or ``<datetime field>__date``) is on or after, on or
    before the date given."""
    return [
        Filter(
            key=f"{key}_from",
            label=_sentence(f"{label} from"),
            kind="date_from",
            apply=lambda qs, value: qs.filter(**{f"{lookup}__gte": value}),
            reveals=(lookup.split("__", maxsplit=1)[0],),
        ),
        Filter(
            key=f"{key}_to",
            label=_sentence(f"{label} to"),
            kind="date_to",
            apply=lambda qs, value: qs.filter(**{f"{lookup}__lte": value}),
            reveals=(lookup.split("__", maxsplit=1)[0],),
        ),
    ]


def choice_filter(key: str, label: str, choices: Sequence[tuple[str, str]]) -> Filter:
    """One of ``choices`` for the field ``key``."""
    return Filter(
        key=key,
        label=label,
        kind="choice",
        choices=lambda user: list(choices),
        apply=lambda qs, value: qs.filter(**{key: value}),
    )


# ---------------------------------------------------------------- state of one request


@dataclass
class ListState:
    spec: ListSpec
    user: Any
    params: QueryDict
    columns: list[Column] = field(default_factory=list)
    shown: list[Column] = field(default_factory=list)
    filters: list[Filter] = field(default_factory=list)
    values: dict[str, Any] = field(default_factory=dict)  # valid filter values
    raw: dict[str, str] = field(default_factory=dict)  # filter inputs as typed
    errors: list[str] = field(default_factory=list)
    q: str = ""
    sort_key: str = ""
    descending: bool = False
    page: int = 1

    @classmethod
    def parse(cls, spec: ListSpec, user: Any, params: QueryDict) -> ListState:
        state = cls(spec=spec, user=user, params=params)
        hidden = fieldlevels.hidden(user, spec.entity)
        state.columns = [c for c in spec.columns(user) if not hidden.intersection(c.fields)]
        by_key = {c.key: c for c in state.columns}
        chosen = [by_key[k] for k in _split(params.getlist("cols")) if k in by_key]
        state.shown = chosen or [c for c in state.columns if c.default]
        state.filters = [f for f in spec.filters(user) if not hidden.intersection(f.fields)]
        for flt in state.filters:
            raw = params.get(flt.key, "").strip()
            if not raw:
                continue
            state.raw[flt.key] = raw
            try:
                state.values[flt.key] = flt.parse(raw, user=user)
            except ValidationError as error:
                state.errors.extend(error.messages)
        state.q = params.get("q", "").strip()[:200]
        sort = params.get("sort", "") or spec.default_sort
        key = sort.removeprefix("-")
        if key not in by_key or not by_key[key].sortable:
            if params.get("sort"):
                state.errors.append(f"Cannot sort by “{key}”.")
            key, sort = spec.default_sort.removeprefix("-"), spec.default_sort
        state.sort_key, state.descending = key, sort.startswith("-")
        try:
            state.page = min(max(int(params.get("page", "1")), 1), MAX_PAGE)
        except ValueError:
            state.errors.append("The page must be a number.")
        return state

    # -- querysets

    def filtered(self) -> models.QuerySet[Any]:
        queryset = self.spec.queryset(self.user)
        for flt in self.filters:
            if flt.key in self.values:
                queryset = flt.apply(queryset, self.values[flt.key])
        if self.q and self.spec.search is not None:
            queryset = self.spec.search(queryset, self.q)
        return queryset

    def ordering(self) -> list[str]:
        column = next(c for c in self.columns if c.key == self.sort_key)
        fields = [*column.sort, "pk"]
        if self.descending:
            return [f.removeprefix("-") if f.startswith("-") else f"-{f}" for f in fields]
        return fields

    # -- links

    def query(self, **changes: Any) -> str:
        """The list's query string with ``changes`` (None removes a key)."""
        params = self.params.copy()
        params.pop("export", None)
        for key, value in changes.items():
            if value is None:
                params.pop(key, None)
            elif isinstance(value, list):
                params.setlist(key, value)
            else:
                params[key] = str(value)
        return params.urlencode()

    def saved_query(self) -> str:
        """What a saved view stores: filters, search, sort and columns (not the page)."""
        params = QueryDict(mutable=True)
        for key, values in self.params.lists():
            if key in ("page", "view", "export", "csrfmiddlewaretoken"):
                continue
            params.setlist(key, [v for v in values if v])
        return params.urlencode()

    def sort_links(self) -> list[dict[str, Any]]:
        links = []
        for column in self.shown:
            entry: dict[str, Any] = {"column": column, "url": None, "direction": None}
            if column.sortable:
                active = column.key == self.sort_key
                descending = not self.descending if active else column.kind in _DESC_FIRST
                entry["url"] = "?" + self.query(
                    sort=f"-{column.key}" if descending else column.key, page=None
                )
                if active:
                    entry["direction"] = "descending" if self.descending else "ascending"
            links.append(entry)
        return links


_DESC_FIRST = {"date", "datetime", "money", "number"}


def _split(values: Iterable[str]) -> list[str]:
    return [part for value in values for part in value.split(",") if part]


# ---------------------------------------------------------------- pages and counts


@dataclass
class Page:
    rows: list[Any]
    number: int
    size: int
    total: int
    exact: bool
    has_next: bool

    @property
    def start(self) -> int:
        return (self.number - 1) * self.size + 1 if self.rows else 0

    @property
    def end(self) -> int:
        return self.start + len(self.rows) - 1 if self.rows else 0

    @property
    def last(self) -> int:
        return max(1, math.ceil(self.total / self.size))

    @property
    def has_previous(self) -> bool:
        return self.number > 1


def saved_views_key(user_id: int, list_key: str) -> str:
    return f"saved-views:{user_id}:{list_key}"


def saved_views_changed(sender: Any, instance: SavedView, **kwargs: Any) -> None:
    """Receiver: a saved view was saved or deleted."""
    reference.forget([saved_views_key(instance.user_id, instance.list_key)], SavedView)


def _changed_key(model: type[models.Model]) -> str:
    return f"lists:changed:{model._meta.label_lower}"


def lists_changed(model: type[models.Model]) -> None:
    """Many rows of ``model`` changed at once (a bulk action, an import): counts cached by
    :func:`count_capped` before now are recomputed."""
    cache.set(_changed_key(model), time.time(), ESTIMATE_SECONDS)


def count_capped(queryset: models.QuerySet[Any], *, cap: int = COUNT_CAP) -> tuple[int, bool]:
    """(count, exact): exact up to ``cap`` rows, the planner's estimate beyond.

    Counting to the cap reads ``cap`` index entries (a millisecond or more of PostgreSQL on
    every page of a big list), so an estimate, which is shown as "About N", is kept in the
    cache for :data:`ESTIMATE_SECONDS` per query; :func:`lists_changed` makes the next
    request count again. Exact counts are never cached.
    """
    sql, params = queryset.order_by().values("pk").query.sql_with_params()
    digest = hashlib.sha1(f"{queryset.db}|{cap}|{sql}|{params!r}".encode(), usedforsecurity=False)
    key, changed_key = f"lists:estimate:{digest.hexdigest()}", _changed_key(queryset.model)
    found = cache.get_many([key, changed_key])
    if key in found and found[key][1] > found.get(changed_key, 0):
        return found[key][0], False
    capped = queryset.order_by().values("pk")[: cap + 1].count()
    if capped <= cap:
        return capped, True
    estimate = max(estimate_count(queryset), cap + 1)
    cache.set(key, (estimate, time.time()), ESTIMATE_SECONDS)
    return estimate, False


def estimate_count(queryset: models.QuerySet[Any]) -> int:
    """The planner's row estimate for ``queryset`` (PostgreSQL), or an exact count."""
    connection = connections[queryset.db]
    if connection.vendor != "postgresql":
        return queryset.count()
    sql, params = queryset.order_by().values("pk").query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN (FORMAT JSON) {sql}", params)
        plan = cursor.fetchone()[0]
    if isinstance(plan, str):
        plan = json.loads(plan)
    return int(plan[0]["Plan"]["Plan Rows"])


def page_of(state: ListState, queryset: models.QuerySet[Any]) -> Page:
    size = state.spec.page_size
    offset = (state.page - 1) * size
    ids = list(
        queryset.order_by(*state.ordering()).values_list("pk", flat=True)[
            offset : offset + size + 1
        ]
    )
    has_next = len(ids) > size
    ids = ids[:size]
    rows_by_id = {}
    if ids:
        rows = queryset.filter(pk__in=ids)
        lookups = {*state.spec.prefetch, *(p for c in state.shown for p in c.prefetch)}
        if lookups:
            rows = rows.prefetch_related(*sorted(lookups))
        rows_by_id = {row.pk: row for row in rows}
    rows_in_order = [rows_by_id[pk] for pk in ids if pk in rows_by_id]
    if state.spec.prepare is not None and rows_in_order:
        state.spec.prepare(rows_in_order)
    if state.page == 1 and not has_next:
        total, exact = len(rows_in_order), True
    else:
        total, exact = count_capped(queryset)
        total = max(total, offset + len(rows_in_order))
    return Page(rows_in_order, state.page, size, total, exact, has_next)


# ---------------------------------------------------------------- cells


EMPTY = '<span class="faint">—</span>'


def row_cells(columns: Sequence[Column], row: Any) -> SafeString:
    """The ``<td>`` cells of ``row``, built in Python with ``html.escape`` (every value is
    escaped): a list page has hundreds of cells, and template work per cell cost more than
    all the page's queries."""
    parts = []
    for column in columns:
        css = ' class="num"' if column.kind in ("money", "number") else ""
        parts.append(f"<td{css}>{_cell_body(column, row, column.value(row))}</td>")
    return mark_safe("".join(parts))  # noqa: S308 - every value above went through _e()


MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def _short_date(value: date) -> str:
    """ "Nov 5, 2026": the list's date format, without the template engine's formatter
    (a page formats hundreds of dates)."""
    return f"{MONTHS[value.month - 1]} {value.day}, {value.year}"


def _e(value: Any) -> str:
    return html.escape(str(value), quote=True)


def _cell_body(column: Column, row: Any, value: Any) -> str:  # noqa: PLR0911
    if value is None or value in ("", []):
        return EMPTY
    kind = column.kind
    if kind == "badge":
        badge = (column.badge(row) if column.badge else "") or "plain"
        return f'<span class="badge badge-{_e(badge)}">{_e(value)}</span>'
    if kind == "money":
        amount, currency = value
        return f'{_e(floatformat(amount, "2g"))} <span class="faint">{_e(currency)}</span>'
    if kind == "number":
        return _e(intcomma(value))
    if kind == "date":
        return f'<time datetime="{value.isoformat()}">{_short_date(value)}</time>'
    if kind == "datetime":
        local = timezone.localtime(value)
        text = f"{_short_date(local)} {local:%H:%M}"
        return f'<time datetime="{local.isoformat()}">{text}</time>'
    if kind == "user":
        return (
            '<span class="person"><span class="avatar avatar-xs" aria-hidden="true">'
            f"{_e(value.initials)}</span>{_e(value)}</span>"
        )
    if kind == "tags":
        tags = "".join(f'<span class="tag">{_e(tag)}</span>' for tag in value)
        return f'<span class="tags">{tags}</span>'
    if kind == "bool":
        return "Yes" if value else "No"
    if kind == "email":
        return f'<a href="mailto:{_e(value)}">{_e(value)}</a>'
    if kind == "phone":
        raw = getattr(row, "phone", "") or value
        return f'<a href="tel:{_e(raw)}">{_e(value)}</a>'
    url = column.link(row) if column.link else None
    if url:
        return f'<a href="{_e(url)}">{_e(value)}</a>'
    return _e(value)


FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def csv_safe(value: Any) -> str:
    """A cell as text, neutralised against formula injection in spreadsheets.

    Text beginning with ``= + - @``, a tab or a carriage return gets a leading apostrophe,
    so Excel, LibreOffice and Google Sheets show it instead of evaluating it.
    """
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, datetime):
        text = (
            timezone.localtime(value).strftime("%Y-%m-%d %H:%M")
            if timezone.is_aware(value)
            else value.isoformat(sep=" ", timespec="minutes")
        )
    elif isinstance(value, (date, Decimal, int, float)):
        return str(value)  # numbers and dates are data, never formulas (negatives stay)
    elif isinstance(value, (list, tuple)):
        text = ", ".join(str(v) for v in value)
    else:
        text = str(value)
    if text.startswith(FORMULA_PREFIXES):
        return "'" + text
    return text


class _Echo:
    def write(self, value: str) -> str:
        return value


def export_rows(state: ListState) -> Iterator[str]:
    columns = [c for c in state.columns if c.exportable]
    writer = csv.writer(_Echo())
    yield "\ufeff" + writer.writerow([c.label for c in columns])
    queryset = state.filtered().order_by(*state.ordering())
    lookups = {*state.spec.prefetch, *(p for c in columns for p in c.prefetch)}
    if lookups:
        queryset = queryset.prefetch_related(*sorted(lookups))
    batch: list[Any] = []
    for row in queryset.iterator(chunk_size=EXPORT_BATCH):
        batch.append(row)
        if len(batch) == EXPORT_BATCH:
            yield from _export_batch(state.spec, columns, writer, batch)
            batch = []
    yield from _export_batch(state.spec, columns, writer, batch)


def _export_batch(
    spec: ListSpec, columns: list[Column], writer: Any, rows: list[Any]
) -> Iterator[str]:
    if spec.prepare is not None and rows:
        spec.prepare(rows)
    for row in rows:
        yield writer.writerow([csv_safe((c.csv or c.value)(row)) for c in columns])


# ---------------------------------------------------------------- the view


def _export(spec: ListSpec, state: ListState, user: Any) -> HttpResponseBase:
    """The filtered list as a streamed CSV file, for those with the export permission."""
    if not spec.export_permission or not user.has_perm(spec.export_permission):
        return HttpResponse(f"You may not export {spec.noun_plural}.", status=403)
    if state.errors:
        return HttpResponseBadRequest(" ".join(state.errors))
    wait = over_rate(f"export:{user.pk}", limit=settings.CRM_EXPORT_RATE, window=600)
    if wait:
        return too_many(f"Too many exports: try again in {wait} seconds.", wait)
    for listener in EXPORT_LISTENERS:
        listener(user=user, spec=spec, state=state)
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    response = StreamingHttpResponse(export_rows(state), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = (
        f'attachment; filename="{slugify(spec.noun_plural)}-{stamp}.csv"'
    )
    return response


def list_view(request: HttpRequest, spec: ListSpec) -> HttpResponseBase:
    """The whole list page: GET shows, exports; POST runs bulk actions and saves views."""
    user: Any = request.user
    if request.method == "POST":
        return _post(request, spec)
    params = request.GET
    views = reference.rows(
        saved_views_key(user.pk, spec.key),
        SavedView.objects.filter(user=user, list_key=spec.key).order_by("name"),
    )
    default = next((v for v in views if v.is_default), None)
    if not params and default is not None:
        return HttpResponseRedirect(
            f"?{default.query}&view={default.pk}" if default.query else f"?view={default.pk}"
        )
    state = ListState.parse(spec, user, params)
    if params.get("export") == "csv":
        return _export(spec, state, user)
    queryset = state.filtered()
    page = page_of(state, queryset)
    current_view = next((v for v in views if str(v.pk) == params.get("view")), None)
    bulk = [a for a in spec.bulk_actions(user) if _may_run(user, spec, a)]
    ctx = {
        "spec": spec,
        "state": state,
        "page": page,
        "rows": [{"row": row, "cells": row_cells(state.shown, row)} for row in page.rows],
        "headers": state.sort_links(),
        "views": views,
        "current_view": current_view,
        "bulk_actions": bulk,
        "bulk_choices": {a.key: list(a.choices(user)) for a in bulk if a.choices},
        "can_export": bool(spec.export_permission and user.has_perm(spec.export_permission)),
        "create_href": _create_href(spec, user),
        "filter_widgets": _filter_widgets(state),
        "page_links": _page_links(state, page),
        "export_url": "?" + state.query(export="csv", page=None),
        "saved_query": state.saved_query(),
        "active_filters": len(state.values) + (1 if state.q else 0),
        # A flag, not spec.search: templates call callables, and the search function needs
        # arguments, so {% if spec.search %} was always false and hid the box.
        "searchable": spec.search is not None,
    }
    status = 400 if state.errors else 200
    template = "lists/list.html"
    if getattr(request, "htmx", False) and request.headers.get("HX-Target") == "list-results":
        template = "lists/list.html#results"
    return render(request, template, ctx, status=status)


def _create_href(spec: ListSpec, user: Any) -> str | None:
    if not spec.create_url or (
        spec.create_permission and not user.has_perm(spec.create_permission)
    ):
        return None
    try:
        return reverse(spec.create_url)
    except NoReverseMatch:
        return None


def _filter_widgets(state: ListState) -> list[dict[str, Any]]:
    widgets = []
    for flt in state.filters:
        options = list(flt.choices(state.user)) if flt.choices else []
        if flt.kind == "user":
            options = [("me", "Me"), *options]
        if flt.kind == "boolean":
            options = [("yes", "Yes"), ("no", "No")]
        widgets.append(
            {
                "filter": flt,
                "value": state.raw.get(flt.key, ""),
                "options": options,
                "id": f"filter-{flt.key}",
            }
        )
    return widgets


def _page_links(state: ListState, page: Page) -> dict[str, Any]:
    def url(number: int) -> str:
        return "?" + state.query(page=number)

    return {
        "first": url(1) if page.has_previous else None,
        "previous": url(page.number - 1) if page.has_previous else None,
        "next": url(page.number + 1) if page.has_next else None,
        "last": url(page.last) if page.has_next and page.exact else None,
    }


# ---------------------------------------------------------------- POST: bulk actions, views


def _post(request: HttpRequest, spec: ListSpec) -> HttpResponse:
    action = request.POST.get("action", "")
    user: Any = request.user
    back_query = request.POST.get("query", "")
    back = f"?{back_query}" if back_query else request.path
    if action == "save-view":
        return _save_view(request, spec, back)
    if action == "delete-view":
        deleted, _ = SavedView.objects.filter(
            user=user, list_key=spec.key, pk=request.POST.get("view") or 0
        ).delete()
        if not deleted:
            return HttpResponse("That saved view does not exist.", status=404)
        messages.success(request, "Saved view deleted.")
        return HttpResponseRedirect(request.path)
    if action == "bulk":
        return _bulk(request, spec, back)
    return HttpResponseBadRequest("Unknown action.")


def _save_view(request: HttpRequest, spec: ListSpec, back: str) -> HttpResponse:
    name = request.POST.get("name", "").strip()[:100]
    if not name:
        messages.error(request, "Give the view a name.")
        return HttpResponseRedirect(back)
    query = QueryDict(request.POST.get("query", ""))
    user: Any = request.user
    state = ListState.parse(spec, user, query)
    if state.errors:
        return HttpResponseBadRequest(" ".join(state.errors))
    make_default = request.POST.get("is_default") == "on"
    if make_default:
        SavedView.objects.filter(user=user, list_key=spec.key).update(is_default=False)
    view, created = SavedView.objects.update_or_create(
        user=user,
        list_key=spec.key,
        name=name,
        defaults={
            "query": state.saved_query(),
            "columns": [c.key for c in state.shown],
            "is_default": make_default,
        },
    )
    messages.success(request, f"View “{name}” {'saved' if created else 'updated'}.")
    saved = view.query
    return HttpResponseRedirect(f"?{saved}&view={view.pk}" if saved else f"?view={view.pk}")


class _Refused(Exception):  # noqa: N818 - a refusal, not an error in our code
    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.message, self.status = message, status


def _bulk_value(action: BulkAction, user: Any, raw: str) -> Any:
    if not action.value_kind:
        return None
    raw = raw.strip()
    if action.value_kind == "tag":
        if not raw:
            raise _Refused("Type the tag to add.")
        return raw[:50]
    options = {str(v) for v, _ in (action.choices(user) if action.choices else ())}
    if raw not in options:
        raise _Refused(f"Choose {action.value_label or 'a value'} for “{action.label}”.")
    return int(raw) if action.value_kind == "user" else raw


def _bulk_selection(request: HttpRequest, spec: ListSpec) -> models.QuerySet[Any]:
    state = ListState.parse(spec, request.user, QueryDict(request.POST.get("query", "")))
    if state.errors:
        raise _Refused(" ".join(state.errors))
    queryset = state.filtered()
    if request.POST.get("all_matching") == "1":
        return queryset
    try:
        ids = [int(pk) for pk in request.POST.getlist("ids")]
    except ValueError as error:
        raise _Refused("The selection is not valid.") from error
    if not ids:
        raise _Refused(f"Select one or more {spec.noun_plural} first.")
    return queryset.filter(pk__in=ids)


def _may_run(user: Any, spec: ListSpec, action: BulkAction) -> bool:
    if spec.bulk_permission and not user.has_perm(spec.bulk_permission):
        return False
    if fieldlevels.frozen(user, spec.entity).intersection(action.writes):
        return False
    return bool(user.has_perm(action.permission))


def _bulk(request: HttpRequest, spec: ListSpec, back: str) -> HttpResponse:
    """Run a bulk action on the selected rows (or all matching); 4xx with a message."""
    user: Any = request.user
    action = {a.key: a for a in spec.bulk_actions(user)}.get(request.POST.get("bulk_action", ""))
    try:
        if action is None:
            raise _Refused("Choose an action for the selected rows.")
        if not _may_run(user, spec, action):
            raise _Refused(f"You may not {action.label.lower()} {spec.noun_plural}.", 403)
        queryset = _bulk_selection(request, spec)
        value = _bulk_value(action, user, request.POST.get("value", ""))
        if action.destructive and request.POST.get("confirmed") != "1":
            ctx = {
                "spec": spec,
                "action": action,
                "count": queryset.count(),
                "post": request.POST,
                "back": back,
            }
            return render(request, "lists/confirm_bulk.html", ctx)
        changed = action.run(actor=user, queryset=queryset, value=value)
        lists_changed(queryset.model)
    except _Refused as refused:
        ctx = {"spec": spec, "message": refused.message, "back": back}
        return render(request, "lists/bulk_refused.html", ctx, status=refused.status)
    except ValidationError as error:
        ctx = {"spec": spec, "message": " ".join(error.messages), "back": back}
        return render(request, "lists/bulk_refused.html", ctx, status=400)
    noun = spec.noun if changed == 1 else spec.noun_plural
    messages.success(request, action.done.format(count=f"{changed:,} {noun}"))
    return HttpResponseRedirect(back)


def columns_query(columns: Sequence[Column]) -> str:
    return urlencode({"cols": ",".join(c.key for c in columns)})

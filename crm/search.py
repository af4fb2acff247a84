"""Global search: one box in the top bar over companies, contacts, leads and deals.

The kernel never imports a domain app. Each app declares what it offers in its own
``search.py`` module, which registers a :class:`Provider`; the registry imports those
modules once, lazily, with ``autodiscover_modules("search")`` (as the Django admin finds
``admin.py``)::

    search.register(search.Provider(
        key="leads", label="Leads", model=Lead, permission="leads.view_lead",
        queryset=lambda user: policy.visible(Lead.objects.all(), user),
        title=lambda lead: lead.full_name, subtitle=lead_subtitle, icon="target",
        list_url_name="leads:lead-list", order=30))

A provider's queryset goes through the visibility policy, so a rep finds their own and
shared records only; a user without the provider's view permission gets no group.

Matching and ranking (docs/search.md):

- every model has a generated lower-case ``search_text`` column; a row matches when it
  contains every word of the query (the same rule as the lists' ``q``, so "See all" shows
  the same rows). Words of 1 character are ignored; 2-character words match the start of
  a word only (``'jo%'`` or ``'% jo%'``), which a trigram index can answer, where
  ``'%jo%'`` would read every row;
- on PostgreSQL the ``pg_trgm`` GIN index on ``search_text`` answers those ``LIKE``
  patterns; rows are ranked by whole-query prefix, then per-word prefix matches, then
  ``word_similarity()``; on SQLite by the same prefix boosts without the similarity;
- each group shows a few hits; its total is counted only up to :data:`COUNT_CAP` ("100+"),
  so no request counts a million rows.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from django.db import connection, models
from django.db.models import Case, F, FloatField, Q, Value, When
from django.urls import reverse
from django.utils.html import escape
from django.utils.module_loading import autodiscover_modules
from django.utils.safestring import SafeString, mark_safe

from crm import fieldlevels

MIN_LENGTH = 2
MAX_LENGTH = 100
MAX_WORDS = 5
COUNT_CAP = 100
RANK_POOL = 200  # rows ranked per group (more than COUNT_CAP: see candidates())
MENU_LIMIT = 5  # hits per group in the top-bar menu
PAGE_LIMIT = 10  # hits per group on the full results page


@dataclass(frozen=True)
class Provider:
    """What one kind of record offers to the global search."""

    key: str  # "leads": stable, used in element ids
    label: str  # "Leads": the group's heading
    model: type[models.Model]
    permission: str  # "leads.view_lead": without it the user gets no group
    queryset: Callable[[Any], models.QuerySet[Any]]  # visible rows (policy.visible)
    title: Callable[[Any], str]
    # (record, hidden) -> text; ``hidden``: the fields the searching user's role hides
    # (crm.fieldlevels), which the subtitle must leave out.
    subtitle: Callable[[Any, frozenset[str]], str]
    icon: str  # a Lucide icon id
    list_url_name: str  # the entity's list, which takes ``?q=``
    order: int = 100
    url: Callable[[Any], str] = lambda record: record.get_absolute_url()
    # Columns the title and subtitle read; the hit query loads only these.
    fields: Sequence[str] = ()
    select_related: Sequence[str] = ()
    noun_plural: str = ""  # "leads": "See all 12 leads" (default: the label, lower case)


@dataclass(frozen=True)
class Hit:
    title: str
    subtitle: str
    url: str
    icon: str
    title_html: SafeString
    subtitle_html: SafeString


@dataclass
class Group:
    provider: Provider
    hits: list[Hit]
    count: int  # exact up to COUNT_CAP
    capped: bool  # more than ``count`` rows match: shown as "100+"
    see_all_url: str

    @property
    def key(self) -> str:
        return self.provider.key

    @property
    def label(self) -> str:
        return self.provider.label

    @property
    def count_label(self) -> str:
        return f"{self.count}+" if self.capped else str(self.count)

    @property
    def more(self) -> bool:
        """True when the group shows fewer hits than match."""
        return self.capped or self.count > len(self.hits)

    @property
    def noun_plural(self) -> str:
        return self.provider.noun_plural or self.provider.label.lower()


@dataclass
class Results:
    query: str  # as typed (trimmed)
    terms: list[str] = field(default_factory=list)  # the words that were matched
    groups: list[Group] = field(default_factory=list)
    too_short: bool = False

    @property
    def total_hits(self) -> int:
        return sum(len(g.hits) for g in self.groups)

    @property
    def matched_groups(self) -> list[Group]:
        return [g for g in self.groups if g.hits]

    @property
    def missed_labels(self) -> str:
        """ "Companies and Deals": the groups searched that found nothing."""
        labels = [g.label for g in self.groups if not g.hits]
        if len(labels) < 2:
            return "".join(labels)
        return f"{', '.join(labels[:-1])} and {labels[-1]}"


# ---------------------------------------------------------------- registry

_providers: dict[str, Provider] = {}
_discovery = {"done": False}
_lock = threading.Lock()


def register(provider: Provider) -> None:
    _providers[provider.key] = provider


def providers() -> list[Provider]:
    """Every registered provider, in order (imports each app's ``search`` module once)."""
    if not _discovery["done"]:
        with _lock:
            if not _discovery["done"]:
                autodiscover_modules("search")
                _discovery["done"] = True
    return sorted(_providers.values(), key=lambda p: (p.order, p.key))


def providers_for(user: Any) -> list[Provider]:
    return [p for p in providers() if user.has_perm(p.permission)]


# ---------------------------------------------------------------- the query


def terms_of(query: str) -> list[str]:
    """The lower-case words a query matches on: at most five, single letters dropped."""
    words = query.lower().split()[:MAX_WORDS]
    return [w for w in words if len(w) >= MIN_LENGTH]


def _word_start(word: str) -> Q:
    return Q(search_text__startswith=word) | Q(search_text__contains=f" {word}")


def matching(queryset: models.QuerySet[Any], terms: Sequence[str]) -> models.QuerySet[Any]:
    """Rows containing every term (a 2-letter term only at the start of a word)."""
    for term in terms:
        if len(term) < 3:
            queryset = queryset.filter(_word_start(term))
        else:
            queryset = queryset.filter(search_text__contains=term)
    return queryset


class WordSimilarity(models.Func):
    """pg_trgm's ``word_similarity(query, text)``: how well the query matches some run of
    whole-ish words in the text (0..1); unlike ``similarity()`` a long text is no penalty."""

    function = "WORD_SIMILARITY"
    output_field = FloatField()


def _score(terms: Sequence[str]) -> Any:
    """Prefix boosts (cheap ``LIKE`` tests on the row): the text starts with the whole
    query (8), the query starts a later word (4), the query is a whole word (2), and for
    several words one point for each word that starts a word."""
    phrase = " ".join(terms)
    whole_word = (
        Q(search_text=phrase)
        | Q(search_text__startswith=f"{phrase} ")
        | Q(search_text__contains=f" {phrase} ")
        | Q(search_text__endswith=f" {phrase}")
    )
    score: Any = Case(When(search_text__startswith=phrase, then=Value(8)), default=Value(0))
    score += Case(When(search_text__contains=f" {phrase}", then=Value(4)), default=Value(0))
    score += Case(When(whole_word, then=Value(2)), default=Value(0))
    if len(terms) > 1:
        for term in terms:
            score += Case(When(_word_start(term), then=Value(1)), default=Value(0))
    return score


def candidates(visible: models.QuerySet[Any], terms: Sequence[str]) -> tuple[list[Any], int, bool]:
    """The primary keys worth ranking, how many rows match (exact below ``RANK_POOL``) and
    whether there may be more than that.

    A common fragment matches tens of thousands of rows among a million leads, and reading
    them all to rank them costs more than the whole search may take. So this reads at most
    ``RANK_POOL`` matching rows in the order the trigram index finds them; when there are
    that many, it also reads at most ``RANK_POOL`` rows where every word starts a word
    ("kowal" in "Anna Kowalska" rather than "Nowakowalski"), the ones that rank best.
    Each query stops at its limit, so the work is bounded however many rows match.
    """
    found = matching(visible, terms)
    pool = list(found.order_by().values_list("pk", flat=True)[:RANK_POOL])
    complete = len(pool) < RANK_POOL
    if complete or all(len(term) < 3 for term in terms):
        return pool, len(pool), not complete  # (2-letter words only match word starts)
    starts = visible
    for term in terms:
        starts = starts.filter(_word_start(term))
    best = list(starts.order_by().values_list("pk", flat=True)[:RANK_POOL])
    seen = set(best)
    return best + [pk for pk in pool if pk not in seen], len(pool), True


def ranked(model: type[models.Model], pool: Sequence[Any], terms: Sequence[str]) -> Any:
    """The rows of ``pool`` best first: by the prefix boosts of :func:`_score`, then, on
    PostgreSQL, by trigram ``word_similarity()`` (a few microseconds a row, so only over the
    pool), then in the model's own order (newest leads and deals first, names A-Z)."""
    rows = model._default_manager.filter(pk__in=pool).annotate(search_rank=_score(terms))
    order: list[Any] = ["-search_rank"]
    if connection.vendor == "postgresql":
        rows = rows.annotate(
            search_similarity=WordSimilarity(Value(" ".join(terms)), F("search_text"))
        )
        order.append("-search_similarity")
    return rows.order_by(*order, *model._meta.ordering)


def highlight(text: str, terms: Sequence[str]) -> SafeString:
    """``text`` escaped, with each occurrence of a term wrapped in ``<mark>``."""
    if not text:
        return SafeString("")
    spans: list[tuple[int, int]] = []
    for term in sorted(set(terms), key=len, reverse=True):
        spans.extend(m.span() for m in re.finditer(re.escape(term), text, re.IGNORECASE))
    spans.sort()
    merged: list[list[int]] = []
    for start, end in spans:
        if merged and start <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    parts: list[str] = []
    cursor = 0
    for start, end in merged:
        parts.append(escape(text[cursor:start]))
        parts.append(f"<mark>{escape(text[start:end])}</mark>")
        cursor = end
    parts.append(escape(text[cursor:]))
    return mark_safe("".join(parts))  # noqa: S308 - every piece escaped above


def _hit(provider: Provider, record: Any, terms: Sequence[str], hidden: frozenset[str]) -> Hit:
    title = provider.title(record) or str(record)
    subtitle = provider.subtitle(record, hidden)
    return Hit(
        title=title,
        subtitle=subtitle,
        url=provider.url(record),
        icon=provider.icon,
        title_html=highlight(title, terms),
        subtitle_html=highlight(subtitle, terms),
    )


def search_group(provider: Provider, *, user: Any, terms: Sequence[str], limit: int) -> Group:
    """One provider's best hits (at most ``limit``) and its count, capped at
    :data:`COUNT_CAP`: two or three queries, none of which reads every match."""
    pool, matched, more = candidates(provider.queryset(user), terms)
    records: list[Any] = []
    if pool:
        rows = ranked(provider.model, pool, terms)
        if provider.select_related:
            rows = rows.select_related(*provider.select_related)
        if provider.fields:
            rows = rows.only(*provider.fields)
        records = list(rows[:limit])
    see_all = reverse(provider.list_url_name) + "?" + urlencode({"q": " ".join(terms)})
    hidden = fieldlevels.hidden(user, provider.model._meta.label_lower)
    return Group(
        provider=provider,
        hits=[_hit(provider, r, terms, hidden) for r in records],
        count=min(matched, COUNT_CAP),
        capped=more or matched > COUNT_CAP,
        see_all_url=see_all,
    )


def search(*, user: Any, query: str, limit: int = MENU_LIMIT) -> Results:
    """Grouped hits for ``query`` among the records ``user`` may see."""
    query = " ".join(query.split())[:MAX_LENGTH]
    terms = terms_of(query)
    results = Results(query=query, terms=terms)
    if not terms:
        results.too_short = True
        return results
    results.groups = [
        search_group(provider, user=user, terms=terms, limit=limit)
        for provider in providers_for(user)
    ]
    return results

"""Deal and pipeline reads, always through the visibility policy (``accounts.policy``).

The board is built for big pipelines: the column headers (count and value per stage and
currency) are one ``GROUP BY`` query, and each column's cards are a keyset page on
``(position, id)`` served by the ``(stage, position, id)`` indexes; nothing grows with the
number of deals but the rows actually shown.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db.models import Count, Q, QuerySet, Sum
from django.http import Http404, QueryDict
from django.utils import timezone

from accounts import policy
from contacts.models import Company, Contact
from deals.models import Deal, Pipeline, Stage, StageChange

PAGE_SIZE = 25
PAGE_MAX = 100


# ---------------------------------------------------------------- pipelines


def pipeline_list(*, include_inactive: bool = False) -> list[Pipeline]:
    pipelines = Pipeline.objects.order_by("position", "name")
    if not include_inactive:
        pipelines = pipelines.filter(is_active=True)
    return list(pipelines)


def pipeline_default() -> Pipeline | None:
    pipelines = Pipeline.objects.filter(is_active=True).order_by("-is_default", "position", "name")
    return pipelines.first()


def pipeline_get(*, pk: int) -> Pipeline:
    found = Pipeline.objects.filter(pk=pk).first()
    if found is None:
        raise Http404("No pipeline matches.")
    return found


def pipeline_settings_list() -> list[dict[str, Any]]:
    """Every pipeline with its stages and how many deals it holds (settings page)."""
    pipelines = list(Pipeline.objects.order_by("position", "name").prefetch_related("stages"))
    counts = dict(
        Deal.objects.order_by()
        .values("pipeline_id")
        .annotate(n=Count("pk"))
        .values_list("pipeline_id", "n")
    )
    return [
        {"pipeline": p, "stages": list(p.stages.all()), "deals": counts.get(p.pk, 0)}
        for p in pipelines
    ]


def stage_deal_counts(*, pipeline: Pipeline) -> dict[int, int]:
    return dict(
        Deal.objects.filter(pipeline=pipeline)
        .order_by()
        .values("stage_id")
        .annotate(n=Count("pk"))
        .values_list("stage_id", "n")
    )


def stages_of(*, pipeline: Pipeline | int) -> list[Stage]:
    pk = pipeline.pk if isinstance(pipeline, Pipeline) else pipeline
    return list(Stage.objects.filter(pipeline_id=pk).order_by("position", "pk"))


# ---------------------------------------------------------------- deals


def deal_get_for_user(*, user: Any, pk: int) -> Deal:
    """The deal, if ``user`` may see it (404 otherwise)."""
    return policy.get_visible_or_404(
        Deal.objects.select_related("pipeline", "stage", "owner", "company", "created_by"),
        user,
        pk=pk,
    )


def deal_card_for_user(*, user: Any, pk: int) -> Deal:
    return policy.get_visible_or_404(
        Deal.objects.select_related("stage", "owner", "company"), user, pk=pk
    )


def deal_stage_history(*, deal: Deal, limit: int = 50) -> list[StageChange]:
    stage = ("name", "is_won", "is_lost")
    return list(
        StageChange.objects.filter(deal=deal)
        .select_related("from_stage", "to_stage", "changed_by")
        .only(
            *(f.name for f in StageChange._meta.concrete_fields),
            *(f"{name}__{column}" for name in ("from_stage", "to_stage") for column in stage),
            "changed_by__full_name",
            "changed_by__email",
        )
        .order_by("-changed_at", "-id")[:limit]
    )


def deal_contacts(*, deal: Deal, user: Any) -> list[Contact]:
    """The deal's contacts the user may see (others are counted, not shown)."""
    return list(
        policy.visible(deal.contacts.select_related("company"), user).order_by(
            "last_name", "first_name", "pk"
        )
    )


def deals_for_record(
    *, user: Any, company: Company | None = None, contact: Contact | None = None, limit: int = 8
) -> dict[str, Any]:
    """A company's or contact's visible deals for its page: open first, then the most
    recently closed, with how many there are and the open value per currency (none for a
    user whose role hides the amount)."""
    deals: QuerySet[Deal] = Deal.objects.all()
    if company is not None:
        deals = deals.filter(company=company)
    if contact is not None:
        deals = deals.filter(contacts=contact)
    deals = policy.visible(deals, user)
    access = policy.field_access(user, Deal)
    # Soonest expected close first, unless the role hides the date (the order would tell).
    order = ["closed_at", "expected_close_date", "-created_at", "-id"]
    if not access.readable("expected_close_date"):
        order.remove("expected_close_date")
    rows = list(
        deals.select_related("stage", "pipeline")
        .order_by(*order)
        .only(
            "pk",
            "name",
            "amount",
            "currency",
            "status",
            "expected_close_date",
            "closed_at",
            "stage__name",
            "pipeline__name",
            "owner_id",
            "team_id",
        )[: limit + 1]
    )
    counts: dict[str, int] = defaultdict(int)
    open_value: list[tuple[str, Decimal]] = []
    if access.readable("amount"):
        for status, currency, n, value in (
            deals.order_by()
            .values("status", "currency")
            .annotate(n=Count("pk"), total=Sum("amount"))
            .values_list("status", "currency", "n", "total")
        ):
            counts[status] += n
            if status == Deal.Status.OPEN:
                open_value.append((currency, value or Decimal("0")))
        open_value.sort(key=lambda pair: (pair[0] != settings.CRM_DEFAULT_CURRENCY, pair[0]))
    else:
        counts.update(
            deals.order_by().values("status").annotate(n=Count("pk")).values_list("status", "n")
        )
    total = sum(counts.values())
    return {
        "deals": rows[:limit],
        "total": total,
        "more": max(0, total - limit),
        "open_count": counts[Deal.Status.OPEN],
        "open_value": open_value,
    }


# ---------------------------------------------------------------- the board


@dataclass
class BoardFilters:
    """The board's filters, parsed from the query string and checked against the user."""

    owner: int | None = None  # a user id (choices: policy.assignable_users)
    close_from: date | None = None
    close_to: date | None = None
    errors: list[str] = field(default_factory=list)

    @classmethod
    def parse(cls, params: QueryDict, *, user: Any, owners: list[Any]) -> BoardFilters:
        found = cls()
        raw_owner = params.get("owner", "").strip()
        if raw_owner == "me":
            found.owner = user.pk
        elif raw_owner:
            allowed = {str(u.pk): u.pk for u in owners}
            if raw_owner in allowed:
                found.owner = allowed[raw_owner]
            else:
                found.errors.append("Choose an owner from the list.")
        # Filtering on a field the user's role hides would reveal it: not offered, ignored.
        by_close = policy.field_access(user, Deal).readable("expected_close_date")
        for key in ("close_from", "close_to") if by_close else ():
            raw = params.get(key, "").strip()
            if not raw:
                continue
            try:
                setattr(found, key, date.fromisoformat(raw))
            except ValueError:
                found.errors.append("Enter close dates as YYYY-MM-DD.")
        if found.close_from and found.close_to and found.close_from > found.close_to:
            found.errors.append("The close date range ends before it starts.")
            found.close_from = found.close_to = None
        return found

    @property
    def active(self) -> bool:
        return bool(self.owner or self.close_from or self.close_to)

    def apply(self, queryset: QuerySet[Deal]) -> QuerySet[Deal]:
        if self.owner:
            queryset = queryset.filter(owner_id=self.owner)
        if self.close_from:
            queryset = queryset.filter(expected_close_date__gte=self.close_from)
        if self.close_to:
            queryset = queryset.filter(expected_close_date__lte=self.close_to)
        return queryset

    def query(self, *, user: Any) -> str:
        """The filters as a query string (for column pages, moves, the pipeline picker)."""
        params = QueryDict(mutable=True)
        if self.owner:
            params["owner"] = "me" if self.owner == user.pk else str(self.owner)
        if self.close_from:
            params["close_from"] = self.close_from.isoformat()
        if self.close_to:
            params["close_to"] = self.close_to.isoformat()
        return params.urlencode()


def board_owners(*, user: Any) -> list[Any]:
    """Whom the owner filter offers: the people the user may assign to (self for reps)."""
    return list(policy.assignable_users(user, Deal).only("id", "full_name", "email"))


# Won and lost columns show the deals closed in this many days: a pipeline's history grows
# without end (hundreds of thousands of closed deals), the board is about what is moving.
CLOSED_COLUMN_DAYS = 30


def closed_since(*, now: Any = None) -> Any:
    return (now or timezone.now()) - timedelta(days=CLOSED_COLUMN_DAYS)


def _board_deals(*, user: Any, filters: BoardFilters) -> QuerySet[Deal]:
    return filters.apply(policy.visible(Deal.objects.all(), user))


def _in_columns(stages: list[Stage]) -> Q:
    """Deals of ``stages``: all of an open stage's, the recently closed of a won/lost one."""
    open_ids = [s.pk for s in stages if not s.is_closed]
    closed_ids = [s.pk for s in stages if s.is_closed]
    condition = Q(stage_id__in=open_ids)
    if closed_ids:
        condition |= Q(stage_id__in=closed_ids, closed_at__gte=closed_since())
    return condition


@dataclass
class BoardColumn:
    stage: Stage
    count: int = 0
    totals: list[tuple[str, Decimal]] = field(default_factory=list)  # default currency first

    @property
    def kind(self) -> str:
        return "won" if self.stage.is_won else "lost" if self.stage.is_lost else "open"

    @property
    def weighted(self) -> Decimal | None:
        """The default-currency value weighted by the stage's probability."""
        for currency, value in self.totals:
            if currency == settings.CRM_DEFAULT_CURRENCY:
                return value * self.stage.probability / 100
        return None


def board_summary(
    *, user: Any, stages: list[Stage], filters: BoardFilters
) -> dict[int, BoardColumn]:
    """Count and value per stage (value per currency, never mixed): one GROUP BY query.
    Only the counts for a user whose role hides the amount (``totals`` stays empty)."""
    columns = {stage.pk: BoardColumn(stage=stage) for stage in stages}
    deals = _board_deals(user=user, filters=filters).filter(_in_columns(stages)).order_by()
    if not policy.field_access(user, Deal).readable("amount"):
        for stage_id, n in (
            deals.values("stage_id").annotate(n=Count("pk")).values_list("stage_id", "n")
        ):
            columns[stage_id].count += n
        return columns
    rows = (
        deals.values("stage_id", "currency")
        .annotate(n=Count("pk"), total=Sum("amount"))
        .values_list("stage_id", "currency", "n", "total")
    )
    per_stage: dict[int, list[tuple[str, Decimal]]] = defaultdict(list)
    for stage_id, currency, n, total in rows:
        columns[stage_id].count += n
        per_stage[stage_id].append((currency, total or Decimal("0")))
    default = settings.CRM_DEFAULT_CURRENCY
    for stage_id, totals in per_stage.items():
        totals.sort(key=lambda pair: (pair[0] != default, pair[0]))
        columns[stage_id].totals = totals
    for column in columns.values():
        if not column.totals:
            column.totals = [(default, Decimal("0"))]
    return columns


@dataclass
class CardPage:
    cards: list[Deal]
    next_cursor: str | None  # "position:id" of the last card when more follow


def _parse_cursor(raw: str) -> tuple[float, int] | None:
    try:
        position, pk = raw.split(":", 1)
        return float(position), int(pk)
    except (ValueError, AttributeError):
        return None


def board_cards(
    *,
    user: Any,
    stage: Stage,
    filters: BoardFilters,
    cursor: str = "",
    limit: int = PAGE_SIZE,
) -> CardPage:
    """One page of a column's cards in board order, after ``cursor``: one query."""
    limit = max(1, min(limit, PAGE_MAX))
    deals = _board_deals(user=user, filters=filters).filter(_in_columns([stage]))
    after = _parse_cursor(cursor) if cursor else None
    if after is not None:
        deals = deals.filter(Q(position__gt=after[0]) | Q(position=after[0], pk__gt=after[1]))
    rows = list(
        deals.select_related("company", "owner", "stage")
        .only(
            "pk",
            "name",
            "amount",
            "currency",
            "status",
            "position",
            "version",
            "expected_close_date",
            "stage_entered_at",
            "last_activity_at",
            "lost_reason",
            "owner_id",
            "team_id",
            "stage_id",
            "pipeline_id",
            "company__name",
            "owner__full_name",
            "owner__email",
            "stage__rotting_days",
            "stage__is_won",
            "stage__is_lost",
            "stage__name",
        )
        .order_by("position", "pk")[: limit + 1]
    )
    more = len(rows) > limit
    cards = rows[:limit]
    cursor_out = f"{cards[-1].position!r}:{cards[-1].pk}" if more and cards else None
    return CardPage(cards=cards, next_cursor=cursor_out)


def idle_days(deal: Deal, *, now: Any = None) -> int:
    return max(0, ((now or timezone.now()) - deal.idle_since).days)


LOST_REASONS_TTL = 300  # seconds: suggestions may lag a few minutes behind new losses


def lost_reasons(*, pipeline: Pipeline | None = None, limit: int = 8) -> list[str]:
    """The most used lost reasons (suggestions when closing a deal as lost).

    Counting them groups every lost deal (tens of thousands in a busy pipeline), so the
    answer is cached for a few minutes rather than recomputed on every deal page and board.
    """

    def compute() -> list[str]:
        deals = Deal.objects.filter(status=Deal.Status.LOST).exclude(lost_reason="")
        if pipeline is not None:
            deals = deals.filter(pipeline=pipeline)
        return list(
            deals.order_by()
            .values("lost_reason")
            .annotate(n=Count("pk"))
            .order_by("-n", "lost_reason")
            .values_list("lost_reason", flat=True)[:limit]
        )

    key = f"deals:lost-reasons:{pipeline.pk if pipeline else 'all'}:{limit}"
    return cache.get_or_set(key, compute, LOST_REASONS_TTL)


# ---------------------------------------------------------------- pickers


def company_lookup(*, user: Any, q: str, limit: int = 10) -> list[Company]:
    companies = policy.visible(Company.objects.all(), user)
    for word in q.lower().split()[:5]:
        companies = companies.filter(search_text__contains=word)
    return list(companies.only("pk", "name", "domain").order_by("name", "pk")[:limit])


def contact_lookup(*, user: Any, q: str, company: int | None = None, limit: int = 10) -> list[Any]:
    contacts = policy.visible(Contact.objects.select_related("company"), user)
    for word in q.lower().split()[:5]:
        contacts = contacts.filter(search_text__contains=word)
    if company and not q.strip():
        contacts = contacts.filter(company_id=company)
    return list(contacts.order_by("last_name", "first_name", "pk")[:limit])

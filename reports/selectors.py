"""The dashboard's figures, read through the visibility policy.

Each figure is one aggregate query (``GROUP BY``) over the rows the viewer may see
(``accounts.policy.visible``): a rep's own and shared records, a manager's team's, an
admin's everyone's. Nothing is read row by row, so the page costs the same number of
queries for ten deals as for two hundred thousand. Periods are the viewer's: "this month"
and "this week" begin at midnight in the time zone the request activated.

Money is summed per currency (deals carry their own); a figure keeps one total per
currency and the page draws its bars in the figure's main currency.

Field levels (``accounts.policy.field_access``): for a viewer whose role hides the deal
amount no money is summed at all (the figures keep their counts, ``money`` is False and
bars follow the counts); one whose role hides the expected close date gets no "closing
this month" figure, which would reveal those dates.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db.models import Case, Count, Q, QuerySet, Sum, Value, When, Window
from django.utils import timezone

from accounts import policy
from accounts.models import Scope, User
from activities.models import Activity, Task
from deals.models import Deal, Pipeline, Stage
from leads.models import Lead

OVERDUE_LIMIT = 10
CLOSING_LIMIT = 5

Amounts = dict[str, Decimal]  # currency -> total


# ---------------------------------------------------------------- periods


@dataclass(frozen=True)
class Periods:
    """This month, last month and this week in the current time zone, as aware datetimes."""

    now: datetime
    month_start: datetime
    next_month_start: datetime
    last_month_start: datetime
    week_start: datetime
    next_week_start: datetime

    @property
    def month_first_day(self) -> date:
        return self.month_start.date()

    @property
    def month_last_day(self) -> date:
        return (self.next_month_start - timedelta(days=1)).date()

    @property
    def week_last_day(self) -> date:
        return (self.next_week_start - timedelta(days=1)).date()


def _midnight(day: date, zone: Any) -> datetime:
    return datetime(day.year, day.month, day.day, tzinfo=zone)


def periods(now: datetime | None = None) -> Periods:
    zone = timezone.get_current_timezone()
    now = now or timezone.now()
    today = timezone.localtime(now, zone).date()
    first = today.replace(day=1)
    next_first = (first + timedelta(days=32)).replace(day=1)
    last_first = (first - timedelta(days=1)).replace(day=1)
    monday = today - timedelta(days=today.weekday())
    return Periods(
        now=now,
        month_start=_midnight(first, zone),
        next_month_start=_midnight(next_first, zone),
        last_month_start=_midnight(last_first, zone),
        week_start=_midnight(monday, zone),
        next_week_start=_midnight(monday + timedelta(days=7), zone),
    )


# ---------------------------------------------------------------- scope


@dataclass(frozen=True)
class ScopeInfo:
    scope: Scope | None
    note: str  # "the North America team's records and those shared with you"
    per_person: bool  # managers and admins see each person's figures


def scope_info(user: Any) -> ScopeInfo:
    """The dashboard's headline reach: the user's scope on deals (each figure itself reads
    through the policy for its own record kind)."""
    scope = policy.scope_for(user, Deal)
    if scope == Scope.ALL:
        return ScopeInfo(scope, "everyone's records", True)
    if scope == Scope.TEAM and user.team_id is not None:
        return ScopeInfo(
            scope, f"the {user.team.name} team's records and those shared with you", True
        )
    return ScopeInfo(scope, "your records and those shared with you", False)


# ---------------------------------------------------------------- money helpers


def shows_money(user: Any) -> bool:
    """Whether ``user`` may read deal amounts (else the figures carry counts only)."""
    return policy.field_access(user, Deal).readable("amount")


def shows_close_dates(user: Any) -> bool:
    return policy.field_access(user, Deal).readable("expected_close_date")


def main_currency(*totals: Amounts, counts: dict[str, int] | None = None) -> str:
    """The currency a figure's bars use: the default one when present, else the one with
    the most deals (or the largest total)."""
    present = {c for t in totals for c in t}
    default = settings.CRM_DEFAULT_CURRENCY
    if not present or default in present:
        return default
    if counts:
        return max(sorted(present), key=lambda c: counts.get(c, 0))
    return max(sorted(present), key=lambda c: sum(t.get(c, Decimal(0)) for t in totals))


def _add(amounts: Amounts, currency: str, value: Decimal | None) -> None:
    amounts[currency] = amounts.get(currency, Decimal(0)) + (value or Decimal(0))


def percent(part: float | Decimal, whole: float | Decimal) -> float:
    return float(part) * 100 / float(whole) if whole else 0.0


def change(current: float | Decimal, previous: float | Decimal) -> float | None:
    """Percent change from ``previous``; None when there was nothing before."""
    if not previous:
        return None
    return (float(current) - float(previous)) * 100 / float(previous)


# ---------------------------------------------------------------- pipeline by stage


@dataclass
class StageRow:
    stage: Stage
    count: int = 0
    amounts: Amounts = field(default_factory=dict)
    weighted: Amounts = field(default_factory=dict)
    bar: float = 0.0  # percent of the largest stage (main currency)
    weighted_bar: float = 0.0


@dataclass
class PipelineFigure:
    pipeline: Pipeline
    rows: list[StageRow]
    count: int
    amounts: Amounts
    weighted: Amounts
    currency: str
    money: bool = True  # False: the viewer's role hides amounts (bars follow the counts)


def open_deal_groups(
    *, user: Any, pipeline: Pipeline | None = None, period: Periods | None = None
) -> list[dict[str, Any]]:
    """Open deals the user may see, counted and summed per stage and currency: one GROUP BY.

    Without ``pipeline`` the groups are per pipeline, stage, owner and currency and, given
    a ``period``, also count and sum the deals expected to close this month: one read of
    the open deals serves the pipeline card, "closing this month" and the per-person table.
    No sums (and no currency) for a viewer who may not read amounts, no closing counts for
    one who may not read close dates.
    """
    money, dates = shows_money(user), shows_close_dates(user)
    deals = policy.visible(Deal.objects.filter(status=Deal.Status.OPEN), user)
    fields = ["stage_id", "currency"] if money else ["stage_id"]
    sums: dict[str, Any] = {"n": Count("id")}
    if money:
        sums["total"] = Sum("amount")
    if pipeline is not None:
        deals = deals.filter(pipeline=pipeline)
    else:
        fields += ["pipeline_id", "owner_id"]
    if pipeline is None and period is not None and dates:
        closing = Q(
            expected_close_date__gte=period.month_first_day,
            expected_close_date__lte=period.month_last_day,
        )
        sums["closing_n"] = Count("id", filter=closing)
        if money:
            sums["closing_total"] = Sum("amount", filter=closing)
    return list(deals.values(*fields).annotate(**sums).order_by())


def pipeline_figure(
    *, user: Any, pipeline: Pipeline, groups: list[dict[str, Any]] | None = None
) -> PipelineFigure:
    """Open deals on ``pipeline`` by stage: count, value and value weighted by the
    stage's probability. Two queries: the stages, and one GROUP BY stage, currency (none
    when ``groups`` from :func:`open_deal_groups` are given)."""
    stages = list(
        Stage.objects.filter(pipeline=pipeline, is_won=False, is_lost=False).order_by(
            "position", "id"
        )
    )
    rows = {stage.pk: StageRow(stage) for stage in stages}
    counts: dict[str, int] = defaultdict(int)
    if groups is None:
        groups = open_deal_groups(user=user, pipeline=pipeline)
    money = shows_money(user)
    for entry in groups:
        if entry.get("pipeline_id", pipeline.pk) != pipeline.pk:
            continue
        row = rows.get(entry["stage_id"])
        if row is None:  # a deal left on a stage now marked won/lost: not an open stage
            continue
        row.count += entry["n"]
        if not money:
            continue
        counts[entry["currency"]] += entry["n"]
        _add(row.amounts, entry["currency"], entry["total"])
        weight = Decimal(row.stage.probability) / 100
        _add(row.weighted, entry["currency"], (entry["total"] or Decimal(0)) * weight)
    total: Amounts = {}
    weighted: Amounts = {}
    for row in rows.values():
        for currency, value in row.amounts.items():
            _add(total, currency, value)
        for currency, value in row.weighted.items():
            _add(weighted, currency, value)
    currency = main_currency(total, counts=counts)
    if money:
        largest = max((r.amounts.get(currency, Decimal(0)) for r in rows.values()), default=0)
        for row in rows.values():
            row.bar = percent(row.amounts.get(currency, 0), largest)
            row.weighted_bar = percent(row.weighted.get(currency, 0), largest)
    else:
        most = max((r.count for r in rows.values()), default=0)
        for row in rows.values():
            row.bar = percent(row.count, most)
    return PipelineFigure(
        pipeline=pipeline,
        rows=list(rows.values()),
        count=sum(r.count for r in rows.values()),
        amounts=total,
        weighted=weighted,
        currency=currency,
        money=money,
    )


# ---------------------------------------------------------------- won and lost


@dataclass
class Tally:
    count: int = 0
    amounts: Amounts = field(default_factory=dict)


@dataclass
class ClosedFigure:
    won: Tally
    lost: Tally
    won_last: Tally
    lost_last: Tally
    currency: str
    won_by_owner: dict[int | None, Tally]  # this month
    money: bool = True  # False: counts only (the viewer's role hides amounts)

    def _value(self, tally: Tally) -> Decimal:
        """What the bars compare: the main currency's total, or the count without money."""
        if not self.money:
            return Decimal(tally.count)
        return tally.amounts.get(self.currency, Decimal(0))

    @property
    def won_value_change(self) -> float | None:
        return change(self._value(self.won), self._value(self.won_last))

    @property
    def won_count_change(self) -> float | None:
        return change(self.won.count, self.won_last.count)

    @property
    def lost_value_change(self) -> float | None:
        return change(self._value(self.lost), self._value(self.lost_last))

    @property
    def lost_count_change(self) -> float | None:
        return change(self.lost.count, self.lost_last.count)

    @property
    def win_rate(self) -> float | None:
        """Share of this month's closed deals that were won."""
        closed = self.won.count + self.lost.count
        return percent(self.won.count, closed) if closed else None

    def bars(self) -> list[dict[str, Any]]:
        largest = max(
            (self._value(t) for t in (self.won, self.lost, self.won_last, self.lost_last)),
            default=Decimal(0),
        )
        return [
            {
                "label": label,
                "won": won,
                "lost": lost,
                "won_bar": percent(self._value(won), largest),
                "lost_bar": percent(self._value(lost), largest),
            }
            for label, won, lost in (
                ("This month", self.won, self.lost),
                ("Last month", self.won_last, self.lost_last),
            )
        ]


def closed_figure(*, user: Any, period: Periods) -> ClosedFigure:
    """Deals won and lost this month and last month, by owner: one GROUP BY query over the
    (status, closed_at) index (counts only, not summed, when the viewer may not read
    amounts)."""
    money = shows_money(user)
    grouping = ["month", "status", "owner_id", *(["currency"] if money else [])]
    sums: dict[str, Any] = {"n": Count("id"), **({"total": Sum("amount")} if money else {})}
    month = Case(When(closed_at__gte=period.month_start, then=Value("this")), default=Value("last"))
    grouped = (
        policy.visible(
            Deal.objects.filter(
                status__in=[Deal.Status.WON, Deal.Status.LOST],
                closed_at__gte=period.last_month_start,
                closed_at__lt=period.next_month_start,
            ),
            user,
        )
        .annotate(month=month)
        .values(*grouping)
        .annotate(**sums)
        .order_by()
    )
    tallies = {key: Tally() for key in ("won-this", "lost-this", "won-last", "lost-last")}
    won_by_owner: dict[int | None, Tally] = defaultdict(Tally)
    counts: dict[str, int] = defaultdict(int)
    for entry in grouped:
        tally = tallies[f"{entry['status']}-{entry['month']}"]
        tally.count += entry["n"]
        if money:
            _add(tally.amounts, entry["currency"], entry["total"])
            counts[entry["currency"]] += entry["n"]
        if entry["status"] == Deal.Status.WON and entry["month"] == "this":
            mine = won_by_owner[entry["owner_id"]]
            mine.count += entry["n"]
            if money:
                _add(mine.amounts, entry["currency"], entry["total"])
    currency = main_currency(*(t.amounts for t in tallies.values()), counts=counts)
    return ClosedFigure(
        won=tallies["won-this"],
        lost=tallies["lost-this"],
        won_last=tallies["won-last"],
        lost_last=tallies["lost-last"],
        currency=currency,
        won_by_owner=dict(won_by_owner),
        money=money,
    )


# ---------------------------------------------------------------- lead conversion


@dataclass
class ConversionFigure:
    created: int
    converted: int
    created_last: int
    converted_last: int

    @property
    def rate(self) -> float | None:
        return percent(self.converted, self.created) if self.created else None

    @property
    def rate_last(self) -> float | None:
        return percent(self.converted_last, self.created_last) if self.created_last else None

    @property
    def rate_change(self) -> float | None:
        """Change in percentage points."""
        if self.rate is None or self.rate_last is None:
            return None
        return self.rate - self.rate_last


def conversion_figure(*, user: Any, period: Periods) -> ConversionFigure:
    """Of the leads created this month (and last month), how many are converted: one
    GROUP BY over the two months' leads only (the created_at indexes), never all leads."""
    month = Case(
        When(created_at__gte=period.month_start, then=Value("this")), default=Value("last")
    )
    grouped = (
        policy.visible(
            Lead.objects.filter(
                created_at__gte=period.last_month_start, created_at__lt=period.next_month_start
            ),
            user,
        )
        .annotate(month=month)
        .values("month")
        .annotate(
            created=Count("id"), converted=Count("id", filter=Q(status=Lead.Status.CONVERTED))
        )
        .order_by()
    )
    found = {entry["month"]: entry for entry in grouped}
    this, last = found.get("this", {}), found.get("last", {})
    return ConversionFigure(
        created=this.get("created", 0),
        converted=this.get("converted", 0),
        created_last=last.get("created", 0),
        converted_last=last.get("converted", 0),
    )


# ---------------------------------------------------------------- activities this week


@dataclass
class KindRow:
    kind: str
    label: str
    icon: str
    count: int
    bar: float


@dataclass
class ActivityFigure:
    kinds: list[KindRow]
    total: int
    by_owner: dict[int | None, dict[str, int]]  # owner -> kind -> count

    def owner_total(self, owner_id: int | None) -> int:
        return sum(self.by_owner.get(owner_id, {}).values())


KIND_ICONS = {
    Activity.Kind.CALL: "phone",
    Activity.Kind.MEETING: "calendar-days",
    Activity.Kind.NOTE: "sticky-note",
    Activity.Kind.EMAIL: "mail",
}


def activity_figure(*, user: Any, period: Periods) -> ActivityFigure:
    """Activities this week (Monday to Sunday) by kind and by person: one GROUP BY over
    the (team|owner, occurred_at) indexes."""
    grouped = (
        policy.visible(
            Activity.objects.filter(
                occurred_at__gte=period.week_start, occurred_at__lt=period.next_week_start
            ),
            user,
        )
        .values("owner_id", "kind")
        .annotate(n=Count("id"))
        .order_by()
    )
    per_kind: dict[str, int] = defaultdict(int)
    by_owner: dict[int | None, dict[str, int]] = defaultdict(dict)
    for entry in grouped:
        per_kind[entry["kind"]] += entry["n"]
        by_owner[entry["owner_id"]][entry["kind"]] = entry["n"]
    largest = max(per_kind.values(), default=0)
    kinds = [
        KindRow(
            kind=kind.value,
            label=f"{kind.label}s",
            icon=KIND_ICONS[kind],
            count=per_kind.get(kind.value, 0),
            bar=percent(per_kind.get(kind.value, 0), largest),
        )
        for kind in Activity.Kind
    ]
    return ActivityFigure(kinds=kinds, total=sum(per_kind.values()), by_owner=dict(by_owner))


# ---------------------------------------------------------------- my overdue tasks


@dataclass
class OverdueFigure:
    tasks: list[Task]
    count: int

    @property
    def more(self) -> int:
        return self.count - len(self.tasks)


def overdue_tasks(*, user: Any, now: datetime, limit: int = OVERDUE_LIMIT) -> OverdueFigure:
    """The viewer's own open tasks past due, oldest first (the (owner, completed_at,
    due_at) index): the first ``limit`` with their records, and how many there are, in
    one query (the count is a window over the viewer's overdue tasks)."""
    mine = policy.visible(
        Task.objects.filter(owner=user, completed_at__isnull=True, due_at__lt=now), user
    )
    tasks: list[Task] = list(
        mine.select_related("lead", "contact", "company", "deal")
        .annotate(overdue_total=Window(Count("id")))
        # completed_at is NULL in every row: ordering by it too lets PostgreSQL read the
        # (owner, completed_at, due_at) index in order instead of every past-due task.
        .order_by("completed_at", "due_at", "id")[:limit]
    )
    count = getattr(tasks[0], "overdue_total", 0) if tasks else 0
    return OverdueFigure(tasks=tasks, count=count)


# ---------------------------------------------------------------- closing this month


@dataclass
class ClosingFigure:
    count: int
    amounts: Amounts
    deals: list[Deal]  # the first few, soonest first
    currency: str
    today: date | None = None
    money: bool = True  # False: counts only (the viewer's role hides amounts)


def closing_figure(
    *,
    user: Any,
    period: Periods,
    groups: list[dict[str, Any]] | None = None,
    limit: int = CLOSING_LIMIT,
) -> ClosingFigure | None:
    """Open deals expected to close this month: count and value per currency (taken from
    ``groups`` of :func:`open_deal_groups` with the period, else one GROUP BY currency),
    and the first few by date (one query on the expected_close_date index). None for a
    viewer whose role hides the expected close date; the count only for one whose role
    hides the amount."""
    if not shows_close_dates(user):
        return None
    money = shows_money(user)
    closing = policy.visible(
        Deal.objects.filter(
            status=Deal.Status.OPEN,
            expected_close_date__gte=period.month_first_day,
            expected_close_date__lte=period.month_last_day,
        ),
        user,
    )
    if groups is None and money:
        groups = [
            {"currency": e["currency"], "closing_n": e["n"], "closing_total": e["total"]}
            for e in closing.values("currency")
            .annotate(n=Count("id"), total=Sum("amount"))
            .order_by()
        ]
    elif groups is None:
        groups = [{"closing_n": closing.order_by().count()}]
    amounts: Amounts = {}
    counts: dict[str, int] = defaultdict(int)
    for entry in groups:
        if entry.get("closing_n"):
            counts[entry.get("currency", "")] += entry["closing_n"]
            if money:
                _add(amounts, entry["currency"], entry["closing_total"])
    # Soonest first (those already past their date lead): the expected_close_date index
    # answers it in order, where "largest first" would sort every deal of the month. The
    # amount breaks ties only for those who may read it (the order would tell).
    order = ["expected_close_date", "-amount", "id"] if money else ["expected_close_date", "id"]
    deals = list(closing.select_related("stage", "company", "owner").order_by(*order)[:limit])
    return ClosingFigure(
        count=sum(counts.values()),
        amounts=amounts,
        deals=deals,
        currency=main_currency(amounts, counts=counts),
        today=timezone.localtime(period.now).date(),
        money=money,
    )


# ---------------------------------------------------------------- per person


@dataclass
class PersonRow:
    user: User | None  # None: records with no owner
    open_count: int = 0
    open_amounts: Amounts = field(default_factory=dict)
    won: Tally = field(default_factory=Tally)
    activities: int = 0
    overdue: int = 0


def people_figure(
    *,
    user: Any,
    period: Periods,
    closed: ClosedFigure | None,
    activities: ActivityFigure | None,
    open_groups: list[dict[str, Any]] | None,
    show_tasks: bool,
) -> list[PersonRow]:
    """Each person in the viewer's scope: open pipeline, won this month, activities this
    week and overdue tasks. Reuses the per-owner groups of the open deals
    (:func:`open_deal_groups`), won deals and activities, and adds one GROUP BY owner for
    overdue tasks and one query for the people."""
    rows: dict[int | None, PersonRow] = defaultdict(lambda: PersonRow(user=None))
    for entry in open_groups or ():
        row = rows[entry["owner_id"]]
        row.open_count += entry["n"]
        if "total" in entry:  # summed only for those who may read amounts
            _add(row.open_amounts, entry["currency"], entry["total"])
    if closed is not None:
        for owner_id, tally in closed.won_by_owner.items():
            rows[owner_id].won = tally
    if activities is not None:
        for owner_id in activities.by_owner:
            rows[owner_id].activities = activities.owner_total(owner_id)
    if show_tasks:
        overdue = (
            policy.visible(
                Task.objects.filter(completed_at__isnull=True, due_at__lt=period.now), user
            )
            .values("owner_id")
            .annotate(n=Count("id"))
            .order_by()
        )
        for entry in overdue:
            rows[entry["owner_id"]].overdue = entry["n"]
    people: QuerySet[User] = policy.assignable_users(user, Deal)
    if policy.scope_for(user, Deal) == Scope.ALL:
        # Everyone is in scope: list the people with something to show.
        people = people.filter(pk__in=[pk for pk in rows if pk is not None])
    else:
        people = people | User.objects.filter(pk__in=[pk for pk in rows if pk is not None])
    found = {person.pk: person for person in people.only("id", "full_name", "email").distinct()}
    result = []
    for person in sorted(found.values(), key=lambda p: (p.full_name or p.email).lower()):
        row = rows.get(person.pk) or PersonRow(user=person)
        row.user = person
        result.append(row)
    unassigned = rows.get(None)
    if unassigned is not None:
        result.append(unassigned)
    return result

"""Activity and task reads, always through the visibility policy (``accounts.policy``).

An activity or task is visible to whoever its owner's scope allows (``policy.visible``), and
also to whoever may see a record it is about: a record's timeline and tasks are part of the
record.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

from django.db import models
from django.db.models import Q
from django.http import Http404
from django.utils import timezone

from accounts import policy
from accounts.models import Scope, User
from activities.models import Activity, Task
from activities.services import RELATED, user_zone
from contacts.models import Company, Contact
from deals.models import Deal
from leads.models import Lead

RECORD_MODELS: dict[str, type[models.Model]] = {
    "company": Company,
    "contact": Contact,
    "lead": Lead,
    "deal": Deal,
}
RELATED_SELECT = ("owner", "lead", "contact", "company", "deal")

# Columns a row shows of the people and records it joins: names, and what the policy needs
# to decide whether the viewer may open a linked record (owner, team, pk). Loading only
# these keeps a join from reading (and building) the related record's every column.
PERSON_COLUMNS = ("full_name", "email")
RECORD_COLUMNS: dict[str, tuple[str, ...]] = {
    "deal": ("name", "owner", "team"),
    "contact": ("first_name", "last_name", "owner", "team"),
    "lead": ("first_name", "last_name", "owner", "team"),
    "company": ("name", "owner", "team"),
}


def with_columns(
    queryset: models.QuerySet[Any], joins: dict[str, tuple[str, ...]]
) -> models.QuerySet[Any]:
    """``queryset`` with every own column and only ``joins``' columns of the rows it joins."""
    only = [f.name for f in queryset.model._meta.concrete_fields]
    only += [f"{name}__{column}" for name, columns in joins.items() for column in columns]
    return queryset.select_related(*joins).only(*only)


def record_type(record: models.Model) -> str:
    """``company``, ``contact``, ``lead`` or ``deal``: the record's key in URLs and forms."""
    for key, model in RECORD_MODELS.items():
        if isinstance(record, model):
            return key
    raise ValueError(f"Activities are not logged on {type(record).__name__}.")


def record_get_for_user(*, user: Any, kind: str, pk: Any) -> models.Model:
    """The company, contact, lead or deal ``pk`` if ``user`` may see it, else 404."""
    model = RECORD_MODELS.get(kind)
    if model is None or not str(pk).isdigit():
        raise Http404("No such record.")
    return policy.get_visible_or_404(model._default_manager.all(), user, pk=int(pk))


def _visible_through_record(user: Any, obj: Activity | Task) -> bool:
    return any(
        (record := getattr(obj, name)) is not None and policy.can_view(user, record)
        for name in RELATED
    )


def activity_get_for_user(*, user: Any, pk: int) -> Activity:
    activity = Activity.objects.select_related(*RELATED_SELECT).filter(pk=pk).first()
    if activity is None or not (
        policy.can_view(user, activity) or _visible_through_record(user, activity)
    ):
        raise Http404("No activity matches.")
    return activity


def task_get_for_user(*, user: Any, pk: int) -> Task:
    task = (
        Task.objects.select_related(*RELATED_SELECT, "created_by", "completed_by")
        .filter(pk=pk)
        .first()
    )
    if task is None or not (policy.can_view(user, task) or _visible_through_record(user, task)):
        raise Http404("No task matches.")
    return task


def record_filter(record: models.Model) -> Q:
    """Activities or tasks about ``record``; for a company also those on its contacts and
    deals (services fill the company), one indexed column either way."""
    return Q(**{f"{record_type(record)}_id": record.pk})


# ---------------------------------------------------------------- a record's open tasks


def record_open_tasks(*, record: models.Model, limit: int = 20) -> tuple[list[Task], int]:
    """The record's open tasks, soonest due first (undated last), and how many there are."""
    queryset = Task.objects.open().filter(record_filter(record))
    kind = record_type(record)
    joins = {name: columns for name, columns in RECORD_COLUMNS.items() if name != kind}
    rows = list(
        with_columns(queryset, {"owner": PERSON_COLUMNS, **joins}).order_by(
            models.F("due_at").asc(nulls_last=True), "-priority", "id"
        )[: limit + 1]
    )
    for task in rows:  # the page's own record is not joined: point the rows at it
        if getattr(task, f"{kind}_id") == record.pk:
            setattr(task, kind, record)
    total = len(rows) if len(rows) <= limit else queryset.count()
    return rows[:limit], total


# ---------------------------------------------------------------- My tasks


@dataclass
class TaskGroup:
    key: str
    title: str
    tasks: list[Task]
    total: int
    icon: str
    empty: str = ""

    @property
    def more(self) -> int:
        return self.total - len(self.tasks)


@dataclass
class MyTasks:
    groups: list[TaskGroup]
    done_today: list[Task]
    today: date
    open_total: int = field(default=0)


def day_bounds(day: date, zone: Any) -> tuple[datetime, datetime]:
    """The UTC instants at which ``day`` starts and the next day starts, in ``zone``."""
    start = datetime.combine(day, time.min, tzinfo=zone)
    end = datetime.combine(day + timedelta(days=1), time.min, tzinfo=zone)
    return start, end


def my_tasks(*, user: Any, now: datetime | None = None, limit: int = 50) -> MyTasks:
    """The user's open tasks grouped Overdue / Today / Upcoming / No due date in the user's
    time zone, plus what they completed today. One query per group (and a count when a
    group has more than ``limit``)."""
    now = now or timezone.now()
    zone = user_zone(user)
    today = now.astimezone(zone).date()
    day_start, tomorrow = day_bounds(today, zone)
    mine = Task.objects.open().filter(owner_id=user.pk).select_related(*RELATED_SELECT)
    specs = [
        ("overdue", "Overdue", Q(due_at__lt=now), "circle-alert", ""),
        (
            "today",
            "Today",
            Q(due_at__gte=now, due_at__lt=tomorrow),
            "sun",
            "Nothing else due today.",
        ),
        ("upcoming", "Upcoming", Q(due_at__gte=tomorrow), "calendar-days", "Nothing planned yet."),
        ("undated", "No due date", Q(due_at__isnull=True), "inbox", ""),
    ]
    order: list[Any] = [models.F("due_at").asc(nulls_last=True), "-priority", "id"]
    groups = []
    for key, title, condition, icon, empty in specs:
        rows = list(mine.filter(condition).order_by(*order)[: limit + 1])
        total = len(rows) if len(rows) <= limit else mine.filter(condition).count()
        groups.append(TaskGroup(key, title, rows[:limit], total, icon, empty))
    done_today = list(
        Task.objects.filter(owner_id=user.pk, completed_at__gte=day_start)
        .select_related(*RELATED_SELECT)
        .order_by("-completed_at", "-id")[:limit]
    )
    return MyTasks(
        groups=groups,
        done_today=done_today,
        today=today,
        open_total=sum(g.total for g in groups),
    )


# ---------------------------------------------------------------- the calendar


def calendar_people(user: Any) -> list[User]:
    """Whose calendars ``user`` may open: self for reps, the team for managers, everyone
    for admins (``policy.assignable_users`` draws the same line)."""
    people = list(policy.assignable_users(user, Task).only("pk", "full_name", "email", "team_id"))
    if not any(person.pk == user.pk for person in people):
        people.insert(0, user)
    return people


def calendar_can_see_everyone(user: Any) -> bool:
    return policy.scope_for(user, Task) in (Scope.TEAM, Scope.ALL)


@dataclass
class CalendarItem:
    kind: str  # "task" or "meeting"
    pk: int
    title: str
    start: datetime  # local to the viewer's zone
    end: datetime | None
    all_day: bool
    done: bool
    owner: User | None
    url: str
    move_url: str
    can_move: bool
    priority: int = 0
    record: Any = None

    @property
    def dom_id(self) -> str:
        return f"cal-{self.kind}-{self.pk}"


def calendar_items(
    *,
    user: Any,
    start: datetime,
    end: datetime,
    owner_ids: list[int] | None,
    zone: Any,
) -> list[CalendarItem]:
    """Tasks due and meetings starting in ``[start, end)`` that ``user`` may see, optionally
    only those of ``owner_ids``; one query per kind however many items there are."""
    from django.urls import reverse

    tasks = policy.visible(Task.objects.all(), user).filter(due_at__gte=start, due_at__lt=end)
    meetings = policy.visible(Activity.objects.all(), user).filter(
        kind=Activity.Kind.MEETING, occurred_at__gte=start, occurred_at__lt=end
    )
    if owner_ids is not None:
        tasks = tasks.filter(owner_id__in=owner_ids)
        meetings = meetings.filter(owner_id__in=owner_ids)
    items: list[CalendarItem] = []
    for task in tasks.select_related(*RELATED_SELECT).order_by("due_at", "id"):
        items.append(
            CalendarItem(
                kind="task",
                pk=task.pk,
                title=task.title,
                start=task.due_at.astimezone(zone),  # type: ignore[union-attr]
                end=None,
                all_day=task.all_day,
                done=task.completed_at is not None,
                owner=task.owner,
                url=task.get_absolute_url(),
                move_url=reverse("activities:task-reschedule", args=[task.pk]),
                can_move=policy.can_change(user, task),
                priority=task.priority,
                record=task.record,
            )
        )
    for meeting in meetings.select_related(*RELATED_SELECT).order_by("occurred_at", "id"):
        items.append(
            CalendarItem(
                kind="meeting",
                pk=meeting.pk,
                title=meeting.subject,
                start=meeting.occurred_at.astimezone(zone),
                end=meeting.ends_at.astimezone(zone) if meeting.ends_at else None,
                all_day=False,
                done=False,
                owner=meeting.owner,
                url=meeting.get_absolute_url(),
                move_url=reverse("activities:activity-reschedule", args=[meeting.pk]),
                can_move=policy.can_change(user, meeting),
                record=meeting.record,
            )
        )
    items.sort(key=lambda item: (not item.all_day, item.start, item.kind, item.pk))
    return items

"""The tasks list (``crm.lists``)."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse

from accounts import policy
from activities.models import Task
from contacts import listing
from crm.lists import BulkAction, Column, Filter, ListSpec, choice_filter, date_range, list_view

PRIORITY_BADGES = {1: "plain", 2: "accent", 3: "pending", 4: "fail"}


def _queryset(user: Any) -> QuerySet[Task]:
    return policy.visible(Task.objects.select_related("lead", "contact", "company", "deal"), user)


def _related(task: Task) -> Any:
    return task.record


def _columns(user: Any) -> list[Column]:
    return [
        Column(
            "title",
            "Task",
            lambda r: r.title,
            kind="link",
            link=lambda r: r.get_absolute_url(),
            sort=("title",),
        ),
        Column(
            "related",
            "Related to",
            lambda r: str(_related(r) or ""),
            link=lambda r: _related(r).get_absolute_url() if _related(r) else None,
        ),
        Column("due", "Due", lambda r: r.due_at, kind="datetime", sort=("due_at",)),
        Column(
            "priority",
            "Priority",
            lambda r: r.get_priority_display(),
            kind="badge",
            badge=lambda r: PRIORITY_BADGES.get(r.priority, "plain"),
            sort=("priority",),
        ),
        Column(
            "status",
            "Status",
            lambda r: "Done" if r.completed_at else "Open",
            kind="badge",
            badge=lambda r: "done" if r.completed_at else "pending",
            sort=("completed_at",),
        ),
        Column(
            "owner",
            "Assignee",
            lambda r: r.owner,
            kind="user",
            sort=("owner__full_name",),
            csv=lambda r: r.owner.email if r.owner else "",
        ),
        Column(
            "completed",
            "Completed",
            lambda r: r.completed_at,
            kind="datetime",
            sort=("completed_at",),
            default=False,
        ),
        Column(
            "created",
            "Created",
            lambda r: r.created_at,
            kind="datetime",
            sort=("created_at",),
            default=False,
        ),
    ]


def _filters(user: Any) -> list[Filter]:
    return [
        Filter(
            key="state",
            label="Status",
            kind="choice",
            choices=lambda user: [("open", "Open"), ("done", "Done"), ("overdue", "Overdue")],
            apply=_state_filter,
        ),
        Filter(
            key="owner",
            label="Assignee",
            kind="user",
            choices=listing.owner_choices("activities.task"),
            apply=lambda qs, value: qs.filter(owner_id=value),
        ),
        choice_filter(
            "priority", "Priority", [(str(v), label) for v, label in Task.Priority.choices]
        ),
        *date_range("due", "due_at__date", "Due"),
    ]


def _state_filter(queryset: QuerySet[Task], value: str) -> QuerySet[Task]:
    from django.utils import timezone

    if value == "open":
        return queryset.filter(completed_at__isnull=True)
    if value == "done":
        return queryset.filter(completed_at__isnull=False)
    return queryset.filter(completed_at__isnull=True, due_at__lt=timezone.now())


def _search(queryset: QuerySet[Task], q: str) -> QuerySet[Task]:
    for word in q.split()[:5]:
        queryset = queryset.filter(title__icontains=word)
    return queryset


def _bulk(user: Any) -> list[BulkAction]:
    from activities import services

    return [
        listing.assign_action(
            services.task_bulk_assign, "activities.change_task", "tasks", model="activities.task"
        ),
        BulkAction(
            key="complete",
            label="Mark done",
            run=lambda *, actor, queryset, value: services.task_bulk_complete(
                actor=actor, tasks=queryset
            ),
            permission="activities.change_task",
            done="{count} marked done.",
        ),
        listing.delete_action(services.task_bulk_delete, "activities.delete_task", "tasks"),
    ]


TASKS = ListSpec(
    key="tasks",
    title="Tasks",
    noun="task",
    noun_plural="tasks",
    queryset=_queryset,
    prepare=listing.attach_owners,
    columns=_columns,
    default_sort="due",
    filters=_filters,
    search=_search,
    search_placeholder="Task title",
    bulk_actions=_bulk,
    bulk_permission="activities.bulk_edit_task",
    export_permission="activities.export_task",
    create_url="activities:task-create",
    create_permission="activities.add_task",
    icon="square-check-big",
    empty_text="No tasks.",
)


def task_list(request: HttpRequest) -> HttpResponse:
    return list_view(request, TASKS)

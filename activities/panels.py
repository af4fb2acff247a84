"""The sections activities add to company, contact, lead and deal pages (``crm.records``):
"Log activity" and "Timeline" under the record's fields, "Tasks" in the side column."""

from __future__ import annotations

from typing import Any

from django.db import models
from django.http import HttpRequest

from accounts import policy
from activities.forms import ActivityForm, TaskForm
from activities.selectors import record_open_tasks, record_type
from activities.timeline import timeline_for
from crm import records
from leads.models import Lead

RECORD_LABELS = ("contacts.company", "contacts.contact", "leads.lead", "deals.deal")


def _read_only(record: models.Model) -> bool:
    return isinstance(record, Lead) and record.status == Lead.Status.CONVERTED


def record_ids(record: models.Model) -> dict[str, Any]:
    """What every panel template needs to address its record (DOM ids, hidden fields)."""
    kind = record_type(record)
    return {
        "record": record,
        "record_type": kind,
        "record_key": f"{kind}-{record.pk}",
        "timeline_id": f"timeline-{kind}-{record.pk}",
        "log_form_id": f"log-{kind}-{record.pk}",
        "tasks_id": f"tasks-{kind}-{record.pk}",
        "task_form_id": f"task-add-{kind}-{record.pk}",
    }


def log_form(record: models.Model, form: ActivityForm | None = None) -> dict[str, Any]:
    ids = record_ids(record)
    return {**ids, "form": form or ActivityForm(prefix_id=ids["log_form_id"])}


def log_panel(
    *, record: models.Model, user: Any, request: HttpRequest | None
) -> dict[str, Any] | None:
    if _read_only(record) or not user.has_perm("activities.add_activity"):
        return None
    return log_form(record)


def timeline_panel(
    *, record: models.Model, user: Any, request: HttpRequest | None
) -> dict[str, Any] | None:
    if not user.has_perm("activities.view_activity"):
        return None
    return {**record_ids(record), "page": timeline_for(record=record, user=user)}


def mark_rights(task: Any, *, can_change: bool) -> Any:
    """Tell the task row whether to offer completing the task."""
    task.user_can_change = can_change
    return task


def with_rights(tasks: list[Any], user: Any) -> list[Any]:
    """Mark each task with whether ``user`` may complete or edit it (no queries per task)."""
    for task in tasks:
        mark_rights(task, can_change=policy.can_change(user, task))
    return tasks


def task_add_form(record: models.Model, user: Any, form: TaskForm | None = None) -> dict[str, Any]:
    ids = record_ids(record)
    return {
        **ids,
        "task_form": form or TaskForm(user=user, auto_id=f"{ids['task_form_id']}-%s"),
    }


def tasks_panel(
    *, record: models.Model, user: Any, request: HttpRequest | None
) -> dict[str, Any] | None:
    if not user.has_perm("activities.view_task"):
        return None
    tasks, total = record_open_tasks(record=record)
    data = {**record_ids(record), "tasks": with_rights(tasks, user), "total": total}
    if not _read_only(record) and user.has_perm("activities.add_task"):
        data.update(task_add_form(record, user))
    return data


def register() -> None:
    for label in RECORD_LABELS:
        records.register(
            label,
            records.Panel(
                key="log-activity",
                title="Log activity",
                template="activities/_log_panel.html",
                context=log_panel,
                slot="main",
                order=10,
            ),
        )
        records.register(
            label,
            records.Panel(
                key="timeline",
                title="Timeline",
                template="activities/_timeline.html",
                context=timeline_panel,
                slot="main",
                order=20,
            ),
        )
        records.register(
            label,
            records.Panel(
                key="tasks",
                title="Tasks",
                template="activities/_tasks_panel.html",
                context=tasks_panel,
                slot="side",
                order=10,
            ),
        )

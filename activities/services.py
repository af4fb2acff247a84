"""Activity and task writes: log, edit, delete activities; create, edit, assign, complete,
reopen, reschedule and delete tasks; bulk actions; the ``task.due`` beat job.

Every function is keyword-only with ``actor`` first, runs in one transaction, validates before
it writes and publishes its events (``docs/events.md``, Activities and tasks) in that
transaction. A record an activity or task is about must be visible to the actor
(``accounts.policy``); changing an activity or task needs ``policy.can_change`` on it.
"""

from __future__ import annotations

import zoneinfo
from collections.abc import Iterable, Sequence
from datetime import datetime, time, timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models, transaction
from django.db.models import Q
from django.utils import timezone

from accounts import policy
from accounts.models import User
from activities.models import Activity, Task
from contacts.models import Company, Contact
from crm.events import publish
from deals.models import Deal
from leads.models import Lead

RELATED = ("lead", "contact", "company", "deal")
_CHUNK = 500  # ids per UPDATE/DELETE in bulk actions (SQLite caps bound parameters)
# A call, note or email is something that happened: it may not be logged further ahead
# than this (clock skew between a phone and the server).
FUTURE_SLACK = timedelta(minutes=5)


# ---------------------------------------------------------------- helpers


def _chunks(ids: Sequence[int]) -> Iterable[Sequence[int]]:
    for start in range(0, len(ids), _CHUNK):
        yield ids[start : start + _CHUNK]


def _related_ids(obj: Activity | Task) -> dict[str, int | None]:
    return {f"{name}_id": getattr(obj, f"{name}_id") for name in RELATED}


def _resolve_related(
    *,
    actor: Any,
    lead: Lead | None,
    contact: Contact | None,
    company: Company | None,
    deal: Deal | None,
) -> dict[str, Any]:
    """Check the actor may see each record and fill the company from a deal or contact.

    A converted lead is read-only: work continues on what it became.
    """
    for record in (lead, contact, company, deal):
        if record is not None and not policy.can_view(actor, record):
            raise PermissionDenied(f"You may not log on {record}.")
    if lead is not None and lead.status == Lead.Status.CONVERTED:
        raise ValidationError(
            "This lead was converted and is read-only; log on the contact or deal it became."
        )
    company_id = company.pk if company is not None else None
    if company_id is None and deal is not None:
        company_id = deal.company_id
    if company_id is None and contact is not None:
        company_id = contact.company_id
    return {
        "lead_id": lead.pk if lead is not None else None,
        "contact_id": contact.pk if contact is not None else None,
        "company_id": company_id,
        "deal_id": deal.pk if deal is not None else None,
    }


def _text(
    value: str | None, *, field: str, model: type[models.Model], required: bool = False
) -> str:
    value = (value or "").strip()
    if required and not value:
        raise ValidationError({field: "This field is required."})
    max_length = getattr(model._meta.get_field(field), "max_length", None)
    if max_length and len(value) > max_length:
        raise ValidationError({field: f"At most {max_length} characters."})
    return value


def _aware(value: datetime | None, *, field: str) -> datetime | None:
    if value is None:
        return None
    if not isinstance(value, datetime):
        raise ValidationError({field: "Enter a date and time."})
    if timezone.is_naive(value):
        value = timezone.make_aware(value)
    return value


def user_zone(user: Any) -> zoneinfo.ZoneInfo:
    """The time zone ``user`` sees times in (their own, else the installation's)."""
    name = getattr(user, "timezone", "") or settings.TIME_ZONE
    try:
        return zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return zoneinfo.ZoneInfo(settings.TIME_ZONE)


def day_end(value: datetime, zone: zoneinfo.ZoneInfo) -> datetime:
    """23:59 of ``value``'s day in ``zone``: when an all-day task falls due."""
    local = value.astimezone(zone)
    return datetime.combine(local.date(), time(23, 59), tzinfo=zone)


def _check_owner(actor: Any, owner: User | None) -> None:
    """The actor may make ``owner`` the assignee (``policy.assignable_users``)."""
    if owner is None or (actor is not None and owner.pk == actor.pk):
        return
    if not owner.is_active:
        raise ValidationError({"owner": f"{owner} is deactivated and cannot be given tasks."})
    if actor is not None and not policy.assignable_users(actor, Task).filter(pk=owner.pk).exists():
        raise ValidationError({"owner": f"You may not assign tasks to {owner}."})


def _require_change(actor: Any, obj: models.Model, noun: str) -> None:
    if not policy.can_change(actor, obj):
        raise PermissionDenied(f"You may not change this {noun}.")


def _touch_deal(deal_id: int | None, moment: datetime) -> None:
    """Move the deal's ``last_activity_at`` forward to ``moment`` (never back, never ahead of
    now: a meeting planned for next week is not activity today)."""
    if deal_id is None:
        return
    moment = min(moment, timezone.now())
    Deal.objects.filter(pk=deal_id).filter(
        Q(last_activity_at__isnull=True) | Q(last_activity_at__lt=moment)
    ).update(last_activity_at=moment)


# ---------------------------------------------------------------- activities


def _clean_activity(
    *,
    kind: str,
    subject: str,
    body: str,
    occurred_at: datetime | None,
    ends_at: datetime | None,
    direction: str,
    outcome: str,
    location: str,
) -> dict[str, Any]:
    errors: dict[str, list[str]] = {}

    def check(name: str, func: Any, *args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except ValidationError as error:
            errors.setdefault(name, []).extend(error.messages)
            return None

    if kind not in Activity.Kind.values:
        errors["kind"] = ["Choose call, meeting, note or email."]
    values: dict[str, Any] = {"kind": kind}
    values["subject"] = check(
        "subject", _text, subject, field="subject", model=Activity, required=True
    )
    values["body"] = (body or "").strip()
    values["location"] = check("location", _text, location, field="location", model=Activity)
    start = check("occurred_at", _aware, occurred_at, field="occurred_at") or timezone.now()
    end = check("ends_at", _aware, ends_at, field="ends_at")
    if kind != Activity.Kind.MEETING:
        if start > timezone.now() + FUTURE_SLACK:
            label = dict(Activity.Kind.choices).get(kind, "activity").lower()
            errors.setdefault("occurred_at", []).append(
                f"A {label} is logged when it happened, not ahead: "
                "plan a meeting or a task instead."
            )
        end = None
        values["location"] = ""
    elif end is not None and end <= start:
        errors.setdefault("ends_at", []).append("A meeting ends after it starts.")
    if kind == Activity.Kind.CALL:
        if direction and direction not in Activity.Direction.values:
            errors["direction"] = ["Choose inbound or outbound."]
        if outcome and outcome not in Activity.Outcome.values:
            errors["outcome"] = ["Choose an outcome from the list."]
    else:
        direction = outcome = ""
    if errors:
        raise ValidationError(errors)
    values.update(occurred_at=start, ends_at=end, direction=direction, outcome=outcome)
    return values


@transaction.atomic
def activity_log(
    *,
    actor: Any,
    kind: str,
    subject: str,
    body: str = "",
    occurred_at: datetime | None = None,
    ends_at: datetime | None = None,
    direction: str = "",
    outcome: str = "",
    location: str = "",
    lead: Lead | None = None,
    contact: Contact | None = None,
    company: Company | None = None,
    deal: Deal | None = None,
) -> Activity:
    """Log a call, meeting, note or email on the given records, owned by the actor.

    The company is filled from the deal or the contact when not given, so a company's
    timeline is one indexed query; the deal's ``last_activity_at`` moves forward.
    """
    if not actor.has_perm("activities.add_activity"):
        raise PermissionDenied("You may not log activities.")
    values = _clean_activity(
        kind=kind,
        subject=subject,
        body=body,
        occurred_at=occurred_at,
        ends_at=ends_at,
        direction=direction,
        outcome=outcome,
        location=location,
    )
    related = _resolve_related(actor=actor, lead=lead, contact=contact, company=company, deal=deal)
    now = timezone.now()
    activity = Activity(**values, **related, created_at=now, updated_at=now)
    activity.assign_owner(actor)
    activity.save()
    _touch_deal(activity.deal_id, activity.occurred_at)
    publish(
        "activity.logged",
        actor=actor,
        payload={
            "activity_id": activity.pk,
            "kind": activity.kind,
            "owner_id": activity.owner_id,
            "occurred_at": activity.occurred_at.isoformat(),
            **_related_ids(activity),
        },
    )
    return activity


ACTIVITY_FIELDS = (
    "kind",
    "subject",
    "body",
    "occurred_at",
    "ends_at",
    "direction",
    "outcome",
    "location",
)


@transaction.atomic
def activity_update(*, actor: Any, activity: Activity, **changes: Any) -> Activity:
    """Change an activity's own fields (``ACTIVITY_FIELDS``); what it is about stays."""
    unknown = set(changes) - set(ACTIVITY_FIELDS)
    if unknown:
        raise TypeError(f"activity_update() does not change {sorted(unknown)}")
    _require_change(actor, activity, "activity")
    merged = {name: changes.get(name, getattr(activity, name)) for name in ACTIVITY_FIELDS}
    values = _clean_activity(**merged)
    changed = [name for name in ACTIVITY_FIELDS if getattr(activity, name) != values[name]]
    if not changed:
        return activity
    for name in changed:
        setattr(activity, name, values[name])
    activity.updated_at = timezone.now()
    activity.save(update_fields=[*changed, "updated_at"])
    if "occurred_at" in changed:
        _touch_deal(activity.deal_id, activity.occurred_at)
    publish(
        "activity.updated",
        actor=actor,
        payload={"activity_id": activity.pk, "changed": changed},
    )
    return activity


@transaction.atomic
def activity_reschedule(*, actor: Any, activity: Activity, occurred_at: datetime) -> Activity:
    """Move a meeting to a new start, keeping its length."""
    if activity.kind != Activity.Kind.MEETING:
        raise ValidationError("Only meetings are moved on the calendar.")
    start = _aware(occurred_at, field="occurred_at")
    if start is None:
        raise ValidationError({"occurred_at": "Choose when the meeting starts."})
    ends_at = activity.ends_at + (start - activity.occurred_at) if activity.ends_at else None
    return activity_update(actor=actor, activity=activity, occurred_at=start, ends_at=ends_at)


@transaction.atomic
def activity_delete(*, actor: Any, activity: Activity) -> None:
    if not policy.can_delete(actor, activity):
        raise PermissionDenied("You may not delete this activity.")
    payload = {"activity_id": activity.pk, "kind": activity.kind, **_related_ids(activity)}
    activity.delete()
    publish("activity.deleted", actor=actor, payload=payload)


# ---------------------------------------------------------------- tasks


def _clean_task(
    *,
    title: str,
    notes: str,
    due_at: datetime | None,
    all_day: bool,
    priority: int,
    reminder_at: datetime | None,
    zone: zoneinfo.ZoneInfo,
) -> dict[str, Any]:
    errors: dict[str, list[str]] = {}
    values: dict[str, Any] = {"notes": (notes or "").strip(), "all_day": bool(all_day)}
    try:
        values["title"] = _text(title, field="title", model=Task, required=True)
    except ValidationError as error:
        errors.update(error.message_dict)
    try:
        priority = int(priority)
    except (TypeError, ValueError):
        priority = -1
    if priority not in Task.Priority.values:
        errors["priority"] = ["Choose low, normal, high or urgent."]
    values["priority"] = priority
    try:
        due_at = _aware(due_at, field="due_at")
        reminder_at = _aware(reminder_at, field="reminder_at")
    except ValidationError as error:
        errors.update(error.message_dict)
        due_at = reminder_at = None
    if due_at is None:
        values["all_day"] = False
    elif values["all_day"]:
        due_at = day_end(due_at, zone)
    if reminder_at is not None and due_at is not None and reminder_at > due_at:
        errors["reminder_at"] = ["A reminder comes before the task is due."]
    if errors:
        raise ValidationError(errors)
    values.update(due_at=due_at, reminder_at=reminder_at)
    return values


@transaction.atomic
def task_create(
    *,
    actor: Any,
    title: str,
    due_at: datetime | None = None,
    all_day: bool = False,
    priority: int = Task.Priority.NORMAL,
    owner: User | None = None,
    reminder_at: datetime | None = None,
    notes: str = "",
    lead: Lead | None = None,
    contact: Contact | None = None,
    company: Company | None = None,
    deal: Deal | None = None,
) -> Task:
    """A task for ``owner`` (the actor when not given), optionally about records.

    An all-day task falls due at the end of its day in the assignee's time zone. Reminder
    times are stored; sending reminders belongs to notifications.
    """
    if not actor.has_perm("activities.add_task"):
        raise PermissionDenied("You may not create tasks.")
    owner = owner or actor
    _check_owner(actor, owner)
    values = _clean_task(
        title=title,
        notes=notes,
        due_at=due_at,
        all_day=all_day,
        priority=priority,
        reminder_at=reminder_at,
        zone=user_zone(owner),
    )
    related = _resolve_related(actor=actor, lead=lead, contact=contact, company=company, deal=deal)
    now = timezone.now()
    task = Task(**values, **related, created_by=actor, created_at=now, updated_at=now)
    task.assign_owner(owner)
    task.save()
    publish(
        "task.created",
        actor=actor,
        payload={
            "task_id": task.pk,
            "owner_id": task.owner_id,
            "due_at": task.due_at.isoformat() if task.due_at else None,
            "priority": task.priority,
            **_related_ids(task),
        },
    )
    if task.owner_id != actor.pk:
        publish(
            "task.assigned",
            actor=actor,
            payload={"task_id": task.pk, "from_owner_id": None, "to_owner_id": task.owner_id},
        )
    return task


TASK_FIELDS = ("title", "notes", "due_at", "all_day", "priority", "reminder_at")


@transaction.atomic
def task_update(*, actor: Any, task: Task, owner: User | None = None, **changes: Any) -> Task:
    """Change a task's fields (``TASK_FIELDS``) and, when ``owner`` is given, its assignee."""
    unknown = set(changes) - set(TASK_FIELDS)
    if unknown:
        raise TypeError(f"task_update() does not change {sorted(unknown)}")
    _require_change(actor, task, "task")
    target_owner = owner if owner is not None else task.owner
    if owner is not None and owner.pk != task.owner_id:
        _check_owner(actor, owner)
    merged = {name: changes.get(name, getattr(task, name)) for name in TASK_FIELDS}
    values = _clean_task(**merged, zone=user_zone(target_owner))
    changed = [name for name in TASK_FIELDS if getattr(task, name) != values[name]]
    for name in changed:
        setattr(task, name, values[name])
    if changed:
        fields = [*changed, "updated_at"]
        if "due_at" in changed:
            task.due_notified_at = None  # falls due again at its new time
            fields.append("due_notified_at")
        if "reminder_at" in changed:
            task.reminder_sent_at = None
            fields.append("reminder_sent_at")
        task.updated_at = timezone.now()
        task.save(update_fields=fields)
        payload: dict[str, Any] = {"task_id": task.pk, "changed": changed}
        if "due_at" in changed:
            payload["due_at"] = task.due_at.isoformat() if task.due_at else None
        publish("task.updated", actor=actor, payload=payload)
    if owner is not None and owner.pk != task.owner_id:
        _assign(actor=actor, task=task, owner=owner)
    return task


def _assign(*, actor: Any, task: Task, owner: User) -> None:
    previous = task.owner_id
    task.assign_owner(owner)
    task.updated_at = timezone.now()
    task.save(update_fields=["owner", "team", "updated_at"])
    publish(
        "task.assigned",
        actor=actor,
        payload={"task_id": task.pk, "from_owner_id": previous, "to_owner_id": owner.pk},
    )


@transaction.atomic
def task_assign(*, actor: Any, task: Task, owner: User) -> Task:
    """Give the task to ``owner`` (someone in ``policy.assignable_users(actor)``)."""
    _require_change(actor, task, "task")
    if owner.pk == task.owner_id:
        return task
    _check_owner(actor, owner)
    _assign(actor=actor, task=task, owner=owner)
    return task


@transaction.atomic
def task_reschedule(
    *, actor: Any, task: Task, due_at: datetime | None, all_day: bool | None = None
) -> Task:
    """Move the task's due time (``all_day`` keeps the task's own when not given)."""
    return task_update(
        actor=actor,
        task=task,
        due_at=due_at,
        all_day=task.all_day if all_day is None else all_day,
        reminder_at=_moved_reminder(task, due_at),
    )


def _moved_reminder(task: Task, due_at: datetime | None) -> datetime | None:
    """A reminder keeps its distance to the due time when the task moves."""
    new_due = _aware(due_at, field="due_at")
    if new_due is None:
        return None
    if task.reminder_at is None or task.due_at is None:
        return task.reminder_at
    return new_due - (task.due_at - task.reminder_at)


@transaction.atomic
def task_complete(*, actor: Any, task: Task) -> Task:
    """Mark the task done. Idempotent: a done task stays as it was and nothing is published."""
    _require_change(actor, task, "task")
    now = timezone.now()
    done = Task.objects.filter(pk=task.pk, completed_at__isnull=True).update(
        completed_at=now, completed_by=actor, updated_at=now
    )
    if not done:
        task.refresh_from_db()
        return task
    task.completed_at, task.completed_by, task.updated_at = now, actor, now
    publish(
        "task.completed",
        actor=actor,
        payload={"task_id": task.pk, "owner_id": task.owner_id, "completed_by_id": actor.pk},
    )
    return task


@transaction.atomic
def task_reopen(*, actor: Any, task: Task) -> Task:
    """Undo a completion. Idempotent like ``task_complete``."""
    _require_change(actor, task, "task")
    now = timezone.now()
    reopened = Task.objects.filter(pk=task.pk, completed_at__isnull=False).update(
        completed_at=None, completed_by=None, updated_at=now
    )
    if not reopened:
        task.refresh_from_db()
        return task
    task.completed_at, task.completed_by, task.updated_at = None, None, now
    publish("task.reopened", actor=actor, payload={"task_id": task.pk, "owner_id": task.owner_id})
    return task


@transaction.atomic
def task_delete(*, actor: Any, task: Task) -> None:
    if not policy.can_delete(actor, task):
        raise PermissionDenied("You may not delete this task.")
    payload = {"task_id": task.pk, "owner_id": task.owner_id}
    task.delete()
    publish("task.deleted", actor=actor, payload=payload)


# ---------------------------------------------------------------- bulk actions


@transaction.atomic
def task_bulk_assign(*, actor: Any, tasks: models.QuerySet[Task], owner: User) -> int:
    """Assign the tasks of ``tasks`` the actor may change to ``owner``; returns how many."""
    _check_owner(actor, owner)
    rows = list(
        policy.changeable(tasks, actor)
        .exclude(owner_id=owner.pk)
        .order_by()
        .values_list("pk", "owner_id")
    )
    now = timezone.now()
    for chunk in _chunks([pk for pk, _ in rows]):
        Task.objects.filter(pk__in=chunk).update(
            owner_id=owner.pk, team_id=owner.team_id, updated_at=now
        )
    for pk, previous in rows:
        publish(
            "task.assigned",
            actor=actor,
            payload={"task_id": pk, "from_owner_id": previous, "to_owner_id": owner.pk},
        )
    return len(rows)


@transaction.atomic
def task_bulk_complete(*, actor: Any, tasks: models.QuerySet[Task]) -> int:
    """Mark the open tasks of ``tasks`` the actor may change done; returns how many."""
    rows = list(
        policy.changeable(tasks, actor)
        .filter(completed_at__isnull=True)
        .order_by()
        .values_list("pk", "owner_id")
    )
    now = timezone.now()
    done: set[int] = set()
    for chunk in _chunks([pk for pk, _ in rows]):
        # Locked, then updated: a task completed meanwhile is not completed (or announced) twice.
        claimed = list(
            Task.objects.select_for_update()
            .filter(pk__in=chunk, completed_at__isnull=True)
            .values_list("pk", flat=True)
        )
        Task.objects.filter(pk__in=claimed, completed_at__isnull=True).update(
            completed_at=now, completed_by=actor, updated_at=now
        )
        done.update(claimed)
    for pk, owner_id in rows:
        if pk in done:
            publish(
                "task.completed",
                actor=actor,
                payload={"task_id": pk, "owner_id": owner_id, "completed_by_id": actor.pk},
            )
    return len(done)


@transaction.atomic
def task_bulk_delete(*, actor: Any, tasks: models.QuerySet[Task]) -> int:
    rows = list(policy.deletable(tasks, actor).order_by().values_list("pk", "owner_id"))
    for chunk in _chunks([pk for pk, _ in rows]):
        Task.objects.filter(pk__in=chunk).delete()
    for pk, owner_id in rows:
        publish("task.deleted", actor=actor, payload={"task_id": pk, "owner_id": owner_id})
    return len(rows)


# ---------------------------------------------------------------- the due-task beat job


def tasks_publish_due(*, now: datetime | None = None, batch_size: int = 500) -> int:
    """Publish ``task.due`` once for each open task whose due time has passed.

    Each task is claimed with a compare-and-set update of ``due_notified_at`` in the same
    transaction as its event, so two beats running at once (or a retried one) publish it
    once. Reads the partial index ``task_due_open_idx``. Returns how many were published.
    """
    return _publish_once("task.due", "due_at", "due_notified_at", now=now, batch_size=batch_size)


def tasks_publish_reminders(*, now: datetime | None = None, batch_size: int = 500) -> int:
    """Publish ``task.reminder`` once for each open task whose reminder time has come, the
    same way (claimed on ``reminder_sent_at``; the partial index ``task_reminder_due_idx``)."""
    return _publish_once(
        "task.reminder", "reminder_at", "reminder_sent_at", now=now, batch_size=batch_size
    )


def _publish_once(
    event_type: str, moment: str, claim: str, *, now: datetime | None, batch_size: int
) -> int:
    """Publish ``event_type`` for each open task whose ``moment`` has passed and whose
    ``claim`` column is empty, setting it by compare-and-set in the event's transaction."""
    now = now or timezone.now()
    published = 0
    while True:
        candidates = list(
            Task.objects.filter(
                **{f"{claim}__isnull": True, f"{moment}__lte": now}, completed_at__isnull=True
            )
            .order_by(moment)
            .values_list("pk", "owner_id", moment, "due_at")[:batch_size]
        )
        for pk, owner_id, _at, due_at in candidates:
            with transaction.atomic():
                claimed = Task.objects.filter(
                    pk=pk, completed_at__isnull=True, **{f"{claim}__isnull": True}
                ).update(**{claim: now})
                if claimed:
                    publish(
                        event_type,
                        payload={
                            "task_id": pk,
                            "owner_id": owner_id,
                            "due_at": due_at.isoformat() if due_at else None,
                        },
                    )
                    published += 1
        if len(candidates) < batch_size:
            return published

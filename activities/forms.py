"""Forms parse and validate; the views hand ``cleaned_data`` to the services.

Dates and times are entered in the user's time zone (the middleware activates it) and
become aware datetimes here.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta
from typing import Any, cast

from django import forms
from django.utils import dateformat, timezone

from accounts import policy
from accounts.models import User
from activities.models import Activity, Task

DATETIME_FORMAT = "%Y-%m-%dT%H:%M"
# An all-day task's date travels at noon: any assignee's zone within ±12 h reads the same day.
ALL_DAY_AT = time(12, 0)
# Reminders of all-day tasks are counted from 09:00 on the day.
ALL_DAY_REMINDER_BASE = time(9, 0)
REMINDER_CHOICES = [
    ("", "No reminder"),
    ("0", "At the due time"),
    ("15", "15 minutes before"),
    ("60", "1 hour before"),
    ("1440", "1 day before"),
]
KEEP = "keep"


class DateTimeLocalInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs=attrs, format=DATETIME_FORMAT)


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs=attrs, format="%Y-%m-%d")


class TimeInput(forms.TimeInput):
    input_type = "time"

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs=attrs, format="%H:%M")


def _aware(day: Any, at: time) -> datetime:
    return timezone.make_aware(datetime.combine(day, at))


# ---------------------------------------------------------------- activities


class ActivityForm(forms.Form):
    kind = forms.ChoiceField(
        choices=Activity.Kind.choices, widget=forms.RadioSelect, initial=Activity.Kind.CALL
    )
    subject = forms.CharField(max_length=200)
    body = forms.CharField(label="Notes", required=False, widget=forms.Textarea(attrs={"rows": 3}))
    occurred_at = forms.DateTimeField(
        label="When",
        required=False,
        widget=DateTimeLocalInput(),
        help_text="Leave empty for now.",
    )
    ends_at = forms.DateTimeField(label="Ends", required=False, widget=DateTimeLocalInput())
    direction = forms.ChoiceField(choices=[("", "—"), *Activity.Direction.choices], required=False)
    outcome = forms.ChoiceField(choices=[("", "—"), *Activity.Outcome.choices], required=False)
    location = forms.CharField(max_length=200, required=False)

    def __init__(self, *args: Any, prefix_id: str = "", **kwargs: Any) -> None:
        if prefix_id:
            kwargs.setdefault("auto_id", f"{prefix_id}-%s")
        super().__init__(*args, **kwargs)
        self.fields["subject"].widget.attrs.update(
            {"placeholder": "What was it about?", "autocomplete": "off"}
        )

    def activity_values(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            "kind": data["kind"],
            "subject": data["subject"],
            "body": data["body"],
            "occurred_at": data["occurred_at"],
            "ends_at": data["ends_at"],
            "direction": data["direction"],
            "outcome": data["outcome"],
            "location": data["location"],
        }


class MeetingRescheduleForm(forms.Form):
    occurred_at = forms.DateTimeField(label="Starts", widget=DateTimeLocalInput())


# ---------------------------------------------------------------- tasks


class TaskForm(forms.Form):
    title = forms.CharField(max_length=200)
    due_date = forms.DateField(label="Due date", required=False, widget=DateInput())
    due_time = forms.TimeField(
        label="Time",
        required=False,
        widget=TimeInput(),
        help_text="Leave empty for all day.",
    )
    priority = forms.TypedChoiceField(
        choices=Task.Priority.choices,
        coerce=int,
        initial=Task.Priority.NORMAL,
        required=False,
        empty_value=Task.Priority.NORMAL.value,  # type: ignore[arg-type]
    )
    owner = forms.ModelChoiceField(
        label="Assignee", queryset=User.objects.none(), required=False, empty_label=None
    )
    reminder = forms.ChoiceField(choices=REMINDER_CHOICES, required=False)
    notes = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 4}))

    def __init__(self, *args: Any, user: Any, task: Task | None = None, **kwargs: Any) -> None:
        self.task = task
        if task is not None and "initial" not in kwargs:
            kwargs["initial"] = task_initial(task)
        super().__init__(*args, **kwargs)
        owner = cast(forms.ModelChoiceField, self.fields["owner"])
        owner.queryset = assignable = policy.assignable_users(user, Task)
        if task is None:
            owner.initial = user.pk
        elif task.owner_id and not assignable.filter(pk=task.owner_id).exists():
            # Someone else's task shared with the user: they may keep its assignee.
            owner.queryset = User.objects.filter(
                pk__in=[task.owner_id, *assignable.values_list("pk", flat=True)]
            ).order_by("full_name")
        choices = list(REMINDER_CHOICES)
        if task is not None and self.initial.get("reminder") == KEEP:
            shown = dateformat.format(timezone.localtime(task.reminder_at), "j M Y, H:i")
            choices.append((KEEP, f"Keep: {shown}"))
        cast(forms.ChoiceField, self.fields["reminder"]).choices = choices
        self.fields["title"].widget.attrs.update({"autocomplete": "off"})

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        day, at = data.get("due_date"), data.get("due_time")
        if at is not None and day is None:
            self.add_error("due_date", "Choose the day as well as the time.")
        reminder = data.get("reminder") or ""
        if reminder and day is None:
            self.add_error("reminder", "A reminder needs a due date.")
        return data

    def task_values(self) -> dict[str, Any]:
        data = self.cleaned_data
        day, at = data.get("due_date"), data.get("due_time")
        due_at = None if day is None else _aware(day, at or ALL_DAY_AT)
        all_day = day is not None and at is None
        reminder = data.get("reminder") or ""
        if reminder == KEEP and self.task is not None:
            reminder_at = self.task.reminder_at
        elif reminder and day is not None:
            base = _aware(day, at) if at is not None else _aware(day, ALL_DAY_REMINDER_BASE)
            reminder_at = base - timedelta(minutes=int(reminder))
        else:
            reminder_at = None
        return {
            "title": data["title"],
            "notes": data.get("notes") or "",
            "due_at": due_at,
            "all_day": all_day,
            "priority": data.get("priority") or Task.Priority.NORMAL,
            "reminder_at": reminder_at,
        }


def task_initial(task: Task) -> dict[str, Any]:
    initial: dict[str, Any] = {
        "title": task.title,
        "notes": task.notes,
        "priority": task.priority,
        "owner": task.owner_id,
    }
    if task.due_at is not None:
        local = timezone.localtime(task.due_at)
        initial["due_date"] = local.date()
        initial["due_time"] = None if task.all_day else local.time().replace(second=0)
    if task.reminder_at is not None:
        initial["reminder"] = KEEP
        if task.due_at is not None:
            local_due = timezone.localtime(task.due_at)
            base = (
                datetime.combine(local_due.date(), ALL_DAY_REMINDER_BASE, tzinfo=local_due.tzinfo)
                if task.all_day
                else task.due_at
            )
            minutes = (base - task.reminder_at) / timedelta(minutes=1)
            if str(int(minutes)) in dict(REMINDER_CHOICES) and minutes == int(minutes):
                initial["reminder"] = str(int(minutes))
    return initial


class RescheduleForm(forms.Form):
    """A new due day and, optionally, time. From the calendar: ``keep_time`` keeps the
    task's time of day (a move to another day in the month view)."""

    date = forms.DateField(label="Due date", widget=DateInput())
    time = forms.TimeField(
        label="Time", required=False, widget=TimeInput(), help_text="Leave empty for all day."
    )
    keep_time = forms.BooleanField(required=False, widget=forms.HiddenInput)

    def moved(self, task_or_start: datetime | None, *, all_day: bool) -> tuple[datetime, bool]:
        """The new instant and whether it is all day, given the item's current start."""
        day, at = self.cleaned_data["date"], self.cleaned_data.get("time")
        if self.cleaned_data.get("keep_time") and task_or_start is not None:
            if all_day:
                return _aware(day, ALL_DAY_AT), True
            current = timezone.localtime(task_or_start).time()
            return _aware(day, current), False
        if at is None:
            return _aware(day, ALL_DAY_AT), True
        return _aware(day, at), False


class AssignForm(forms.Form):
    owner = forms.ModelChoiceField(label="Assignee", queryset=User.objects.none(), empty_label=None)

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ModelChoiceField, self.fields["owner"]).queryset = policy.assignable_users(
            user, Task
        )

"""Activity and task pages: logging on a record (htmx from its page), the timeline's older
pages, activity and task detail/edit/delete, completing and reopening a task from anywhere,
reassigning and rescheduling, My tasks and the calendar.

Every view is selector -> form -> service -> response. htmx requests get a named partial;
plain POSTs redirect to a safe ``next`` (everything works without JavaScript).
"""

from __future__ import annotations

import contextlib
from datetime import date
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models
from django.http import HttpResponse, HttpResponseBadRequest, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_http_methods, require_POST

from accounts import policy
from accounts.http import AuthenticatedRequest
from activities import calendar_grid, panels, selectors, services
from activities.forms import (
    ActivityForm,
    AssignForm,
    MeetingRescheduleForm,
    RescheduleForm,
    TaskForm,
)
from activities.models import Activity, Task
from activities.templatetags.activity_tags import due_label, when_label
from activities.timeline import BadCursorError, activity_entry, timeline_for
from crm.forms import apply_service_errors

# ---------------------------------------------------------------- helpers


def _next(request: AuthenticatedRequest, default: str) -> str:
    """Where to go after a plain POST: the ``next`` field if it is ours, else ``default``."""
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return default


def _error_text(error: ValidationError) -> str:
    return " ".join(error.messages)


def _wants_json(request: AuthenticatedRequest) -> bool:
    return "application/json" in request.headers.get("Accept", "")


def _retarget(response: HttpResponse, element_id: str) -> HttpResponse:
    """An htmx form with errors replaces itself (whatever the form's usual target)."""
    response["HX-Retarget"] = f"#{element_id}"
    response["HX-Reswap"] = "outerHTML"
    return response


def _record_from(request: AuthenticatedRequest, data: Any) -> models.Model | None:
    kind, pk = data.get("record", ""), data.get("id", "")
    if not kind:
        return None
    return selectors.record_get_for_user(user=request.user, kind=kind, pk=pk)


def _url_of(record: models.Model) -> str:
    return str(record.get_absolute_url())  # type: ignore[attr-defined]


def _related_kwargs(record: models.Model | None) -> dict[str, Any]:
    return {selectors.record_type(record): record} if record is not None else {}


# ---------------------------------------------------------------- logging and the timeline


@require_POST
def activity_log(request: AuthenticatedRequest) -> HttpResponse:
    """Log a call, meeting, note or email on a record (the "Log activity" panel)."""
    user = request.user
    record = _record_from(request, request.POST)
    if record is None:
        return HttpResponseBadRequest("Say which record the activity is about.")
    ids = panels.record_ids(record)
    form = ActivityForm(request.POST, prefix_id=ids["log_form_id"])
    if form.is_valid():
        try:
            activity = services.activity_log(
                actor=user, **form.activity_values(), **_related_kwargs(record)
            )
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            messages.success(request, f"{activity.get_kind_display()} logged.")
            if request.htmx:
                ctx = {
                    **panels.log_form(record),
                    "entry": activity_entry(activity, record=record, user=user),
                }
                return render(request, "activities/_log_panel.html#logged", {"d": ctx})
            return redirect(_next(request, _url_of(record)))
    ctx = panels.log_form(record, form)
    if request.htmx:
        response = render(request, "activities/_log_panel.html#log-form", {"d": ctx}, status=400)
        return _retarget(response, ids["log_form_id"])
    page = {"form": form, "activity": None, "record": record, "log": ctx}
    return render(request, "activities/activity_form.html", page, status=400)


def timeline_page(request: AuthenticatedRequest) -> HttpResponse:
    """Older entries of a record's timeline: the "Load older" partial, or a whole page."""
    record = _record_from(request, request.GET)
    if record is None:
        return HttpResponseBadRequest("Say whose timeline to show.")
    try:
        page = timeline_for(
            record=record, user=request.user, before=request.GET.get("before") or None
        )
    except BadCursorError:
        return HttpResponseBadRequest("That is not a position in this timeline.")
    ctx = {
        "d": {**panels.record_ids(record), "page": page},
        "older": bool(request.GET.get("before")),
    }
    if request.htmx:
        return render(request, "activities/_timeline.html#entries", ctx)
    return render(request, "activities/timeline_page.html", ctx)


# ---------------------------------------------------------------- activities


def activity_detail(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    activity = selectors.activity_get_for_user(user=request.user, pk=pk)
    ctx = {
        "activity": activity,
        "can_change": policy.can_change(request.user, activity),
        "can_delete": policy.can_delete(request.user, activity),
        "reschedule_form": MeetingRescheduleForm(initial={"occurred_at": activity.occurred_at}),
    }
    return render(request, "activities/activity_detail.html", ctx)


def _activity_initial(activity: Activity) -> dict[str, Any]:
    return {name: getattr(activity, name) for name in services.ACTIVITY_FIELDS}


@require_http_methods(["GET", "POST"])
def activity_edit(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    user = request.user
    activity = selectors.activity_get_for_user(user=user, pk=pk)
    if not policy.can_change(user, activity):
        raise PermissionDenied("You may not change this activity.")
    form = ActivityForm(request.POST or None, initial=_activity_initial(activity))
    if request.method == "POST" and form.is_valid():
        try:
            services.activity_update(actor=user, activity=activity, **form.activity_values())
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            messages.success(request, "Activity saved.")
            return redirect(_next(request, activity.get_absolute_url()))
    status = 400 if form.errors else 200
    ctx = {"form": form, "activity": activity, "record": activity.record}
    return render(request, "activities/activity_form.html", ctx, status=status)


@require_http_methods(["GET", "POST"])
def activity_delete(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    user = request.user
    activity = selectors.activity_get_for_user(user=user, pk=pk)
    if not policy.can_delete(user, activity):
        raise PermissionDenied("You may not delete this activity.")
    record = activity.record
    if request.method == "POST":
        services.activity_delete(actor=user, activity=activity)
        messages.success(request, f"{activity.get_kind_display()} deleted.")
        default = _url_of(record) if record is not None else reverse("activities:calendar")
        return redirect(_next(request, default))
    return render(
        request, "activities/confirm_delete.html", {"object": activity, "noun": "activity"}
    )


@require_POST
def activity_reschedule(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    """Move a meeting (calendar drag-and-drop, or the meeting page's start field)."""
    user = request.user
    activity = selectors.activity_get_for_user(user=user, pk=pk)
    if "occurred_at" in request.POST:
        form: Any = MeetingRescheduleForm(request.POST)
        if form.is_valid():
            start = form.cleaned_data["occurred_at"]
    else:
        form = RescheduleForm(request.POST)
        if form.is_valid():
            if not form.cleaned_data.get("time"):
                form.cleaned_data["keep_time"] = True
            start, _ = form.moved(activity.occurred_at, all_day=False)
    if not form.is_valid():
        return _refuse(request, "Choose a day and time to move it to.", status=400)
    try:
        services.activity_reschedule(actor=user, activity=activity, occurred_at=start)
    except PermissionDenied:
        return _refuse(request, "You may not move this meeting.", status=403)
    except ValidationError as error:
        return _refuse(request, _error_text(error), status=400)
    text = f"{activity.subject} moved to {when_label(activity.occurred_at)}."
    if _wants_json(request):
        return JsonResponse(
            {
                "ok": True,
                "message": text,
                "time": f"{timezone.localtime(activity.occurred_at):%H:%M}",
            }
        )
    messages.success(request, text)
    return redirect(_next(request, activity.get_absolute_url()))


def _refuse(request: AuthenticatedRequest, text: str, *, status: int) -> HttpResponse:
    if _wants_json(request):
        return JsonResponse({"ok": False, "error": text}, status=status)
    if status == 403:
        raise PermissionDenied(text)
    return HttpResponseBadRequest(text)


# ---------------------------------------------------------------- tasks


@require_http_methods(["GET", "POST"])
def task_create(request: AuthenticatedRequest) -> HttpResponse:
    """The task form; from a record's "Tasks" panel (htmx) it answers with the new row."""
    user = request.user
    data = request.POST if request.method == "POST" else request.GET
    record = _record_from(request, data)
    panel_record = record if request.htmx and data.get("from") == "panel" else None
    auto_id = f"{panels.record_ids(panel_record)['task_form_id']}-%s" if panel_record else "id_%s"
    initial: dict[str, Any] = {}
    if request.method == "GET" and request.GET.get("due"):
        with contextlib.suppress(ValueError):  # a prefill only: else the form starts empty
            initial["due_date"] = date.fromisoformat(request.GET["due"])
    form = TaskForm(request.POST or None, user=user, auto_id=auto_id, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            task = services.task_create(
                actor=user,
                owner=form.cleaned_data.get("owner"),
                **form.task_values(),
                **_related_kwargs(record),
            )
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            messages.success(request, f"Task “{task.title}” created.")
            if panel_record is not None:
                panels.mark_rights(task, can_change=True)
                added = {"d": panels.task_add_form(panel_record, user), "task": task}
                return render(request, "activities/_tasks_panel.html#added", added)
            default = _url_of(record) if record is not None else task.get_absolute_url()
            return redirect(_next(request, default))
    status = 400 if form.errors else 200
    if panel_record is not None:
        panel = panels.task_add_form(panel_record, user, form)
        response = render(
            request, "activities/_tasks_panel.html#add-form", {"d": panel}, status=status
        )
        return _retarget(response, str(panel["task_form_id"]))
    ctx: dict[str, Any] = {"form": form, "task": None, "record": record, "next": _next(request, "")}
    if record is not None:
        ctx["record_type"] = selectors.record_type(record)
    return render(request, "activities/task_form.html", ctx, status=status)


def task_detail(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    user = request.user
    task = selectors.task_get_for_user(user=user, pk=pk)
    can_change = policy.can_change(user, task)
    panels.mark_rights(task, can_change=can_change)
    reschedule = RescheduleForm(initial=_reschedule_initial(task), auto_id="reschedule-%s")
    ctx = {
        "task": task,
        "can_change": can_change,
        "can_delete": policy.can_delete(user, task),
        "reschedule_form": reschedule,
        "assign_form": AssignForm(user=user, initial={"owner": task.owner_id}, auto_id="assign-%s"),
    }
    return render(request, "activities/task_detail.html", ctx)


def _reschedule_initial(task: Task) -> dict[str, Any]:
    if task.due_at is None:
        return {}
    local = timezone.localtime(task.due_at)
    return {"date": local.date(), "time": None if task.all_day else local.time().replace(second=0)}


def _changeable_task(request: AuthenticatedRequest, pk: int) -> Task:
    task = selectors.task_get_for_user(user=request.user, pk=pk)
    if not policy.can_change(request.user, task):
        raise PermissionDenied("You may not change this task.")
    return task


@require_http_methods(["GET", "POST"])
def task_edit(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    user = request.user
    task = _changeable_task(request, pk)
    form = TaskForm(request.POST or None, user=user, task=task)
    if request.method == "POST" and form.is_valid():
        try:
            services.task_update(
                actor=user, task=task, owner=form.cleaned_data.get("owner"), **form.task_values()
            )
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            messages.success(request, "Task saved.")
            return redirect(_next(request, task.get_absolute_url()))
    status = 400 if form.errors else 200
    ctx = {"form": form, "task": task, "record": task.record, "next": _next(request, "")}
    return render(request, "activities/task_form.html", ctx, status=status)


def _task_row_response(request: AuthenticatedRequest, task: Task) -> HttpResponse:
    panels.mark_rights(task, can_change=True)
    row = request.POST.get("row", "")
    ctx = {"task": task, "row": row, "next": request.POST.get("next", "")}
    return render(request, "activities/_task_row.html", ctx)


@require_POST
def task_complete(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    """Complete a task from anywhere: htmx swaps its row; a plain POST goes back to ``next``."""
    task = _changeable_task(request, pk)
    services.task_complete(actor=request.user, task=task)
    if request.htmx:
        return _task_row_response(request, task)
    messages.success(request, f"Done: {task.title}.")
    return redirect(_next(request, task.get_absolute_url()))


@require_POST
def task_reopen(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    task = _changeable_task(request, pk)
    services.task_reopen(actor=request.user, task=task)
    if request.htmx:
        return _task_row_response(request, task)
    messages.success(request, f"Reopened: {task.title}.")
    return redirect(_next(request, task.get_absolute_url()))


@require_POST
def task_reschedule(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    """A new due day/time: the task page's field, or a calendar drop (JSON)."""
    user = request.user
    task = selectors.task_get_for_user(user=user, pk=pk)
    if not policy.can_change(user, task):
        return _refuse(request, "You may not move this task.", status=403)
    form = RescheduleForm(request.POST)
    if not form.is_valid():
        return _refuse(request, "Choose the day to move the task to.", status=400)
    due_at, all_day = form.moved(task.due_at, all_day=task.all_day)
    try:
        services.task_reschedule(actor=user, task=task, due_at=due_at, all_day=all_day)
    except ValidationError as error:
        return _refuse(request, _error_text(error), status=400)
    text = f"“{task.title}” is now due {due_label(task).lower()}."
    if _wants_json(request):
        local = timezone.localtime(task.due_at)
        return JsonResponse(
            {
                "ok": True,
                "message": text,
                "time": "" if task.all_day else f"{local:%H:%M}",
                "all_day": task.all_day,
            }
        )
    messages.success(request, text)
    return redirect(_next(request, task.get_absolute_url()))


@require_POST
def task_assign(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    user = request.user
    task = _changeable_task(request, pk)
    form = AssignForm(request.POST, user=user)
    if not form.is_valid():
        return HttpResponseBadRequest("Choose someone you may give tasks to.")
    try:
        services.task_assign(actor=user, task=task, owner=form.cleaned_data["owner"])
    except ValidationError as error:
        return HttpResponseBadRequest(_error_text(error))
    messages.success(request, f"Assigned to {task.owner}.")
    return redirect(_next(request, task.get_absolute_url()))


@require_http_methods(["GET", "POST"])
def task_delete(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    user = request.user
    task = selectors.task_get_for_user(user=user, pk=pk)
    if not policy.can_delete(user, task):
        raise PermissionDenied("You may not delete this task.")
    if request.method == "POST":
        record = task.record
        services.task_delete(actor=user, task=task)
        messages.success(request, f"Task “{task.title}” deleted.")
        default = _url_of(record) if record is not None else reverse("activities:task-mine")
        return redirect(_next(request, default))
    return render(request, "activities/confirm_delete.html", {"object": task, "noun": "task"})


# ---------------------------------------------------------------- My tasks


def my_tasks(request: AuthenticatedRequest) -> HttpResponse:
    mine = selectors.my_tasks(user=request.user)
    for group in mine.groups:
        for task in group.tasks:
            panels.mark_rights(task, can_change=True)  # the user's own
    for task in mine.done_today:
        panels.mark_rights(task, can_change=True)
    return render(
        request,
        "activities/my_tasks.html",
        {
            "mine": mine,
            "here": request.get_full_path(),
            "can_add": request.user.has_perm("activities.add_task"),
        },
    )


# ---------------------------------------------------------------- calendar


def _calendar_owner_ids(request: AuthenticatedRequest, value: str) -> tuple[list[int] | None, str]:
    """The owners whose items to show and the filter's normalised value; ValueError when
    the viewer may not see that person's calendar."""
    user = request.user
    if value in ("", "me", str(user.pk)):
        return [user.pk], "me"
    if value == "all":
        if not selectors.calendar_can_see_everyone(user):
            raise ValueError("all")
        return None, "all"
    if value.isdigit() and any(p.pk == int(value) for p in selectors.calendar_people(user)):
        return [int(value)], value
    raise ValueError(value)


def calendar(request: AuthenticatedRequest) -> HttpResponse:
    """Month or week of tasks (by due time) and meetings, in the viewer's zone."""
    user = request.user
    zone = timezone.get_current_timezone()
    today = timezone.localdate()
    view = request.GET.get("view", "month")
    if view not in calendar_grid.VIEWS:
        view = "month"
    try:
        anchor = date.fromisoformat(request.GET["date"]) if request.GET.get("date") else today
    except ValueError:
        return HttpResponseBadRequest("The date must look like 2026-03-31.")
    try:
        owner_ids, who = _calendar_owner_ids(request, request.GET.get("user", ""))
    except ValueError:
        return HttpResponseBadRequest("You may not open that person's calendar.")
    grid = calendar_grid.grid_for(view, anchor)
    start, end = grid.bounds(zone)
    items = selectors.calendar_items(
        user=user, start=start, end=end, owner_ids=owner_ids, zone=zone
    )
    calendar_grid.fill(grid, items, today=today)
    people = selectors.calendar_people(user)
    ctx = {
        "grid": grid,
        "today": today,
        "who": who,
        "people": [p for p in people if p.pk != user.pk],
        "can_see_everyone": selectors.calendar_can_see_everyone(user),
        "item_count": len(items),
        "show_owner": who == "all",
        "first_hour": calendar_grid.FIRST_VISIBLE_HOUR,
        "here": request.get_full_path(),
        "can_add": user.has_perm("activities.add_task"),
    }
    return render(request, "activities/calendar.html", ctx)

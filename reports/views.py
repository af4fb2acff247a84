"""The dashboard: the viewer's pipeline, results, conversion, activity and tasks."""

from __future__ import annotations

from typing import Any

from django.http import HttpResponse, HttpResponseForbidden
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from crm.http import HtmxHttpRequest
from deals.models import Pipeline
from reports import selectors

PIPELINE_TARGET = "dashboard-pipeline"


def _hidden_note(user: Any) -> str:
    """What the viewer's role keeps off the deal figures, said once at the top."""
    money, dates = selectors.shows_money(user), selectors.shows_close_dates(user)
    if not money and not dates:
        return "Amounts and expected close dates are hidden by your role."
    if not money:
        return "Amounts are hidden by your role."
    if not dates:
        return "Expected close dates are hidden by your role."
    return ""


def _pipeline_choice(raw: str, pipelines: list[Pipeline]) -> tuple[Pipeline | None, str]:
    """The pipeline asked for (``?pipeline=<id>``) or the default one, and an error."""
    default = next((p for p in pipelines if p.is_default), pipelines[0] if pipelines else None)
    if not raw:
        return default, ""
    chosen = next((p for p in pipelines if str(p.pk) == raw.strip()), None)
    if chosen is None:
        return default, "That pipeline does not exist or is no longer active; showing the default."
    return chosen, ""


@require_GET
def dashboard(request: HtmxHttpRequest) -> HttpResponse:
    """Figures for the viewer's scope (policy.visible): each one GROUP BY query, so the
    page costs the same number of queries however many records there are."""
    user = request.user
    period = selectors.periods()
    can = {
        "deals": user.has_perm("deals.view_deal"),
        "leads": user.has_perm("leads.view_lead"),
        "activities": user.has_perm("activities.view_activity"),
        "tasks": user.has_perm("activities.view_task"),
    }
    pipelines = list(Pipeline.objects.filter(is_active=True)) if can["deals"] else []
    pipeline, error = _pipeline_choice(request.GET.get("pipeline", ""), pipelines)
    status = 400 if error else 200
    ctx: dict[str, Any] = {
        "can": can,
        "period": period,
        "pipelines": pipelines,
        "pipeline_error": error,
        "zone": timezone.get_current_timezone_name(),
    }
    if request.htmx and request.htmx.target == PIPELINE_TARGET:
        if not can["deals"]:
            return HttpResponseForbidden("You may not view deals.")
        if pipeline is not None:
            ctx["pipeline"] = selectors.pipeline_figure(user=user, pipeline=pipeline)
        return render(request, "reports/dashboard.html#pipeline", ctx, status=status)

    info = selectors.scope_info(user)
    # One read of the open deals serves the board, "closing this month" and each person.
    open_groups = selectors.open_deal_groups(user=user, period=period) if can["deals"] else None
    if pipeline is not None:
        ctx["pipeline"] = selectors.pipeline_figure(
            user=user, pipeline=pipeline, groups=open_groups
        )
    closed = selectors.closed_figure(user=user, period=period) if can["deals"] else None
    activities = selectors.activity_figure(user=user, period=period) if can["activities"] else None
    ctx.update(
        scope=info,
        hidden_note=_hidden_note(user) if can["deals"] else "",
        closed=closed,
        conversion=(
            selectors.conversion_figure(user=user, period=period) if can["leads"] else None
        ),
        activities=activities,
        overdue=(selectors.overdue_tasks(user=user, now=period.now) if can["tasks"] else None),
        closing=(
            selectors.closing_figure(user=user, period=period, groups=open_groups)
            if can["deals"]
            else None
        ),
        people=(
            selectors.people_figure(
                user=user,
                period=period,
                closed=closed,
                activities=activities,
                open_groups=open_groups,
                show_tasks=can["tasks"],
            )
            if info.per_person
            else None
        ),
    )
    return render(request, "reports/dashboard.html", ctx, status=status)

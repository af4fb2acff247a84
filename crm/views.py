"""Kernel pages: health endpoints and the administrators' system status page."""

from __future__ import annotations

import time

from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.http import HttpRequest, HttpResponse, HttpResponseServerError, JsonResponse
from django.shortcuts import redirect, render
from django.template import loader
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST
from kombu.exceptions import KombuError

from crm import events, health, selectors
from crm.http import HtmxHttpRequest
from crm.tasks import ping_task


@login_not_required
@never_cache
@require_GET
def health_view(request: HttpRequest) -> JsonResponse:
    """Each component's status, public and secret-free; 503 when any is failing."""
    results = health.run_checks()
    healthy = all(result.ok for result in results)
    return JsonResponse(
        {
            "status": "ok" if healthy else "fail",
            "checks": {result.name: result.as_public_dict() for result in results},
        },
        status=200 if healthy else 503,
    )


@login_not_required
@never_cache
@require_GET
def health_live(request: HttpRequest) -> HttpResponse:
    """Liveness for container probes: the process answers HTTP. No dependencies checked."""
    return HttpResponse("ok", content_type="text/plain")


def system_status(request: HtmxHttpRequest) -> HttpResponse:
    ctx = {
        "checks": health.run_checks(),
        "deliveries": selectors.delivery_status_counts(),
        "events": selectors.events_recent(),
        "failed": selectors.deliveries_failed(),
    }
    if request.htmx and request.htmx.target == "system-checks":
        return render(request, "crm/system_status.html#checks", ctx)
    return render(request, "crm/system_status.html", ctx)


@require_POST
def system_ping(request: HtmxHttpRequest) -> HttpResponse:
    """Send a ping task; the worker answers on this user's open pages, live."""
    try:
        ping_task.apply_async(kwargs={"sent_at": time.time(), "user_id": request.user.pk})
    except (KombuError, OSError):
        messages.error(request, "The broker is unreachable: the ping could not be sent.")
    else:
        messages.info(request, "Ping sent to the worker. Its answer appears here.")
    if request.htmx:
        return HttpResponse(status=200)
    return redirect("crm:system-status")


@require_POST
def delivery_retry(request: HttpRequest, pk: int) -> HttpResponse:
    if events.delivery_retry(actor=request.user, delivery_id=pk):
        messages.success(request, f"Delivery {pk} queued again.")
    else:
        messages.warning(request, f"Delivery {pk} is not failed; nothing to retry.")
    return redirect("crm:system-status")


def server_error(request: HttpRequest) -> HttpResponse:
    """The 500 page: no context processors (the database may be what failed), but the
    request id, so a user can quote it and an operator can find the log lines."""
    html = loader.get_template("500.html").render(
        {"request_id": getattr(request, "request_id", "")}
    )
    return HttpResponseServerError(html)

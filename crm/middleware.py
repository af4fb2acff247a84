"""Kernel middleware: request ids, the resolved user, the user's time zone, the access table,
htmx toasts."""

from __future__ import annotations

import logging
import re
import uuid
import zoneinfo
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import LazyObject, empty

from crm import access, views
from crm.log import request_id_var

logger = logging.getLogger(__name__)

_REQUEST_ID_RE = re.compile(r"^[A-Za-z0-9._-]{1,64}$")

GetResponse = Callable[[HttpRequest], HttpResponse]


class RequestIdMiddleware:
    """Tag each request with an id (the proxy's ``X-Request-ID`` or a new one) for the logs."""

    def __init__(self, get_response: GetResponse) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        incoming = request.headers.get("X-Request-ID", "")
        request_id = incoming if _REQUEST_ID_RE.match(incoming) else uuid.uuid4().hex
        request.request_id = request_id  # type: ignore[attr-defined]
        # Not reset afterwards: Django logs "Not Found" and errors after the middleware
        # chain returns, and those lines need the id too. The next request sets its own.
        request_id_var.set(request_id)
        response = self.get_response(request)
        response["X-Request-ID"] = request_id
        return response


class HealthProbeMiddleware:
    """Answer health probes before the host check.

    Load balancers and container probes address the server by IP, which ALLOWED_HOSTS
    rightly refuses for every other URL; health endpoints reveal nothing and must answer.
    """

    def __init__(self, get_response: GetResponse) -> None:
        self.get_response = get_response
        self.probes = {
            reverse("crm:health"): views.health_view,
            reverse("crm:health-live"): views.health_live,
        }

    def __call__(self, request: HttpRequest) -> HttpResponse:
        probe = self.probes.get(request.path) if request.method == "GET" else None
        if probe is not None:
            response = probe(request)
            # SecurityMiddleware, which would add these, comes after the host check.
            response["X-Content-Type-Options"] = "nosniff"
            response["Referrer-Policy"] = settings.SECURE_REFERRER_POLICY
            return response
        return self.get_response(request)


class ResolvedUserMiddleware:
    """Put the user itself in ``request.user`` instead of the lazy stand-ins.

    ``AuthenticationMiddleware`` and django-otp each wrap the user in a ``SimpleLazyObject``,
    so every attribute read goes through two proxies, and a page reads the user thousands of
    times (templates, the visibility policy, the access table): 5% of a list page's time.
    Placed after both, this resolves the user once (the session lookup they would make
    anyway) and stores the real object, as ``django.contrib.auth.login()`` itself does.
    """

    def __init__(self, get_response: GetResponse) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user: Any = getattr(request, "user", None)
        while isinstance(user, LazyObject):
            lazy: Any = user  # LazyObject's internals are not in Django's type stubs
            if lazy._wrapped is empty:
                lazy._setup()
            user = lazy._wrapped
        if user is not None:
            request.user = user
        return self.get_response(request)


class UserTimezoneMiddleware:
    """Show times in the signed-in user's zone (stored in UTC, DESIGN.md section 8)."""

    def __init__(self, get_response: GetResponse) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        zone_name = getattr(request.user, "timezone", "") if request.user.is_authenticated else ""
        if zone_name:
            try:
                timezone.activate(zoneinfo.ZoneInfo(zone_name))
            except (zoneinfo.ZoneInfoNotFoundError, ValueError):
                timezone.deactivate()
        else:
            timezone.deactivate()
        return self.get_response(request)


class AccessMiddleware:
    """Enforce the per-app access tables of ``crm.access`` before any Keel view runs."""

    def __init__(self, get_response: GetResponse) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_view(
        self, request: HttpRequest, view_func: Callable[..., Any], args: Any, kwargs: Any
    ) -> HttpResponse | None:
        match = request.resolver_match
        if match is None or not access.is_governed(match):
            return None
        rule = access.rule_for(match)
        if rule is None:
            logger.error("No access rule declared for URL %s: refused.", match.view_name)
            raise PermissionDenied("This page has no access rule.")
        if rule.allows(request.user):
            return None
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        raise PermissionDenied


class HtmxMessagesMiddleware:
    """Deliver Django messages as toasts on htmx responses (out-of-band swap).

    A full page renders its messages in the shell; an htmx fragment has no shell, so pending
    messages are appended to it and htmx moves them into the toast region.
    """

    def __init__(self, get_response: GetResponse) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        htmx = getattr(request, "htmx", None)
        if not htmx or htmx.boosted:
            return response
        if 300 <= response.status_code < 400 or "HX-Redirect" in response:
            return response  # the next page shows them
        if not response.get("Content-Type", "").startswith("text/html"):
            return response
        if getattr(response, "streaming", False):
            return response
        pending = list(messages.get_messages(request))
        if pending:
            response.write(
                render_to_string(
                    "components/_toasts.html",
                    {"messages": pending, "oob": True},
                    request=request,
                )
            )
        return response

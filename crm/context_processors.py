"""Context every page of the shell needs."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest

from crm.navigation import sidebar_for, topbar_for


def shell(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    signed_in = bool(user and user.is_authenticated)
    return {
        "instance_name": settings.CRM_INSTANCE_NAME,
        "sidebar": sidebar_for(user, request.path) if signed_in else [],
        "topbar": topbar_for(request) if signed_in else [],
        "theme": getattr(user, "theme", "system") if signed_in else "system",
    }

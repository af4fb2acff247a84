"""System checks: refuse configurations that would lose data or leak in production."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.checks import Error, Warning, register


@register()
def embedded_backends_check(app_configs: Any = None, **kwargs: Any) -> list[Error]:
    if settings.DEBUG or settings.CRM_ALLOW_EMBEDDED:
        return []
    embedded = []
    if settings.EMBEDDED_DATABASE:
        embedded.append("SQLite (DATABASE_URL is unset)")
    if settings.EMBEDDED_REDIS:
        embedded.append("in-process cache, channel layer and broker (REDIS_URL is unset)")
    if not embedded:
        return []
    return [
        Error(
            "DEBUG is off but Keel is configured with embedded backends: "
            + "; ".join(embedded)
            + ".",
            hint="Set DATABASE_URL and REDIS_URL for production, or CRM_ALLOW_EMBEDDED=1 to "
            "run a single-box install on purpose (see docs/operations.md).",
            id="crm.E001",
        )
    ]


@register(deploy=True)
def email_configured_check(app_configs: Any = None, **kwargs: Any) -> list[Warning]:
    if settings.EMAIL_URL:
        return []
    return [
        Warning(
            "EMAIL_URL is unset: password resets and notifications go to smtp://localhost:25.",
            hint="Set EMAIL_URL, e.g. smtp+tls://user:password@smtp.example.com:587.",
            id="crm.W001",
        )
    ]

"""The emails accounts sends: an invitation to choose a password, an admin's reset link.

The link is allauth's password reset link (``account_reset_password_from_key``), so a new
password is chosen on the same page, under the same rate limits and validators, as after
"Forgot your password?".
"""

from __future__ import annotations

from typing import Any

from allauth.account.adapter import get_adapter
from allauth.account.forms import default_token_generator
from allauth.account.utils import user_pk_to_url_str
from django.contrib.sites.models import Site
from django.urls import reverse

from accounts.models import User

TEMPLATES = {
    "invitation": "account/email/invitation",
    "reset": "account/email/password_reset_key",
}


def set_password_url(user: User, *, base_url: str) -> str:
    key = default_token_generator.make_token(user)
    path = reverse(
        "account_reset_password_from_key",
        kwargs={"uidb36": user_pk_to_url_str(user), "key": key},
    )
    return f"{base_url.rstrip('/')}{path}"


def send_set_password_mail(user: User, *, base_url: str, kind: str) -> None:
    if kind not in TEMPLATES:
        raise ValueError(f"Unknown kind of mail {kind!r}.")
    url = set_password_url(user, base_url=base_url)
    context = {
        "user": user,
        "password_reset_url": url,
        "current_site": Site.objects.get_current(),
    }
    get_adapter().send_mail(TEMPLATES[kind], user.email, context)


def send_security_notice(user: User, entry: Any, *, base_url: str = "") -> None:
    """Tell ``user`` what the audit row ``entry`` changed on their account (accounts.notices)."""
    from django.conf import settings
    from django.utils import timezone

    from accounts.notices import NOTICES

    site = Site.objects.get_current()
    if not base_url:
        base_url = f"{settings.ACCOUNT_DEFAULT_HTTP_PROTOCOL}://{site.domain}"
    with timezone.override(user.timezone or settings.TIME_ZONE):
        at = timezone.localtime(entry.at)
    context = {
        "user": user,
        "what": NOTICES[entry.action],
        "at": at,
        "at_utc": entry.at,
        "ip": entry.ip,
        "user_agent": entry.user_agent,
        "by_someone_else": entry.actor_id not in (None, user.pk),
        "actor_label": entry.actor_label,
        "security_url": f"{base_url.rstrip('/')}{reverse('accounts:twofactor-setup')}",
        "current_site": site,
    }
    get_adapter().send_mail("account/email/security_notice", user.email, context)

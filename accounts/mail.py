"""The emails accounts sends: an invitation to choose a password, an admin's reset link.

The link is allauth's password reset link (``account_reset_password_from_key``), so a new
password is chosen on the same page, under the same rate limits and validators, as after
"Forgot your password?".
"""

from __future__ import annotations

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

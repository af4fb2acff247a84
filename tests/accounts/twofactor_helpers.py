"""Helpers for the two-factor tests: an authenticator app whose codes come from pyotp (an
implementation independent of django-otp's), and signing in through the real challenge."""

from __future__ import annotations

import pyotp
from django.urls import reverse

from accounts.models import AuthenticatorApp, Role

CHALLENGE = reverse("accounts:twofactor-challenge")


def enrol_app(user) -> pyotp.TOTP:
    """Give ``user`` a confirmed authenticator app; returns the phone's side of it."""
    device = AuthenticatorApp.objects.create(user=user, name="Phone", confirmed=True)
    return pyotp.TOTP(device.secret)


def require_for(slug: str, required: bool = True) -> None:
    role = Role.objects.get(slug=slug)
    role.require_two_factor = required
    role.save()  # the signal moves the grants' generation


def pass_challenge(client, totp: pyotp.TOTP, *, next_url: str = "") -> object:
    data = {"code": totp.now()}
    if next_url:
        data["next"] = next_url
    return client.post(CHALLENGE, data)

"""How allauth behaves in Keel: no self-signup; sign-in and sign-out are events."""

from __future__ import annotations

from typing import Any

from allauth.account.adapter import DefaultAccountAdapter
from django.http import HttpRequest

from accounts import services


def client_ip(request: HttpRequest) -> str | None:
    return request.META.get("REMOTE_ADDR")


class AccountAdapter(DefaultAccountAdapter):
    def is_open_for_signup(self, request: HttpRequest) -> bool:
        return False  # administrators create users (Django admin, later the settings pages)

    def login(self, request: HttpRequest, user: Any) -> None:
        super().login(request, user)
        services.user_signed_in(actor=user, ip=client_ip(request))

    def logout(self, request: HttpRequest) -> None:
        user = request.user
        if user.is_authenticated:
            services.user_signed_out(actor=user, ip=client_ip(request))
        super().logout(request)

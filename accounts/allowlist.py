"""The IP allowlist: networks people may use Keel from, for everyone or per role.

With no range at all every address is allowed. Otherwise a user is held to the global
ranges plus the ranges of their roles, if any of those exist: a range for the Admin role
alone restricts admins and nobody else. Each user's networks travel with their grants
(``accounts.grants``), so checking costs nothing extra per request, and a change to the
ranges moves the grants' generation: it applies from the next request.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable
from typing import Any

from django.contrib.auth import logout
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse

from accounts import audit
from accounts.models import IPAllowRange, Role


def network(text: str) -> str:
    """``text`` as a normalized network (``10.0.0.7/24`` -> ``10.0.0.0/24``), or a
    ValidationError that says what is wrong."""
    try:
        return str(ipaddress.ip_network(text.strip(), strict=False))
    except ValueError as error:
        raise ValidationError(f"“{text}” is not an IP address or network ({error}).") from error


def networks_for(user: Any) -> tuple[str, ...] | None:
    """The networks ``user`` may connect from; None when they are not restricted."""
    ranges = IPAllowRange.objects.filter(role__isnull=True) | IPAllowRange.objects.filter(
        role__group__user=user
    )
    found = tuple(sorted(set(ranges.values_list("cidr", flat=True))))
    return found or None


def allows(networks: Iterable[str] | None, ip: str) -> bool:
    if networks is None:
        return True
    try:
        address = ipaddress.ip_address(ip)
    except ValueError:
        return False
    return any(address in ipaddress.ip_network(cidr) for cidr in networks)


def ranges() -> list[IPAllowRange]:
    """Every allowed network, for the settings page."""
    return list(IPAllowRange.objects.select_related("role", "created_by"))


def range_by_pk(pk: Any) -> IPAllowRange | None:
    return IPAllowRange.objects.filter(pk=pk).first() if str(pk).isdigit() else None


def _would_lock_out(actor: Any, ip: str, ranges: list[tuple[str, Role | None]]) -> bool:
    roles = set(Role.objects.filter(group__user=actor).values_list("pk", flat=True))
    mine = [cidr for cidr, role in ranges if role is None or role.pk in roles]
    return not allows(mine or None, ip)


@transaction.atomic
def add_range(*, actor: Any, cidr: str, role: Role | None, note: str, ip: str) -> IPAllowRange:
    """Allow ``cidr`` (for ``role``, or everyone). Refused when the admin making the change,
    connecting from ``ip``, would then be locked out."""
    cidr = network(cidr)
    if IPAllowRange.objects.filter(cidr=cidr, role=role).exists():
        raise ValidationError(f"{cidr} is already allowed for {role or 'everyone'}.")
    ranges = [(r.cidr, r.role) for r in IPAllowRange.objects.select_related("role")]
    if _would_lock_out(actor, ip, [*ranges, (cidr, role)]):
        raise ValidationError(
            f"Saving this would lock you out: your address {ip} is in none of the networks "
            "you would be allowed. Add your own network first."
        )
    created = IPAllowRange.objects.create(cidr=cidr, role=role, note=note.strip(), created_by=actor)
    audit.record(
        "security.ip_range_added",
        actor=actor,
        obj=created,
        changes={"network": cidr, "role": str(role or "everyone"), "note": created.note},
    )
    return created


@transaction.atomic
def remove_range(*, actor: Any, allowed: IPAllowRange, ip: str) -> None:
    ranges = [
        (r.cidr, r.role) for r in IPAllowRange.objects.select_related("role").exclude(pk=allowed.pk)
    ]
    if _would_lock_out(actor, ip, ranges):
        raise ValidationError(
            f"Removing {allowed.cidr} would lock you out: your address {ip} is in none of the "
            "networks you would still be allowed."
        )
    details = {"network": allowed.cidr, "role": str(allowed.role or "everyone")}
    label = str(allowed)
    allowed.delete()
    audit.record(
        "security.ip_range_removed",
        actor=actor,
        object_type="accounts.ipallowrange",
        object_label=label,
        changes=details,
    )


class IPAllowlistMiddleware:
    """Sign out and refuse a signed-in user whose address is outside their networks."""

    def __init__(self, get_response: Any) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and user.is_active:
            from accounts.grants import grants_for

            networks = grants_for(user).networks
            ip = audit.client_of(request).ip if networks is not None else ""
            if networks is not None and not allows(networks, ip):
                audit.record("auth.ip_blocked", actor=user, changes={"path": request.path[:200]})
                logout(request)
                return TemplateResponse(
                    request, "accounts/ip_blocked.html", {"ip": ip}, status=403
                ).render()
        return self.get_response(request)

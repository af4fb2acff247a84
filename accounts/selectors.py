"""Reads for accounts pages."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from accounts.models import Role, Team, User
from crm.models import Event


def teammates(*, user: User) -> QuerySet[User]:
    """The other active members of the user's team with their roles, for rosters."""
    if user.team_id is None:
        return User.objects.none()
    return (
        User.objects.active()
        .filter(team_id=user.team_id)
        .exclude(pk=user.pk)
        .prefetch_related("groups__role")
        .order_by("full_name")
    )


def role_counts() -> list[Role]:
    """Every role with ``active_users``: how many active users hold it."""
    return list(
        Role.objects.annotate(
            active_users=Count("group__user", filter=Q(group__user__is_active=True))
        ).order_by("rank", "name")
    )


def team_overview() -> list[Team]:
    """Every team with ``member_count`` (active members)."""
    return list(
        Team.objects.annotate(
            member_count=Count("members", filter=Q(members__is_active=True))
        ).order_by("name")
    )


def active_user_count() -> int:
    return User.objects.active().count()


def team_active_count(*, team: Team | None, days: int) -> int:
    """How many of a team's members signed in during the last ``days`` days."""
    if team is None:
        return 0
    since = timezone.now() - timedelta(days=days)
    return User.objects.active().filter(team=team, last_login__gte=since).count()


def users_recently_signed_in(*, limit: int = 8) -> QuerySet[User]:
    return User.objects.active().filter(last_login__isnull=False).order_by("-last_login")[:limit]


def user_activity(*, user: User, limit: int = 8) -> QuerySet[Event]:
    """What this user did lately, newest first (from the event outbox)."""
    return Event.objects.filter(actor=user).order_by("-id")[:limit]


def user_by_pk(pk: Any) -> User | None:
    """The user ``pk`` (active or not), or None; ``pk`` as it came in a request."""
    return User.objects.filter(pk=pk).first() if str(pk).isdigit() else None

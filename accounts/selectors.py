"""Reads for accounts pages."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from accounts import policy
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


# ---------------------------------------------------------------- settings pages


def role_list() -> list[Role]:
    """Every role with ``holders`` (active people holding it) and ``rights`` (how many
    permissions its group carries)."""
    return list(
        Role.objects.select_related("group")
        .annotate(
            holders=Count("group__user", filter=Q(group__user__is_active=True), distinct=True),
            rights=Count("group__permissions", distinct=True),
        )
        .order_by("rank", "name")
    )


def role_by_pk(pk: Any) -> Role | None:
    if not str(pk).isdigit():
        return None
    return Role.objects.select_related("group").filter(pk=pk).first()


def role_permissions(*, role: Role) -> set[str]:
    """The ``app_label.codename`` permissions of ``role``'s group."""
    return {
        f"{app_label}.{codename}"
        for app_label, codename in role.group.permissions.values_list(
            "content_type__app_label", "codename"
        )
    }


def role_holders(*, role: Role, limit: int = 50) -> list[User]:
    return list(
        User.objects.filter(groups=role.group_id)
        .select_related("team")
        .order_by("-is_active", "full_name")[:limit]
    )


def user_list(
    *, q: str = "", role: Role | None = None, team: Team | None = None, status: str = ""
) -> QuerySet[User]:
    """People for the users page: filtered, with team and roles fetched in one go."""
    people = User.objects.select_related("team").prefetch_related("groups__role")
    if q:
        for word in q.split():
            people = people.filter(Q(full_name__icontains=word) | Q(email__icontains=word))
    if role is not None:
        people = people.filter(groups=role.group_id)
    if team is not None:
        people = people.filter(team=team)
    if status == "active":
        people = people.filter(is_active=True)
    elif status == "inactive":
        people = people.filter(is_active=False)
    return people.order_by("-is_active", "full_name", "email")


def user_detail(pk: Any) -> User | None:
    if not str(pk).isdigit():
        return None
    return (
        User.objects.select_related("team").prefetch_related("groups__role").filter(pk=pk).first()
    )


def team_by_pk(pk: Any) -> Team | None:
    return Team.objects.filter(pk=pk).first() if str(pk).isdigit() else None


def team_members(*, team: Team) -> list[User]:
    return list(
        User.objects.filter(team=team)
        .prefetch_related("groups__role")
        .order_by("-is_active", "full_name")
    )


def team_candidates(*, team: Team) -> list[User]:
    """Active people not in ``team``, for its "Add a member" box."""
    return list(
        User.objects.active()
        .exclude(team=team)
        .select_related("team")
        .only("id", "full_name", "email", "team__name")
        .order_by("full_name")
    )


SHARE_CHOICES = 50  # people offered at once in a Sharing box; typing finds the others


def share_choices(query: str = "") -> dict[str, Any]:
    """The people and teams a Sharing box offers: the first :data:`SHARE_CHOICES` by name,
    or those whose name or email contains ``query`` (from the cached lists)."""
    needle = query.strip().lower()
    people = policy.people_choices()
    teams = policy.team_choices()
    if needle:
        emails = policy.people_emails()
        people = [
            (pk, name)
            for pk, name in people
            if needle in name.lower() or needle in emails.get(pk, "")
        ]
        teams = [(pk, name) for pk, name in teams if needle in name.lower()]
    return {"people": people[:SHARE_CHOICES], "teams": teams, "more": len(people) > SHARE_CHOICES}

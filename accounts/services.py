"""Writes to accounts. Keyword-only, typed, transactional; they publish events."""

from __future__ import annotations

from django.db import transaction

from accounts.models import User
from crm.events import publish


@transaction.atomic
def user_profile_update(
    *, actor: User, user: User, full_name: str, timezone: str, theme: str
) -> User:
    """Change a user's own presentation settings; publishes ``user.profile_updated``."""
    if actor.pk != user.pk and not actor.has_perm("accounts.change_user"):
        raise PermissionError("Only the user or an administrator may change this profile.")
    changed = {
        field: value
        for field, value in (("full_name", full_name), ("timezone", timezone), ("theme", theme))
        if getattr(user, field) != value
    }
    if not changed:
        return user
    for field, value in changed.items():
        setattr(user, field, value)
    user.full_clean(exclude=["password"])
    user.save(update_fields=list(changed))
    publish(
        "user.profile_updated",
        actor=actor,
        payload={"user_id": user.pk, "changed": sorted(changed)},
    )
    return user


@transaction.atomic
def user_theme_set(*, actor: User, theme: str) -> User:
    """Remember the theme a user picked in the top bar (no event: presentation only)."""
    if theme not in User.Theme.values:
        raise ValueError(f"Unknown theme {theme!r}.")
    if actor.theme != theme:
        actor.theme = theme
        actor.save(update_fields=["theme"])
    return actor


def user_signed_in(*, actor: User, ip: str | None) -> None:
    publish("user.logged_in", actor=actor, payload={"user_id": actor.pk, "ip": ip})


def user_signed_out(*, actor: User, ip: str | None) -> None:
    publish("user.logged_out", actor=actor, payload={"user_id": actor.pk, "ip": ip})

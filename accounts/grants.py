"""What a signed-in user holds: their permissions (direct and through their roles' groups)
and, per record kind, the widest visibility scope of their roles.

Reading them takes three queries, and every page needs them (the access table, the
navigation, the visibility policy), so they are kept in the cache per user and on the user
object for the rest of the request. Any change that could alter anyone's grants (a user's
groups, direct permissions, ``is_active`` or ``is_superuser``; a group's permissions; a role,
group or permission saved or deleted) moves one generation stamp, which every cached entry
is checked against in the same round trip: entries from an older generation are recomputed.
The stamp moves at once and again when the change commits, so a request that read the old
grants in between cannot keep them. Entries also expire after :data:`TIMEOUT` as a backstop for
changes made outside the ORM. With Redis unreachable every request reads the database.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

from django.contrib.auth.backends import ModelBackend
from django.core.cache import cache
from django.db import models, transaction

from accounts.models import FieldLevel, Scope

GENERATION_KEY = "grants:generation"
TIMEOUT = 300  # seconds
_WIDTH = {Scope.OWN: 0, Scope.TEAM: 1, Scope.ALL: 2}
_OPENNESS = {FieldLevel.HIDDEN: 0, FieldLevel.READ_ONLY: 1, FieldLevel.EDITABLE: 2}
# A user saved with only these fields changed keeps the same grants.
HARMLESS_FIELDS = frozenset({"last_login", "full_name", "timezone", "theme", "password"})


@dataclass(frozen=True)
class Grants:
    permissions: frozenset[str]  # "app_label.codename"
    scope: Scope | None  # the default scope (record kinds no role names); None: inactive
    networks: tuple[str, ...] | None = None  # the IP allowlist's; None: any address
    scopes: tuple[tuple[str, Scope], ...] = ()  # ("leads.lead", scope) per record kind
    two_factor_required: bool = False  # a role held requires a second factor (docs/security.md)
    # ("deals.deal", "amount", level) per field every held role restricts: the most open
    # level among the roles (a role that does not name a field leaves it editable).
    fields: tuple[tuple[str, str, FieldLevel], ...] = ()

    def field_levels_of(self, label: str) -> dict[str, FieldLevel]:
        """``{field: level}`` of the restricted fields of the record kind ``label``."""
        return {name: level for kind, name, level in self.fields if kind == label}

    def scope_of(self, label: str) -> Scope | None:
        """The scope on the record kind ``label`` ("leads.lead")."""
        if self.scope is None:
            return None
        return next((scope for kind, scope in self.scopes if kind == label), self.scope)


def widest(scopes: Any) -> Scope:
    return max(scopes, key=_WIDTH.__getitem__, default=Scope.OWN)


def most_open(levels: Any) -> FieldLevel:
    """The most open of ``levels`` (hidden < read-only < editable); editable when none."""
    return max(levels, key=_OPENNESS.__getitem__, default=FieldLevel.EDITABLE)


def _key(user_pk: Any) -> str:
    return f"grants:v4:user:{user_pk}"


def _compute(user: Any) -> Grants:
    if not user.is_active:
        return Grants(frozenset(), None)
    from accounts.allowlist import networks_for

    networks = networks_for(user)
    backend = ModelBackend()
    permissions = frozenset(
        backend.get_user_permissions(user) | backend.get_group_permissions(user)
    )
    from accounts.models import Role

    if user.is_superuser:  # held to the Admin role's policy, whatever roles they hold
        required = Role.objects.filter(
            models.Q(slug="admin") | models.Q(group__user=user), require_two_factor=True
        ).exists()
        return Grants(permissions, Scope.ALL, networks, two_factor_required=required)
    held = list(
        Role.objects.filter(group__user=user).only(
            "record_scope", "entity_scopes", "field_levels", "require_two_factor"
        )
    )
    kinds = sorted({kind for role in held for kind in role.entity_scopes})
    scopes = tuple((kind, widest(role.scope_of(kind) for role in held)) for kind in kinds)
    default = widest(Scope(role.record_scope) for role in held)
    required = any(role.require_two_factor for role in held)
    return Grants(permissions, default, networks, scopes, required, _field_levels(held))


def _field_levels(held: list[Any]) -> tuple[tuple[str, str, FieldLevel], ...]:
    """The restricted fields of a holder of ``held``: each field every role restricts, at the
    most open of their levels (like permissions, roles add up)."""
    if not held:
        return ()
    named = {
        (kind, name)
        for role in held
        for kind, fields in role.field_levels.items()
        for name in fields
    }
    found = []
    for kind, name in sorted(named):
        level = most_open(role.field_level(kind, name) for role in held)
        if level != FieldLevel.EDITABLE:
            found.append((kind, name, level))
    return tuple(found)


def grants_for(user: Any) -> Grants:
    """The user's grants: from the user object, else the cache, else the database."""
    found: Grants | None = getattr(user, "_keel_grants", None)
    if found is not None:
        return found
    key = _key(user.pk)
    entries = cache.get_many([GENERATION_KEY, key])
    generation = entries.get(GENERATION_KEY, 0)
    cached = entries.get(key)
    if cached is not None and cached[0] == generation:
        found = cached[1]
    else:
        found = _compute(user)
        cache.set(key, (generation, found), TIMEOUT)
    user._keel_grants = found
    return found


def grants_changed(**kwargs: Any) -> None:
    """Receiver: something that decides grants changed; every cached entry goes stale once
    the change commits."""
    if kwargs.get("action", "post_add") not in {"post_add", "post_remove", "post_clear"}:
        return  # m2m_changed's pre_* actions
    update_fields = kwargs.get("update_fields")
    if update_fields and set(update_fields) <= HARMLESS_FIELDS:
        return
    cache.set(GENERATION_KEY, time.time_ns(), None)
    transaction.on_commit(lambda: cache.set(GENERATION_KEY, time.time_ns(), None))


class CachedModelBackend(ModelBackend):
    """Django's ``ModelBackend`` reading the user's permission set from :func:`grants_for`."""

    def get_all_permissions(self, user_obj: Any, obj: Any = None) -> set[str]:
        if not user_obj.is_active or user_obj.is_anonymous or obj is not None:
            return set()
        if not hasattr(user_obj, "_perm_cache"):
            # Where ModelBackend keeps them: its subclasses (allauth's) reuse them too.
            user_obj._perm_cache = set(grants_for(user_obj).permissions)
        return user_obj._perm_cache  # type: ignore[no-any-return]

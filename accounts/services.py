"""Writes to accounts. Keyword-only, typed, transactional; they publish events."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.contrib.auth.models import Group, Permission
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils.text import slugify

from accounts import audit, grants, policy, rbac, roles
from accounts.models import FieldLevel, OwnedRecord, Role, Scope, Team, User
from crm import realtime
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


# ---------------------------------------------------------------- roles


def _permission_rows(labels: Iterable[str]) -> list[Permission]:
    """The ``Permission`` rows of ``app_label.codename`` labels (one query)."""
    wanted = {tuple(label.split(".", 1)) for label in labels}
    if not wanted:
        return []
    condition = Q()
    for app_label, codename in wanted:
        condition |= Q(content_type__app_label=app_label, codename=codename)
    rows = list(Permission.objects.filter(condition).select_related("content_type"))
    found = {(p.content_type.app_label, p.codename) for p in rows}
    missing = sorted(f"{a}.{c}" for a, c in wanted - found)
    if missing:
        raise ValidationError(f"Unknown permissions: {', '.join(missing)}.")
    return rows


def _group_permissions(group: Group) -> set[str]:
    return {
        f"{app_label}.{codename}"
        for app_label, codename in group.permissions.values_list(
            "content_type__app_label", "codename"
        )
    }


def _clean_role_name(name: str, *, role: Role | None = None) -> str:
    name = " ".join(name.split())
    if not name:
        raise ValidationError({"name": "Give the role a name."})
    clash = Role.objects.filter(name__iexact=name)
    groups = Group.objects.filter(name__iexact=name)
    if role is not None:
        clash, groups = clash.exclude(pk=role.pk), groups.exclude(pk=role.group_id)
    if clash.exists() or groups.exists():
        raise ValidationError({"name": f"There is already a role or group called {name}."})
    return name


def _unique_slug(name: str) -> str:
    base = slugify(name)[:40] or "role"
    slug, n = base, 2
    while Role.objects.filter(slug=slug).exists():
        slug, n = f"{base}-{n}", n + 1
    return slug


@transaction.atomic
def role_create(
    *,
    actor: User,
    name: str,
    description: str = "",
    copy_from: Role | None = None,
    require_two_factor: bool = False,
) -> Role:
    """A new custom role, empty or with the rights, scopes and field levels of ``copy_from``."""
    name = _clean_role_name(name)
    group = Group.objects.create(name=name)
    levels = copy_from.field_levels if copy_from else {}
    role = Role.objects.create(
        slug=_unique_slug(name),
        name=name,
        description=description.strip(),
        group=group,
        record_scope=copy_from.record_scope if copy_from else Scope.OWN,
        entity_scopes=dict(copy_from.entity_scopes) if copy_from else {},
        field_levels={label: dict(fields) for label, fields in levels.items()},
        require_two_factor=require_two_factor,
    )
    if copy_from is not None:
        group.permissions.set(copy_from.group.permissions.all())
    audit.record(
        "role.created",
        actor=actor,
        obj=role,
        changes={
            "copied_from": copy_from.name if copy_from else None,
            "require_two_factor": require_two_factor,
            "permissions": sorted(_group_permissions(group)),
            "field_levels": role.field_levels,
        },
    )
    return role


def _matrix_result(current: set[str], grants: set[str], capabilities: set[str]) -> set[str]:
    """The group's permissions once the matrix is saved: entity cells exactly as ticked; a
    settings capability given whole when ticked, taken whole when unticked after being
    held whole (one held only in part stays as it is until ticked)."""
    entity_permissions = {
        entity.permission(action) for entity in rbac.entities() for action, _ in entity.actions()
    }
    unknown = grants - entity_permissions
    if unknown:
        raise ValidationError(f"Unknown rights: {', '.join(sorted(unknown))}.")
    result = (current - entity_permissions) | grants
    known = {c.key for c in rbac.capabilities()}
    if capabilities - known:
        unknown = capabilities - known
        raise ValidationError(f"Unknown settings rights: {', '.join(sorted(unknown))}.")
    for capability in rbac.capabilities():
        wanted = set(capability.permissions)
        held_whole = wanted <= current
        if capability.key in capabilities and not held_whole:
            result |= wanted
        elif capability.key not in capabilities and held_whole:
            result -= wanted
    return result


def _check_scopes(scopes: dict[str, str]) -> dict[str, str]:
    labels = {entity.label for entity in rbac.entities()}
    cleaned = {}
    for label, value in scopes.items():
        if label not in labels:
            raise ValidationError(f"Unknown record kind {label!r}.")
        if value not in Scope.values:
            raise ValidationError(f"Choose own, team or all for {label}.")
        cleaned[label] = value
    return cleaned


def _keeps_role_admin(actor: User, role: Role, permissions: set[str]) -> bool:
    """Whether ``actor`` still manages roles once ``role`` holds ``permissions``."""
    if actor.is_superuser or not actor.groups.filter(pk=role.group_id).exists():
        return True
    other_groups = actor.groups.exclude(pk=role.group_id)
    others = Permission.objects.filter(Q(group__in=other_groups) | Q(user=actor)).values_list(
        "content_type__app_label", "codename"
    )
    held = {f"{a}.{c}" for a, c in others} | permissions
    return "accounts.change_role" in held


def _apply_scopes(role: Role, scopes: dict[str, str]) -> dict[str, list[str]]:
    """Set ``role``'s visibility per record kind (unsaved); the ones that moved."""
    cleaned = _check_scopes(scopes)
    moved = {}
    for label, value in cleaned.items():
        before = role.scope_of(label)
        if before != value:
            moved[f"scope.{label}"] = [before.value, value]
    role.entity_scopes = {**role.entity_scopes, **cleaned}
    return moved


def _field_name(entity: rbac.Entity, name: str) -> str:
    """How the roles page names a field: "Amount (Deals)"."""
    return f"{entity.field_label(name)} ({entity.title})"


def _own_level(actor: User, label: str, name: str) -> FieldLevel:
    """``actor``'s own level on a field, from all their roles."""
    access = policy.field_access(actor, label)
    if not access.readable(name):
        return FieldLevel.HIDDEN
    return FieldLevel.EDITABLE if access.writable(name) else FieldLevel.READ_ONLY


def _beyond_own(actor: User, label: str, name: str, level: FieldLevel) -> bool:
    """Whether ``level`` is more open than ``actor``'s own level on the field."""
    own = _own_level(actor, label, name)
    return grants.most_open([level, own]) != own


def _check_field_levels(field_levels: dict[str, dict[str, str]]) -> dict[str, dict[str, str]]:
    """``field_levels`` with only the restricted fields: each must be a registered
    restrictable field (``rbac.Entity.fields``) at a known level."""
    cleaned: dict[str, dict[str, str]] = {}
    for label, fields in field_levels.items():
        entity = rbac.entity_for(label)
        if entity is None or not (entity.fields or entity.custom):
            raise ValidationError(f"{label!r} has no fields a role may restrict.")
        for name, level in fields.items():
            if not entity.restrictable(name):
                names = ", ".join(n for n, _ in entity.field_choices())
                raise ValidationError(
                    f"{name!r} is not a field of {entity.title.lower()} a role may restrict "
                    f"(those are: {names})."
                )
            if level not in FieldLevel.values:
                raise ValidationError(
                    f"Choose editable, read-only or hidden for {_field_name(entity, name)}."
                )
            if level != FieldLevel.EDITABLE:
                cleaned.setdefault(entity.label, {})[name] = level
    return cleaned


def _apply_field_levels(
    actor: User, role: Role, field_levels: dict[str, dict[str, str]]
) -> dict[str, list[str]]:
    """Set ``role``'s field levels (unsaved) to ``field_levels``: every restrictable field
    it does not name becomes editable. Returns the fields that moved, ``{"deals.deal.amount":
    [before, after]}``. Nobody makes a field more open than they have it themselves (they
    may narrow it), and the Admin role's fields stay editable."""
    cleaned = _check_field_levels(field_levels)
    if role.slug == roles.ADMIN and cleaned:
        raise ValidationError("The Admin role sees and edits every field: it cannot be narrowed.")
    named = {
        (label, name)
        for levels in (role.field_levels, cleaned)
        for label in levels
        for name in levels[label]
    }
    moved = {}
    for label, name in sorted(named):
        before = role.field_level(label, name)
        after = FieldLevel(cleaned.get(label, {}).get(name, FieldLevel.EDITABLE))
        if before == after:
            continue
        opened = grants.most_open([before, after]) != before
        if opened and _beyond_own(actor, label, name, after):
            entity = rbac.entity_for(label)
            title = _field_name(entity, name) if entity else f"{label}.{name}"
            own = _own_level(actor, label, name)
            raise ValidationError(
                f"You may not make {title} {after.label.lower()}: it is "
                f"{own.label.lower()} for you, and nobody gives more than they hold."
            )
        moved[f"{label}.{name}"] = [before.value, after.value]
    role.field_levels = cleaned
    return moved


def _set_two_factor_policy(actor: User, role: Role, required: bool | None) -> bool:
    """Set whether ``role`` requires a second factor (unsaved); True when it changed. A
    security setting: its own audit row, as the Django admin writes it."""
    if required is None or required == role.require_two_factor:
        return False
    before, role.require_two_factor = role.require_two_factor, required
    audit.record(
        "security.two_factor_policy_changed",
        actor=actor,
        obj=role,
        changes={"require_two_factor": [before, required]},
    )
    return True


def _apply_rights(
    actor: User, role: Role, grants: set[str] | None, capabilities: set[str] | None
) -> dict[str, list[str]]:
    """Give ``role``'s group the matrix's rights (None: that part as it is); what moved."""
    current = _group_permissions(role.group)
    target = _matrix_result(
        current,
        grants if grants is not None else current,
        capabilities
        if capabilities is not None
        else {c.key for c in rbac.capabilities() if set(c.permissions) <= current},
    )
    if not _keeps_role_admin(actor, role, target):
        raise ValidationError(
            "You hold this role: saving it would take away your own right to manage "
            "roles. Give that right to another of your roles first."
        )
    moved = {}
    added, removed = target - current, current - target
    if added:
        role.group.permissions.add(*_permission_rows(added))
        moved["granted"] = sorted(added)
    if removed:
        role.group.permissions.remove(*_permission_rows(removed))
        moved["revoked"] = sorted(removed)
    return moved


@transaction.atomic
def role_update(
    *,
    actor: User,
    role: Role,
    name: str,
    description: str,
    grants: set[str] | None = None,
    capabilities: set[str] | None = None,
    scopes: dict[str, str] | None = None,
    require_two_factor: bool | None = None,
    field_levels: dict[str, dict[str, str]] | None = None,
) -> Role:
    """Rename a role and set its matrix: ``grants`` are the ticked entity rights
    (``app_label.codename``), ``capabilities`` the ticked settings rights (keys),
    ``scopes`` the visibility per record kind, ``field_levels`` the level of each
    restrictable field (``{"deals.deal": {"amount": "hidden"}}``; a field not named is
    editable). None leaves that part unchanged. The Admin role always holds every right
    and every field; nobody takes away their own right to manage roles, nor makes a field
    more open than they have it. Field levels changed write their own ``role.fields_changed``
    audit row."""
    role = Role.objects.select_for_update().get(pk=role.pk)
    changes: dict[str, Any] = {}
    name = _clean_role_name(name, role=role)
    description = description.strip()
    for field, value in (("name", name), ("description", description)):
        if getattr(role, field) != value:
            changes[field] = [getattr(role, field), value]
            setattr(role, field, value)
    matrix_given = grants is not None or capabilities is not None or scopes is not None
    if matrix_given and role.slug == roles.ADMIN:
        raise ValidationError("The Admin role always holds every right and sees everything.")
    fields_moved = (
        _apply_field_levels(actor, role, field_levels) if field_levels is not None else {}
    )
    if grants is not None or capabilities is not None:
        changes.update(_apply_rights(actor, role, grants, capabilities))
    if scopes is not None:
        changes.update(_apply_scopes(role, scopes))
    if _set_two_factor_policy(actor, role, require_two_factor) and not changes and not fields_moved:
        role.save(update_fields=["require_two_factor"])
    if changes or fields_moved:
        role.full_clean(exclude=["group", "slug"])
        role.save()
    if changes:
        if "name" in changes:
            role.group.name = name
            role.group.save(update_fields=["name"])
        audit.record("role.changed", actor=actor, obj=role, changes=changes)
    if fields_moved:
        audit.record("role.fields_changed", actor=actor, obj=role, changes=fields_moved)
    return role


@transaction.atomic
def role_delete(*, actor: User, role: Role) -> None:
    """Delete a custom role nobody holds (its group and per-role networks go with it)."""
    role = Role.objects.select_for_update().get(pk=role.pk)
    if role.is_system:
        raise ValidationError(f"{role.name} is a standard role: it cannot be deleted.")
    holders = role.group.user_set.count()
    if holders:
        raise ValidationError(
            f"{holders} {'person holds' if holders == 1 else 'people hold'} {role.name}: "
            "give them another role first."
        )
    details = {"permissions": sorted(_group_permissions(role.group))}
    group, label, pk = role.group, str(role), role.pk
    role.delete()
    group.delete()
    audit.record(
        "role.deleted",
        actor=actor,
        object_type="accounts.role",
        object_id=pk,
        object_label=label,
        changes=details,
    )


# ---------------------------------------------------------------- users


def _admins_left(*, without: User) -> bool:
    """Whether some other active user is an admin (the Admin role or a superuser)."""
    return (
        User.objects.active()
        .exclude(pk=without.pk)
        .filter(Q(is_superuser=True) | Q(groups__role__slug=roles.ADMIN))
        .exists()
    )


def _check_roles_grantable(actor: User, roles_given: Iterable[Role]) -> None:
    """Nobody hands out rights they do not hold themselves, nor a wider view of records."""
    if actor.is_superuser:
        return
    held = actor.get_all_permissions()
    for role in roles_given:
        beyond = _group_permissions(role.group) - held
        wider = [
            entity.title.lower()
            for entity in rbac.entities()
            if grants.widest([role.scope_of(entity.label), policy.scope_for(actor, entity.label)])
            != policy.scope_for(actor, entity.label)
        ]
        more_open = [  # a field the role shows or lets change that the actor's roles do not
            name
            for entity in rbac.entities()
            for name, _ in entity.field_choices()
            if _beyond_own(actor, entity.label, name, role.field_level(entity.label, name))
        ]
        if beyond or wider or more_open:
            raise ValidationError(
                {"roles": f"You may not give the role {role.name}: it holds rights you do not."}
            )


def _clean_email(email: str, *, user: User | None = None) -> str:
    email = User.objects.normalize_email(email.strip()).lower()
    if not email:
        raise ValidationError({"email": "Enter an email address."})
    taken = User.objects.filter(email__iexact=email)
    if user is not None:
        taken = taken.exclude(pk=user.pk)
    if taken.exists():
        raise ValidationError({"email": f"{email} already belongs to someone."})
    return email


def _role_names(held: Iterable[Role]) -> list[str]:
    return sorted(role.name for role in held)


@transaction.atomic
def user_create(
    *,
    actor: User,
    email: str,
    full_name: str,
    team: Team | None,
    roles_given: list[Role],
    is_staff: bool = False,
    invite_from: str | None = None,
) -> User:
    """Add a person with no password yet; with ``invite_from`` (the site's base URL) an
    invitation to choose one is emailed once the person exists."""
    email = _clean_email(email)
    full_name = " ".join(full_name.split())
    if not full_name:
        raise ValidationError({"full_name": "Enter the person's name."})
    if not roles_given:
        raise ValidationError({"roles": "Give the person at least one role."})
    _check_roles_grantable(actor, roles_given)
    user = User.objects.create_user(email, None, full_name=full_name, team=team, is_staff=is_staff)
    user.groups.set([role.group for role in roles_given])
    audit.record(
        "user.created",
        actor=actor,
        obj=user,
        changes={
            "email": email,
            "team": team.name if team else None,
            "roles": _role_names(roles_given),
            "is_staff": is_staff,
            "invited": invite_from is not None,
        },
    )
    publish("user.created", actor=actor, payload={"user_id": user.pk})
    if invite_from is not None:
        _mail_set_password(user, invite_from, kind="invitation")
    return user


def _mail_set_password(user: User, base_url: str, *, kind: str) -> None:
    from accounts.tasks import send_set_password_mail_task

    transaction.on_commit(
        lambda: send_set_password_mail_task.delay(user.pk, base_url.rstrip("/"), kind)
    )


@transaction.atomic
def user_update(
    *,
    actor: User,
    user: User,
    email: str,
    full_name: str,
    team: Team | None,
    roles_given: list[Role],
    is_staff: bool,
) -> User:
    """Change a person's email, name, team, roles and Django admin access. Their records
    follow them to a new team (in the background). Nobody takes away their own right to
    manage users, nor the last admin's Admin role."""
    user = User.objects.select_for_update().get(pk=user.pk)
    email = _clean_email(email, user=user)
    full_name = " ".join(full_name.split())
    if not full_name:
        raise ValidationError({"full_name": "Enter the person's name."})
    if not roles_given:
        raise ValidationError({"roles": "Give the person at least one role."})
    before_roles = set(user.roles)
    after_roles = set(roles_given)
    added, removed = after_roles - before_roles, before_roles - after_roles
    _check_roles_grantable(actor, added)
    if removed and user.pk == actor.pk and not actor.is_superuser:
        kept = set().union(*(_group_permissions(role.group) for role in after_roles))
        direct = {
            f"{a}.{c}"
            for a, c in user.user_permissions.values_list("content_type__app_label", "codename")
        }
        if "accounts.change_user" not in kept | direct:
            raise ValidationError(
                {"roles": "You would lose your own right to manage users: keep a role with it."}
            )
    if any(role.slug == roles.ADMIN for role in removed) and not _admins_left(without=user):
        raise ValidationError({"roles": f"{user} is the last admin: keep the Admin role."})
    changes: dict[str, Any] = {}
    for field, value in (("email", email), ("full_name", full_name), ("is_staff", is_staff)):
        if getattr(user, field) != value:
            changes[field] = [getattr(user, field), value]
            setattr(user, field, value)
    team_moved = user.team_id != (team.pk if team else None)
    if team_moved:
        changes["team"] = [str(user.team) if user.team else None, team.name if team else None]
        user.team = team
    if changes:
        user.save(update_fields=list(changes))
    if added or removed:
        user.groups.remove(*(role.group for role in removed))
        user.groups.add(*(role.group for role in added))
        changes["roles"] = [_role_names(before_roles), _role_names(after_roles)]
    if changes:
        audit.record("user.changed", actor=actor, obj=user, changes=changes)
        publish(
            "user.updated", actor=actor, payload={"user_id": user.pk, "changed": sorted(changes)}
        )
    if team_moved:
        from accounts.tasks import user_records_follow_team_task

        transaction.on_commit(lambda: user_records_follow_team_task.delay(user.pk))
    return user


@transaction.atomic
def user_deactivate(*, actor: User, user: User) -> int:
    """Switch a person off: every session ends, their open pages' websockets close, and
    they can no longer sign in. Returns how many sessions ended."""
    from accounts import sessions

    user = User.objects.select_for_update().get(pk=user.pk)
    if user.pk == actor.pk:
        raise ValidationError("You cannot deactivate yourself.")
    if not user.is_active:
        return 0
    if (user.is_superuser or any(r.slug == roles.ADMIN for r in user.roles)) and not _admins_left(
        without=user
    ):
        raise ValidationError(f"{user} is the last active admin and cannot be deactivated.")
    user.is_active = False
    user.save(update_fields=["is_active"])
    ended = sessions.revoke_others(actor=actor, user=user, keep=None)
    realtime.close_user_sockets(user.pk)
    audit.record("user.deactivated", actor=actor, obj=user, changes={"sessions_ended": ended})
    publish("user.deactivated", actor=actor, payload={"user_id": user.pk})
    return ended


@transaction.atomic
def user_reactivate(*, actor: User, user: User) -> User:
    user = User.objects.select_for_update().get(pk=user.pk)
    if user.is_active:
        return user
    user.is_active = True
    user.save(update_fields=["is_active"])
    audit.record("user.reactivated", actor=actor, obj=user)
    publish("user.reactivated", actor=actor, payload={"user_id": user.pk})
    return user


def user_send_password_reset(*, actor: User, user: User, base_url: str) -> None:
    """Email the person a link to choose a new password (their current one keeps working
    until they do)."""
    if not user.is_active:
        raise ValidationError(f"{user} is deactivated: reactivate them first.")
    with transaction.atomic():
        audit.record("user.password_reset_sent", actor=actor, obj=user)
        _mail_set_password(user, base_url, kind="reset")


def user_records_follow_team(*, user_id: int, batch: int = 5000) -> int:
    """Give the records a person owns their current team (after a move): batched updates,
    one audit row per kind of record. Idempotent: a second run finds nothing to move."""
    from django.apps import apps

    from crm.lists import lists_changed

    user = User.objects.filter(pk=user_id).first()
    if user is None:
        return 0
    moved = 0
    for model in apps.get_models():
        if not issubclass(model, OwnedRecord):
            continue
        ids: list[Any] = []
        while True:
            with transaction.atomic():
                chunk = list(
                    model._default_manager.filter(owner_id=user.pk)
                    .exclude(Q(team_id=user.team_id))  # None: those with a team
                    .values_list("pk", flat=True)[:batch]
                )
                if not chunk:
                    break
                model._default_manager.filter(pk__in=chunk).update(team_id=user.team_id)
            ids.extend(chunk)
        if ids:
            audit.record_bulk(
                "records.bulk_updated",
                actor=None,
                model=model,
                ids=ids,
                changes={"team": user.team_id, "reason": f"{user} moved team"},
            )
            lists_changed(model)
            moved += len(ids)
    return moved


# ---------------------------------------------------------------- teams


def _clean_team_name(name: str, *, team: Team | None = None) -> str:
    name = " ".join(name.split())
    if not name:
        raise ValidationError({"name": "Give the team a name."})
    clash = Team.objects.filter(name__iexact=name)
    if team is not None:
        clash = clash.exclude(pk=team.pk)
    if clash.exists():
        raise ValidationError({"name": f"There is already a team called {name}."})
    return name


@transaction.atomic
def team_create(*, actor: User, name: str, description: str = "") -> Team:
    team = Team.objects.create(name=_clean_team_name(name), description=description.strip())
    audit.record("team.created", actor=actor, obj=team, changes={"name": team.name})
    return team


@transaction.atomic
def team_update(*, actor: User, team: Team, name: str, description: str) -> Team:
    team = Team.objects.select_for_update().get(pk=team.pk)
    changes = {}
    for field, value in (
        ("name", _clean_team_name(name, team=team)),
        ("description", description.strip()),
    ):
        if getattr(team, field) != value:
            changes[field] = [getattr(team, field), value]
            setattr(team, field, value)
    if changes:
        team.save(update_fields=list(changes))
        audit.record("team.changed", actor=actor, obj=team, changes=changes)
    return team


@transaction.atomic
def team_delete(*, actor: User, team: Team) -> None:
    """Delete a team with no active members; its records keep their owners and lose the
    team (managers see them through their owners' new teams)."""
    team = Team.objects.select_for_update().get(pk=team.pk)
    members = team.members.filter(is_active=True).count()
    if members:
        raise ValidationError(
            f"{team.name} has {members} active member{'s' if members != 1 else ''}: "
            "move them to another team first."
        )
    pk, label, share_group = team.pk, team.name, team.share_group_id
    team.delete()
    if share_group is not None:  # the records shared with the team stop being shared
        Group.objects.filter(pk=share_group).delete()
    audit.record(
        "team.deleted", actor=actor, object_type="accounts.team", object_id=pk, object_label=label
    )

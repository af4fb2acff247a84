"""The standard roles and the helper migrations use to grant them permissions.

Roles are data: this module only describes the standard ones. Each app's migrations grant
its own model permissions to the standard roles with :func:`grant` (permissions are
otherwise only created after ``migrate`` finishes, too late for a data migration).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

ADMIN = "admin"
SALES_MANAGER = "sales_manager"
SALES_REP = "sales_rep"
SUPPORT_AGENT = "support_agent"
READ_ONLY = "read_only"


@dataclass(frozen=True)
class RoleSpec:
    slug: str
    name: str
    description: str
    rank: int
    scope: str  # accounts.models.Scope value: which records the role sees


STANDARD_ROLES = (
    RoleSpec(ADMIN, "Admin", "Everything: users, roles, settings and every record.", 10, "all"),
    RoleSpec(
        SALES_MANAGER,
        "Sales manager",
        "Runs a team: its pipeline, forecasts and reports.",
        20,
        "team",
    ),
    RoleSpec(SALES_REP, "Sales rep", "Works their own leads, deals and customers.", 30, "own"),
    RoleSpec(SUPPORT_AGENT, "Support agent", "Handles tickets and customer questions.", 40, "all"),
    RoleSpec(READ_ONLY, "Read-only", "Sees what the role allows, changes nothing.", 50, "all"),
)


def ensure_permissions(apps: Any) -> None:
    """Create the permission rows of every app known to the migration state."""
    from django.contrib.auth.management import create_permissions

    for app_config in apps.get_app_configs():
        original = getattr(app_config, "models_module", None)
        if original is None:  # the migration state's app stubs have no models module
            app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = original


def grant(apps: Any, role_slug: str, permissions: Iterable[str]) -> None:
    """Add ``app_label.codename`` permissions to a standard role (inside a migration)."""
    Permission = apps.get_model("auth", "Permission")
    Role = apps.get_model("accounts", "Role")
    group = Role.objects.get(slug=role_slug).group
    wanted = [p.split(".", 1) for p in permissions]
    found = []
    for app_label, codename in wanted:
        permission = Permission.objects.filter(
            content_type__app_label=app_label, codename=codename
        ).first()
        if permission is None:
            raise LookupError(f"Permission {app_label}.{codename} does not exist.")
        found.append(permission)
    group.permissions.add(*found)


ADMIN_APPS = ("accounts", "auth", "crm", "django_celery_beat", "sites")


def install_standard_roles(apps: Any) -> None:
    """Create the standard roles and their foundation permissions (idempotent).

    Used by the ``0002_standard_roles`` migration with the historical app registry, and by
    tests that flush the database with the live one.
    """
    Group = apps.get_model("auth", "Group")
    Role = apps.get_model("accounts", "Role")
    Permission = apps.get_model("auth", "Permission")
    ensure_permissions(apps)
    has_scope = any(f.name == "record_scope" for f in Role._meta.get_fields())
    for spec in STANDARD_ROLES:
        group, _ = Group.objects.get_or_create(name=spec.name)
        defaults = {
            "name": spec.name,
            "description": spec.description,
            "rank": spec.rank,
            "group": group,
            "is_system": True,
        }
        if has_scope:  # the field arrived with migration 0003
            defaults["record_scope"] = spec.scope
        Role.objects.update_or_create(slug=spec.slug, defaults=defaults)
    Role.objects.get(slug=ADMIN).group.permissions.add(
        *Permission.objects.filter(content_type__app_label__in=ADMIN_APPS)
    )
    grant(apps, SALES_MANAGER, ["accounts.view_user", "accounts.view_team"])
    for slug in (SALES_REP, SUPPORT_AGENT, READ_ONLY):
        grant(apps, slug, ["accounts.view_team"])


def set_standard_scopes(apps: Any) -> None:
    Role = apps.get_model("accounts", "Role")
    for spec in STANDARD_ROLES:
        Role.objects.filter(slug=spec.slug).update(record_scope=spec.scope)


def grant_domain(
    apps: Any, app_label: str, models: Iterable[str], plan: dict[str, Iterable[str]]
) -> None:
    """Grant a domain app's model permissions: ``plan`` maps role slug to actions.

    The admin gets every permission of the app; actions are ``view``, ``add``, ``change``,
    ``delete``, ``export`` (only where the model declares it).
    """
    Permission = apps.get_model("auth", "Permission")
    Role = apps.get_model("accounts", "Role")
    ensure_permissions(apps)
    Role.objects.get(slug=ADMIN).group.permissions.add(
        *Permission.objects.filter(content_type__app_label=app_label)
    )
    for slug, actions in plan.items():
        codenames = [f"{action}_{model}" for model in models for action in actions]
        existing = set(
            Permission.objects.filter(
                content_type__app_label=app_label, codename__in=codenames
            ).values_list("codename", flat=True)
        )
        grant(apps, slug, [f"{app_label}.{c}" for c in codenames if c in existing])


def grant_alongside(
    apps: Any,
    app_label: str,
    models: Iterable[str],
    action: str,
    *,
    alongside: str,
    roles: Iterable[str] = (SALES_MANAGER, SALES_REP, SUPPORT_AGENT, READ_ONLY),
) -> None:
    """Give ``action`` on each model to those of ``roles`` that hold ``alongside`` on it
    (e.g. ``bulk_edit`` to every role that may ``change``); the admin gets every permission
    of the app. For data migrations that add a permission to the matrix."""
    Permission = apps.get_model("auth", "Permission")
    Role = apps.get_model("accounts", "Role")
    ensure_permissions(apps)
    Role.objects.get(slug=ADMIN).group.permissions.add(
        *Permission.objects.filter(content_type__app_label=app_label)
    )
    for role in Role.objects.filter(slug__in=list(roles)).select_related("group"):
        held = set(
            role.group.permissions.filter(content_type__app_label=app_label).values_list(
                "codename", flat=True
            )
        )
        wanted = [
            f"{app_label}.{action}_{model}" for model in models if f"{alongside}_{model}" in held
        ]
        if wanted:
            grant(apps, role.slug, wanted)

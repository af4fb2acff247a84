from typing import Any

from django.apps import AppConfig
from django.db import models


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = "Accounts"

    def ready(self) -> None:
        from accounts import demo, policy
        from crm import demo as demo_registry
        from crm import events, fieldlevels, navigation

        fieldlevels.install(hidden=policy.hidden_fields, frozen=policy.frozen_fields)

        events.describe("user.logged_in", "Signed in")
        events.describe("user.logged_out", "Signed out")
        events.describe("user.profile_updated", "Updated profile")
        events.describe("user.created", "Added a person")
        events.describe("user.updated", "Changed a person")
        events.describe("user.deactivated", "Deactivated a person")
        events.describe("user.reactivated", "Reactivated a person")
        events.describe("record.shared", "Shared a record")
        events.describe("record.unshared", "Stopped sharing a record")
        navigation.register(
            navigation.NavItem(label="Home", url_name="accounts:home", icon="house", order=0)
        )
        demo_registry.register(demo.seed_people, order=0)
        demo_registry.register(demo.seed_shares, order=90)
        navigation.register(
            navigation.NavItem(
                label="IP allowlist",
                url_name="accounts:ip-allowlist",
                icon="shield-check",
                section="admin",
                order=51,
                permission="accounts.change_ipallowrange",
            )
        )
        for label, url_name, icon, order, permission in (
            ("Users", "accounts:user-list", "users", 10, "accounts.change_user"),
            ("Teams", "accounts:team-list", "users-round", 11, "accounts.change_team"),
            ("Roles", "accounts:role-list", "key-round", 12, "accounts.view_role"),
        ):
            navigation.register(
                navigation.NavItem(
                    label=label,
                    url_name=url_name,
                    icon=icon,
                    section="admin",
                    order=order,
                    permission=permission,
                )
            )
        navigation.register(
            navigation.NavItem(
                label="Audit log",
                url_name="accounts:audit-log",
                icon="scroll-text",
                section="admin",
                order=50,
                permission="accounts.view_auditentry",
            )
        )
        register_capabilities()
        connect_cache_receivers()
        connect_audit_receivers()
        from accounts import encryption, twofactor  # noqa: F401 - registers encryption's check

        twofactor.connect()
        from accounts import panels

        panels.register()


def register_capabilities() -> None:
    """The settings rights of the roles page that accounts and the kernel own."""
    from accounts import rbac

    def crud(model: str, app: str = "accounts") -> tuple[str, ...]:
        return tuple(f"{app}.{action}_{model}" for action in ("view", "add", "change", "delete"))

    for capability in (
        rbac.Capability(
            "users",
            "Users",
            crud("user"),
            "Invite people, change their roles and teams, deactivate them, end their sessions.",
            order=10,
        ),
        rbac.Capability("teams", "Teams", crud("team"), "Create, rename and delete teams.", 11),
        rbac.Capability(
            "roles", "Roles", crud("role"), "Create roles and change what each may do.", 12
        ),
        rbac.Capability(
            "audit_log",
            "Audit log",
            ("accounts.view_auditentry",),
            "Read the audit log and every record's history.",
            order=50,
        ),
        rbac.Capability(
            "ip_allowlist",
            "IP allowlist",
            crud("ipallowrange"),
            "Choose the networks Keel may be used from.",
            order=51,
        ),
        rbac.Capability(
            "system_status",
            "System status",
            ("crm.view_system_status",),
            "See the health of background work and the event outbox.",
            order=90,
        ),
    ):
        rbac.register_capability(capability)


def connect_cache_receivers() -> None:
    """Model signals only drop cached data (DESIGN.md): grants and the people choices."""
    from django.contrib.auth.models import Group, Permission
    from django.db.models.signals import m2m_changed, post_delete, post_save

    from accounts import grants, policy
    from accounts.models import IPAllowRange, Role, Team, User

    throughs = (User.groups.through, User.user_permissions.through, Group.permissions.through)
    for through in throughs:
        m2m_changed.connect(grants.grants_changed, sender=through, dispatch_uid=f"g.{through}")
    receivers: list[tuple[Any, tuple[type[models.Model], ...]]] = [
        (grants.grants_changed, (User, Group, Role, Permission, IPAllowRange)),
        (policy.people_changed, (User, Team)),
    ]
    for receiver, senders in receivers:
        for sender in senders:
            for signal in (post_save, post_delete):
                uid = f"{receiver.__name__}.{sender.__name__}.{signal}"
                signal.connect(receiver, sender=sender, dispatch_uid=uid)


def connect_audit_receivers() -> None:
    """Sign-ins, sign-outs, failed sign-ins and exports go to the audit log (accounts/audit.py)."""
    from django.contrib.auth import signals

    from accounts import audit

    signals.user_logged_in.connect(audit.on_login, dispatch_uid="audit.login")
    signals.user_logged_out.connect(audit.on_logout, dispatch_uid="audit.logout")
    signals.user_login_failed.connect(audit.on_login_failed, dispatch_uid="audit.login_failed")
    from accounts import sessions

    signals.user_logged_in.connect(sessions.on_login, dispatch_uid="sessions.login")
    signals.user_logged_out.connect(sessions.on_logout, dispatch_uid="sessions.logout")
    from crm import lists

    if audit.on_list_export not in lists.EXPORT_LISTENERS:
        lists.EXPORT_LISTENERS.append(audit.on_list_export)

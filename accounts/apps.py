from typing import Any

from django.apps import AppConfig
from django.db import models


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = "Accounts"

    def ready(self) -> None:
        from accounts import demo
        from crm import demo as demo_registry
        from crm import events, navigation

        events.describe("user.logged_in", "Signed in")
        events.describe("user.logged_out", "Signed out")
        events.describe("user.profile_updated", "Updated profile")
        navigation.register(
            navigation.NavItem(label="Home", url_name="accounts:home", icon="house", order=0)
        )
        demo_registry.register(demo.seed_people, order=0)
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
        connect_cache_receivers()
        connect_audit_receivers()
        from accounts import encryption, twofactor  # noqa: F401 - registers encryption's check

        twofactor.connect()
        from accounts import panels

        panels.register()


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

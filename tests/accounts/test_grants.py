"""Permissions and record scope read once per user and kept in the cache until they change."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group, Permission
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts import grants, policy, roles
from accounts.models import Role, Scope, User

pytestmark = pytest.mark.django_db


def fresh(user):
    """The user as the next request loads it (nothing kept on the object)."""
    return User.objects.get(pk=user.pk)


def test_the_next_request_reads_grants_from_the_cache(rep):
    assert fresh(rep).has_perm("leads.view_lead")
    user = fresh(rep)
    with CaptureQueriesContext(connection) as queries:
        assert user.has_perm("leads.view_lead")
        assert not user.has_perm("leads.delete_lead")
        assert policy.scope_for(user) == Scope.OWN
    assert len(queries) == 0


def test_joining_and_leaving_a_role_shows_at_once(rep):
    managers = Group.objects.get(role__slug=roles.SALES_MANAGER)
    assert policy.scope_for(fresh(rep)) == Scope.OWN
    rep.groups.add(managers)
    assert policy.scope_for(fresh(rep)) == Scope.TEAM
    managers.user_set.remove(rep)  # from the other side of the relation
    assert policy.scope_for(fresh(rep)) == Scope.OWN


def test_a_permission_taken_from_a_role_is_gone_at_once(rep):
    assert fresh(rep).has_perm("leads.add_lead")
    group = Group.objects.get(role__slug=roles.SALES_REP)
    group.permissions.remove(Permission.objects.get(codename="add_lead"))
    assert not fresh(rep).has_perm("leads.add_lead")


def test_a_direct_permission_shows_at_once(rep):
    assert not fresh(rep).has_perm("leads.delete_lead")
    rep.user_permissions.add(Permission.objects.get(codename="delete_lead"))
    assert fresh(rep).has_perm("leads.delete_lead")


def test_a_role_given_a_wider_scope_shows_at_once(rep):
    assert policy.scope_for(fresh(rep)) == Scope.OWN
    role = Role.objects.get(slug=roles.SALES_REP)
    role.record_scope = Scope.TEAM
    role.save()
    assert policy.scope_for(fresh(rep)) == Scope.TEAM


def test_a_deactivated_user_holds_nothing(rep):
    assert fresh(rep).has_perm("leads.view_lead")
    rep.is_active = False
    rep.save()
    user = fresh(rep)
    assert not user.has_perm("leads.view_lead")
    assert policy.scope_for(user) is None


def test_signing_in_or_changing_a_theme_keeps_the_cached_grants(rep):
    fresh(rep).has_perm("leads.view_lead")
    rep.save(update_fields=["last_login"])
    rep.theme = "dark"
    rep.save(update_fields=["theme"])
    user = fresh(rep)
    with CaptureQueriesContext(connection) as queries:
        user.has_perm("leads.view_lead")
    assert len(queries) == 0


def test_grants_are_read_from_the_database_when_the_cache_is_away(rep, monkeypatch):
    class Away:  # what crm.cache.ResilientRedisCache answers while Redis is unreachable
        def get_many(self, keys):
            return {}

        def set(self, *args, **kwargs):
            return None

    monkeypatch.setattr(grants, "cache", Away())
    assert fresh(rep).has_perm("leads.view_lead")
    assert not fresh(rep).has_perm("leads.delete_lead")


def _role_with_fields(name, field_levels):
    group = Group.objects.create(name=name)
    return Role.objects.create(slug=name.lower(), name=name, group=group, field_levels=field_levels)


def test_several_roles_give_each_field_its_most_open_level(rep):
    hides = _role_with_fields(
        "Hides", {"deals.deal": {"amount": "hidden", "description": "hidden"}}
    )
    reads = _role_with_fields(
        "Reads", {"deals.deal": {"amount": "read_only", "description": "hidden"}}
    )
    rep.groups.set([hides.group, reads.group])
    access = policy.field_access(fresh(rep), "deals.deal")
    assert access.hidden == {"description"}  # hidden by every role held
    assert access.read_only == {"amount", "currency"}  # hidden + read-only: read-only
    assert grants.grants_for(fresh(rep)).fields == (
        ("deals.deal", "amount", "read_only"),
        ("deals.deal", "description", "hidden"),
    )


def test_a_role_that_does_not_name_a_field_leaves_it_editable(rep):
    hides = _role_with_fields("Hides", {"deals.deal": {"amount": "hidden"}})
    rep.groups.add(hides.group)  # with Sales rep, which names no field
    access = policy.field_access(fresh(rep), "deals.deal")
    assert not access.restricted
    assert access.writable("amount")
    rep.groups.set([hides.group])
    assert policy.field_access(fresh(rep), "deals.deal").hidden == {"amount", "currency"}


def test_field_levels_saved_on_a_role_show_at_once(rep, admin_user):
    from accounts import services

    assert policy.field_access(fresh(rep), "leads.lead").writable("rating")
    services.role_update(
        actor=admin_user,
        role=Role.objects.get(slug=roles.SALES_REP),
        name="Sales rep",
        description="",
        field_levels={"leads.lead": {"rating": "read_only"}},
    )
    access = policy.field_access(fresh(rep), "leads.lead")  # the cached grants went stale
    assert access.readable("rating")
    assert not access.writable("rating")

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

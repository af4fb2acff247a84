"""The visibility policy: scopes per role, shares, change and delete rights, 404s."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Permission
from django.db import connection
from django.http import Http404
from django.test.utils import CaptureQueriesContext

from accounts import policy, roles
from accounts.models import Scope
from contacts.models import Company
from deals.models import Deal, DealUserObjectPermission
from leads.models import Lead, LeadUserObjectPermission
from tests.accounts.factories import UserFactory
from tests.contacts.factories import CompanyFactory
from tests.deals.factories import DealFactory
from tests.leads.factories import LeadFactory

pytestmark = pytest.mark.django_db


def share(model, share_model, obj, user, action="view"):
    permission = Permission.objects.get(
        codename=f"{action}_{model._meta.model_name}", content_type__app_label=model._meta.app_label
    )
    share_model.objects.create(content_object=obj, user=user, permission=permission)


def test_scopes_of_the_standard_roles(admin_user, manager, rep, support, read_only):
    assert policy.scope_for(admin_user) == Scope.ALL
    assert policy.scope_for(manager) == Scope.TEAM
    assert policy.scope_for(rep) == Scope.OWN
    assert policy.scope_for(support) == Scope.ALL
    assert policy.scope_for(read_only) == Scope.ALL


def test_the_widest_of_several_roles_wins(north):
    user = UserFactory(team=north, role="sales_rep")
    from accounts.models import Role

    user.groups.add(Role.objects.get(slug="sales_manager").group)
    user = type(user).objects.get(pk=user.pk)
    assert policy.scope_for(user) == Scope.TEAM


def test_anonymous_and_inactive_see_nothing(rep):
    from django.contrib.auth.models import AnonymousUser

    LeadFactory(owner=rep)
    assert policy.scope_for(AnonymousUser()) is None
    assert not policy.visible(Lead.objects.all(), AnonymousUser()).exists()
    rep.is_active = False
    assert not policy.visible(Lead.objects.all(), rep).exists()


def test_rep_sees_own_manager_team_admin_all(rep, other_rep, manager, admin_user):
    mine = LeadFactory(owner=rep)
    theirs = LeadFactory(owner=other_rep)
    unowned = LeadFactory(owner=None)
    assert set(policy.visible(Lead.objects.all(), rep)) == {mine}
    assert set(policy.visible(Lead.objects.all(), manager)) == {mine}
    assert set(policy.visible(Lead.objects.all(), admin_user)) == {mine, theirs, unowned}


def test_team_follows_the_owner_not_the_creator(rep, other_rep, manager):
    lead = Lead(last_name="Moved")
    lead.assign_owner(other_rep)
    lead.save()
    assert lead.team_id == other_rep.team_id
    assert not policy.visible(Lead.objects.filter(pk=lead.pk), manager).exists()


def test_a_share_makes_a_record_visible_and_edit_shares_editable(rep, other_rep):
    lead = LeadFactory(owner=other_rep)
    assert not policy.can_view(rep, lead)
    share(Lead, LeadUserObjectPermission, lead, rep, "view")
    rep = type(rep).objects.get(pk=rep.pk)  # shares are cached per user object
    assert policy.can_view(rep, lead)
    assert list(policy.visible(Lead.objects.all(), rep)) == [lead]
    assert not policy.can_change(rep, lead)
    share(Lead, LeadUserObjectPermission, lead, rep, "change")
    rep = type(rep).objects.get(pk=rep.pk)
    assert policy.can_change(rep, lead)


def test_shares_are_per_model(rep, other_rep):
    deal = DealFactory(owner=other_rep)
    share(Deal, DealUserObjectPermission, deal, rep)
    rep = type(rep).objects.get(pk=rep.pk)
    assert policy.can_view(rep, deal)
    assert policy.shared_pks(rep, Lead) == []
    assert policy.shared_pks(rep, Company) == []  # companies have share tables, none granted


def test_change_needs_the_model_permission_too(read_only, rep):
    lead = LeadFactory(owner=rep)
    assert policy.can_view(read_only, lead)
    assert not policy.can_change(read_only, lead)
    assert policy.can_change(rep, lead)


def test_delete_rights(rep, manager, admin_user):
    lead = LeadFactory(owner=rep)
    assert not policy.can_delete(rep, lead)  # reps do not delete leads
    assert policy.can_delete(manager, lead)
    assert policy.can_delete(admin_user, lead)


def test_get_visible_or_404(rep, other_rep):
    company = CompanyFactory(owner=other_rep)
    with pytest.raises(Http404):
        policy.get_visible_or_404(Company.objects.all(), rep, pk=company.pk)
    assert policy.get_visible_or_404(Company.objects.all(), other_rep, pk=company.pk) == company


def test_assignable_users(rep, other_rep, manager, admin_user):
    assert list(policy.assignable_users(rep)) == [rep]
    assert set(policy.assignable_users(manager)) == {manager, rep}
    assert {rep, other_rep, manager, admin_user} <= set(policy.assignable_users(admin_user))


def test_visibility_costs_no_extra_queries_per_row(rep, django_assert_num_queries):
    LeadFactory.create_batch(5, owner=rep)
    rep = type(rep).objects.get(pk=rep.pk)
    with django_assert_num_queries(6):  # grants (permissions x2, scope, networks), shares, rows
        list(policy.visible(Lead.objects.all(), rep))
    with django_assert_num_queries(1):  # grants and shares kept on the user for the request
        list(policy.visible(Lead.objects.all(), rep))
    rep = type(rep).objects.get(pk=rep.pk)  # the next request
    with django_assert_num_queries(2):  # grants from the cache; shares, rows
        list(policy.visible(Lead.objects.all(), rep))


def test_changeable_and_deletable_narrow_a_queryset(rep, other_rep, manager, read_only):
    mine = LeadFactory(owner=rep)
    theirs = LeadFactory(owner=other_rep)
    everything = Lead.objects.all()
    assert set(policy.changeable(everything, rep)) == {mine}
    assert set(policy.changeable(everything, manager)) == {mine}
    assert not policy.changeable(everything, read_only).exists()
    assert not policy.deletable(everything, rep).exists()
    assert set(policy.deletable(everything, manager)) == {mine}
    share(Lead, LeadUserObjectPermission, theirs, rep, "change")
    rep = type(rep).objects.get(pk=rep.pk)
    assert set(policy.changeable(everything, rep)) == {mine, theirs}


def _pks(choices):
    return {int(pk) for pk, _ in choices}


def test_assignable_choices_match_assignable_users(rep, other_rep, manager, admin_user):
    for user in (rep, other_rep, manager, admin_user):
        assert _pks(policy.assignable_choices(user)) == {
            u.pk for u in policy.assignable_users(user)
        }


def test_assignable_choices_follow_changes_to_people(manager, rep, north):
    assert rep.pk in _pks(policy.assignable_choices(manager))
    rep.is_active = False
    rep.save()
    assert rep.pk not in _pks(policy.assignable_choices(manager))
    newcomer = UserFactory(team=north, full_name="Nia Newcomer", role=roles.SALES_REP)
    assert newcomer.pk in _pks(policy.assignable_choices(manager))
    newcomer.full_name = "Nia Renamed"
    newcomer.save()
    assert (str(newcomer.pk), "Nia Renamed") in policy.assignable_choices(manager)


def test_signing_in_keeps_the_cached_people(manager, rep):
    policy.assignable_choices(manager)
    rep.save(update_fields=["last_login"])
    with CaptureQueriesContext(connection) as queries:
        policy.assignable_choices(manager)
    assert len(queries) == 0

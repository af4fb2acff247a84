"""Visibility scope per record kind (Role.entity_scopes) and the matrix's extra rights:
bulk edit and export, enforced by the lists."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Permission

from accounts import policy, rbac, roles
from accounts.models import Role, Scope, User
from deals.models import Deal
from leads.models import Lead
from tests.accounts.factories import UserFactory
from tests.deals.factories import DealFactory
from tests.leads.factories import LeadFactory

pytestmark = pytest.mark.django_db


def fresh(user):
    return User.objects.get(pk=user.pk)


def set_scopes(slug, **scopes):
    role = Role.objects.get(slug=slug)
    role.entity_scopes = scopes
    role.save()
    return role


def test_a_role_can_see_one_kind_of_record_further_than_the_others(rep, other_rep, north):
    teammate = UserFactory(team=north, role=roles.SALES_REP)
    set_scopes(roles.SALES_REP, **{"leads.lead": Scope.TEAM})
    team_lead, far_lead = LeadFactory(owner=teammate), LeadFactory(owner=other_rep)
    team_deal = DealFactory(owner=teammate)
    user = fresh(rep)
    assert policy.scope_for(user, Lead) == Scope.TEAM
    assert policy.scope_for(user, "deals.deal") == Scope.OWN
    assert policy.scope_for(user) == Scope.OWN  # the default for kinds no scope names
    assert set(policy.visible(Lead.objects.all(), user)) == {team_lead}
    assert not policy.visible(Deal.objects.all(), user).exists()
    assert policy.can_view(user, team_lead)
    assert not policy.can_view(user, far_lead)
    assert not policy.can_view(user, team_deal)
    assert set(policy.changeable(Lead.objects.all(), user)) == {team_lead}


def test_a_narrower_scope_on_one_kind_narrows_only_that_kind(support, rep):
    set_scopes(roles.SUPPORT_AGENT, **{"deals.deal": Scope.OWN})
    lead, deal = LeadFactory(owner=rep), DealFactory(owner=rep)
    user = fresh(support)
    assert policy.can_view(user, lead)
    assert not policy.can_view(user, deal)
    assert not policy.visible(Deal.objects.all(), user).exists()


def test_several_roles_give_the_widest_scope_per_kind(rep, north):
    set_scopes(roles.SALES_REP, **{"leads.lead": Scope.ALL})
    custom_group = Role.objects.get(slug=roles.SALES_MANAGER)
    custom_group.entity_scopes = {"leads.lead": Scope.OWN, "deals.deal": Scope.ALL}
    custom_group.save()
    rep.groups.add(custom_group.group)
    user = fresh(rep)
    assert policy.scope_for(user, Lead) == Scope.ALL  # the rep role's
    assert policy.scope_for(user, Deal) == Scope.ALL  # the manager role's
    assert policy.scope_for(user, "activities.task") == Scope.TEAM  # the manager's default


def test_whom_one_may_assign_follows_the_scope_of_that_kind(rep, north):
    teammate = UserFactory(team=north, role=roles.SALES_REP)
    set_scopes(roles.SALES_REP, **{"leads.lead": Scope.TEAM})
    user = fresh(rep)
    assert set(policy.assignable_users(user, Lead)) == {rep, teammate}
    assert set(policy.assignable_users(user, Deal)) == {rep}
    assert {pk for pk, _ in policy.assignable_choices(user, "leads.lead")} == {
        str(rep.pk),
        str(teammate.pk),
    }


def test_a_scope_change_shows_on_the_next_request(rep, other_rep):
    lead = LeadFactory(owner=other_rep)
    assert not policy.can_view(fresh(rep), lead)
    set_scopes(roles.SALES_REP, **{"leads.lead": Scope.ALL})
    assert policy.can_view(fresh(rep), lead)


def test_explain_names_the_scope_of_the_record_kind(rep, other_rep):
    set_scopes(roles.SALES_REP, **{"deals.deal": Scope.ALL})
    deal, lead = DealFactory(owner=other_rep), LeadFactory(owner=other_rep)
    assert "The role Sales rep sees all deals." in policy.explain(fresh(rep), deal).reasons
    reasons = policy.explain(fresh(rep), lead).reasons
    assert any("see only their own leads" in reason for reason in reasons)


def test_entity_scopes_are_validated():
    from django.core.exceptions import ValidationError

    role = Role.objects.get(slug=roles.SALES_REP)
    role.entity_scopes = {"leads.lead": "everything"}
    with pytest.raises(ValidationError):
        role.full_clean()


def test_every_entity_has_every_action_of_the_matrix():
    labels = [entity.label for entity in rbac.entities()]
    assert labels == [
        "leads.lead",
        "deals.deal",
        "contacts.company",
        "contacts.contact",
        "activities.activity",
        "activities.task",
    ]
    for entity in rbac.entities():
        for action, _ in entity.actions():
            app_label, codename = entity.permission(action).split(".")
            assert Permission.objects.filter(
                content_type__app_label=app_label, codename=codename
            ).exists(), entity.permission(action)
    for capability in rbac.capabilities():
        for permission in capability.permissions:
            app_label, codename = permission.split(".")
            assert Permission.objects.filter(
                content_type__app_label=app_label, codename=codename
            ).exists(), permission


def test_standard_roles_keep_bulk_edit_where_they_may_edit(rep, manager, support, read_only):
    assert rep.has_perm("leads.bulk_edit_lead")
    assert manager.has_perm("deals.bulk_edit_deal")
    assert manager.has_perm("leads.import_lead")
    assert not rep.has_perm("leads.import_lead")
    assert support.has_perm("contacts.bulk_edit_contact")
    assert not support.has_perm("leads.bulk_edit_lead")
    assert not read_only.has_perm("contacts.bulk_edit_company")
    assert rep.has_perm("activities.export_task")
    assert not read_only.has_perm("activities.export_task")


def _take(slug, codename):
    Role.objects.get(slug=slug).group.permissions.remove(Permission.objects.get(codename=codename))


def test_bulk_actions_need_the_bulk_edit_right(client_for, rep):
    leads = [LeadFactory(owner=rep, status="new") for _ in range(2)]
    client = client_for(rep)
    assert client.get("/leads/").context["bulk_actions"]
    _take(roles.SALES_REP, "bulk_edit_lead")
    assert client.get("/leads/").context["bulk_actions"] == []
    response = client.post(
        "/leads/",
        {
            "action": "bulk",
            "bulk_action": "status",
            "value": "contacted",
            "ids": [lead.pk for lead in leads],
        },
    )
    assert response.status_code == 403
    assert set(Lead.objects.values_list("status", flat=True)) == {"new"}


def test_task_export_needs_the_export_right(client_for, rep):
    client = client_for(rep)
    assert client.get("/tasks/", {"export": "csv"}).status_code == 200
    _take(roles.SALES_REP, "export_task")
    assert client.get("/tasks/", {"export": "csv"}).status_code == 403

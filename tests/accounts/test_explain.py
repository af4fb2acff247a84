"""'Who can see this?': the policy's answers with their reasons, and the admin's page."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse

from accounts import policy
from leads.models import Lead, LeadUserObjectPermission
from tests.leads.factories import LeadFactory

pytestmark = pytest.mark.django_db
URL = reverse("accounts:access-explain")


def fresh(user):
    return type(user).objects.get(pk=user.pk)


def test_the_owner_sees_and_changes_but_a_rep_does_not_delete(rep):
    lead = LeadFactory(owner=rep)
    answer = policy.explain(fresh(rep), lead)
    assert (answer.can_view, answer.can_change, answer.can_delete) == (True, True, False)
    assert any("owns this lead" in reason for reason in answer.reasons)
    assert any("may not delete" in reason for reason in answer.reasons)


def test_a_manager_sees_the_teams_records_through_the_role(manager, rep, other_rep):
    mine = policy.explain(fresh(manager), LeadFactory(owner=rep))
    assert mine.can_view
    assert any("team" in reason and "North America" in reason for reason in mine.reasons)
    theirs = policy.explain(fresh(manager), LeadFactory(owner=other_rep))
    assert not theirs.can_view
    assert any("another team's" in reason for reason in theirs.reasons)


def test_another_rep_sees_only_what_is_shared(rep, other_rep):
    lead = LeadFactory(owner=rep)
    answer = policy.explain(fresh(other_rep), lead)
    assert not answer.can_view
    assert any("someone else's" in reason for reason in answer.reasons)
    permission = Permission.objects.get(codename="view_lead", content_type__app_label="leads")
    LeadUserObjectPermission.objects.create(
        content_object=lead, user=other_rep, permission=permission
    )
    shared = policy.explain(fresh(other_rep), lead)
    assert shared.can_view
    assert not shared.can_change
    assert f"It is shared with {other_rep} to view." in shared.reasons


def test_an_admin_sees_everything_and_a_deactivated_user_nothing(admin_user, rep):
    lead = LeadFactory(owner=rep)
    assert policy.explain(fresh(admin_user), lead).can_delete
    rep.is_active = False
    rep.save()
    gone = policy.explain(fresh(rep), lead)
    assert not gone.can_view
    assert gone.reasons == [f"{rep} is deactivated: no access at all."]


def test_admins_ask_on_the_record_page_and_get_the_answer(client_for, admin_user, rep):
    lead = LeadFactory(owner=rep)
    client = client_for(admin_user)
    page = client.get(lead.get_absolute_url()).content.decode()
    assert "Who can see this?" in page
    answer = client.get(
        URL, {"record": "lead", "id": lead.pk, "user": rep.pk}, HTTP_HX_REQUEST="true"
    )
    assert answer.status_code == 200
    text = answer.content.decode()
    assert "View: yes" in text
    assert "Delete: no" in text
    assert "owns this lead" in text
    full = client.get(URL, {"record": "lead", "id": lead.pk, "user": rep.pk})
    assert "<html" in full.content.decode()


def test_only_admins_may_ask_and_bad_questions_are_refused(client_for, admin_user, manager, rep):
    lead = LeadFactory(owner=rep)
    query = {"record": "lead", "id": lead.pk, "user": rep.pk}
    assert client_for(manager).get(URL, query).status_code == 403
    assert client_for(rep).get(URL, query).status_code == 403
    assert (
        'class="card access-panel"'
        not in client_for(rep).get(lead.get_absolute_url()).content.decode()
    )
    admin = client_for(admin_user)
    assert admin.get(URL, {**query, "record": "task"}).status_code == 400
    assert admin.get(URL, {**query, "user": "x"}).status_code == 400
    assert admin.get(URL, {**query, "user": 999999}).status_code == 400
    assert admin.get(URL, {**query, "id": 999999}).status_code == 404
    assert Lead.objects.count() == 1


def test_the_explanation_names_the_fields_the_roles_hide_or_freeze(rep, admin_user):
    from accounts.models import Role
    from tests.deals.factories import DealFactory

    rep_role = Role.objects.get(slug="sales_rep")
    rep_role.field_levels = {"deals.deal": {"amount": "hidden", "description": "read_only"}}
    rep_role.save()
    deal = DealFactory(owner=rep)
    explanation = policy.explain(type(rep).objects.get(pk=rep.pk), deal)
    assert explanation.hidden_fields == ("Amount",)
    assert explanation.read_only_fields == ("Notes",)
    assert "Their roles hide these fields from them: Amount." in explanation.reasons
    assert "They may read but not change: Notes." in explanation.reasons
    assert policy.explain(admin_user, deal).hidden_fields == ()

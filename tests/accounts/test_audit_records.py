"""Record create, update and delete in the audit log, and the History section of records."""

from __future__ import annotations

import pytest
from django.urls import reverse

from accounts import audit
from accounts.models import AuditEntry
from leads import services
from leads.models import Lead
from tests.activities.factories import TaskFactory
from tests.contacts.factories import CompanyFactory, CustomFieldFactory
from tests.deals.factories import DealFactory
from tests.leads.factories import LeadFactory

pytestmark = pytest.mark.django_db


def rows_for(obj, action=None):
    found = AuditEntry.objects.filter(object_type=obj._meta.label_lower, object_id=str(obj.pk))
    return list(found.filter(action=action) if action else found.order_by("id"))


def test_a_lead_created_in_the_app_is_audited_with_who_where_and_what(client_for, rep):
    response = client_for(rep).post(
        reverse("leads:lead-create"),
        {
            "first_name": "Jane",
            "last_name": "Doe",
            "status": "new",
            "source": "referral",
            "rating": "warm",
            "owner": rep.pk,
        },
        HTTP_USER_AGENT="Mozilla/5.0 (test)",
    )
    assert response.status_code == 302
    lead = Lead.objects.get()
    (created,) = rows_for(lead, "record.created")
    assert created.actor_id == rep.pk
    assert created.ip == "127.0.0.1"
    assert created.user_agent == "Mozilla/5.0 (test)"
    assert created.object_label == "Jane Doe"
    assert created.changes["last_name"] == [None, "Doe"]
    assert created.changes["owner"] == [None, rep.pk]
    assert "updated_at" not in created.changes
    assert audit.verify().ok


def test_an_update_records_exactly_the_fields_that_changed(rep):
    lead = LeadFactory(owner=rep, last_name="Doe", company_name="Acme", email="a@acme.test")
    services.lead_update(actor=rep, lead=Lead.objects.get(pk=lead.pk), company_name="Acme Ltd")
    (updated,) = rows_for(lead, "record.updated")
    assert updated.changes == {"company_name": ["Acme", "Acme Ltd"]}
    services.lead_update(actor=rep, lead=Lead.objects.get(pk=lead.pk), company_name="Acme Ltd")
    assert len(rows_for(lead, "record.updated")) == 1  # nothing changed: no row


def test_status_and_owner_changes_are_audited_too(rep, manager):
    lead = LeadFactory(owner=rep, status="new")
    services.lead_update(actor=manager, lead=Lead.objects.get(pk=lead.pk), status="qualified")
    changes = [row.changes for row in rows_for(lead, "record.updated")]
    assert {"status": ["new", "qualified"]} in changes


def test_custom_fields_are_audited_key_by_key(rep):
    CustomFieldFactory(entity="lead", key="budget", label="Budget")
    lead = LeadFactory(owner=rep, custom={"budget": "10"})
    lead = Lead.objects.get(pk=lead.pk)
    lead.custom = {"budget": "20"}
    lead.save()
    (updated,) = rows_for(lead, "record.updated")
    assert updated.changes == {"custom.budget": ["10", "20"]}


def test_a_deleted_record_keeps_its_last_values_in_the_log(rep):
    company = CompanyFactory(owner=rep, name="Globex")
    pk = company.pk
    company.delete()
    row = AuditEntry.objects.get(action="record.deleted", object_id=str(pk))
    assert row.object_label == "Globex"
    assert row.changes["name"] == ["Globex", None]


def test_deals_and_contacts_are_audited_but_not_tasks(rep):
    deal = DealFactory(owner=rep)
    task = TaskFactory(owner=rep)
    assert rows_for(deal, "record.created")
    assert not rows_for(task)


def test_the_history_section_shows_changes_to_admins_only(client_for, admin_user, rep):
    lead = LeadFactory(owner=rep, company_name="Acme")
    services.lead_update(actor=rep, lead=Lead.objects.get(pk=lead.pk), company_name="Initech")
    page = client_for(admin_user).get(lead.get_absolute_url()).content.decode()
    assert "History" in page
    assert "Initech" in page
    assert '<th scope="row">Company</th>' in page  # the field as the forms name it
    rep_page = client_for(rep).get(lead.get_absolute_url()).content.decode()
    assert 'class="card history-panel"' not in rep_page


def test_bulk_actions_leave_one_row_naming_every_record(rep, manager):
    leads = [LeadFactory(owner=rep, status="new") for _ in range(3)]
    selection = Lead.objects.filter(pk__in=[lead.pk for lead in leads])
    assert services.lead_bulk_set_status(actor=rep, leads=selection, status="contacted") == 3
    row = AuditEntry.objects.get(action="records.bulk_updated")
    assert row.changes["status"] == "contacted"
    assert sorted(row.changes["ids"]) == sorted(lead.pk for lead in leads)
    assert row.object_label == "3 leads"
    assert services.lead_bulk_delete(actor=manager, leads=selection) == 3
    deleted = AuditEntry.objects.get(action="records.bulk_deleted")
    assert deleted.changes["count"] == 3
    assert deleted.actor_id == manager.pk
    assert audit.verify().ok


def test_the_history_names_the_people_and_records_a_change_points_to(
    client_for, admin_user, rep, manager
):
    lead = LeadFactory(owner=rep)
    current = Lead.objects.get(pk=lead.pk)
    current.owner = manager
    current.save()
    page = client_for(admin_user).get(lead.get_absolute_url()).content.decode()
    assert f"<td>{rep}</td><td>{manager}</td>" in page

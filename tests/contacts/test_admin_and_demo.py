"""The Django admin pages of contacts models load (big-table settings), the demo seeder is
deterministic and idempotent, and the app wiring (events, navigation) is in place."""

from __future__ import annotations

import pytest
from django.contrib import admin
from django.urls import reverse

from contacts import demo
from contacts.models import (
    Address,
    Company,
    Contact,
    CustomField,
    EmailAddress,
    PhoneNumber,
    Tag,
)
from crm import events
from crm.models import Event
from tests.contacts.factories import CompanyFactory, ContactFactory, EmailAddressFactory

pytestmark = pytest.mark.django_db

MODELS = [Company, Contact, EmailAddress, PhoneNumber, Address, Tag, CustomField]


@pytest.mark.parametrize("model", MODELS, ids=lambda m: m.__name__)
def test_admin_changelists_and_forms_load(client_for, admin_user, rep, model):
    company = CompanyFactory(owner=rep)
    contact = ContactFactory(owner=rep, company=company)
    EmailAddressFactory(contact=contact)
    assert model in admin.site._registry
    opts = model._meta
    client = client_for(admin_user)
    changelist = reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist")
    assert client.get(changelist).status_code == 200
    assert client.get(changelist + "?q=a").status_code == 200
    assert client.get(reverse(f"admin:{opts.app_label}_{opts.model_name}_add")).status_code == 200


def test_admin_save_mirrors_the_primary_email(client_for, admin_user, rep):
    company = CompanyFactory(owner=rep, name="Acme")
    url = reverse("admin:contacts_company_change", args=[company.pk])
    data = {
        "name": "Acme",
        "domain": "",
        "website": "",
        "industry": "",
        "size": "",
        "owner": rep.pk,
        "team": rep.team_id,
        "created_by": "",
        "description": "",
        "custom": "{}",
        "emails-TOTAL_FORMS": "1",
        "emails-INITIAL_FORMS": "0",
        "emails-0-email": "hello@acme.example",
        "emails-0-label": "",
        "emails-0-is_primary": "on",
        "phones-TOTAL_FORMS": "0",
        "phones-INITIAL_FORMS": "0",
        "addresses-TOTAL_FORMS": "0",
        "addresses-INITIAL_FORMS": "0",
    }
    response = client_for(admin_user).post(url, data)
    assert response.status_code == 302, response.content.decode()[:2000]
    company.refresh_from_db()
    assert company.email == "hello@acme.example"


def test_event_labels_and_navigation():
    assert events.label_for("company.created") == "Company created"
    assert events.label_for("contact.assigned") == "Contact assigned"


def test_demo_seeder_is_deterministic_and_idempotent(django_user_model):
    from accounts.demo import seed_people

    seed_people()
    lines = demo.seed_companies_and_contacts()
    assert "companies" in lines[0]
    companies, contacts = Company.objects.count(), Contact.objects.count()
    assert 140 <= companies <= 160
    assert 300 <= contacts <= 450
    events_before = Event.objects.count()
    snapshot = sorted(Company.objects.values_list("domain", "owner__email", "phone"))
    demo.seed_companies_and_contacts()
    assert (Company.objects.count(), Contact.objects.count()) == (companies, contacts)
    assert Event.objects.count() == events_before  # a second run adds nothing
    assert sorted(Company.objects.values_list("domain", "owner__email", "phone")) == snapshot

    # Believable data: E.164 phones, derived domains, owners spread over the demo people.
    assert not Contact.objects.exclude(phone="").exclude(phone__startswith="+").exists()
    owners = set(Company.objects.values_list("owner__email", flat=True))
    assert owners == {"rep@keel.test", "rep2@keel.test", "manager@keel.test"}
    assert Company.objects.filter(custom__has_key="annual_revenue").count() == companies
    assert Contact.objects.filter(custom__has_key="linkedin").count() > contacts // 3
    assert CustomField.objects.filter(key__in=["annual_revenue", "linkedin"]).count() == 2
    assert Contact.objects.filter(company__isnull=False).count() == contacts
    assert EmailAddress.objects.filter(contact__isnull=False).count() == contacts
    assert Tag.objects.filter(name="Key account").exists()

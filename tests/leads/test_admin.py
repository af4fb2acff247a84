"""Leads and web forms in the Django admin: lists with filters and search, change pages."""

import pytest
from django.urls import reverse

from tests.leads.factories import LeadFactory, WebFormFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff_client(client, admin_user):
    client.force_login(admin_user)
    return client


def test_lead_admin(staff_client, rep):
    lead = LeadFactory(owner=rep, first_name="Jane", last_name="Doe")
    changelist = staff_client.get(reverse("admin:leads_lead_changelist"))
    assert changelist.status_code == 200
    assert b"Jane Doe" in changelist.content
    found = staff_client.get(reverse("admin:leads_lead_changelist"), {"q": "doe", "status": "new"})
    assert b"Jane Doe" in found.content
    assert staff_client.get(reverse("admin:leads_lead_change", args=[lead.pk])).status_code == 200
    assert staff_client.get(reverse("admin:leads_lead_add")).status_code == 200


def test_webform_admin(staff_client, rep):
    form = WebFormFactory(name="Contact us", owner=rep)
    changelist = staff_client.get(reverse("admin:leads_webform_changelist"))
    assert changelist.status_code == 200
    assert b"Contact us" in changelist.content
    page = staff_client.get(reverse("admin:leads_webform_change", args=[form.pk]))
    assert page.status_code == 200
    assert form.token.encode() in page.content

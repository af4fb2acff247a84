"""The "Deals" panel on company and contact pages: visible deals only, a prefilled link."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.template.loader import render_to_string
from django.urls import reverse

from crm import records
from tests.contacts.factories import CompanyFactory, ContactFactory
from tests.deals.factories import DealFactory

pytestmark = pytest.mark.django_db


def panel(record, user):
    found = [p for p in records.panels_for(record, user=user)["side"] if p.key == "deals"]
    return found[0] if found else None


def test_company_panel_lists_visible_deals_and_offers_a_new_one(rep, other_rep, read_only):
    company = CompanyFactory(owner=rep, name="Acme")
    DealFactory(owner=rep, company=company, name="Mine", amount=Decimal("100"))
    DealFactory(owner=rep, company=company, name="Mine EUR", amount=Decimal("7"), currency="EUR")
    DealFactory(owner=other_rep, company=company, name="Theirs")
    data = panel(company, rep).data
    assert {d.name for d in data["deals"]} == {"Mine", "Mine EUR"}
    assert data["total"] == 2
    assert data["open_value"] == [("USD", Decimal("100.00")), ("EUR", Decimal("7.00"))]
    assert data["new_url"] == f"{reverse('deals:deal-create')}?company={company.pk}"
    html = render_to_string(panel(company, rep).template, {"panel": panel(company, rep)})
    assert "Mine" in html
    assert "Theirs" not in html
    assert "$100" in html
    assert panel(company, read_only).data["new_url"] == ""  # sees them, may not add


def test_contact_panel_and_a_long_list(rep):
    contact = ContactFactory(owner=rep)
    for i in range(10):
        DealFactory(owner=rep, name=f"D{i}").contacts.add(contact)
    data = panel(contact, rep).data
    assert len(data["deals"]) == 8
    assert (data["total"], data["more"]) == (10, 2)
    assert data["new_url"].endswith(f"?contact={contact.pk}")


def test_no_panel_without_the_view_permission(rep):
    from accounts.models import User

    nobody = User.objects.create_user(email="nobody@example.test", full_name="No Body")
    assert panel(CompanyFactory(owner=rep), nobody) is None


def test_the_company_page_shows_the_panel(client_for, rep):
    company = CompanyFactory(owner=rep, name="Acme")
    DealFactory(owner=rep, company=company, name="Acme pilot")
    response = client_for(rep).get(company.get_absolute_url())
    assert response.status_code == 200
    assert "Acme pilot" in response.content.decode()

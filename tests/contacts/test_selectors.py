"""contacts.selectors: visibility (404), related lists, the company picker."""

from __future__ import annotations

import pytest
from django.http import Http404

from contacts import selectors
from tests.contacts.factories import CompanyFactory, ContactFactory

pytestmark = pytest.mark.django_db


def test_get_for_user_answers_404_outside_scope(rep, other_rep, manager, admin_user):
    company = CompanyFactory(owner=rep)
    contact = ContactFactory(owner=rep)
    for user in (rep, manager, admin_user):
        assert selectors.company_get_for_user(user=user, pk=company.pk) == company
        assert selectors.contact_get_for_user(user=user, pk=contact.pk) == contact
    with pytest.raises(Http404):
        selectors.company_get_for_user(user=other_rep, pk=company.pk)
    with pytest.raises(Http404):
        selectors.contact_get_for_user(user=other_rep, pk=contact.pk)


def test_company_contacts_pages_and_visibility(rep, other_rep, django_assert_max_num_queries):
    company = CompanyFactory(owner=rep)
    mine = [ContactFactory(owner=rep, company=company, last_name=f"M{i:02d}") for i in range(30)]
    ContactFactory(owner=other_rep, company=company)
    with django_assert_max_num_queries(7):  # grants (4, cached), shares, page, count
        first = selectors.company_contacts(user=rep, company=company)
        names = [c.owner.email for c in first.rows]  # owners joined, no query per row
    assert len(names) == selectors.RELATED_PAGE
    assert first.total == 30
    assert first.has_more
    rest = selectors.company_contacts(user=rep, company=company, offset=first.next_offset)
    assert rest.rows == mine[25:]
    assert not rest.has_more


def test_colleagues(rep, other_rep):
    company = CompanyFactory(owner=rep)
    me = ContactFactory(owner=rep, company=company)
    colleague = ContactFactory(owner=rep, company=company)
    ContactFactory(owner=other_rep, company=company)
    assert selectors.contact_colleagues(user=rep, contact=me) == [colleague]
    assert selectors.contact_colleagues(user=rep, contact=ContactFactory(owner=rep)) == []


def test_company_search_prefers_names_that_start_with_the_query(rep, other_rep):
    later = CompanyFactory(owner=rep, name="Zeta Acme", domain="zeta.example")
    first = CompanyFactory(owner=rep, name="Acme Rockets", domain="acme.example")
    CompanyFactory(owner=other_rep, name="Acme Hidden")
    assert selectors.company_search(user=rep, query="acme") == [first, later]
    assert selectors.company_search(user=rep, query="  ") == []
    assert selectors.company_by_name(user=rep, name="ACME rockets") == [first]
    assert selectors.company_visible(user=rep, pk=str(first.pk)) == first
    assert selectors.company_visible(user=rep, pk="x") is None

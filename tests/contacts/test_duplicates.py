"""contacts.duplicates: each reason, visibility, the cap, normalised names, query counts."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from contacts import duplicates
from tests.contacts.factories import (
    CompanyFactory,
    ContactFactory,
    EmailAddressFactory,
    PhoneNumberFactory,
)

pytestmark = pytest.mark.django_db


def reasons(found):
    return {c.record.pk: c.reasons for c in found}


def test_company_same_domain_email_and_phone(rep):
    by_domain = CompanyFactory(owner=rep, name="Alpha", domain="alpha.example")
    by_email = CompanyFactory(owner=rep, name="Beta", domain="")
    EmailAddressFactory(company=by_email, email="Sales@Beta.example", is_primary=False)
    by_phone = CompanyFactory(owner=rep, name="Gamma", domain="", phone="+14155550123")
    by_phone_row = CompanyFactory(owner=rep, name="Delta", domain="")
    PhoneNumberFactory(company=by_phone_row, number="+14155550124")

    found = duplicates.company_candidates(user=rep, domain="https://www.Alpha.example/x")
    assert reasons(found) == {by_domain.pk: ["same domain"]}
    found = duplicates.company_candidates(user=rep, email="sales@BETA.example")
    assert reasons(found) == {by_email.pk: ["same email"]}
    found = duplicates.company_candidates(user=rep, phone="(415) 555-0123")
    assert reasons(found) == {by_phone.pk: ["same phone"]}
    found = duplicates.company_candidates(user=rep, phone="+1 415 555 0124")
    assert reasons(found) == {by_phone_row.pk: ["same phone"]}


def test_company_domain_from_a_work_email_but_not_free_mail(rep):
    company = CompanyFactory(owner=rep, name="Omega", domain="omega.example")
    assert reasons(duplicates.company_candidates(user=rep, email="joe@omega.example")) == {
        company.pk: ["same domain"]
    }
    CompanyFactory(owner=rep, name="Mail", domain="gmail.com")
    assert duplicates.company_candidates(user=rep, email="joe@gmail.com") == []


@pytest.mark.parametrize(
    ("existing", "typed", "match"),
    [
        ("ACME, Inc.", "Acme", True),
        ("Acme GmbH", "acme ltd", True),
        ("Acme Labs", "Acme", True),  # one is the other plus words
        ("Harbor Learning plc", "Harbor Learn", True),  # typed part of the name
        ("Globex", "Globbex", True),  # one typo in a longer name
        ("Acme", "Apex", False),
        ("Initech", "Initrode", False),
    ],
)
def test_company_close_names(rep, existing, typed, match):
    company = CompanyFactory(owner=rep, name=existing, domain="")
    found = duplicates.company_candidates(user=rep, name=typed)
    assert (reasons(found) == {company.pk: ["similar name"]}) is match


def test_name_key():
    assert duplicates.name_key("  ACME, Inc. ") == "acme"
    assert duplicates.name_key("The Acme Group Ltd.") == "the acme"
    assert duplicates.name_key("Müller & Söhne GmbH") == "müller söhne"
    assert duplicates.name_key("Inc") == "inc"  # nothing but a suffix: keep it


def test_several_reasons_rank_first(rep):
    weak = CompanyFactory(owner=rep, name="Acme", domain="other.example")
    strong = CompanyFactory(owner=rep, name="Acme Labs", domain="acme.example")
    found = duplicates.company_candidates(user=rep, name="Acme", domain="acme.example")
    assert [c.record for c in found] == [strong, weak]
    assert found[0].reasons == ["same domain", "similar name"]
    assert found[0].reason_text == "same domain, similar name"


def test_only_visible_records_and_the_cap(rep, other_rep, manager):
    mine = [CompanyFactory(owner=rep, name=f"Acme {i}", domain="acme.example") for i in range(7)]
    CompanyFactory(owner=other_rep, name="Acme Secret", domain="acme.example")
    found = duplicates.company_candidates(user=rep, domain="acme.example")
    assert len(found) == duplicates.LIMIT
    assert {c.record.pk for c in found} <= {c.pk for c in mine}
    assert duplicates.company_candidates(user=other_rep, name="Acme 1") == [
        c
        for c in duplicates.company_candidates(user=other_rep, name="Acme 1")
        if c.record.owner == other_rep
    ]
    hidden = ContactFactory(owner=other_rep, email="x@y.example")
    assert duplicates.contact_candidates(user=rep, email="x@y.example") == []
    assert duplicates.contact_candidates(user=other_rep, email="X@Y.example")[0].record == hidden


def test_exclude_pk(rep):
    company = CompanyFactory(owner=rep, domain="acme.example")
    assert (
        duplicates.company_candidates(user=rep, domain="acme.example", exclude_pk=company.pk) == []
    )


def test_contact_reasons(rep):
    by_email = ContactFactory(owner=rep, first_name="Ann", last_name="One", email="Ann@One.example")
    by_row = ContactFactory(owner=rep, first_name="Bo", last_name="Two", email="")
    EmailAddressFactory(contact=by_row, email="bo@two.example", is_primary=False)
    by_phone = ContactFactory(owner=rep, first_name="Cy", last_name="Three", phone="+442079460958")
    by_name = ContactFactory(owner=rep, first_name="Jane", last_name="Doe", email="")
    assert reasons(duplicates.contact_candidates(user=rep, email="ann@one.EXAMPLE")) == {
        by_email.pk: ["same email"]
    }
    assert reasons(duplicates.contact_candidates(user=rep, email="BO@two.example")) == {
        by_row.pk: ["same email"]
    }
    assert reasons(duplicates.contact_candidates(user=rep, phone="+44 20 7946 0958")) == {
        by_phone.pk: ["same phone"]
    }
    for first in ("jane", "J.", ""):
        assert reasons(
            duplicates.contact_candidates(user=rep, first_name=first, last_name="doe")
        ) == {by_name.pk: ["same name"]}, first
    assert duplicates.contact_candidates(user=rep, first_name="John", last_name="Doe") == []


def test_bad_input_matches_nothing(rep):
    ContactFactory(owner=rep, phone="+14155550100")
    assert duplicates.contact_candidates(user=rep, phone="call me", email="not-an-email") == []
    assert duplicates.company_candidates(user=rep, domain="not a domain", name="x") == []


def test_no_permission_no_candidates(rep, django_user_model):
    nobody = django_user_model.objects.create_user(email="nobody@example.test", password="x")
    CompanyFactory(owner=nobody, domain="acme.example")
    assert duplicates.company_candidates(user=nobody, domain="acme.example") == []


def test_a_check_costs_a_fixed_number_of_queries(rep):
    for i in range(30):
        CompanyFactory(owner=rep, name=f"Acme {i}", domain="acme.example")
        ContactFactory(owner=rep, last_name="Doe", email=f"d{i}@acme.example")
    duplicates.company_candidates(user=rep, name="x")  # warm the permission cache
    with CaptureQueriesContext(connection) as context:
        duplicates.company_candidates(
            user=rep,
            name="Acme",
            domain="acme.example",
            email="a@acme.example",
            phone="+14155550100",
        )
        duplicates.contact_candidates(
            user=rep, first_name="J", last_name="Doe", email="d1@acme.example", phone="+14155550100"
        )
    assert len(context) <= 12

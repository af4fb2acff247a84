"""contacts.services: companies, contacts, their emails/phones/addresses, tags, bulk."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext

from contacts import services
from contacts.models import Address, Company, Contact, CustomField, EmailAddress, PhoneNumber, Tag
from contacts.services import AddressInput, EmailInput, PhoneInput
from tests.contacts.factories import (
    CompanyFactory,
    ContactFactory,
    CustomFieldFactory,
    TagFactory,
)

pytestmark = pytest.mark.django_db


# ---------------------------------------------------------------- create


def test_company_create_defaults_owner_and_mirrors_primary_contact_points(rep, events):
    company = services.company_create(
        actor=rep,
        name="  Acme Rockets ",
        website="https://www.Acme-Rockets.com/about",
        email="Sales@ACME-rockets.com",
        phone="(415) 555-0100",
        tags=["Key account", "key ACCOUNT"],
    )
    assert company.owner == rep
    assert company.team == rep.team
    assert company.created_by == rep
    assert company.name == "Acme Rockets"
    assert company.domain == "acme-rockets.com"
    assert company.email == "Sales@acme-rockets.com"
    assert company.phone == "+14155550100"
    assert list(company.emails.values_list("email", "is_primary")) == [
        ("Sales@acme-rockets.com", True)
    ]
    assert list(company.phones.values_list("number", "is_primary")) == [("+14155550100", True)]
    assert [t.name for t in company.tags.all()] == ["Key account"]
    assert events("company.created") == [{"company_id": company.pk, "owner_id": rep.pk}]
    assert "acme rockets" in company.search_text


@pytest.mark.parametrize(
    ("domain", "website", "email", "expected"),
    [
        ("WWW.Example.COM", "", "", "example.com"),
        ("", "http://www.shop.example.org:8080/x?y", "", "shop.example.org"),
        ("", "", "jane@Globex.io", "globex.io"),
        ("", "", "jane@gmail.com", ""),
        ("", "", "", ""),
    ],
)
def test_company_domain_is_normalised_or_derived(rep, domain, website, email, expected):
    company = services.company_create(
        actor=rep, name="X", domain=domain, website=website, email=email
    )
    assert company.domain == expected


def test_company_create_refuses_bad_input_and_writes_nothing(rep, events):
    with pytest.raises(ValidationError) as error:
        services.company_create(
            actor=rep,
            name="",
            website="not a site",
            domain="nope",
            phone="12",
            email="bad@",
            industry="mining",
        )
    assert set(error.value.message_dict) >= {"name", "website", "domain", "industry"}
    with pytest.raises(ValidationError) as error:
        services.company_create(actor=rep, name="Acme", phone="12")
    assert "phones" in error.value.message_dict
    assert Company.objects.count() == 0
    assert events("company.created") == []


def test_create_needs_permission_and_assignable_owner(rep, other_rep, read_only, manager):
    with pytest.raises(PermissionDenied):
        services.company_create(actor=read_only, name="Acme")
    with pytest.raises(ValidationError, match="may not assign"):
        services.company_create(actor=rep, name="Acme", owner=other_rep)
    company = services.company_create(actor=manager, name="Acme", owner=rep)
    assert company.owner == rep


def test_several_emails_and_phones_one_primary(rep):
    contact = services.contact_create(
        actor=rep,
        first_name="Jane",
        last_name="Doe",
        emails=[
            EmailInput("jane@work.example", "work"),
            EmailInput("JANE@work.example", "dup"),
            EmailInput("jane@home.example", "home", is_primary=True),
        ],
        phones=[
            PhoneInput("+44 20 7946 0958", "office"),
            PhoneInput("+1 415 555 0101", "mobile", is_primary=True),
        ],
        addresses=[AddressInput(label="HQ", city="London", country="UK"), AddressInput()],
    )
    assert contact.email == "jane@home.example"
    assert contact.phone == "+14155550101"
    assert list(contact.emails.order_by("id").values_list("email", "label", "is_primary")) == [
        ("jane@work.example", "work", False),
        ("jane@home.example", "home", True),
    ]
    assert contact.phones.filter(is_primary=True).get().number == "+14155550101"
    assert contact.phones.get(label="office").number == "+442079460958"
    assert list(contact.addresses.values_list("label", "city", "is_primary")) == [
        ("HQ", "London", True)
    ]


def test_contact_create_links_only_visible_company(rep, other_rep):
    theirs = CompanyFactory(owner=other_rep)
    with pytest.raises(ValidationError) as error:
        services.contact_create(actor=rep, last_name="Doe", company=theirs)
    assert "company" in error.value.message_dict
    mine = CompanyFactory(owner=rep)
    contact = services.contact_create(actor=rep, last_name="Doe", company=mine)
    assert contact.company == mine


def test_custom_values_are_validated_on_create(rep):
    CustomFieldFactory(entity="contact", key="linkedin", label="LinkedIn", field_type="url")
    with pytest.raises(ValidationError, match="LinkedIn"):
        services.contact_create(actor=rep, last_name="Doe", custom={"linkedin": "not a url"})
    contact = services.contact_create(
        actor=rep, last_name="Doe", custom={"linkedin": "linkedin.com/in/doe"}
    )
    assert contact.custom == {"linkedin": "https://linkedin.com/in/doe"}


# ---------------------------------------------------------------- update


def test_company_update_publishes_changed_fields_only(rep, events):
    company = services.company_create(actor=rep, name="Acme", website="acme.example")
    services.company_update(actor=rep, company=company, name="Acme", industry="retail")
    assert events("company.updated") == [{"company_id": company.pk, "changed": ["industry"]}]
    services.company_update(actor=rep, company=company, name="Acme")
    assert len(events("company.updated")) == 1
    assert company.industry == "retail"


def test_update_replaces_emails_and_moves_the_primary(rep, events):
    contact = services.contact_create(
        actor=rep, last_name="Doe", email="a@x.example", phone="+14155550100"
    )
    services.contact_update(
        actor=rep,
        contact=contact,
        emails=[EmailInput("b@x.example", is_primary=True), EmailInput("a@x.example")],
        phones=[],
    )
    contact.refresh_from_db()
    assert contact.email == "b@x.example"
    assert contact.phone == ""
    assert PhoneNumber.objects.filter(contact=contact).count() == 0
    assert set(contact.emails.values_list("email", "is_primary")) == {
        ("b@x.example", True),
        ("a@x.example", False),
    }
    changed = events("contact.updated")[-1]["changed"]
    assert set(changed) == {"emails", "email", "phones", "phone"}


def test_update_with_primary_email_only_keeps_the_others(rep):
    contact = services.contact_create(
        actor=rep, last_name="Doe", emails=[EmailInput("a@x.example"), EmailInput("b@x.example")]
    )
    services.contact_update(actor=rep, contact=contact, email="c@x.example")
    assert contact.email == "c@x.example"
    assert set(contact.emails.values_list("email", flat=True)) == {
        "a@x.example",
        "b@x.example",
        "c@x.example",
    }
    assert contact.emails.get(is_primary=True).email == "c@x.example"
    services.contact_update(actor=rep, contact=contact, email="")
    contact.refresh_from_db()
    assert contact.email == "a@x.example"
    assert contact.emails.count() == 2


def test_update_owner_publishes_assigned(manager, rep, events):
    company = services.company_create(actor=manager, name="Acme")
    services.company_update(actor=manager, company=company, owner=rep)
    assert company.owner == rep
    assert events("company.assigned") == [
        {"company_id": company.pk, "from_owner_id": manager.pk, "to_owner_id": rep.pk}
    ]
    assert events("company.updated") == []


def test_update_refuses_someone_elses_record(rep, other_rep, read_only):
    company = CompanyFactory(owner=other_rep)
    with pytest.raises(PermissionDenied):
        services.company_update(actor=rep, company=company, name="Mine now")
    own = CompanyFactory(owner=read_only)
    with pytest.raises(PermissionDenied):
        services.company_update(actor=read_only, company=own, name="Read only")
    company.refresh_from_db()
    assert company.name != "Mine now"


def test_update_bad_phone_changes_nothing(rep):
    contact = services.contact_create(actor=rep, last_name="Doe", phone="+14155550100")
    with pytest.raises(ValidationError):
        services.contact_update(
            actor=rep, contact=contact, last_name="Changed", phones=[PhoneInput("abc")]
        )
    contact.refresh_from_db()
    assert contact.last_name == "Doe"
    assert contact.phone == "+14155550100"


def test_addresses_are_replaced_in_order(rep):
    company = services.company_create(
        actor=rep, name="Acme", addresses=[AddressInput(label="HQ", city="Paris")]
    )
    first_id = company.addresses.get().pk
    services.company_update(
        actor=rep,
        company=company,
        addresses=[
            AddressInput(label="HQ", city="Lyon"),
            AddressInput(label="Depot", city="Lille", is_primary=True),
        ],
    )
    rows = list(Address.objects.filter(company=company).order_by("id"))
    assert rows[0].pk == first_id
    assert [(a.city, a.is_primary) for a in rows] == [("Lyon", False), ("Lille", True)]


def test_clearing_the_domain_derives_it_again(rep):
    company = services.company_create(actor=rep, name="Acme", domain="old.example")
    services.company_update(actor=rep, company=company, domain="", website="new.example")
    assert company.domain == "new.example"


def test_contact_company_can_be_unlinked(rep):
    company = CompanyFactory(owner=rep)
    contact = services.contact_create(actor=rep, last_name="Doe", company=company)
    services.contact_update(actor=rep, contact=contact, company=None)
    assert contact.company is None


# ---------------------------------------------------------------- single points, tags


def test_single_email_and_phone_management(rep, events):
    contact = services.contact_create(actor=rep, last_name="Doe", email="a@x.example")
    added = services.email_add(actor=rep, record=contact, email="b@x.example", primary=True)
    contact.refresh_from_db()
    assert contact.email == "b@x.example"
    services.contact_point_make_primary(
        actor=rep, point=EmailAddress.objects.get(email="a@x.example")
    )
    contact.refresh_from_db()
    assert contact.email == "a@x.example"
    services.contact_point_remove(actor=rep, point=EmailAddress.objects.get(email="a@x.example"))
    contact.refresh_from_db()
    assert contact.email == added.email
    phone = services.phone_add(actor=rep, record=contact, number="+1 415 555 0100")
    contact.refresh_from_db()
    assert phone.number == contact.phone == "+14155550100"
    services.contact_point_remove(actor=rep, point=phone)
    contact.refresh_from_db()
    assert contact.phone == ""
    assert all(e["contact_id"] == contact.pk for e in events("contact.updated"))


def test_tags_add_remove_and_creation_needs_permission(rep, support):
    company = services.company_create(actor=rep, name="Acme")
    services.company_add_tags(actor=rep, company=company, tags=["VIP", "vip"])
    vip = Tag.objects.get(name="VIP")
    assert list(company.tags.all()) == [vip]
    services.company_remove_tag(actor=rep, company=company, tag=vip)
    assert company.tags.count() == 0
    shared = CompanyFactory(owner=support)
    with pytest.raises(PermissionDenied):
        services.company_add_tags(actor=support, company=shared, tags=["brand new"])
    services.company_add_tags(actor=support, company=shared, tags=["vip"])
    assert list(shared.tags.all()) == [vip]


# ---------------------------------------------------------------- delete


def test_delete_needs_permission_and_keeps_contacts(rep, manager, events):
    company = CompanyFactory(owner=rep)
    contact = ContactFactory(owner=rep, company=company)
    EmailAddress.objects.create(company=company, email="x@y.example")
    with pytest.raises(PermissionDenied):
        services.company_delete(actor=rep, company=company)  # reps may not delete
    services.company_delete(actor=manager, company=company)
    assert not Company.objects.filter(pk=company.pk).exists()
    assert EmailAddress.objects.count() == 0
    contact.refresh_from_db()
    assert contact.company is None
    assert events("company.deleted") == [{"company_id": company.pk}]


def test_contact_delete(manager, other_rep):
    contact = ContactFactory(owner=manager)
    theirs = ContactFactory(owner=other_rep)
    services.contact_delete(actor=manager, contact=contact)
    assert not Contact.objects.filter(pk=contact.pk).exists()
    with pytest.raises(PermissionDenied):
        services.contact_delete(actor=manager, contact=theirs)


# ---------------------------------------------------------------- bulk


def test_bulk_assign_only_changeable_rows(manager, rep, other_rep, events):
    team = [CompanyFactory(owner=manager) for _ in range(3)]
    foreign = CompanyFactory(owner=other_rep)
    already = CompanyFactory(owner=rep)
    count = services.company_bulk_assign(actor=manager, companies=Company.objects.all(), owner=rep)
    assert count == 3
    assert set(Company.objects.filter(owner=rep)) == {*team, already}
    foreign.refresh_from_db()
    assert foreign.owner == other_rep
    assert len(events("company.assigned")) == 3
    with pytest.raises(ValidationError):
        services.company_bulk_assign(actor=rep, companies=Company.objects.all(), owner=other_rep)


def _non_event_queries(context) -> list[str]:
    return [
        q["sql"]
        for q in context.captured_queries
        if "crm_event" not in q["sql"] and "SAVEPOINT" not in q["sql"]
    ]


def test_bulk_tag_and_delete(manager, rep, other_rep, events):
    mine = [ContactFactory(owner=rep) for _ in range(30)]
    ContactFactory(owner=other_rep)
    tag = TagFactory(name="warm")
    with CaptureQueriesContext(connection) as context:
        count = services.contact_bulk_add_tag(actor=rep, contacts=Contact.objects.all(), tag=tag)
    # Besides the event rows, a fixed handful of queries however many rows (with the one
    # audit row: the append lock on PostgreSQL, the chain's last hash and the insert).
    assert len(_non_event_queries(context)) <= 11
    assert count == 30
    assert Contact.objects.filter(tags=tag).count() == 30
    assert services.contact_bulk_add_tag(actor=rep, contacts=Contact.objects.all(), tag=tag) == 0
    assert services.contact_bulk_delete(actor=rep, contacts=Contact.objects.all()) == 0
    assert services.contact_bulk_delete(actor=manager, contacts=Contact.objects.all()) == 30
    assert Contact.objects.count() == 1
    assert {e["contact_id"] for e in events("contact.deleted")} == {c.pk for c in mine}


# ---------------------------------------------------------------- custom-field definitions


def test_custom_field_definitions_admin_only(admin_user, manager, events):
    with pytest.raises(PermissionDenied):
        services.custom_field_create(
            actor=manager, entity="company", label="Tier", field_type="text"
        )
    with pytest.raises(ValidationError, match="option"):
        services.custom_field_create(
            actor=admin_user, entity="company", label="Tier", field_type="choice"
        )
    tier = services.custom_field_create(
        actor=admin_user,
        entity="company",
        label="Tier",
        field_type="choice",
        choices=["Gold", "Silver"],
    )
    revenue = services.custom_field_create(
        actor=admin_user, entity="company", label="Annual revenue", field_type="money"
    )
    assert (tier.key, tier.position, revenue.key, revenue.position) == (
        "tier",
        1,
        "annual_revenue",
        2,
    )
    with pytest.raises(ValidationError, match="already"):
        services.custom_field_create(
            actor=admin_user, entity="company", label="tier", field_type="text"
        )
    services.custom_field_update(
        actor=admin_user, field=tier, label="Account tier", is_active=False
    )
    tier.refresh_from_db()
    assert (tier.key, tier.label, tier.is_active) == ("tier", "Account tier", False)
    services.custom_field_reorder(actor=admin_user, entity="company", ids=[revenue.pk, tier.pk])
    assert list(
        CustomField.objects.filter(entity="company")
        .order_by("position")
        .values_list("key", flat=True)
    ) == ["annual_revenue", "tier"]
    assert [e["key"] for e in events("custom_field.created")] == ["tier", "annual_revenue"]


def test_only_users_who_see_everything_may_leave_a_record_unassigned(rep, admin_user):
    with pytest.raises(ValidationError) as error:
        services.company_create(actor=rep, name="Acme", owner=None)
    assert "owner" in error.value.message_dict
    assert services.company_create(actor=admin_user, name="Acme", owner=None).owner is None

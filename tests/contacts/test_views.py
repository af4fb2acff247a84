"""Company and contact pages for every role (rep, other rep: 404, manager: team, admin,
read-only, support, anonymous): detail, create with the duplicate warning, edit, delete,
the htmx helpers, query counts; the custom-field settings pages."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from guardian.shortcuts import assign_perm

from contacts.models import Company, Contact, CustomField, EmailAddress, PhoneNumber
from tests.contacts.factories import (
    CompanyFactory,
    ContactFactory,
    CustomFieldFactory,
    EmailAddressFactory,
    PhoneNumberFactory,
    TagFactory,
)

pytestmark = pytest.mark.django_db


def url(name, *args):
    return reverse(f"contacts:{name}", args=args)


def management(prefix, total=1, initial=0):
    return {
        f"{prefix}-TOTAL_FORMS": str(total),
        f"{prefix}-INITIAL_FORMS": str(initial),
        f"{prefix}-MIN_NUM_FORMS": "0",
        f"{prefix}-MAX_NUM_FORMS": "20",
    }


def company_post(owner=None, **fields):
    data = {
        "name": "Acme Rockets",
        "website": "",
        "domain": "",
        "industry": "",
        "size": "",
        "owner": str(owner.pk) if owner else "",
        "tags": "",
        "description": "",
        **management("emails"),
        **management("phones"),
        **management("addresses"),
        "emails-0-email": "",
        "emails-0-label": "",
        "phones-0-number": "",
        "phones-0-label": "",
        "emails-primary": "0",
        "phones-primary": "0",
        "addresses-primary": "0",
    }
    data.update(fields)
    return data


def contact_post(owner=None, **fields):
    data = company_post(owner, **fields)
    del data["name"]
    data.setdefault("last_name", "Doe")
    data.setdefault("first_name", "Jane")
    data.setdefault("company_name", "")
    data.setdefault("company", "")
    data.setdefault("title", "")
    return data


# ---------------------------------------------------------------- detail


def test_company_detail_for_every_role(
    client_for, rep, other_rep, manager, admin_user, read_only, support
):
    company = CompanyFactory(owner=rep, name="Acme Rockets")
    # Read-only and support see every record (scope "all"); the other team's rep does not.
    for user in (rep, manager, admin_user, read_only, support):
        response = client_for(user).get(company.get_absolute_url())
        assert response.status_code == 200, user
        assert b"Acme Rockets" in response.content
    assert client_for(other_rep).get(company.get_absolute_url()).status_code == 404
    page = client_for(read_only).get(company.get_absolute_url()).content.decode()
    assert url("company-edit", company.pk) not in page
    anonymous = client_for(None).get(company.get_absolute_url())
    assert anonymous.status_code == 302
    assert anonymous["Location"].startswith("/accounts/login/")


def test_shared_record_is_visible_to_the_rep(client_for, rep, other_rep):
    company = CompanyFactory(owner=other_rep)
    assign_perm("contacts.view_company", rep, company)
    page = client_for(rep).get(company.get_absolute_url())
    assert page.status_code == 200
    assert url("company-edit", company.pk) not in page.content.decode()  # view share only


def test_company_detail_shows_everything_related(client_for, rep, manager):
    company = CompanyFactory(owner=rep, website="https://acme.example", domain="acme.example")
    EmailAddressFactory(company=company, email="sales@acme.example")
    PhoneNumberFactory(company=company, number="+14155550100")
    mine = ContactFactory(owner=rep, company=company, first_name="Jane", last_name="Visible")
    hidden = ContactFactory(owner=manager, company=company, last_name="Teammate")
    CustomFieldFactory(entity="company", key="revenue", label="Revenue", field_type="money")
    Company.objects.filter(pk=company.pk).update(custom={"revenue": "1200.00"})
    company.tags.add(TagFactory(name="Key account"))
    page = client_for(rep).get(company.get_absolute_url()).content.decode()
    for text in (
        "sales@acme.example",
        "+1 415-555-0100",
        "Jane Visible",
        "1,200.00 USD",
        "Key account",
        'href="https://acme.example"',
    ):
        assert text in page, text
    assert mine.get_absolute_url() in page
    # The rep's own scope: the manager's contact at the same company is not listed.
    assert hidden.get_absolute_url() not in page
    assert "Teammate" not in page


def test_detail_actions_by_right(client_for, rep, manager, read_only):
    company = CompanyFactory(owner=rep)
    edit, delete = url("company-edit", company.pk), url("company-delete", company.pk)
    page = client_for(rep).get(company.get_absolute_url()).content.decode()
    assert edit in page
    assert delete not in page  # reps may not delete
    page = client_for(manager).get(company.get_absolute_url()).content.decode()
    assert edit in page
    assert delete in page


def _count_queries(client, path):
    with CaptureQueriesContext(connection) as context:
        assert client.get(path).status_code == 200
    return len(context)


def test_company_detail_queries_do_not_grow_with_related_rows(client_for, rep):
    client = client_for(rep)
    few = CompanyFactory(owner=rep)
    many = CompanyFactory(owner=rep)
    for company, n in ((few, 1), (many, 20)):
        for i in range(n):
            ContactFactory(owner=rep, company=company)
            EmailAddressFactory(
                company=company, email=f"e{i}-{company.pk}@x.example", is_primary=i == 0
            )
            PhoneNumberFactory(company=company, is_primary=i == 0)
        company.tags.add(*[TagFactory(name=f"t{i}") for i in range(min(n, 5))])
    _count_queries(client, few.get_absolute_url())  # warm caches (sessions, permissions)
    assert _count_queries(client, many.get_absolute_url()) <= _count_queries(
        client, few.get_absolute_url()
    )


def test_contact_detail_queries_do_not_grow(client_for, rep):
    client = client_for(rep)
    company = CompanyFactory(owner=rep)
    few = ContactFactory(owner=rep, company=company)
    many = ContactFactory(owner=rep, company=company)
    for i in range(15):
        EmailAddressFactory(contact=many, email=f"m{i}@x.example", is_primary=i == 0)
        PhoneNumberFactory(contact=many, is_primary=i == 0)
        ContactFactory(owner=rep, company=company)
    _count_queries(client, few.get_absolute_url())
    assert _count_queries(client, many.get_absolute_url()) <= _count_queries(
        client, few.get_absolute_url()
    )


def test_contact_detail_for_every_role(client_for, rep, other_rep, manager, admin_user):
    company = CompanyFactory(owner=other_rep, name="Hidden Co")
    contact = ContactFactory(owner=rep, company=company, first_name="Jane", last_name="Doe")
    page = client_for(rep).get(contact.get_absolute_url())
    assert page.status_code == 200
    # The company is named but not linked: the rep cannot open it.
    assert "Hidden Co" in page.content.decode()
    assert company.get_absolute_url() not in page.content.decode()
    for user in (manager, admin_user):
        assert client_for(user).get(contact.get_absolute_url()).status_code == 200
    assert client_for(other_rep).get(contact.get_absolute_url()).status_code == 404
    assert client_for(None).get(contact.get_absolute_url()).status_code == 302


def test_company_contacts_show_more(client_for, rep):
    company = CompanyFactory(owner=rep)
    contacts = [
        ContactFactory(owner=rep, company=company, last_name=f"P{i:02d}") for i in range(30)
    ]
    page = client_for(rep).get(company.get_absolute_url()).content.decode()
    assert "Show more contacts" in page
    assert "P24" in page
    assert "P25" not in page
    more = client_for(rep).get(
        url("company-contacts", company.pk) + "?offset=25", HTTP_HX_REQUEST="true"
    )
    assert more.status_code == 200
    text = more.content.decode()
    assert all(c.last_name in text for c in contacts[25:])
    assert "<html" not in text
    assert client_for(rep).get(url("company-contacts", company.pk) + "?offset=x").status_code == 400


# ---------------------------------------------------------------- create


def test_create_page_needs_the_add_permission(client_for, rep, read_only, support):
    assert client_for(rep).get(url("company-create")).status_code == 200
    assert client_for(read_only).get(url("company-create")).status_code == 403
    assert client_for(support).get(url("contact-create")).status_code == 403


def test_create_company_with_emails_phones_and_addresses(client_for, rep, events):
    response = client_for(rep).post(
        url("company-create"),
        company_post(
            rep,
            website="www.acme-rockets.example",
            tags="Key account, vip",
            **management("emails", total=2),
            **{
                "emails-0-email": "sales@acme-rockets.example",
                "emails-0-label": "sales",
                "emails-1-email": "billing@acme-rockets.example",
                "emails-1-label": "billing",
                "emails-primary": "1",
                "phones-0-number": "(415) 555-0100",
                "addresses-0-city": "Austin",
                "addresses-0-country": "United States",
                "addresses-0-label": "HQ",
            },
            **management("addresses"),
        ),
    )
    company = Company.objects.get()
    assert response.status_code == 302
    assert response["Location"] == company.get_absolute_url()
    assert company.owner == rep
    assert company.domain == "acme-rockets.example"
    assert company.email == "billing@acme-rockets.example"
    assert company.phone == "+14155550100"
    assert company.emails.count() == 2
    assert company.addresses.get().city == "Austin"
    assert sorted(t.name for t in company.tags.all()) == ["Key account", "vip"]
    assert len(events("company.created")) == 1


def test_bad_rows_answer_400_and_save_nothing(client_for, rep):
    response = client_for(rep).post(
        url("company-create"),
        company_post(rep, **{"phones-0-number": "12", "emails-0-email": "nope@"}),
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert "not a valid phone number" in page or "not a phone number" in page
    assert "Enter an email address" in page
    assert Company.objects.count() == 0


def test_add_row_without_scripts_keeps_what_was_typed(client_for, rep):
    response = client_for(rep).post(
        url("company-create"),
        company_post(add_row="emails", **{"emails-0-email": "a@acme.example"}),
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert 'value="a@acme.example"' in page
    assert 'name="emails-1-email"' in page
    assert 'name="emails-TOTAL_FORMS" value="2"' in page
    assert Company.objects.count() == 0


def test_duplicate_company_is_shown_before_saving(client_for, rep, other_rep):
    existing = CompanyFactory(owner=rep, name="Globex", domain="globex.example")
    CompanyFactory(owner=other_rep, name="Globex Hidden", domain="globex.example")
    response = client_for(rep).post(
        url("company-create"),
        company_post(rep, name="Globex Corp", website="https://globex.example"),
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert "may already be in Keel" in page
    assert existing.get_absolute_url() in page
    assert "same domain" in page
    assert "Globex Hidden" not in page  # invisible records are never suggested
    assert Company.objects.count() == 2
    response = client_for(rep).post(
        url("company-create"),
        company_post(
            rep, name="Globex Corp", website="https://globex.example", ignore_duplicates="1"
        ),
    )
    assert response.status_code == 302
    assert Company.objects.filter(name="Globex Corp").exists()


def test_live_duplicate_check_partial(client_for, rep):
    existing = CompanyFactory(owner=rep, name="Initech")
    EmailAddressFactory(company=existing, email="info@initech.example")
    response = client_for(rep).get(
        url("company-duplicates"),
        {"name": "", "emails-3-email": "INFO@initech.example"},
        HTTP_HX_REQUEST="true",
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert 'id="record-duplicates"' in page
    assert "same email" in page
    assert "<html" not in page
    assert "Create anyway" not in page
    empty = client_for(rep).get(url("company-duplicates"), {"name": "Zzyzx"})
    assert "may already be in Keel" not in empty.content.decode()


def test_contact_duplicate_by_phone(client_for, rep):
    existing = ContactFactory(owner=rep, first_name="Ann", last_name="Lee", phone="+14155550199")
    response = client_for(rep).post(
        url("contact-create"),
        contact_post(
            rep, first_name="Annie", last_name="Li", **{"phones-0-number": "415 555 0199"}
        ),
    )
    assert response.status_code == 200
    assert existing.get_absolute_url() in response.content.decode()
    assert "same phone" in response.content.decode()
    assert Contact.objects.count() == 1
    live = (
        client_for(rep)
        .get(url("contact-duplicates"), {"last_name": "Lee", "first_name": "ann"})
        .content.decode()
    )
    assert "same name" in live


def test_contact_create_links_a_company_by_exact_name(client_for, rep):
    company = CompanyFactory(owner=rep, name="Acme Rockets")
    response = client_for(rep).post(
        url("contact-create"), contact_post(rep, company_name="acme rockets")
    )
    assert response.status_code == 302
    assert Contact.objects.get().company == company
    assert Company.objects.count() == 1


def test_contact_create_asks_about_a_similar_company(client_for, rep, events):
    company = CompanyFactory(owner=rep, name="Acme Rockets Inc.")
    response = client_for(rep).post(
        url("contact-create"), contact_post(rep, company_name="Acme Rockets")
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert "Which company is" in page
    assert f'name="link_company" value="{company.pk}"' in page
    assert Contact.objects.count() == 0
    linked = client_for(rep).post(
        url("contact-create"),
        contact_post(rep, company_name="Acme Rockets", link_company=company.pk),
    )
    assert linked.status_code == 302
    assert Contact.objects.get().company == company


def test_contact_create_can_create_the_company_instead(client_for, rep):
    CompanyFactory(owner=rep, name="Acme Rockets Inc.")
    response = client_for(rep).post(
        url("contact-create"), contact_post(rep, company_name="Acme Rockets", new_company="1")
    )
    assert response.status_code == 302
    contact = Contact.objects.get()
    assert contact.company.name == "Acme Rockets"
    assert contact.company.owner == rep
    assert Company.objects.count() == 2


def test_contact_create_with_a_brand_new_company(client_for, rep):
    response = client_for(rep).post(
        url("contact-create"), contact_post(rep, company_name="Zenith Labs")
    )
    assert response.status_code == 302
    assert Contact.objects.get().company.name == "Zenith Labs"


def test_contact_cannot_link_an_invisible_company(client_for, rep, other_rep):
    theirs = CompanyFactory(owner=other_rep, name="Secret Co")
    response = client_for(rep).post(
        url("contact-create"),
        contact_post(rep, company_name="Secret Co", company=str(theirs.pk), link_company=theirs.pk),
    )
    assert response.status_code == 302
    contact = Contact.objects.get()
    assert contact.company != theirs  # a new company of the rep's own was made
    assert contact.company.owner == rep


def test_contact_form_prefills_company_from_the_company_page(client_for, rep):
    company = CompanyFactory(owner=rep, name="Acme")
    page = client_for(rep).get(url("contact-create") + f"?company={company.pk}").content.decode()
    assert 'value="Acme"' in page
    assert f'name="company" value="{company.pk}"' in page


def test_company_options_only_visible(client_for, rep, other_rep):
    CompanyFactory(owner=rep, name="Acme Rockets", domain="acme.example")
    CompanyFactory(owner=other_rep, name="Acme Hidden")
    page = client_for(rep).get(url("company-options"), {"company_name": "acm"}).content.decode()
    assert 'value="Acme Rockets"' in page
    assert "Acme Hidden" not in page


# ---------------------------------------------------------------- edit


def test_edit_company(client_for, rep, events):
    company = CompanyFactory(owner=rep, name="Old")
    EmailAddressFactory(company=company, email="old@x.example")
    Company.objects.filter(pk=company.pk).update(email="old@x.example")
    page = client_for(rep).get(url("company-edit", company.pk)).content.decode()
    assert 'value="old@x.example"' in page
    response = client_for(rep).post(
        url("company-edit", company.pk),
        company_post(
            rep,
            name="New",
            **management("emails", total=1, initial=1),
            **{"emails-0-email": "new@x.example"},
        ),
    )
    assert response.status_code == 302
    company.refresh_from_db()
    assert company.name == "New"
    assert company.email == "new@x.example"
    assert list(EmailAddress.objects.filter(company=company).values_list("email", flat=True)) == [
        "new@x.example"
    ]
    assert set(events("company.updated")[0]["changed"]) >= {"name", "email", "emails"}


def test_edit_refusals(client_for, rep, other_rep, read_only, manager):
    company = CompanyFactory(owner=rep)
    assert client_for(other_rep).get(url("company-edit", company.pk)).status_code == 404
    assert client_for(read_only).get(url("company-edit", company.pk)).status_code == 403
    assert client_for(manager).get(url("company-edit", company.pk)).status_code == 200
    contact = ContactFactory(owner=rep)
    assert (
        client_for(other_rep)
        .post(url("contact-edit", contact.pk), contact_post(other_rep))
        .status_code
        == 404
    )


def test_edit_contact_remove_a_phone(client_for, rep):
    contact = ContactFactory(owner=rep, last_name="Doe")
    PhoneNumberFactory(contact=contact, number="+14155550100")
    PhoneNumberFactory(contact=contact, number="+14155550101", is_primary=False)
    response = client_for(rep).post(
        url("contact-edit", contact.pk),
        contact_post(
            rep,
            **management("phones", total=2, initial=2),
            **{
                "phones-0-number": "+1 415-555-0100",
                "phones-0-DELETE": "on",
                "phones-1-number": "+1 415-555-0101",
                "phones-primary": "0",
            },
        ),
    )
    assert response.status_code == 302
    assert list(
        PhoneNumber.objects.filter(contact=contact).values_list("number", "is_primary")
    ) == [("+14155550101", True)]
    contact.refresh_from_db()
    assert contact.phone == "+14155550101"


# ---------------------------------------------------------------- delete


def test_delete_flow(client_for, rep, manager, other_rep):
    company = CompanyFactory(owner=rep)
    ContactFactory(owner=rep, company=company)
    assert client_for(rep).get(url("company-delete", company.pk)).status_code == 403
    assert client_for(other_rep).get(url("company-delete", company.pk)).status_code == 403
    confirm = client_for(manager).get(url("company-delete", company.pk))
    assert confirm.status_code == 200
    assert "1 contact stays" in confirm.content.decode()
    response = client_for(manager).post(url("company-delete", company.pk))
    assert response.status_code == 302
    assert response["Location"] == url("company-list")
    assert not Company.objects.exists()
    assert Contact.objects.count() == 1


def test_delete_someone_elses_contact_is_404(client_for, manager, other_rep):
    contact = ContactFactory(owner=other_rep)
    assert client_for(manager).post(url("contact-delete", contact.pk)).status_code == 404
    assert Contact.objects.filter(pk=contact.pk).exists()


# ---------------------------------------------------------------- custom-field settings


def test_custom_field_settings_are_admin_only(client_for, admin_user, manager, rep):
    assert client_for(admin_user).get(url("custom-field-list")).status_code == 200
    for user in (manager, rep):
        assert client_for(user).get(url("custom-field-list")).status_code == 403
        assert client_for(user).post(url("custom-field-create")).status_code == 403


def test_custom_field_settings_flow(client_for, admin_user):
    client = client_for(admin_user)
    response = client.post(
        url("custom-field-create") + "?entity=contact",
        {"label": "Segment", "field_type": "choice", "choices": ""},
    )
    assert response.status_code == 400
    assert "needs at least one option" in response.content.decode()
    response = client.post(
        url("custom-field-create") + "?entity=contact",
        {"label": "Segment", "field_type": "choice", "choices": "SMB\nMid-market\n\nSMB"},
    )
    assert response.status_code == 302
    segment = CustomField.objects.get(entity="contact")
    assert (segment.key, segment.choices) == ("segment", ["SMB", "Mid-market"])
    client.post(
        url("custom-field-create") + "?entity=contact",
        {"label": "Renewal", "field_type": "date"},
    )
    renewal = CustomField.objects.get(key="renewal")
    page = client.get(url("custom-field-list") + "?entity=contact").content.decode()
    assert page.index("Segment") < page.index("Renewal")
    client.post(
        url("custom-field-reorder"),
        {"entity": "contact", "move": renewal.pk, "direction": "up"},
    )
    assert list(
        CustomField.objects.filter(entity="contact")
        .order_by("position")
        .values_list("key", flat=True)
    ) == ["renewal", "segment"]
    response = client.post(
        url("custom-field-edit", segment.pk),
        {"label": "Customer segment", "field_type": "text", "choices": "SMB\nEnterprise"},
    )
    assert response.status_code == 302
    segment.refresh_from_db()
    assert (segment.label, segment.field_type, segment.key) == (
        "Customer segment",
        "choice",  # the type never changes
        "segment",
    )
    assert segment.choices == ["SMB", "Enterprise"]
    client.post(url("custom-field-toggle", segment.pk), {"active": "0"})
    segment.refresh_from_db()
    assert not segment.is_active
    assert client.post(url("custom-field-toggle", segment.pk), {"active": "x"}).status_code == 400
    sortable = client.post(
        url("custom-field-reorder"),
        {"entity": "contact", "ids": [renewal.pk]},
        HTTP_HX_REQUEST="true",
    )
    assert sortable.status_code == 204


def test_custom_fields_appear_in_forms_and_are_validated(client_for, rep):
    CustomFieldFactory(entity="company", key="revenue", label="Annual revenue", field_type="money")
    page = client_for(rep).get(url("company-create")).content.decode()
    assert 'name="cf_revenue"' in page
    bad = client_for(rep).post(url("company-create"), company_post(rep, cf_revenue="lots"))
    assert bad.status_code == 400
    good = client_for(rep).post(url("company-create"), company_post(rep, cf_revenue="125000"))
    assert good.status_code == 302
    assert Company.objects.get().custom == {"revenue": "125000.00"}


def test_sidebar_lists_custom_fields_for_admins_only(client_for, admin_user, rep):
    home = reverse("accounts:home")
    assert url("custom-field-list") in client_for(admin_user).get(home).content.decode()
    assert url("custom-field-list") not in client_for(rep).get(home).content.decode()

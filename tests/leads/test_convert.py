"""lead_convert: creates or links, one transaction, refused twice, rolls back fully."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from contacts.models import Company, Contact
from crm.models import Event
from deals.models import Deal
from leads import services
from leads.models import Lead, LeadUserObjectPermission
from tests.contacts.factories import CompanyFactory, ContactFactory, CustomFieldFactory, TagFactory
from tests.deals.factories import PipelineFactory
from tests.leads.factories import LeadFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def lead(rep):
    lead = LeadFactory(
        owner=rep,
        first_name="Jane",
        last_name="Doe",
        title="CTO",
        company_name="Acme Robotics",
        email="jane@acmerobotics.test",
        phone="+14155550100",
        website="https://www.acmerobotics.test/about",
        description="Met at the expo.",
        status=Lead.Status.QUALIFIED,
    )
    lead.tags.add(TagFactory(name="expo"))
    return lead


@pytest.fixture
def pipeline(db):
    return PipelineFactory(name="New business")


def test_convert_creates_contact_company_and_deal(rep, lead, pipeline, events):
    services.lead_convert(
        actor=rep,
        lead=lead,
        deal=services.NewDeal(
            pipeline=pipeline,
            name="Acme pilot",
            amount=Decimal("12500.00"),
            currency="EUR",
            expected_close_date=datetime.date(2030, 3, 31),
        ),
    )
    lead.refresh_from_db()
    contact, company, deal = lead.converted_contact, lead.converted_company, lead.converted_deal
    assert lead.status == Lead.Status.CONVERTED
    assert lead.is_converted
    assert lead.converted_by == rep
    assert lead.converted_at is not None
    assert (contact.first_name, contact.last_name, contact.title) == ("Jane", "Doe", "CTO")
    assert contact.email == "jane@acmerobotics.test"
    assert contact.phone == "+14155550100"
    assert contact.company == company
    assert contact.owner == rep
    assert "Met at the expo." in contact.description
    assert [t.name for t in contact.tags.all()] == ["expo"]
    assert (company.name, company.domain, company.owner) == (
        "Acme Robotics",
        "acmerobotics.test",
        rep,
    )
    assert (deal.name, deal.pipeline, deal.amount, deal.currency) == (
        "Acme pilot",
        pipeline,
        Decimal("12500.00"),
        "EUR",
    )
    assert deal.stage == pipeline.stages.order_by("position").first()
    assert deal.expected_close_date == datetime.date(2030, 3, 31)
    assert deal.company == company
    assert list(deal.contacts.all()) == [contact]
    assert events("lead.converted") == [
        {
            "lead_id": lead.pk,
            "contact_id": contact.pk,
            "company_id": company.pk,
            "deal_id": deal.pk,
            "contact_created": True,
            "company_created": True,
            "from_status": "qualified",
        }
    ]


def test_convert_links_existing_contact_and_company(rep, lead, events):
    contact = ContactFactory(owner=rep, email="jane@acmerobotics.test")
    company = CompanyFactory(owner=rep, name="Acme Robotics Inc")
    services.lead_convert(actor=rep, lead=lead, contact=contact, company=company)
    lead.refresh_from_db()
    assert (lead.converted_contact, lead.converted_company, lead.converted_deal) == (
        contact,
        company,
        None,
    )
    assert Contact.objects.count() == 1
    assert Company.objects.count() == 1
    assert "expo" in [t.name for t in contact.tags.all()]
    payload = events("lead.converted")[0]
    assert payload["contact_created"] is False
    assert payload["company_created"] is False


def test_convert_without_company(rep, lead):
    services.lead_convert(actor=rep, lead=lead, create_company=False)
    lead.refresh_from_db()
    assert lead.converted_company is None
    assert lead.converted_contact.company is None
    assert not Company.objects.exists()


def test_convert_needs_a_company_name_to_create_one(rep):
    lead = LeadFactory(owner=rep, company_name="")
    with pytest.raises(ValidationError, match="no company name"):
        services.lead_convert(actor=rep, lead=lead, create_company=True)
    assert not Contact.objects.exists()
    assert Lead.objects.get(pk=lead.pk).status == Lead.Status.NEW


def test_converting_twice_is_refused(rep, lead, pipeline):
    services.lead_convert(actor=rep, lead=lead, deal=services.NewDeal(pipeline=pipeline))
    counts = (Contact.objects.count(), Company.objects.count(), Deal.objects.count())
    with pytest.raises(services.AlreadyConverted):
        services.lead_convert(actor=rep, lead=lead, deal=services.NewDeal(pipeline=pipeline))
    assert (Contact.objects.count(), Company.objects.count(), Deal.objects.count()) == counts
    assert Event.objects.filter(type="lead.converted").count() == 1


def test_a_racing_second_conversion_with_a_stale_copy_is_refused(rep, lead):
    stale = Lead.objects.get(pk=lead.pk)  # loaded before the first conversion committed
    services.lead_convert(actor=rep, lead=lead)
    assert stale.status == Lead.Status.QUALIFIED
    with pytest.raises(services.AlreadyConverted):
        services.lead_convert(actor=rep, lead=stale)
    assert Contact.objects.count() == 1


def test_conversion_rolls_back_fully_when_the_deal_fails(rep, lead, pipeline, monkeypatch):
    from deals import services as deal_services

    def broken_deal_create(**kwargs):
        raise ValidationError("The stage is closed.")

    monkeypatch.setattr(deal_services, "deal_create", broken_deal_create)
    events_before = Event.objects.count()
    with pytest.raises(ValidationError, match=r"The stage is closed\."):
        services.lead_convert(actor=rep, lead=lead, deal=services.NewDeal(pipeline=pipeline))
    lead.refresh_from_db()
    assert lead.status == Lead.Status.QUALIFIED
    assert lead.converted_contact is None
    assert not Contact.objects.exists()
    assert not Company.objects.exists()
    assert not Deal.objects.exists()
    assert Event.objects.count() == events_before  # no contact.created, no lead.converted


def test_conversion_rolls_back_with_a_stage_of_another_pipeline(rep, lead, pipeline):
    other = PipelineFactory(name="Renewals")
    with pytest.raises(ValidationError):
        services.lead_convert(
            actor=rep,
            lead=lead,
            deal=services.NewDeal(pipeline=pipeline, stage=other.stages.first()),
        )
    assert not Contact.objects.exists()
    assert not Deal.objects.exists()
    assert Lead.objects.get(pk=lead.pk).status == Lead.Status.QUALIFIED


def test_who_may_convert(rep, other_rep, read_only, manager, lead):
    for user in (other_rep, read_only):
        with pytest.raises(PermissionDenied):
            services.lead_convert(actor=user, lead=lead)
    assert not Contact.objects.exists()
    services.lead_convert(actor=manager, lead=lead)
    lead.refresh_from_db()
    assert lead.converted_contact.owner == lead.owner  # the rep keeps the new contact


def test_shared_lead_converted_by_the_sharee_gives_them_the_records(rep, other_rep, lead):
    from django.contrib.auth.models import Permission

    LeadUserObjectPermission.objects.create(
        content_object=lead,
        user=other_rep,
        permission=Permission.objects.get(codename="change_lead"),
    )
    services.lead_convert(actor=other_rep, lead=lead, create_company=False)
    lead.refresh_from_db()
    assert lead.converted_contact.owner == other_rep  # they may not assign to the rep


def test_cannot_link_to_a_contact_one_cannot_see(rep, other_rep, lead):
    hidden = ContactFactory(owner=other_rep)
    with pytest.raises(ValidationError):
        services.lead_convert(actor=rep, lead=lead, contact=hidden)
    assert Lead.objects.get(pk=lead.pk).status == Lead.Status.QUALIFIED


def test_custom_values_follow_when_the_contact_has_the_same_field(rep, lead):
    CustomFieldFactory(entity="lead", key="budget", field_type="number")
    CustomFieldFactory(entity="contact", key="budget", field_type="number")
    CustomFieldFactory(entity="lead", key="segment", field_type="text")
    lead.custom = {"budget": 5000, "segment": "smb"}
    lead.save()
    services.lead_convert(actor=rep, lead=lead, create_company=False)
    lead.refresh_from_db()
    assert lead.converted_contact.custom == {"budget": 5000}


def test_company_domain_ignores_webmail():
    assert services.company_domain(Lead(email="jane@gmail.com")) == ""
    assert services.company_domain(Lead(email="jane@Acme.test")) == "acme.test"
    assert services.company_domain(Lead(website="https://www.acme.test:8080/x")) == "acme.test"


# ---------------------------------------------------------------- the conversion page


def test_convert_page_offers_matching_contact_and_company(client_for, rep, lead):
    contact = ContactFactory(owner=rep, email="jane@acmerobotics.test")
    company = CompanyFactory(owner=rep, name="Acme Robotics", domain="acmerobotics.test")
    page = client_for(rep).get(reverse("leads:lead-convert", args=[lead.pk])).content.decode()
    assert f'value="{contact.pk}"' in page
    assert f"Link to {contact}" in page
    assert f'value="{company.pk}"' in page
    assert "Create a new company: Acme Robotics" in page


def test_convert_page_posts_and_the_lead_becomes_read_only(client_for, rep, lead, pipeline):
    client = client_for(rep)
    stage = pipeline.stages.order_by("position")[1]
    response = client.post(
        reverse("leads:lead-convert", args=[lead.pk]),
        {
            "contact": "new",
            "company": "new",
            "create_deal": "on",
            "deal_name": "Acme pilot",
            "pipeline": pipeline.pk,
            "stage": stage.pk,
            "amount": "9000",
            "currency": "usd",
            "expected_close_date": "2030-01-15",
        },
    )
    assert response.status_code == 302
    assert response["Location"] == lead.get_absolute_url()
    lead.refresh_from_db()
    assert lead.converted_deal.stage == stage
    assert lead.converted_deal.currency == "USD"
    page = client.get(lead.get_absolute_url()).content.decode()
    assert "read-only" in page
    for record in (lead.converted_contact, lead.converted_company, lead.converted_deal):
        assert record.get_absolute_url() in page
    again = client.post(reverse("leads:lead-convert", args=[lead.pk]), {"contact": "new"})
    assert again.status_code == 409
    assert Contact.objects.count() == 1


def test_convert_page_refuses_a_stage_of_another_pipeline(client_for, rep, lead, pipeline):
    other = PipelineFactory(name="Renewals")
    response = client_for(rep).post(
        reverse("leads:lead-convert", args=[lead.pk]),
        {
            "contact": "new",
            "company": "none",
            "create_deal": "on",
            "pipeline": pipeline.pk,
            "stage": other.stages.first().pk,
        },
    )
    assert response.status_code == 400
    assert "is not a stage of New business" in response.content.decode()
    assert not Contact.objects.exists()


def test_convert_page_refuses_an_unknown_choice(client_for, rep, lead, other_rep):
    hidden = ContactFactory(owner=other_rep)
    response = client_for(rep).post(
        reverse("leads:lead-convert", args=[lead.pk]), {"contact": hidden.pk, "company": "none"}
    )
    assert response.status_code == 400
    assert Lead.objects.get(pk=lead.pk).status == Lead.Status.QUALIFIED


def test_save_and_convert_into_a_matching_contact(client_for, rep):
    contact = ContactFactory(owner=rep, first_name="Jane", last_name="Doe", email="jane@doe.test")
    client = client_for(rep)
    response = client.post(
        reverse("leads:lead-create"),
        {
            "first_name": "Jane",
            "last_name": "Doe",
            "email": "jane@doe.test",
            "status": "new",
            "source": "referral",
            "owner": rep.pk,
            "then_convert_contact": contact.pk,
        },
    )
    lead = Lead.objects.get()
    convert_url = reverse("leads:lead-convert", args=[lead.pk])
    assert response.status_code == 302
    assert response["Location"] == f"{convert_url}?contact={contact.pk}"
    page = client.get(response["Location"]).content.decode()
    assert f'id="contact-{contact.pk}" value="{contact.pk}" checked' in page

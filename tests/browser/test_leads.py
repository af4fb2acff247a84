"""A rep creates a lead, is warned it matches one already there, saves it anyway, converts
it into a contact, a company and a deal in a pipeline, and finds the lead read-only with
links to what it became. Then a visitor fills in the web form."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def earlier_lead(demo_people):
    from accounts.models import User
    from tests.leads.factories import LeadFactory

    rep = User.objects.get(email="rep@keel.test")
    return LeadFactory(
        owner=rep, first_name="Jane", last_name="Doe", email="jane@acmerobotics.test"
    )


@pytest.fixture
def pipeline(demo_people):
    from tests.deals.factories import PipelineFactory

    return PipelineFactory(name="New business")


def test_create_warn_convert_read_only(page, earlier_lead, pipeline):
    sign_in(page, "rep@keel.test")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Leads").click()
    page.get_by_role("link", name="New lead").click()
    expect(page.get_by_role("heading", name="New lead", level=1)).to_be_visible()

    page.get_by_label("First name").fill("Jane")
    page.get_by_label("Last name").fill("Doe")
    page.get_by_label("Company").fill("Acme Robotics")
    page.get_by_label("Email").fill("Jane@AcmeRobotics.test")
    page.get_by_label("Phone").fill("(415) 555-0134")  # leaving email checks for duplicates
    warning = page.get_by_role("region", name=re.compile("may already be in Keel"))
    expect(warning).to_be_visible()
    expect(warning.get_by_role("link", name=re.compile("Jane Doe"))).to_have_attribute(
        "href", earlier_lead.get_absolute_url()
    )
    expect(warning).to_contain_text("same email")

    page.get_by_label("Rating").select_option(label="Hot")
    page.get_by_role("button", name="Create lead").click()
    warning = page.get_by_role("region", name=re.compile("may already be in Keel"))
    expect(warning).to_contain_text("Nothing was saved yet")
    warning.get_by_role("button", name="Save the lead anyway").click()

    expect(page.get_by_role("heading", name="Jane Doe", level=1)).to_be_visible()
    expect(page.get_by_role("status").get_by_text("Lead Jane Doe created.")).to_be_visible()
    lead_url = page.url

    page.get_by_role("link", name="Convert").click()
    contact = page.get_by_role("group", name="Contact")
    expect(contact.get_by_role("radio", name=re.compile("Create a new contact"))).to_be_checked()
    company = page.get_by_role("group", name="Company")
    company.get_by_role("radio", name=re.compile("Create a new company: Acme Robotics")).check()
    deal_fields = page.locator("#deal-fields")
    expect(deal_fields).to_be_hidden()
    page.get_by_label("Create a deal for this lead").check()
    expect(deal_fields).to_be_visible()
    page.get_by_label("Pipeline").select_option(label="New business")
    page.get_by_label("Stage").select_option(label="Propose (30%)")
    page.get_by_label("Deal name").fill("Acme Robotics pilot")
    page.get_by_label("Amount").fill("12500")
    page.get_by_label("Expected close date").fill("2030-06-30")
    page.get_by_role("button", name="Convert").click()

    expect(page).to_have_url(lead_url)
    notice = page.get_by_role("status").filter(has_text="read-only")
    expect(notice).to_be_visible()
    expect(page.get_by_role("link", name="Edit")).to_have_count(0)
    expect(page.get_by_role("link", name="Convert")).to_have_count(0)
    became = page.get_by_role("complementary").get_by_role("region", name="Converted into")
    expect(became.get_by_role("link", name="Jane Doe")).to_be_visible()
    expect(became.get_by_role("link", name="Acme Robotics", exact=True)).to_be_visible()
    expect(became.get_by_role("link", name="Acme Robotics pilot")).to_be_visible()
    expect(became).to_contain_text("Propose")

    page.goto(f"{lead_url}edit/")
    expect(page.get_by_role("heading", name="This lead was converted")).to_be_visible()


def test_visitor_fills_in_the_web_form(page, demo_people):
    from leads.models import Lead
    from tests.leads.factories import WebFormFactory

    form = WebFormFactory(
        name="Talk to sales",
        fields=["first_name", "last_name", "email", "description"],
        required_fields=["last_name", "email"],
    )
    page.goto(f"/forms/{form.token}/")
    expect(page.get_by_role("heading", name="Talk to sales")).to_be_visible()
    page.get_by_label("First name").fill("Max")
    page.get_by_label("Email").fill("not-an-email")
    page.get_by_role("button", name="Send").click()
    expect(page.get_by_role("alert")).to_contain_text("Please check the fields")
    expect(page.get_by_label("Last name")).to_have_attribute("aria-invalid", "true")
    page.get_by_label("Last name").fill("Mustermann")
    page.get_by_label("Email").fill("max@example.test")
    page.get_by_label("Message").fill("We need 40 seats.")
    page.get_by_role("button", name="Send").click()
    expect(page.get_by_role("heading", name="Thank you")).to_be_visible()
    lead = Lead.objects.get(email="max@example.test")
    assert (lead.last_name, lead.source, lead.web_form_id) == ("Mustermann", "web_form", form.pk)

"""The duplicate warning: a rep creates a company that matches one by domain, sees the
candidate (live while typing, then before saving), opens it, and creates anyway; then the
rows of emails grow without a reload and a contact links to an existing company."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def existing_company(demo_people):
    from accounts.models import User
    from contacts import services

    rep = User.objects.get(email="rep@keel.test")
    return services.company_create(
        actor=rep, name="Globex Corporation", website="https://www.globex.example"
    )


def test_duplicate_warning_open_and_create_anyway(page, existing_company):
    from contacts.models import Company

    sign_in(page, "rep@keel.test")
    page.goto("/companies/new/")
    expect(page.get_by_role("heading", name="New company")).to_be_visible()

    page.get_by_label("Name", exact=True).fill("Globex Europe")
    website = page.get_by_label("Website")
    website.fill("globex.example/eu")
    with page.expect_response(lambda r: "/companies/duplicates/" in r.url and "website" in r.url):
        page.get_by_label("Industry").focus()  # leaving the website field checks for matches
    live = page.locator("#record-duplicates")
    expect(live.get_by_role("link", name="Globex Corporation", exact=True)).to_be_visible()
    expect(live.get_by_text("same domain")).to_be_visible()
    expect(live.get_by_role("button", name="Create anyway")).to_have_count(0)

    # More rows without a reload, then the warning again before saving.
    page.get_by_role("button", name="Add another email").click()
    expect(page.get_by_label("Email address")).to_have_count(2)
    page.get_by_label("Email address").nth(1).fill("eu@globex.example")
    page.get_by_role("button", name="Create company").click()
    warning = page.get_by_role("region", name="This company may already be in Keel")
    expect(warning).to_be_visible()
    expect(warning.get_by_text("same domain")).to_be_visible()
    assert Company.objects.count() == 1

    # "Open" shows the existing company in a new tab; the form keeps what was typed.
    with page.context.expect_page() as opened:
        warning.get_by_role("link", name=re.compile(r"^Open Globex Corporation")).click()
    other = opened.value
    other.wait_for_load_state()
    expect(other.get_by_role("heading", level=1)).to_have_text("Globex Corporation")
    other.close()
    expect(page.get_by_label("Email address").nth(1)).to_have_value("eu@globex.example")

    warning.get_by_role("button", name="Create anyway").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Globex Europe")
    expect(page.get_by_role("link", name="eu@globex.example")).to_be_visible()
    assert Company.objects.count() == 2
    assert Company.objects.get(name="Globex Europe").domain == "globex.example"


def test_contact_links_to_the_existing_company(page, existing_company):
    from contacts.models import Company, Contact

    sign_in(page, "rep@keel.test")
    page.goto("/contacts/new/")
    page.get_by_label("First name").fill("Hank")
    page.get_by_label("Last name").fill("Scorpio")
    page.get_by_label("Company").fill("Globex")
    page.get_by_role("button", name="Create contact").click()
    question = page.get_by_role("region", name=re.compile("Which company is"))
    expect(question).to_be_visible()
    question.get_by_role("button", name="Link to Globex Corporation").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Hank Scorpio")
    expect(page.get_by_role("link", name="Globex Corporation").first).to_be_visible()
    assert Contact.objects.get().company == existing_company
    assert Company.objects.count() == 1

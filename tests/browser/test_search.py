"""The top bar's global search: type, see grouped results, move with the arrow keys, open
one with Enter; "/" focuses the box, Escape closes the menu, Enter without a choice opens
the full results page; on a phone the box opens from an icon button."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


# A flushed database lost what the domain apps' migrations granted the standard roles
# (``standard_roles`` restores the foundation's only): grant it again.


@pytest.fixture
def records(demo_people):
    from accounts.models import User
    from tests.contacts.factories import CompanyFactory, ContactFactory
    from tests.leads.factories import LeadFactory

    rep = User.objects.get(email="rep@keel.test")
    rep2 = User.objects.get(email="rep2@keel.test")
    company = CompanyFactory(owner=rep, name="Zeltron Robotics", domain="zeltron.test")
    contact = ContactFactory(owner=rep, first_name="Zelda", last_name="Fitz", company=company)
    lead = LeadFactory(
        owner=rep, first_name="Zelig", last_name="Moss", company_name="Moss & Co", email=""
    )
    LeadFactory(owner=rep2, first_name="Zeltron", last_name="Hidden", company_name="")
    return {"company": company, "contact": contact, "lead": lead}


def test_type_see_grouped_results_and_open_one_with_the_keyboard(page, records):
    sign_in(page, "rep@keel.test")
    box = page.get_by_role("combobox", name="Search")
    expect(box).to_have_attribute("aria-expanded", "false")

    page.keyboard.press("/")
    expect(box).to_be_focused()
    box.press_sequentially("zel", delay=30)

    listbox = page.get_by_role("listbox", name="Search results")
    expect(listbox).to_be_visible()
    expect(box).to_have_attribute("aria-expanded", "true")
    for group in ("Companies", "Contacts", "Leads"):
        expect(listbox.get_by_role("group", name=group)).to_be_visible()
    expect(listbox.get_by_role("group", name="Deals")).to_have_count(0)
    expect(listbox.get_by_role("option", name=re.compile("^Zeltron Robotics"))).to_be_visible()
    expect(listbox.get_by_role("option", name=re.compile("Hidden"))).to_have_count(0)
    expect(listbox.locator("mark").first).to_have_text(re.compile("zel", re.I))

    box.press("ArrowDown")
    first = listbox.get_by_role("option").first
    expect(first).to_have_attribute("aria-selected", "true")
    expect(box).to_have_attribute("aria-activedescendant", first.get_attribute("id"))
    box.press("ArrowDown")
    box.press("ArrowDown")
    lead_option = listbox.get_by_role("group", name="Leads").get_by_role("option").first
    expect(lead_option).to_have_attribute("aria-selected", "true")
    box.press("Enter")
    expect(page).to_have_url(re.compile(re.escape(records["lead"].get_absolute_url()) + "$"))


def test_escape_closes_and_enter_without_a_choice_opens_the_results_page(page, records):
    sign_in(page, "rep@keel.test")
    page.keyboard.press("Control+k")
    box = page.get_by_role("combobox", name="Search")
    expect(box).to_be_focused()
    box.press_sequentially("zelda", delay=30)
    listbox = page.get_by_role("listbox", name="Search results")
    expect(listbox.get_by_role("option", name=re.compile("Zelda Fitz"))).to_be_visible()

    box.press("Escape")
    expect(listbox).to_be_hidden()
    expect(box).to_have_attribute("aria-expanded", "false")
    expect(box).to_be_focused()

    box.press("Enter")
    expect(page).to_have_url(re.compile(r"/search/\?q=zelda$"))
    expect(page.get_by_role("heading", name="Results for “zelda”", level=1)).to_be_visible()
    contacts = page.get_by_role("region", name="Contacts")
    expect(contacts.get_by_role("link", name="Zelda Fitz")).to_have_attribute(
        "href", records["contact"].get_absolute_url()
    )


def test_a_short_query_shows_nothing_and_a_miss_says_so(page, records):
    sign_in(page, "rep@keel.test")
    box = page.get_by_role("combobox", name="Search")
    box.click()
    box.press_sequentially("z", delay=30)
    page.wait_for_timeout(400)
    expect(page.get_by_role("listbox", name="Search results")).to_be_hidden()
    box.press_sequentially("qx", delay=30)
    listbox = page.get_by_role("listbox", name="Search results")
    expect(listbox).to_contain_text("No records match “zqx”.")


def test_on_a_phone_the_search_opens_from_an_icon(phone, records):
    sign_in(phone, "rep@keel.test")
    box = phone.get_by_role("combobox", name="Search")
    expect(box).to_be_hidden()
    toggle = phone.get_by_role("link", name="Open search")
    toggle.click()
    expect(box).to_be_focused()
    expect(toggle).to_have_attribute("aria-expanded", "true")
    box.press_sequentially("zeltron", delay=30)
    option = phone.get_by_role("option", name=re.compile("^Zeltron Robotics"))
    expect(option).to_be_visible()
    option.click()
    expect(phone).to_have_url(re.compile(re.escape(records["company"].get_absolute_url()) + "$"))
    width = phone.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, "no sideways scrolling on a phone"

"""Lists in a real browser: filter and save a view, bulk-assign selected leads, export the
filtered list as CSV."""

from __future__ import annotations

import csv
import io
import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def team_leads(demo_people):
    from accounts.models import User
    from tests.leads.factories import LeadFactory

    manager = User.objects.get(email="manager@keel.test")
    rep = User.objects.get(email="rep@keel.test")
    LeadFactory(owner=manager, first_name="Ann", last_name="Able", status="qualified")
    LeadFactory(owner=manager, first_name="Bob", last_name="Baker", status="qualified")
    LeadFactory(owner=manager, first_name="Cy", last_name="Cole", status="new")
    LeadFactory(owner=rep, first_name="Di", last_name="Dunn", status="new")
    return manager, rep


def open_leads(page, email="manager@keel.test"):
    sign_in(page, email)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Leads").click()
    expect(page.get_by_role("heading", name="Leads", level=1)).to_be_visible()
    # The heading shows before htmx has wired the filter form (DOMContentLoaded): a filter
    # changed in between would not be sent.
    page.wait_for_load_state()


def rows(page):
    return page.get_by_role("table").get_by_role("row")


def test_filter_and_save_a_view_that_opens_by_default(page, team_leads):
    open_leads(page)
    page.get_by_role("combobox", name="Status", exact=True).select_option(label="Qualified")
    expect(rows(page)).to_have_count(3)  # header + Able + Baker
    expect(page).to_have_url(re.compile(r"status=qualified"))
    page.get_by_role("button", name="Saved views").click()
    page.get_by_label("Save current view as").fill("Qualified leads")
    page.get_by_label("Open this view by default").check()
    page.get_by_role("button", name="Save view").click()
    expect(page.get_by_role("status").filter(has_text="Qualified leads")).to_be_visible()
    # The bare list now opens the saved view.
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Leads").click()
    expect(page).to_have_url(re.compile(r"status=qualified.*view="))
    expect(page.get_by_role("heading", name=re.compile("Qualified leads"))).to_be_visible()
    expect(rows(page)).to_have_count(3)


def test_bulk_assign_selected_leads(page, team_leads):
    from leads.models import Lead

    open_leads(page)
    page.get_by_label("Select Ann Able").check()
    page.get_by_label("Select Bob Baker").check()
    expect(page.get_by_text("2 selected")).to_be_visible()
    page.get_by_label("Bulk action").select_option(label="Assign owner")
    page.get_by_label("new owner").select_option(label="Riley Rep")
    page.get_by_role("button", name="Apply to selected").click()
    expect(page.get_by_role("status").filter(has_text="2 leads assigned")).to_be_visible()
    owners = dict(Lead.objects.values_list("last_name", "owner__email"))
    assert owners["Able"] == owners["Baker"] == "rep@keel.test"
    assert owners["Cole"] == "manager@keel.test"


def test_export_the_filtered_list_as_csv(page, team_leads):
    open_leads(page)
    page.get_by_role("combobox", name="Status", exact=True).select_option(label="Qualified")
    expect(rows(page)).to_have_count(3)
    with page.expect_download() as download:
        page.get_by_role("link", name="Export CSV").click()
    from pathlib import Path

    body = Path(download.value.path()).read_text(encoding="utf-8-sig")
    table = list(csv.reader(io.StringIO(body)))
    assert table[0][:2] == ["Name", "Company"]
    assert sorted(row[0] for row in table[1:]) == ["Ann Able", "Bob Baker"]


def test_typing_in_the_search_box_narrows_the_list(page, team_leads):
    open_leads(page)
    expect(rows(page)).to_have_count(5)  # header + four leads the manager's team holds
    page.get_by_role("searchbox", name="Search").fill("baker")
    expect(rows(page)).to_have_count(2)
    expect(page.get_by_role("link", name="Bob Baker")).to_be_visible()
    expect(page).to_have_url(re.compile(r"q=baker"))

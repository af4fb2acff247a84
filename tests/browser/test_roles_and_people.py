"""An admin makes a custom role from the rep's, lets it see every deal and takes away
exports, adds a person with that role to a team, then deactivates them: the person's open
browser is signed out."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_custom_role_person_and_deactivation(page, chromium, live_server, demo_people):
    from accounts.models import Role, User

    sign_in(page, "admin@keel.test")
    page.get_by_role("navigation", name="Administration").get_by_role("link", name="Roles").click()
    expect(page.get_by_role("heading", name="Roles", level=1)).to_be_visible()
    page.get_by_role("link", name="New role").click()
    page.get_by_label("Name").fill("Deal desk")
    page.get_by_label("Start from").select_option(label="Sales rep")
    page.get_by_role("button", name="Create role").click()

    expect(page.get_by_role("heading", name="Deal desk", level=1)).to_be_visible()
    expect(page.get_by_label("Deals: Export")).to_be_checked()
    page.get_by_label("Deals: Export").uncheck()
    page.get_by_label("Deals: visibility").select_option(label="All records")
    page.get_by_label("Teams", exact=True).check()
    page.get_by_role("button", name="Save role").click()
    expect(page.locator("#toasts")).to_contain_text("Role Deal desk saved.")
    expect(page.get_by_label("Deals: Export")).not_to_be_checked()
    expect(page.get_by_label("Deals: visibility")).to_have_value("all")
    desk = Role.objects.get(name="Deal desk")
    assert desk.scope_of("deals.deal") == "all"
    assert not desk.group.permissions.filter(codename="export_deal").exists()

    page.get_by_role("navigation", name="Administration").get_by_role("link", name="Users").click()
    page.get_by_role("link", name="Add a person").click()
    page.get_by_label("Full name").fill("Dee Desk")
    page.get_by_label("Email", exact=True).fill("dee@keel.test")
    page.get_by_label("Team", exact=True).select_option(label="EMEA")
    page.get_by_label(re.compile("Deal desk")).check()
    page.get_by_label("Email an invitation to choose a password").uncheck()
    page.get_by_role("button", name="Add person").click()
    expect(page.get_by_role("heading", name="Dee Desk", level=1)).to_be_visible()

    dee = User.objects.get(email="dee@keel.test")
    dee.set_password("keel-demo")
    dee.save()
    other = chromium.new_context(base_url=live_server.url).new_page()
    sign_in(other, "dee@keel.test")
    expect(other.get_by_role("navigation", name="Main")).to_be_visible()

    page.get_by_role("button", name="Deactivate Dee Desk").click()
    expect(page.get_by_text(re.compile("Dee Desk is deactivated: 1 session ended"))).to_be_visible()
    expect(page.get_by_text("Deactivated", exact=True).first).to_be_visible()
    other.reload()
    expect(other.get_by_label("Password")).to_be_visible()  # back on the sign-in page
    other.context.close()

    page.get_by_role("navigation", name="Administration").get_by_role("link", name="Users").click()
    page.get_by_label("Status").select_option(label="Deactivated")
    page.get_by_role("button", name="Filter").click()
    rows = page.get_by_role("table", name="People").get_by_role("row")
    expect(rows.filter(has_text="Dee Desk")).to_have_count(1)
    expect(rows.filter(has_text="Riley Rep")).to_have_count(0)


def test_view_as_a_rep_then_stop(page, demo_people):
    from accounts.models import User
    from tests.leads.factories import LeadFactory

    rep = User.objects.get(email="rep@keel.test")
    LeadFactory(owner=rep, first_name="Rita", last_name="Riley-Owned")
    LeadFactory(owner=User.objects.get(email="rep2@keel.test"), first_name="Sid", last_name="Sams")
    sign_in(page, "admin@keel.test")
    page.goto(f"/settings/users/{rep.pk}/")
    page.get_by_role("button", name="View as Riley Rep").click()
    banner = page.get_by_role("region", name="Viewing as someone else")
    expect(banner).to_contain_text("You are viewing Keel as Riley Rep sees it.")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Leads").click()
    expect(page.get_by_role("link", name="Rita Riley-Owned")).to_be_visible()
    expect(page.get_by_role("link", name="Sid Sams")).to_have_count(0)
    expect(page.get_by_role("navigation", name="Administration")).to_have_count(0)
    banner.get_by_role("button", name="Stop viewing as Riley Rep").click()
    expect(page.get_by_role("heading", name="Riley Rep", level=1)).to_be_visible()
    expect(page.get_by_role("region", name="Viewing as someone else")).to_have_count(0)


def test_hide_deal_amounts_from_a_role_with_the_keyboard(page, demo_people):
    from accounts.models import AuditEntry, Role

    sign_in(page, "admin@keel.test")
    support = Role.objects.get(slug="support_agent")
    page.goto(f"/settings/roles/{support.pk}/")
    fields = page.get_by_role("region", name="Fields")
    expect(fields.get_by_role("table", name="Deals")).to_be_visible()
    amount = fields.get_by_label("Amount (Deals)")
    expect(amount).to_have_value("hidden")  # the demo hides them from support agents
    rating = fields.get_by_label("Rating (Leads)")
    rating.focus()
    page.keyboard.press("Tab")  # the next control is the next field's select
    expect(fields.get_by_label("Notes (Leads)")).to_be_focused()
    rating.select_option(label="Read-only")
    amount.select_option(label="Editable")
    page.get_by_role("button", name="Save role").click()
    expect(page.locator("#toasts")).to_contain_text("Role Support agent saved.")
    expect(page.get_by_label("Rating (Leads)")).to_have_value("read_only")
    support.refresh_from_db()
    assert support.field_levels == {"leads.lead": {"rating": "read_only"}}
    entry = AuditEntry.objects.get(action="role.fields_changed")
    assert entry.changes == {
        "deals.deal.amount": ["hidden", "editable"],
        "leads.lead.rating": ["editable", "read_only"],
    }

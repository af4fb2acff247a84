"""The notifications page in a browser: the list, marking read, desktop notifications."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_read_notifications_and_turn_desktop_ones_on(page, demo_people):
    from accounts.models import User
    from notifications import services
    from tests.leads.factories import LeadFactory

    rep = User.objects.get(email="rep@keel.test")
    for name in ("Ava Stone", "Ben Hale"):
        first, last = name.split()
        lead = LeadFactory(owner=rep, first_name=first, last_name=last)
        services.notify(recipient=rep, kind="lead.assigned", title=f"You got {name}", record=lead)
    page.context.grant_permissions(["notifications"])
    sign_in(page, "rep@keel.test")
    page.goto("/notifications/")
    expect(page.get_by_role("button", name="Notifications, 2 unread")).to_be_visible()
    expect(page.get_by_role("region", name="Desktop notifications")).to_contain_text("On:")

    page.get_by_role("button", name="Mark “You got Ben Hale” read").click()
    expect(page.get_by_role("button", name="Mark “You got Ben Hale” read")).to_have_count(0)
    expect(page.get_by_role("button", name="Notifications, 1 unread")).to_be_visible()
    page.get_by_role("button", name="Mark all read").click()
    expect(page.get_by_role("button", name="Notifications, 0 unread")).to_be_visible()
    expect(page.get_by_text("All read.")).to_be_visible()

    page.get_by_label("Show").select_option(label="Unread only")
    page.get_by_role("button", name="Filter").click()
    expect(page.get_by_text("No notifications match these filters.")).to_be_visible()

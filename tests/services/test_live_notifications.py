"""A notification crosses real processes into a browser: the manager assigns a lead, the
worker runs the handler, the ASGI server pushes it, and the rep's bell counts it without a
reload (two browser contexts against the real stack)."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import chromium  # noqa: F401 - the browser fixture
from tests.leads.factories import LeadFactory
from tests.services.stack import Stack, keel_stack

pytestmark = [
    pytest.mark.services,
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
]


@pytest.fixture(scope="module")
def stack(django_db_setup, django_db_blocker, tmp_path_factory) -> Stack:
    """Keel's real processes, serving pages (static files collected)."""
    with keel_stack(tmp_path_factory.mktemp("stack"), pages=True) as running:
        yield running


def with_real_password(user) -> None:
    """The servers check passwords with production's hashers, not the tests' fast one."""
    from django.contrib.auth.hashers import PBKDF2PasswordHasher

    user.password = PBKDF2PasswordHasher().encode("pw-for-tests", "keel-test-salt", 1000)
    user.save(update_fields=["password"])


def signed_in(browser, stack, email):
    # "localhost": a secure context for Chromium, so the production-mode Secure cookies stick.
    page = browser.new_context(base_url=stack.url.replace("127.0.0.1", "localhost")).new_page()
    page.set_default_timeout(15_000)
    page.goto("/accounts/login/")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill("pw-for-tests")
    page.get_by_role("button", name="Sign in", exact=True).click()
    expect(page).not_to_have_url(re.compile(r"/accounts/login/"))
    return page


def test_the_reps_bell_counts_the_lead_the_manager_assigns(
    stack,
    chromium,  # noqa: F811
    standard_roles,
    manager,
    rep,
):
    with_real_password(manager)
    with_real_password(rep)
    lead = LeadFactory(owner=manager, first_name="Jo", last_name="Smith")
    mine = signed_in(chromium, stack, rep.email)
    mine.goto("/notifications/")
    expect(mine.locator("body")).to_have_attribute("data-live", "connected")
    bell = mine.get_by_role("button", name=re.compile(r"^Notifications, \d+ unread$"))
    expect(bell).to_have_accessible_name("Notifications, 0 unread")

    theirs = signed_in(chromium, stack, manager.email)
    theirs.goto(f"/leads/{lead.pk}/edit/")
    theirs.get_by_label("Owner").select_option(label=rep.full_name)
    theirs.get_by_role("button", name=re.compile("^Save")).click()
    expect(theirs.get_by_role("heading", level=1)).to_have_text("Jo Smith")

    expect(bell).to_have_accessible_name("Notifications, 1 unread")  # no reload
    expect(mine.locator("#toasts")).to_contain_text("assigned you the lead Jo Smith")
    # The pushed item appears in the open list (its form gets this page's CSRF token).
    listed = mine.get_by_role("list", name="Latest first")
    unread = re.compile("^Unread: .*assigned you the lead Jo Smith")
    listed.get_by_role("button", name=unread).click()
    expect(mine).to_have_url(re.compile(rf"/leads/{lead.pk}/$"))
    expect(mine.get_by_role("button", name="Notifications, 0 unread")).to_be_visible()

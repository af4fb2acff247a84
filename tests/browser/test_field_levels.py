"""Field levels end to end: an admin makes deal amounts read-only for sales reps on the
roles page; a rep sees the amount but cannot change it; a support agent, from whom the demo
hides amounts, finds them on no page, list or board."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import sign_in
from tests.browser.test_two_factor import sign_out

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_an_admin_freezes_amounts_and_the_pages_follow(page, demo_people):
    from accounts.models import Role, User
    from tests.deals.factories import DealFactory

    rep = User.objects.get(email="rep@keel.test")
    deal = DealFactory(name="Harbor renewal", owner=rep, amount=Decimal("987654.32"))

    sign_in(page, "admin@keel.test")
    page.goto(f"/settings/roles/{Role.objects.get(slug='sales_rep').pk}/")
    page.get_by_role("region", name="Fields").get_by_label("Amount (Deals)").select_option(
        label="Read-only"
    )
    page.get_by_role("button", name="Save role").click()
    expect(page.locator("#toasts")).to_contain_text("Role Sales rep saved.")
    sign_out(page)

    sign_in(page, "rep@keel.test")
    page.goto(deal.get_absolute_url())
    expect(page.get_by_role("main")).to_contain_text("987,654")
    page.get_by_role("link", name="Edit").click()
    expect(page.get_by_label("Amount")).to_be_disabled()
    expect(page.get_by_text("Your role may read this field but not change it.")).to_be_visible()
    page.get_by_label("Name", exact=True).fill("Harbor renewal 2027")
    page.get_by_role("button", name=re.compile("^Save")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Harbor renewal 2027")
    deal.refresh_from_db()
    assert deal.amount == Decimal("987654.32")
    sign_out(page)

    sign_in(page, "support@keel.test")
    page.goto(deal.get_absolute_url())
    expect(page.get_by_role("heading", level=1)).to_have_text("Harbor renewal 2027")
    for url in (deal.get_absolute_url(), "/deals/", f"/pipelines/{deal.pipeline_id}/board/"):
        page.goto(url)
        expect(page.get_by_role("main")).not_to_contain_text("987,654")
        expect(page.get_by_role("main")).not_to_contain_text("987654")
    page.goto("/deals/")
    expect(page.get_by_role("link", name="Harbor renewal 2027")).to_be_visible()
    expect(page.get_by_role("columnheader", name="Amount")).to_have_count(0)

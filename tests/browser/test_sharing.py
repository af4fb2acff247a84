"""A rep shares one of their deals with a rep of another team to edit; that rep opens it;
the owner revokes the share and the other rep's next click answers "not found"."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_share_a_deal_then_revoke(page, chromium, live_server, demo_people):
    from accounts.models import User
    from tests.deals.factories import DealFactory

    rep = User.objects.get(email="rep@keel.test")
    deal = DealFactory(owner=rep, name="Harbor expansion")
    url = deal.get_absolute_url()

    other = chromium.new_context(base_url=live_server.url).new_page()
    sign_in(other, "rep2@keel.test")
    assert other.goto(url).status == 404

    sign_in(page, "rep@keel.test")
    page.goto(url)
    panel = page.get_by_role("region", name="Sharing")
    expect(panel).to_contain_text("Not shared")
    panel.get_by_label("Find a person or team").fill("sam")
    expect(panel.get_by_label("Share with").locator("option")).to_have_text(["Sam Second"])
    panel.get_by_label("Share with").select_option(label="Sam Second")
    panel.get_by_label("Access").select_option(label="Can edit")
    panel.get_by_role("button", name="Share").click()
    expect(page.locator("#toasts")).to_contain_text("Shared with Sam Second: edit.")
    shared = page.get_by_role("list", name="Shared with")
    expect(shared).to_contain_text("Sam Second")
    expect(shared).to_contain_text("Can edit")
    expect(shared).to_contain_text("Shared by Riley Rep")

    assert other.goto(url).status == 200
    expect(other.get_by_role("heading", name="Harbor expansion", level=1)).to_be_visible()

    page.get_by_role("button", name="Stop sharing with Sam Second").click()
    expect(page.locator("#toasts")).to_contain_text("No longer shared with Sam Second.")
    expect(page.get_by_role("region", name="Sharing")).to_contain_text("Not shared")
    assert other.reload().status == 404
    other.context.close()

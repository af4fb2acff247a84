"""The core flow of issue 3 end to end in a real browser: a rep creates a lead, converts it
with a deal, finds the deal on the pipeline board, drags it to the next stage, and sees the
move on the deal's timeline."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import sign_in
from tests.browser.test_deals import card, column, drag

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def pipeline(demo_people):
    from deals.models import Pipeline
    from tests.deals.factories import PipelineFactory

    Pipeline.objects.update(is_default=False)
    pipeline = PipelineFactory(name="New business", stages=["Qualify", "Propose"])
    Pipeline.objects.filter(pk=pipeline.pk).update(is_default=True)
    return pipeline


def test_lead_to_deal_to_next_stage_to_timeline(page, pipeline):
    from deals.models import Deal

    page.set_viewport_size({"width": 1700, "height": 900})
    sign_in(page, "rep@keel.test")

    # Create the lead.
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Leads").click()
    page.get_by_role("link", name="New lead").click()
    page.get_by_label("First name").fill("Grace")
    page.get_by_label("Last name").fill("Hopper")
    page.get_by_label("Company").fill("Cobol Works")
    page.get_by_label("Email").fill("grace@cobolworks.test")
    page.get_by_role("button", name="Create lead").click()
    expect(page.get_by_role("heading", name="Grace Hopper", level=1)).to_be_visible()

    # Convert it, with a deal in the first stage.
    page.get_by_role("link", name="Convert").click()
    page.get_by_label("Create a deal for this lead").check()
    page.get_by_label("Pipeline").select_option(label="New business")
    page.get_by_label("Stage").select_option(label="Qualify (10%)")
    page.get_by_label("Deal name").fill("Cobol Works migration")
    page.get_by_label("Amount").fill("48000")
    page.get_by_role("button", name="Convert").click()
    expect(page.get_by_role("status").filter(has_text="read-only")).to_be_visible()

    # The deal is on the board, in Qualify.
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Pipeline board").click()
    expect(page.get_by_role("heading", name="New business", level=1)).to_be_visible()
    deal_card = column(page, "Qualify").get_by_role("listitem", name="Cobol Works migration")
    expect(deal_card).to_be_visible()

    # Drag it to the next stage; the server keeps it there.
    with page.expect_response(re.compile(r"/deals/\d+/move/$")) as moved:
        drag(page, card(page, "Cobol Works migration"), column(page, "Propose"))
    assert moved.value.status == 200
    expect(
        column(page, "Propose").get_by_role("listitem", name="Cobol Works migration")
    ).to_be_visible()
    deal = Deal.objects.get(name="Cobol Works migration")
    assert deal.stage.name == "Propose"

    # The move is on the deal's timeline, newest first.
    page.goto(deal.get_absolute_url())
    timeline = page.get_by_role("region", name="Timeline")
    expect(timeline).to_contain_text("Propose")
    expect(timeline).to_contain_text("Qualify")

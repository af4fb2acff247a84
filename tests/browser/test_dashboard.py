"""A manager opens the dashboard from the sidebar, sees the team's figures under their
headings, and switches the pipeline card to another pipeline."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


# A flushed database lost what the domain apps' migrations granted the standard roles
# (``standard_roles`` restores the foundation's only): grant it again.


@pytest.fixture
def team_records(demo_people):
    from django.utils import timezone

    from accounts.models import User
    from tests.activities.factories import ActivityFactory, TaskFactory
    from tests.deals.factories import DealFactory, PipelineFactory

    rep = User.objects.get(email="rep@keel.test")
    manager = User.objects.get(email="manager@keel.test")
    rep2 = User.objects.get(email="rep2@keel.test")
    sales = PipelineFactory(name="New business", is_default=True)
    renewals = PipelineFactory(name="Renewals", stages=["Upcoming", "Quoted"])
    first = sales.stages.order_by("position").first()
    DealFactory(owner=rep, pipeline=sales, stage=first, amount=Decimal("12000"))
    DealFactory(owner=manager, pipeline=sales, stage=first, amount=Decimal("3000"))
    DealFactory(owner=rep2, pipeline=sales, stage=first, amount=Decimal("777000"))
    DealFactory(owner=rep, pipeline=renewals, amount=Decimal("4321"))
    ActivityFactory(owner=rep)
    TaskFactory(
        owner=manager, title="Review forecast", due_at=timezone.now() - timezone.timedelta(days=2)
    )
    return {"sales": sales, "renewals": renewals}


def test_a_manager_sees_the_team_dashboard(page, team_records):
    sign_in(page, "manager@keel.test")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Dashboard").click()
    expect(page.get_by_role("heading", name="Dashboard", level=1)).to_be_visible()
    expect(page.get_by_text("Figures for the North America team's records")).to_be_visible()
    for heading in (
        "Pipeline by stage",
        "Won and lost",
        "Activities this week",
        "My overdue tasks",
        "Lead conversion",
        "Closing this month",
        "By person",
    ):
        expect(page.get_by_role("heading", name=heading, level=2)).to_be_visible()

    board = page.get_by_role("region", name="Pipeline by stage")
    expect(board.get_by_role("row", name=re.compile("Qualify"))).to_contain_text("15,000")
    expect(board).not_to_contain_text("777,000")
    people = page.get_by_role("region", name="By person")
    # open pipeline over every pipeline: 12,000 on New business and 4,321 on Renewals
    expect(people.get_by_role("row", name=re.compile("Riley Rep"))).to_contain_text("16,321")
    expect(people).not_to_contain_text("Sam Second")
    expect(page.get_by_role("region", name="My overdue tasks")).to_contain_text("Review forecast")

    board.get_by_label("Pipeline").select_option(label="Renewals")
    board = page.get_by_role("region", name="Pipeline by stage")
    expect(board.get_by_role("row", name=re.compile("Upcoming"))).to_contain_text("4,321")
    expect(page).to_have_url(re.compile(rf"/dashboard/\?pipeline={team_records['renewals'].pk}$"))
    expect(page.get_by_role("heading", name="By person", level=2)).to_be_visible()

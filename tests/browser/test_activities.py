"""A rep completes a task from My tasks (and undoes it), reschedules a task by dragging it
to another day on the calendar, and logs a call on a record page that appears on its
timeline without a reload."""

from __future__ import annotations

import re
from datetime import datetime, time, timedelta

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def rep(demo_people):
    from accounts.models import User

    return User.objects.get(email="rep@keel.test")


def test_complete_a_task_from_my_tasks_and_undo_it(page, rep):
    from django.utils import timezone

    from activities.models import Task
    from tests.activities.factories import TaskFactory
    from tests.deals.factories import DealFactory

    deal = DealFactory(owner=rep, name="Acme renewal")
    task = TaskFactory(
        owner=rep, deal=deal, title="Send the proposal", due_at=timezone.now() - timedelta(hours=2)
    )
    TaskFactory(owner=rep, title="Prepare the demo", due_at=timezone.now() + timedelta(days=2))

    sign_in(page, "rep@keel.test")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="My tasks").click()
    overdue = page.get_by_role("region", name="Overdue")
    expect(overdue).to_contain_text("Send the proposal")
    expect(overdue.get_by_role("link", name="Acme renewal")).to_be_visible()

    box = page.get_by_role("checkbox", name="Mark Send the proposal done")
    box.click()
    done = page.get_by_role("checkbox", name="Reopen Send the proposal")
    expect(done).to_have_attribute("aria-checked", "true")
    expect(done).to_be_focused()  # keyboard users keep their place
    assert Task.objects.get(pk=task.pk).completed_at is not None

    page.locator(f"#task-row-{task.pk}").get_by_role("button", name="Undo").click()
    expect(page.get_by_role("checkbox", name="Mark Send the proposal done")).to_have_attribute(
        "aria-checked", "false"
    )
    assert Task.objects.get(pk=task.pk).completed_at is None

    page.reload()  # completion also survives a reload, the page is server-rendered
    page.get_by_role("checkbox", name="Mark Send the proposal done").press("Enter")
    expect(page.get_by_role("checkbox", name="Reopen Send the proposal")).to_be_visible()
    page.reload()
    expect(page.get_by_role("region", name="Completed today")).to_contain_text("Send the proposal")


def test_drag_a_task_to_another_day_on_the_calendar(page, rep):
    from activities.calendar_grid import grid_for
    from activities.models import Task
    from activities.services import user_zone
    from tests.activities.factories import TaskFactory

    zone = user_zone(rep)
    day = datetime.now(zone).date() + timedelta(days=3)
    task = TaskFactory(
        owner=rep, title="Quarterly review prep", due_at=datetime.combine(day, time(10, 30), zone)
    )
    grid = grid_for("month", day)
    target = (
        day + timedelta(days=1) if day + timedelta(days=1) < grid.end else day - timedelta(days=1)
    )

    sign_in(page, "rep@keel.test")
    page.goto(f"/calendar/?date={day.isoformat()}")
    item = page.get_by_role("link", name=re.compile("Quarterly review prep"))
    expect(item).to_be_visible()
    target_cell = page.locator(f'td[data-date="{target.isoformat()}"]')
    item.drag_to(target_cell)

    expect(
        target_cell.get_by_role("link", name=re.compile("Quarterly review prep"))
    ).to_be_visible()
    expect(page.get_by_role("status").filter(has_text="is now due")).to_have_count(
        2
    )  # toast + live region
    moved = Task.objects.get(pk=task.pk).due_at.astimezone(zone)
    assert (moved.date(), moved.time()) == (target, time(10, 30))

    page.reload()  # persisted: the server puts it on the new day
    expect(
        page.locator(f'td[data-date="{target.isoformat()}"]').get_by_role(
            "link", name=re.compile("Quarterly review prep")
        )
    ).to_be_visible()


def test_a_refused_move_goes_back_with_a_message(page, rep):
    from django.utils import timezone

    from accounts.models import User
    from activities.models import Task
    from tests.activities.factories import TaskFactory

    task = TaskFactory(owner=rep, title="Call the bank", due_at=timezone.now() + timedelta(days=1))
    sign_in(page, "rep@keel.test")
    page.goto("/calendar/?view=week")
    item = page.get_by_role("link", name=re.compile("Call the bank"))
    origin = item.locator("xpath=ancestor::td[1]")
    origin_date, origin_hour = origin.get_attribute("data-date"), origin.get_attribute("data-hour")
    # Meanwhile the task went to someone else: the server refuses the move.
    other = User.objects.get(email="rep2@keel.test")
    Task.objects.filter(pk=task.pk).update(owner=other, team=other.team)
    slot = page.locator(f'td[data-hour="{origin_hour}"]:not([data-date="{origin_date}"])').first
    item.drag_to(slot)
    expect(page.locator("#toasts")).to_contain_text("not found")
    back = page.locator(f'td[data-date="{origin_date}"][data-hour="{origin_hour}"]')
    expect(back.get_by_role("link", name=re.compile("Call the bank"))).to_be_visible()


def test_log_a_call_on_a_record_and_see_it_on_the_timeline(page, rep):
    from activities.models import Activity
    from activities.services import user_zone
    from tests.leads.factories import LeadFactory

    lead = LeadFactory(owner=rep, first_name="Nora", last_name="Berg")
    sign_in(page, "rep@keel.test")
    page.goto(lead.get_absolute_url())
    timeline = page.get_by_role("region", name="Timeline")
    expect(timeline).not_to_contain_text("Discovery call")

    log = page.get_by_role("region", name="Log activity")
    expect(log.get_by_role("radio", name="Call")).to_be_checked()
    expect(log.get_by_label("Location")).to_be_hidden()  # meetings only
    log.get_by_label("Subject").fill("Discovery call")
    log.get_by_label("Notes").fill("Budget approved for Q3.")
    log.get_by_label("Direction").select_option(label="Outbound")
    log.get_by_label("Outcome").select_option(label="Connected")
    log.get_by_role("button", name="Log activity").click()

    entry = timeline.get_by_role("listitem").filter(has_text="Discovery call")
    expect(entry).to_be_visible()
    expect(entry).to_contain_text("Riley Rep logged a call")
    expect(entry).to_contain_text("Budget approved for Q3.")
    expect(entry).to_contain_text("Connected")
    expect(log.get_by_label("Subject")).to_have_value("")  # a fresh form for the next one
    activity = Activity.objects.get(subject="Discovery call")
    assert (activity.lead_id, activity.direction, activity.outcome) == (
        lead.pk,
        "outbound",
        "connected",
    )

    # A mistake comes back in the form (the server's words), not as a lost entry.
    log.get_by_role("radio", name="Note").check()
    expect(log.get_by_label("Direction")).to_be_hidden()
    log.get_by_label("Subject").fill("Follow-up")
    tomorrow = datetime.now(user_zone(rep)) + timedelta(days=1)
    log.get_by_label("When").fill(tomorrow.strftime("%Y-%m-%dT%H:%M"))
    log.get_by_role("button", name="Log activity").click()
    expect(log.get_by_text(re.compile("logged when it happened"))).to_be_visible()
    expect(log.get_by_label("Subject")).to_have_value("Follow-up")
    assert Activity.objects.count() == 1

    page.reload()
    expect(page.get_by_role("region", name="Timeline")).to_contain_text("Discovery call")

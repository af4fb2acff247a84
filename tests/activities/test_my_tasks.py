"""My tasks: grouped Overdue / Today / Upcoming / No due date in the user's own time zone."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.urls import reverse

from activities import selectors, services
from tests.activities.factories import TaskFactory
from tests.deals.factories import DealFactory

pytestmark = pytest.mark.django_db

# 20:00 UTC on 10 March 2026: 13:00 the same day in Los Angeles (PDT, UTC-7) and 09:00 the
# next day in Auckland (NZDT, UTC+13).
NOW = datetime(2026, 3, 10, 20, 0, tzinfo=UTC)


def groups(user):
    mine = selectors.my_tasks(user=user, now=NOW)
    return {g.key: [t.title for t in g.tasks] for g in mine.groups}, mine


@time_machine.travel(NOW, tick=False)
@pytest.mark.parametrize(
    ("zone", "expected"),
    [
        (
            "America/Los_Angeles",
            {
                "overdue": ["Late"],
                "today": ["This evening"],
                "upcoming": ["Late tonight UTC", "Auckland Thursday"],
                "undated": ["Someday"],
            },
        ),
        (
            "Pacific/Auckland",
            {
                "overdue": ["Late"],
                "today": ["This evening", "Late tonight UTC"],
                "upcoming": ["Auckland Thursday"],
                "undated": ["Someday"],
            },
        ),
    ],
)
def test_groups_follow_the_users_time_zone(rep, zone, expected):
    rep.timezone = zone
    rep.save()
    TaskFactory(owner=rep, title="Late", due_at=NOW - timedelta(hours=1))
    TaskFactory(owner=rep, title="This evening", due_at=NOW + timedelta(hours=2))  # 22:00 UTC
    TaskFactory(owner=rep, title="Late tonight UTC", due_at=datetime(2026, 3, 11, 9, 0, tzinfo=UTC))
    TaskFactory(
        owner=rep, title="Auckland Thursday", due_at=datetime(2026, 3, 11, 12, 0, tzinfo=UTC)
    )
    TaskFactory(owner=rep, title="Someday", due_at=None)
    TaskFactory(
        owner=rep,
        title="Done",
        due_at=NOW - timedelta(hours=3),
        completed_at=NOW - timedelta(hours=2),
    )
    found, mine = groups(rep)
    assert found == expected
    assert mine.open_total == 5
    assert [t.title for t in mine.done_today] == ["Done"]


@time_machine.travel(NOW, tick=False)
def test_an_all_day_task_is_today_all_day_and_overdue_only_after_the_day(rep):
    rep.timezone = "America/Los_Angeles"
    rep.save()
    noon_today = datetime(2026, 3, 10, 19, 0, tzinfo=UTC)  # noon in Los Angeles
    task = services.task_create(actor=rep, title="All day", due_at=noon_today, all_day=True)
    found, _ = groups(rep)
    assert found["today"] == ["All day"]
    assert found["overdue"] == []
    assert not task.is_overdue(at=NOW)
    assert task.is_overdue(at=NOW + timedelta(hours=11))  # past midnight in Los Angeles


@time_machine.travel(NOW, tick=False)
def test_only_my_open_tasks_and_a_constant_number_of_queries(
    rep, other_rep, django_assert_max_num_queries
):
    deal = DealFactory(owner=rep)
    TaskFactory.create_batch(3, owner=rep, deal=deal, due_at=NOW + timedelta(days=2))
    TaskFactory(owner=other_rep, title="Theirs", due_at=NOW + timedelta(days=2))
    with django_assert_max_num_queries(6):
        found, _ = groups(rep)
    assert len(found["upcoming"]) == 3
    assert "Theirs" not in found["upcoming"]


@time_machine.travel(NOW, tick=False)
def test_a_big_group_is_cut_and_counted(rep):
    TaskFactory.create_batch(7, owner=rep, due_at=NOW - timedelta(days=1))
    mine = selectors.my_tasks(user=rep, now=NOW, limit=5)
    overdue = mine.groups[0]
    assert (len(overdue.tasks), overdue.total, overdue.more) == (5, 7, 2)


@time_machine.travel(NOW, tick=False)
def test_the_page_for_each_role(
    client_for, rep, other_rep, read_only, django_assert_max_num_queries
):
    rep.timezone = "America/Los_Angeles"
    rep.save()
    deal = DealFactory(owner=rep, name="Big deal")
    TaskFactory(owner=rep, title="Call Jane", deal=deal, due_at=NOW - timedelta(hours=2))
    TaskFactory(owner=other_rep, title="Not yours", due_at=NOW + timedelta(hours=1))
    url = reverse("activities:task-mine")
    client = client_for(rep)
    client.get(url)
    for n in range(20):
        TaskFactory(owner=rep, deal=DealFactory(owner=rep), due_at=NOW + timedelta(days=n % 4))
    with django_assert_max_num_queries(25):
        page = client.get(url)
    html = page.content.decode()
    assert page.status_code == 200
    assert "Call Jane" in html
    assert "Big deal" in html
    assert "Not yours" not in html
    assert 'aria-label="Mark Call Jane done"' in html
    assert "overdue" in html
    assert client_for(read_only).get(url).status_code == 200
    anonymous = client_for(None).get(url)
    assert anonymous.status_code == 302
    assert anonymous["Location"].startswith("/accounts/login/")

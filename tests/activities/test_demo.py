"""Demo activities and tasks: believable, deterministic and idempotent."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from accounts.demo import seed_people
from accounts.models import User
from activities import selectors
from activities.demo import seed_activities
from activities.models import Activity, Task
from deals.models import Deal
from tests.contacts.factories import CompanyFactory, ContactFactory
from tests.deals.factories import DealFactory, PipelineFactory
from tests.leads.factories import LeadFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo_records(db):
    seed_people()
    rep = User.objects.get(email="rep@keel.test")
    manager = User.objects.get(email="manager@keel.test")
    pipeline = PipelineFactory(name="Demo")
    for owner in (rep, manager):
        for _ in range(4):
            company = CompanyFactory(owner=owner)
            contact = ContactFactory(owner=owner, company=company)
            deal = DealFactory(owner=owner, company=company, pipeline=pipeline)
            deal.contacts.add(contact)
            LeadFactory(owner=owner)
    return rep


def test_seeding_twice_adds_nothing_the_second_time(demo_records):
    first = seed_activities()
    activities, tasks = Activity.objects.count(), Task.objects.count()
    assert activities > 40
    assert tasks > 40
    assert "0 activities and 0 tasks" not in first[0]
    assert seed_activities() == ["Activities: 0 activities and 0 tasks added."]
    assert (Activity.objects.count(), Task.objects.count()) == (activities, tasks)


def test_every_demo_user_has_overdue_today_upcoming_and_done_tasks(demo_records):
    seed_activities()
    for user in User.objects.active().filter(email__endswith="@keel.test"):
        mine = selectors.my_tasks(user=user)
        counts = {group.key: group.total for group in mine.groups}
        assert min(counts["overdue"], counts["today"], counts["upcoming"]) > 0, (user, counts)
        assert Task.objects.filter(owner=user, completed_at__isnull=False).exists()
    # Past due dates are history, not news for the beat job.
    assert not Task.objects.filter(due_at__lt=timezone.now(), due_notified_at__isnull=True).exists()


def test_the_calendar_has_meetings_this_week_and_next_and_deals_have_activity(demo_records):
    seed_activities()
    now = timezone.now()
    upcoming = Activity.objects.filter(
        kind=Activity.Kind.MEETING,
        occurred_at__gte=now - timedelta(days=7),
        occurred_at__lt=now + timedelta(days=14),
    )
    assert upcoming.filter(owner=demo_records).count() >= 6
    past = Activity.objects.exclude(kind=Activity.Kind.MEETING)
    assert not past.filter(occurred_at__gt=now).exists()
    assert past.filter(occurred_at__lt=now - timedelta(days=30)).exists()
    assert Deal.objects.filter(last_activity_at__isnull=False).count() == Deal.objects.count()
    assert not Activity.objects.filter(deal__isnull=False, company__isnull=True).exists()

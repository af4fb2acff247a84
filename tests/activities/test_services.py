"""Activity and task services: what they write, what they refuse, the events they publish."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from activities import services
from activities.models import Activity, Task
from crm.models import Event
from deals.models import Deal
from leads.models import Lead
from tests.accounts.factories import UserFactory
from tests.activities.factories import ActivityFactory, MeetingFactory, TaskFactory
from tests.contacts.factories import CompanyFactory, ContactFactory
from tests.deals.factories import DealFactory
from tests.leads.factories import LeadFactory

pytestmark = pytest.mark.django_db


# ---------------------------------------------------------------- activity_log


def test_logging_on_a_deal_fills_its_company_owner_and_last_activity(rep, events):
    company = CompanyFactory(owner=rep)
    deal = DealFactory(owner=rep, company=company, amount=Decimal("10"))
    activity = services.activity_log(
        actor=rep,
        kind="call",
        subject="Pricing",
        direction="outbound",
        outcome="connected",
        deal=deal,
    )
    assert activity.company_id == company.pk
    assert activity.deal_id == deal.pk
    assert activity.owner == rep
    assert activity.team_id == rep.team_id
    deal.refresh_from_db()
    assert deal.last_activity_at == activity.occurred_at
    assert deal.version == 1  # logging is not an edit of the deal: no kanban conflicts
    [payload] = events("activity.logged")
    assert payload == {
        "activity_id": activity.pk,
        "kind": "call",
        "owner_id": rep.pk,
        "occurred_at": activity.occurred_at.isoformat(),
        "lead_id": None,
        "contact_id": None,
        "company_id": company.pk,
        "deal_id": deal.pk,
    }


def test_logging_on_a_contact_fills_its_company_unless_one_is_given(rep):
    company, other = CompanyFactory(owner=rep), CompanyFactory(owner=rep)
    contact = ContactFactory(owner=rep, company=company)
    filled = services.activity_log(actor=rep, kind="note", subject="Met", contact=contact)
    assert filled.company_id == company.pk
    given = services.activity_log(
        actor=rep, kind="note", subject="Met", contact=contact, company=other
    )
    assert given.company_id == other.pk


def test_an_older_activity_does_not_move_last_activity_back_and_a_future_meeting_not_ahead(rep):
    deal = DealFactory(owner=rep)
    services.activity_log(actor=rep, kind="note", subject="Today", deal=deal)
    deal.refresh_from_db()
    latest = deal.last_activity_at
    services.activity_log(
        actor=rep,
        kind="call",
        subject="Old",
        occurred_at=timezone.now() - timedelta(days=3),
        deal=deal,
    )
    deal.refresh_from_db()
    assert deal.last_activity_at == latest
    start = timezone.now() + timedelta(days=5)
    services.activity_log(actor=rep, kind="meeting", subject="Demo", occurred_at=start, deal=deal)
    deal.refresh_from_db()
    assert latest <= deal.last_activity_at <= timezone.now()


def test_kind_specific_fields_are_kept_only_where_they_belong(rep):
    company = CompanyFactory(owner=rep)
    start = timezone.now() + timedelta(days=1)
    note = services.activity_log(
        actor=rep, kind="note", subject="N", direction="inbound", outcome="busy",
        location="Office", ends_at=start, company=company,
    )  # fmt: skip
    assert (note.direction, note.outcome, note.location, note.ends_at) == ("", "", "", None)
    meeting = services.activity_log(
        actor=rep, kind="meeting", subject="M", occurred_at=start,
        ends_at=start + timedelta(hours=1), location="Their office", direction="inbound",
        company=company,
    )  # fmt: skip
    assert meeting.location == "Their office"
    assert meeting.direction == ""


@pytest.mark.parametrize(
    ("values", "field"),
    [
        ({"kind": "call", "subject": "  "}, "subject"),
        ({"kind": "fax", "subject": "Hi"}, "kind"),
        ({"kind": "call", "subject": "Hi", "outcome": "maybe"}, "outcome"),
        (
            {
                "kind": "call",
                "subject": "Later",
                "occurred_at": timezone.now() + timedelta(hours=2),
            },
            "occurred_at",
        ),
        ({"kind": "note", "subject": "x" * 201}, "subject"),
    ],
)
def test_bad_input_is_refused_and_nothing_is_written(rep, values, field):
    company = CompanyFactory(owner=rep)
    with pytest.raises(ValidationError) as refused:
        services.activity_log(actor=rep, company=company, **values)
    assert field in refused.value.message_dict
    assert not Activity.objects.exists()
    assert not Event.objects.exists()


def test_a_meeting_must_end_after_it_starts(rep):
    start = timezone.now() + timedelta(days=1)
    with pytest.raises(ValidationError) as refused:
        services.activity_log(
            actor=rep,
            kind="meeting",
            subject="M",
            occurred_at=start,
            ends_at=start - timedelta(minutes=5),
        )
    assert "ends_at" in refused.value.message_dict


def test_logging_on_a_record_the_actor_cannot_see_is_refused(rep, other_rep, read_only):
    theirs = CompanyFactory(owner=other_rep)
    with pytest.raises(PermissionDenied):
        services.activity_log(actor=rep, kind="note", subject="Peek", company=theirs)
    with pytest.raises(PermissionDenied):  # read-only sees it, but may not log
        services.activity_log(actor=read_only, kind="note", subject="Hi", company=theirs)
    assert not Activity.objects.exists()


def test_a_converted_lead_takes_no_more_activities(rep):
    lead = LeadFactory(owner=rep, status=Lead.Status.CONVERTED)
    with pytest.raises(ValidationError, match="converted"):
        services.activity_log(actor=rep, kind="call", subject="Hi", lead=lead)


def test_update_publishes_the_changed_fields_and_a_no_op_publishes_nothing(rep, other_rep, events):
    activity = ActivityFactory(owner=rep, subject="Old", body="")
    services.activity_update(actor=rep, activity=activity, subject="New", body="Notes")
    assert events("activity.updated") == [
        {"activity_id": activity.pk, "changed": ["subject", "body"]}
    ]
    services.activity_update(actor=rep, activity=activity, subject="New")
    assert len(events("activity.updated")) == 1
    with pytest.raises(PermissionDenied):
        services.activity_update(actor=other_rep, activity=activity, subject="Mine now")


def test_rescheduling_a_meeting_keeps_its_length_and_refuses_other_kinds(rep):
    meeting = MeetingFactory(owner=rep, ends_at=None)
    meeting.ends_at = meeting.occurred_at + timedelta(minutes=45)
    meeting.save()
    start = (timezone.now() + timedelta(days=2)).replace(microsecond=0)
    services.activity_reschedule(actor=rep, activity=meeting, occurred_at=start)
    meeting.refresh_from_db()
    assert meeting.occurred_at == start
    assert meeting.ends_at == start + timedelta(minutes=45)
    with pytest.raises(ValidationError):
        services.activity_reschedule(
            actor=rep, activity=ActivityFactory(owner=rep), occurred_at=start
        )


def test_delete_needs_the_right(rep, support, events):
    activity = ActivityFactory(owner=rep)
    pk = activity.pk
    with pytest.raises(PermissionDenied):  # support agents see everything but delete nothing
        services.activity_delete(actor=support, activity=activity)
    services.activity_delete(actor=rep, activity=activity)
    assert not Activity.objects.exists()
    assert events("activity.deleted")[0]["activity_id"] == pk


# ---------------------------------------------------------------- tasks


def test_task_create_defaults_to_the_actor_and_fills_the_company(rep, events):
    company = CompanyFactory(owner=rep)
    deal = DealFactory(owner=rep, company=company)
    due = timezone.now() + timedelta(days=2)
    task = services.task_create(actor=rep, title="Send proposal", due_at=due, deal=deal, priority=3)
    assert (task.owner, task.created_by, task.company_id, task.priority) == (
        rep,
        rep,
        company.pk,
        3,
    )
    [payload] = events("task.created")
    assert payload["task_id"] == task.pk
    assert payload["deal_id"] == deal.pk
    assert payload["due_at"] == due.isoformat()
    assert events("task.assigned") == []


def test_a_manager_assigns_within_the_team_a_rep_only_to_self(manager, rep, other_rep, events):
    task = services.task_create(actor=manager, title="Call back", owner=rep)
    assert task.owner == rep
    assert task.team_id == rep.team_id
    assert events("task.assigned") == [
        {"task_id": task.pk, "from_owner_id": None, "to_owner_id": rep.pk}
    ]
    with pytest.raises(ValidationError) as refused:
        services.task_create(actor=rep, title="Yours", owner=other_rep)
    assert "owner" in refused.value.message_dict
    with pytest.raises(ValidationError):
        services.task_create(actor=manager, title="Other team", owner=other_rep)


def test_an_all_day_task_falls_due_at_the_end_of_its_day_in_the_assignees_zone(rep):
    rep.timezone = "America/Chicago"
    rep.save()
    noon = datetime(2026, 3, 12, 12, 0, tzinfo=UTC)  # the form sends the day at noon
    task = services.task_create(actor=rep, title="Quarter close", due_at=noon, all_day=True)
    local = task.due_at.astimezone(services.user_zone(rep))
    assert (local.date().isoformat(), local.hour, local.minute) == ("2026-03-12", 23, 59)
    undated = services.task_create(actor=rep, title="Someday", all_day=True)
    assert undated.due_at is None
    assert undated.all_day is False


def test_a_reminder_comes_before_the_due_time(rep):
    due = timezone.now() + timedelta(days=1)
    with pytest.raises(ValidationError) as refused:
        services.task_create(
            actor=rep, title="Late", due_at=due, reminder_at=due + timedelta(hours=1)
        )
    assert "reminder_at" in refused.value.message_dict
    task = services.task_create(
        actor=rep, title="Ok", due_at=due, reminder_at=due - timedelta(hours=1)
    )
    assert task.reminder_at == due - timedelta(hours=1)


def test_complete_is_idempotent(rep, events):
    task = TaskFactory(owner=rep)
    services.task_complete(actor=rep, task=task)
    task.refresh_from_db()
    first = task.completed_at
    assert first is not None
    assert task.completed_by == rep
    services.task_complete(actor=rep, task=Task.objects.get(pk=task.pk))  # a stale copy too
    task.refresh_from_db()
    assert task.completed_at == first
    assert events("task.completed") == [
        {"task_id": task.pk, "owner_id": rep.pk, "completed_by_id": rep.pk}
    ]


def test_reopen_undoes_a_completion_once(rep, events):
    task = TaskFactory(owner=rep)
    services.task_complete(actor=rep, task=task)
    services.task_reopen(actor=rep, task=task)
    services.task_reopen(actor=rep, task=task)
    task.refresh_from_db()
    assert task.completed_at is None
    assert task.completed_by is None
    assert len(events("task.reopened")) == 1


def test_only_someone_who_may_change_the_task_completes_it(rep, other_rep, manager, read_only):
    task = TaskFactory(owner=rep)
    for outsider in (other_rep, read_only):
        with pytest.raises(PermissionDenied):
            services.task_complete(actor=outsider, task=task)
    services.task_complete(actor=manager, task=task)  # the team's manager
    assert Task.objects.get(pk=task.pk).completed_by == manager


def test_reschedule_moves_the_reminder_and_lets_the_task_fall_due_again(rep, events):
    due = timezone.now() - timedelta(hours=1)
    task = TaskFactory(owner=rep, due_at=due, reminder_at=due - timedelta(minutes=15))
    services.tasks_publish_due()
    task.refresh_from_db()
    assert task.due_notified_at is not None
    new_due = (timezone.now() + timedelta(days=1)).replace(microsecond=0)
    services.task_reschedule(actor=rep, task=task, due_at=new_due)
    task.refresh_from_db()
    assert task.due_at == new_due
    assert task.reminder_at == new_due - timedelta(minutes=15)
    assert task.due_notified_at is None
    assert events("task.updated")[-1] == {
        "task_id": task.pk,
        "changed": ["due_at", "reminder_at"],
        "due_at": new_due.isoformat(),
    }


def test_assign_publishes_from_and_to(manager, rep, events):
    task = TaskFactory(owner=manager)
    services.task_assign(actor=manager, task=task, owner=rep)
    services.task_assign(actor=manager, task=task, owner=rep)  # no change, no event
    task.refresh_from_db()
    assert task.owner == rep
    assert task.team_id == rep.team_id
    assert events("task.assigned") == [
        {"task_id": task.pk, "from_owner_id": manager.pk, "to_owner_id": rep.pk}
    ]


def test_update_changes_fields_and_the_assignee(manager, rep, events):
    task = TaskFactory(owner=manager, title="Old", priority=2)
    services.task_update(actor=manager, task=task, title="New", priority=4, owner=rep)
    task.refresh_from_db()
    assert (task.title, task.priority, task.owner) == ("New", 4, rep)
    assert events("task.updated") == [{"task_id": task.pk, "changed": ["title", "priority"]}]
    assert events("task.assigned")[0]["to_owner_id"] == rep.pk


def test_task_delete_needs_the_right(rep, support):
    task = TaskFactory(owner=rep)
    with pytest.raises(PermissionDenied):
        services.task_delete(actor=support, task=task)
    services.task_delete(actor=rep, task=task)
    assert not Task.objects.exists()


# ---------------------------------------------------------------- bulk


def test_bulk_complete_acts_only_on_what_the_actor_may_change(
    rep, other_rep, events, django_assert_max_num_queries
):
    mine = TaskFactory.create_batch(30, owner=rep)
    TaskFactory.create_batch(5, owner=other_rep)
    done_already = TaskFactory(owner=rep, completed_at=timezone.now())
    with django_assert_max_num_queries(40 + 2 * 30):  # event rows only, no per-task reads
        count = services.task_bulk_complete(actor=rep, tasks=Task.objects.all())
    assert count == 30
    assert (
        Task.objects.filter(pk__in=[t.pk for t in mine], completed_at__isnull=False).count() == 30
    )
    assert Task.objects.filter(owner=other_rep, completed_at__isnull=True).count() == 5
    assert {p["task_id"] for p in events("task.completed")} == {t.pk for t in mine}
    assert done_already.pk not in {p["task_id"] for p in events("task.completed")}


def test_bulk_assign_and_delete(manager, rep, other_rep, support, events):
    team = TaskFactory.create_batch(3, owner=manager)
    TaskFactory(owner=other_rep)
    assert services.task_bulk_assign(actor=manager, tasks=Task.objects.all(), owner=rep) == 3
    assert Task.objects.filter(owner=rep).count() == 3
    assert [p["from_owner_id"] for p in events("task.assigned")] == [manager.pk] * 3
    with pytest.raises(ValidationError):
        services.task_bulk_assign(actor=rep, tasks=Task.objects.all(), owner=other_rep)
    assert services.task_bulk_delete(actor=support, tasks=Task.objects.all()) == 0
    assert services.task_bulk_delete(actor=manager, tasks=Task.objects.all()) == 3
    assert not Task.objects.filter(pk__in=[t.pk for t in team]).exists()
    assert Task.objects.filter(owner=other_rep).exists()


# ---------------------------------------------------------------- task.due


def test_due_tasks_are_published_once(rep, events):
    now = timezone.now()
    due = TaskFactory.create_batch(3, owner=rep, due_at=now - timedelta(minutes=5))
    TaskFactory(owner=rep, due_at=now + timedelta(hours=1))  # not yet
    TaskFactory(owner=rep, due_at=now - timedelta(hours=1), completed_at=now)  # done
    TaskFactory(owner=rep, due_at=None)
    assert services.tasks_publish_due(now=now) == 3
    assert services.tasks_publish_due(now=now) == 0
    assert services.tasks_publish_due() == 0
    assert sorted(p["task_id"] for p in events("task.due")) == sorted(t.pk for t in due)
    assert Task.objects.filter(due_notified_at=now).count() == 3


def test_two_beats_at_once_publish_each_task_once(rep, events, monkeypatch):
    """A second beat runs in the middle of the first (after the first listed its candidates):
    the compare-and-set claim lets each task through once."""
    now = timezone.now()
    TaskFactory.create_batch(4, owner=rep, due_at=now - timedelta(minutes=1))
    real_publish = services.publish
    calls = {"n": 0}

    def publish_then_race(*args, **kwargs):
        calls["n"] += 1
        event = real_publish(*args, **kwargs)
        if calls["n"] == 1:
            services.tasks_publish_due(now=now)  # the other beat, mid-run
        return event

    monkeypatch.setattr(services, "publish", publish_then_race)
    first = services.tasks_publish_due(now=now)
    assert first == 1  # the other beat took the rest
    assert len(events("task.due")) == 4
    assert len({p["task_id"] for p in events("task.due")}) == 4


def test_due_tasks_are_claimed_in_batches(rep, events):
    now = timezone.now()
    TaskFactory.create_batch(7, owner=rep, due_at=now - timedelta(minutes=1))
    assert services.tasks_publish_due(now=now, batch_size=3) == 7
    assert len(events("task.due")) == 7


def test_the_celery_task_calls_the_service(rep, events):
    from activities.tasks import tasks_publish_due_task

    TaskFactory(owner=rep, due_at=timezone.now() - timedelta(minutes=1))
    assert tasks_publish_due_task.delay().get() == 1
    assert len(events("task.due")) == 1


def test_a_deactivated_user_gets_no_tasks(manager):
    gone = UserFactory(team=manager.team, is_active=False, role="sales_rep")
    with pytest.raises(ValidationError):
        services.task_create(actor=manager, title="Hi", owner=gone)


@time_machine.travel(datetime(2026, 3, 10, 15, 0, tzinfo=UTC), tick=False)
def test_last_activity_is_an_update_on_the_deal_only(rep):
    deal = DealFactory(owner=rep)
    other = DealFactory(owner=rep)
    services.activity_log(actor=rep, kind="email", subject="Sent", deal=deal)
    assert Deal.objects.get(pk=deal.pk).last_activity_at == timezone.now()
    assert Deal.objects.get(pk=other.pk).last_activity_at is None

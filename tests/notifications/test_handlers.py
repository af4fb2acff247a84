"""Who is told what: each event type's recipients, never the actor, never about a record
they cannot see, once per event however often it is delivered."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from accounts import sharing
from activities import services as activity_services
from crm.models import Delivery
from crm.tasks import delivery_run_task
from deals import services as deal_services
from leads import services as lead_services
from notifications.models import Notification
from tests.activities.factories import TaskFactory
from tests.deals.factories import DealFactory
from tests.leads.factories import LeadFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def run(django_capture_on_commit_callbacks):
    """Run a change and the event handlers it causes, as the worker would after commit."""

    def go(change):
        with django_capture_on_commit_callbacks(execute=True):
            return change()

    return go


def inbox(user) -> list[tuple[str, str]]:
    return list(
        Notification.objects.filter(recipient=user).order_by("id").values_list("kind", "title")
    )


def test_a_manager_assigning_a_lead_tells_the_rep_and_not_the_manager(run, manager, rep):
    lead = LeadFactory(owner=manager, first_name="Jo", last_name="Smith")
    run(lambda: lead_services.lead_assign(actor=manager, lead=lead, owner=rep))
    assert inbox(rep) == [("lead.assigned", "Morgan Manager assigned you the lead Jo Smith")]
    assert inbox(manager) == []
    note = Notification.objects.get(recipient=rep)
    assert (note.actor, note.url, note.record_type, note.record_id) == (
        manager,
        lead.get_absolute_url(),
        "leads.lead",
        lead.pk,
    )


def test_taking_a_record_oneself_tells_nobody(run, manager, rep):
    lead = LeadFactory(owner=rep)
    deal = DealFactory(owner=rep)
    run(lambda: lead_services.lead_assign(actor=manager, lead=lead, owner=manager))
    run(lambda: deal_services.deal_assign(actor=manager, deal=deal, owner=manager))
    assert inbox(manager) == []


def test_deal_moves_wins_and_losses_tell_the_owner(run, manager, rep):
    deal = DealFactory(owner=rep, name="Harbor")
    stages = list(deal.pipeline.stages.order_by("position"))
    run(lambda: deal_services.deal_move(actor=manager, deal=deal, stage=stages[1]))
    run(lambda: deal_services.deal_close_won(actor=manager, deal=deal))
    assert inbox(rep) == [
        ("deal.stage_changed", f"Morgan Manager moved Harbor to {stages[1].name}"),
        ("deal.won", "Harbor was won by Morgan Manager"),
    ]
    run(lambda: deal_services.deal_move(actor=rep, deal=deal, stage=stages[0]))
    assert len(inbox(rep)) == 2  # their own move


def test_a_task_given_to_someone_and_a_due_task_tell_the_assignee(run, manager, rep):
    task = run(
        lambda: activity_services.task_create(actor=manager, title="Call Jo back", owner=rep)
    )
    due = TaskFactory(
        owner=rep, title="Send the quote", due_at=timezone.now() - timedelta(minutes=1)
    )
    run(activity_services.tasks_publish_due)
    kinds = inbox(rep)
    assert ("task.assigned", "Morgan Manager gave you the task Call Jo back") in kinds
    assert ("task.due", "Due now: Send the quote") in kinds
    assert task.pk
    assert due.pk


def test_a_share_tells_the_person_or_each_member_of_the_team(run, rep, other_rep, emea):
    from tests.accounts.factories import UserFactory

    teammate = UserFactory(team=emea, role="sales_rep", full_name="Tia Teammate")
    lead = LeadFactory(owner=rep, first_name="Jo", last_name="Smith")
    run(lambda: sharing.share(rep, lead, who=other_rep, level="edit"))
    assert inbox(other_rep) == [
        ("record.shared", "Riley Rep shared the lead Jo Smith with you to edit")
    ]
    deal = DealFactory(owner=rep, name="Harbor")
    run(lambda: sharing.share(rep, deal, who=emea, level="view"))
    title = "Riley Rep shared the deal Harbor with your team to view"
    assert ("record.shared", title) in inbox(teammate)
    assert ("record.shared", title) in inbox(other_rep)


def test_nobody_is_told_about_a_record_they_cannot_see_nor_when_deactivated(run, admin_user, rep):
    from tests.accounts.factories import UserFactory

    roleless = UserFactory(full_name="No Role")  # may not view deals at all
    deal = DealFactory(owner=roleless)
    stages = list(deal.pipeline.stages.order_by("position"))
    run(lambda: deal_services.deal_move(actor=admin_user, deal=deal, stage=stages[1]))
    assert inbox(roleless) == []
    lead = LeadFactory(owner=rep)
    rep.is_active = False
    rep.save()
    task = TaskFactory(owner=rep, title="Old", due_at=timezone.now() - timedelta(minutes=5))
    run(activity_services.tasks_publish_due)
    assert inbox(rep) == []
    assert lead.pk
    assert task.pk


def test_a_second_delivery_of_the_same_event_adds_nothing(run, manager, rep):
    lead = LeadFactory(owner=manager)
    run(lambda: lead_services.lead_assign(actor=manager, lead=lead, owner=rep))
    delivery = Delivery.objects.filter(
        event__type="lead.assigned", handler="notifications.handlers.assigned"
    ).get()
    Delivery.objects.filter(pk=delivery.pk).update(status=Delivery.Status.PENDING)
    delivery_run_task.apply(args=[delivery.pk])
    assert len(inbox(rep)) == 1


def test_a_reminder_fires_once_however_many_beats_run(run, rep):
    soon = timezone.now() - timedelta(seconds=5)
    task = TaskFactory(
        owner=rep, title="Call back", due_at=timezone.now() + timedelta(hours=1), reminder_at=soon
    )
    assert run(activity_services.tasks_publish_reminders) == 1
    assert run(activity_services.tasks_publish_reminders) == 0  # a second beat: claimed
    assert inbox(rep) == [("task.reminder", "Reminder: Call back")]
    task.refresh_from_db()
    assert task.reminder_sent_at is not None


@pytest.mark.postgresql
@pytest.mark.django_db(transaction=True)
def test_two_beats_at_once_publish_each_reminder_once(standard_roles):
    import threading

    from django.db import connection

    from crm.models import Event
    from tests.accounts.factories import UserFactory

    owner = UserFactory(role="sales_rep")
    past = timezone.now() - timedelta(seconds=5)
    for n in range(40):
        TaskFactory(owner=owner, title=f"Call {n}", reminder_at=past)
    start = threading.Barrier(2)
    counts: list[int] = []

    def beat() -> None:
        start.wait()
        try:
            counts.append(activity_services.tasks_publish_reminders(batch_size=7))
        finally:
            connection.close()

    beats = [threading.Thread(target=beat) for _ in range(2)]
    for thread in beats:
        thread.start()
    for thread in beats:
        thread.join()
    assert sum(counts) == 40
    assert Event.objects.filter(type="task.reminder").count() == 40

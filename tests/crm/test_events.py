"""The event spine: outbox rows in the caller's transaction, one run per handler."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from unittest import mock

import pytest
import time_machine
from django.db import transaction
from django.utils import timezone
from kombu.exceptions import OperationalError

from crm import events
from crm.models import Delivery, Event, Heartbeat
from crm.tasks import delivery_run_task

pytestmark = pytest.mark.django_db

calls: list[int] = []


def record(event: Event) -> None:
    calls.append(event.pk)
    Heartbeat.objects.create(name=f"seen-{event.pk}", at=timezone.now())


def explode(event: Event) -> None:
    Heartbeat.objects.create(name=f"half-done-{event.pk}", at=timezone.now())
    raise RuntimeError("handler broke")


def echo(event: Event) -> None:
    """Publishes another event caused by this one (what automation does)."""
    events.publish("test.echoed", cause=event, payload={"from": event.pk})


@pytest.fixture(autouse=True)
def handlers():
    calls.clear()
    events.handles("test.happened")(record)
    events.handles("test.broken")(explode)
    events.handles("test.echo")(echo)
    events.handles("test.echoed")(record)
    yield
    for func in (record, explode, echo):
        events.unregister(func)


def test_publish_writes_the_event_and_one_delivery_per_handler_in_the_transaction(rep):
    with transaction.atomic():
        event = events.publish("test.happened", actor=rep, payload={"lead_id": 7})
        assert Event.objects.filter(pk=event.pk).exists()
    delivery = Delivery.objects.get(event=event)
    assert delivery.handler == "tests.crm.test_events.record"
    assert delivery.status == Delivery.Status.PENDING
    assert (event.type, event.actor, event.payload, event.depth) == (
        "test.happened",
        rep,
        {"lead_id": 7},
        0,
    )


def test_after_commit_the_handler_runs_and_the_delivery_is_done(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        event = events.publish("test.happened", payload={})
    assert calls == [event.pk]
    delivery = Delivery.objects.get(event=event)
    assert delivery.status == Delivery.Status.DONE
    assert delivery.attempts == 1
    assert delivery.finished_at is not None


def test_an_event_from_a_rolled_back_transaction_never_dispatches(
    django_capture_on_commit_callbacks,
):
    def change_that_fails() -> None:
        with transaction.atomic():
            events.publish("test.happened", payload={})
            raise ZeroDivisionError

    with (
        mock.patch.object(delivery_run_task, "apply_async") as send,
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(ZeroDivisionError),
    ):
        change_that_fails()
    assert callbacks == []
    send.assert_not_called()
    assert not Event.objects.exists()
    assert not Delivery.objects.exists()
    assert calls == []


def test_a_delivery_dispatched_twice_runs_its_handler_once():
    event = events.publish("test.happened", payload={})
    delivery = Delivery.objects.get(event=event)
    assert delivery_run_task.apply(args=[delivery.pk]).get() is True
    assert delivery_run_task.apply(args=[delivery.pk]).get() is False
    assert calls == [event.pk]
    assert Delivery.objects.get(pk=delivery.pk).attempts == 1


def test_a_failing_handler_rolls_back_its_writes_and_is_retried_later():
    event = events.publish("test.broken", payload={})
    delivery = Delivery.objects.get(event=event)
    before = timezone.now()
    assert events.delivery_run(delivery_id=delivery.pk) is False
    delivery.refresh_from_db()
    assert delivery.status == Delivery.Status.PENDING
    assert delivery.attempts == 1
    assert delivery.queued_at is None
    assert delivery.available_at >= before + dt.timedelta(seconds=30)
    assert "RuntimeError: handler broke" in delivery.last_error
    assert not Heartbeat.objects.filter(name=f"half-done-{event.pk}").exists()


def test_a_handler_that_keeps_failing_ends_failed(settings):
    settings.CRM_EVENT_MAX_ATTEMPTS = 2
    event = events.publish("test.broken", payload={})
    delivery = Delivery.objects.get(event=event)
    events.delivery_run(delivery_id=delivery.pk)
    Delivery.objects.filter(pk=delivery.pk).update(available_at=timezone.now())
    events.delivery_run(delivery_id=delivery.pk)
    delivery.refresh_from_db()
    assert delivery.status == Delivery.Status.FAILED
    assert delivery.attempts == 2
    assert delivery.finished_at is not None

    assert events.delivery_retry(actor=None, delivery_id=delivery.pk) is True
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == (Delivery.Status.PENDING, 0)
    assert events.delivery_retry(actor=None, delivery_id=delivery.pk) is False


def test_with_the_broker_down_the_change_commits_and_the_sweeper_delivers_it_later(
    django_capture_on_commit_callbacks,
):
    with (
        mock.patch.object(
            delivery_run_task, "apply_async", side_effect=OperationalError("connection refused")
        ),
        django_capture_on_commit_callbacks(execute=True),
    ):
        event = events.publish("test.happened", payload={})
    delivery = Delivery.objects.get(event=event)
    assert delivery.status == Delivery.Status.PENDING
    assert delivery.queued_at is None
    assert calls == []

    # The broker is back: the next sweep queues it and the worker runs it.
    assert events.deliveries_redispatch_stuck() == 1
    delivery.refresh_from_db()
    assert delivery.status == Delivery.Status.DONE
    assert calls == [event.pk]


def test_the_sweeper_leaves_recently_queued_deliveries_alone(settings):
    settings.CRM_EVENT_STUCK_AFTER = 60
    with mock.patch.object(delivery_run_task, "apply_async") as send:
        events.publish("test.happened", payload={})  # queued_at = now; its task may be in flight
        assert events.deliveries_redispatch_stuck() == 0
        with time_machine.travel(timezone.now() + dt.timedelta(seconds=61)):
            assert events.deliveries_redispatch_stuck() == 1
    send.assert_called_once()


def test_the_sweeper_reruns_a_delivery_whose_worker_died(settings):
    event = events.publish("test.happened", payload={})
    long_ago = timezone.now() - dt.timedelta(hours=1)
    Delivery.objects.filter(event=event).update(
        status=Delivery.Status.RUNNING, claimed_at=long_ago, queued_at=long_ago, attempts=1
    )
    assert events.deliveries_redispatch_stuck() == 1
    delivery = Delivery.objects.get(event=event)
    assert delivery.status == Delivery.Status.DONE
    assert delivery.attempts == 2
    assert calls == [event.pk]


def test_events_caused_by_events_go_one_level_deeper_and_stop_at_the_limit(settings):
    settings.CRM_EVENT_MAX_DEPTH = 1
    root = events.publish("test.echo", payload={})
    events.delivery_run(delivery_id=Delivery.objects.get(event=root).pk)
    child = Event.objects.get(type="test.echoed")
    assert (child.cause, child.depth, child.halted) == (root, 1, False)

    grandchild = events.publish("test.echoed", cause=child, payload={})
    assert grandchild.depth == 2
    assert grandchild.halted is True
    assert not grandchild.deliveries.exists()


def test_payload_keeps_decimals_and_dates_as_json_strings():
    event = events.publish(
        "test.happened", payload={"amount": Decimal("12.50"), "due": dt.date(2026, 1, 31)}
    )
    event.refresh_from_db()
    assert event.payload == {"amount": "12.50", "due": "2026-01-31"}


@pytest.mark.parametrize("bad", ["Lead.Created", "created", "lead.", "lead created", ""])
def test_event_types_are_dotted_lower_case(bad):
    with pytest.raises(ValueError, match="dotted lower case"):
        events.publish(bad, payload={})


def test_a_delivery_for_a_handler_that_no_longer_exists_fails_without_retrying():
    event = events.publish("test.nobody", payload={})
    delivery = Delivery.objects.create(event=event, handler="gone.module.handler")
    assert events.delivery_run(delivery_id=delivery.pk) is False
    delivery.refresh_from_db()
    assert delivery.status == Delivery.Status.FAILED
    assert "No handler" in delivery.last_error


def test_events_older_than_the_retention_are_purged():
    old = events.publish("test.happened", payload={})
    Event.objects.filter(pk=old.pk).update(created_at=timezone.now() - dt.timedelta(days=91))
    recent = events.publish("test.happened", payload={})
    events.events_purge(older_than_days=90)
    assert list(Event.objects.values_list("pk", flat=True)) == [recent.pk]
    assert not Delivery.objects.filter(event_id=old.pk).exists()


def test_labels_describe_event_types():
    assert events.label_for("user.logged_in") == "Signed in"
    assert events.label_for("ticket.sla_breached") == "Ticket sla breached"  # undescribed

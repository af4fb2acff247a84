"""The administrators' system status page and its actions."""

from __future__ import annotations

from unittest import mock

import pytest
from django.urls import reverse
from kombu.exceptions import OperationalError

from crm import events
from crm.models import Delivery
from crm.tasks import ping_task

pytestmark = pytest.mark.django_db
URL = reverse("crm:system-status")


@pytest.mark.parametrize(
    ("persona", "status"),
    [
        ("admin_user", 200),
        ("manager", 403),
        ("rep", 403),
        ("other_rep", 403),
        ("support", 403),
        ("read_only", 403),
    ],
)
def test_only_admins_see_the_system_status(request, client_for, persona, status):
    client = client_for(request.getfixturevalue(persona))
    assert client.get(URL).status_code == status


def test_anonymous_is_sent_to_sign_in(client):
    response = client.get(URL)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


def test_the_page_lists_components_events_and_failed_deliveries(client_for, admin_user):
    event = events.publish("user.logged_in", actor=admin_user, payload={})
    failed = Delivery.objects.create(
        event=event, handler="some.handler", status=Delivery.Status.FAILED, last_error="Boom"
    )
    response = client_for(admin_user).get(URL)
    html = response.content.decode()
    assert "Channel layer" in html
    assert "user.logged_in" in html
    assert "Boom" in html
    assert f'aria-label="Retry delivery {failed.pk}"' in html


def test_the_query_count_does_not_grow_with_events(
    client_for, admin_user, django_assert_max_num_queries
):
    client = client_for(admin_user)
    for _ in range(3):
        events.publish("user.logged_in", actor=admin_user, payload={})
    with django_assert_max_num_queries(20) as few:
        client.get(URL)
    for _ in range(20):
        event = events.publish("user.logged_in", actor=admin_user, payload={})
        Delivery.objects.create(event=event, handler=f"h.{event.pk}", status=Delivery.Status.FAILED)
    with django_assert_max_num_queries(len(few.captured_queries)):
        client.get(URL)


def test_htmx_asks_for_the_checks_partial_only(client_for, admin_user):
    response = client_for(admin_user).get(
        URL, headers={"HX-Request": "true", "HX-Target": "system-checks"}
    )
    html = response.content.decode()
    assert 'id="system-checks"' in html
    assert "<html" not in html
    assert "Latest events" not in html


def test_ping_sends_a_task_for_the_user_and_says_so(client_for, admin_user):
    client = client_for(admin_user)
    with mock.patch.object(ping_task, "apply_async") as send:
        response = client.post(reverse("crm:system-ping"), headers={"HX-Request": "true"})
    assert response.status_code == 200
    assert send.call_args.kwargs["kwargs"]["user_id"] == admin_user.pk
    assert "Ping sent to the worker" in response.content.decode()  # toast, out of band
    assert 'hx-swap-oob="beforeend:#toasts"' in response.content.decode()


def test_ping_with_the_broker_down_says_it_could_not_be_sent(client_for, admin_user):
    client = client_for(admin_user)
    with mock.patch.object(ping_task, "apply_async", side_effect=OperationalError("down")):
        response = client.post(reverse("crm:system-ping"), follow=True)
    assert "broker is unreachable" in response.content.decode()


def test_ping_is_refused_to_reps(client_for, rep):
    with mock.patch.object(ping_task, "apply_async") as send:
        response = client_for(rep).post(reverse("crm:system-ping"))
    assert response.status_code == 403
    send.assert_not_called()


def test_retry_requeues_a_failed_delivery(
    client_for, admin_user, django_capture_on_commit_callbacks
):
    event = events.publish("user.logged_in", actor=admin_user, payload={})
    failed = Delivery.objects.create(
        event=event, handler="gone.handler", status=Delivery.Status.FAILED
    )
    client = client_for(admin_user)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("crm:delivery-retry", args=[failed.pk]), follow=True)
    assert "queued again" in response.content.decode()
    failed.refresh_from_db()
    # Its handler is gone, so the fresh attempt fails again, and says why.
    assert failed.status == Delivery.Status.FAILED
    assert failed.attempts == 1
    assert "No handler" in failed.last_error


def test_retry_is_refused_to_a_manager(client_for, manager, admin_user):
    event = events.publish("user.logged_in", actor=admin_user, payload={})
    failed = Delivery.objects.create(event=event, handler="h", status=Delivery.Status.FAILED)
    response = client_for(manager).post(reverse("crm:delivery-retry", args=[failed.pk]))
    assert response.status_code == 403
    failed.refresh_from_db()
    assert failed.status == Delivery.Status.FAILED
